#!/usr/bin/python3
"""Cross-checks keyway's IKEv2 serializer with Wireshark's dissector.

write_samples puts the codec's sample messages (tests/ike/samples.cpp)
into a pcap as UDP/500 packets; tshark, written by others, must dissect
every payload without a malformation and read back the values keyway
meant to write. Then IKE_AUTH sealed in SK payloads with every IKE cipher
suite: given the keys (its IKEv2 decryption table), Wireshark must find
each Integrity Checksum Data correct (the GCM tag over keyway's AAD, or
the HMAC over keyway's message) and read the decrypted IDi.

Usage: tshark_ikev2.py WRITE_SAMPLES TSHARK
"""
import subprocess
import sys
import tempfile
from pathlib import Path

FIELDS = [
    "frame.number", "_ws.malformed", "_ws.expert.severity",
    "isakmp.ispi", "isakmp.rspi", "isakmp.exchangetype", "isakmp.flags", "isakmp.messageid", "isakmp.length",
    "isakmp.typepayload", "isakmp.prop.number", "isakmp.prop.protoid", "isakmp.prop.transforms", "isakmp.spi",
    "isakmp.tf.type", "isakmp.tf.id.encr", "isakmp.tf.id.prf", "isakmp.tf.id.integ", "isakmp.tf.id.dh",
    "isakmp.tf.id.esn", "isakmp.ike2.attr.key_length", "isakmp.key_exchange.dh_group", "isakmp.nonce",
    "isakmp.notify.msgtype", "isakmp.notify.data", "isakmp.notify.data.signature_hash_algorithms",
    "isakmp.vid_bytes", "isakmp.id.type", "isakmp.id.data.fqdn", "isakmp.id.data.ipv4_addr",
    "isakmp.cert.encoding", "isakmp.certreq.type", "isakmp.ike.certreq.authority", "isakmp.auth.method",
    "isakmp.ts.number", "isakmp.ts.type", "isakmp.ts.protoid", "isakmp.ts.start_port", "isakmp.ts.end_port",
    "isakmp.ts.start_ipv4", "isakmp.ts.end_ipv4", "isakmp.delete.protoid", "isakmp.delete.spi",
    "x509af.serialNumber", "x509sat.printableString", "x509sat.uTF8String",
]

failures = []


def check(frame, name, got, want):
    if got != want:
        failures.append(f"frame {frame}: {name}: tshark read {got!r}, keyway wrote {want!r}")


def known_fields(tshark):
    out = subprocess.run([tshark, "-G", "fields"], capture_output=True, text=True, check=True).stdout
    return {line.split("\t")[2] for line in out.splitlines() if line.startswith("F\t")}


def dissect(tshark, pcap, fields, options=()):
    cmd = [tshark, "-r", pcap, "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|", *options]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    frames = []
    for line in out.splitlines():
        values = line.split("\t")
        frames.append({f: (v.split("|") if v else []) for f, v in zip(fields, values)})
    return frames


def check_sealed(tshark, pcap, manifest):
    """Decrypts the sealed frames with their keys; returns how many passed."""
    options = []
    for line in manifest:
        spi_i, spi_r, rest = line.split(" ", 2)
        # "cipher name [RFC]" SK_e "integrity name [RFC]" SK_a; names contain blanks.
        encr_name, rest = rest.split("] ", 1)
        sk_e, rest = rest.split(" ", 1)
        integ_name, sk_a = rest.rsplit("] ", 1)
        options += ["-o", f'uat:ikev2_decryption_table:{spi_i},{spi_r},{sk_e},{sk_e},"{encr_name}]",'
                          f'{sk_a.strip()},{sk_a.strip()},"{integ_name}]"']
    cmd = [tshark, "-r", pcap, "-V", *options]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    passed = 0
    # Frames 1-4 are the cleartext samples; the sealed ones follow.
    for n, frame in enumerate(out.split("\nFrame ")[4:], 5):
        line = manifest[n - 5]
        ok_icv = "Integrity Checksum Data" in frame and "[correct]" in frame
        ok_id = "ID_FQDN: R1.cisco.com" in frame and "[Malformed" not in frame
        if ok_icv and ok_id:
            passed += 1
        else:
            failures.append(f"frame {n} ({line.split(' ')[2:4]}): ICV correct {ok_icv}, IDi decrypted {ok_id}")
    return passed


def main():
    write_samples, tshark = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        pcap = str(Path(tmp) / "ikev2.pcap")
        manifest = subprocess.run([write_samples, pcap], check=True, capture_output=True,
                                  text=True).stdout.splitlines()
        available = known_fields(tshark)
        fields = [f for f in FIELDS if f in available or f.startswith("_ws.")]
        missing = [f for f in FIELDS if f not in fields]
        if missing:
            print("tshark lacks fields (not checked):", ", ".join(missing))
        frames = dissect(tshark, pcap, fields)
        sealed = check_sealed(tshark, pcap, manifest)

    if len(frames) != 4 + len(manifest):
        print(f"FAIL: tshark read {len(frames)} frames, expected {4 + len(manifest)}")
        return 1
    frames = frames[:4]
    get = lambda fr, name: fr.get(name, [])

    for n, fr in enumerate(frames, 1):
        check(n, "malformed", get(fr, "_ws.malformed"), [])
        severities = [s for s in get(fr, "_ws.expert.severity") if s not in ("", "2097152")]  # chat is fine
        check(n, "expert warnings/errors", severities, [])
        check(n, "initiator SPI", get(fr, "isakmp.ispi"), ["1122334455667788"])

    init, resp, auth, info = frames
    # IKE_SA_INIT request: two proposals, KE, nonce, four notifies, vendor ID.
    check(1, "exchange", get(init, "isakmp.exchangetype"), ["34"])
    # Payload types in dissection order, proposals (2) and transforms (3)
    # included.
    check(1, "payloads", get(init, "isakmp.typepayload"),
          ["33", "2", "3", "3", "3", "2", "3", "3", "3", "3", "34", "40", "41", "41", "41", "41", "43"])
    check(1, "proposal numbers", get(init, "isakmp.prop.number"), ["1", "2"])
    check(1, "transforms per proposal", get(init, "isakmp.prop.transforms"), ["3", "4"])
    check(1, "ENCR ids", get(init, "isakmp.tf.id.encr"), ["20", "12"])
    check(1, "key lengths", get(init, "isakmp.ike2.attr.key_length"), ["256", "128"])
    check(1, "PRF ids", get(init, "isakmp.tf.id.prf"), ["6", "5"])
    check(1, "INTEG ids", get(init, "isakmp.tf.id.integ"), ["12"])
    check(1, "DH ids", get(init, "isakmp.tf.id.dh"), ["20", "14"])
    check(1, "KE group", get(init, "isakmp.key_exchange.dh_group"), ["20"])
    check(1, "nonce", get(init, "isakmp.nonce"), ["".join(f"{0xa0 + i:02x}" for i in range(32))])
    check(1, "notify types", get(init, "isakmp.notify.msgtype"), ["16388", "16389", "16431", "16430"])
    if "isakmp.notify.data.signature_hash_algorithms" in fields:
        check(1, "signature hashes", get(init, "isakmp.notify.data.signature_hash_algorithms"), ["2", "3", "4"])
    check(1, "vendor ID", get(init, "isakmp.vid_bytes"), ["6b6579776179"])
    # IKE_SA_INIT response: flags R, one proposal, CERTREQ with two hashes.
    check(2, "responder SPI", get(resp, "isakmp.rspi"), ["99aabbccddeeff00"])
    check(2, "flags", get(resp, "isakmp.flags"), ["0x20"])
    check(2, "certreq type", get(resp, "isakmp.certreq.type"), ["4"])
    check(2, "certreq authorities",
          len(get(resp, "isakmp.ike.certreq.authority")) if "isakmp.ike.certreq.authority" in fields else 2, 2)
    # IKE_AUTH content: IDs, certificate, AUTH, child SA, selectors.
    check(3, "exchange", get(auth, "isakmp.exchangetype"), ["35"])
    check(3, "message ID", get(auth, "isakmp.messageid"), ["0x00000001"])
    check(3, "payloads", get(auth, "isakmp.typepayload"), ["35", "37", "38", "39", "41", "33", "2", "3", "3", "44", "45", "36"])
    check(3, "ID types", get(auth, "isakmp.id.type"), ["2", "1"])
    check(3, "IDi", get(auth, "isakmp.id.data.fqdn"), ["R1.cisco.com"])
    check(3, "IDr", get(auth, "isakmp.id.data.ipv4_addr"), ["192.168.0.2"])
    check(3, "cert encoding", get(auth, "isakmp.cert.encoding"), ["4"])
    subject = get(auth, "x509sat.printableString") + get(auth, "x509sat.uTF8String")
    check(3, "certificate subject read through the CERT payload", "R1.cisco.com" in subject, True)
    check(3, "auth method", get(auth, "isakmp.auth.method"), ["2"])
    check(3, "child proposal protocol", get(auth, "isakmp.prop.protoid"), ["3"])
    check(3, "child SPI", get(auth, "isakmp.spi"), ["c001d00d"])
    check(3, "ESN", get(auth, "isakmp.tf.id.esn"), ["0"])
    check(3, "TS types", get(auth, "isakmp.ts.type"), ["7", "7"])
    check(3, "TS protocols", get(auth, "isakmp.ts.protoid"), ["0", "6"])
    check(3, "TS start ports", get(auth, "isakmp.ts.start_port"), ["0", "80"])
    check(3, "TS end ports", get(auth, "isakmp.ts.end_port"), ["65535", "443"])
    check(3, "TS start", get(auth, "isakmp.ts.start_ipv4"), ["0.0.0.0", "192.168.200.0"])
    check(3, "TS end", get(auth, "isakmp.ts.end_ipv4"), ["255.255.255.255", "192.168.200.255"])
    # INFORMATIONAL: two Delete payloads.
    check(4, "exchange", get(info, "isakmp.exchangetype"), ["37"])
    check(4, "delete protocols", get(info, "isakmp.delete.protoid"), ["3", "1"])
    check(4, "delete SPIs", get(info, "isakmp.delete.spi"), ["c001d00d", "12345678"])
    check(4, "length", get(info, "isakmp.length"), ["52"])

    if sealed != len(manifest):
        failures.append(f"{sealed} of {len(manifest)} sealed messages verified and decrypted")
    for f in failures:
        print("FAIL:", f)
    print(f"{len(failures)} mismatches between keyway's messages and Wireshark's reading")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
