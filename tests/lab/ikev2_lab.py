#!/usr/bin/python3
"""The two-router lab with IKEv2: two `keyway run` daemons negotiate their
tunnel's SAs themselves (no manual SAs), over the same namespaces as
two_routers.py:

  hostA 192.168.100.10 --- R1 (keyway) --- WAN bridge --- R2 (keyway) --- hostB 192.168.200.10
                 Ethernet0/1 .100.1   Ethernet0/0 .0.1   .0.2 Ethernet0/0   Ethernet0/1 .200.1
                            Tunnel1 10.0.0.1/24  <- IKEv2 + ESP ->  Tunnel1 10.0.0.2/24

Part `psk` (pre-shared key, AES-GCM-256 IKE and ESP, group 19):
  a. traffic from hostA triggers the negotiation (the first pings may be
     dropped); then pings hostA -> hostB and a checked 1 MiB TCP transfer
     work; `show crypto ikev2 sa --json` shows one READY IKE SA with one
     child on each router, the two agree on the IKE SPIs; `show crypto
     ipsec sa --json`: R1's outbound SPI is R2's inbound SPI and vice versa,
     and both equal the IKE child's; the WAN capture (from before the first
     packet) holds only ARP, IKE on UDP 500/4500 and ESP between the WAN
     addresses, and every ESP packet carries one of the two negotiated SPIs
     (keyway exports no keys, so nothing is decrypted here).
  b. `clear crypto ikev2 sa` on R1: R1's IKE and IPsec SAs are gone at
     once, R2's within a few seconds (told by an INFORMATIONAL Delete; its
     log says SA DOWN); traffic from hostA negotiates again with new SPIs,
     which again match crosswise, and pings work.

Part `certs`: the seed's IKEv2 certificate scenarios (configs/ikev2-*, see
configs/README.md), each a pair of the seed's files run unchanged but for
appended `dataplane port` lines. A two-CA PKI from `keyway pki` (CA1 for
TP1, CA2 for TP2); R1 enrolls TP1 and then TP2, so that its `show crypto pki
certificates` lists the TP2 certificate first, as the seed's R1 does. The
files' LANs are Loopback0 addresses, so traffic is a ping from the
initiator's Loopback0 address to the responder's (inside the router's
namespace, through keyway's TAPs). Each scenario asserts the outcome
configs/README.md states:
  ikev2-overlap                 no tunnel: R2 logs "There was no IPSEC policy
                                found for received TS" and "Sending TS
                                unacceptable notify", R1 gets TS_UNACCEPTABLE
  ikev2-overlap-recommended     tunnel up, ping works
  ikev2-no-initiator-trustpoint no tunnel: R1 logs "Failed to build
                                certificate payload"
  ikev2-no-initiator-trustpoint-recommended   tunnel up
  ikev2-asymmetric-trustpoints  no tunnel (R2 initiates): R1 logs
                                "Validation of certificate chain FAILED",
                                R2 gets AUTHENTICATION_FAILED
  ikev2-symmetric-trustpoints   tunnel up (R2 initiates)
and, for the failures, that no ESP crossed the WAN.

Part `collision`: both hosts ping at the same instant, so that both routers
initiate; after the daemons' rekey grace period (5 s) each router must send
with an SPI the other receives with, and pings must work both ways. Six
tries. (In session 2 about half the tries left both routers with two IKE
SAs and a dead tunnel; in session 3, after the engine's simultaneous-
initiation rule and the daemon's deferred outbound switch, 12 tries of 12
passed, and the part joined the suite.)

Needs root, ip, ping, ethtool, tcpdump and python3-scapy; fails (does not
skip) without them. Parts psk and certs take well under 90 s each, collision
about 60 s.

usage: /usr/bin/python3 ikev2_lab.py PATH/TO/keyway [psk|certs|all|collision] [--keep]
"""

import ipaddress
import json
import os
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "interop"))

from labnet import Lab, LabError, require_root_and_tools, wait_for  # noqa: E402
import two_routers as tr  # noqa: E402  (Router, ping, Capture, checked_transfer)

# ---------------------------------------------------------------------------
# keyway's interface: commands, JSON keys and log lines the test relies on.

CTL_IKE_SA = ["show", "crypto", "ikev2", "sa", "--json"]
CTL_IKE_SA_TEXT = ["show", "crypto", "ikev2", "sa", "detailed"]
CTL_IKE_CLEAR = ["clear", "crypto", "ikev2", "sa"]
CTL_IPSEC_SA = ["show", "crypto", "ipsec", "sa", "--json"]
IKE_SAS, IKE_STATUS, IKE_READY = "ike_sas", "status", "READY"
IKE_CHILDREN, CHILD_IN, CHILD_OUT = "children", "spi_in", "spi_out"
IKE_LOCAL_SPI, IKE_REMOTE_SPI = "local_spi", "remote_spi"
SA_UP_EVENT = "%IKEV2-5-SA_UP"
SA_DOWN_EVENT = "%IKEV2-5-SA_DOWN"
SA_DOWN_BY_PEER = "deleted by the peer"  # the SA_DOWN reason after an INFORMATIONAL Delete
# The seed's words, as the engine logs them (control/ikev2/*.cpp).
LOG_NO_IPSEC_POLICY = "There was no IPSEC policy found for received TS"
LOG_TS_NOTIFY = "Sending TS unacceptable notify"
LOG_TS_RECEIVED = "TS_UNACCEPTABLE"
LOG_PROFILE3 = "found matching IKEv2 profile 'profile3'"
LOG_NO_CERT_PAYLOAD = "Failed to build certificate payload"
LOG_CHAIN_FAILED = "Validation of certificate chain FAILED"
LOG_AUTH_FAILED_RX = "Received AUTHENTICATION_FAILED notify"

NS_A, NS_R1, NS_WAN, NS_R2, NS_B = tr.NS_A, tr.NS_R1, tr.NS_WAN, tr.NS_R2, tr.NS_B
HOST_A, HOST_B = tr.HOST_A, tr.HOST_B
R1_WAN, R2_WAN = tr.R1_WAN, tr.R2_WAN
WAN_TO_R1 = tr.WAN_TO_R1
WAN_NET = ipaddress.ip_network("192.168.0.0/24")
PSK = "cisco123"
TRIGGER_TIMEOUT = 20   # seconds of pinging until the first reply through a new tunnel
FAIL_WATCH = 6         # seconds of pinging in a failure scenario

PSK_CONFIG = """hostname {name}
crypto ikev2 proposal PROP
 encryption aes-gcm-256
 prf sha256
 group 19
crypto ikev2 policy POL
 proposal PROP
crypto ikev2 keyring KR
 peer {peer_name}
  address {peer_wan}
  pre-shared-key {psk}
crypto ikev2 profile PROF
 match identity remote address {peer_wan} 255.255.255.255
 authentication remote pre-share
 authentication local pre-share
 keyring local KR
crypto ipsec transform-set TS esp-gcm 256
 mode tunnel
crypto ipsec profile IPSEC
 set transform-set TS
 set ikev2-profile PROF
interface Ethernet0/0
 ip address {wan} 255.255.255.0
interface Ethernet0/1
 ip address {lan} 255.255.255.0
interface Tunnel1
 ip address {tun} 255.255.255.0
 tunnel source Ethernet0/0
 tunnel mode ipsec ipv4
 tunnel destination {peer_wan}
 tunnel protection ipsec profile IPSEC
ip route {remote_lan} 255.255.255.0 {peer_tun}
dataplane port Ethernet0/0 net_af_packet0
dataplane port Ethernet0/1 net_af_packet1
"""


def psk_config(name):
    if name == "R1":
        return PSK_CONFIG.format(name="R1", peer_name="R2", peer_wan=R2_WAN, psk=PSK, wan=R1_WAN,
                                 lan=tr.R1_LAN, tun=tr.R1_TUN, remote_lan="192.168.200.0",
                                 peer_tun=tr.R2_TUN)
    return PSK_CONFIG.format(name="R2", peer_name="R1", peer_wan=R1_WAN, psk=PSK, wan=R2_WAN,
                             lan=tr.R2_LAN, tun=tr.R2_TUN, remote_lan="192.168.100.0",
                             peer_tun=tr.R1_TUN)


# The seed's scenarios: (directory, R1 file, R2 file, initiator, outcome).
SCENARIOS = [
    ("ikev2-overlap", "r1-initiator.cfg", "r2-responder.cfg", "R1", "ts_unacceptable"),
    ("ikev2-overlap-recommended", "r1-initiator.cfg", "r2-responder.cfg", "R1", "up"),
    ("ikev2-no-initiator-trustpoint", "r1-initiator.cfg", "r2-responder.cfg", "R1", "no_cert_payload"),
    ("ikev2-no-initiator-trustpoint-recommended", "r1-initiator.cfg", "r2-responder.cfg", "R1", "up"),
    ("ikev2-asymmetric-trustpoints", "r1-responder.cfg", "r2-initiator.cfg", "R2", "chain_failed"),
    ("ikev2-symmetric-trustpoints", "r1-responder.cfg", "r2-initiator.cfg", "R2", "up"),
]
# The files' Loopback0 addresses (their "LANs").
LOOPBACK = {"R1": "192.168.100.1", "R2": "192.168.200.1"}


# ---------------------------------------------------------------------------
# routers

class IkeRouter(tr.Router):
    """two_routers.Router with the IKE options: --pki-store, --debug-ikev2,
    and the WAN port only when the configuration binds no LAN port."""

    def start(self, config, pki_store=None, debug=True, lan_port=True, debug_flags=("--debug-ikev2",)):
        with open(self.cfg, "w") as f:
            f.write(config)
        self.starts += 1
        args = [self.keyway, "run", "-c", self.cfg, "--ctl", self.sock, "--idle-sleep", "50"]
        if pki_store:
            args += ["--pki-store", pki_store]
        if debug:
            args += list(debug_flags)
        args += ["--", "-l", "0,1", "--no-huge", "-m", "512", "--no-pci",
                 "--file-prefix", self.file_prefix,
                 "--vdev", "net_af_packet0,iface=%s,framecnt=4096" % self.wan_dev]
        if lan_port:
            args += ["--vdev", "net_af_packet1,iface=%s,framecnt=4096" % self.lan_dev]
        self.proc = self.lab.spawn("%s-run%d" % (self.name.lower(), self.starts), args, ns=self.ns)
        if not self.proc.wait_line(lambda l: l.strip() == tr.READY_LINE, tr.READY_TIMEOUT):
            state = ("still running" if self.proc.running()
                     else "exited with status %s" % self.proc.popen.poll())
            raise LabError("%s: no %r line within %d s (%s); command: %s\noutput:\n%s" % (
                self.name, tr.READY_LINE, tr.READY_TIMEOUT, state, " ".join(self.proc.args),
                "\n".join("  | " + l for l in self.proc.output(60))))

    def ike_sas(self):
        return tr.dig(self.ctl_json(CTL_IKE_SA), (IKE_SAS,))

    def ready_sas(self):
        return [s for s in self.ike_sas() if s.get(IKE_STATUS) == IKE_READY]

    def ipsec_tunnel(self):
        """(inbound SPIs, outbound SPIs) of Tunnel1 from `show crypto ipsec
        sa --json` (the current outbound SA first)."""
        for t in tr.dig(self.sas(), (tr.SA_TUNNELS,)):
            if t.get(tr.SA_INTERFACE) == tr.TUNNEL:
                ins = [int(str(s[tr.SA_SPI]), 0) for s in t.get(tr.SA_INBOUND, [])]
                outs = sorted(t.get(tr.SA_OUTBOUND, []), key=lambda s: not s.get("current", True))
                return ins, [int(str(s[tr.SA_SPI]), 0) for s in outs]
        raise LabError("%s: %s not in `show crypto ipsec sa --json`" % (self.name, tr.TUNNEL))

    def log_lines(self, since=0):
        return self.proc.output()[since:] if self.proc else []

    def has_log(self, text, since=0):
        return any(text in l for l in self.log_lines(since))


def stop_routers(routers, cases, what):
    """SIGTERM both; exit status 0 expected."""
    for r in routers:
        rc, out = r.stop()
        if rc is not None:
            cases.check(rc == 0, "%s (%s): exit status %s after SIGTERM; last lines:\n%s" % (
                r.name, what, rc, "\n".join("  | " + l for l in out[-15:])))


class Topology(tr.Topology):
    diagnostic_commands = (CTL_IKE_SA_TEXT, CTL_IPSEC_SA)

    def __init__(self, lab, keyway):
        super().__init__(lab, keyway, IkeRouter)

    def router(self, name):
        return self.r1 if name == "R1" else self.r2


Cases = tr.Cases


# ---------------------------------------------------------------------------
# helpers

def ping_until(lab, ns, dst, timeout, source=None):
    """Pings once a second until a reply; returns (seconds until it, the
    number of pings sent) or (None, n)."""
    extra = ["-I", source] if source else []
    t0 = time.monotonic()
    n = 0
    while time.monotonic() - t0 < timeout:
        n += 1
        got, _ = tr.ping(lab, ns, dst, count=1, wait=1, extra=extra)
        if got:
            return time.monotonic() - t0, n
    return None, n


def spi_int(s):
    return int(str(s), 16) if not str(s).lower().startswith("0x") else int(str(s), 0)


def ike_view(cases, r):
    """The one READY IKE SA of router r with one child: (local SPI, remote
    SPI, child spi_in, child spi_out) or None, with failures recorded."""
    sas = r.ike_sas()
    ready = [s for s in sas if s.get(IKE_STATUS) == IKE_READY]
    if not cases.check(len(sas) == 1 and len(ready) == 1,
                       "%s: `show crypto ikev2 sa --json` lists %d IKE SAs, %d READY, expected "
                       "exactly one READY: %s" % (r.name, len(sas), len(ready), json.dumps(sas))):
        return None
    s = ready[0]
    kids = s.get(IKE_CHILDREN, [])
    if not cases.check(len(kids) == 1, "%s: IKE SA has %d children, expected 1: %s"
                       % (r.name, len(kids), json.dumps(s))):
        return None
    return (spi_int(s[IKE_LOCAL_SPI]), spi_int(s[IKE_REMOTE_SPI]),
            spi_int(kids[0][CHILD_IN]), spi_int(kids[0][CHILD_OUT]))


def check_crosswise(cases, topo, where):
    """Both routers: one READY IKE SA; IKE SPIs mirrored; child SPIs
    crosswise; `show crypto ipsec sa` agrees with the IKE children.
    Returns (R1 outbound SPI, R2 outbound SPI) or None."""
    v1, v2 = ike_view(cases, topo.r1), ike_view(cases, topo.r2)
    if not (v1 and v2):
        return None
    cases.check((v1[0], v1[1]) == (v2[1], v2[0]),
                "%s: IKE SPIs not mirrored: R1 local/remote %016x/%016x, R2 %016x/%016x"
                % (where, v1[0], v1[1], v2[0], v2[1]))
    cases.check(v1[3] == v2[2] and v2[3] == v1[2],
                "%s: child SPIs not crosswise: R1 in/out %#x/%#x, R2 in/out %#x/%#x"
                % (where, v1[2], v1[3], v2[2], v2[3]))
    for r, v in ((topo.r1, v1), (topo.r2, v2)):
        ins, outs = r.ipsec_tunnel()
        cases.check(ins == [v[2]] and outs == [v[3]],
                    "%s: %s `show crypto ipsec sa`: inbound %s, outbound %s; the IKE child says "
                    "in %#x out %#x" % (where, r.name, [hex(x) for x in ins], [hex(x) for x in outs],
                                        v[2], v[3]))
    return v1[3], v2[3]


def classify_wan(frames, cases, where):
    """Every frame: ARP in the WAN subnet, UDP 500/4500 between the WAN
    addresses (IKE, or ESP-in-UDP after a NAT was detected), or ESP between
    them. Returns {"arp", "ike", "esp": {spi: count}, "esp_udp": {...}}."""
    out = {"arp": 0, "ike": 0, "esp": {}, "esp_udp": {}}
    for i, f in enumerate(frames):
        etype = struct.unpack_from("!H", f, 12)[0] if len(f) >= 14 else None
        problem = None
        if etype == 0x0806 and len(f) >= 42:
            spa, tpa = tr.ip_str(f[28:32]), tr.ip_str(f[38:42])
            if all(ipaddress.ip_address(a) in WAN_NET for a in (spa, tpa)):
                out["arp"] += 1
            else:
                problem = "ARP %s -> %s outside the WAN subnet" % (spa, tpa)
        elif etype == 0x0800 and len(f) >= 34:
            ihl = (f[14] & 0x0f) * 4
            proto, src, dst = f[23], tr.ip_str(f[26:30]), tr.ip_str(f[30:34])
            l4 = 14 + ihl
            if {src, dst} != {R1_WAN, R2_WAN}:
                problem = "IPv4 protocol %d %s -> %s" % (proto, src, dst)
            elif proto == 50 and len(f) >= l4 + 8:
                spi = struct.unpack_from("!I", f, l4)[0]
                out["esp"][spi] = out["esp"].get(spi, 0) + 1
            elif proto == 17 and len(f) >= l4 + 8:
                sport, dport = struct.unpack_from("!HH", f, l4)
                if sport == 500 and dport == 500:
                    out["ike"] += 1
                elif sport == 4500 and dport == 4500 and len(f) >= l4 + 12:
                    marker = struct.unpack_from("!I", f, l4 + 8)[0]
                    if marker == 0:
                        out["ike"] += 1
                    else:
                        out["esp_udp"][marker] = out["esp_udp"].get(marker, 0) + 1
                else:
                    problem = "UDP %s:%d -> %s:%d" % (src, sport, dst, dport)
            else:
                problem = "IPv4 protocol %d %s -> %s" % (proto, src, dst)
        else:
            problem = "ethertype %s" % (hex(etype) if etype is not None else "none (runt)")
        if problem:
            cases.check(False, "%s frame %d: %s" % (where, i + 1, problem))
    return out


def fmt_spis(d):
    return ", ".join("%#x x%d" % kv for kv in sorted(d.items())) or "none"


# ---------------------------------------------------------------------------
# part psk

def case_psk_up(cases, lab, topo):
    r1, r2 = topo.r1, topo.r2
    wan = tr.Capture(lab, "wan-psk", NS_WAN, WAN_TO_R1)
    cases.check(not r1.ike_sas() and not r2.ike_sas(), "IKE SAs before any traffic: R1 %s, R2 %s"
                % (r1.ike_sas(), r2.ike_sas()))
    took, n = ping_until(lab, NS_A, HOST_B, TRIGGER_TIMEOUT)
    cases.check(took is not None, "no reply hostA -> hostB in %d s (%d pings): the tunnel did not "
                "come up" % (TRIGGER_TIMEOUT, n))
    got, out = tr.ping(lab, NS_A, HOST_B)
    cases.check(got >= tr.PINGS - 1, "ping hostA -> hostB: %d of %d\n%s" % (got, tr.PINGS, out))
    sent, received = tr.checked_transfer(lab, 1024 * 1024, 7)
    cases.check(sent.startswith("sent ") and sent.split()[1:] == received.split()[1:],
                "checked TCP transfer: %r, %r" % (sent, received))
    wan.stop()
    spis = check_crosswise(cases, topo, "after the first negotiation")
    w = classify_wan(wan.frames, cases, "WAN")
    cases.check(w["ike"] >= 4, "WAN: %d IKE datagrams, expected at least IKE_SA_INIT and IKE_AUTH "
                "both ways" % w["ike"])
    cases.check(not w["esp_udp"], "WAN: ESP in UDP without a NAT: %s" % fmt_spis(w["esp_udp"]))
    if spis:
        cases.check(set(w["esp"]) == set(spis),
                    "WAN: ESP SPIs %s, negotiated R1->R2 %#x and R2->R1 %#x"
                    % (fmt_spis(w["esp"]), spis[0], spis[1]))
    for r in (r1, r2):
        cases.check(r.has_log(SA_UP_EVENT), "%s: no %s line" % (r.name, SA_UP_EVENT))
    cases.end("a PSK: traffic from hostA brings the tunnel up, ping and TCP work",
              "first reply after %s s / %d pings, ping %d/%d, %s; WAN %d frames: ARP %d, IKE %d, ESP %s"
              % ("%.1f" % took if took is not None else "-", n, got, tr.PINGS,
                 "1 MiB checked" if sent.split()[1:] == received.split()[1:] else "transfer FAILED",
                 len(wan.frames), w["arp"], w["ike"], fmt_spis(w["esp"])), [wan])
    return spis


def case_psk_clear(cases, lab, topo, old):
    r1, r2 = topo.r1, topo.r2
    mark2 = r2.proc.mark()
    wan = tr.Capture(lab, "wan-clear", NS_WAN, WAN_TO_R1)
    r = r1.ctl(CTL_IKE_CLEAR, check=False)
    cases.check(r.returncode == 0, "`ctl %s`: exit status %d %s%s" % (
        " ".join(CTL_IKE_CLEAR), r.returncode, r.stdout, r.stderr))
    cases.check(not r1.ike_sas(), "R1: IKE SAs right after clear: %s" % r1.ike_sas())
    ins, outs = r1.ipsec_tunnel()
    cases.check(not ins and not outs, "R1: IPsec SAs right after clear: in %s out %s" % (ins, outs))
    gone = wait_for(lambda: not r2.ike_sas(), 5)
    cases.check(gone, "R2: IKE SAs 5 s after R1's clear: %s" % r2.ike_sas())
    ins2, outs2 = r2.ipsec_tunnel()
    cases.check(not ins2 and not outs2, "R2: IPsec SAs after R1's clear: in %s out %s" % (ins2, outs2))
    cases.check(wait_for(lambda: any(SA_DOWN_EVENT in l and SA_DOWN_BY_PEER in l
                                     for l in r2.log_lines(mark2)), 2),
                "R2: no %s line saying %r after R1's clear" % (SA_DOWN_EVENT, SA_DOWN_BY_PEER))
    took, n = ping_until(lab, NS_A, HOST_B, TRIGGER_TIMEOUT)
    cases.check(took is not None, "no reply hostA -> hostB in %d s after the clear" % TRIGGER_TIMEOUT)
    got, out = tr.ping(lab, NS_A, HOST_B)
    cases.check(got >= tr.PINGS - 1, "ping hostA -> hostB after renegotiation: %d of %d\n%s"
                % (got, tr.PINGS, out))
    wan.stop()
    new = check_crosswise(cases, topo, "after the clear")
    w = classify_wan(wan.frames, cases, "WAN (clear)")
    if new and old:
        cases.check(not (set(new) & set(old)), "new SPIs %s reuse old ones %s"
                    % ([hex(x) for x in new], [hex(x) for x in old]))
        cases.check(set(w["esp"]) <= set(new) | set(old) and set(new) <= set(w["esp"]),
                    "WAN after the clear: ESP SPIs %s, new %s" % (fmt_spis(w["esp"]),
                                                                  [hex(x) for x in new]))
    cases.end("b `clear crypto ikev2 sa` on R1: both sides drop the SAs, traffic renegotiates",
              "R2 emptied, new SPIs %s (old %s), first reply after %s s, ping %d/%d"
              % ([hex(x) for x in new] if new else "-", [hex(x) for x in old] if old else "-",
                 "%.1f" % took if took is not None else "-", got, tr.PINGS), [wan])


def part_psk(cases, lab, topo):
    topo.r1.start(psk_config("R1"))
    topo.r2.start(psk_config("R2"))
    spis = case_psk_up(cases, lab, topo)
    case_psk_clear(cases, lab, topo, spis)
    stop_routers(topo.routers, cases, "psk")
    cases.end("PSK daemons stop cleanly")


# ---------------------------------------------------------------------------
# part collision

COLLISION_TRIES = 6
GRACE = 5  # seconds a replaced inbound SA lingers in the daemon (kRekeyGrace)


def part_collision(cases, lab, topo):
    r1, r2 = topo.r1, topo.r2
    r1.start(psk_config("R1"))
    r2.start(psk_config("R2"))
    took, _ = ping_until(lab, NS_A, HOST_B, TRIGGER_TIMEOUT)  # neighbours resolved, then start over
    cases.check(took is not None, "warm-up: no reply hostA -> hostB")
    both = "ip netns exec %s ping -n -c1 -W1 %s >/dev/null & ip netns exec %s ping -n -c1 -W1 %s " \
           ">/dev/null & wait" % (lab.ns(NS_A), HOST_B, lab.ns(NS_B), HOST_A)
    results = []
    for i in range(COLLISION_TRIES):
        for r in (r1, r2):
            r.ctl(CTL_IKE_CLEAR)
        if not wait_for(lambda: not r1.ike_sas() and not r2.ike_sas(), 5):
            cases.check(False, "try %d: SAs left after clearing both sides" % (i + 1))
            continue
        subprocess.run(["sh", "-c", both], timeout=20)
        time.sleep(GRACE + 2)
        n1, n2 = len(r1.ike_sas()), len(r2.ike_sas())
        a, _ = tr.ping(lab, NS_A, HOST_B, count=3)
        b, _ = tr.ping(lab, NS_B, HOST_A, count=3)
        in1, out1 = r1.ipsec_tunnel()
        in2, out2 = r2.ipsec_tunnel()
        ok = a >= 2 and b >= 2 and out1 and out2 and out1[0] in in2 and out2[0] in in1
        cases.check(ok, "try %d: both hosts pinged at once; after %d s: IKE SAs R1 %d, R2 %d; R1 sends "
                    "%s and receives %s, R2 sends %s and receives %s; ping A->B %d/3, B->A %d/3"
                    % (i + 1, GRACE + 2, n1, n2, [hex(x) for x in out1], [hex(x) for x in in1],
                       [hex(x) for x in out2], [hex(x) for x in in2], a, b))
        results.append("%s(%d/%d IKE SAs)" % ("ok" if ok else "DEAD", n1, n2))
    cases.end("collision: both routers initiate at once, %d tries" % COLLISION_TRIES, " ".join(results))
    stop_routers(topo.routers, cases, "collision")
    cases.end("collision daemons stop cleanly")


# ---------------------------------------------------------------------------
# part certs

def keyway_pki(keyway, args):
    r = subprocess.run([keyway, "pki"] + [str(a) for a in args], capture_output=True, text=True,
                       timeout=60)
    if r.returncode != 0:
        raise LabError("keyway pki %s: exit status %d\n%s%s" % (
            " ".join(str(a) for a in args), r.returncode, r.stdout, r.stderr))
    return r.stdout


def build_pki(keyway, d):
    """The seed's IKEv2 PKI: CA1 (TP1) and CA2 (TP2). Stores:
      r1-both: TP1 then TP2 (R1 lists its TP2 certificate first)
      r2-both: TP1 then TP2
      r1-tp1, r2-tp1: TP1 only, for the files that define TP1 only.
    Returns {store name: directory}."""
    ca1, ca2 = os.path.join(d, "ca1"), os.path.join(d, "ca2")
    keyway_pki(keyway, ["ca", "create", "CA1", "--subject", "CN=CA1,O=cisco,O=com", "--out", ca1])
    keyway_pki(keyway, ["ca", "create", "CA2", "--subject", "CN=CA2,O=cisco,O=com", "--out", ca2])
    both1 = os.path.join(REPO, "configs", "ikev2-asymmetric-trustpoints", "r1-responder.cfg")
    both2 = os.path.join(REPO, "configs", "ikev2-asymmetric-trustpoints", "r2-initiator.cfg")
    stores = {k: os.path.join(d, k) for k in ("r1-both", "r2-both", "r1-tp1", "r2-tp1")}
    for store, cfg, serial, order in (("r1-both", both1, 100, (("TP1", ca1), ("TP2", ca2))),
                                      ("r2-both", both2, 101, (("TP1", ca1), ("TP2", ca2))),
                                      ("r1-tp1", both1, 100, (("TP1", ca1),)),
                                      ("r2-tp1", both2, 101, (("TP1", ca1),))):
        for tp, ca in order:
            keyway_pki(keyway, ["enroll", "--ca", ca, "--trustpoint", tp, "--config", cfg,
                                "--serial", serial, "--store", stores[store]])
    return stores


def first_listed_trustpoint(keyway, store):
    """The trust-point of the first certificate `keyway show crypto pki
    certificates` lists."""
    r = subprocess.run([keyway, "show", "crypto", "pki", "certificates", "--store", store],
                       capture_output=True, text=True, timeout=30)
    for line in r.stdout.splitlines():
        line = line.strip()
        if line.startswith("Associated Trustpoints:"):
            return line.split(":", 1)[1].split()[0] if line.split(":", 1)[1].split() else None
    return None


def read(path):
    with open(path) as f:
        return f.read()


def scenario_config(path):
    return scenario_config_text(read(path))


def scenario_config_text(text):
    """A configuration file's text with the lab's WAN port line appended."""
    lines = text.rstrip("\n").split("\n")
    if lines and lines[-1].strip() == "end":
        lines = lines[:-1]
    return "\n".join(lines + ["!", "! lab: the WAN port (ikev2_lab.py)",
                              "dataplane port Ethernet0/0 net_af_packet0", "end", ""])


def esp_on_wan(w):
    return sum(w["esp"].values()) + sum(w["esp_udp"].values())


def run_scenario(cases, lab, topo, stores, scenario):
    directory, f1, f2, initiator_name, outcome = scenario
    base = os.path.join(REPO, "configs", directory)
    # The files that define TP2 get the stores with both trust-points.
    both = any("crypto pki trustpoint TP2" in read(os.path.join(base, f)) for f in (f1, f2))
    r1, r2 = topo.r1, topo.r2
    wan = None
    detail = ""
    try:
        r1.start(scenario_config(os.path.join(base, f1)),
                 pki_store=stores["r1-both" if both else "r1-tp1"], lan_port=False)
        r2.start(scenario_config(os.path.join(base, f2)),
                 pki_store=stores["r2-both" if both else "r2-tp1"], lan_port=False)
        initiator = topo.router(initiator_name)
        responder = r2 if initiator is r1 else r1
        src, dst = LOOPBACK[initiator.name], LOOPBACK[responder.name]
        wan = tr.Capture(lab, "wan-" + directory, NS_WAN, WAN_TO_R1)
        if outcome == "up":
            took, n = ping_until(lab, initiator.ns, dst, TRIGGER_TIMEOUT, source=src)
            cases.check(took is not None, "%s: no reply %s -> %s in %d s (%d pings)"
                        % (directory, src, dst, TRIGGER_TIMEOUT, n))
            got, out = tr.ping(lab, initiator.ns, dst, extra=["-I", src])
            cases.check(got >= tr.PINGS - 1, "%s: ping %s -> %s: %d of %d\n%s"
                        % (directory, src, dst, got, tr.PINGS, out))
            # The other way too, once the tunnel is up.
            got2, out2 = tr.ping(lab, responder.ns, src, extra=["-I", dst])
            cases.check(got2 >= tr.PINGS - 1, "%s: ping %s -> %s: %d of %d\n%s"
                        % (directory, dst, src, got2, tr.PINGS, out2))
            wan.stop()
            spis = check_crosswise(cases, topo, directory)
            w = classify_wan(wan.frames, cases, "WAN (%s)" % directory)
            if spis:
                cases.check(set(w["esp"]) == set(spis), "%s: WAN ESP SPIs %s, negotiated %s"
                            % (directory, fmt_spis(w["esp"]), [hex(x) for x in spis]))
            for r in (r1, r2):
                v = r.ready_sas()
                cases.check(v and v[0].get("auth_sign") in ("RSA", "RFC7427")
                            and v[0].get("auth_verify") in ("RSA", "RFC7427"),
                            "%s: %s IKE SA not authenticated by certificates: %s"
                            % (directory, r.name, json.dumps(v)))
            detail = "up: first reply after %s s, ping %d/%d and back %d/%d, ESP %s" % (
                "%.1f" % took if took is not None else "-", got, tr.PINGS, got2, tr.PINGS,
                fmt_spis(w["esp"]))
        else:
            t0 = time.monotonic()
            replies = 0
            while time.monotonic() - t0 < FAIL_WATCH:
                got, _ = tr.ping(lab, initiator.ns, dst, count=1, wait=1, extra=["-I", src])
                replies += got
            wan.stop()
            w = classify_wan(wan.frames, cases, "WAN (%s)" % directory)
            cases.check(replies == 0, "%s: %d ping replies through a tunnel that must not come up"
                        % (directory, replies))
            cases.check(esp_on_wan(w) == 0, "%s: ESP on the WAN: %s %s"
                        % (directory, fmt_spis(w["esp"]), fmt_spis(w["esp_udp"])))
            cases.check(w["ike"] >= 2, "%s: only %d IKE datagrams on the WAN: nothing was tried"
                        % (directory, w["ike"]))
            for r in (r1, r2):
                cases.check(not r.ready_sas(), "%s: %s has a READY IKE SA: %s"
                            % (directory, r.name, json.dumps(r.ready_sas())))
                ins, outs = r.ipsec_tunnel()
                cases.check(not ins and not outs, "%s: %s has IPsec SAs in %s out %s"
                            % (directory, r.name, ins, outs))
            expect = {
                # (router, line) pairs that must be in the logs.
                "ts_unacceptable": [(r2, LOG_PROFILE3), (r2, LOG_NO_IPSEC_POLICY), (r2, LOG_TS_NOTIFY),
                                    (r1, LOG_TS_RECEIVED)],
                "no_cert_payload": [(r1, LOG_NO_CERT_PAYLOAD)],
                "chain_failed": [(r1, LOG_CHAIN_FAILED), (r2, LOG_AUTH_FAILED_RX)],
            }[outcome]
            for r, text in expect:
                cases.check(r.has_log(text), "%s: %s's log has no line with %r" % (directory, r.name, text))
            detail = "no tunnel as the seed says: %s; 0 ESP, %d IKE datagrams" % (
                "; ".join("%s %r" % (r.name, t) for r, t in expect), w["ike"])
        # Ended while the daemons run, so that a failure shows their logs
        # and `show` output.
        cases.end("c %s (%s initiates): %s" % (directory, initiator_name,
                                                "tunnel up" if outcome == "up" else outcome),
                  detail, [wan])
    finally:
        if wan is not None and wan.proc.running():
            wan.stop()
        stop_routers(topo.routers, cases, directory)
        if cases.failures:
            cases.end("c %s: the daemons stop" % directory)


def part_certs(cases, lab, topo, keyway):
    stores = build_pki(keyway, os.path.join(lab.tmp, "pki"))
    first = first_listed_trustpoint(keyway, stores["r1-both"])
    cases.check(first == "TP2", "R1's store lists a %s certificate first, the seed's R1 lists TP2"
                % first)
    cases.end("c PKI: CA1/TP1 and CA2/TP2 enrolled, R1 lists its TP2 certificate first")
    for scenario in SCENARIOS:
        try:
            run_scenario(cases, lab, topo, stores, scenario)
        except (LabError, KeyError) as e:
            cases.check(False, "aborted: %s" % e)
            cases.end("c %s" % scenario[0])


# ---------------------------------------------------------------------------

def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    flags = [a for a in sys.argv[1:] if a.startswith("--")]
    if not 1 <= len(args) <= 2 or any(f not in ("--keep",) for f in flags) or \
            (len(args) == 2 and args[1] not in ("psk", "certs", "all", "collision")):
        print(__doc__)
        return 2
    keyway = os.path.abspath(args[0])
    part = args[1] if len(args) == 2 else "all"
    problems = require_root_and_tools(["ip", "ethtool", "tcpdump", "ping", keyway])
    if problems:
        for p in problems:
            print("FAIL: " + p, flush=True)
        return 1
    try:
        t0 = time.monotonic()
        with Lab(keep="--keep" in flags) as lab:
            print("lab: namespaces %s*, files in %s" % (lab.prefix, lab.tmp), flush=True)
            topo = Topology(lab, keyway)
            cases = Cases(topo)
            try:
                if part in ("psk", "all"):
                    part_psk(cases, lab, topo)
                if part in ("certs", "all"):
                    part_certs(cases, lab, topo, keyway)
                if part == "collision":
                    part_collision(cases, lab, topo)
            except (LabError, KeyError) as e:
                cases.check(False, "aborted: %s" % e)
                cases.end("lab run")
            print("lab: %.1f s" % (time.monotonic() - t0), flush=True)
    except KeyboardInterrupt:
        print("FAIL: interrupted; namespaces and processes removed", flush=True)
        return 130
    return cases.finish("ikev2_lab " + part)


if __name__ == "__main__":
    sys.exit(main())
