"""Network-namespace plumbing for the lab tests: namespaces, veth pairs,
a bridge, processes started inside namespaces, and a teardown that removes
all of it, also after a failure, Ctrl-C or SIGTERM (meson's timeout).

Every namespace is named `kwlab-<pid>-<short name>`, so parallel runs and
leftovers of a killed run never collide. Interface names live inside the
namespaces and need not be unique across runs.

Run with Debian's /usr/bin/python3 (the lab test needs python3-scapy).
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time


class LabError(Exception):
    """A lab step failed; the message says which command and why."""


def _fmt(args):
    return " ".join(str(a) for a in args)


class Proc:
    """A process started in a namespace, in its own session (so a Ctrl-C in
    the terminal reaches the test, which then stops it). Its stdout and
    stderr are merged and collected line by line by a thread; a line can be
    waited for."""

    def __init__(self, name, args, log_path, cwd=None, stdin=False):
        self.name = name
        self.args = args
        self.log_path = log_path
        self.lines = []
        self._cond = threading.Condition()
        self._log = open(log_path, "w")
        self.popen = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                                      start_new_session=True,
                                      cwd=cwd, text=True, errors="replace", bufsize=1)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.popen.stdout:
            self._log.write(line)
            self._log.flush()
            with self._cond:
                self.lines.append(line.rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def mark(self):
        """The number of lines so far, for wait_line(since=)."""
        with self._cond:
            return len(self.lines)

    def wait_line(self, predicate, timeout, since=0):
        """Waits until a line (from line number `since` on) satisfies
        predicate(line) (True) or the process ended or the time is up
        (False)."""
        deadline = time.monotonic() + timeout
        seen = since
        with self._cond:
            while True:
                for line in self.lines[seen:]:
                    if predicate(line):
                        return True
                seen = len(self.lines)
                if not self._reader.is_alive():
                    return False
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.2))

    def send(self, line):
        """Writes a line to the process's stdin (spawned with stdin=True)."""
        self.popen.stdin.write(line + "\n")
        self.popen.stdin.flush()

    def running(self):
        return self.popen.poll() is None

    def output(self, tail=None):
        with self._cond:
            lines = list(self.lines)
        return lines if tail is None else lines[-tail:]

    def stop(self, sig=signal.SIGTERM, timeout=5.0):
        """Sends sig to the process (by its id) and waits; SIGKILL after
        `timeout`. Returns the exit status (negative: killed by a signal)."""
        if self.popen.poll() is None:
            try:
                os.kill(self.popen.pid, sig)
            except ProcessLookupError:
                pass
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.kill(self.popen.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.popen.wait(5)
        self._reader.join(5)
        self._log.close()
        return self.popen.returncode


class Lab:
    """Owns the namespaces, processes and files of one run. Use as a context
    manager: leaving it (normally or by an exception, including
    KeyboardInterrupt and the SystemExit that SIGTERM/SIGHUP raise here)
    stops every process and deletes every namespace.

    Subclasses (tests/strongswan/swan.py) stop their own kinds of process
    first by extending stop_processes(), and raise their own error class by
    setting `Error` (a LabError subclass)."""

    Error = LabError

    def __init__(self, keep=False, prefix="kwlab"):
        self.prefix = "%s-%d-" % (prefix, os.getpid())
        self.namespaces = []
        self.procs = []
        self.cleanup_paths = []
        self.keep = keep
        self.tmp = tempfile.mkdtemp(prefix=self.prefix)
        self._old_handlers = {}

    # -- lifetime ---------------------------------------------------------

    def __enter__(self):
        def on_signal(signum, frame):
            raise SystemExit(128 + signum)

        def on_interrupt(signum, frame):
            raise KeyboardInterrupt
        for sig in (signal.SIGTERM, signal.SIGHUP):
            self._old_handlers[sig] = signal.signal(sig, on_signal)
        # Explicitly, because a shell starts background jobs with SIGINT ignored.
        self._old_handlers[signal.SIGINT] = signal.signal(signal.SIGINT, on_interrupt)
        return self

    def __exit__(self, exc_type, exc, tb):
        self.teardown()
        return False

    def teardown(self):
        # A second Ctrl-C or SIGTERM must not interrupt the clean-up.
        previous = {s: signal.signal(s, signal.SIG_IGN)
                    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
        try:
            self.stop_processes()
            for ns in reversed(self.namespaces):
                # Anything still running in one of our namespaces was
                # started by this run (a child of one of our processes).
                r = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True)
                for pid in r.stdout.split():
                    try:
                        os.kill(int(pid), signal.SIGKILL)
                    except (ProcessLookupError, ValueError):
                        pass
                subprocess.run(["ip", "netns", "del", ns], capture_output=True)
            self.namespaces = []
            for path in self.cleanup_paths:
                shutil.rmtree(path, ignore_errors=True)
            if self.keep:
                print("lab: files kept in %s" % self.tmp, flush=True)
            else:
                shutil.rmtree(self.tmp, ignore_errors=True)
        finally:
            for s, h in previous.items():
                signal.signal(s, h)
            for s, h in self._old_handlers.items():
                signal.signal(s, h)
            self._old_handlers = {}

    def stop_processes(self):
        """The first step of the teardown: every process this run started."""
        for p in reversed(self.procs):
            p.stop()
        self.procs = []

    # -- commands ---------------------------------------------------------

    def ns(self, short):
        """The full namespace name of `short`."""
        return self.prefix + short

    def wrap(self, args, ns=None):
        """The command line that runs `args` in namespace `ns` (if given)."""
        return (["ip", "netns", "exec", self.ns(ns)] if ns else []) + [str(a) for a in args]

    def run(self, args, ns=None, check=True, timeout=30, input=None, env=None):
        """Runs a command (in namespace `ns` when given) and returns the
        CompletedProcess; check=True turns a non-zero exit into self.Error."""
        full = self.wrap(args, ns)
        try:
            r = subprocess.run(full, capture_output=True, text=True, timeout=timeout, input=input,
                               errors="replace", env=env)
        except subprocess.TimeoutExpired as e:
            raise self.Error("timed out after %ss: %s" % (timeout, _fmt(full))) from e
        if check and r.returncode != 0:
            raise self.Error("exit status %d: %s\n%s%s" % (r.returncode, _fmt(full), r.stdout, r.stderr))
        return r

    def spawn(self, name, args, ns=None, stdin=False):
        """Starts a long-running process; the teardown stops it."""
        full = self.wrap(args, ns)
        p = Proc(name, full, os.path.join(self.tmp, name + ".log"), stdin=stdin)
        self.procs.append(p)
        return p

    def forget(self, proc):
        """Removes a process the test stopped itself from the teardown list."""
        if proc in self.procs:
            self.procs.remove(proc)

    # -- topology ---------------------------------------------------------

    def add_ns(self, short):
        """Creates a namespace with IPv6 off (so that the kernel sends no
        router solicitations, DAD or MLD on our links: every frame on a link
        comes from what the test runs) and loopback up."""
        name = self.ns(short)
        self.run(["ip", "netns", "add", name])
        self.namespaces.append(name)
        self.run(["sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1",
                  "net.ipv6.conf.default.disable_ipv6=1"], ns=short)
        self.run(["ip", "link", "set", "lo", "up"], ns=short)
        return name

    def veth(self, ns_a, name_a, ns_b, name_b):
        """A veth pair, one end in each namespace, both up, checksum offload
        off (otherwise veth passes partial checksums that an af_packet or
        pcap reader sees as wrong)."""
        self.run(["ip", "link", "add", name_a, "netns", self.ns(ns_a), "type", "veth",
                  "peer", "name", name_b, "netns", self.ns(ns_b)])
        for ns, dev in ((ns_a, name_a), (ns_b, name_b)):
            self.run(["ethtool", "-K", dev, "rx", "off", "tx", "off"], ns=ns)
            self.run(["ip", "link", "set", dev, "up"], ns=ns)

    def bridge(self, ns, name, ports):
        # No multicast snooping: with it the bridge joins 224.0.0.106 and
        # sends IGMP reports onto its ports.
        self.run(["ip", "link", "add", name, "type", "bridge", "stp_state", "0",
                  "forward_delay", "0", "mcast_snooping", "0"], ns=ns)
        for port in ports:
            self.run(["ip", "link", "set", port, "master", name], ns=ns)
        self.run(["ip", "link", "set", name, "up"], ns=ns)

    def mac(self, ns, dev):
        r = self.run(["cat", "/sys/class/net/%s/address" % dev], ns=ns)
        return r.stdout.strip()


def require_root_and_tools(tools):
    """Returns a list of problems (empty: fine). The lab test fails rather
    than skips when one is found."""
    problems = []
    if os.geteuid() != 0:
        problems.append("not running as root (network namespaces need it)")
    for t in tools:
        if shutil.which(t) is None and not os.path.exists(t):
            problems.append("%s not found (scripts/install-deps.sh installs it)" % t)
    return problems


def stderr(msg):
    print(msg, file=sys.stderr, flush=True)


def wait_for(predicate, timeout, step=0.2):
    """Calls predicate() every `step` seconds until it returns something
    true or `timeout` seconds passed; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        v = predicate()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(step)
