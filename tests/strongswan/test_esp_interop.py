#!/usr/bin/python3
"""keyway's ESP against strongSwan's, on real traffic between two charons.

Two network namespaces, r1 and r2, joined by a veth WAN (192.168.0.1 and
192.168.0.2); each has "LAN" addresses on lo (r1: 192.168.100.1 and
192.168.101.1, r2: 192.168.200.1 and 192.168.201.1). One charon per
namespace (tests/strongswan/swan.py). r1 initiates one IKEv2 SA with a
pre-shared key and two CHILD_SAs:

  gcm  192.168.100.0/24 === 192.168.200.0/24, ESP aes128gcm16
       (set up in IKE_AUTH)
  cbc  192.168.101.0/24 === 192.168.201.0/24, ESP aes128-sha256
       (AES-CBC-128 + HMAC-SHA-256-128, set up by CREATE_CHILD_SA)

strongSwan here runs kernel-libipsec, so its ESP is always UDP-encapsulated
on port 4500 (encap=udp in keyway's SPEC). For each child:

  (a) keyway decrypts strongSwan's ESP: pings from r1's LAN address to
      r2's go through the tunnel while the WAN veth is captured; the ESP
      keys of both directions come from the charons' logs (ike=4, chd=4);
      `keyway esp decrypt` with those SPECs must turn every ESP frame into
      exactly the ICMP echo request or reply that was sent: byte for byte
      the packet that entered the sending charon's TUN device (ipsec0,
      captured too), with the ping's id, sequence numbers and payload.
  (b) strongSwan decrypts keyway's ESP: ICMP echo requests built here are
      encrypted by `keyway esp encrypt` with the r1->r2 SA (seq= past what
      r2 has received), and sent with scapy out of r1's WAN veth to r2's
      MAC. r2's charon must decrypt them: its CHILD_SA's packet counter
      rises by their number, its ipsec0 carries exactly these requests in
      clear, and r2's kernel answers each one through the tunnel; keyway
      decrypts those ESP replies and checks id, sequence and payload.

The two charons' logs also cross-check each other: r1's outbound keys must
be r2's inbound keys, SPI for SPI.

Runs as root; fails (never skips) when not root or a tool is missing.
usage: /usr/bin/python3 test_esp_interop.py PATH/TO/keyway [--keep]
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import swan  # noqa: E402
from swan_pcap import (Failures, decrypt_frames, esp_frames, print_diagnostics,  # noqa: E402
                       run_keyway, test_args, tun_packets)
from scapy.layers.inet import ICMP, IP, UDP  # noqa: E402
from scapy.layers.l2 import Ether  # noqa: E402
from scapy.packet import Raw  # noqa: E402
from scapy.utils import rdpcap, wrpcap  # noqa: E402

WAN1, WAN2 = "192.168.0.1", "192.168.0.2"
PSK = "keyway-strongswan-interop"
PING_ID = {"gcm": 0x4b31, "cbc": 0x4b32}
INJECT_ID = {"gcm": 0x6b31, "cbc": 0x6b32}
N_PINGS = 5
N_INJECT = 6
PING_SIZE = 120          # ICMP data bytes (-s)
PING_PATTERN = "a5c3"    # ping -p: the data repeats these bytes after the timestamp

CHILDREN = [
    # name, esp_proposals, r1 LAN, r2 LAN, r1 net, r2 net, keyway transform
    ("gcm", "aes128gcm16", "192.168.100.1", "192.168.200.1",
     "192.168.100.0/24", "192.168.200.0/24", "aes128gcm"),
    ("cbc", "aes128-sha256", "192.168.101.1", "192.168.201.1",
     "192.168.101.0/24", "192.168.201.0/24", "aes128cbc-sha256"),
]


def setup(lab):
    lab.add_ns("r1")
    lab.add_ns("r2")
    lab.veth("r1", "wan", "r2", "wan")
    lab.addr("r1", "wan", WAN1 + "/24")
    lab.addr("r2", "wan", WAN2 + "/24")
    for name, _, lan1, lan2, _, _, _ in CHILDREN:
        lab.addr("r1", "lo", lan1 + "/32")
        lab.addr("r2", "lo", lan2 + "/32")
    charons = {}
    for me, peer, mine, theirs in (("r1", "r2", WAN1, WAN2), ("r2", "r1", WAN2, WAN1)):
        c = lab.charon(me, me)
        children = []
        for name, esp, _, _, net1, net2, _ in CHILDREN:
            local, remote = (net1, net2) if me == "r1" else (net2, net1)
            children.append(swan.Child(name, local_ts=local, remote_ts=remote,
                                       esp_proposals=esp))
        c.add_conn(swan.Conn("to-" + peer, local_addrs=mine, remote_addrs=theirs, version=2,
                             proposals="aes128-sha256-modp2048", auth="psk",
                             local_id=mine, remote_id=theirs, children=children))
        c.add_psk(swan.Psk(PSK, (WAN1, WAN2)))
        charons[me] = c
    for c in charons.values():
        c.start()
        c.load_all()
    return charons


def check_keys_agree(fails, r1, r2, name):
    """r1's outbound SA is r2's inbound one and vice versa, same keys."""
    for a, b in ((r1, r2), (r2, r1)):
        out = a.esp_key(name, "out")
        inn = [k for k in b.esp_keys(name) if k.direction == "in" and k.spi == out.spi]
        if not fails.check(inn, "%s: %s's outbound SPI %#x is not among %s's inbound SAs"
                           % (name, a.name, out.spi, b.name)):
            continue
        k = inn[-1]
        fails.check((k.enc_key, k.integ_key, k.src, k.dst, k.transform) ==
                    (out.enc_key, out.integ_key, out.src, out.dst, out.transform),
                    "%s: SPI %#x: %s's and %s's logs disagree on keys/addresses/transform"
                    % (name, out.spi, a.name, b.name))


def ping_checks(fails, name, kind, packets, icmp_type, ident, count):
    """packets: decrypted inner IPv4 packets of one direction, in order."""
    fails.check(len(packets) == count, "%s: %d echo %ss decrypted, expected %d"
                % (name, len(packets), kind, count))
    pat = bytes.fromhex(PING_PATTERN)
    for i, raw in enumerate(packets):
        ip = IP(raw)
        if not fails.check(ICMP in ip and ip[ICMP].type == icmp_type,
                           "%s: %s %d is not ICMP type %d: %r" % (name, kind, i, icmp_type, ip)):
            continue
        icmp = ip[ICMP]
        fails.check(icmp.id == ident and icmp.seq == i + 1,
                    "%s: %s %d has id %#x seq %d, expected %#x, %d"
                    % (name, kind, i, icmp.id, icmp.seq, ident, i + 1))
        data = bytes(icmp.payload)
        # ping puts a 16-byte timeval first, then repeats the pattern.
        want = (pat * PING_SIZE)[:PING_SIZE - 16]
        fails.check(len(data) == PING_SIZE and data[16:] == want,
                    "%s: %s %d payload (%d bytes) is not ping's pattern"
                    % (name, kind, i, len(data)))


def part_a(lab, keyway, charons, child, fails, state):
    """strongSwan encrypts (ping through the tunnel), keyway decrypts."""
    name, _, lan1, lan2, _, _, transform = child
    r1, r2 = charons["r1"], charons["r2"]
    wan = lab.capture("r1", "wan", "a-%s-wan" % name)
    tun1 = lab.capture("r1", "ipsec0", "a-%s-tun-r1" % name)
    tun2 = lab.capture("r2", "ipsec0", "a-%s-tun-r2" % name)
    state["pcaps"] = [wan.path]
    p = lab.run(["ping", "-n", "-c", N_PINGS, "-i", "0.2", "-W", "2", "-I", lan1,
                 "-e", PING_ID[name], "-s", PING_SIZE, "-p", PING_PATTERN, lan2],
                ns="r1", check=False, timeout=30)
    for c in (wan, tun1, tun2):
        c.stop()
    fails.check(p.returncode == 0 and (" %d received" % N_PINGS) in p.stdout,
                "%s: ping through strongSwan's tunnel failed:\n%s%s" % (name, p.stdout, p.stderr))

    check_keys_agree(fails, r1, r2, name)
    k12, k21 = r1.esp_key(name, "out"), r2.esp_key(name, "out")
    for k in (k12, k21):
        fails.check(k.transform == transform, "%s: SPI %#x parsed as transform %s (%s/%s), "
                    "expected %s" % (name, k.spi, k.transform, k.encr_alg, k.integ_alg,
                                     transform))
    frames = esp_frames(wan.path, spis=(k12.spi, k21.spi))
    n12 = sum(1 for f in frames if f[0] == k12.spi)
    n21 = len(frames) - n12
    fails.check((n12, n21) == (N_PINGS, N_PINGS),
                "%s: captured %d ESP frames r1->r2 and %d r2->r1, expected %d each"
                % (name, n12, n21, N_PINGS))
    rc, err, counts, plain = decrypt_frames(keyway, [k12.spec(), k21.spec()],
                                            [f for _, _, f in frames], lab.tmp, "a-" + name)
    fails.check(rc == 0 and counts == (len(frames), len(frames), 0),
                "%s: keyway esp decrypt exit %d: %s (SPECs %s ; %s)"
                % (name, rc, err, k12.spec(), k21.spec()))
    if not fails.check(len(plain) == len(frames), "%s: keyway wrote %d frames for %d"
                       % (name, len(plain), len(frames))):
        return
    req = [pk for (spi, _, _), pk in zip(frames, plain) if spi == k12.spi]
    rep = [pk for (spi, _, _), pk in zip(frames, plain) if spi == k21.spi]
    ping_checks(fails, name, "request", req, 8, PING_ID[name], N_PINGS)
    ping_checks(fails, name, "reply", rep, 0, PING_ID[name], N_PINGS)
    # Byte for byte what entered the sender's TUN device (and what came out
    # of the receiver's, i.e. what strongSwan decrypted).
    sent_req = tun_packets(tun1.path, lan1)
    got_req = tun_packets(tun2.path, lan1)
    sent_rep = tun_packets(tun2.path, lan2)
    got_rep = tun_packets(tun1.path, lan2)
    fails.check(req == sent_req, "%s: keyway's decrypted requests differ from the %d packets "
                "r1 sent into ipsec0" % (name, len(sent_req)))
    fails.check(req == got_req, "%s: keyway's decrypted requests differ from the %d packets "
                "strongSwan (r2) decrypted" % (name, len(got_req)))
    fails.check(rep == sent_rep, "%s: keyway's decrypted replies differ from the %d packets "
                "r2 sent into ipsec0" % (name, len(sent_rep)))
    fails.check(rep == got_rep, "%s: keyway's decrypted replies differ from the %d packets "
                "strongSwan (r1) decrypted" % (name, len(got_rep)))


def part_b(lab, keyway, charons, child, fails, state):
    """keyway encrypts, strongSwan (r2) decrypts and answers."""
    name, _, lan1, lan2, _, _, _ = child
    r1, r2 = charons["r1"], charons["r2"]
    k12, k21 = r1.esp_key(name, "out"), r2.esp_key(name, "out")
    before = r2.child_sa(name)
    if not fails.check(before is not None and before.spi_in == k12.spi,
                       "%s: r2 has no installed CHILD_SA with inbound SPI %#x: %s"
                       % (name, k12.spi, before)):
        return
    # Past everything r2 has received on this SA (its packets are numbered
    # from 1 without gaps), leaving a gap the replay window accepts.
    last_sent = before.packets_in + 20
    mac1, mac2 = lab.mac("r1", "wan"), lab.mac("r2", "wan")
    inners = []
    for i in range(N_INJECT):
        payload = bytes((i * 7 + j) & 0xff for j in range(40 + 13 * i)) + b"keyway" * (i + 1)
        inners.append(IP(bytes(IP(src=lan1, dst=lan2, ttl=64, id=0x5100 + i) /
                               ICMP(type=8, id=INJECT_ID[name], seq=i + 1) / Raw(payload))))
    plain_in = os.path.join(lab.tmp, "b-%s-plain.pcap" % name)
    esp_out = os.path.join(lab.tmp, "b-%s-esp.pcap" % name)
    wrpcap(plain_in, [Ether(src=mac1, dst=mac2) / p for p in inners])
    spec12 = k12.spec(seq=last_sent)
    rc, err, _ = run_keyway(keyway, "encrypt", [spec12], plain_in, esp_out)
    if not fails.check(rc == 0, "%s: keyway esp encrypt exit %d: %s (SPEC %s)"
                       % (name, rc, err, spec12)):
        return
    esp = rdpcap(esp_out)
    fails.check(len(esp) == N_INJECT, "%s: keyway encrypted %d of %d" % (name, len(esp), N_INJECT))
    for i, f in enumerate(esp):
        ok = (IP in f and UDP in f and (f[IP].src, f[IP].dst) == (WAN1, WAN2) and
              (f[UDP].sport, f[UDP].dport) == (4500, 4500) and f.dst == mac2)
        fails.check(ok, "%s: keyway's frame %d is not ESP-in-UDP %s:4500 > %s:4500 to %s: %r"
                    % (name, i, WAN1, WAN2, mac2, f))

    wan = lab.capture("r1", "wan", "b-%s-wan" % name)
    tun2 = lab.capture("r2", "ipsec0", "b-%s-tun-r2" % name)
    state["pcaps"] = [wan.path]
    inject = ("import sys\nfrom scapy.all import rdpcap, sendp\n"
              "sendp(rdpcap(sys.argv[1]), iface='wan', verbose=False, inter=0.05)\n")
    r = lab.run(["/usr/bin/python3", "-c", inject, esp_out], ns="r1", check=False, timeout=60)
    fails.check(r.returncode == 0, "%s: scapy sendp failed: %s%s" % (name, r.stdout, r.stderr))
    # Wait for r2 to count them and for its replies.
    deadline = time.monotonic() + 10
    after = before
    while time.monotonic() < deadline:
        after = r2.child_sa(name)
        if after is not None and after.packets_in >= before.packets_in + N_INJECT \
                and after.packets_out >= before.packets_out + N_INJECT:
            break
        time.sleep(0.2)
    time.sleep(0.3)
    for c in (wan, tun2):
        c.stop()
    after = r2.child_sa(name)
    fails.check(after is not None and after.packets_in - before.packets_in == N_INJECT,
                "%s: r2's CHILD_SA counted %s packets in, expected %d more than %d"
                % (name, after and after.packets_in, N_INJECT, before.packets_in))
    fails.check(after is not None and after.packets_out - before.packets_out == N_INJECT,
                "%s: r2's CHILD_SA counted %s packets out, expected %d more than %d"
                % (name, after and after.packets_out, N_INJECT, before.packets_out))
    on_wire = [f for _, _, f in esp_frames(wan.path, spis=(k12.spi,))]
    fails.check(on_wire == [bytes(f) for f in esp],
                "%s: the WAN carried %d frames with SPI %#x, not exactly keyway's %d"
                % (name, len(on_wire), k12.spi, len(esp)))
    got = tun_packets(tun2.path, lan1)
    fails.check(got == [bytes(p) for p in inners],
                "%s: r2's ipsec0 carried %d packets from %s, not exactly the %d requests "
                "keyway encrypted" % (name, len(got), lan1, N_INJECT))

    # The replies strongSwan encrypted: decrypt with keyway.
    frames = esp_frames(wan.path, spis=(k21.spi,))
    fails.check(len(frames) == N_INJECT, "%s: captured %d ESP replies from r2, expected %d"
                % (name, len(frames), N_INJECT))
    if not frames:
        return
    rc, err, counts, plain = decrypt_frames(keyway, [k21.spec()], [f for _, _, f in frames],
                                            lab.tmp, "b-%s-replies" % name)
    fails.check(rc == 0, "%s: keyway esp decrypt of r2's replies exit %d: %s" % (name, rc, err))
    replies = [IP(p) for p in plain if p]
    fails.check(len(replies) == N_INJECT, "%s: %d replies decrypted, expected %d"
                % (name, len(replies), N_INJECT))
    for i, (rep, req) in enumerate(zip(replies, inners)):
        ok = (ICMP in rep and rep[ICMP].type == 0 and (rep.src, rep.dst) == (lan2, lan1) and
              rep[ICMP].id == req[ICMP].id and rep[ICMP].seq == req[ICMP].seq and
              bytes(rep[ICMP].payload) == bytes(req[ICMP].payload))
        fails.check(ok, "%s: reply %d does not answer request %d: %r" % (name, i, i, rep))


def main():
    args = test_args(__doc__, swan.missing_tools(extra=["tshark", "/usr/bin/python3"]))
    if isinstance(args, int):
        return args
    keyway, keep = args

    fails = Failures()
    started = time.monotonic()
    state = {"pcaps": []}
    charons = {}
    with swan.Lab(keep=keep) as lab:
        try:
            charons = setup(lab)
            up = charons["r1"].initiate("gcm")       # IKE_SA_INIT + IKE_AUTH
            up2 = charons["r1"].initiate("cbc")      # CREATE_CHILD_SA
            sas = charons["r1"].list_sas()
            ok = (len(sas) == 1 and sas[0].state == "ESTABLISHED" and
                  sorted(c.name for c in sas[0].children) == ["cbc", "gcm"])
            fails.check(ok, "IKE/CHILD SAs after initiating: %s\n%s%s"
                        % (sas, up.stdout[-1500:], up2.stdout[-1500:]))
            fails.case("IKEv2 PSK SA with two CHILD_SAs (gcm, cbc) between two charons")
            for child in CHILDREN:
                part_a(lab, keyway, charons, child, fails, state)
                fails.case("(a) keyway decrypts strongSwan's ESP, %s (%s)"
                           % (child[0], child[1]))
                part_b(lab, keyway, charons, child, fails, state)
                fails.case("(b) strongSwan decrypts keyway's ESP, %s (%s)"
                           % (child[0], child[1]))
        except Exception as e:  # a harness step or a tool failed: report, then clean up
            fails.abort(e)
        if fails.items:
            print_diagnostics(charons.values(), state["pcaps"])
    return fails.finish("strongswan esp interop", started)


if __name__ == "__main__":
    sys.exit(main())
