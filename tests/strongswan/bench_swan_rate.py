#!/usr/bin/python3
"""IKE_SA + first CHILD_SA establishments per second, strongSwan against
strongSwan, measured the way `keyway bench-ike` measures keyway against
keyway: one establishment at a time (initiate, wait until the CHILD_SA is
installed, terminate, wait until the IKE_SA is gone), for S seconds per
suite, plus an optional concurrent run (--parallel N: N connections
initiated and terminated in a loop at once, distinct IKE_SAs).

A benchmark that prints numbers, not a test. Needs root (namespaces),
charon, swanctl, and a built `keyway` (for the lab CA certificates).

Setup: tests/strongswan/swan.py's harness, two charons in two network
namespaces joined by a veth pair (192.168.0.1 initiator, 192.168.0.2
responder). Both charons share this machine's cores (nproc is printed);
the rate is for both sides together on the whole machine, not per core.
CPU ms per establishment for each side comes from /proc/PID/stat
(utime+stime of each charon). The driver talks vici directly (a minimal
client below; python3-vici is not installed), so no swanctl process is
spawned per establishment. There is no load-tester plugin on this system
(libcharon-extra-plugins of Debian 12 does not ship it).

Suites (AES-GCM-256 IKE with PRF SHA-256, AES-GCM-256 ESP):
  rsa2048-modp2048   RSA-2048 certificates, MODP-2048 (group 14)
  ecdsa256-ecp256    ECDSA P-256 certificates, ECP-256 (group 19)

Caveat: this charon must use kernel-libipsec (the kernel has no ESP), so
each CHILD_SA is installed into user-space libipsec (and a TUN device
exists, with a route per CHILD_SA); keyway's bench-ike installs into a no-op
counter.

    sudo /usr/bin/python3 tests/strongswan/bench_swan_rate.py [--seconds S]
        [--parallel N] [--json] [--keyway build/control/cli/keyway]
"""

import argparse
import json
import os
import socket
import statistics
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import swan  # noqa: E402

SUITES = [
    ("rsa2048-modp2048", "rsa2048", "aes256gcm16-prfsha256-modp2048"),
    ("ecdsa256-ecp256", "ec256", "aes256gcm16-prfsha256-ecp256"),
]
ESP = "aes256gcm16"
ERRORS = {}  # errmsg of failed initiates -> count
LOG = {"ike": 0, "chd": 0, "knl": 0, "cfg": 0}


# -- a minimal vici client (request/response only, no event streams) --------

class Vici:
    CMD_REQUEST, CMD_RESPONSE, CMD_UNKNOWN = 0, 1, 2

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)

    @staticmethod
    def _encode(d):
        out = bytearray()
        for k, v in d.items():
            kb = k.encode()
            vb = str(v).encode()
            out += bytes([3, len(kb)]) + kb + struct.pack(">H", len(vb)) + vb
        return bytes(out)

    def _recv_exact(self, n):
        buf = bytearray()
        while len(buf) < n:
            chunk = self.s.recv(n - len(buf))
            if not chunk:
                raise swan.SwanError("vici: connection closed")
            buf += chunk
        return bytes(buf)

    @staticmethod
    def _decode(b):
        """Top-level key/values only (sections and lists are skipped)."""
        d, i, depth = {}, 0, 0
        while i < len(b):
            t = b[i]
            i += 1
            if t in (1, 4):  # section/list start
                n = b[i]
                i += 1 + n
                depth += 1
            elif t in (2, 6):
                depth -= 1
            elif t == 3:
                n = b[i]
                k = b[i + 1:i + 1 + n].decode()
                i += 1 + n
                (vl,) = struct.unpack(">H", b[i:i + 2])
                v = b[i + 2:i + 2 + vl].decode(errors="replace")
                i += 2 + vl
                if depth == 0:
                    d[k] = v
            elif t == 5:
                (vl,) = struct.unpack(">H", b[i:i + 2])
                i += 2 + vl
            else:
                raise swan.SwanError("vici: bad element type %d" % t)
        return d

    def request(self, cmd, args):
        name = cmd.encode()
        body = bytes([self.CMD_REQUEST, len(name)]) + name + self._encode(args)
        self.s.sendall(struct.pack(">I", len(body)) + body)
        while True:
            (n,) = struct.unpack(">I", self._recv_exact(4))
            pkt = self._recv_exact(n)
            if pkt[0] == self.CMD_RESPONSE:
                return self._decode(pkt[1:])
            if pkt[0] == self.CMD_UNKNOWN:
                raise swan.SwanError("vici: unknown command %s" % cmd)
            # events (we register none) are ignored

    def close(self):
        self.s.close()


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_installed(charon):
    """CHILD_SAs this charon has installed so far (its filelog)."""
    return charon.log_text().count("established with SPIs")


def setup(lab, pki, suite, key, proposals, conns):
    ca = pki.ca("CA-" + suite, "CN=CA-%s,O=keyway,O=bench" % suite, key=key)
    init = lab.charon("init-" + suite, "i", log_levels=LOG)
    resp = lab.charon("resp-" + suite, "r", log_levels=LOG)
    for c, ip, me, peer in ((init, "192.168.0.1", "i", "r"), (resp, "192.168.0.2", "r", "i")):
        cert, k = pki.enroll(ca, "%s-%s" % (me, suite), "TP1", subject="CN=%s,O=keyway,O=bench" % me,
                             ip=ip, key=key)
        c.add_cacert(os.path.join(ca, "ca.pem"), "ca.pem")
        c.add_cert(cert, "me.pem")
        c.add_key(k, "me.key")
    for i in range(conns):
        init.add_conn(swan.Conn("c%d" % i, "192.168.0.1", "192.168.0.2", proposals=proposals,
                                auth="pubkey", local_id="192.168.0.1", remote_id="192.168.0.2",
                                local_certs=("me.pem",), remote_cacerts=("ca.pem",),
                                children=[swan.Child("ch%d" % i, "10.1.%d.0/24" % i, "10.2.%d.0/24" % i,
                                                   esp_proposals=ESP)],
                                # charon reuses an IKE_SA of any connection
                                # that compares equal (the name does not
                                # count): make each one differ
                                options={"dpd_delay": "%ds" % (3600 + i)}))
    resp.add_conn(swan.Conn("r", "192.168.0.2", "192.168.0.1", proposals=proposals, auth="pubkey",
                            local_id="192.168.0.2", remote_id="192.168.0.1",
                            local_certs=("me.pem",), remote_cacerts=("ca.pem",),
                            children=[swan.Child("rch", "10.2.0.0/16", "10.1.0.0/16", esp_proposals=ESP)],
                            options={"unique": "never"}))
    for c in (init, resp):
        c.start()
        c.load_all()
    return init, resp


def loop(vici_path, i, deadline, lat, counts, lock):
    v = Vici(vici_path)
    try:
        while time.monotonic() < deadline:
            t0 = time.monotonic()
            r = v.request("initiate", {"child": "ch%d" % i, "ike": "c%d" % i, "timeout": 30000,
                                       "init-limits": "no"})
            t1 = time.monotonic()
            ok = r.get("success") == "yes"
            rt = v.request("terminate", {"ike": "c%d" % i, "timeout": 30000, "force": "no"})
            if rt.get("success") != "yes":
                with lock:
                    key = "terminate: " + rt.get("errmsg", "?")
                    ERRORS[key] = ERRORS.get(key, 0) + 1
            with lock:
                if ok:
                    counts[0] += 1
                    lat.append((t1 - t0) * 1000)
                else:
                    counts[1] += 1
                    ERRORS[r.get("errmsg", "?")] = ERRORS.get(r.get("errmsg", "?"), 0) + 1
    finally:
        v.close()


def measure(init, resp, seconds, parallel):
    # one warm-up establishment, not counted
    lat, counts, lock = [], [0, 0], threading.Lock()
    loop(init.vici, 0, time.monotonic() + 0.001, [], [0, 0], lock)
    c0 = (cpu_seconds(init.pid), cpu_seconds(resp.pid))
    l0 = (children_installed(init), children_installed(resp))
    t0 = time.monotonic()
    deadline = t0 + seconds
    threads = [threading.Thread(target=loop, args=(init.vici, i, deadline, lat, counts, lock))
               for i in range(parallel)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    c1 = (cpu_seconds(init.pid), cpu_seconds(resp.pid))
    time.sleep(0.2)  # let the filelog catch up
    l1 = (children_installed(init), children_installed(resp))
    # Counted when both ends installed the CHILD_SA, from the charons' own
    # logs (a cross-check of vici's answers: CHILD_SAs created inside an
    # IKE_SA another connection initiated are not establishments).
    n = min(l1[0] - l0[0], l1[1] - l0[1])
    lat.sort()
    return {"established": n, "failed": counts[1], "vici_success": counts[0], "seconds": round(elapsed, 3),
            "per_second": round(n / elapsed, 1),
            "cpu_ms_initiator": round((c1[0] - c0[0]) * 1000 / n, 3) if n else None,
            "cpu_ms_responder": round((c1[1] - c0[1]) * 1000 / n, 3) if n else None,
            "median_ms": round(statistics.median(lat), 3) if lat else None,
            "p99_ms": round(lat[min(len(lat) - 1, len(lat) * 99 // 100)], 3) if lat else None,
            # establishments per second of both charons' CPU time together
            "per_cpu_second": round(n / ((c1[0] - c0[0]) + (c1[1] - c0[1])), 1)
            if n and c1 != c0 else None}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--parallel", type=int, default=0,
                    help="also measure N establishments in flight at once (0: only serial)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--keyway", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "build", "control", "cli", "keyway"))
    a = ap.parse_args()
    problems = swan.missing_tools()
    if problems:
        sys.exit("bench_swan_rate: " + "; ".join(problems))
    rows = []
    with swan.Lab(prefix="kwbench") as lab:
        lab.add_ns("i")
        lab.add_ns("r")
        lab.veth("i", "eth0", "r", "eth0")
        lab.addr("i", "eth0", "192.168.0.1/24")
        lab.addr("r", "eth0", "192.168.0.2/24")
        # the CHILD_SAs' inner networks: libipsec routes them via its TUN
        # device with a source address from local_ts
        # (one /24 per connection, so concurrent CHILD_SAs have distinct
        # policies; the responder narrows its /16s to them)
        for i in range(max(1, a.parallel)):
            lab.addr("i", "lo", "10.1.%d.1/32" % i)
            lab.addr("r", "lo", "10.2.%d.1/32" % i)
        pki = swan.KeywayPki(os.path.abspath(a.keyway), os.path.join(lab.tmp, "pki"))
        for suite, key, proposals in SUITES:
            init, resp = setup(lab, pki, suite, key, proposals, max(1, a.parallel))
            try:
                modes = [1] + ([a.parallel] if a.parallel > 1 else [])
                for p in modes:
                    r = measure(init, resp, a.seconds, p)
                    r.update({"bench": "ike", "impl": "strongswan", "suite": suite, "in_flight": p,
                              "cores": os.cpu_count()})
                    rows.append(r)
            finally:
                init.stop()
                resp.stop()
    ver = swan.Lab.__module__ and os.popen(swan.CHARON + " --version 2>/dev/null").read().strip()
    if a.json:
        for r in rows:
            print(json.dumps(r))
    else:
        print("strongSwan vs strongSwan (%s): IKE_SA + first CHILD_SA, two charons in two\n"
              "namespaces over a veth pair, both on this %d-core machine, %.1f s per row"
              % (ver or "charon", os.cpu_count(), a.seconds))
        print()
        print("%-18s %9s %8s %6s %9s %12s %12s %10s %9s %12s" % (
            "suite", "in flight", "estab", "failed", "estab/s", "cpu ms init", "cpu ms resp",
            "median ms", "p99 ms", "estab/cpu-s"))
        for r in rows:
            print("%-18s %9d %8d %6d %9.1f %12s %12s %10s %9s %12s" % (
                r["suite"], r["in_flight"], r["established"], r["failed"], r["per_second"],
                r["cpu_ms_initiator"], r["cpu_ms_responder"], r["median_ms"], r["p99_ms"],
                r["per_cpu_second"]))
        print("\nestab/cpu-s: establishments per second of both charons' CPU time together\n"
              "(utime+stime from /proc; includes vici requests and libipsec installs)")
    for msg, n in sorted(ERRORS.items()):
        print("bench_swan_rate: %d initiate(s) failed: %s" % (n, msg), file=sys.stderr)
    return 1 if any(r["failed"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
