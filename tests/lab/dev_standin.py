"""TEMPORARY (removed once `keyway run` exists): Linux routers in R1/R2 in
place of keyway, to validate the namespace plumbing, the traffic and the
capture checkers. The WAN then carries plaintext; `encrypt_wan` turns a
capture into what keyway would send, with `keyway esp encrypt`."""

import os
import subprocess

from interop_common import read_pcap, write_pcap


class LinuxRouter:
    def __init__(self, lab, keyway, name, ns, wan_dev="wan", lan_dev="lan"):
        self.lab, self.keyway, self.name, self.ns = lab, keyway, name, ns
        self.wan_dev, self.lan_dev = wan_dev, lan_dev
        self.proc = None
        self.configured = False

    def start(self, config):
        if self.configured:
            return
        self.configured = True
        if self.name == "R1":
            wan, lan, tun, remote, gw = "192.168.0.1", "192.168.100.1", "10.0.0.1", "192.168.200.0/24", "192.168.0.2"
        else:
            wan, lan, tun, remote, gw = "192.168.0.2", "192.168.200.1", "10.0.0.2", "192.168.100.0/24", "192.168.0.1"
        run = self.lab.run
        run(["ip", "addr", "add", wan + "/24", "dev", self.wan_dev], ns=self.ns)
        run(["ip", "addr", "add", lan + "/24", "dev", self.lan_dev], ns=self.ns)
        run(["ip", "addr", "add", tun + "/32", "dev", "lo"], ns=self.ns)
        run(["ip", "route", "add", remote, "via", gw], ns=self.ns)
        run(["ip", "route", "add", "10.0.0.0/24", "via", gw], ns=self.ns)
        run(["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"], ns=self.ns)

    def stop(self):
        return 0, []

    def log_tail(self, n=40):
        return []


def encrypt_wan(lab, keyway, frames, keys, tag):
    """Replaces every plaintext IPv4 frame by its ESP encryption with the SA
    of its direction (R1 -> R2 if the source is not on LAN B)."""
    import ipaddress
    lan_b = ipaddress.ip_network("192.168.200.0/24")
    groups = {"r1_out": [], "r2_out": []}
    order = []
    for i, f in enumerate(frames):
        if f[12:14] == b"\x08\x00":
            import socket
            src = socket.inet_ntoa(f[26:30])
            d = "r2_out" if ipaddress.ip_address(src) in lan_b or src.startswith("10.0.0.2") else "r1_out"
            groups[d].append(f)
            order.append((d, len(groups[d]) - 1))
        else:
            order.append((None, f))
    enc = {}
    for d, fs in groups.items():
        if not fs:
            enc[d] = []
            continue
        inp = os.path.join(lab.tmp, "dev-%s-%s-in.pcap" % (tag, d))
        out = os.path.join(lab.tmp, "dev-%s-%s-out.pcap" % (tag, d))
        write_pcap(inp, fs)
        r = subprocess.run([keyway, "esp", "encrypt", "--sa", keys[d].spec(), "--in", inp, "--out", out],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(r.stderr)
        enc[d] = [x for _, _, x in read_pcap(out)]
    return [enc[d][x] if d else x for d, x in order]
