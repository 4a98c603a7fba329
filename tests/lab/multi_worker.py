#!/usr/bin/env python3
"""The two-router lab (two_routers.py) with two worker lcores per router.

Usage: multi_worker.py KEYWAY [--keep]

Each `keyway run` gets three lcores (main = control thread, two workers,
mapped onto the machine's CPUs with --lcores so that it runs on two
cores) and net_af_packet ports with qpairs=2, i.e. two rx and two tx
queues per port, one of each per worker. A tunnel's SAs belong to one
worker; the other hands it the tunnel's packets. Cases:

  startup: both daemons report two workers and two queues per port
  pings hostA -> hostB, R1, R2 through the tunnel (two_routers' case 1)
  traffic: iperf3 TCP and a checked (SHA-256) TCP transfer hostA -> hostB;
     no hand-off ring overflowed, hand-offs are reported per worker
  routes: route updates at run time on R1: `no ip route` for hostB's LAN stops
     the traffic (data plane and kernel), `ip route ... Tunnel1` brings it
     back; `show ip route` and the kernel's table follow each step

Runs as root; builds and removes its own namespaces (two_routers' topology
and addresses). Reuses two_routers.py and labnet.py by import.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import two_routers as tr  # noqa: E402
from labnet import LabError  # noqa: E402

WORKERS = 2
# Three lcores on whatever CPUs there are (two on the CI machines).
LCORES = "0@(0-1),1@(0-1),2@(0-1)"
ROUTE_PREFIX, ROUTE_MASK = "192.168.200.0", "255.255.255.0"
ROUTE_SHOWN = "192.168.200.0/24"


class MultiRouter(tr.Router):
    """A Router whose `keyway run` has two workers and two queue pairs per port."""

    def start(self, config):
        with open(self.cfg, "w") as f:
            f.write(config)
        self.starts += 1
        args = [self.keyway, "run", "-c", self.cfg, "--ctl", self.sock, "--idle-sleep", "50", "--",
                "--lcores", LCORES, "--no-huge", "-m", "512", "--no-pci",
                "--file-prefix", self.file_prefix,
                # qpairs: one rx/tx queue pair per worker (net_af_packet
                # has one unless told; keyway refuses to start with fewer
                # tx queues than workers).
                "--vdev", "net_af_packet0,iface=%s,framecnt=4096,qpairs=%d" % (self.wan_dev, WORKERS),
                "--vdev", "net_af_packet1,iface=%s,framecnt=4096,qpairs=%d" % (self.lan_dev, WORKERS)]
        self.proc = self.lab.spawn("%s-run%d" % (self.name.lower(), self.starts), args, ns=self.ns)
        if not self.proc.wait_line(lambda l: l.strip() == tr.READY_LINE, tr.READY_TIMEOUT):
            state = ("still running" if self.proc.running()
                     else "exited with status %s" % self.proc.popen.poll())
            raise LabError("%s: no %r line within %d s (%s); command: %s\noutput:\n%s" % (
                self.name, tr.READY_LINE, tr.READY_TIMEOUT, state, " ".join(self.proc.args),
                "\n".join("  | " + l for l in self.proc.output(60))))


def case_startup(cases, l2):
    details = []
    for r in l2.routers:
        out = r.proc.output()
        cases.check(any("%d worker lcores" % WORKERS in l for l in out),
                    "%s: no '%d worker lcores' line" % (r.name, WORKERS))
        for port in (tr.WAN_IF, tr.LAN_IF):
            line = next((l for l in out if l.startswith("keyway: %s: " % port) and "rx queue" in l), "")
            cases.check(("%d rx queues" % WORKERS) in line,
                        "%s: %s does not have %d rx queues: %r" % (r.name, port, WORKERS, line))
        workers = tr.dig(r.counters(), ("workers",))
        cases.check(len(workers) == WORKERS, "%s: counters list %d workers" % (r.name, len(workers)))
        details.append("%s %d workers" % (r.name, len(workers)))
    cases.end("startup: two workers, two queues per port", ", ".join(details))


def case_traffic(cases, lab, l2, seed):
    details = []
    tcp, problems = tr.run_iperf(lab, udp=False)
    for p in problems:
        cases.check(False, "iperf3 TCP: " + p)
    if tcp and "end" in tcp:
        sent = tcp["end"]["sum_sent"]["bytes"]
        received = tcp["end"]["sum_received"]["bytes"]
        cases.check(sent >= tr.IPERF_TCP_BYTES and 0 < received <= sent,
                    "iperf3 TCP: %d bytes sent, %d received" % (sent, received))
        details.append("iperf3 TCP %d bytes, %.1f Mbit/s, %s retransmits" % (
            sent, tcp["end"]["sum_sent"]["bits_per_second"] / 1e6,
            tcp["end"]["sum_sent"].get("retransmits", "?")))
    sent, received = tr.checked_transfer(lab, tr.CHECKED_BYTES, seed)
    same = sent.startswith("sent ") and sent.split()[1:] == received.split()[1:]
    cases.check(same, "checked TCP transfer: %r, %r" % (sent, received))
    details.append("%d bytes with equal SHA-256" % tr.CHECKED_BYTES if same else "checked transfer differs")
    for r in l2.routers:
        workers = tr.dig(r.counters(), ("workers",))
        full = sum(int(w["handoff_full"]) for w in workers)
        cases.check(full == 0, "%s: %d packets dropped for a full hand-off ring" % (r.name, full))
        cases.check(sum(int(w["rx"]) for w in workers) > 0, "%s: the workers received nothing" % r.name)
        details.append("%s hand-offs %s" % (
            r.name, "/".join(str(w["handoff"]) for w in workers)))
    cases.end("traffic: iperf3 TCP and a checked transfer with two workers", "; ".join(details))


def shows_route(r):
    out = r.ctl(["show", "ip", "route"]).stdout
    return any(ROUTE_SHOWN in l for l in out.splitlines()), out


def kernel_has_route(lab, ns):
    out = lab.run(["ip", "route", "show", ROUTE_SHOWN], ns=ns).stdout
    return bool(out.strip()), out.strip()


def case_routes(cases, lab, l2):
    r1 = l2.r1
    details = []
    r = r1.ctl(["no", "ip", "route", ROUTE_PREFIX, ROUTE_MASK, tr.R2_TUN], check=False)
    cases.check(r.returncode == 0, "R1 `no ip route`: status %d: %s %s" % (r.returncode, r.stdout, r.stderr))
    shown, out = shows_route(r1)
    cases.check(not shown, "R1 still shows %s after `no ip route`:\n%s" % (ROUTE_SHOWN, out))
    present, kout = kernel_has_route(lab, tr.NS_R1)
    cases.check(not present, "R1's kernel still routes %s: %s" % (ROUTE_SHOWN, kout))
    counters = r1.counters()
    no_route = int(tr.dig(counters, ("worker", "no_route")))
    n, out = tr.ping(lab, tr.NS_A, tr.HOST_B, count=3, wait=1)
    cases.check(n == 0, "ping hostA -> hostB without the route: %d replies\n%s" % (n, out))
    dropped = int(tr.dig(r1.counters(), ("worker", "no_route"))) - no_route
    cases.check(dropped >= 3, "R1 counted %d no_route drops for 3 pings" % dropped)
    details.append("removed: 0/3 replies, %d no_route" % dropped)

    r = r1.ctl(["ip", "route", ROUTE_PREFIX, ROUTE_MASK, tr.TUNNEL], check=False)
    cases.check(r.returncode == 0, "R1 `ip route`: status %d: %s %s" % (r.returncode, r.stdout, r.stderr))
    shown, out = shows_route(r1)
    cases.check(shown and tr.TUNNEL in out, "R1 does not show %s via %s:\n%s" % (ROUTE_SHOWN, tr.TUNNEL, out))
    present, kout = kernel_has_route(lab, tr.NS_R1)
    cases.check(present, "R1's kernel has no route to %s" % ROUTE_SHOWN)
    n, out = tr.ping(lab, tr.NS_A, tr.HOST_B, count=3, wait=1)
    cases.check(n >= 2, "ping hostA -> hostB after `ip route`: %d of 3 replies\n%s" % (n, out))
    updates = int(tr.dig(r1.counters(), ("worker", "route_updates")))
    cases.check(updates == 2 * WORKERS, "R1: %d route_updates, expected %d (2 per worker)" % (
        updates, 2 * WORKERS))
    details.append("added: %d/3 replies, %d table swaps" % (n, updates))
    r = r1.ctl(["no", "ip", "route", "10.99.0.0", ROUTE_MASK], check=False)
    cases.check(r.returncode != 0, "`no ip route` of an unknown route succeeded")
    cases.end("routes: ip route / no ip route at run time on R1", "; ".join(details))


def run_cases(cases, lab, l2, seed):
    l2.start("aes128gcm", seed)
    case_startup(cases, l2)
    tr.case_pings(cases, lab, l2, "aes128gcm")
    case_traffic(cases, lab, l2, seed)
    case_routes(cases, lab, l2)
    tr.case_stop(cases, lab, l2)


def main():
    return tr.lab_main("multi_worker", ["ip", "tcpdump", "iperf3", "ping", "ss"], run_cases,
                       prefix="kwmw", router_class=MultiRouter)


if __name__ == "__main__":
    sys.exit(main())
