#!/usr/bin/python3
"""keyway's IKEv2 against strongSwan's: `keyway run` in one namespace,
charon (tests/strongswan/swan.py) in another, a host behind keyway.

  hostA 192.168.100.10 --- kw: keyway (af_packet on lan and wan) --- sw: charon
                 Ethernet0/1 .100.1     Ethernet0/0 192.168.0.1   192.168.0.2 wan
                            Tunnel1 10.0.0.1/24                   192.168.200.1 on lo

keyway's tunnel is a VTI (traffic selectors any/any); strongSwan's
CHILD_SA says 0.0.0.0/0 === 0.0.0.0/0 as IOS peers need, with charon's route
installation off and one route of our own (192.168.100.0/24 via ipsec0),
so that only the LAN traffic enters the tunnel. strongSwan runs
kernel-libipsec here, which always UDP-encapsulates ESP: charon announces a
NAT (faked NAT_DETECTION_SOURCE_IP), and keyway must see "NAT OUTSIDE",
move IKE to port 4500 and install ESP-in-UDP SAs.

Cases:
  1. PSK, keyway initiates (a ping from hostA triggers it).
  2. PSK, strongSwan initiates (swanctl --initiate).
  3. certificates from one `keyway pki` lab CA (KeywayPki): keyway enrolls
     TP1, strongSwan gets a certificate of the same CA; keyway initiates.
  4. the same certificates, strongSwan initiates.
  5. two CAs: keyway has TP1 (SUB1, a subordinate CA of ROOT1, so its
     certificate travels with SUB1's and IKE_AUTH is fragmented, RFC 7383)
     and TP2 (CA2); strongSwan has a CA2 certificate and accepts keyway
     under SUB1 only: keyway must sign with TP1 (strongSwan's CERTREQ) and
     validate with TP2; ESP AES-CBC-256 + HMAC-SHA-256; keyway initiates.
  6. the same, strongSwan initiates.
  7. strongSwan rekeys the CHILD_SA and then the IKE SA during a 50/s ping
     train: keyway drops nothing, no ping lost (one tolerated on a
     saturated machine), one child on the new SAs; a checked 4 MiB TCP
     transfer then crosses them intact.
  8. keyway rekeys: the IPsec profile's byte lifetime is IOS's smallest
     (2560 kB) and a checked 4 MiB transfer crosses the soft limit, so
     keyway starts the CREATE_CHILD_SA; the transfer arrives intact and
     strongSwan agrees on the new SPIs.
For each of 1-6: keyway's `show crypto ikev2 sa --json` has one READY IKE SA with
NAT outside, one child with UDP encapsulation, and agrees with charon's
`swanctl --list-sas` on the IKE SPIs, the IKE SA's algorithms and
(crosswise) the child SPIs (cases 5-6: the child's algorithms too);
`show crypto ipsec sa --json` has the same SPIs; pings hostA ->
192.168.200.1 and back (-I 192.168.200.1 -> hostA) work through both data
planes; charon's packet counters for the CHILD_SA rise by at least the
pings' numbers; the WAN capture holds IKE on UDP 500/4500 and ESP only in
UDP 4500 with the negotiated SPIs, never plain ESP. Between cases the
tunnel is taken down from the side that did not initiate (keyway's `clear
crypto ikev2 sa`, strongSwan's --terminate), and the other side must drop
its SAs too.

Runs as root; fails (never skips) when not root or a tool is missing.
usage: /usr/bin/python3 test_ikev2_interop.py PATH/TO/keyway [--keep]
"""

import json
import re
import os
import shutil
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import swan  # noqa: E402
from swan_pcap import Failures, print_diagnostics, test_args  # noqa: E402
from labnet import wait_for  # noqa: E402  (on the path through swan)
from scapy.utils import rdpcap  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lab"))
import two_routers as tr  # noqa: E402  (checked_transfer)

KW_WAN, SW_WAN = "192.168.0.1", "192.168.0.2"
KW_LAN, HOST_A = "192.168.100.1", "192.168.100.10"
SW_LAN = "192.168.200.1"
NET_A = "192.168.100.0/24"
PSK = "keyway-ikev2-interop"
PINGS = 5
TRIGGER_TIMEOUT = 20
READY_LINE = "keyway: ready"
IKE_PROPOSAL = "aes256gcm16-prfsha256-ecp256"   # keyway: aes-gcm-256, prf sha256, group 19
# The negotiated IKE SA as `swanctl --list-sas` (encr-alg, encr-keysize,
# prf-alg, dh-group) and keyway's `show crypto ikev2 sa --json`
# (encryption, prf, dh_group) name it.
SWAN_IKE_ALGS = ("AES_GCM_16", "256", "PRF_HMAC_SHA2_256", "ECP_256")
KEYWAY_IKE_ALGS = ("AES-GCM-16-256", "SHA256", 19)
CONN, CHILD = "kw", "net"

# keyway's interfaces, tunnel, route and ports (both IKE versions' tests).
KEYWAY_INTERFACES = """interface Ethernet0/0
 ip address {kw_wan} 255.255.255.0
interface Ethernet0/1
 ip address {kw_lan} 255.255.255.0
interface Tunnel1
 ip address 10.0.0.1 255.255.255.0
 tunnel source Ethernet0/0
 tunnel mode ipsec ipv4
 tunnel destination {sw_wan}
 tunnel protection ipsec profile IPSEC
ip route 192.168.200.0 255.255.255.0 10.0.0.2
dataplane port Ethernet0/0 net_af_packet0
dataplane port Ethernet0/1 net_af_packet1
"""

KEYWAY_COMMON = """crypto ikev2 proposal PROP
 encryption aes-gcm-256
 prf sha256
 group 19
crypto ikev2 policy POL
 proposal PROP
crypto ipsec transform-set TS {transform_set}
 mode tunnel
crypto ipsec profile IPSEC
 set transform-set TS
 set ikev2-profile PROF
""" + KEYWAY_INTERFACES

KEYWAY_PSK = """hostname KW
crypto ikev2 keyring KR
 peer SW
  address {sw_wan}
  pre-shared-key {psk}
crypto ikev2 profile PROF
 match identity remote address {sw_wan} 255.255.255.255
 identity local address {kw_wan}
 authentication remote pre-share
 authentication local pre-share
 keyring local KR
""" + KEYWAY_COMMON

KEYWAY_CERT = """hostname KW
crypto pki trustpoint TP1
 enrollment terminal
 revocation-check none
crypto ikev2 profile PROF
 match identity remote address {sw_wan} 255.255.255.255
 identity local address {kw_wan}
 authentication remote rsa-sig
 authentication local rsa-sig
 pki trustpoint TP1
""" + KEYWAY_COMMON

# Two CAs: TP1 is a subordinate CA of ROOT1 (so keyway's certificate comes
# with a chain, and IKE_AUTH outgrows the 1280-byte fragment MTU), TP2 is
# CA2, which issued strongSwan's certificate.
KEYWAY_TWO_CAS = """hostname KW
crypto pki trustpoint TP1
 enrollment terminal
 revocation-check none
crypto pki trustpoint TP2
 enrollment terminal
 revocation-check none
crypto ikev2 profile PROF
 match identity remote address {sw_wan} 255.255.255.255
 identity local address {kw_wan}
 authentication remote rsa-sig
 authentication local rsa-sig
 pki trustpoint TP1
 pki trustpoint TP2
""" + KEYWAY_COMMON

GCM = ("esp-gcm 256", "aes256gcm16", "aes256gcm")   # keyway transform set, strongSwan, keyway's name
CBC = ("esp-aes 256 esp-sha256-hmac", "aes256-sha256", "aes256cbc-sha256")


class Keyway:
    """`keyway run` in a namespace of the swan Lab, with its control client.
    stop() sends SIGTERM (the daemon deletes its IKE SAs, tells the peer and
    removes its TAPs); the test calls it on every exit path. The IKEv1 test
    (test_ikev1_interop.py) overrides DEBUG and the IKE SA listing."""

    DEBUG = ["--debug-ikev2"]
    SHOW_IKE = ("show", "crypto", "ikev2", "sa", "detailed")

    def __init__(self, lab, keyway, ns):
        self.lab, self.keyway, self.ns = lab, keyway, ns
        self.sock = os.path.join(lab.tmp, "kw.sock")
        self.cfg = os.path.join(lab.tmp, "kw.cfg")
        self.file_prefix = "%skw" % lab.prefix
        self.popen = None
        self.log_path = None
        self.starts = 0

    def start(self, config, pki_store=None, timeout=30):
        with open(self.cfg, "w") as f:
            f.write(config)
        self.starts += 1
        self.log_path = os.path.join(self.lab.tmp, "keyway-run%d.log" % self.starts)
        args = [self.keyway, "run", "-c", self.cfg, "--ctl", self.sock, "--idle-sleep", "50"] + self.DEBUG
        if pki_store:
            args += ["--pki-store", pki_store]
        args += ["--", "-l", "0,1", "--no-huge", "-m", "512", "--no-pci",
                 "--file-prefix", self.file_prefix,
                 "--vdev", "net_af_packet0,iface=wan,framecnt=4096",
                 "--vdev", "net_af_packet1,iface=lan,framecnt=4096"]
        self.popen = swan._spawn(self.lab.wrap(args, self.ns), self.log_path)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if READY_LINE in self.log_text():
                return
            if self.popen.poll() is not None:
                break
            time.sleep(0.1)
        raise swan.SwanError("keyway run: no %r within %d s (exit status %s):\n%s" % (
            READY_LINE, timeout, self.popen.poll(), self.log_tail(40)))

    def stop(self):
        if self.popen is None:
            return None
        rc = swan._stop_pid(self.popen, timeout=10)
        swan._forget(self.popen)
        self.popen = None
        shutil.rmtree("/var/run/dpdk/" + self.file_prefix, ignore_errors=True)
        return rc

    def running(self):
        return self.popen is not None and self.popen.poll() is None

    def log_text(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except (OSError, TypeError):
            return ""

    def log_tail(self, n=40):
        return "\n".join(self.log_text().splitlines()[-n:])

    def ctl(self, *args, check=True):
        return self.lab.run([self.keyway, "ctl", "--ctl", self.sock] + list(args), ns=self.ns,
                            check=check, timeout=10)

    def ctl_json(self, *args):
        r = self.ctl(*args)
        try:
            return json.loads(r.stdout)
        except json.JSONDecodeError as e:
            raise swan.SwanError("keyway ctl %s: no JSON (%s): %s" % (" ".join(args), e, r.stdout[:2000]))

    def ike_sas(self):
        return self.ctl_json("show", "crypto", "ikev2", "sa", "--json")["ike_sas"]

    def tunnel_sas(self):
        """(inbound SPIs, outbound SPIs, in packets, out packets) of
        Tunnel1."""
        for t in self.ctl_json("show", "crypto", "ipsec", "sa", "--json")["tunnels"]:
            if t.get("interface") == "Tunnel1":
                ins = [int(s["spi"], 16) for s in t.get("inbound", [])]
                outs = [int(s["spi"], 16) for s in t.get("outbound", [])]
                return (ins, outs, sum(s.get("packets", 0) for s in t.get("inbound", [])),
                        sum(s.get("packets", 0) for s in t.get("outbound", [])))
        raise swan.SwanError("Tunnel1 not in `show crypto ipsec sa --json`")

    def drops(self):
        """keyway's drop counters that a rekey could raise: the ESP engine's
        (all but the *_ok ones) and the worker's no_sa, summed."""
        c = self.ctl_json("show", "counters", "--json")
        esp = {k: v for k, v in c.get("esp", {}).items() if not k.endswith("_ok") and v}
        if c.get("worker", {}).get("no_sa"):
            esp["no_sa"] = c["worker"]["no_sa"]
        return esp

    def diagnostics(self):
        parts = ["--- keyway output (last 40 lines of %s)" % self.log_path, self.log_tail(40)]
        if self.running():
            for args in (self.SHOW_IKE, ("show", "crypto", "ipsec", "sa"),
                         ("show", "counters")):
                r = self.ctl(*args, check=False)
                parts += ["--- keyway ctl %s" % " ".join(args), (r.stdout + r.stderr).strip()[:4000]]
        return "\n".join(parts)


def setup(lab, keyway, keyway_class=None):
    for ns in ("ha", "kw", "sw"):
        lab.add_ns(ns)
    lab.veth("ha", "eth0", "kw", "lan")
    lab.veth("kw", "wan", "sw", "wan")
    lab.addr("ha", "eth0", HOST_A + "/24")
    lab.run(["ip", "route", "add", "default", "via", KW_LAN], ns="ha")
    lab.addr("sw", "wan", SW_WAN + "/24")
    lab.addr("sw", "lo", SW_LAN + "/32")
    charon = lab.charon("sw", "sw", charon_options={"install_routes": False})
    return (keyway_class or Keyway)(lab, keyway, "kw"), charon


def psk_conn():
    return swan.Conn(CONN, SW_WAN, KW_WAN, version=2, proposals=IKE_PROPOSAL, auth="psk",
                     local_id=SW_WAN, remote_id=KW_WAN,
                     children=[swan.Child(CHILD, "0.0.0.0/0", "0.0.0.0/0", GCM[1])])


def cert_conn(cert, cacert, esp=GCM):
    return swan.Conn(CONN, SW_WAN, KW_WAN, version=2, proposals=IKE_PROPOSAL, auth="pubkey",
                     local_id=SW_WAN, remote_id=KW_WAN, local_certs=(cert,), remote_cacerts=(cacert,),
                     options={"fragmentation": "yes"},
                     children=[swan.Child(CHILD, "0.0.0.0/0", "0.0.0.0/0", esp[1])])


def route_lan(lab):
    """Our one route into strongSwan's TUN device (charon installs none)."""
    lab.run(["ip", "link", "set", "ipsec0", "up"], ns="sw", check=False)
    lab.run(["ip", "route", "replace", NET_A, "dev", "ipsec0", "src", SW_LAN], ns="sw")


def ping(lab, ns, dst, count=PINGS, source=None, wait=1):
    args = ["ping", "-n", "-c", count, "-i", "0.2", "-W", wait] + (["-I", source] if source else []) + [dst]
    r = lab.run(args, ns=ns, check=False, timeout=count * 0.2 + wait + 10)
    received = 0
    for line in r.stdout.splitlines():
        if "packets transmitted" in line:
            received = int(line.split(",")[1].split()[0])
    return received, (r.stdout + r.stderr).strip()


def ping_until(lab, ns, dst, timeout, source=None):
    t0 = time.monotonic()
    n = 0
    while time.monotonic() - t0 < timeout:
        n += 1
        got, _ = ping(lab, ns, dst, count=1, source=source)
        if got:
            return time.monotonic() - t0, n
    return None, n


def wan_summary(path):
    """{"ike500", "ike4500", "esp" (plain ESP SPIs), "esp_udp" (SPIs in UDP
    4500), "other"} of a WAN capture."""
    out = {"ike500": 0, "ike4500": 0, "esp": {}, "esp_udp": {}, "other": [], "esp_udp_ports": set()}
    for i, p in enumerate(rdpcap(path)):
        raw = bytes(p)
        if len(raw) < 34 or raw[12:14] != b"\x08\x00":
            if raw[12:14] != b"\x08\x06":
                out["other"].append("frame %d: ethertype %s" % (i + 1, raw[12:14].hex()))
            continue
        ihl = (raw[14] & 0x0f) * 4
        proto = raw[23]
        l4 = 14 + ihl
        src, dst = ".".join(str(b) for b in raw[26:30]), ".".join(str(b) for b in raw[30:34])
        if {src, dst} != {KW_WAN, SW_WAN}:
            out["other"].append("frame %d: %s -> %s protocol %d" % (i + 1, src, dst, proto))
        elif proto == 50:
            spi = struct.unpack_from("!I", raw, l4)[0]
            out["esp"][spi] = out["esp"].get(spi, 0) + 1
        elif proto == 17:
            sport, dport = struct.unpack_from("!HH", raw, l4)
            body = raw[l4 + 8:]
            if sport == 500 and dport == 500:
                out["ike500"] += 1
            elif 4500 in (sport, dport) and len(body) >= 4 and body[:4] == b"\0\0\0\0":
                out["ike4500"] += 1
            elif 4500 in (sport, dport) and len(body) == 1 and body == b"\xff":
                pass  # NAT-T keepalive
            elif 4500 in (sport, dport) and len(body) >= 8:
                spi = struct.unpack_from("!I", body, 0)[0]
                out["esp_udp"][spi] = out["esp_udp"].get(spi, 0) + 1
                out["esp_udp_ports"].add((src, sport, dst, dport))
            else:
                out["other"].append("frame %d: UDP %s:%d -> %s:%d" % (i + 1, src, sport, dst, dport))
        else:
            out["other"].append("frame %d: %s -> %s protocol %d" % (i + 1, src, dst, proto))
    return out


def fmt_spis(d):
    return ", ".join("%#x x%d" % kv for kv in sorted(d.items())) or "none"


def check_tunnel(fails, lab, kw, charon, tag, keyway_initiated, wan_path):
    """Everything a case asserts once the tunnel is up (the WAN capture
    started before the negotiation)."""
    sas = kw.ike_sas()
    ready = [s for s in sas if s.get("status") == "READY"]
    if not fails.check(len(sas) == 1 and len(ready) == 1,
                       "%s: keyway lists %d IKE SAs (%d READY), expected one READY: %s"
                       % (tag, len(sas), len(ready), json.dumps(sas))):
        return
    k = ready[0]
    fails.check(k.get("initiator") == keyway_initiated,
                "%s: keyway's IKE SA initiator=%s, expected %s" % (tag, k.get("initiator"), keyway_initiated))
    fails.check(k.get("nat_outside") is True,
                "%s: keyway did not detect the NAT strongSwan announces (nat_outside=%s, nat_inside=%s)"
                % (tag, k.get("nat_outside"), k.get("nat_inside")))
    fails.check(k.get("local", "").endswith("/4500") and k.get("remote", "").endswith("/4500"),
                "%s: keyway's IKE SA is %s <-> %s, expected both on port 4500 after NAT detection"
                % (tag, k.get("local"), k.get("remote")))
    kids = k.get("children", [])
    if not fails.check(len(kids) == 1, "%s: keyway's IKE SA has %d children" % (tag, len(kids))):
        return
    kid = kids[0]
    kw_in, kw_out = int(kid["spi_in"], 16), int(kid["spi_out"], 16)
    fails.check(kid.get("udp_encap") is True, "%s: keyway's child SA is not UDP-encapsulated: %s"
                % (tag, json.dumps(kid)))

    sw = charon.list_sas()
    if not fails.check(len(sw) == 1 and sw[0].state == "ESTABLISHED" and sw[0].version == 2,
                       "%s: strongSwan's IKE SAs: %s" % (tag, [(s.name, s.state, s.version) for s in sw])):
        return
    s = sw[0]
    fails.check(s.initiator == (not keyway_initiated),
                "%s: strongSwan initiator=%s, keyway initiated=%s" % (tag, s.initiator, keyway_initiated))
    spi_i, spi_r = int(s.raw.get("initiator-spi", "0"), 16), int(s.raw.get("responder-spi", "0"), 16)
    kl, kr = int(k["local_spi"], 16), int(k["remote_spi"], 16)
    want = (kl, kr) if keyway_initiated else (kr, kl)
    fails.check((spi_i, spi_r) == want,
                "%s: IKE SPIs: strongSwan i/r %016x/%016x, keyway local/remote %016x/%016x"
                % (tag, spi_i, spi_r, kl, kr))
    # The IKE SA's algorithms, as each side names them.
    swan_ike = (s.raw.get("encr-alg"), s.raw.get("encr-keysize"), s.raw.get("prf-alg"), s.raw.get("dh-group"))
    kw_ike = (k.get("encryption"), k.get("prf"), k.get("dh_group"))
    fails.check(swan_ike == SWAN_IKE_ALGS and kw_ike == KEYWAY_IKE_ALGS,
                "%s: IKE SA algorithms: strongSwan %s, keyway %s; both should be %s / %s"
                % (tag, swan_ike, kw_ike, SWAN_IKE_ALGS, KEYWAY_IKE_ALGS))
    fails.check(s.raw.get("nat-any") == "yes" or s.raw.get("nat-fake") == "yes",
                "%s: strongSwan does not report the (faked) NAT: %s" % (
                    tag, {x: s.raw.get(x) for x in ("nat-local", "nat-remote", "nat-fake", "nat-any")}))
    children = [c for c in s.children if c.state == "INSTALLED"]
    if not fails.check(len(children) == 1, "%s: strongSwan CHILD_SAs: %s" % (
            tag, [(c.name, c.state) for c in s.children])):
        return
    c = children[0]
    fails.check((c.spi_in, c.spi_out) == (kw_out, kw_in),
                "%s: child SPIs not crosswise: strongSwan in/out %#x/%#x, keyway in/out %#x/%#x"
                % (tag, c.spi_in or 0, c.spi_out or 0, kw_in, kw_out))
    fails.check(c.encap, "%s: strongSwan's CHILD_SA is not UDP-encapsulated" % tag)
    ins, outs, _, _ = kw.tunnel_sas()
    fails.check(ins == [kw_in] and outs == [kw_out],
                "%s: keyway `show crypto ipsec sa`: in %s out %s, its IKE child in %#x out %#x"
                % (tag, [hex(x) for x in ins], [hex(x) for x in outs], kw_in, kw_out))

    # Traffic both ways; charon's counters must count it.
    _, _, kin0, kout0 = kw.tunnel_sas()
    got, out = ping(lab, "ha", SW_LAN)
    fails.check(got >= PINGS - 1, "%s: ping hostA -> %s: %d of %d\n%s" % (tag, SW_LAN, got, PINGS, out))
    got2, out2 = ping(lab, "sw", HOST_A, source=SW_LAN)
    fails.check(got2 >= PINGS - 1, "%s: ping %s -> hostA: %d of %d\n%s" % (tag, SW_LAN, got2, PINGS, out2))
    c2 = charon.child_sa(CHILD)
    _, _, kin1, kout1 = kw.tunnel_sas()
    if fails.check(c2 is not None and c2.spi_in == c.spi_in, "%s: strongSwan's CHILD_SA changed: %s"
                   % (tag, c2)):
        fails.check((c2.packets_in or 0) - (c.packets_in or 0) >= got + got2 and
                    (c2.packets_out or 0) - (c.packets_out or 0) >= got + got2,
                    "%s: strongSwan's CHILD_SA packets in %s -> %s, out %s -> %s; %d + %d pings answered"
                    % (tag, c.packets_in, c2.packets_in, c.packets_out, c2.packets_out, got, got2))
    fails.check(kin1 - kin0 >= got + got2 and kout1 - kout0 >= got + got2,
                "%s: keyway's Tunnel1 packets in %d -> %d, out %d -> %d; %d + %d pings answered"
                % (tag, kin0, kin1, kout0, kout1, got, got2))

    # The wire.
    for cap in list(lab.captures):
        if cap.path == wan_path:
            cap.stop()
    w = wan_summary(wan_path)
    fails.check(not w["other"], "%s: WAN: unexpected frames: %s" % (tag, w["other"][:5]))
    fails.check(not w["esp"], "%s: WAN: plain ESP although a NAT was announced: %s" % (tag, fmt_spis(w["esp"])))
    fails.check(set(w["esp_udp"]) == {kw_in, kw_out},
                "%s: WAN: ESP-in-UDP SPIs %s, negotiated keyway in %#x out %#x"
                % (tag, fmt_spis(w["esp_udp"]), kw_in, kw_out))
    fails.check(w["esp_udp_ports"] <= {(KW_WAN, 4500, SW_WAN, 4500), (SW_WAN, 4500, KW_WAN, 4500)},
                "%s: WAN: ESP-in-UDP ports %s, expected 4500 both ways" % (tag, sorted(w["esp_udp_ports"])))
    fails.check(w["ike500"] >= 2 and w["ike4500"] >= 2,
                "%s: WAN: %d IKE datagrams on 500 and %d on 4500, expected IKE_SA_INIT on 500 and "
                "IKE_AUTH on 4500" % (tag, w["ike500"], w["ike4500"]))
    return "ping %d/%d and back %d/%d; SPIs keyway in %#x out %#x; WAN: IKE 500 x%d, 4500 x%d, ESP-in-UDP %s" % (
        got, PINGS, got2, PINGS, kw_in, kw_out, w["ike500"], w["ike4500"], fmt_spis(w["esp_udp"]))


# charon's words for the AUTH methods ("authentication of 'ID' with X
# successful") -> keyway's `show crypto ikev2 sa --json` auth_sign/auth_verify.
SWAN_AUTH = {"RSA signature": "RSA", "pre-shared key": "PSK"}


def swan_auth(text):
    if text.startswith("RSA_EMSA_") or text.startswith("ECDSA") or text.startswith("RSA_PSS"):
        return "RFC7427"
    return SWAN_AUTH.get(text, text)


def auth_methods_agree(fails, kw, charon, tag):
    """keyway's auth_sign is the method charon verified, auth_verify the one
    charon signed with (charon's log says which)."""
    log = charon.log_text()
    verified = re.findall(r"authentication of '%s' with (.+?) successful" % re.escape(KW_WAN), log)
    signed = re.findall(r"authentication of '%s' \(myself\) with (.+?) successful" % re.escape(SW_WAN), log)
    sas = kw.ike_sas()
    if not fails.check(len(sas) == 1 and verified and signed,
                       "%s: keyway IKE SAs %s; charon verified %s, signed %s" % (tag, sas, verified, signed)):
        return "auth ?"
    k = sas[0]
    want = (swan_auth(verified[-1]), swan_auth(signed[-1]))
    fails.check((k.get("auth_sign"), k.get("auth_verify")) == want and want[0] != "PSK",
                "%s: keyway auth sign/verify %s/%s; charon verified keyway's %r and signed with %r"
                % (tag, k.get("auth_sign"), k.get("auth_verify"), verified[-1], signed[-1]))
    return "auth: keyway signs %s, verifies %s (charon: %s / %s)" % (
        k.get("auth_sign"), k.get("auth_verify"), verified[-1], signed[-1])


def keyway_initiates(fails, lab, kw, charon, tag):
    wan = lab.capture("sw", "wan", tag + "-wan")
    took, n = ping_until(lab, "ha", SW_LAN, TRIGGER_TIMEOUT)
    fails.check(took is not None, "%s: no reply hostA -> %s within %d s (%d pings)"
                % (tag, SW_LAN, TRIGGER_TIMEOUT, n))
    detail = check_tunnel(fails, lab, kw, charon, tag, True, wan.path)
    return wan.path, "first reply after %s s; %s" % ("%.1f" % took if took is not None else "-", detail)


def swan_initiates(fails, lab, kw, charon, tag):
    wan = lab.capture("sw", "wan", tag + "-wan")
    r = charon.swanctl("--initiate", "--child", CHILD, "--timeout", "20", check=False, timeout=30)
    fails.check(r.returncode == 0, "%s: swanctl --initiate: exit status %d\n%s" % (
        tag, r.returncode, (r.stdout + r.stderr)[-3000:]))
    detail = check_tunnel(fails, lab, kw, charon, tag, False, wan.path)
    return wan.path, detail


def rekeys_by_swan(fails, lab, kw, charon, tag):
    """strongSwan rekeys the CHILD_SA, then the IKE SA (CREATE_CHILD_SA
    both): keyway follows with new SPIs, keeps one child, traffic flows."""
    details = []
    old = kw.ike_sas()[0]
    old_child = old["children"][0]
    charon.rekey(child=CHILD)
    def child_rekeyed():
        sas = kw.ike_sas()
        kids = sas[0].get("children", []) if len(sas) == 1 else []
        return kids if len(kids) == 1 and kids[0]["spi_in"] != old_child["spi_in"] else None
    kids = wait_for(child_rekeyed, 5)
    if fails.check(kids, "%s: keyway's child SA did not change after strongSwan's CHILD_SA rekey: %s"
                   % (tag, kw.ike_sas())):
        kw_in, kw_out = int(kids[0]["spi_in"], 16), int(kids[0]["spi_out"], 16)
        c = charon.child_sa(CHILD)
        fails.check(c is not None and (c.spi_in, c.spi_out) == (kw_out, kw_in),
                    "%s: after the CHILD_SA rekey: strongSwan in/out %s, keyway in/out %#x/%#x"
                    % (tag, (hex(c.spi_in), hex(c.spi_out)) if c else None, kw_in, kw_out))
        ins, outs, _, _ = kw.tunnel_sas()
        fails.check(ins == [kw_in] and outs == [kw_out],
                    "%s: keyway `show crypto ipsec sa` after the CHILD_SA rekey: in %s out %s"
                    % (tag, [hex(x) for x in ins], [hex(x) for x in outs]))
        got, out = ping(lab, "ha", SW_LAN)
        fails.check(got >= PINGS - 1, "%s: ping after the CHILD_SA rekey: %d of %d\n%s" % (tag, got, PINGS, out))
        details.append("child rekey -> in %#x out %#x, ping %d/%d" % (kw_in, kw_out, got, PINGS))
    before = kw.ike_sas()
    charon.rekey(ike=CONN)
    def ike_rekeyed():
        sas = kw.ike_sas()
        return sas if len(sas) == 1 and sas[0]["local_spi"] != before[0]["local_spi"] and \
            sas[0].get("status") == "READY" else None
    sas = wait_for(ike_rekeyed, 5)
    if fails.check(sas, "%s: keyway's IKE SA after strongSwan's IKE rekey: %s (before: %s)"
                   % (tag, kw.ike_sas(), before)):
        k = sas[0]
        sw = charon.list_sas()
        s = sw[0] if len(sw) == 1 else None
        fails.check(s is not None and int(s.raw.get("initiator-spi", "0"), 16) == int(k["remote_spi"], 16)
                    and int(s.raw.get("responder-spi", "0"), 16) == int(k["local_spi"], 16),
                    "%s: after the IKE rekey: strongSwan %s, keyway local/remote %s/%s"
                    % (tag, s.raw if s else sw, k["local_spi"], k["remote_spi"]))
        fails.check(len(k.get("children", [])) == 1 and k["children"][0]["spi_in"] == kids[0]["spi_in"]
                    if kids else True,
                    "%s: the child SA did not move to the new IKE SA: %s" % (tag, k))
        got, out = ping(lab, "ha", SW_LAN)
        fails.check(got >= PINGS - 1, "%s: ping after the IKE rekey: %d of %d\n%s" % (tag, got, PINGS, out))
        details.append("IKE rekey -> %s/%s, ping %d/%d" % (k["local_spi"], k["remote_spi"], got, PINGS))
    return "; ".join(details)


def down_by_keyway(fails, kw, charon, tag):
    """`clear crypto ikev2 sa` on keyway: strongSwan must drop its SAs."""
    kw.ctl("clear", "crypto", "ikev2", "sa")
    fails.check(not kw.ike_sas(), "%s: keyway IKE SAs after clear: %s" % (tag, kw.ike_sas()))
    gone = wait_for(lambda: not charon.list_sas(), 5)
    fails.check(gone, "%s: strongSwan still has SAs 5 s after keyway's clear: %s" % (
        tag, [(s.name, s.state) for s in charon.list_sas()]))


def down_by_swan(fails, kw, charon, tag):
    """swanctl --terminate: keyway must drop its SAs (told by a Delete)."""
    charon.terminate(ike=CONN)
    gone = wait_for(lambda: not kw.ike_sas() and not any(kw.tunnel_sas()[:2]), 5)
    fails.check(gone, "%s: keyway still has SAs 5 s after strongSwan's terminate: IKE %s, IPsec %s"
                % (tag, kw.ike_sas(), kw.tunnel_sas()[:2]))


def fragments_on_wan(path):
    """IKE messages on UDP 4500 whose first payload is SKF (RFC 7383), by
    sender: {address: count}."""
    out = {}
    for p in rdpcap(path):
        raw = bytes(p)
        if len(raw) < 34 or raw[12:14] != b"\x08\x00" or raw[23] != 17:
            continue
        l4 = 14 + (raw[14] & 0x0f) * 4
        body = raw[l4 + 8:]
        if struct.unpack_from("!H", raw, l4 + 2)[0] == 4500 and len(body) >= 4 + 28 and \
                body[:4] == b"\0\0\0\0" and body[4 + 16] == 53:
            src = ".".join(str(b) for b in raw[26:30])
            out[src] = out.get(src, 0) + 1
    return out


def child_algorithms_agree(fails, kw, charon, esp, tag):
    """keyway's child transform and charon's CHILD_SA algorithms are `esp`'s."""
    sas = kw.ike_sas()
    kid = sas[0]["children"][0] if len(sas) == 1 and sas[0].get("children") else {}
    c = charon.child_sa(CHILD)
    swan_alg = "%s/%s" % (c.encr_alg, c.integ_alg) if c else None
    fails.check(kid.get("transform") == esp[2],
                "%s: keyway's child transform %s, expected %s" % (tag, kid.get("transform"), esp[2]))
    want_swan = {GCM: ("AES_GCM_16", None), CBC: ("AES_CBC", "HMAC_SHA2_256_128")}[esp]
    fails.check(c is not None and (c.encr_alg, c.integ_alg) == want_swan,
                "%s: strongSwan's CHILD_SA algorithms %s, expected %s" % (tag, swan_alg, want_swan))
    return "child %s (charon %s)" % (kid.get("transform"), swan_alg)


def ping_train(lab, tag, during):
    """300 pings at 50/s hostA -> strongSwan's LAN, `during()` called 1 s
    in; returns (sent, received, ping's output)."""
    pinger = lab.spawn(tag + "-pings", ["ping", "-n", "-q", "-i", "0.02", "-c", "300", "-W", "1", SW_LAN],
                       ns="ha")
    time.sleep(1.0)
    during()
    pinger.popen.wait(30)
    lab.forget(pinger)
    out = "\n".join(pinger.output())
    m = re.search(r"(\d+) packets transmitted, (\d+) received", out)
    return (int(m.group(1)), int(m.group(2)), out) if m else (0, 0, out)


def transfer_to_swan(lab, seed):
    """A checked 4 MiB TCP transfer hostA -> strongSwan's LAN: (intact, detail)."""
    sent, received = tr.checked_transfer(lab, 4 * 1024 * 1024, seed, src_ns="ha", dst_ns="sw", dst=SW_LAN)
    ok = sent.startswith("sent ") and sent.split()[1:] == received.split()[1:]
    return ok, "%r, %r" % (sent, received)


def traffic_during_rekeys(fails, lab, kw, charon, tag):
    """A 50 pings/s train hostA -> strongSwan's LAN while strongSwan rekeys
    the CHILD_SA and then the IKE SA: no ping is lost, keyway drops
    nothing, the tunnel keeps one child with new SPIs, and a checked TCP
    transfer then crosses it intact. (The transfer runs after the train:
    its bursts overflow kernel-libipsec's UDP socket on strongSwan's side
    and cost a ping now and then, rekey or not.)"""
    before = kw.ike_sas()
    old_in = before[0]["children"][0]["spi_in"] if before and before[0].get("children") else None
    drops0 = kw.drops()

    def rekeys():
        charon.rekey(child=CHILD)
        time.sleep(1.5)
        charon.rekey(ike=CONN)
    sent, got, out = ping_train(lab, tag, rekeys)
    fails.check(sent == 300, "%s: the ping train did not run: %s" % (tag, out[-500:]))
    intact, detail = transfer_to_swan(lab, 11)
    fails.check(intact, "%s: checked transfer after the rekeys: %s" % (tag, detail))
    after = kw.ike_sas()
    kids = after[0].get("children", []) if len(after) == 1 else []
    fails.check(len(after) == 1 and after[0]["local_spi"] != before[0]["local_spi"] and len(kids) == 1
                and kids[0]["spi_in"] != old_in,
                "%s: after the rekeys keyway has %s (before: %s)" % (tag, after, before))
    ins, outs, _, _ = kw.tunnel_sas()
    fails.check(len(outs) == 1 and kids and outs == [int(kids[0]["spi_out"], 16)],
                "%s: keyway sends with %s after the rekeys, its child says %s"
                % (tag, [hex(x) for x in outs], kids))
    # keyway answered the rekeys, so its outbound switch waited until
    # strongSwan had the new pair (ChildSaTable, deferred).
    drops1 = kw.drops()
    new_drops = {k: v - drops0.get(k, 0) for k, v in drops1.items() if v != drops0.get(k, 0)}
    fails.check(not new_drops, "%s: keyway dropped packets during the rekeys: %s" % (tag, new_drops))
    ike = kw.ctl_json("show", "counters", "--json").get("ike", {})
    fails.check(ike.get("rekeys_answered", 0) >= 1 and
                ike.get("switch_on_traffic", 0) + ike.get("switch_on_delete", 0) >= 1,
                "%s: keyway did not defer its outbound switch after the CHILD_SA rekey it answered until "
                "strongSwan had the pair: %s" % (tag, ike))
    # As in the IKEv1 test: one ping lost outside keyway tolerated on a
    # saturated machine; keyway's own drops must be zero (above).
    fails.check(got >= sent - 1, "%s: %d of %d pings answered across the rekeys" % (tag, got, sent))
    return ("pings %d/%d across a CHILD_SA and an IKE SA rekey, keyway dropped none, then a 4 MiB "
            "checked transfer %s" % (got, sent, "intact" if intact else "FAILED"))


def keyway_rekeys_by_bytes(fails, lab, kw, charon, tag):
    took, n = ping_until(lab, "ha", SW_LAN, TRIGGER_TIMEOUT)
    if not fails.check(took is not None, "%s: no reply hostA -> %s within %d s" % (tag, SW_LAN, TRIGGER_TIMEOUT)):
        return "-"
    sas = kw.ike_sas()
    old = sas[0]["children"][0] if len(sas) == 1 and sas[0].get("children") else {}
    drops0 = kw.drops()
    intact, detail = transfer_to_swan(lab, 17)
    fails.check(intact, "%s: checked transfer across keyway's rekey: %s" % (tag, detail))

    def rekeyed():
        sas = kw.ike_sas()
        kids = sas[0].get("children", []) if len(sas) == 1 else []
        return kids if len(kids) == 1 and kids[0]["spi_in"] != old.get("spi_in") else None
    kids = wait_for(rekeyed, 5)
    if not fails.check(kids, "%s: keyway's child SA after 4 MiB with a 2560 kB lifetime: %s (before %s)"
                       % (tag, kw.ike_sas(), old)):
        return "no rekey"
    kw_in, kw_out = int(kids[0]["spi_in"], 16), int(kids[0]["spi_out"], 16)
    c = charon.child_sa(CHILD)
    fails.check(c is not None and (c.spi_in, c.spi_out) == (kw_out, kw_in),
                "%s: after keyway's rekey strongSwan in/out %s, keyway in/out %#x/%#x"
                % (tag, (hex(c.spi_in), hex(c.spi_out)) if c else None, kw_in, kw_out))
    fails.check(kw.log_text().count("Payload contents: NOTIFY(REKEY_SA)") >= 1,
                "%s: keyway's log shows no CREATE_CHILD_SA with REKEY_SA of its own" % tag)
    got, out = ping(lab, "ha", SW_LAN)
    fails.check(got >= PINGS - 1, "%s: ping after keyway's rekey: %d of %d\n%s" % (tag, got, PINGS, out))
    # Reported, not asserted: on a loaded machine the new pair may come
    # after the remaining 10 % (256 kB) went by, and the old SA then drops
    # at its hard limit (fail closed; TCP resends).
    new_drops = {k: v - drops0.get(k, 0) for k, v in kw.drops().items() if v != drops0.get(k, 0)}
    return "transfer %s, new SPIs in %#x out %#x agreed by strongSwan, ping %d/%d, keyway drops %s" % (
        "intact" if intact else "FAILED", kw_in, kw_out, got, PINGS, new_drops or "none")


def two_cas(fails, lab, kw, charon, pki, pcaps):
    """Cases 5 and 6: keyway has TP1 (a subordinate CA of ROOT1: its
    certificate travels with the chain, so IKE_AUTH is fragmented) and TP2
    (CA2); strongSwan has a CA2 certificate and accepts keyway only under
    SUB1 (anchored at ROOT1), so keyway must sign with TP1 because
    strongSwan's CERTREQ names SUB1, and validate strongSwan with TP2. ESP
    is AES-CBC-256 + HMAC-SHA-256."""
    kw.stop()
    root1 = pki.ca("ROOT1", "CN=ROOT1,O=keyway,O=test")
    sub1 = pki.ca("SUB1", "CN=SUB1,O=keyway,O=test", parent=root1)
    ca2 = pki.ca("CA2", "CN=CA2,O=keyway,O=test")
    pki.enroll(sub1, "kw2", "TP1", subject="CN=KW,O=keyway,O=test", ip=KW_WAN)
    pki.enroll(ca2, "kw2", "TP2", subject="CN=KW,O=keyway,O=test", ip=KW_WAN)
    cert, key = pki.enroll(ca2, "sw2", "TP", subject="CN=SW2,O=keyway,O=test", ip=SW_WAN)
    charon.add_cacert(os.path.join(root1, "ca.pem"), "root1.pem")
    charon.add_cacert(os.path.join(sub1, "ca.pem"), "sub1.pem")
    charon.add_cert(cert, "sw2.pem")
    charon.add_key(key, "sw2.key")
    # strongSwan's remote cacerts names SUB1: as initiator it asks for
    # exactly those CAs, and keyway (like IOS) answers a CERTREQ only with a
    # trust-point whose own CA certificate it names, not a root above it.
    charon.conns = [cert_conn("sw2.pem", "sub1.pem", CBC)]
    charon.load_all()
    kw.start(KEYWAY_TWO_CAS.format(sw_wan=SW_WAN, kw_wan=KW_WAN, kw_lan=KW_LAN, transform_set=CBC[0]),
             pki_store=os.path.join(pki.dir, "stores", "kw2"))

    path, detail = keyway_initiates(fails, lab, kw, charon, "2ca-kw")
    pcaps.append(path)
    detail += "; " + auth_methods_agree(fails, kw, charon, "2ca-kw")
    detail += "; " + child_algorithms_agree(fails, kw, charon, CBC, "2ca-kw")
    frags = fragments_on_wan(path)
    fails.check(frags.get(KW_WAN, 0) >= 2,
                "2ca-kw: IKE fragments (SKF) on the WAN by sender: %s; expected keyway's IKE_AUTH "
                "in two or more fragments" % frags)
    detail += "; IKE_AUTH fragments: keyway %d, strongSwan %d" % (frags.get(KW_WAN, 0), frags.get(SW_WAN, 0))
    down_by_swan(fails, kw, charon, "2ca-kw")
    fails.case("5 two CAs (keyway: TP1 = SUB1 under ROOT1, and TP2 = CA2; strongSwan: a CA2 certificate, "
               "accepts SUB1), AES-CBC-256/SHA-256, fragmentation, keyway initiates: " + detail)

    path, detail = swan_initiates(fails, lab, kw, charon, "2ca-sw")
    pcaps.append(path)
    detail += "; " + auth_methods_agree(fails, kw, charon, "2ca-sw")
    detail += "; " + child_algorithms_agree(fails, kw, charon, CBC, "2ca-sw")
    frags = fragments_on_wan(path)
    fails.check(frags.get(KW_WAN, 0) >= 2, "2ca-sw: keyway's IKE_AUTH response not fragmented: %s" % frags)
    detail += "; keyway's IKE_AUTH response in %d fragments" % frags.get(KW_WAN, 0)
    fails.case("6 the same, strongSwan initiates: " + detail)

    detail = traffic_during_rekeys(fails, lab, kw, charon, "2ca-rekey")
    down_by_keyway(fails, kw, charon, "2ca-rekey")
    fails.case("7 strongSwan rekeys CHILD_SA and IKE SA under traffic: " + detail)

    # 8: keyway rekeys. IOS's smallest byte lifetime (2560 kB) with a 4 MiB
    # transfer: keyway's outbound SA reaches its soft limit (90 %) and
    # keyway starts the CREATE_CHILD_SA itself.
    kw.stop()
    kw.start(KEYWAY_TWO_CAS.replace(" set ikev2-profile PROF\n", " set ikev2-profile PROF\n"
                                    " set security-association lifetime kilobytes 2560\n")
             .format(sw_wan=SW_WAN, kw_wan=KW_WAN, kw_lan=KW_LAN, transform_set=CBC[0]),
             pki_store=os.path.join(pki.dir, "stores", "kw2"))
    detail = keyway_rekeys_by_bytes(fails, lab, kw, charon, "2ca-bytes")
    fails.case("8 keyway rekeys the child SA itself (byte lifetime 2560 kB) under a 4 MiB transfer: " + detail)


def main():
    args = test_args(__doc__, swan.missing_tools())
    if isinstance(args, int):
        return args
    keyway, keep = args

    fails = Failures()
    started = time.monotonic()
    pcaps = []
    with swan.Lab(keep=keep, prefix="kwik2") as lab:
        kw, charon = None, None
        try:
            kw, charon = setup(lab, keyway)
            charon.add_conn(psk_conn())
            charon.add_psk(swan.Psk(PSK, (KW_WAN, SW_WAN)))
            charon.start()
            charon.load_all()
            route_lan(lab)
            kw.start(KEYWAY_PSK.format(sw_wan=SW_WAN, kw_wan=KW_WAN, kw_lan=KW_LAN, psk=PSK,
                                      transform_set=GCM[0]))

            path, detail = keyway_initiates(fails, lab, kw, charon, "psk-kw")
            pcaps.append(path)
            down_by_swan(fails, kw, charon, "psk-kw")
            fails.case("1 PSK, keyway initiates, NAT-T to strongSwan (kernel-libipsec): " + detail)

            path, detail = swan_initiates(fails, lab, kw, charon, "psk-sw")
            pcaps.append(path)
            fails.case("2 PSK, strongSwan initiates: " + detail)

            detail = rekeys_by_swan(fails, lab, kw, charon, "psk-sw")
            down_by_keyway(fails, kw, charon, "psk-sw")
            fails.case("2b strongSwan rekeys the CHILD_SA and the IKE SA; keyway's clear ends it: " + detail)

            # Certificates of one keyway lab CA for both.
            kw.stop()
            pki = swan.KeywayPki(keyway, os.path.join(lab.tmp, "pki"))
            ca = pki.ca("CA1", "CN=CA1,O=keyway,O=test")
            pki.enroll(ca, "kw", "TP1", subject="CN=KW,O=keyway,O=test", ip=KW_WAN)
            cert, key = pki.enroll(ca, "sw", "TP", subject="CN=SW,O=keyway,O=test", ip=SW_WAN)
            charon.add_cacert(os.path.join(ca, "ca.pem"), "ca1.pem")
            charon.add_cert(cert, "sw.pem")
            charon.add_key(key, "sw.key")
            charon.conns = [cert_conn("sw.pem", "ca1.pem")]
            charon.psks = []
            charon.load_all()
            kw.start(KEYWAY_CERT.format(sw_wan=SW_WAN, kw_wan=KW_WAN, kw_lan=KW_LAN,
                                        transform_set=GCM[0]),
                     pki_store=os.path.join(pki.dir, "stores", "kw"))

            path, detail = keyway_initiates(fails, lab, kw, charon, "cert-kw")
            pcaps.append(path)
            detail += "; " + auth_methods_agree(fails, kw, charon, "cert-kw")
            down_by_swan(fails, kw, charon, "cert-kw")
            fails.case("3 certificates (keyway pki lab CA), keyway initiates: " + detail)

            path, detail = swan_initiates(fails, lab, kw, charon, "cert-sw")
            pcaps.append(path)
            detail += "; " + auth_methods_agree(fails, kw, charon, "cert-sw")
            down_by_keyway(fails, kw, charon, "cert-sw")
            fails.case("4 certificates, strongSwan initiates: " + detail)

            two_cas(fails, lab, kw, charon, pki, pcaps)

            rc = kw.stop()
            fails.check(rc == 0, "keyway run: exit status %s after SIGTERM" % rc)
            fails.case("keyway stops cleanly")
        except Exception as e:  # report, then clean up
            fails.abort(e)
        finally:
            if fails.items:
                print_diagnostics([charon] if charon else [], pcaps[-1:],
                                  [kw.diagnostics()] if kw else [])
            if kw is not None:
                kw.stop()
    return fails.finish("ikev2 interop", started)


if __name__ == "__main__":
    sys.exit(main())
