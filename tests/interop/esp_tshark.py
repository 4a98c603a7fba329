#!/usr/bin/python3
"""A second oracle for `keyway esp encrypt`: Wireshark's ESP dissector
(tshark, libgcrypt underneath) decrypts keyway's output with the SA given in
its esp_sa table and checks the ICV.

For every transform, with and without UDP encapsulation, this checks per
packet that tshark
  * finds the SPI and the expected sequence number,
  * reports the ICV as good (esp.icv_good; for GCM the AEAD tag),
  * shows the inner IPv4/IPv6 addresses and UDP ports of the packet keyway
    was given,
  * decrypts to exactly the inner packet followed by RFC 4303 default
    padding (1, 2, 3, ...), the pad length and the right next header.
A negative control per transform family gives tshark a wrong key and
expects no ICV to be reported good, so that "good" means something.

Not covered: ESN. Wireshark 4.0's esp_sa table has no field for extended
sequence numbers (its UAT is protocol, src, dst, SPI, encryption, key,
authentication, key), so it computes the ICV (and the GCM AAD) without the
high 32 bits and cannot verify ESN SAs. esp_scapy.py covers ESN.

usage: /usr/bin/python3 esp_tshark.py PATH/TO/keyway
"""

import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    import scapy  # noqa: F401
except ImportError:
    # scripts/install-deps.sh installs python3-scapy; its absence is a
    # broken set-up, not a reason to pass quietly.
    print("FAIL: scapy is not importable from %s (use Debian's /usr/bin/python3)" % sys.executable)
    sys.exit(1)

from interop_common import Checker, all_cases, ether, inner_packets, run_keyway, write_pcap  # noqa: E402
from scapy.layers.inet import UDP  # noqa: E402

FIELDS = ["frame.number", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "udp.srcport",
          "udp.dstport", "esp.spi", "esp.sequence", "esp.icv_good", "esp.icv_bad",
          "esp.protocol", "esp.decrypted_data"]


def uat_entry(case, key=None, auth_key=None):
    """One esp_sa UAT line in Wireshark 4.0's field order."""
    t = case.transform
    key = key if key is not None else case.key
    auth_key = auth_key if auth_key is not None else case.auth_key
    values = ["IPv4", case.src, case.dst, "0x%08x" % case.spi, t.ws_crypt, "0x" + key.hex(),
              t.ws_auth, ("0x" + auth_key.hex()) if auth_key else ""]
    return ",".join('"%s"' % v for v in values)


def tshark_rows(tshark, pcap, uat, env):
    args = [tshark, "-n", "-r", pcap,
            "-o", "esp.enable_encryption_decode:TRUE",
            "-o", "esp.enable_authentication_check:TRUE",
            "-o", "uat:esp_sa:" + uat,
            "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in FIELDS:
        args += ["-e", f]
    p = subprocess.run(args, capture_output=True, text=True, timeout=120, env=env)
    if p.returncode != 0:
        raise RuntimeError("tshark failed (%d): %s" % (p.returncode, p.stderr.strip()))
    rows = []
    for line in p.stdout.splitlines():
        cols = line.split("\t")
        cols += [""] * (len(FIELDS) - len(cols))
        rows.append({f: (c.split(",") if c else []) for f, c in zip(FIELDS, cols)})
    return rows


def check_packet(chk, case, i, row, inner):
    where = "packet %d" % (i + 1)
    seq = i + 1
    outer = [case.src], [case.dst]
    if inner.version == 4:
        want_ip = ([case.src, inner.src], [case.dst, inner.dst])
        chk.check((row["ip.src"], row["ip.dst"]) == want_ip,
                  where + ": tshark shows ip %s > %s, expected %s" % (row["ip.src"], row["ip.dst"], want_ip))
    else:
        chk.check((row["ip.src"], row["ip.dst"]) == outer, where + ": outer ip %s" % row["ip.src"])
        chk.check((row["ipv6.src"], row["ipv6.dst"]) == ([inner.src], [inner.dst]),
                  where + ": tshark shows ipv6 %s > %s" % (row["ipv6.src"], row["ipv6.dst"]))
    ports = ([], [])
    if case.encap:
        ports = (["4500"], ["4500"])
    if UDP in inner:
        ports = (ports[0] + [str(inner[UDP].sport)], ports[1] + [str(inner[UDP].dport)])
    chk.check((row["udp.srcport"], row["udp.dstport"]) == ports,
              where + ": tshark shows UDP ports %s > %s, expected %s"
              % (row["udp.srcport"], row["udp.dstport"], ports))
    chk.check(row["esp.spi"] and int(row["esp.spi"][0], 16) == case.spi,
              where + ": SPI %s" % row["esp.spi"])
    chk.check(row["esp.sequence"] == [str(seq)], where + ": sequence %s" % row["esp.sequence"])
    chk.check(row["esp.icv_good"] == ["1"] and row["esp.icv_bad"] == ["0"],
              where + ": tshark says ICV good=%s bad=%s" % (row["esp.icv_good"], row["esp.icv_bad"]))
    next_header = 4 if inner.version == 4 else 41
    chk.check(row["esp.protocol"] and int(row["esp.protocol"][0], 16) == next_header,
              where + ": next header %s" % row["esp.protocol"])
    if not chk.check(len(row["esp.decrypted_data"]) == 1, where + ": no decrypted data"):
        return
    plain = bytes.fromhex(row["esp.decrypted_data"][0])
    raw_inner = bytes(inner)
    pad = len(plain) - len(raw_inner) - 2
    block = case.transform.iv_len if not case.transform.aead else 4
    want = raw_inner + bytes(range(1, pad + 1)) + bytes([pad, next_header]) if pad >= 0 else None
    chk.check(plain == want and pad < block,
              where + ": decrypted payload is not inner packet + padding 1..n + pad length + "
              "next header (%d bytes, inner %d)" % (len(plain), len(raw_inner)))


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    keyway = sys.argv[1]
    tshark = shutil.which("tshark")
    if not tshark:
        print("FAIL: tshark not found (scripts/install-deps.sh installs it)")
        return 1
    chk = Checker()
    inners = inner_packets()
    controls_done = set()
    with tempfile.TemporaryDirectory(prefix="keyway-esp-tshark-") as tmp:
        # Keep the user's Wireshark profile (and any esp_sa table in it) out.
        env = dict(os.environ, WIRESHARK_CONFIG_DIR=os.path.join(tmp, "wireshark"), HOME=tmp)
        in_path = os.path.join(tmp, "plain.pcap")
        write_pcap(in_path, [ether(p) for p in inners])
        for case in all_cases():
            if case.esn:
                continue  # see the top comment
            out_path = os.path.join(tmp, "esp.pcap")
            r = run_keyway(keyway, "encrypt", [case.spec()], in_path, out_path)
            if not chk.check(r.rc == 0, "keyway exit status %d: %s" % (r.rc, r.stderr.strip())):
                chk.end_case("tshark decrypts keyway: " + case.name)
                continue
            rows = tshark_rows(tshark, out_path, uat_entry(case), env)
            if chk.check(len(rows) == len(inners), "tshark shows %d packets" % len(rows)):
                for i, (row, inner) in enumerate(zip(rows, inners)):
                    check_packet(chk, case, i, row, inner)
            chk.end_case("tshark decrypts keyway: " + case.name,
                         "%d packets, ICV good, inner headers and padding as sent" % len(inners))

            family = case.transform.scapy_crypt
            if family in controls_done:
                continue
            controls_done.add(family)
            # Negative control: a wrong key (GCM) or a wrong auth key (CBC).
            flip = lambda b: bytes([b[0] ^ 0x80]) + b[1:]  # noqa: E731
            if case.transform.aead:
                uat = uat_entry(case, key=flip(case.key))
            else:
                uat = uat_entry(case, auth_key=flip(case.auth_key))
            rows = tshark_rows(tshark, out_path, uat, env)
            # Garbage plaintext can make an inner dissector throw before
            # the ICV verdict is added, so some rows may carry no verdict;
            # none may say good.
            good = [r for r in rows if r["esp.icv_good"] == ["1"]]
            bad = [r for r in rows if r["esp.icv_bad"] == ["1"] and r["esp.icv_good"] == ["0"]]
            chk.check(len(rows) == len(inners) and not good and len(bad) >= len(rows) // 2,
                      "with a wrong key tshark reports %d of %d ICVs good, %d bad"
                      % (len(good), len(rows), len(bad)))
            chk.end_case("negative control, wrong key: " + case.name,
                         "%d of %d ICVs reported bad, none good" % (len(bad), len(rows)))
    return chk.finish("esp_tshark")


if __name__ == "__main__":
    sys.exit(main())
