"""strongSwan (charon + swanctl) as a real IKE/ESP peer for keyway's tests.

The pieces, from the bottom up:

  Lab          owns everything one test run creates: network namespaces
               (named `kwswan-<pid>-<short>`), veth pairs, charon instances,
               captures, a temporary directory. Use it as a context manager:
               leaving it (normally, by an exception, Ctrl-C, or the SIGTERM
               meson sends on a timeout) stops every process by its pid and
               deletes every namespace. `Lab.run(args, ns=...)` runs a command.
  Charon       one charon daemon in one namespace, with its own directory:
                 DIR/strongswan.conf   explicit plugin list, kernel-libipsec
                                       before kernel-netlink, vici socket
                                       DIR/charon.vici, filelog DIR/charon.log
                                       at ike=4 chd=4 knl=1 (the ESP keys)
                 DIR/run/              bind-mounted on /run for this charon
                                       only (charon hard-codes
                                       /run/charon.pid), via unshare -m
                 DIR/swanctl/          SWANCTL_DIR: swanctl.conf generated
                                       from Conn/Child/Psk objects, and
                                       x509/ x509ca/ private/ folders
               start(), stop(), load_all(), initiate(child), terminate(),
               list_sas() (parsed `swanctl --list-sas --raw`), esp_keys()
               (the filelog parsed into EspKey objects), log_tail().
  Conn, Child, Psk
               swanctl.conf as Python values: IKE version, auth (psk or
               pubkey, both ends), proposals, addresses, IDs, certificates,
               children with esp_proposals and traffic selectors; `options`
               dicts pass any other swanctl.conf key through.
  EspKey       one ESP SA as charon installed it: SPI, direction (in/out as
               seen by that charon), outer addresses, strongSwan algorithm
               names, keys, and the keyway transform name;
               `spec(seq=...)` gives the `keyway esp --sa` SPEC.
  Capture      tcpdump --immediate-mode -U on an interface in a namespace.

Facts about this platform baked in (Debian 12, strongSwan 5.9.8, a kernel
without CONFIG_INET_ESP): charon must use kernel-libipsec (ESP in user space
through a TUN device), which always UDP-encapsulates ESP on port 4500, even
without a NAT and with `encap = no`. So every EspKey has encap=True and
every capture of strongSwan's ESP is ESP-in-UDP (RFC 3948); the peer of a
strongSwan instance sees it as "behind NAT". Put "LAN" addresses on `lo`
(there are no dummy interfaces) and ping from them (`ping -I ADDR`).

Certificates: `keyway pki` (the lab CA, `KeywayPki` below), not
strongswan-pki. A keyway-vs-strongSwan test can then give keyway the CA
directory / store and strongSwan the same CA's PEM certificate
(CA/ca.pem), the issued certificate (CA/SERIAL.pem) and the key from the
enrolled store (PKCS#8 PEM): one CA, made once, trusted by both. Any other
PEM/DER files work with Charon.add_cert()/add_cacert()/add_key() too.

Packages: strongswan-charon (charon itself), strongswan-swanctl,
libcharon-extra-plugins (kernel-libipsec), strongswan-pki; tcpdump,
iproute2, ethtool. scripts/install-deps.sh installs them. Everything here
needs root. Run with Debian's /usr/bin/python3 (the tests use python3-scapy,
which is installed for that interpreter only); this module itself needs only
the standard library.
"""

import atexit
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lab"))
import labnet  # noqa: E402  (namespaces, veths, processes, teardown)

CHARON = "/usr/lib/ipsec/charon"
SWANCTL = "swanctl"

# The tools a strongSwan test needs; see missing_tools().
REQUIRED_TOOLS = [CHARON, SWANCTL, "ip", "unshare", "mount", "tcpdump", "ethtool", "ping"]

# charon's plugins, in load order. kernel-libipsec must come before
# kernel-netlink so that it provides the IPsec (SA/policy) interface while
# kernel-netlink still provides routes and addresses.
CHARON_PLUGINS = ("random nonce x509 revocation constraints pubkey pkcs1 pkcs8 pem openssl gmp "
                  "aes sha1 sha2 hmac gcm kdf kernel-libipsec kernel-netlink socket-default "
                  "vici updown")
SWANCTL_PLUGINS = "random nonce x509 revocation constraints pubkey pkcs1 pkcs8 pem openssl gmp"


class SwanError(labnet.LabError):
    """A harness step failed; the message names the command and its output."""


def missing_tools(extra=()):
    """Returns a list of problems (empty: fine): not root, or a tool missing.
    Tests fail, not skip, on any of them."""
    problems = []
    if os.geteuid() != 0:
        problems.append("not running as root (namespaces and charon need it)")
    for t in list(REQUIRED_TOOLS) + list(extra):
        if (os.path.sep in t and not os.access(t, os.X_OK)) or \
                (os.path.sep not in t and shutil.which(t) is None):
            problems.append("%s not found (scripts/install-deps.sh installs it)" % t)
    return problems


def _fmt(args):
    return " ".join(str(a) for a in args)


# --------------------------------------------------------------------------
# Processes we started, stopped at exit whatever happens.

_live = []


def _stop_pid(popen, timeout=5.0, sig=signal.SIGTERM):
    if popen.poll() is None:
        try:
            os.kill(popen.pid, sig)
        except ProcessLookupError:
            pass
        try:
            popen.wait(timeout)
        except subprocess.TimeoutExpired:
            try:
                os.kill(popen.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            popen.wait(5)
    return popen.returncode


@atexit.register
def _stop_all():
    for p in reversed(_live):
        _stop_pid(p, timeout=3)
    _live.clear()


def _spawn(args, log_path):
    """Starts a process in its own session with stdout+stderr to log_path.
    The caller's args must exec down to the real program, so that the pid is
    that program's."""
    log = open(log_path, "w")
    p = subprocess.Popen([str(a) for a in args], stdout=log, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, start_new_session=True)
    log.close()
    _live.append(p)
    return p


def _forget(popen):
    if popen in _live:
        _live.remove(popen)


# --------------------------------------------------------------------------
# The lab: namespaces, links, commands (tests/lab/labnet.py), plus charons
# and captures.

class Lab(labnet.Lab):
    """Namespaces, veths, charons and captures of one run, and their
    teardown (labnet.Lab's, which stops the captures and charons first).
    `keep=True` keeps the temporary directory (logs, captures)."""

    Error = SwanError

    def __init__(self, keep=False, prefix="kwswan"):
        super().__init__(keep=keep, prefix=prefix)
        self.charons = []
        self.captures = []

    def stop_processes(self):
        for c in reversed(self.captures):
            c.stop()
        self.captures = []
        for c in reversed(self.charons):
            c.stop()
        self.charons = []
        super().stop_processes()

    # -- topology -----------------------------------------------------------

    def addr(self, ns, dev, cidr):
        self.run(["ip", "addr", "add", cidr, "dev", dev], ns=ns)

    def mac(self, ns, dev):
        return self.run(["cat", "/sys/class/net/%s/address" % dev], ns=ns).stdout.strip()

    # -- owned objects ------------------------------------------------------

    def charon(self, name, ns, **kwargs):
        """A Charon in namespace `ns` with its directory under the lab's."""
        c = Charon(name, os.path.join(self.tmp, name), netns=self.ns(ns), **kwargs)
        self.charons.append(c)
        return c

    def capture(self, ns, dev, name, bpf=None):
        """Starts tcpdump on `dev` in `ns`, writing LABDIR/NAME.pcap."""
        c = Capture(self, ns, dev, os.path.join(self.tmp, name + ".pcap"), bpf)
        self.captures.append(c)
        c.start()
        return c


class Capture:
    """tcpdump --immediate-mode -U -w FILE in a namespace. Without
    --immediate-mode a capture stopped right after short traffic can lose
    every packet."""

    def __init__(self, lab, ns, dev, path, bpf=None):
        self.lab, self.ns, self.dev, self.path, self.bpf = lab, ns, dev, path, bpf
        self.popen = None

    def start(self, timeout=5.0):
        args = ["tcpdump", "--immediate-mode", "-U", "-n", "-s", "0", "-i", self.dev,
                "-w", self.path]
        if self.bpf:
            args.append(self.bpf)
        self.popen = _spawn(self.lab.wrap(args, self.ns), self.path + ".log")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with open(self.path + ".log", errors="replace") as f:
                if "listening on" in f.read():
                    return
            if self.popen.poll() is not None:
                break
            time.sleep(0.05)
        raise SwanError("tcpdump on %s/%s did not start: %s" % (self.ns, self.dev, self.log()))

    def stop(self):
        """Stops tcpdump (SIGINT flushes the file) and returns the path."""
        if self.popen is not None:
            time.sleep(0.2)  # let the last frames reach the socket
            _stop_pid(self.popen, sig=signal.SIGINT)
            _forget(self.popen)
            self.popen = None
        return self.path

    def log(self):
        try:
            with open(self.path + ".log", errors="replace") as f:
                return f.read().strip()
        except OSError:
            return ""


# --------------------------------------------------------------------------
# swanctl.conf as Python values.

def _render(d, indent=0):
    """Renders a nested dict in strongSwan's settings syntax. Values: str,
    int, bool (yes/no), list/tuple (comma-joined), dict (a section). None
    values are left out."""
    pad = "  " * indent
    out = []
    for k, v in d.items():
        if v is None:
            continue
        if isinstance(v, dict):
            out.append("%s%s {" % (pad, k))
            out.extend(_render(v, indent + 1))
            out.append("%s}" % pad)
        else:
            if isinstance(v, bool):
                v = "yes" if v else "no"
            elif isinstance(v, (list, tuple)):
                v = ",".join(str(x) for x in v)
            v = str(v)
            if v == "" or any(c in v for c in " {}#\"=\n") :
                v = '"%s"' % v.replace("\\", "\\\\").replace('"', '\\"')
            out.append("%s%s = %s" % (pad, k, v))
    return out


@dataclass
class Child:
    """One `children { NAME { ... } }` entry.

    esp_proposals: strongSwan syntax, e.g. "aes128gcm16" or
    "aes128-sha256" (AES-CBC-128 + HMAC-SHA-256-128); several separated by
    commas. local_ts/remote_ts: CIDRs (comma-separated for several).
    """
    name: str
    local_ts: str = "dynamic"
    remote_ts: str = "dynamic"
    esp_proposals: str = "aes128gcm16"
    mode: str = "tunnel"
    start_action: str = "none"
    options: dict = field(default_factory=dict)  # any other key: value

    def to_dict(self):
        d = {"local_ts": self.local_ts, "remote_ts": self.remote_ts,
             "esp_proposals": self.esp_proposals, "mode": self.mode,
             "start_action": self.start_action}
        d.update(self.options)
        return d


@dataclass
class Conn:
    """One `connections { NAME { ... } }` entry.

    version: 2 (IKEv2) or 1 (IKEv1 Main Mode; aggressive=yes in options
    for Aggressive Mode). auth: "psk" or "pubkey", used for both ends unless
    local_auth/remote_auth say otherwise. local_id/remote_id: IKE IDs
    (strongSwan syntax: an address, an FQDN, "CN=..., O=..." for a DN, "%any";
    None leaves the default: the address for PSK, the certificate subject
    for pubkey). local_certs / remote_cacerts: file names already added to
    the instance with Charon.add_cert() / add_cacert().
    """
    name: str
    local_addrs: str
    remote_addrs: str
    version: int = 2
    proposals: str = "aes128-sha256-modp2048"
    auth: str = "psk"
    local_auth: str = None
    remote_auth: str = None
    local_id: str = None
    remote_id: str = None
    local_certs: tuple = ()
    remote_cacerts: tuple = ()
    children: list = field(default_factory=list)
    options: dict = field(default_factory=dict)         # connection-level keys
    local_options: dict = field(default_factory=dict)   # keys in local {}
    remote_options: dict = field(default_factory=dict)  # keys in remote {}

    def to_dict(self):
        local = {"auth": self.local_auth or self.auth, "id": self.local_id,
                 "certs": list(self.local_certs) or None}
        local.update(self.local_options)
        remote = {"auth": self.remote_auth or self.auth, "id": self.remote_id,
                  "cacerts": list(self.remote_cacerts) or None}
        remote.update(self.remote_options)
        d = {"version": self.version, "local_addrs": self.local_addrs,
             "remote_addrs": self.remote_addrs, "proposals": self.proposals,
             "local": local, "remote": remote,
             "children": {c.name: c.to_dict() for c in self.children}}
        d.update(self.options)
        return d


@dataclass
class Psk:
    """An IKE pre-shared key (`secrets { ike-N { ... } }`) for the given IDs
    (none: any peer)."""
    secret: str
    ids: tuple = ()


def swanctl_conf(conns, psks=()):
    """The text of a swanctl.conf."""
    secrets = {}
    for i, p in enumerate(psks):
        s = {"id-%d" % (j + 1): ident for j, ident in enumerate(p.ids)}
        s["secret"] = p.secret
        secrets["ike-%d" % (i + 1)] = s
    top = {"connections": {c.name: c.to_dict() for c in conns}, "secrets": secrets}
    return "\n".join(_render(top)) + "\n"


# --------------------------------------------------------------------------
# What charon reports.

# strongSwan algorithm names (as its log prints them) and key lengths ->
# keyway SPEC transform names.
_KEYWAY_TRANSFORMS = {
    ("AES_GCM_16", 20, None): "aes128gcm",
    ("AES_GCM_16", 36, None): "aes256gcm",
    ("AES_CBC", 16, "HMAC_SHA2_256_128"): "aes128cbc-sha256",
    ("AES_CBC", 32, "HMAC_SHA2_256_128"): "aes256cbc-sha256",
    ("3DES_CBC", 24, "HMAC_SHA1_96"): "3des-sha1",
}


@dataclass
class EspKey:
    """One ESP SA charon installed, from its log.

    direction is as seen by the charon whose log it came from: "in" (it
    decrypts) or "out" (it encrypts); src/dst are the outer addresses the
    packets carry. enc_key is the whole key material: for GCM the key
    followed by the 4-byte salt (RFC 4106), as keyway's key= wants.
    transform is keyway's name, None when keyway has no such transform.
    child_initiator tells whether this charon initiated the exchange that
    created the CHILD_SA (then "out" uses the initiator keys)."""
    spi: int
    direction: str
    src: str
    dst: str
    encr_alg: str
    integ_alg: str
    enc_key: bytes
    integ_key: bytes
    transform: str
    ike_sa: str            # "<name>|<unique id>", the IKE_SA it belongs to
    child: str = None      # CHILD_SA name, once the "established" line is seen
    child_id: int = None   # CHILD_SA unique id ({N})
    child_initiator: bool = None
    encap: bool = True     # kernel-libipsec: always ESP in UDP 4500

    def spec(self, seq=None, extra=()):
        """The `keyway esp --sa` SPEC of this SA. seq: for encrypt, the last
        sequence number already sent; for decrypt, the highest received."""
        if self.transform is None:
            raise SwanError("keyway has no transform for %s/%s with a %d-byte key"
                            % (self.encr_alg, self.integ_alg, len(self.enc_key)))
        f = ["spi=0x%08x" % self.spi, "transform=" + self.transform,
             "key=" + self.enc_key.hex()]
        if self.integ_key:
            f.append("auth-key=" + self.integ_key.hex())
        f += ["src=" + self.src, "dst=" + self.dst]
        if self.encap:
            f.append("encap=udp")
        if seq is not None:
            f.append("seq=%d" % seq)
        f += list(extra)
        return ",".join(f)


# A filelog line: "HH:MM:SS NN[GRP] <name|id> text" (the name part only
# once the IKE_SA exists; "<id>" or "<name|id>").
_LOG_LINE = re.compile(r"^\S+ (\d+)\[(\w+)\] (?:<([^>]*)> )?(.*)$")
_KEY_LINE = re.compile(r"^(encryption|integrity) (initiator|responder) key => (\d+) bytes @ ")
_HEX_LINE = re.compile(r"^\s*(\d+): ((?:[0-9A-F]{2} ){1,16}) ")
_USING = re.compile(r"^\s*using (\S+) for (encryption|integrity)$")
_MSG = re.compile(r"^(generating|parsed) (\S+) (request|response) (\d+) ")
_ADDING = re.compile(r"^adding (inbound|outbound) ESP SA$")
_SPI = re.compile(r"^\s*SPI 0x([0-9a-f]{8}), src (\S+) dst (\S+)$")
_ESTABLISHED = re.compile(r"^CHILD_SA (\S+)\{(\d+)\} established with SPIs ([0-9a-f]{8})_i "
                          r"([0-9a-f]{8})_o")


def parse_esp_keys(log_text):
    """Parses a charon filelog (ike=4 and chd=4 or more, ike_name = yes)
    into EspKey objects in installation order.

    The keys come from keymat's "encryption|integrity initiator|responder
    key" dumps; "adding inbound|outbound ESP SA" + "SPI 0x..., src, dst" say
    where each is installed. Whether this charon initiated the CHILD_SA
    exchange (and so encrypts with the initiator keys) follows from the
    last message it handled on that IKE_SA before the keys: an initiator
    derives them after parsing the response, a responder after parsing the
    request (IKEv2 IKE_AUTH / CREATE_CHILD_SA; IKEv1 Quick Mode, where the
    responder installs after the third message, a request)."""
    ike_state = {}   # ike key -> {"last_msg": (dir, kind), "sets": [keyset...]}
    keys = []
    pending_add = {}  # ike key -> (direction) awaiting its SPI line
    cur_dump = None   # (ike, kind, role, length, bytearray)
    by_spi = {}

    def state(ike):
        return ike_state.setdefault(ike, {"last_msg": None, "sets": [], "algs": {}})

    lines = log_text.splitlines()
    for raw in lines:
        m = _LOG_LINE.match(raw)
        if not m:
            continue
        _, group, ike_name, text = m.groups()
        ike = ike_name or ""
        if cur_dump is not None:
            h = _HEX_LINE.match(text)
            if h and cur_dump[0] == ike:
                cur_dump[4].extend(bytes.fromhex(h.group(2).replace(" ", "")))
                if len(cur_dump[4]) >= cur_dump[3]:
                    _, kind, role, length, buf = cur_dump
                    st = state(ike)
                    ks = st["sets"][-1]
                    ks[(kind, role)] = bytes(buf[:length])
                    cur_dump = None
                continue
            cur_dump = None
        st = state(ike)
        mm = _MSG.match(text)
        if mm:
            st["last_msg"] = (mm.group(1), mm.group(3))
            continue
        u = _USING.match(text)
        if u:
            st["algs"][u.group(2)] = u.group(1)
            continue
        k = _KEY_LINE.match(text)
        if k:
            kind, role, length = k.group(1), k.group(2), int(k.group(3))
            if kind == "encryption" and role == "initiator":
                # The first dump of a new derivation: a new key set.
                last = st["last_msg"]
                initiator = bool(last and last[0] == "parsed" and last[1] == "response")
                st["sets"].append({"initiator": initiator,
                                   "encr": st["algs"].get("encryption"),
                                   "integ": st["algs"].get("integrity"),
                                   "in_used": False, "out_used": False})
                st["algs"] = {}
            elif not st["sets"]:
                continue
            if kind == "integrity" and role == "initiator" and \
                    ("integrity", "initiator") in st["sets"][-1]:
                # An integrity-only derivation (no encryption): not for ESP.
                continue
            cur_dump = (ike, kind, role, length, bytearray())
            continue
        a = _ADDING.match(text)
        if a:
            pending_add[ike] = a.group(1)
            continue
        s = _SPI.match(text)
        if s and ike in pending_add:
            direction = "in" if pending_add.pop(ike) == "inbound" else "out"
            used = "in_used" if direction == "in" else "out_used"
            # inbound is installed right after derivation; outbound may be
            # deferred (IKEv2 rekeying), so it takes the oldest unused set.
            cands = [ks for ks in st["sets"] if not ks[used]]
            if not cands:
                continue
            ks = cands[-1] if direction == "in" else cands[0]
            ks[used] = True
            # Traffic from the child initiator uses the initiator keys.
            from_initiator = (direction == "out") == ks["initiator"]
            role = "initiator" if from_initiator else "responder"
            enc = ks.get(("encryption", role), b"")
            integ = ks.get(("integrity", role), b"")
            encr_alg, integ_alg = ks["encr"], ks["integ"]
            transform = _KEYWAY_TRANSFORMS.get((encr_alg, len(enc), integ_alg))
            key = EspKey(spi=int(s.group(1), 16), direction=direction, src=s.group(2),
                         dst=s.group(3), encr_alg=encr_alg, integ_alg=integ_alg,
                         enc_key=enc, integ_key=integ, transform=transform, ike_sa=ike,
                         child_initiator=ks["initiator"])
            keys.append(key)
            by_spi[(ike, key.spi)] = key
            continue
        e = _ESTABLISHED.match(text)
        if e:
            for spi_hex in (e.group(3), e.group(4)):
                key = by_spi.get((ike, int(spi_hex, 16)))
                if key is not None and key.child is None:
                    key.child, key.child_id = e.group(1), int(e.group(2))
    return keys


def parse_vici_raw(text):
    """Parses swanctl's --raw output (vici messages as
    `name {key=value list=[a b] section {..}}`) into a list of dicts, one per
    message/event."""
    tokens = re.findall(r"\{|\}|\[|\]|[^\s{}\[\]=]+=(?:[^\s{}\[\]]*)|[^\s{}\[\]]+", text)
    out = []
    i = 0

    def section(i):
        d = {}
        while i < len(tokens):
            t = tokens[i]
            if t == "}":
                return d, i + 1
            if "=" in t and not t.endswith("="):
                k, v = t.split("=", 1)
                d[k] = v
                i += 1
            elif t.endswith("=") and i + 1 < len(tokens) and tokens[i + 1] == "[":
                k = t[:-1]
                i += 2
                items = []
                while i < len(tokens) and tokens[i] != "]":
                    items.append(tokens[i])
                    i += 1
                d[k] = items
                i += 1
            elif t.endswith("="):
                d[t[:-1]] = ""
                i += 1
            elif i + 1 < len(tokens) and tokens[i + 1] == "{":
                sub, i = section(i + 2)
                d[t] = sub
            else:
                i += 1
        return d, i

    while i < len(tokens):
        if i + 1 < len(tokens) and tokens[i + 1] == "{":
            d, i = section(i + 2)
            out.append(d)
        else:
            i += 1
    return out


@dataclass
class ChildSaInfo:
    name: str
    uniqueid: int
    state: str
    spi_in: int
    spi_out: int
    encr_alg: str
    integ_alg: str
    bytes_in: int
    packets_in: int
    bytes_out: int
    packets_out: int
    local_ts: list
    remote_ts: list
    encap: bool
    raw: dict


@dataclass
class IkeSaInfo:
    name: str
    uniqueid: int
    version: int
    state: str
    local_host: str
    remote_host: str
    initiator: bool
    children: list
    raw: dict


def _int(d, k, base=10):
    v = d.get(k)
    try:
        return int(v, base) if v is not None else None
    except ValueError:
        return None


def parse_list_sas(text):
    """`swanctl --list-sas --raw` -> [IkeSaInfo]."""
    sas = []
    for msg in parse_vici_raw(text):
        for name, ike in msg.items():
            if not isinstance(ike, dict):
                continue
            children = []
            for cname, c in (ike.get("child-sas") or {}).items():
                if not isinstance(c, dict):
                    continue
                children.append(ChildSaInfo(
                    name=c.get("name", cname), uniqueid=_int(c, "uniqueid"),
                    state=c.get("state"), spi_in=_int(c, "spi-in", 16),
                    spi_out=_int(c, "spi-out", 16), encr_alg=c.get("encr-alg"),
                    integ_alg=c.get("integ-alg"), bytes_in=_int(c, "bytes-in"),
                    packets_in=_int(c, "packets-in"), bytes_out=_int(c, "bytes-out"),
                    packets_out=_int(c, "packets-out"), local_ts=c.get("local-ts", []),
                    remote_ts=c.get("remote-ts", []), encap=c.get("encap") == "yes", raw=c))
            sas.append(IkeSaInfo(
                name=name, uniqueid=_int(ike, "uniqueid"), version=_int(ike, "version"),
                state=ike.get("state"), local_host=ike.get("local-host"),
                remote_host=ike.get("remote-host"), initiator=ike.get("initiator") == "yes",
                children=children, raw=ike))
    return sas


# --------------------------------------------------------------------------
# charon.

class Charon:
    """One charon in a network namespace, configured from Python.

        c = lab.charon("r1", "r1")             # or Charon(name, dir, netns=...)
        c.add_conn(Conn("to-r2", "192.168.0.1", "192.168.0.2",
                        children=[Child("lan", "192.168.100.0/24", "192.168.200.0/24")]))
        c.add_psk(Psk("secret", ("192.168.0.1", "192.168.0.2")))
        c.start(); c.load_all(); c.initiate("lan")
        c.list_sas(); c.esp_keys(); c.stop()

    log_levels: the filelog levels (default ike=4 chd=4 knl=1, the rest 1).
    charon_options: extra keys for the `charon { }` section (e.g.
    {"signature_authentication": False}); plugin_options: extra keys per
    plugin, {"vici": {...}}.
    """

    def __init__(self, name, workdir, netns=None, log_levels=None, charon_options=None,
                 plugin_options=None, plugins=CHARON_PLUGINS):
        self.name = name
        self.dir = os.path.abspath(workdir)
        self.netns = netns
        self.conns = []
        self.psks = []
        self.log_levels = {"default": 1, "ike": 4, "chd": 4, "knl": 1, "cfg": 2, "net": 1,
                           "enc": 1}
        self.log_levels.update(log_levels or {})
        self.charon_options = dict(charon_options or {})
        self.plugin_options = dict(plugin_options or {})
        self.plugins = plugins
        self.popen = None
        self.swanctl_dir = os.path.join(self.dir, "swanctl")
        self.conf_path = os.path.join(self.dir, "strongswan.conf")
        self.log_path = os.path.join(self.dir, "charon.log")
        self.stdout_path = os.path.join(self.dir, "charon.stdout")
        self.vici = os.path.join(self.dir, "charon.vici")
        for sub in ("run", "swanctl/x509", "swanctl/x509ca", "swanctl/private",
                    "swanctl/x509crl"):
            os.makedirs(os.path.join(self.dir, sub), exist_ok=True)

    # -- configuration --------------------------------------------------------

    def add_conn(self, conn):
        self.conns.append(conn)
        return conn

    def add_psk(self, psk):
        self.psks.append(psk)
        return psk

    def _copy(self, path, sub, name):
        name = name or os.path.basename(path)
        shutil.copyfile(path, os.path.join(self.swanctl_dir, sub, name))
        return name

    def add_cert(self, path, name=None):
        """Copies an end-entity certificate (PEM or DER) into x509/; returns
        the name to put in Conn.local_certs."""
        return self._copy(path, "x509", name)

    def add_cacert(self, path, name=None):
        """Copies a CA certificate into x509ca/; returns the name for
        Conn.remote_cacerts."""
        return self._copy(path, "x509ca", name)

    def add_key(self, path, name=None):
        """Copies a private key (PEM: PKCS#1, PKCS#8, EC) into private/."""
        name = self._copy(path, "private", name)
        os.chmod(os.path.join(self.swanctl_dir, "private", name), 0o600)
        return name

    def add_crl(self, path, name=None):
        return self._copy(path, "x509crl", name)

    def strongswan_conf(self):
        filelog = {"path": self.log_path, "time_format": "%H:%M:%S", "ike_name": True,
                   "append": False, "flush_line": True}
        filelog.update(self.log_levels)
        plugins = {"vici": {"socket": "unix://" + self.vici}}
        for p, opts in self.plugin_options.items():
            plugins.setdefault(p, {}).update(opts)
        charon = {"load_modular": False, "load": self.plugins,
                  "filelog": {"charonlog": filelog},
                  # no syslog daemon here; keep everything in the filelog
                  "syslog": {"daemon": {"default": -1}, "auth": {"default": -1}},
                  "plugins": plugins}
        charon.update(self.charon_options)
        top = {"charon": charon,
               "swanctl": {"load": SWANCTL_PLUGINS, "socket": "unix://" + self.vici}}
        return "\n".join(_render(top)) + "\n"

    def write_config(self):
        """Writes strongswan.conf and swanctl.conf (start() and load_all()
        call it)."""
        with open(self.conf_path, "w") as f:
            f.write(self.strongswan_conf())
        with open(os.path.join(self.swanctl_dir, "swanctl.conf"), "w") as f:
            f.write(swanctl_conf(self.conns, self.psks))

    # -- lifetime ------------------------------------------------------------

    def env(self):
        e = dict(os.environ)
        e["STRONGSWAN_CONF"] = self.conf_path
        e["SWANCTL_DIR"] = self.swanctl_dir
        return e

    def start(self, timeout=15.0):
        """Starts charon in its namespace with its own /run, and waits until
        the vici socket answers."""
        if self.popen is not None and self.popen.poll() is None:
            raise SwanError("%s: charon already running" % self.name)
        self.write_config()
        for f in (self.vici, self.log_path):
            if os.path.exists(f):
                os.unlink(f)
        shell = ("mount --bind %s /run && exec env STRONGSWAN_CONF=%s %s"
                 % (_q(os.path.join(self.dir, "run")), _q(self.conf_path), CHARON))
        args = ["unshare", "-m", "--propagation", "private", "sh", "-c", shell]
        if self.netns:
            args = ["ip", "netns", "exec", self.netns] + args
        self.popen = _spawn(args, self.stdout_path)
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise SwanError("%s: charon exited with status %s\n%s" % (
                    self.name, self.popen.returncode, self.diagnostics()))
            if os.path.exists(self.vici):
                last = self.swanctl("--stats", check=False, timeout=5)
                if last.returncode == 0:
                    return self
            time.sleep(0.1)
        raise SwanError("%s: vici socket did not answer in %ss\n%s%s" % (
            self.name, timeout, last.stderr if last else "", self.diagnostics()))

    def stop(self, timeout=5.0):
        """Stops charon by its pid (SIGTERM, SIGKILL after timeout); returns
        its exit status. Safe to call twice."""
        if self.popen is None:
            return None
        rc = _stop_pid(self.popen, timeout)
        _forget(self.popen)
        self.popen = None
        return rc

    @property
    def pid(self):
        return self.popen.pid if self.popen else None

    def running(self):
        return self.popen is not None and self.popen.poll() is None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    # -- swanctl --------------------------------------------------------------

    def swanctl(self, *args, check=True, timeout=30):
        """Runs swanctl against this charon (from the caller's namespace;
        the vici socket is a file in the instance directory)."""
        full = [SWANCTL] + [str(a) for a in args] + ["--uri", "unix://" + self.vici]
        try:
            r = subprocess.run(full, capture_output=True, text=True, timeout=timeout,
                               env=self.env(), errors="replace")
        except subprocess.TimeoutExpired as e:
            raise SwanError("%s: timed out after %ss: %s" % (self.name, timeout, _fmt(full))) from e
        if check and r.returncode != 0:
            raise SwanError("%s: exit status %d: %s\n%s%s" % (
                self.name, r.returncode, _fmt(full), r.stdout, r.stderr))
        return r

    def load_all(self):
        """(Re)writes the configuration and loads credentials and connections
        (`swanctl --load-all`)."""
        self.write_config()
        return self.swanctl("--load-all", "--noprompt")

    def initiate(self, child, ike=None, timeout=30):
        """Initiates CHILD_SA `child` (and its IKE_SA if needed); waits until
        it is up or failed (swanctl's exit status; SwanError on failure)."""
        args = ["--initiate", "--child", child, "--timeout", str(int(timeout))]
        if ike:
            args += ["--ike", ike]
        return self.swanctl(*args, timeout=timeout + 10)

    def terminate(self, ike=None, child=None, timeout=15):
        args = ["--terminate", "--timeout", str(int(timeout))]
        if ike:
            args += ["--ike", ike]
        if child:
            args += ["--child", child]
        return self.swanctl(*args, timeout=timeout + 10, check=False)

    def rekey(self, ike=None, child=None):
        args = ["--rekey"]
        if ike:
            args += ["--ike", ike]
        if child:
            args += ["--child", child]
        return self.swanctl(*args)

    def list_sas(self):
        """The IKE_SAs and CHILD_SAs, parsed: [IkeSaInfo] with .children
        [ChildSaInfo] (SPIs, algorithms, byte/packet counters)."""
        return parse_list_sas(self.swanctl("--list-sas", "--raw").stdout)

    def child_sa(self, name):
        """The installed CHILD_SA named `name` (the newest), or None."""
        found = None
        for ike in self.list_sas():
            for c in ike.children:
                if c.name == name and c.state == "INSTALLED":
                    if found is None or c.uniqueid > found.uniqueid:
                        found = c
        return found

    # -- logs ---------------------------------------------------------------

    def log_text(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def log_tail(self, n=40, noise=True):
        """The last n lines of the filelog; noise=False leaves out the
        vici client connect/request/disconnect lines swanctl calls cause."""
        lines = self.log_text().splitlines()
        if not noise:
            lines = [l for l in lines if "[CFG] vici client" not in l]
        return "\n".join(lines[-n:])

    def esp_keys(self, child=None):
        """The ESP SAs charon installed, from its filelog: [EspKey] in
        installation order (optionally only those of CHILD_SA `child`)."""
        keys = parse_esp_keys(self.log_text())
        return [k for k in keys if child is None or k.child == child]

    def esp_key(self, child, direction):
        """The newest EspKey of CHILD_SA `child` in `direction` ("in"/"out")."""
        keys = [k for k in self.esp_keys(child) if k.direction == direction]
        if not keys:
            raise SwanError("%s: no %sbound ESP key for CHILD_SA %s in %s" % (
                self.name, direction, child, self.log_path))
        return keys[-1]

    def diagnostics(self, n=40):
        """Charon's stdout, its log tail and (when running) the SAs, for
        failure messages."""
        parts = ["--- %s: charon log (last %d lines of %s, vici chatter left out)"
                 % (self.name, n, self.log_path), self.log_tail(n, noise=False)]
        try:
            with open(self.stdout_path, errors="replace") as f:
                out = f.read().strip()
            if out:
                parts += ["--- %s: charon stdout/stderr" % self.name, out[-3000:]]
        except OSError:
            pass
        if self.running():
            r = self.swanctl("--list-sas", check=False, timeout=10)
            parts += ["--- %s: swanctl --list-sas" % self.name, (r.stdout + r.stderr).strip()]
        return "\n".join(parts)


def _q(s):
    return "'" + str(s).replace("'", "'\\''") + "'"


# --------------------------------------------------------------------------
# Certificates from keyway's lab CA.

class KeywayPki:
    """Certificates for both keyway and strongSwan from one `keyway pki`
    lab CA.

        pki = KeywayPki(keyway, workdir)
        ca = pki.ca("CA1", "CN=CA1,O=keyway,O=test")          # DIR with ca.pem
        cert, key = pki.enroll(ca, "r2", "R2", subject="CN=R2,O=keyway,O=test",
                               fqdn="r2.keyway.test", ip="192.168.0.2")
        charon.add_cacert(ca + "/ca.pem", "ca1.pem"); charon.add_cert(cert, "r2.pem")
        charon.add_key(key, "r2.key")

    enroll() uses a keyway store (DIR/stores/STORE) that keyway itself can
    use with --store; the certificate strongSwan gets is the lab CA's copy
    (CA/SERIAL.pem, PEM) and the key is the store's PKCS#8 PEM key."""

    def __init__(self, keyway, workdir):
        self.keyway = keyway
        self.dir = os.path.abspath(workdir)
        os.makedirs(self.dir, exist_ok=True)

    def _run(self, args):
        r = subprocess.run([self.keyway, "pki"] + [str(a) for a in args], capture_output=True,
                           text=True, timeout=60)
        if r.returncode != 0:
            raise SwanError("keyway pki %s: exit status %d\n%s%s" % (
                _fmt(args), r.returncode, r.stdout, r.stderr))
        return r

    def ca(self, name, subject=None, key="rsa2048", parent=None):
        """Creates a lab CA in DIR/NAME (a subordinate of the CA in directory
        `parent` if given); returns the directory (ca.pem there)."""
        d = os.path.join(self.dir, name)
        args = ["ca", "create", name, "--out", d, "--key", key]
        if subject:
            args += ["--subject", subject]
        if parent:
            args += ["--parent", parent]
        self._run(args)
        return d

    def enroll(self, ca_dir, store, trustpoint, subject=None, fqdn=None, ip=None, serial=None,
               key="rsa2048", own_key=False):
        """Enrolls trust-point `trustpoint` of store DIR/stores/STORE with
        the CA; returns (certificate PEM path, private key path)."""
        store_dir = os.path.join(self.dir, "stores", store)
        before = set(os.listdir(ca_dir))
        args = ["enroll", "--ca", ca_dir, "--trustpoint", trustpoint, "--store", store_dir,
                "--key", key]
        if subject:
            args += ["--subject", subject]
        if fqdn:
            args += ["--fqdn", fqdn]
        if ip:
            args += ["--ip", ip]
        if serial:
            args += ["--serial", serial]
        if own_key:
            args.append("--own-key")
        self._run(args)
        new = sorted(f for f in set(os.listdir(ca_dir)) - before
                     if f.endswith(".pem") and f not in ("ca.pem", "crl.pem"))
        if len(new) != 1:
            raise SwanError("keyway pki enroll: cannot tell the new certificate in %s: %s"
                            % (ca_dir, new))
        return os.path.join(ca_dir, new[0]), self.store_key(store_dir, trustpoint)

    @staticmethod
    def store_key(store_dir, trustpoint):
        """The private key file a store uses for `trustpoint`."""
        with open(os.path.join(store_dir, "index")) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 2 and parts[0] == "trustpoint" and parts[1] == trustpoint:
                    for p in parts[2:]:
                        if p.startswith("key="):
                            return os.path.join(store_dir, p[4:])
        return os.path.join(store_dir, "default.key")
