// keyway run: the gateway daemon; keyway ctl: its local control client.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "control/cli/commands.h"
#include "control/daemon/ctl.h"
#include "control/daemon/daemon.h"

namespace keyway::cli {
namespace {

constexpr const char* kRunUsage =
    "usage: keyway run -c CONFIG [--ctl SOCKET] [--pki-store DIR] [--debug-isakmp]\n"
    "                  [--debug-ikev2] [--idle-sleep US] [-- EAL-ARGS...]\n"
    "\n"
    "Runs the gateway: the configuration's `dataplane port` interfaces are\n"
    "DPDK ports, each with a kernel TAP (kw-<interface>) for ARP, ICMP and IKE\n"
    "to the router's own addresses; tunnels and loopbacks get TAPs too. The\n"
    "main lcore is the control thread, every other lcore a data-plane worker\n"
    "(net_af_packet: pass qpairs=N for N workers; see control/daemon/README.md).\n"
    "Prints 'keyway: ready' when forwarding; SIGINT or SIGTERM stops it and\n"
    "prints the final counters.\n"
    "\n"
    "  -c CONFIG        IOS-style configuration (see `keyway check`)\n"
    "  --ctl SOCKET     control socket (default /run/keyway/HOSTNAME.sock)\n"
    "  --pki-store DIR  certificates for IKE (default $KEYWAY_PKI_STORE, else\n"
    "                   /var/lib/keyway/pki; see `keyway pki`)\n"
    "  --debug-isakmp   `debug crypto isakmp` (IKEv1, with `debug crypto pki\n"
    "                   validation`) from the start\n"
    "  --debug-ikev2    `debug crypto ikev2` from the start (keyway ctl ... debug\n"
    "                   crypto isakmp|ikev2 / undebug all toggle them at run time)\n"
    "  --idle-sleep US  sleep US microseconds between idle polls (labs sharing\n"
    "                   cores); default 0: poll continuously\n"
    "  EAL-ARGS         passed to DPDK unchanged, e.g.\n"
    "                   -l 0,1 --no-huge -m 512 --file-prefix r1\n"
    "                   --vdev net_af_packet0,iface=eth1 -a 0000:01:00.0\n"
    "                   default: -l 0,1 --no-huge -m 512 --no-pci --no-telemetry\n"
    "                   --log-level=*:warning\n"
    "\n"
    "Exit status: 0 clean shutdown, 2 configuration or start-up error.\n";

constexpr const char* kCtlUsage =
    "usage: keyway ctl [--ctl SOCKET | -n HOSTNAME] COMMAND...\n"
    "\n"
    "Asks a running `keyway run`. Commands:\n"
    "  show counters [--json]           ports, worker and ESP drop counters, tunnels\n"
    "  show crypto ipsec sa [--json]    SAs per tunnel with packet and byte counts\n"
    "  show crypto isakmp sa [detail] [--json]    IKEv1 ISAKMP SAs, as IOS shows them\n"
    "  show crypto ikev2 sa [detailed] [--json]   IKEv2 SAs, as IOS shows them\n"
    "  show crypto ikev2 profile        IKEv2 profiles, in the order IOS lists them\n"
    "  clear crypto isakmp | clear crypto session   delete every ISAKMP SA and its\n"
    "                                   IPsec SAs (peers are told); session: IKEv2 too\n"
    "  clear crypto ikev2 sa            delete every IKEv2 SA (peers are told)\n"
    "  [no] debug crypto isakmp | [no] debug crypto ikev2 | undebug all\n"
    "                                   IOS-style IKE debug lines on or off\n"
    "  show ip route                    the routing table the data plane uses\n"
    "  show arp                         neighbours learned from the kernel\n"
    "  [no] ip route PREFIX MASK {NEXTHOP|INTERFACE}   add or remove a static route\n"
    "                                   at run time (data plane and kernel)\n"
    "  clear crypto sa                  delete every SA (manual SAs stay deleted:\n"
    "                                   tunnels drop their traffic, fail closed)\n"
    "\n"
    "The socket defaults to /run/keyway/HOSTNAME.sock (-n HOSTNAME) and\n"
    "otherwise must be named with --ctl. Exit status 0 success, 1 the daemon\n"
    "refused the command, 2 bad usage or no daemon.\n";

}  // namespace

int cmd_run(int argc, char** argv) {
  daemon::RunOptions o;
  int i = 1;
  for (; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* what) -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "keyway run: %s needs %s\n", a.c_str(), what);
        return nullptr;
      }
      return argv[++i];
    };
    if (a == "--") {
      ++i;
      break;
    }
    if (a == "-h" || a == "--help") {
      std::fputs(kRunUsage, stdout);
      return 0;
    }
    if (a == "-c" || a == "--config") {
      const char* v = value("a file");
      if (!v) return 2;
      o.config_path = v;
    } else if (a == "--ctl") {
      const char* v = value("a socket path");
      if (!v) return 2;
      o.ctl_path = v;
    } else if (a == "--pki-store") {
      const char* v = value("a directory");
      if (!v) return 2;
      o.pki_store = v;
    } else if (a == "--debug-ikev2") {
      o.debug_ikev2 = true;
    } else if (a == "--debug-isakmp") {
      o.debug_isakmp = true;
    } else if (a == "--idle-sleep") {
      const char* v = value("microseconds");
      if (!v) return 2;
      char* end = nullptr;
      const unsigned long us = std::strtoul(v, &end, 10);
      if (*v == '\0' || *end != '\0' || us > 100000) {
        std::fprintf(stderr, "keyway run: --idle-sleep wants 0..100000 microseconds, got '%s'\n", v);
        return 2;
      }
      o.idle_sleep_us = static_cast<uint32_t>(us);
    } else {
      std::fprintf(stderr, "keyway run: unknown option '%s' (EAL arguments go after --)\n\n%s",
                   a.c_str(), kRunUsage);
      return 2;
    }
  }
  for (; i < argc; ++i) o.eal_args.emplace_back(argv[i]);
  if (o.config_path.empty()) {
    std::fprintf(stderr, "keyway run: -c CONFIG is required\n\n%s", kRunUsage);
    return 2;
  }
  if (o.eal_args.empty())
    o.eal_args = {"-l", "0,1", "--no-huge", "-m", "512", "--no-pci", "--no-telemetry",
                  "--log-level=*:warning"};
  return daemon::run(o);
}

int cmd_ctl(int argc, char** argv) {
  std::string path;
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::fputs(kCtlUsage, stdout);
      return 0;
    }
    if ((a == "--ctl" || a == "-n") && i + 1 < argc) {
      path = a == "--ctl" ? argv[++i] : std::string(daemon::kDefaultCtlDir) + "/" + argv[++i] + ".sock";
      continue;
    }
    break;  // "--json" and the like belong to the command
  }
  if (i == argc) {
    std::fputs(kCtlUsage, stderr);
    return 2;
  }
  if (path.empty()) {
    std::fprintf(stderr, "keyway ctl: name the daemon with --ctl SOCKET or -n HOSTNAME\n");
    return 2;
  }
  std::string request;
  for (; i < argc; ++i) request += std::string(request.empty() ? "" : " ") + argv[i];
  daemon::CtlResponse r;
  std::string err;
  if (!daemon::ctl_request(path, request, &r, &err)) {
    std::fprintf(stderr, "keyway ctl: %s\n", err.c_str());
    return 2;
  }
  std::fputs(r.text.c_str(), r.ok ? stdout : stderr);
  return r.ok ? 0 : 1;
}

}  // namespace keyway::cli
