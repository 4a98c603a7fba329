#!/usr/bin/python3
"""The strongSwan harness (swan.py) on the paths the ESP interop test does
not take, which keyway's own IKE tests will: IKEv1 Main Mode with a
pre-shared key and a Quick Mode rekey started by the responder, and IKEv2
with certificates from a `keyway pki` lab CA (ECDSA and RSA), FQDN IDs.

For each SA: both charons' logs must give the same keys for every SPI
(r1's outbound = r2's inbound), the SPIs must be those `swanctl --list-sas`
reports, and `keyway esp decrypt` with the harness's SPECs must turn the
ESP of a ping through the tunnel into exactly the packets that entered the
sending charon's ipsec0.

Runs as root; fails (never skips) when not root or a tool is missing.
usage: /usr/bin/python3 test_swan_harness.py PATH/TO/keyway [--keep]
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import swan  # noqa: E402
from swan_pcap import (Failures, decrypt_frames, esp_frames, print_diagnostics,  # noqa: E402
                       test_args, tun_packets)

WAN1, WAN2 = "192.168.0.1", "192.168.0.2"
LAN1, LAN2 = "192.168.100.1", "192.168.200.1"
NET1, NET2 = "192.168.100.0/24", "192.168.200.0/24"


def setup(lab, keyway):
    lab.add_ns("r1")
    lab.add_ns("r2")
    lab.veth("r1", "wan", "r2", "wan")
    lab.addr("r1", "wan", WAN1 + "/24")
    lab.addr("r2", "wan", WAN2 + "/24")
    lab.addr("r1", "lo", LAN1 + "/32")
    lab.addr("r2", "lo", LAN2 + "/32")
    pki = swan.KeywayPki(keyway, os.path.join(lab.tmp, "pki"))
    ca = pki.ca("CA1", "CN=CA1,O=keyway,O=test")
    charons = {}
    for me, peer, mine, theirs, lnet, rnet, key in (
            ("r1", "r2", WAN1, WAN2, NET1, NET2, "ec256"),
            ("r2", "r1", WAN2, WAN1, NET2, NET1, "rsa2048")):
        c = lab.charon(me, me)
        cert, keyfile = pki.enroll(ca, me, "TP", subject="CN=%s,O=keyway,O=test" % me.upper(),
                                   fqdn="%s.keyway.test" % me, ip=mine, key=key)
        c.add_cacert(os.path.join(ca, "ca.pem"), "ca1.pem")
        c.add_cert(cert, me + ".pem")
        c.add_key(keyfile, me + ".key")
        c.add_conn(swan.Conn(
            "v2-" + peer, mine, theirs, version=2, auth="pubkey",
            proposals="aes256-sha256-ecp256", local_certs=(me + ".pem",),
            remote_cacerts=("ca1.pem",), local_id="%s.keyway.test" % me,
            remote_id="%s.keyway.test" % peer,
            children=[swan.Child("v2lan", lnet, rnet, "aes256gcm16")]))
        c.add_conn(swan.Conn(
            "v1-" + peer, mine, theirs, version=1, auth="psk",
            proposals="aes128-sha256-modp2048",
            children=[swan.Child("v1lan", lnet, rnet, "aes128-sha256-modp2048")]))
        c.add_psk(swan.Psk("harness-v1-psk", (WAN1, WAN2)))
        charons[me] = c
    for c in charons.values():
        c.start()
        c.load_all()
    return charons


def check_sa(lab, keyway, fails, r1, r2, child, transform, tag, state):
    """Keys agree, SPIs match swanctl, and keyway decrypts a ping."""
    k12, k21 = r1.esp_key(child, "out"), r2.esp_key(child, "out")
    for a, b, out in ((r1, r2, k12), (r2, r1, k21)):
        inn = [k for k in b.esp_keys(child) if k.direction == "in" and k.spi == out.spi]
        fails.check(inn and (inn[-1].enc_key, inn[-1].integ_key, inn[-1].src, inn[-1].dst) ==
                    (out.enc_key, out.integ_key, out.src, out.dst),
                    "%s: %s's outbound SA %#x has no inbound twin with the same keys in %s's log"
                    % (tag, a.name, out.spi, b.name))
        fails.check(out.transform == transform, "%s: SPI %#x transform %s (%s/%s), expected %s"
                    % (tag, out.spi, out.transform, out.encr_alg, out.integ_alg, transform))
    sa1, sa2 = r1.child_sa(child), r2.child_sa(child)
    fails.check(sa1 is not None and (sa1.spi_out, sa1.spi_in) == (k12.spi, k21.spi),
                "%s: r1 swanctl SPIs %s, log %#x out / %#x in" % (tag, sa1, k12.spi, k21.spi))
    fails.check(sa2 is not None and (sa2.spi_out, sa2.spi_in) == (k21.spi, k12.spi),
                "%s: r2 swanctl SPIs %s, log %#x out / %#x in" % (tag, sa2, k21.spi, k12.spi))

    wan = lab.capture("r1", "wan", tag + "-wan")
    tun1 = lab.capture("r1", "ipsec0", tag + "-tun-r1")
    tun2 = lab.capture("r2", "ipsec0", tag + "-tun-r2")
    state["pcaps"] = [wan.path]
    p = lab.run(["ping", "-n", "-c", 3, "-i", "0.2", "-W", "2", "-I", LAN1, LAN2], ns="r1",
                check=False, timeout=30)
    for c in (wan, tun1, tun2):
        c.stop()
    fails.check(p.returncode == 0, "%s: ping failed: %s%s" % (tag, p.stdout, p.stderr))
    frames = esp_frames(wan.path, spis=(k12.spi, k21.spi))
    fails.check(len(frames) == 6, "%s: %d ESP frames captured, expected 6" % (tag, len(frames)))
    rc, err, counts, plain = decrypt_frames(keyway, [k12.spec(), k21.spec()],
                                            [f for _, _, f in frames], lab.tmp, tag)
    fails.check(rc == 0 and counts == (len(frames),) * 2 + (0,),
                "%s: keyway esp decrypt exit %d: %s" % (tag, rc, err))
    want = {k12.spi: tun_packets(tun1.path, LAN1), k21.spi: tun_packets(tun2.path, LAN2)}
    for spi in (k12.spi, k21.spi):
        got = [pk for (s, _, _), pk in zip(frames, plain) if s == spi]
        fails.check(got == want[spi] and len(got) == 3,
                    "%s: SPI %#x: keyway decrypted %d packets, not the %d that entered ipsec0"
                    % (tag, spi, len(got), len(want[spi])))


def main():
    args = test_args(__doc__, swan.missing_tools(extra=["tshark"]))
    if isinstance(args, int):
        return args
    keyway, keep = args

    fails = Failures()
    started = time.monotonic()
    state = {"pcaps": []}
    charons = {}
    with swan.Lab(keep=keep) as lab:
        try:
            charons = setup(lab, keyway)
            r1, r2 = charons["r1"], charons["r2"]

            r1.initiate("v2lan")
            sas = r1.list_sas()
            fails.check(len(sas) == 1 and sas[0].version == 2 and sas[0].initiator and
                        sas[0].raw.get("remote-id") == "r2.keyway.test",
                        "IKEv2 SA: %s" % sas)
            check_sa(lab, keyway, fails, r1, r2, "v2lan", "aes256gcm", "v2-cert", state)
            fails.case("IKEv2, keyway pki certificates (ECDSA r1, RSA r2), AES-256-GCM")
            r1.terminate(ike="v2-r2")

            # IKEv1 initiated by r2 this time: r1 is the Quick Mode responder.
            r2.initiate("v1lan")
            sas = r1.list_sas()
            fails.check(len(sas) == 1 and sas[0].version == 1 and not sas[0].initiator,
                        "IKEv1 SA on r1: %s" % sas)
            check_sa(lab, keyway, fails, r1, r2, "v1lan", "aes128cbc-sha256", "v1-psk", state)
            fails.case("IKEv1 Main Mode PSK, Quick Mode with PFS, AES-128-CBC/HMAC-SHA-256")

            old = r1.esp_key("v1lan", "out").spi
            r1.rekey(child="v1lan")      # r1, the responder, starts the rekey
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                c = r1.child_sa("v1lan")
                if c is not None and c.spi_out != old and r2.child_sa("v1lan") is not None \
                        and r2.child_sa("v1lan").spi_in == c.spi_out:
                    break
                time.sleep(0.2)
            fails.check(r1.esp_key("v1lan", "out").spi != old, "IKEv1 rekey: no new SA in r1's log")
            fails.check(r1.esp_key("v1lan", "out").child_initiator,
                        "IKEv1 rekey: r1 started it but its keys are not marked child_initiator")
            check_sa(lab, keyway, fails, r1, r2, "v1lan", "aes128cbc-sha256", "v1-rekey", state)
            fails.case("IKEv1 Quick Mode rekey started by the IKE responder")
        except Exception as e:  # a harness step or a tool failed: report, then clean up
            fails.abort(e)
        if fails.items:
            print_diagnostics(charons.values(), state["pcaps"])
    return fails.finish("strongswan harness", started)


if __name__ == "__main__":
    sys.exit(main())
