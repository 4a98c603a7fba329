#!/usr/bin/python3
"""The two-router lab: two `keyway run` daemons joined by an ESP tunnel with
manual SAs, two hosts behind them, all in network namespaces that the test
builds and removes itself.

  hostA 192.168.100.10 --- R1 (keyway) --- WAN bridge --- R2 (keyway) --- hostB 192.168.200.10
                 Ethernet0/1 .100.1   Ethernet0/0 .0.1   .0.2 Ethernet0/0   Ethernet0/1 .200.1
                            Tunnel1 10.0.0.1/24  <- ESP ->  Tunnel1 10.0.0.2/24

The WAN is a Linux bridge in its own namespace with two ports, the peers of
R1's and R2's WAN veths; the test captures (tcpdump) and injects (scapy
sendp) on the port towards R1. R1 and R2 hold only their veths, without
addresses; keyway reads them with DPDK's af_packet PMD and creates its own
TAP interfaces for the exception path. IPv6 is off in every namespace and
checksum offload off on every veth, so every frame on the WAN comes from
keyway or the test.

Cases, with AES-128-GCM manual SAs (keys random per run):
  1. pings from hostA to hostB, to R1's LAN address, to R2's tunnel address
     (through the tunnel) and to R2's LAN address, after a warm-up (the
     first packet to an unresolved neighbour may be dropped): >= 4 of 5
     replies each; `show crypto ipsec sa` lists the manual SAs.
  1b. path MTU: a 1500-byte echo request with DF gets ICMP "fragmentation
     needed" with the tunnel's MTU (1400) from R1; without DF it is
     fragmented before encryption, and the WAN's ESP decrypts to fragments
     that add up to the whole echo.
  2. iperf3: a 20 MiB TCP transfer hostA -> hostB and 2 s of UDP at
     20 Mbit/s (throughput reported, no UDP loss), and 8 MiB of
     pseudo-random data over TCP whose SHA-256 the receiver checks (iperf3's
     receiver byte count is not exact with -n).
  3. the WAN captures taken during 1 and 2 hold only ARP and ESP between
     192.168.0.1 and 192.168.0.2; scapy decrypts every ESP packet of the
     ping capture back to exactly the ICMP echo requests and replies seen on
     hostA's and hostB's interfaces (id, sequence, payload), and a sample of
     the iperf capture to TCP/UDP between the hosts; ESP sequence numbers
     increase per SPI.
  5. bad packets injected on the WAN towards R1 (unknown SPI, a forged ICV,
     replayed captured packets, 8-byte truncated ESP), N of each: R1's
     counters unknown_spi, bad_icv, replay (a duplicate in the window),
     replay_old (left of it), too_short (+bad_length) grow by exactly N
     each and no other ESP counter moves; pings still work.
  4. fail closed: `clear crypto sa` on R1, then pings fail, R1 sends nothing
     but ARP on the WAN and no plaintext appears there, and R1's no_sa
     counters grow.
Then with AES-128-CBC + HMAC-SHA-256 manual SAs: cases 1 and 3.
After each: both daemons stop on SIGTERM with exit status 0, print their
counters and remove their TAP interfaces.

The whole run takes about 40 s.

Needs root, ip, ping, ss, ethtool, tcpdump, iperf3 and python3-scapy; fails (does
not skip) without them.

usage: /usr/bin/python3 two_routers.py PATH/TO/keyway [--keep]
  --keep   keep the run's directory (configurations, daemon logs, captures)
"""

import ipaddress
import json
import os
import random
import signal
import socket
import struct
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "interop"))

from labnet import Lab, LabError, require_root_and_tools  # noqa: E402

# ---------------------------------------------------------------------------
# keyway's interface: every command line, output line and JSON key name the
# test relies on, in one place.

READY_LINE = "keyway: ready"
READY_TIMEOUT = 30  # seconds from `keyway run` to READY_LINE
FINAL_COUNTERS_PREFIX = "esp: "  # a line of the counters printed on SIGTERM
CTL_COUNTERS = ["show", "counters", "--json"]
CTL_SAS = ["show", "crypto", "ipsec", "sa", "--json"]
CTL_CLEAR_SAS = ["clear", "crypto", "sa"]
TUNNEL = "Tunnel1"
TUNNEL_MTU = 1400  # a tunnel's IP MTU, in R1's ICMP "fragmentation needed"
WAN_IF = "Ethernet0/0"
LAN_IF = "Ethernet0/1"

# Counter name -> path in `show counters --json`.
COUNTERS = {
    "port_wan_rx": ("ports", WAN_IF, "rx"),
    "port_wan_tx": ("ports", WAN_IF, "tx"),
    "worker_no_sa": ("worker", "no_sa"),
    "tunnel_no_sa": ("tunnels", TUNNEL, "no_sa"),
    "tunnel_out_packets": ("tunnels", TUNNEL, "out_packets"),
    "tunnel_in_packets": ("tunnels", TUNNEL, "in_packets"),
}
ESP_COUNTERS = "esp"  # the object holding the ESP engine's counters
ESP_DROP = {  # the drop counters the injection case expects, by kind
    "unknown_spi": ("unknown_spi",),
    "bad_icv": ("bad_icv",),
    "replay": ("replay",),
    "replay_old": ("replay_old",),
    "truncated": ("too_short", "bad_length"),
}

# `show crypto ipsec sa --json`: {"tunnels": [{"interface", "local", "peer",
# "inbound": [{"spi", "transform", "packets", "bytes"}], "outbound": [...]}]}
SA_TUNNELS, SA_INTERFACE, SA_LOCAL, SA_PEER = "tunnels", "interface", "local", "peer"
SA_INBOUND, SA_OUTBOUND = "inbound", "outbound"
SA_SPI, SA_TRANSFORM, SA_PACKETS = "spi", "transform", "packets"

# ---------------------------------------------------------------------------

try:
    import scapy  # noqa: F401
except ImportError:
    print("FAIL: scapy is not importable from %s (use Debian's /usr/bin/python3)" % sys.executable)
    sys.exit(1)

from interop_common import TRANSFORMS, Checker, read_pcap, write_pcap  # noqa: E402
from scapy.layers.inet import ICMP, IP, TCP, UDP  # noqa: E402
from scapy.layers.ipsec import ESP, SecurityAssociation  # noqa: E402
from scapy.layers.l2 import Ether  # noqa: E402
from scapy.packet import Raw  # noqa: E402

HOST_A, HOST_B = "192.168.100.10", "192.168.200.10"
R1_LAN, R2_LAN = "192.168.100.1", "192.168.200.1"
R1_WAN, R2_WAN = "192.168.0.1", "192.168.0.2"
R1_TUN, R2_TUN = "10.0.0.1", "10.0.0.2"
LAN_A, LAN_B = ipaddress.ip_network("192.168.100.0/24"), ipaddress.ip_network("192.168.200.0/24")
WAN_NET = ipaddress.ip_network("192.168.0.0/24")
SPI_R1_OUT, SPI_R2_OUT = 0x1001, 0x2001
IPERF_PORT = 5201
IPERF_TCP_BYTES = 20 * 1024 * 1024
IPERF_UDP_RATE = "20M"
CHECKED_BYTES = 8 * 1024 * 1024
CHECKED_PORT = 5202
INJECT_N = 5
PINGS = 5

# Namespaces (short names; the lab prefixes them) and interfaces.
NS_A, NS_R1, NS_WAN, NS_R2, NS_B = "ha", "r1", "wan", "r2", "hb"
WAN_TO_R1 = "to-r1"  # the bridge port facing R1, where the test captures and injects


def transform(name):
    return next(t for t in TRANSFORMS if t.name == name)


@dataclass
class SaKeys:
    """One direction's manual SA: the sender's outbound, the receiver's
    inbound SA."""
    spi: int
    transform: object
    key: bytes
    auth_key: bytes
    src: str
    dst: str

    def config_line(self, direction):
        line = " dataplane manual-sa %s spi 0x%x transform %s key 0x%s" % (
            direction, self.spi, self.transform.name, self.key.hex())
        if self.auth_key:
            line += " auth-key 0x" + self.auth_key.hex()
        return line

    def scapy_sa(self):
        return SecurityAssociation(
            ESP, spi=self.spi, crypt_algo=self.transform.scapy_crypt, crypt_key=self.key,
            auth_algo=self.transform.scapy_auth,
            auth_key=self.auth_key if self.auth_key else None,
            tunnel_header=IP(src=self.src, dst=self.dst))

    def spec(self):
        """The same SA as a `keyway esp` SPEC."""
        s = "spi=0x%x,transform=%s,key=%s,src=%s,dst=%s" % (
            self.spi, self.transform.name, self.key.hex(), self.src, self.dst)
        if self.auth_key:
            s += ",auth-key=" + self.auth_key.hex()
        return s


def make_keys(transform_name, seed):
    """Random keys for both directions, reproducible from the run's seed."""
    t = transform(transform_name)
    rng = random.Random("%d-%s" % (seed, transform_name))

    def one(spi, src, dst):
        return SaKeys(spi, t, rng.randbytes(t.key_len), rng.randbytes(t.auth_key_len), src, dst)
    return {"r1_out": one(SPI_R1_OUT, R1_WAN, R2_WAN), "r2_out": one(SPI_R2_OUT, R2_WAN, R1_WAN)}


def router_config(name, wan, lan, lan_prefix, tun, peer_wan, remote_lan, peer_tun, out_sa, in_sa):
    return "\n".join([
        "hostname " + name,
        "interface " + WAN_IF,
        " ip address %s 255.255.255.0" % wan,
        "interface " + LAN_IF,
        " ip address %s 255.255.255.0" % lan,
        "interface " + TUNNEL,
        " ip address %s 255.255.255.0" % tun,
        " tunnel source " + WAN_IF,
        " tunnel destination " + peer_wan,
        " tunnel mode ipsec ipv4",
        out_sa.config_line("outbound"),
        in_sa.config_line("inbound"),
        "ip route %s 255.255.255.0 %s" % (remote_lan, peer_tun),
        "dataplane port %s net_af_packet0" % WAN_IF,
        "dataplane port %s net_af_packet1" % LAN_IF,
        "",
    ])


def dig(obj, path):
    for k in path:
        if not isinstance(obj, dict) or k not in obj:
            raise KeyError("%s (at %r; keys there: %s)" % (
                ".".join(path), k, sorted(obj) if isinstance(obj, dict) else type(obj).__name__))
        obj = obj[k]
    return obj


class Router:
    """One `keyway run` in its namespace, and its control client."""

    def __init__(self, lab, keyway, name, ns, wan_dev="wan", lan_dev="lan"):
        self.lab, self.keyway, self.name, self.ns = lab, keyway, name, ns
        self.wan_dev, self.lan_dev = wan_dev, lan_dev
        self.cfg = os.path.join(lab.tmp, name.lower() + ".cfg")
        self.sock = os.path.join(lab.tmp, name.lower() + ".sock")
        self.file_prefix = "%s%s" % (lab.prefix, name.lower())
        lab.cleanup_paths.append("/var/run/dpdk/" + self.file_prefix)
        self.proc = None
        self.starts = 0

    def start(self, config):
        with open(self.cfg, "w") as f:
            f.write(config)
        self.starts += 1
        args = [self.keyway, "run", "-c", self.cfg, "--ctl", self.sock, "--idle-sleep", "50", "--",
                "-l", "0,1", "--no-huge", "-m", "512", "--no-pci", "--file-prefix", self.file_prefix,
                # framecnt: af_packet's default ring (512 frames) overflows
                # under TCP bursts, and those drops are not in any counter.
                "--vdev", "net_af_packet0,iface=%s,framecnt=4096" % self.wan_dev,
                "--vdev", "net_af_packet1,iface=%s,framecnt=4096" % self.lan_dev]
        self.proc = self.lab.spawn("%s-run%d" % (self.name.lower(), self.starts), args, ns=self.ns)
        if not self.proc.wait_line(lambda l: l.strip() == READY_LINE, READY_TIMEOUT):
            state = ("still running" if self.proc.running()
                     else "exited with status %s" % self.proc.popen.poll())
            raise LabError("%s: no %r line within %d s (%s); command: %s\noutput:\n%s" % (
                self.name, READY_LINE, READY_TIMEOUT, state, " ".join(self.proc.args),
                "\n".join("  | " + l for l in self.proc.output(60))))

    def stop(self):
        """SIGTERM; returns (exit status, output)."""
        p, self.proc = self.proc, None
        if p is None:
            return None, []
        rc = p.stop(signal.SIGTERM, timeout=10)
        self.lab.forget(p)
        return rc, p.output()

    def ctl(self, args, check=True):
        return self.lab.run([self.keyway, "ctl", "--ctl", self.sock] + list(args), ns=self.ns,
                            check=check, timeout=10)

    def ctl_json(self, args):
        r = self.ctl(args)
        try:
            return json.loads(r.stdout)
        except json.JSONDecodeError as e:
            raise LabError("%s: `ctl %s` printed no JSON (%s):\n%s" % (
                self.name, " ".join(args), e, r.stdout[:2000]))

    def counters(self):
        return self.ctl_json(CTL_COUNTERS)

    def sas(self):
        return self.ctl_json(CTL_SAS)

    def log_tail(self, n=40):
        if self.proc is None:
            return []
        return self.proc.output(n)


def nonzero(obj):
    """The counters JSON without its zeros, for failure reports."""
    if isinstance(obj, dict):
        out = {k: nonzero(v) for k, v in obj.items()}
        return {k: v for k, v in out.items() if v not in (0, {}, None)}
    return obj


def counter(counters, name):
    return int(dig(counters, COUNTERS[name]))


def esp_counters(counters):
    return {k: int(v) for k, v in dig(counters, (ESP_COUNTERS,)).items() if isinstance(v, int)}


# ---------------------------------------------------------------------------
# traffic

def ping(lab, ns, dst, count=PINGS, interval=0.2, wait=1, extra=()):
    """Returns (replies received, ping's output)."""
    r = lab.run(["ping", "-n", "-c", count, "-i", interval, "-W", wait] + list(extra) + [dst], ns=ns,
                check=False, timeout=count * interval + wait + 10)
    received = 0
    for line in r.stdout.splitlines():
        if "packets transmitted" in line:
            received = int(line.split(",")[1].split()[0])
    return received, (r.stdout + r.stderr).strip()


def warm_up(lab, ns, dst, tries=6):
    """Pings until one reply (neighbour resolution on the way); True if one came."""
    for _ in range(tries):
        n, _ = ping(lab, ns, dst, count=1, wait=1)
        if n:
            return True
    return False


class Capture:
    """tcpdump on one interface, written to a pcap file."""

    def __init__(self, lab, name, ns, dev, bpf=None):
        self.lab, self.name, self.ns, self.dev = lab, name, ns, dev
        self.path = os.path.join(lab.tmp, name + ".pcap")
        args = ["tcpdump", "-i", dev, "-n", "-s", "0", "--immediate-mode", "-U", "-w", self.path]
        if bpf:
            args.append(bpf)
        self.proc = lab.spawn("tcpdump-" + name, args, ns=ns)
        if not self.proc.wait_line(lambda l: "listening on" in l, 10):
            raise LabError("tcpdump on %s did not start:\n%s" % (dev, "\n".join(self.proc.output())))

    def stop(self):
        time.sleep(0.3)  # let the last frames of the traffic arrive
        self.proc.stop(signal.SIGINT)
        self.lab.forget(self.proc)
        self.frames = [f for _, _, f in read_pcap(self.path)]
        return self.frames

    def summary(self, limit=25):
        r = self.lab.run(["tcpdump", "-r", self.path, "-n", "-e", "-c", limit], check=False)
        lines = r.stdout.splitlines()
        return ["%s: %d frames%s" % (self.path, len(self.frames),
                                     ", the first %d:" % len(lines) if lines else "")] + \
            ["  " + l for l in lines]


def run_iperf(lab, udp):
    """One iperf3 test hostA -> hostB; returns (client JSON or None, problems)."""
    server = lab.spawn("iperf3-server-%s" % ("udp" if udp else "tcp"),
                       ["iperf3", "-s", "-1", "-B", HOST_B, "-p", IPERF_PORT], ns=NS_B)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        r = lab.run(["ss", "-H", "-ltnu", "sport", "=", ":%d" % IPERF_PORT], ns=NS_B, check=False)
        if r.stdout.strip():
            break
        time.sleep(0.1)
    args = ["iperf3", "-c", HOST_B, "-p", IPERF_PORT, "--json", "--connect-timeout", "3000"]
    if udp:
        args += ["-u", "-b", IPERF_UDP_RATE, "-t", "2", "-l", "1200"]
    else:
        args += ["-n", IPERF_TCP_BYTES]
    problems = []
    try:
        r = lab.run(args, ns=NS_A, check=False, timeout=30)
    except LabError as e:
        server.stop()
        lab.forget(server)
        return None, [str(e)]
    try:
        server.popen.wait(10)
    except subprocess.TimeoutExpired:
        problems.append("iperf3 server did not exit after the test")
    server.stop()
    lab.forget(server)
    try:
        result = json.loads(r.stdout)
    except json.JSONDecodeError:
        problems.append("iperf3 client exit status %d, no JSON: %s %s" % (
            r.returncode, r.stdout[-1500:], r.stderr[-500:]))
        return None, problems
    if r.returncode != 0 or "error" in result:
        problems.append("iperf3 client exit status %d: %s" % (r.returncode, result.get("error")))
    return result, problems


# ---------------------------------------------------------------------------
# capture checks

def ip_str(b):
    return socket.inet_ntoa(b)


def check_wan_frames(frames, chk, where):
    """Every frame is ARP within 192.168.0.0/24 or IPv4 ESP between the two
    WAN addresses. Returns [(index, IPv4 packet bytes)] of the ESP frames."""
    esp = []
    bad = 0
    for i, f in enumerate(frames):
        etype = struct.unpack_from("!H", f, 12)[0] if len(f) >= 14 else None
        problem = None
        if etype == 0x0806:
            if len(f) < 42:
                problem = "short ARP frame"
            else:
                spa, tpa = ip_str(f[28:32]), ip_str(f[38:42])
                if not all(ipaddress.ip_address(a) in WAN_NET for a in (spa, tpa)):
                    problem = "ARP %s -> %s outside the WAN subnet" % (spa, tpa)
        elif etype == 0x0800:
            ihl = (f[14] & 0x0f) * 4
            total = struct.unpack_from("!H", f, 16)[0]
            proto, src, dst = f[23], ip_str(f[26:30]), ip_str(f[30:34])
            if proto != 50:
                problem = "IPv4 protocol %d %s -> %s" % (proto, src, dst)
            elif {src, dst} != {R1_WAN, R2_WAN}:
                problem = "ESP %s -> %s" % (src, dst)
            elif len(f) < 14 + total or total < ihl:
                problem = "IPv4 total length %d, frame %d bytes" % (total, len(f))
            else:
                esp.append((i, f[14:14 + total]))
        else:
            problem = "ethertype %s" % (hex(etype) if etype is not None else "none (runt)")
        if problem:
            bad += 1
            chk.check(False, "%s frame %d: %s" % (where, i + 1, problem))
    return esp, bad


def decrypt(esp_frames, keys, chk, where, sample=None):
    """Decrypts ESP packets with scapy. Returns [(spi, seq, inner IP packet)]
    in capture order. `sample`: decrypt only that many, evenly spread (the
    sequence number check still covers every packet)."""
    by_spi = {k.spi: k for k in keys.values()}
    sas = {spi: k.scapy_sa() for spi, k in by_spi.items()}
    last_seq = {}
    picked = set(range(len(esp_frames)))
    if sample is not None and len(esp_frames) > sample:
        step = len(esp_frames) / sample
        picked = {int(j * step) for j in range(sample)} | {len(esp_frames) - 1}
    out = []
    for j, (i, ip_bytes) in enumerate(esp_frames):
        src, dst = ip_str(ip_bytes[12:16]), ip_str(ip_bytes[16:20])
        ihl = (ip_bytes[0] & 0x0f) * 4
        spi, seq = struct.unpack_from("!II", ip_bytes, ihl)
        w = "%s frame %d (SPI %#x seq %d)" % (where, i + 1, spi, seq)
        k = by_spi.get(spi)
        if not chk.check(k is not None, w + ": SPI of neither manual SA"):
            continue
        chk.check((src, dst) == (k.src, k.dst), w + ": outer %s -> %s, the SA is %s -> %s"
                  % (src, dst, k.src, k.dst))
        chk.check(seq > last_seq.get(spi, 0), w + ": sequence number not above the previous %d"
                  % last_seq.get(spi, 0))
        last_seq[spi] = seq
        if j not in picked:
            continue
        try:
            inner = sas[spi].decrypt(IP(ip_bytes))
        except Exception as e:  # scapy raises IPSecIntegrityError and others
            chk.check(False, w + ": scapy cannot decrypt: %s" % type(e).__name__)
            continue
        out.append((spi, seq, inner))
    return out


def icmp_key(p):
    ic = p[ICMP]
    return (p[IP].src, p[IP].dst, int(ic.type), int(ic.id), int(ic.seq), bytes(ic.payload))


def fmt_key(k):
    return "%s -> %s %s id %#x seq %d (%d payload bytes)" % (
        k[0], k[1], {8: "echo-request", 0: "echo-reply"}.get(k[2], "type %d" % k[2]), k[3], k[4],
        len(k[5]))


def host_icmp(frames):
    out = []
    for f in frames:
        p = Ether(f)
        if IP in p and ICMP in p and p[ICMP].type in (0, 8):
            out.append(icmp_key(p))
    return out


def compare_multisets(chk, got, want, what_got, what_want):
    g, w = Counter(got), Counter(want)
    missing, extra = w - g, g - w
    for k in list(missing.elements())[:5]:
        chk.check(False, "in %s but not in %s: %s" % (what_want, what_got, fmt_key(k)))
    for k in list(extra.elements())[:5]:
        chk.check(False, "in %s but not in %s: %s" % (what_got, what_want, fmt_key(k)))
    if missing or extra:
        chk.check(False, "%s: %d packets, %s: %d; %d missing, %d extra" % (
            what_got, len(got), what_want, len(want), sum(missing.values()), sum(extra.values())))


def through_tunnel(addr):
    return ipaddress.ip_address(addr) not in LAN_A


def check_ping_capture(chk, wan_frames, a_frames, b_frames, keys):
    """Case 3 for the ping capture. Returns the number of ESP packets."""
    esp, _ = check_wan_frames(wan_frames, chk, "WAN (pings)")
    inners = decrypt(esp, keys, chk, "WAN (pings)")
    decrypted = []
    for spi, seq, p in inners:
        if chk.check(ICMP in p and p[ICMP].type in (0, 8),
                     "WAN (pings) SPI %#x seq %d: decrypted to something other than an ICMP "
                     "echo: %s" % (spi, seq, p.summary())):
            decrypted.append(icmp_key(p))
    # What hostA sent and received through the tunnel: requests to B, R2's
    # tunnel and LAN addresses, and their replies (not the pings of R1).
    a_seen = [k for k in host_icmp(a_frames)
              if (k[2] == 8 and k[0] == HOST_A and through_tunnel(k[1]))
              or (k[2] == 0 and k[1] == HOST_A and through_tunnel(k[0]))]
    compare_multisets(chk, decrypted, a_seen, "the decrypted WAN capture", "hostA's capture")
    b_seen = [k for k in host_icmp(b_frames) if HOST_A in k[:2]]
    compare_multisets(chk, [k for k in decrypted if HOST_B in k[:2]], b_seen,
                      "the decrypted WAN capture (hostB's packets)", "hostB's capture")
    chk.check(any(k[0] == HOST_A and k[1] == HOST_B for k in decrypted),
              "no echo request from hostA to hostB decrypted")
    return len(esp), len(decrypted)


def check_iperf_capture(chk, wan_frames, keys, sample=300):
    esp, _ = check_wan_frames(wan_frames, chk, "WAN (iperf3)")
    inners = decrypt(esp, keys, chk, "WAN (iperf3)", sample=sample)
    kinds = Counter()
    for spi, seq, p in inners:
        ends = {p[IP].src, p[IP].dst} if IP in p else set()
        l4 = p[TCP] if TCP in p else p[UDP] if UDP in p else None
        ok = (ends == {HOST_A, HOST_B} and l4 is not None
              and bool({IPERF_PORT, CHECKED_PORT} & {l4.sport, l4.dport}))
        chk.check(ok, "WAN (iperf3) SPI %#x seq %d: decrypted to %s, not iperf3 or checked "
                  "transfer traffic between the hosts" % (spi, seq, p.summary()))
        kinds["tcp" if TCP in p else "udp" if UDP in p else "other"] += 1
    return len(esp), len(inners), kinds


# ---------------------------------------------------------------------------
# the test

class Topology:
    """The topology and the two routers. `router_class` lets the IKE labs use
    their Router subclass; `diagnostics` shows the output of
    `diagnostic_commands` (keyway ctl argument lists) of each running router."""

    diagnostic_commands = ()

    def __init__(self, lab, keyway, router_class=None):
        router_class = router_class or Router
        self.lab = lab
        for ns in (NS_A, NS_R1, NS_WAN, NS_R2, NS_B):
            lab.add_ns(ns)
        lab.veth(NS_A, "eth0", NS_R1, "lan")
        lab.veth(NS_R1, "wan", NS_WAN, WAN_TO_R1)
        lab.veth(NS_R2, "wan", NS_WAN, "to-r2")
        lab.veth(NS_R2, "lan", NS_B, "eth0")
        lab.bridge(NS_WAN, "br0", [WAN_TO_R1, "to-r2"])
        for ns, addr, gw in ((NS_A, HOST_A, R1_LAN), (NS_B, HOST_B, R2_LAN)):
            lab.run(["ip", "addr", "add", addr + "/24", "dev", "eth0"], ns=ns)
            lab.run(["ip", "route", "add", "default", "via", gw], ns=ns)
        self.r1 = router_class(lab, keyway, "R1", NS_R1)
        self.r2 = router_class(lab, keyway, "R2", NS_R2)
        self.routers = (self.r1, self.r2)
        self.r1_mac = lab.mac(NS_R1, "wan")
        self.r2_mac = lab.mac(NS_R2, "wan")
        self.keys = None

    def start(self, transform_name, seed):
        self.keys = k = make_keys(transform_name, seed)
        self.r1.start(router_config("R1", R1_WAN, R1_LAN, "192.168.100.0", R1_TUN, R2_WAN,
                                    "192.168.200.0", R2_TUN, k["r1_out"], k["r2_out"]))
        self.r2.start(router_config("R2", R2_WAN, R2_LAN, "192.168.200.0", R2_TUN, R1_WAN,
                                    "192.168.100.0", R1_TUN, k["r2_out"], k["r1_out"]))

    def stop(self):
        return [(r.name,) + r.stop() for r in (self.r1, self.r2)]

    def diagnostics(self, captures=()):
        """Daemon output, counters and capture summaries, for a failed case."""
        lines = []
        for r in (self.r1, self.r2):
            lines.append("--- %s output (last lines):" % r.name)
            lines += ["  | " + l for l in r.log_tail(40)]
            if r.proc is not None and r.proc.running():
                for args in self.diagnostic_commands:
                    try:
                        out = r.ctl(args, check=False)
                        lines.append("--- %s `%s`:" % (r.name, " ".join(args)))
                        lines += ["  | " + l for l in (out.stdout + out.stderr).splitlines()[:30]]
                    except LabError as e:
                        lines.append("--- %s `%s`: %s" % (r.name, " ".join(args), e))
                try:
                    lines.append("--- %s counters (non-zero): %s" % (
                        r.name, json.dumps(nonzero(r.counters()), sort_keys=True)))
                except (LabError, KeyError) as e:
                    lines.append("--- %s counters unavailable: %s" % (r.name, e))
        for c in captures:
            if getattr(c, "frames", None) is not None:
                lines += c.summary()
        return lines


class Cases(Checker):
    def __init__(self, topology):
        super().__init__()
        self.l2 = topology
        self.t0 = time.monotonic()

    def end(self, name, detail="", captures=()):
        failed = bool(self.failures)
        self.failures = [f.replace("\n", "\n         ") for f in self.failures]
        now = time.monotonic()
        detail = "%s%s(%.1f s)" % (detail, " " if detail else "", now - self.t0)
        self.t0 = now
        ok = self.end_case(name, detail)
        if failed:
            for line in self.l2.diagnostics(captures):
                print("       " + line, flush=True)
        return ok


def sa_listing_check(chk, r, keys, transform_name):
    """`show crypto ipsec sa --json` on router r lists its two manual SAs."""
    sas = r.sas()
    out_k, in_k = (keys["r1_out"], keys["r2_out"]) if r.name == "R1" else (keys["r2_out"], keys["r1_out"])
    tunnels = dig(sas, (SA_TUNNELS,))
    t = [x for x in tunnels if x.get(SA_INTERFACE) == TUNNEL]
    if not chk.check(len(t) == 1, "%s: %s not listed once in `show crypto ipsec sa`: %s" % (
            r.name, TUNNEL, json.dumps(sas))):
        return
    t = t[0]
    chk.check((t.get(SA_LOCAL), t.get(SA_PEER)) == (out_k.src, out_k.dst),
              "%s: local/peer %s/%s" % (r.name, t.get(SA_LOCAL), t.get(SA_PEER)))
    for direction, k in ((SA_INBOUND, in_k), (SA_OUTBOUND, out_k)):
        lst = t.get(direction, [])
        ok = (len(lst) == 1 and int(str(lst[0].get(SA_SPI)), 0) == k.spi
              and lst[0].get(SA_TRANSFORM) == transform_name and int(lst[0].get(SA_PACKETS, 0)) > 0)
        chk.check(ok, "%s: %s SAs %s, expected SPI %#x %s with packets > 0" % (
            r.name, direction, json.dumps(lst), k.spi, transform_name))


def case_pings(cases, lab, l2, transform_name):
    """Case 1, with the captures for case 3. Returns the captures."""
    targets = [HOST_B, R1_LAN, R2_TUN, R2_LAN]
    for dst in targets:
        cases.check(warm_up(lab, NS_A, dst), "warm-up: no reply from %s in 6 pings" % dst)
    wan = Capture(lab, "wan-pings-" + transform_name, NS_WAN, WAN_TO_R1)
    cap_a = Capture(lab, "hosta-pings-" + transform_name, NS_A, "eth0", "icmp")
    cap_b = Capture(lab, "hostb-pings-" + transform_name, NS_B, "eth0", "icmp")
    results = []
    for dst in targets:
        n, out = ping(lab, NS_A, dst)
        results.append("%s %d/%d" % (dst, n, PINGS))
        cases.check(n >= PINGS - 1, "ping hostA -> %s: %d of %d replies\n%s" % (dst, n, PINGS, out))
    for c in (wan, cap_a, cap_b):
        c.stop()
    for r in (l2.r1, l2.r2):
        sa_listing_check(cases, r, l2.keys, transform_name)
    cases.end("1 [%s] pings through the tunnel" % transform_name, ", ".join(results), [wan])
    return wan, cap_a, cap_b


SINK = r"""
import hashlib, socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(1)
print("listening", flush=True)
s.settimeout(20)
c, _ = s.accept()
c.settimeout(15)
h, n = hashlib.sha256(), 0
while True:
    b = c.recv(1 << 16)
    if not b:
        break
    h.update(b)
    n += len(b)
print("received %d %s" % (n, h.hexdigest()), flush=True)
"""

SOURCE = r"""
import hashlib, random, socket, sys
data = random.Random(int(sys.argv[4])).randbytes(int(sys.argv[3]))
c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=15)
c.sendall(data)
c.shutdown(socket.SHUT_WR)
c.recv(1)
print("sent %d %s" % (len(data), hashlib.sha256(data).hexdigest()), flush=True)
"""


def checked_transfer(lab, nbytes, seed, src_ns=NS_A, dst_ns=NS_B, dst=HOST_B):
    """nbytes of pseudo-random data over TCP from namespace `src_ns` to
    `dst` in `dst_ns` (default hostA -> hostB); returns (sender's "sent N
    SHA256" line, receiver's "received N SHA256" line)."""
    sink = lab.spawn("tcp-sink", ["/usr/bin/python3", "-c", SINK, dst, CHECKED_PORT], ns=dst_ns)
    try:
        if not sink.wait_line(lambda l: l == "listening", 10):
            raise LabError("TCP sink did not start: %s" % sink.output())
        r = lab.run(["/usr/bin/python3", "-c", SOURCE, dst, CHECKED_PORT, nbytes, seed], ns=src_ns,
                    check=False, timeout=30)
        sink.wait_line(lambda l: l.startswith("received"), 10)
        got = [l for l in sink.output() if l.startswith("received")]
        return (r.stdout.strip() or "sender failed: " + r.stderr.strip()[-500:]), \
            (got[0] if got else "receiver: " + " | ".join(sink.output()[-5:]))
    finally:
        sink.stop()
        lab.forget(sink)


def case_path_mtu(cases, lab, l2):
    """Echo requests of 1500 bytes hostA -> hostB: with DF, R1 answers ICMP
    "fragmentation needed" with the tunnel's MTU; without, they are
    fragmented before encryption (R1's kernel, on the tunnel's TAP) and the
    replies come back; on the WAN, scapy decrypts the ESP to IPv4 fragments
    no bigger than the tunnel MTU that add up to the whole echo."""
    size = 1472  # ICMP payload: a 1500-byte IPv4 packet
    _, out = ping(lab, NS_A, HOST_B, count=1, extra=["-s", size, "-M", "do"])
    cases.check("From %s" % R1_LAN in out and "Frag needed" in out and "mtu = %d" % TUNNEL_MTU in out,
                "1500-byte ping with DF: no ICMP fragmentation needed from %s with mtu %d:\n%s"
                % (R1_LAN, TUNNEL_MTU, out))
    # Forget the learned path MTU again, for the traffic that follows.
    lab.run(["ip", "route", "flush", "cache"], ns=NS_A)
    wan = Capture(lab, "wan-pmtu", NS_WAN, WAN_TO_R1)
    n, out = ping(lab, NS_A, HOST_B, count=3, extra=["-s", size, "-M", "dont"])
    wan.stop()
    cases.check(n >= 2, "1500-byte ping without DF: %d of 3 replies\n%s" % (n, out))
    esp, _ = check_wan_frames(wan.frames, cases, "WAN (1500-byte pings)")
    inners = decrypt(esp, l2.keys, cases, "WAN (1500-byte pings)")
    frags = {}
    for spi, seq, p in inners:
        ok = IP in p and p[IP].proto == 1 and len(p[IP]) <= TUNNEL_MTU
        cases.check(ok, "WAN (1500-byte pings) SPI %#x seq %d: decrypted to %d bytes %s"
                    % (spi, seq, len(p), p.summary()))
        if ok:
            ip = p[IP]
            frags.setdefault((ip.src, ip.dst, ip.id), []).append(
                (ip.frag * 8, len(ip) - ip.ihl * 4, bool(ip.flags.MF)))
    whole = 0
    for key, parts in frags.items():
        parts.sort()
        contiguous = all(a[0] + a[1] == b[0] for a, b in zip(parts, parts[1:]))
        complete = (len(parts) >= 2 and parts[0][0] == 0 and contiguous and not parts[-1][2]
                    and all(p[2] for p in parts[:-1]) and parts[-1][0] + parts[-1][1] == 8 + size)
        cases.check(complete, "WAN (1500-byte pings): fragments of %s -> %s id %d: %s" % (
            key[0], key[1], key[2], parts))
        whole += complete
    cases.check(whole >= 2 * n, "%d whole fragmented echoes decrypted, %d replies" % (whole, n))
    cases.end("1b path MTU: DF gets fragmentation needed (mtu %d), the rest is fragmented" % TUNNEL_MTU,
              "ping without DF %d/3, %d ESP packets decrypted to %d fragmented echoes" % (n, len(inners), whole),
              [wan])


def case_iperf(cases, lab, l2, seed):
    """Case 2. iperf3's receiver byte count is not exact with -n (the server
    stops counting at the client's TEST_END, with data still in flight), so
    it is reported, and the exact byte check is a second transfer of
    pseudo-random data whose SHA-256 the receiver computes."""
    wan = Capture(lab, "wan-iperf", NS_WAN, WAN_TO_R1)
    details = []
    tcp, problems = run_iperf(lab, udp=False)
    for p in problems:
        cases.check(False, "iperf3 TCP: " + p)
    if tcp and "end" in tcp:
        sent = tcp["end"]["sum_sent"]["bytes"]
        received = tcp["end"]["sum_received"]["bytes"]
        # -n is a lower bound: iperf3 finishes the block it is writing.
        cases.check(sent >= IPERF_TCP_BYTES and 0 < received <= sent,
                    "iperf3 TCP: %d bytes sent, %d received, expected at least %d sent" % (
                        sent, received, IPERF_TCP_BYTES))
        details.append("iperf3 TCP %d bytes sent, %.1f Mbit/s, %s retransmits" % (
            sent, tcp["end"]["sum_sent"]["bits_per_second"] / 1e6,
            tcp["end"]["sum_sent"].get("retransmits", "?")))
    udp, problems = run_iperf(lab, udp=True)
    for p in problems:
        cases.check(False, "iperf3 UDP: " + p)
    if udp and "end" in udp:
        s = udp["end"]["sum"]
        cases.check(s["packets"] > 0 and s["lost_packets"] == 0,
                    "iperf3 UDP: %d datagrams sent, %d lost" % (s["packets"], s["lost_packets"]))
        details.append("iperf3 UDP %d datagrams (%d bytes) at %.1f Mbit/s, %d lost" % (
            s["packets"], s["bytes"], s["bits_per_second"] / 1e6, s["lost_packets"]))
    sent, received = checked_transfer(lab, CHECKED_BYTES, seed)
    cases.check(sent.startswith("sent ") and sent.split()[1:] == received.split()[1:],
                "checked TCP transfer: %r, %r" % (sent, received))
    details.append("%d bytes with equal SHA-256" % CHECKED_BYTES if sent.split()[1:] == received.split()[1:]
                   else "checked transfer differs")
    wan.stop()
    cases.end("2 iperf3 and a checked transfer hostA -> hostB", "; ".join(details), [wan])
    return wan


def case_capture(cases, keys, transform_name, pings, iperf=None):
    wan, cap_a, cap_b = pings
    n_esp, n_icmp = check_ping_capture(cases, wan.frames, cap_a.frames, cap_b.frames, keys)
    detail = "pings: %d WAN frames, %d ESP, all decrypted to the %d ICMP echoes of the hosts" % (
        len(wan.frames), n_esp, n_icmp)
    if iperf is not None:
        n_esp, n_dec, kinds = check_iperf_capture(cases, iperf.frames, keys)
        detail += "; iperf3: %d WAN frames, %d ESP, %d decrypted (%s)" % (
            len(iperf.frames), n_esp, n_dec, ", ".join("%s %d" % kv for kv in sorted(kinds.items())))
    cases.end("3 [%s] WAN holds only ARP and ESP; scapy decrypts it" % transform_name, detail,
              [wan] + ([iperf] if iperf else []))


INJECTOR = r"""
import sys
from scapy.all import rdpcap, sendp
print("ready", flush=True)
for line in sys.stdin:
    frames = rdpcap(line.strip())
    sendp(frames, iface=sys.argv[1], verbose=False)
    print("sent %d" % len(frames), flush=True)
"""


class Injector:
    """scapy sendp from the WAN namespace on the port towards R1: one
    process for the whole case (scapy takes a second to import), fed pcap
    file names."""

    def __init__(self, lab):
        self.lab, self.n = lab, 0
        self.proc = lab.spawn("injector", ["/usr/bin/python3", "-c", INJECTOR, WAN_TO_R1], ns=NS_WAN,
                              stdin=True)
        if not self.proc.wait_line(lambda l: l == "ready", 30):
            raise LabError("scapy injector did not start: %s" % self.proc.output())

    def send(self, frames):
        self.n += 1
        path = os.path.join(self.lab.tmp, "inject-%d.pcap" % self.n)
        write_pcap(path, frames)
        mark = self.proc.mark()
        self.proc.send(path)
        want = "sent %d" % len(frames)
        if not self.proc.wait_line(lambda l: l == want, 30, since=mark):
            raise LabError("scapy sendp of %s: %s" % (path, self.proc.output(10)))

    def close(self):
        self.proc.stop()
        self.lab.forget(self.proc)


def esp_from(frames, src):
    return [f for f in frames if len(f) > 34 and f[12:14] == b"\x08\x00" and f[23] == 50
            and ip_str(f[26:30]) == src]


def case_bad_packets(cases, lab, l2, ping_captures):
    r1, keys = l2.r1, l2.keys
    eth = Ether(src=l2.r2_mac, dst=l2.r1_mac)
    outer = IP(src=R2_WAN, dst=R1_WAN, proto=50)
    # R2 -> R1 ESP packets R1 received already: from the first capture (by
    # now far left of the replay window) and the last one R2 sent (inside
    # the window: a duplicate).
    old = esp_from(ping_captures[0].frames, R2_WAN)
    wan = Capture(lab, "wan-before-injection", NS_WAN, WAN_TO_R1)
    n, out = ping(lab, NS_A, HOST_B, count=2)
    wan.stop()
    recent = esp_from(wan.frames, R2_WAN)
    cases.check(n == 2 and recent, "ping hostA -> hostB before the injection: %d of 2 replies, "
                "%d ESP packets from R2 captured\n%s" % (n, len(recent), out))
    sa_in = keys["r2_out"].scapy_sa()  # R1's inbound SA

    def forged_icv(i):
        # A fresh sequence number far ahead of anything R2 sent (a captured
        # packet would be caught by the replay pre-check before the ICV is
        # looked at), encrypted with the real key, then one ICV byte flipped.
        inner = IP(src=HOST_B, dst=HOST_A) / ICMP(id=0x4b57, seq=i) / Raw(b"forged-%d" % i)
        f = bytearray(bytes(eth / sa_in.encrypt(inner, seq_num=0x40000000 + i)))
        f[-1] ^= 0x01
        return bytes(f)

    kinds = [
        ("unknown_spi", [bytes(eth / outer / struct.pack("!II", 0x0BADC0DE, i + 1) / Raw(bytes(72)))
                         for i in range(INJECT_N)]),
        ("bad_icv", [forged_icv(i) for i in range(INJECT_N)]),
        ("replay", recent[-1:] * INJECT_N),
        ("replay_old", old[:INJECT_N]),
        ("truncated", [bytes(eth / outer / struct.pack("!II", SPI_R2_OUT, 0x50000000 + i))
                       for i in range(INJECT_N)]),
    ]
    details = []
    injector = Injector(lab)
    cases.check(len(old) >= INJECT_N, "only %d captured R2 -> R1 ESP packets to replay" % len(old))
    for kind, frames in kinds:
        if len(frames) != INJECT_N:
            continue
        before = esp_counters(r1.counters())
        injector.send(frames)
        expected = ESP_DROP[kind]
        deadline = time.monotonic() + 3
        while True:
            after = esp_counters(r1.counters())
            grown = sum(after.get(c, 0) - before.get(c, 0) for c in expected)
            if grown >= INJECT_N or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        time.sleep(0.2)
        after = esp_counters(r1.counters())
        delta = {c: after.get(c, 0) - before.get(c, 0) for c in after
                 if after.get(c, 0) != before.get(c, 0)}
        grown = sum(delta.get(c, 0) for c in expected)
        others = {c: d for c, d in delta.items() if c not in expected}
        missing = [c for c in expected if c not in after]
        cases.check(not missing, "%s: counter(s) %s missing from R1's `%s` object: %s" % (
            kind, ", ".join(missing), ESP_COUNTERS, sorted(after)))
        cases.check(grown == INJECT_N and not others,
                    "%s: %d sent; R1's %s grew by %d, other ESP counters changed: %s" % (
                        kind, INJECT_N, "+".join(expected), grown, others or "none"))
        details.append("%s +%d" % ("+".join(c for c in expected if c in delta) or expected[0], grown))
    injector.close()
    n, out = ping(lab, NS_A, HOST_B)
    cases.check(n >= PINGS - 1, "ping hostA -> hostB after the injection: %d of %d\n%s" % (n, PINGS, out))
    details.append("then ping %d/%d" % (n, PINGS))
    cases.end("5 bad ESP injected towards R1, %d of each" % INJECT_N, ", ".join(details))


def case_fail_closed(cases, lab, l2):
    r1 = l2.r1
    before = r1.counters()
    wan = Capture(lab, "wan-fail-closed", NS_WAN, WAN_TO_R1)
    r = r1.ctl(CTL_CLEAR_SAS, check=False)
    cases.check(r.returncode == 0, "`ctl %s` exit status %d: %s%s" % (
        " ".join(CTL_CLEAR_SAS), r.returncode, r.stdout, r.stderr))
    sas = r1.sas()
    left = [(t.get(SA_INTERFACE), d, s.get(SA_SPI)) for t in dig(sas, (SA_TUNNELS,))
            for d in (SA_INBOUND, SA_OUTBOUND) for s in t.get(d, [])]
    cases.check(not left, "SAs still listed after `clear crypto sa`: %s" % left)
    n, out = ping(lab, NS_A, HOST_B)
    cases.check(n == 0, "ping hostA -> hostB without SAs: %d of %d replies\n%s" % (n, PINGS, out))
    wan.stop()
    from_r1 = 0
    for i, f in enumerate(wan.frames):
        etype = struct.unpack_from("!H", f, 12)[0]
        src_mac = ":".join("%02x" % b for b in f[6:12])
        if etype == 0x0800:
            src, dst = ip_str(f[26:30]), ip_str(f[30:34])
            plain = any(ipaddress.ip_address(a) in net for a in (src, dst) for net in (LAN_A, LAN_B))
            cases.check(not plain, "WAN frame %d: plaintext %s -> %s protocol %d" % (i + 1, src, dst, f[23]))
            if src == R1_WAN or src_mac == l2.r1_mac:
                from_r1 += 1
                cases.check(False, "WAN frame %d: R1 sent IPv4 %s -> %s protocol %d after "
                            "`clear crypto sa`" % (i + 1, src, dst, f[23]))
        elif etype != 0x0806:
            cases.check(False, "WAN frame %d: ethertype %#x" % (i + 1, etype))
    after = r1.counters()
    grown = {}
    for name in ("worker_no_sa", "tunnel_no_sa"):
        try:
            grown[name] = counter(after, name) - counter(before, name)
        except KeyError as e:
            cases.check(False, "R1 counter missing: %s" % e)
    cases.check(grown and max(grown.values()) >= PINGS,
                "R1's no_sa counters grew by %s, expected >= %d (one per echo request)" % (grown, PINGS))
    cases.end("4 fail closed after `clear crypto sa` on R1",
              "ping %d/%d, %d WAN frames (none IPv4 from R1), no_sa %s" % (
                  n, PINGS, len(wan.frames), ", ".join("%s +%d" % kv for kv in grown.items())),
              [wan])


def case_stop(cases, lab, l2):
    """SIGTERM: exit status 0, the final counters printed, keyway's TAP
    interfaces gone (the namespace holds its two veths again)."""
    for name, rc, output in l2.stop():
        cases.check(rc == 0, "%s: exit status %s after SIGTERM; last lines:\n%s" % (
            name, rc, "\n".join("  | " + l for l in output[-20:])))
        cases.check(any(l.startswith(FINAL_COUNTERS_PREFIX) for l in output),
                    "%s: no final counters (a line starting %r) in the output" % (name, FINAL_COUNTERS_PREFIX))
    for ns in (NS_R1, NS_R2):
        r = lab.run(["ip", "-o", "link", "show"], ns=ns)
        names = sorted(l.split(":")[1].strip().split("@")[0] for l in r.stdout.splitlines())
        cases.check(names == ["lan", "lo", "wan"], "%s: interfaces left after the daemon stopped: %s"
                    % (ns, names))
    cases.end("SIGTERM stops both daemons: exit status 0, counters printed, TAPs removed")


def lab_main(name, tools, run, prefix="kwlab", router_class=None):
    """The command line and the frame of a two-router lab: `PROG KEYWAY
    [--keep]`, root and `tools` checked, a key seed (KWLAB_SEED), the
    namespaces built and always removed, run(cases, lab, topology, seed)
    inside, a failure that aborts it recorded as one, and the exit status
    from the cases."""
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    flags = [a for a in sys.argv[1:] if a.startswith("--")]
    if len(args) != 1 or any(f not in ("--keep",) for f in flags):
        print(sys.modules["__main__"].__doc__)
        return 2
    keyway = os.path.abspath(args[0])
    problems = require_root_and_tools(tools + [keyway])
    if problems:
        for p in problems:
            print("FAIL: " + p, flush=True)
        return 1
    seed = int(os.environ.get("KWLAB_SEED", random.SystemRandom().randrange(1 << 32)))
    print("lab: key seed %d (KWLAB_SEED=%d reproduces the keys)" % (seed, seed), flush=True)
    try:
        t0 = time.monotonic()
        with Lab(keep="--keep" in flags, prefix=prefix) as lab:
            print("lab: namespaces %s*, files in %s" % (lab.prefix, lab.tmp), flush=True)
            l2 = Topology(lab, keyway, router_class=router_class)
            cases = Cases(l2)
            try:
                run(cases, lab, l2, seed)
            except (LabError, KeyError) as e:
                cases.check(False, "aborted: %s" % e)
                cases.end("lab run", captures=())
            print("lab: %.1f s" % (time.monotonic() - t0), flush=True)
    except KeyboardInterrupt:
        print("FAIL: interrupted; namespaces and processes removed", flush=True)
        return 130
    return cases.finish(name)


def run_cases(cases, lab, l2, seed):
    l2.start("aes128gcm", seed)
    pings = case_pings(cases, lab, l2, "aes128gcm")
    case_path_mtu(cases, lab, l2)
    iperf = case_iperf(cases, lab, l2, seed)
    case_capture(cases, l2.keys, "aes128gcm", pings, iperf)
    case_bad_packets(cases, lab, l2, pings)
    case_fail_closed(cases, lab, l2)
    case_stop(cases, lab, l2)

    l2.start("aes128cbc-sha256", seed)
    pings = case_pings(cases, lab, l2, "aes128cbc-sha256")
    case_capture(cases, l2.keys, "aes128cbc-sha256", pings)
    case_stop(cases, lab, l2)


def main():
    return lab_main("two_routers", ["ip", "ethtool", "tcpdump", "iperf3", "ping", "ss"], run_cases)


if __name__ == "__main__":
    sys.exit(main())
