"""Capture and `keyway esp` helpers shared by the strongSwan tests (they need
python3-scapy, so Debian's /usr/bin/python3; swan.py itself does not).

  esp_frames(pcap)          ESP-in-UDP frames of a capture: [(spi, seq, bytes)]
  tun_packets(pcap, src)    IPv4 packets from `src` captured on a TUN device
  run_keyway(...)           `keyway esp encrypt|decrypt`, exit status + summary
  decrypt_frames(...)       ESP frames -> keyway -> inner IPv4 packets
  tshark_summary(pcap)      one line per frame, for failure messages
  Failures                  collects failed checks; one ok/FAIL line per case
  test_args(doc, extra)     the command line and the tools every test checks first
  print_diagnostics(...)    charon logs and capture summaries after a failure
"""

import os
import re
import subprocess
import sys
import time
import traceback

try:
    from scapy.layers.inet import IP, UDP
    from scapy.layers.l2 import Ether
    from scapy.utils import rdpcap, wrpcap
except ImportError:
    # scripts/install-deps.sh installs python3-scapy; its absence is a broken
    # set-up, not a reason to pass quietly.
    print("FAIL: scapy is not importable from %s (use Debian's /usr/bin/python3)"
          % sys.executable, flush=True)
    sys.exit(1)

SUMMARY = re.compile(r"^(encrypt|decrypt): (\d+) packets in, (\d+) out, (\d+) dropped", re.M)


def esp_frames(pcap_path, spis=None):
    """The ESP-in-UDP frames of a capture, in order: UDP to port 4500 that
    is neither IKE (the 4-byte non-ESP marker) nor a NAT-T keepalive.
    Returns [(spi, seq, frame bytes)], only SPIs in `spis` if given."""
    out = []
    for p in rdpcap(pcap_path):
        if IP not in p or UDP not in p[IP] or p[UDP].dport != 4500:
            continue
        payload = bytes(p[UDP].payload)
        if len(payload) < 8 or payload[:4] == b"\0\0\0\0":
            continue
        spi = int.from_bytes(payload[:4], "big")
        if spis is not None and spi not in spis:
            continue
        out.append((spi, int.from_bytes(payload[4:8], "big"), bytes(p)))
    return out


def tun_packets(pcap_path, src):
    """IPv4 packets with source address `src` captured on a TUN device
    (strongSwan's ipsec0: the clear text it encrypts or has decrypted),
    as bytes, in order."""
    out = []
    for p in rdpcap(pcap_path):
        if IP in p:
            ip = p[IP]
        else:
            raw = bytes(p)
            if not raw or raw[0] >> 4 != 4:
                continue
            ip = IP(raw)
        if ip.src == src:
            out.append(bytes(ip))
    return out


def run_keyway(keyway, mode, specs, in_path, out_path):
    """Runs `keyway esp MODE --sa ... --in --out`; returns (exit status,
    stderr, (in, out, dropped) or None)."""
    args = [keyway, "esp", mode]
    for s in specs:
        args += ["--sa", s]
    args += ["--in", in_path, "--out", out_path]
    r = subprocess.run(args, capture_output=True, text=True, timeout=120)
    m = SUMMARY.search(r.stderr)
    counts = (int(m.group(2)), int(m.group(3)), int(m.group(4))) if m else None
    return r.returncode, r.stderr.strip(), counts


def decrypt_frames(keyway, specs, frames, workdir, tag):
    """Writes ESP frames (bytes) to WORKDIR/TAG-esp.pcap, decrypts them with
    keyway and returns (exit status, stderr, counts, [inner IPv4 bytes])."""
    in_path = os.path.join(workdir, tag + "-esp.pcap")
    out_path = os.path.join(workdir, tag + "-plain.pcap")
    wrpcap(in_path, [Ether(f) for f in frames])
    rc, err, counts = run_keyway(keyway, "decrypt", specs, in_path, out_path)
    inner = []
    if rc in (0, 1) and os.path.exists(out_path):
        inner = [bytes(p[IP]) if IP in p else b"" for p in rdpcap(out_path)]
    return rc, err, counts, inner


def tshark_summary(path, limit=6000):
    if not path or not os.path.exists(path):
        return ""
    try:
        r = subprocess.run(["tshark", "-n", "-r", path], capture_output=True, text=True,
                           timeout=60)
        return r.stdout[-limit:]
    except (OSError, subprocess.TimeoutExpired) as e:
        return "tshark: %s" % e


class Failures:
    """Failed checks of a run; case() prints one ok/FAIL line per case with
    the failures that case added."""

    def __init__(self):
        self.items = []
        self.passed = 0
        self.failed = 0
        self._mark = 0

    def check(self, ok, what):
        if not ok:
            self.items.append(what)
        return ok

    def case(self, name):
        new = self.items[self._mark:]
        self._mark = len(self.items)
        print("%-4s %s" % ("ok" if not new else "FAIL", name), flush=True)
        for f in new[:12]:
            print("       " + f, flush=True)
        if len(new) > 12:
            print("       ... and %d more" % (len(new) - 12), flush=True)
        if new:
            self.failed += 1
        else:
            self.passed += 1

    def abort(self, e):
        """Records an exception that ended the run (a harness step or a tool
        failed) and prints its traceback."""
        self.items.append("%s: %s" % (type(e).__name__, e))
        print("FAIL %s: %s" % (type(e).__name__, e), flush=True)
        traceback.print_exc(file=sys.stdout)

    def finish(self, title, started):
        """The closing line; the exit status."""
        print("%s: %d cases passed, %d failed, %.1f s"
              % (title, self.passed, self.failed, time.monotonic() - started), flush=True)
        return 1 if self.items else 0


def test_args(doc, missing):
    """(keyway binary, keep) from `TEST PATH/TO/keyway [--keep]`, or an exit
    status: 2 with the usage, 1 when `missing` (swan.missing_tools(...))
    lists a problem or keyway is not executable."""
    if len(sys.argv) < 2:
        print(doc)
        return 2
    keyway = os.path.abspath(sys.argv[1])
    problems = list(missing)
    if not os.access(keyway, os.X_OK):
        problems.append("keyway binary %s not executable" % keyway)
    for p in problems:
        print("FAIL: " + p, flush=True)
    return 1 if problems else (keyway, "--keep" in sys.argv[2:])


def print_diagnostics(charons, pcaps, extra=()):
    """After a failure: `extra` texts (e.g. keyway's output), each charon's
    log tail, and a tshark summary of each capture."""
    print("---- diagnostics", flush=True)
    for text in extra:
        print(text, flush=True)
    for c in charons:
        print(c.diagnostics(30), flush=True)
    for pc in pcaps:
        print("--- tshark -r %s" % pc, flush=True)
        print(tshark_summary(pc), flush=True)
