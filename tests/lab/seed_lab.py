#!/usr/bin/python3
"""keyway's main job: the seed's lab (the Cisco TAC note "IOS IKEv1 and IKEv2
Packet Exchange Processes for Profiles with Multiple Certificates") on one
machine, with two keyway routers in network namespaces:

  R1 (keyway) Ethernet0/0 192.168.0.1 --- WAN bridge --- 192.168.0.2 Ethernet0/0 R2 (keyway)
     Loopback0 192.168.100.1 (LAN)      Tunnel1 10.0.0.1 <-> 10.0.0.2      Loopback0 192.168.200.1 (LAN)

It builds the two-CA PKI with keyway's lab CA (IOSCA1/IOSCA2 for IKEv1,
TP1/TP2 for IKEv2) and enrolls each router in the order the seed's routers
did, loads the seed's R1 and R2 configurations (configs/, unchanged but for
an appended `dataplane port` line), lets the initiator ping from its LAN to
the other LAN, and prints what happened: who initiated, the CERTREQs each
side sent, the trust-point each side chose and validated against, the
outcome next to the one the seed reports, the SAs, and the packets and
bytes through the tunnel. Then it tears everything down.

usage: /usr/bin/python3 seed_lab.py PATH/TO/keyway [--scenario NAME] [--initiator R1|R2]
                                    [--check] [--all [--ike 1|2]] [--list] [--keep]
  --scenario NAME   one of --list (default ikev1-multi-cert)
  --initiator R1|R2 who sends the first packet (default: the scenario's)
  --all             every scenario with every initiator the seed discusses
  --ike 1|2         with --all: only the IKEv1 or the IKEv2 scenarios
  --check           exit status 1 unless each outcome and its key log lines
                    are the seed's (what the test suite runs: --all --check)
  --keep            keep the lab's files (logs, captures, PKI) afterwards

Needs root (network namespaces), ip, ping, ethtool, tcpdump.
"""

import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "interop"))

from labnet import Lab, LabError, require_root_and_tools  # noqa: E402
import ikev2_lab as v2  # noqa: E402  (IkeRouter, Topology, classify_wan, keyway_pki, ...)
import two_routers as tr  # noqa: E402

LOOPBACK = v2.LOOPBACK
TRIGGER_TIMEOUT = 20  # seconds of pinging until a tunnel must be up
FAIL_WATCH = 8        # seconds of pinging in a scenario that must fail

# keyway's interface per IKE version: the ctl commands and the log lines the
# lab reads (the engines log IOS's words: control/ikev1/ENGINE.md,
# control/ikev2/ENGINE.md).
IKE = {
    1: {"debug": ["--debug-isakmp"], "show_ike": ["show", "crypto", "isakmp", "sa"],
        "clear": ["clear", "crypto", "isakmp"]},
    2: {"debug": ["--debug-ikev2"], "show_ike": ["show", "crypto", "ikev2", "sa"],
        "clear": ["clear", "crypto", "ikev2", "sa"]},
}
# Log lines worth laying beside the seed's, by IKE version: (label, regex).
NARRATIVE = {
    1: [("CERTREQ sent", re.compile(r"constructing CERT_REQ for issuer (.*)")),
        ("chose", re.compile(r"Choosing trustpoint (\S+) as issuer")),
        ("signs with", re.compile(r"using the (\S+) trustpoint's keypair to sign")),
        ("profile", re.compile(r"peer matches (\S+) profile")),
        ("validates against", re.compile(r"Creating CERT validation list: (.*)")),
        ("REJECTS", re.compile(r"(%CRYPTO-5-IKMP_INVALID_CERT.*)")),
        ("phase 1", re.compile(r"New State = (IKE_P1_COMPLETE)"))],
    2: [("CERTREQ trust-points", re.compile(r"Retrieved trustpoint\(s\): (.*)")),
        ("profile", re.compile(r"found matching IKEv2 profile '(\S+)'")),
        ("no certificate", re.compile(r"(Failed to build certificate payload)")),
        ("validation", re.compile(r"(Validation of certificate chain FAILED)")),
        ("TS refused", re.compile(r"(There was no IPSEC policy found for received TS)")),
        ("notify", re.compile(r"(Received AUTHENTICATION_FAILED notify|TS_UNACCEPTABLE)")),
        ("SA", re.compile(r"(%IKEV2-5-SA_UP.*)"))],
}


class Scenario:
    """One pair of the seed's files and what the seed says happens.

    `outcome` maps the initiator to "up" or a failure name; `expect` maps the
    initiator to [(router, text)] log lines --check requires: a substring
    of one line, or a list of substrings that must appear in that order."""

    def __init__(self, name, version, directory, files, stores, outcome, expect, about, edit=None):
        self.name, self.version, self.directory = name, version, directory
        self.files, self.stores, self.outcome, self.expect = files, stores, outcome, expect
        self.about, self.edit = about, edit


def without_ca_trustpoint(router, text):
    """R1's file with its profile's `ca trust-point` line removed."""
    if router != "R1":
        return text
    return "\n".join(l for l in text.split("\n") if not l.strip().startswith("ca trust-point"))


V1_FILES = {"R1": "r1.cfg", "R2": "r2.cfg"}
SCENARIOS = [
    Scenario("ikev1-multi-cert", 1, "ikev1-multi-cert", V1_FILES,
             {"R1": "v1-r1", "R2": "v1-r2"},
             {"R1": "up", "R2": "invalid_cert"},
             {"R1": [("R1", "Choosing trustpoint IOSCA1 as issuer"),
                     ("R1", "IKE_P1_COMPLETE"), ("R2", "IKE_P1_COMPLETE")],
              "R2": [("R1", ["constructing CERT_REQ for issuer cn=CA2", "constructing CERT_REQ for issuer cn=CA1"]),
                     ("R2", "Choosing trustpoint IOSCA2 as issuer"),
                     ("R1", "peer matches prof1 profile"),
                     ("R1", "Creating CERT validation list: IOSCA1"),
                     ("R1", "IKMP_INVALID_CERT")]},
             "R1's profile trusts IOSCA1 only (ca trust-point); R1 enrolled IOSCA2 last, so its "
             "MM4 asks for CA2 first"),
    Scenario("ikev1-multi-cert-reenrolled", 1, "ikev1-multi-cert", V1_FILES,
             {"R1": "v1-r1-ca1-newest", "R2": "v1-r2"},
             {"R1": "up", "R2": "up"},
             {"R2": [("R1", ["constructing CERT_REQ for issuer cn=CA1", "constructing CERT_REQ for issuer cn=CA2"]),
                     ("R2", "Choosing trustpoint IOSCA1 as issuer"),
                     ("R1", "Creating CERT validation list: IOSCA1"),
                     ("R1", "IKE_P1_COMPLETE")]},
             "the same files; R1 re-enrolled with IOSCA1 so that its CA1 certificate is the "
             "newest: its MM4 asks for CA1 first"),
    Scenario("ikev1-multi-cert-no-ca-trustpoint", 1, "ikev1-multi-cert", V1_FILES,
             {"R1": "v1-r1", "R2": "v1-r2"},
             {"R1": "up", "R2": "up"},
             {"R1": [("R1", "Choosing trustpoint IOSCA1 as issuer"), ("R1", "IKE_P1_COMPLETE")],
              "R2": [("R2", "Choosing trustpoint IOSCA2 as issuer"), ("R1", "IKE_P1_COMPLETE")]},
             "R1's `ca trust-point IOSCA1` removed: every trust-point is trusted, certificate "
             "choice follows enrollment order", edit=without_ca_trustpoint),
    Scenario("ikev1-multi-cert-symmetric", 1, "ikev1-multi-cert-symmetric", V1_FILES,
             {"R1": "v1-r1", "R2": "v1-r2"},
             {"R1": "up", "R2": "up"},
             {"R2": [("R1", "IKE_P1_COMPLETE"), ("R2", "IKE_P1_COMPLETE")]},
             "the seed's recommendation: both profiles list IOSCA1 and IOSCA2"),
    Scenario("ikev2-overlap", 2, "ikev2-overlap",
             {"R1": "r1-initiator.cfg", "R2": "r2-responder.cfg"}, {"R1": "v2-r1-tp1", "R2": "v2-r2-tp1"},
             {"R1": "ts_unacceptable"},
             {"R1": [("R2", "found matching IKEv2 profile 'profile3'"),
                     ("R2", "There was no IPSEC policy found for received TS")]},
             "three IKEv2 profiles with the same match identity; the last one wins"),
    Scenario("ikev2-overlap-recommended", 2, "ikev2-overlap-recommended",
             {"R1": "r1-initiator.cfg", "R2": "r2-responder.cfg"}, {"R1": "v2-r1-tp1", "R2": "v2-r2-tp1"},
             {"R1": "up"}, {"R1": [("R1", "%IKEV2-5-SA_UP")]}, "one profile per identity"),
    Scenario("ikev2-no-initiator-trustpoint", 2, "ikev2-no-initiator-trustpoint",
             {"R1": "r1-initiator.cfg", "R2": "r2-responder.cfg"}, {"R1": "v2-r1-tp1", "R2": "v2-r2-tp1"},
             {"R1": "no_cert_payload"}, {"R1": [("R1", "Failed to build certificate payload")]},
             "the initiator's profile has no `pki trustpoint`"),
    Scenario("ikev2-no-initiator-trustpoint-recommended", 2, "ikev2-no-initiator-trustpoint-recommended",
             {"R1": "r1-initiator.cfg", "R2": "r2-responder.cfg"}, {"R1": "v2-r1-tp1", "R2": "v2-r2-tp1"},
             {"R1": "up"}, {"R1": [("R1", "%IKEV2-5-SA_UP")]}, "`pki trustpoint TP1` added"),
    Scenario("ikev2-asymmetric-trustpoints", 2, "ikev2-asymmetric-trustpoints",
             {"R1": "r1-responder.cfg", "R2": "r2-initiator.cfg"}, {"R1": "v2-r1", "R2": "v2-r2"},
             {"R2": "chain_failed"},
             {"R2": [("R1", "Validation of certificate chain FAILED"),
                     ("R2", "Received AUTHENTICATION_FAILED notify")]},
             "R2 trusts TP1 and TP2, R1 only TP1; R1's CERTREQ names TP2's CA first"),
    Scenario("ikev2-symmetric-trustpoints", 2, "ikev2-symmetric-trustpoints",
             {"R1": "r1-responder.cfg", "R2": "r2-initiator.cfg"}, {"R1": "v2-r1", "R2": "v2-r2"},
             {"R2": "up"}, {"R2": [("R2", "%IKEV2-5-SA_UP")]},
             "the seed's recommendation: both profiles list TP1 and TP2"),
]
BY_NAME = {s.name: s for s in SCENARIOS}


# ---------------------------------------------------------------------------
# PKI

def build_pki(keyway, d):
    """The lab CAs and one certificate store per router and enrollment
    order. Returns {store name: directory} and a description per store."""
    cas = {}
    for name, subject in (("IOSCA1", "CN=CA1,O=cisco,O=com"), ("IOSCA2", "CN=CA2,O=cisco,O=com"),
                          ("TP1", "CN=CA1,O=cisco,O=com"), ("TP2", "CN=CA2,O=cisco,O=com")):
        cas[name] = os.path.join(d, "ca-" + name)
        v2.keyway_pki(keyway, ["ca", "create", name, "--subject", subject, "--out", cas[name]])
    v1 = os.path.join(REPO, "configs", "ikev1-multi-cert")
    a2 = os.path.join(REPO, "configs", "ikev2-asymmetric-trustpoints")
    # (store, configuration whose trust-point blocks name the router, serial,
    # trust-points in enrollment order: the last is the newest, listed first)
    recipes = [
        ("v1-r1", os.path.join(v1, "r1.cfg"), 100, ["IOSCA1", "IOSCA2"]),
        ("v1-r1-ca1-newest", os.path.join(v1, "r1.cfg"), 100, ["IOSCA2", "IOSCA1"]),
        ("v1-r2", os.path.join(v1, "r2.cfg"), 101, ["IOSCA2", "IOSCA1"]),
        ("v2-r1", os.path.join(a2, "r1-responder.cfg"), 100, ["TP1", "TP2"]),
        ("v2-r2", os.path.join(a2, "r2-initiator.cfg"), 101, ["TP1", "TP2"]),
        ("v2-r1-tp1", os.path.join(a2, "r1-responder.cfg"), 100, ["TP1"]),
        ("v2-r2-tp1", os.path.join(a2, "r2-initiator.cfg"), 101, ["TP1"]),
    ]
    stores, about = {}, {}
    for store, cfg, serial, order in recipes:
        stores[store] = os.path.join(d, store)
        for tp in order:
            v2.keyway_pki(keyway, ["enroll", "--ca", cas[tp], "--trustpoint", tp, "--config", cfg,
                                   "--serial", serial, "--store", stores[store]])
        about[store] = "enrolled %s (lists %s first)" % (" then ".join(order), order[-1])
    return stores, about


# ---------------------------------------------------------------------------
# one run

class Run:
    def __init__(self, lab, topo, keyway, stores, store_about, check):
        self.lab, self.topo, self.keyway = lab, topo, keyway
        self.stores, self.store_about, self.check = stores, store_about, check
        self.failures = []
        self.results = []

    def config(self, scenario, router):
        text = v2.read(os.path.join(REPO, "configs", scenario.directory, scenario.files[router]))
        if scenario.edit:
            text = scenario.edit(router, text)
        return v2.scenario_config_text(text)

    def narrative(self, scenario, r, since):
        out = []
        for line in r.log_lines(since):
            for label, rx in NARRATIVE[scenario.version]:
                m = rx.search(line)
                if m:
                    out.append("    %s %-18s %s" % (r.name, label + ":", m.group(1).strip()))
                    break
        return out

    def one(self, scenario, initiator_name):
        topo = self.topo
        ike = IKE[scenario.version]
        want = scenario.outcome.get(initiator_name)  # None: a direction the seed does not run
        print("\n=== %s: %s initiates" % (scenario.name, initiator_name), flush=True)
        print("    configs/%s: R1 %s, R2 %s — %s" % (scenario.directory, scenario.files["R1"],
                                                     scenario.files["R2"], scenario.about))
        for name in ("R1", "R2"):
            print("    %s PKI: %s" % (name, self.store_about[scenario.stores[name]]))
        print("    the seed: %s" % ("the tunnel comes up" if want == "up" else
                                  "does not run this direction" if want is None else
                                  "no tunnel (%s)" % want))
        r1, r2 = topo.r1, topo.r2
        wan = None
        try:
            for r in (r1, r2):
                r.start(self.config(scenario, r.name), pki_store=self.stores[scenario.stores[r.name]],
                        lan_port=False, debug_flags=ike["debug"])
            initiator = topo.router(initiator_name)
            responder = r2 if initiator is r1 else r1
            src, dst = LOOPBACK[initiator.name], LOOPBACK[responder.name]
            wan = tr.Capture(self.lab, "wan-%s-%s" % (scenario.name, initiator_name), v2.NS_WAN,
                             v2.WAN_TO_R1)
            t0 = time.monotonic()
            took, n = v2.ping_until(self.lab, initiator.ns, dst,
                                    FAIL_WATCH if want not in ("up", None) else TRIGGER_TIMEOUT,
                                    source=src)
            got = back = 0
            if took is not None:
                got, _ = tr.ping(self.lab, initiator.ns, dst, extra=["-I", src])
                back, _ = tr.ping(self.lab, responder.ns, src, extra=["-I", dst])
            wan.stop()
            w = v2.classify_wan(wan.frames, _Sink(), "WAN")
            esp = v2.esp_on_wan(w)
            up = took is not None and got >= tr.PINGS - 1
            print("    %s pings %s -> %s: %s" % (
                initiator.name, src, dst,
                "first reply after %.1f s, then %d/%d, and back %d/%d" % (took, got, tr.PINGS, back, tr.PINGS)
                if took is not None else "no reply in %.0f s (%d pings)" % (time.monotonic() - t0, n)))
            print("    what the routers logged (the seed's words):")
            lines = self.narrative(scenario, initiator, 0) + self.narrative(scenario, responder, 0)
            print("\n".join(lines) if lines else "    (nothing)")
            for r in (r1, r2):
                text = r.ctl(ike["show_ike"], check=False).stdout.rstrip()
                print("    %s `%s`:" % (r.name, " ".join(ike["show_ike"])))
                print("\n".join("      " + l for l in text.splitlines()) or "      (none)")
                print("    %s tunnel: %s" % (r.name, tunnel_counts(r)))
            print("    WAN: %d IKE datagrams, %d ESP packets" % (w["ike"], esp))
            outcome_ok = want is None or (up if want == "up" else (not up and esp == 0))
            missing = [(rn, text) for rn, text in scenario.expect.get(initiator_name, [])
                       if not logged(topo.router(rn), text)]
            verdict = ("not in the seed" if want is None else
                       "as the seed says" if outcome_ok and not missing else "NOT as the seed says")
            print("    outcome: %s — %s" % ("tunnel up" if up else "no tunnel", verdict), flush=True)
            for rn, text in missing:
                print("      missing in %s's log: %r" % (rn, text))
            if not outcome_ok or missing:
                self.failures.append("%s (%s initiates)" % (scenario.name, initiator_name))
                for line in topo.diagnostics([wan]):
                    print("      " + line)
            self.results.append((scenario.name, initiator_name, up, verdict))
        finally:
            if wan is not None and wan.proc.running():
                wan.stop()
            for r in (r1, r2):
                rc, _ = r.stop()
                if rc not in (None, 0):
                    self.failures.append("%s %s: exit status %s after SIGTERM" % (scenario.name, r.name, rc))


def logged(router, text):
    """`text` (a substring) in one of the router's log lines, or `text` (a
    list of substrings) in lines in that order."""
    if isinstance(text, str):
        return router.has_log(text)
    i = 0
    for line in router.log_lines():
        if i < len(text) and text[i] in line:
            i += 1
    return i == len(text)


class _Sink:
    """classify_wan's checker when only counting."""

    def check(self, ok, what):
        return ok


def tunnel_counts(r):
    """Packets and bytes of Tunnel1's SAs from `show crypto ipsec sa --json`."""
    for t in tr.dig(r.sas(), (tr.SA_TUNNELS,)):
        if t.get(tr.SA_INTERFACE) != tr.TUNNEL:
            continue
        parts = []
        for direction in (tr.SA_INBOUND, tr.SA_OUTBOUND):
            for s in t.get(direction, []):
                parts.append("%s SPI %s %s: %s packets, %s bytes" % (
                    direction, s.get(tr.SA_SPI), s.get(tr.SA_TRANSFORM, ""), s.get(tr.SA_PACKETS, 0),
                    s.get("bytes", 0)))
        return "; ".join(parts) or "no SAs"
    return "no SAs"


def main():
    argv = sys.argv[1:]
    opts = {"--scenario": None, "--initiator": None, "--ike": None}
    flags = set()
    pos = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in opts and i + 1 < len(argv):
            opts[a] = argv[i + 1]
            i += 2
            continue
        if a in ("--check", "--all", "--list", "--keep"):
            flags.add(a)
        elif a.startswith("-"):
            print("seed_lab: unknown option %s\n%s" % (a, __doc__), file=sys.stderr)
            return 2
        else:
            pos.append(a)
        i += 1
    if "--list" in flags:
        for s in SCENARIOS:
            print("%-42s IKEv%d; the seed runs %s initiating; %s" % (
                s.name, s.version, " and ".join(s.outcome), s.about))
        return 0
    if len(pos) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    keyway = os.path.abspath(pos[0])
    if "--all" in flags:
        runs = [(s, i) for s in SCENARIOS for i in s.outcome
                if opts["--ike"] is None or str(s.version) == opts["--ike"]]
    else:
        s = BY_NAME.get(opts["--scenario"] or "ikev1-multi-cert")
        if s is None:
            print("seed_lab: no scenario %r (--list shows them)" % opts["--scenario"], file=sys.stderr)
            return 2
        who = opts["--initiator"] or next(iter(s.outcome))
        if who not in ("R1", "R2"):
            print("seed_lab: --initiator is R1 or R2", file=sys.stderr)
            return 2
        runs = [(s, who)]
    problems = require_root_and_tools(["ip", "ethtool", "tcpdump", "ping", keyway])
    if problems:
        for p in problems:
            print("seed_lab: " + p, file=sys.stderr)
        return 1
    t0 = time.monotonic()
    try:
        with Lab(keep="--keep" in flags, prefix="kwseed") as lab:
            print("seed lab: namespaces %s*, files in %s" % (lab.prefix, lab.tmp), flush=True)
            topo = v2.Topology(lab, keyway)
            stores, about = build_pki(keyway, os.path.join(lab.tmp, "pki"))
            run = Run(lab, topo, keyway, stores, about, "--check" in flags)
            for s, who in runs:
                try:
                    run.one(s, who)
                except (LabError, KeyError) as e:
                    run.failures.append("%s (%s initiates): %s" % (s.name, who, e))
                    print("    aborted: %s" % e, flush=True)
    except KeyboardInterrupt:
        print("seed lab: interrupted; namespaces and processes removed", flush=True)
        return 130
    print("\nseed lab: %d runs in %.0f s" % (len(run.results), time.monotonic() - t0))
    for name, who, up, verdict in run.results:
        print("  %-44s %s initiates: %-10s %s" % (name, who, "tunnel up" if up else "no tunnel", verdict))
    if run.failures:
        print("not as the seed says: " + "; ".join(run.failures))
    return 1 if run.failures and "--check" in flags else 0


if __name__ == "__main__":
    sys.exit(main())
