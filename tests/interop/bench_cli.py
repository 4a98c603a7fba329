#!/usr/bin/python3
"""The benchmarks' command lines: `keyway bench` and `keyway bench --runtime`
refuse bad flags (exit 2, naming the problem), print their usage, pass EAL
arguments through, and on a short real run print the JSON rows README.md
describes, with every field a script reads. This checks the programs, not
the machine: no number is compared with a target here.

usage: python3 bench_cli.py PATH/TO/keyway
"""

import json
import re
import subprocess
import sys

ENGINE_KEYS = {"transform", "direction", "size", "mpps", "gbps", "cycles_per_packet",
               "ceiling_gbps", "ceiling_mpps", "ceiling_method", "ratio"}
RUNTIME_KEYS = {"transform", "direction", "size", "mpps", "gbps", "cycles_per_packet",
                "io_mpps", "crypto_mpps", "bound_mpps", "ratio_to_bound"}


class Tests:
    def __init__(self, keyway):
        self.keyway = keyway
        self.passed = 0
        self.failed = 0

    def run(self, args, timeout=300):
        return subprocess.run([self.keyway] + args, capture_output=True, text=True, timeout=timeout)

    def expect(self, what, ok, detail=""):
        if ok:
            self.passed += 1
            print("ok   " + what)
        else:
            self.failed += 1
            print("FAIL " + what + (": " + detail if detail else ""))

    def expect_exit(self, what, args, status, stderr_re=None):
        r = self.run(args)
        ok = r.returncode == status and (stderr_re is None or re.search(stderr_re, r.stderr, re.M))
        self.expect(what, ok, "exit %d, stderr %r" % (r.returncode, r.stderr[-300:]))

    def usage(self):
        for pre in ([], ["--runtime"]):
            name = "bench " + " ".join(pre) if pre else "bench"
            r = self.run(["bench"] + pre + ["--help"])
            self.expect("%s --help: exit 0, usage on stdout" % name,
                        r.returncode == 0 and r.stdout.startswith("usage: keyway bench"), r.stderr)
            r = self.run(["bench"] + pre + ["-h"])
            self.expect("%s -h: the same" % name, r.returncode == 0 and "usage:" in r.stdout)
            cases = [
                (["extra"], r"unknown argument 'extra'"),
                (["--bogus"], r"unknown option '--bogus'"),
                (["--repeat"], r"'--repeat' needs a value"),
                (["--repeat", "0"], r"--repeat must be 1\.\.1000"),
                (["--repeat", "12x"], r"--repeat must be 1\.\.1000"),
                (["--transform", "aes128gcm,rot13"], r"rot13"),
                (["--direction", "sideways"], r"sideways"),
                (["--size", "1501"], r"1501"),
                (["--size", "64,"], r"size '' must be"),
                (["--transform", ""], r"unknown transform ''"),
            ]
            if pre:
                cases += [(["--size", "27"], r"28\.\.1500"), (["--seconds", "0"], r"--seconds"),
                          (["--seconds", "1e9"], r"--seconds"), (["--frames", "10"], r"--frames"),
                          (["--retries", "-1"], r"--retries")]
            else:
                cases += [(["--size", "19"], r"20\.\.1500"), (["--burst", "129"], r"--burst"),
                          (["--packets", "0"], r"--packets")]
            for args, msg in cases:
                self.expect_exit("%s %s: exit 2 (%s)" % (name, " ".join(args), msg),
                                 ["bench"] + pre + args, 2, msg)
            self.expect_exit("%s: EAL arguments after -- reach the EAL" % name,
                             ["bench"] + pre + ["--", "--no-such-eal-option"], 2, r"EAL")

    def engine_json(self):
        r = self.run(["bench", "--json", "--transform", "aes128gcm,aes128cbc-sha256",
                      "--direction", "outbound,inbound", "--size", "64,imix", "--repeat", "1",
                      "--packets", "4000"])
        self.expect("bench --json: exit 0", r.returncode == 0, r.stderr[-500:])
        try:
            rows = json.loads(r.stdout)
        except ValueError as e:
            self.expect("bench --json prints one JSON array", False, str(e))
            return
        self.expect("bench --json: a row per transform, direction and size (8)", len(rows) == 8,
                    str(len(rows)))
        self.expect("bench --json: every row has %s" % ", ".join(sorted(ENGINE_KEYS)),
                    all(ENGINE_KEYS <= set(x) for x in rows))
        self.expect("bench --json: sizes are 64 and \"imix\"",
                    sorted({str(x["size"]) for x in rows}) == ["64", "imix"])
        self.expect("bench --json: rates and ratios are positive",
                    all(x["mpps"] > 0 and x["ceiling_mpps"] > 0 and x["ratio"] > 0 for x in rows))

    def runtime_json(self):
        r = self.run(["bench", "--runtime", "--json", "--transform", "aes128gcm", "--size", "64",
                      "--repeat", "1", "--seconds", "0.05", "--retries", "0"])
        if r.returncode != 0 and "needs a worker lcore" in r.stderr:
            self.expect("bench --runtime needs two cores, says so", True)
            return
        # Exit 1 is a run in which a packet went missing: a failure here too.
        self.expect("bench --runtime --json: exit 0", r.returncode == 0, r.stderr[-500:])
        try:
            rows = json.loads(r.stdout)
        except ValueError as e:
            self.expect("bench --runtime --json prints one JSON array", False, str(e))
            return
        self.expect("bench --runtime --json: outbound and inbound rows",
                    sorted(x["direction"] for x in rows) == ["inbound", "outbound"], str(rows))
        self.expect("bench --runtime --json: every row has %s" % ", ".join(sorted(RUNTIME_KEYS)),
                    all(RUNTIME_KEYS <= set(x) for x in rows))
        self.expect("bench --runtime --json: bound = 1/(1/io + 1/crypto)",
                    all(abs(x["bound_mpps"] - 1 / (1 / x["io_mpps"] + 1 / x["crypto_mpps"]))
                        < 1e-3 * x["bound_mpps"] + 1e-3 for x in rows))


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    t = Tests(sys.argv[1])
    t.usage()
    t.engine_json()
    t.runtime_json()
    print("bench_cli: %d of %d checks passed" % (t.passed, t.passed + t.failed))
    return 0 if t.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
