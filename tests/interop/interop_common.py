"""Shared pieces of the ESP interop tests: the test cases (one per transform,
encapsulation and ESN setting), the inner packets, and running
`keyway esp`.

Run with Debian's /usr/bin/python3: python3-scapy is installed for that
interpreter only.
"""

import hashlib
import hmac
import random
import re
import struct
import subprocess
from dataclasses import dataclass

from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.ipsec import ESP, SecurityAssociation
from scapy.layers.l2 import Ether
from scapy.packet import Raw

OUTER_SRC = "192.0.2.1"
OUTER_DST = "198.51.100.7"
MAC_SRC = "02:00:5e:00:53:01"
MAC_DST = "02:00:5e:00:53:02"


@dataclass(frozen=True)
class Transform:
    name: str            # keyway's SPEC name
    scapy_crypt: str     # scapy.layers.ipsec CRYPT_ALGOS key
    scapy_auth: str      # scapy.layers.ipsec AUTH_ALGOS key
    key_len: int         # bytes in SPEC key= (GCM: key + 4-byte salt)
    auth_key_len: int    # bytes in SPEC auth-key=, 0 for AEAD
    iv_len: int
    icv_len: int
    hmac_digest: object  # hashlib constructor for the HMAC, None for AEAD
    ws_crypt: str        # Wireshark 4.0 esp_sa UAT encryption name
    ws_auth: str         # Wireshark 4.0 esp_sa UAT authentication name

    @property
    def aead(self):
        return self.hmac_digest is None


TRANSFORMS = [
    Transform("aes128gcm", "AES-GCM", "NULL", 20, 0, 8, 16, None,
              "AES-GCM with 16 octet ICV [RFC4106]", "NULL"),
    Transform("aes256gcm", "AES-GCM", "NULL", 36, 0, 8, 16, None,
              "AES-GCM with 16 octet ICV [RFC4106]", "NULL"),
    Transform("aes128cbc-sha256", "AES-CBC", "SHA2-256-128", 16, 32, 16, 16, hashlib.sha256,
              "AES-CBC [RFC3602]", "HMAC-SHA-256-128 [RFC4868]"),
    Transform("aes256cbc-sha256", "AES-CBC", "SHA2-256-128", 32, 32, 16, 16, hashlib.sha256,
              "AES-CBC [RFC3602]", "HMAC-SHA-256-128 [RFC4868]"),
    Transform("3des-sha1", "3DES", "HMAC-SHA1-96", 24, 20, 8, 12, hashlib.sha1,
              "TripleDES-CBC [RFC2451]", "HMAC-SHA-1-96 [RFC2404]"),
]


@dataclass
class Case:
    transform: Transform
    encap: bool
    esn: bool
    spi: int
    key: bytes
    auth_key: bytes
    src: str = OUTER_SRC
    dst: str = OUTER_DST

    @property
    def name(self):
        return "%s%s%s" % (self.transform.name, "+udp" if self.encap else "",
                           "+esn" if self.esn else "")

    def spec(self, seq=None, auth_key=None):
        """The keyway SPEC string for this SA."""
        fields = ["spi=0x%08x" % self.spi, "transform=" + self.transform.name,
                  "key=" + self.key.hex()]
        if not self.transform.aead:
            fields.append("auth-key=" + (auth_key or self.auth_key).hex())
        fields += ["src=" + self.src, "dst=" + self.dst]
        if self.encap:
            fields.append("encap=udp")
        if self.esn:
            fields.append("esn=on")
        if seq is not None:
            fields.append("seq=%d" % seq)
        return ",".join(fields)

    def scapy_sa(self, esn_high=0):
        """scapy's view of the same SA. For GCM, scapy splits crypt_key into
        key and salt itself, exactly like keyway's key=."""
        return SecurityAssociation(
            ESP, spi=self.spi,
            crypt_algo=self.transform.scapy_crypt, crypt_key=self.key,
            auth_algo=self.transform.scapy_auth,
            auth_key=self.auth_key if not self.transform.aead else None,
            tunnel_header=IP(src=self.src, dst=self.dst),
            nat_t_header=UDP(sport=4500, dport=4500) if self.encap else None,
            esn_en=self.esn, esn=esn_high)


def all_cases(seed=4303):
    """Every transform, with and without UDP encapsulation and ESN; keys
    drawn from a fixed seed so that failures reproduce."""
    rng = random.Random(seed)
    cases = []
    spi = 0x1000
    for t in TRANSFORMS:
        for encap in (False, True):
            for esn in (False, True):
                key = bytes(rng.getrandbits(8) for _ in range(t.key_len))
                auth_key = bytes(rng.getrandbits(8) for _ in range(t.auth_key_len))
                cases.append(Case(t, encap, esn, spi, key, auth_key))
                spi += 0x111
    return cases


def inner_packets(count=None):
    """Inner IPv4 packets from a header-only one up to 1500 bytes, UDP, ICMP
    and TCP, with varied TOS/TTL/DF, plus IPv6. `count` repeats the set
    (with different payload bytes) to reach that many packets."""
    base = []
    # An IPv4 header with nothing behind it (protocol 253, RFC 3692).
    base.append(IP(src="10.1.0.1", dst="10.2.0.1", proto=253, ttl=9))
    base.append(IP(src="10.1.0.1", dst="10.2.0.1", tos=0xb8) / ICMP(id=7, seq=1))
    base.append(IP(src="10.1.0.1", dst="10.2.0.1", flags="DF") / ICMP(id=7, seq=2) / Raw(b"ping"))
    base.append(IP(src="10.1.0.3", dst="10.2.0.4", flags="DF") /
                TCP(sport=40000, dport=443, flags="S", seq=12345))
    for total in (28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 43, 44, 45, 60, 61, 63,
                  64, 100, 127, 128, 129, 255, 256, 511, 1000, 1399, 1400, 1401, 1438, 1450,
                  1480, 1500):
        base.append(IP(src="10.1.0.%d" % (total % 250 + 1), dst="10.2.0.2",
                       tos=total & 0xfc, ttl=total % 200 + 1,
                       flags="DF" if total % 2 else 0) /
                    UDP(sport=40000 + total, dport=9) / Raw(bytes(total - 28)))
    base.append(IPv6(src="2001:db8::1", dst="2001:db8::2", hlim=33) /
                UDP(sport=40001, dport=9) / Raw(b"six" * 50))
    if count is None:
        count = len(base)
    out = []
    for i in range(count):
        p = base[i % len(base)].copy()
        if Raw in p:
            n = len(p[Raw].load)
            p[Raw].load = bytes((i + j) & 0xff for j in range(n))
        # Build once, so that the bytes compared later are fixed (checksums,
        # lengths).
        out.append(p.__class__(bytes(p)))
    return out


def write_pcap(path, frames, snaplen=262144):
    """Writes Ethernet frames as a classic pcap file. A frame is bytes, or
    (bytes, wire_len) for a frame the capture cut short. Frame i gets the
    timestamp 1700000000 + i seconds and i microseconds."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, 1))
        for i, frame in enumerate(frames):
            data, wire_len = frame if isinstance(frame, tuple) else (frame, len(frame))
            f.write(struct.pack("<IIII", 1700000000 + i, i, len(data), wire_len))
            f.write(data)


def read_pcap(path):
    """Reads a classic little-endian microsecond pcap file (what keyway
    writes): returns [(seconds, microseconds, frame bytes)]."""
    with open(path, "rb") as f:
        data = f.read()
    magic, major, minor, _, _, _, linktype = struct.unpack_from("<IHHiIII", data, 0)
    if magic != 0xA1B2C3D4 or (major, minor) != (2, 4) or linktype != 1:
        raise ValueError("%s: not a classic Ethernet pcap file (magic %#x, link type %d)"
                         % (path, magic, linktype))
    out, off = [], 24
    while off < len(data):
        sec, usec, caplen, wire_len = struct.unpack_from("<IIII", data, off)
        off += 16
        if caplen != wire_len:
            raise ValueError("%s: frame %d truncated in the file" % (path, len(out)))
        out.append((sec, usec, data[off:off + caplen]))
        off += caplen
    return out


def ether(inner):
    """Wraps an inner packet in the Ethernet header the tests use."""
    ethertype = 0x86DD if inner.version == 6 else 0x0800
    return bytes(Ether(src=MAC_SRC, dst=MAC_DST, type=ethertype)) + bytes(inner)


SUMMARY = re.compile(r"^(encrypt|decrypt): (\d+) packets in, (\d+) out, (\d+) dropped(?:: (.*))?$",
                     re.M)


@dataclass
class Run:
    rc: int
    stderr: str
    n_in: int = -1
    n_out: int = -1
    n_dropped: int = -1
    reasons: dict = None


def run_keyway(keyway, mode, specs, in_path, out_path, extra=()):
    args = [keyway, "esp", mode]
    for s in specs:
        args += ["--sa", s]
    args += ["--in", in_path, "--out", out_path] + list(extra)
    p = subprocess.run(args, capture_output=True, text=True, timeout=120)
    r = Run(p.returncode, p.stderr)
    m = SUMMARY.search(p.stderr)
    if m:
        r.n_in, r.n_out, r.n_dropped = int(m.group(2)), int(m.group(3)), int(m.group(4))
        r.reasons = {}
        if m.group(5):
            for item in m.group(5).split(", "):
                k, v = item.split("=")
                r.reasons[k] = int(v)
    return r


def esn_icv(transform, auth_key, esp_without_icv, esn_high):
    """The ESP ICV with ESN (RFC 4303 2.2.1): the HMAC also covers the high
    32 bits of the sequence number, appended after the packet. Computed with
    Python's hmac module because scapy 2.5.0 leaves the ESN out of ESP's
    integrity check (see esp_scapy.py)."""
    mac = hmac.new(auth_key, esp_without_icv + struct.pack("!L", esn_high),
                   transform.hmac_digest)
    return mac.digest()[:transform.icv_len]


class Checker:
    """Counts checks; prints every failure at once and one line per case."""

    def __init__(self):
        self.passed_cases = 0
        self.failed_cases = 0
        self.failures = []

    def check(self, ok, what):
        if not ok:
            self.failures.append(what)
        return ok

    def end_case(self, name, detail=""):
        ok = not self.failures
        print("%-4s %s%s" % ("ok" if ok else "FAIL", name, (": " + detail) if detail else ""),
              flush=True)
        for f in self.failures[:10]:
            print("       " + f, flush=True)
        if len(self.failures) > 10:
            print("       ... and %d more" % (len(self.failures) - 10), flush=True)
        self.failures = []
        if ok:
            self.passed_cases += 1
        else:
            self.failed_cases += 1
        return ok

    def finish(self, what):
        total = self.passed_cases + self.failed_cases
        print("%s: %d of %d cases passed" % (what, self.passed_cases, total), flush=True)
        return 0 if self.failed_cases == 0 and total > 0 else 1
