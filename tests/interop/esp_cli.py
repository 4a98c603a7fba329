#!/usr/bin/python3
"""The `keyway esp` command's behaviour at its edges: usage and SPEC errors
(exit 2, naming the problem), files that cannot be read or written, input
it must count as dropped (exit 1) without crashing, and the capture formats
it accepts. Needs nothing beyond the Python standard library.

usage: python3 esp_cli.py PATH/TO/keyway
"""

import os
import re
import struct
import subprocess
import sys
import tempfile

GCM_KEY = "000102030405060708090a0b0c0d0e0f10111213"
SPEC = "spi=0x1000,transform=aes128gcm,key=%s,src=192.0.2.1,dst=198.51.100.1" % GCM_KEY
SPEC_CBC = ("spi=0x2000,transform=aes128cbc-sha256,key=%s,auth-key=%s,src=192.0.2.1,"
            "dst=198.51.100.1" % ("11" * 16, "22" * 32))
MACS = bytes.fromhex("020000000002" "020000000001")


def ipv4_udp(total, seed=0, src=b"\x0a\x00\x00\x01", dst=b"\x0a\x00\x00\x02"):
    """An IPv4/UDP packet of `total` bytes (>= 28) with a valid checksum."""
    hdr = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, seed, 0, 64, 17, 0, src, dst))
    s = sum(struct.unpack("!10H", bytes(hdr)))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    hdr[10:12] = struct.pack("!H", ~s & 0xFFFF)
    payload = bytes((seed + i) & 0xFF for i in range(total - 28))
    return bytes(hdr) + struct.pack("!HHHH", 40000, 9, total - 20, 0) + payload


def eth(packet, ethertype=0x0800, vlan=None):
    tag = struct.pack("!HH", 0x8100, vlan) if vlan is not None else b""
    return MACS + tag + struct.pack("!H", ethertype) + packet


def write_pcap(path, frames, linktype=1):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, linktype))
        for i, frame in enumerate(frames):
            data, wire_len = frame if isinstance(frame, tuple) else (frame, len(frame))
            f.write(struct.pack("<IIII", 1700000000 + i, i, len(data), wire_len))
            f.write(data)


def write_pcapng(path, frames):
    """A minimal pcapng file: section header, one Ethernet interface, one
    enhanced packet block per frame."""
    def block(btype, body):
        body += b"\0" * (-len(body) % 4)
        n = len(body) + 12
        return struct.pack("<II", btype, n) + body + struct.pack("<I", n)
    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    out += block(1, struct.pack("<HHI", 1, 0, 0))
    for i, frame in enumerate(frames):
        ts = (1700000000 + i) * 1000000 + i
        out += block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(frame), len(frame)) + frame)
    with open(path, "wb") as f:
        f.write(out)


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    assert struct.unpack_from("<I", data, 0)[0] == 0xA1B2C3D4, "output is not classic pcap"
    frames, off = [], 24
    while off < len(data):
        _, _, caplen, _ = struct.unpack_from("<IIII", data, off)
        frames.append(data[off + 16:off + 16 + caplen])
        off += 16 + caplen
    return frames


class Tests:
    def __init__(self, keyway, tmp):
        self.keyway = keyway
        self.tmp = tmp
        self.passed = 0
        self.failed = 0

    def path(self, name):
        return os.path.join(self.tmp, name)

    def run(self, *args):
        p = subprocess.run([self.keyway, "esp"] + list(args), capture_output=True, text=True,
                           timeout=60)
        return p.returncode, p.stdout, p.stderr

    def expect(self, name, ok, detail):
        print("%-4s %s" % ("ok" if ok else "FAIL", name), flush=True)
        if not ok:
            print("       " + detail.strip().replace("\n", "\n       "), flush=True)
            self.failed += 1
        else:
            self.passed += 1

    def expect_exit(self, name, args, status, pattern, stream="stderr"):
        rc, out, err = self.run(*args)
        text = out if stream == "stdout" else err
        ok = rc == status and re.search(pattern, text, re.M) is not None
        self.expect(name, ok, "exit %d (want %d), %s: %r (want /%s/)" % (rc, status, stream, text, pattern))
        return rc, out, err

    # --- usage ---

    def usage(self):
        rc, out, _ = self.expect_exit("--help prints usage and the SPEC grammar, exit 0",
                                      ["--help"], 0, r"^usage: keyway esp encrypt", "stdout")
        for word in ("transform=", "aes128cbc-sha256", "auth-key=", "encap=udp", "esn=on", "seq=N",
                     "replay-window=", "bad_icv", "frame_too_big"):
            if word not in out:
                self.expect("--help mentions " + word, False, out)
        self.expect_exit("no subcommand: exit 2", [], 2, r"^keyway esp: missing subcommand")
        self.expect_exit("unknown subcommand: exit 2", ["frobnicate"], 2,
                         r"unknown subcommand 'frobnicate'")
        inp = self.path("one.pcap")
        write_pcap(inp, [eth(ipv4_udp(100))])
        out_path = self.path("usage-out.pcap")
        self.expect_exit("unknown option: exit 2", ["encrypt", "--sa", SPEC, "--in", inp, "--out",
                                                    out_path, "--frobnicate"],
                         2, r"unknown option '--frobnicate'")
        self.expect_exit("missing --out: exit 2", ["encrypt", "--sa", SPEC, "--in", inp], 2,
                         r"missing --out")
        self.expect_exit("missing --in: exit 2", ["encrypt", "--sa", SPEC, "--out", out_path], 2,
                         r"missing --in")
        self.expect_exit("missing --sa: exit 2", ["decrypt", "--in", inp, "--out", out_path], 2,
                         r"missing --sa")
        self.expect_exit("option without value: exit 2", ["encrypt", "--in", inp, "--out", out_path,
                                                          "--sa"], 2, r"--sa needs a value")
        self.expect_exit("encrypt with two --sa: exit 2",
                         ["encrypt", "--sa", SPEC, "--sa", SPEC_CBC, "--in", inp, "--out", out_path],
                         2, r"encrypt takes exactly one --sa")
        self.expect_exit("decrypt with one SPI twice: exit 2",
                         ["decrypt", "--sa", SPEC, "--sa", SPEC.replace(GCM_KEY, "ab" * 20),
                          "--in", inp, "--out", out_path], 2, r"SPI 0x00001000 given twice")

    def bad_specs(self):
        inp = self.path("one.pcap")
        cases = [
            ("key", SPEC.replace(GCM_KEY, GCM_KEY[:32]),
             r"field 'key': expected 40 hex digits .* for aes128gcm, got 32"),
            ("transform", SPEC.replace("aes128gcm", "aes512gcm"), r"field 'transform': unknown"),
            ("src", SPEC.replace("192.0.2.1", "192.0.2.300"), r"field 'src': expected an IPv4"),
            ("spi", SPEC.replace("0x1000", "5"), r"field 'spi': SPI values 0..255 are reserved"),
            ("auth-key", SPEC_CBC.replace(",auth-key=" + "22" * 32, ""), r"field 'auth-key'"),
            ("seq", SPEC + ",seq=4294967296", r"field 'seq': above 2\^32-1 needs esn=on"),
            ("bogus", SPEC + ",bogus=1", r"field 'bogus': unknown field"),
            ("encap", SPEC + ",encap=tcp", r"field 'encap'"),
        ]
        for field, spec, pattern in cases:
            out_path = self.path("spec-%s.pcap" % field)
            self.expect_exit("malformed SPEC names field '%s', exit 2" % field,
                             ["encrypt", "--sa", spec, "--in", inp, "--out", out_path], 2,
                             r"^keyway esp: --sa: " + pattern)
            if os.path.exists(out_path):
                self.expect("no output file after a SPEC error (%s)" % field, False, out_path)
        self.expect_exit("--eal replaces the EAL arguments",
                         ["encrypt", "--sa", SPEC, "--in", inp, "--out", self.path("eal.pcap"), "--eal",
                          "--no-huge -m 256 --no-shconf --no-pci --no-telemetry "
                          "--log-level=*:warning -l 0"],
                         0, r"^encrypt: 1 packets in, 1 out, 0 dropped$")
        self.expect_exit("--sa=SPEC form is accepted", ["encrypt", "--sa=" + SPEC, "--in", inp,
                                                        "--out", self.path("eq.pcap")],
                         0, r"^encrypt: 1 packets in, 1 out, 0 dropped$")

    # --- files ---

    def files(self):
        out_path = self.path("files-out.pcap")
        missing = self.path("does-not-exist.pcap")
        self.expect_exit("missing input file: exit 2, names it",
                         ["encrypt", "--sa", SPEC, "--in", missing, "--out", out_path], 2,
                         r"^keyway esp: --in: cannot read '.*does-not-exist.pcap': .*No such file")
        text = self.path("not-a-capture.pcap")
        with open(text, "w") as f:
            f.write("this is not a capture file\n" * 10)
        self.expect_exit("input that is not a capture: exit 2",
                         ["encrypt", "--sa", SPEC, "--in", text, "--out", out_path], 2,
                         r"^keyway esp: --in: cannot read '.*not-a-capture.pcap'")
        raw = self.path("raw-ip.pcap")
        write_pcap(raw, [ipv4_udp(100)], linktype=101)
        self.expect_exit("non-Ethernet link type: exit 2, says so",
                         ["encrypt", "--sa", SPEC, "--in", raw, "--out", out_path], 2,
                         r"has link type \d+ \(RAW.*only Ethernet captures \(DLT_EN10MB\)")
        inp = self.path("one.pcap")
        self.expect_exit("unwritable output: exit 2, names it",
                         ["encrypt", "--sa", SPEC, "--in", inp, "--out",
                          self.path("no-such-dir/out.pcap")], 2,
                         r"^keyway esp: --out: cannot write '.*no-such-dir/out.pcap'")
        same = self.path("same.pcap")
        write_pcap(same, [eth(ipv4_udp(100))])
        before = open(same, "rb").read()
        self.expect_exit("--in and --out the same file: exit 2",
                         ["encrypt", "--sa", SPEC, "--in", same, "--out", same], 2,
                         r"same file")
        self.expect("the input survives --out naming it", open(same, "rb").read() == before, "")
        empty = self.path("empty.pcap")
        write_pcap(empty, [])
        self.expect_exit("empty capture: exit 0",
                         ["encrypt", "--sa", SPEC, "--in", empty, "--out", out_path], 0,
                         r"^encrypt: 0 packets in, 0 out, 0 dropped$")
        ng = self.path("in.pcapng")
        frames = [eth(ipv4_udp(60 + i, seed=i)) for i in range(5)]
        write_pcapng(ng, frames)
        enc = self.path("ng-enc.pcap")
        dec = self.path("ng-dec.pcap")
        self.expect_exit("pcapng input is read",
                         ["encrypt", "--sa", SPEC, "--in", ng, "--out", enc], 0,
                         r"^encrypt: 5 packets in, 5 out, 0 dropped$")
        self.expect_exit("and its output decrypts",
                         ["decrypt", "--sa", SPEC, "--in", enc, "--out", dec], 0,
                         r"^decrypt: 5 packets in, 5 out, 0 dropped$")
        self.expect("pcapng round trip gives the frames back", read_pcap(dec) == frames, "")

    # --- packets that must be dropped, not crash ---

    def drops(self):
        good = [eth(ipv4_udp(100 + i, seed=i)) for i in range(6)]
        arp = MACS + b"\x08\x06" + bytes(28)
        short_ip = eth(b"\x45\x00\x00")
        huge = eth(bytes([0x45]) + bytes(69999))
        truncated = (good[0][:40], len(good[0]))
        frames = [good[0], arp, good[1], short_ip, good[2], huge, good[3], truncated, good[4],
                  b"\x01\x02", good[5]]
        inp = self.path("mixed.pcap")
        out_path = self.path("mixed-enc.pcap")
        write_pcap(inp, frames)
        self.expect_exit("encrypt drops what it cannot use, exit 1, counts each reason",
                         ["encrypt", "--sa", SPEC, "--in", inp, "--out", out_path], 1,
                         r"^encrypt: 11 packets in, 6 out, 5 dropped: bad_inner=1, not_ip=2, "
                         r"truncated_frame=1, frame_too_big=1$")
        dec = self.path("mixed-dec.pcap")
        self.expect_exit("the written packets decrypt",
                         ["decrypt", "--sa", SPEC, "--in", out_path, "--out", dec], 0,
                         r"^decrypt: 6 packets in, 6 out, 0 dropped$")
        self.expect("written packets keep their order", read_pcap(dec) == good, "")

        # VLAN-tagged frames keep their tag through encryption and back.
        tagged = [eth(ipv4_udp(80 + i, seed=i), vlan=42) for i in range(3)]
        inp = self.path("vlan.pcap")
        write_pcap(inp, tagged)
        self.run("encrypt", "--sa", SPEC, "--in", inp, "--out", self.path("vlan-enc.pcap"))
        enc = read_pcap(self.path("vlan-enc.pcap"))
        self.expect("VLAN tag kept on encrypt",
                    len(enc) == 3 and all(f[12:18] == bytes.fromhex("8100002a0800") for f in enc), "")
        self.run("decrypt", "--sa", SPEC, "--in", self.path("vlan-enc.pcap"), "--out",
                 self.path("vlan-dec.pcap"))
        self.expect("VLAN frames round-trip", read_pcap(self.path("vlan-dec.pcap")) == tagged, "")

    def lifetimes(self):
        """A hard limit drops every packet after it, also inside one burst
        (all ten packets here travel in one)."""
        plain = [eth(ipv4_udp(100 + i, seed=i)) for i in range(10)]
        inp = self.path("l-plain.pcap")
        enc = self.path("l-enc.pcap")
        write_pcap(inp, plain)
        self.expect_exit("encrypt: hard-packets=5 sends 5 of a 10-packet burst",
                         ["encrypt", "--sa", SPEC + ",soft-packets=3,hard-packets=5", "--in", inp,
                          "--out", enc], 1,
                         r"^encrypt: 10 packets in, 5 out, 5 dropped: sa_expired=5$")
        self.expect_exit("encrypt: hard-bytes=300 stops after the packet that reaches it",
                         ["encrypt", "--sa", SPEC + ",hard-bytes=300", "--in", inp, "--out", enc], 1,
                         r"^encrypt: 10 packets in, 3 out, 7 dropped: sa_expired=7$")
        self.expect_exit("encrypt: the last sequence number without ESN is 2^32-1",
                         ["encrypt", "--sa", SPEC + ",seq=4294967293", "--in", inp, "--out", enc], 1,
                         r"^encrypt: 10 packets in, 2 out, 8 dropped: seq_overflow=8$")
        self.run("encrypt", "--sa", SPEC, "--in", inp, "--out", enc)
        dec = self.path("l-dec.pcap")
        self.expect_exit("decrypt: hard-packets=5 accepts 5 of a 10-packet burst",
                         ["decrypt", "--sa", SPEC + ",hard-packets=5", "--in", enc, "--out", dec], 1,
                         r"^decrypt: 10 packets in, 5 out, 5 dropped: sa_expired=5$")
        self.expect("decrypt: the first five are written", read_pcap(dec) == plain[:5], "")

    def tampered(self):
        plain = [eth(ipv4_udp(200 + i, seed=i)) for i in range(5)]
        inp = self.path("t-plain.pcap")
        enc = self.path("t-enc.pcap")
        write_pcap(inp, plain)
        for spec in (SPEC, SPEC_CBC):
            self.run("encrypt", "--sa", spec, "--in", inp, "--out", enc)
            frames = read_pcap(enc)
            f = bytearray(frames[2])
            f[14 + 20 + 8 + 20] ^= 0x01  # a ciphertext byte
            frames[2] = bytes(f)
            bad = self.path("t-bad.pcap")
            write_pcap(bad, frames)
            dec = self.path("t-dec.pcap")
            self.expect_exit("tampered packet (%s): exit 1, bad_icv=1" % spec.split(",")[1],
                             ["decrypt", "--sa", spec, "--in", bad, "--out", dec], 1,
                             r"^decrypt: 5 packets in, 4 out, 1 dropped: bad_icv=1$")
            self.expect("the other packets are written, in order",
                        read_pcap(dec) == plain[:2] + plain[3:], "")
        self.run("encrypt", "--sa", SPEC, "--in", inp, "--out", enc)
        self.expect_exit("ESP of an SPI not given: exit 1, unknown_spi=5",
                         ["decrypt", "--sa", SPEC_CBC, "--in", enc, "--out", self.path("t-dec3.pcap")],
                         1, r"^decrypt: 5 packets in, 0 out, 5 dropped: unknown_spi=5$")


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    with tempfile.TemporaryDirectory(prefix="keyway-esp-cli-") as tmp:
        t = Tests(sys.argv[1], tmp)
        t.usage()
        t.bad_specs()
        t.files()
        t.drops()
        t.lifetimes()
        t.tampered()
    print("esp_cli: %d of %d checks passed" % (t.passed, t.passed + t.failed))
    return 0 if t.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
