// keyway: an IPsec gateway with a DPDK data plane. This is the command
// front end; each subcommand lives in its own file.
#include <cstdio>
#include <cstring>

#include "control/cli/commands.h"

namespace {

constexpr const char* kUsage =
    "usage: keyway COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  esp encrypt|decrypt --sa SPEC --in IN.pcap --out OUT.pcap\n"
    "                     ESP on pcap files (see `keyway esp --help`)\n"
    "  bench [--json] ... ESP throughput per core against the intel-ipsec-mb\n"
    "                     ceiling (see `keyway bench --help`)\n"
    "  bench-sa [--json] ... SA install latency and 10,000-SA churn on a worker\n"
    "                     lcore with traffic (see `keyway bench-sa --help`)\n"
    "  bench-ike [--json] [--seconds S] IKE_SA+child establishments per second,\n"
    "                     keyway vs keyway on one core (see `keyway bench-ike --help`)\n"
    "  run -c CONFIG [-- EAL-ARGS]\n"
    "                     the gateway daemon (see `keyway run --help`)\n"
    "  ctl COMMAND...     ask a running daemon: show counters, show crypto ipsec sa,\n"
    "                     clear crypto sa, ... (see `keyway ctl --help`)\n"
    "  check FILE...      load and validate configuration files\n"
    "  pki ...            lab CA, enrollment, import, CERTREQ and validation\n"
    "                     (see `keyway pki --help`)\n"
    "  show crypto pki certificates [--store DIR]\n"
    "                     the certificate store, newest enrollment first\n"
    "  version            print the version\n"
    "  help               this text\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const char* cmd = argv[1];
  if (!std::strcmp(cmd, "esp")) return keyway::cli::cmd_esp(argc - 1, argv + 1);
  if (!std::strcmp(cmd, "bench")) return keyway::cli::cmd_bench(argc - 1, argv + 1);
  if (!std::strcmp(cmd, "bench-sa")) return keyway::cli::cmd_bench_sa(argc - 1, argv + 1);
  if (!std::strcmp(cmd, "bench-ike")) return keyway::cli::cmd_bench_ike(argc - 1, argv + 1);
  if (!std::strcmp(cmd, "run")) return keyway::cli::cmd_run(argc - 1, argv + 1);
  if (!std::strcmp(cmd, "ctl")) return keyway::cli::cmd_ctl(argc - 1, argv + 1);
  if (!std::strcmp(cmd, "check")) return keyway::cli::cmd_check(argc - 1, argv + 1);
  if (!std::strcmp(cmd, "pki")) return keyway::cli::cmd_pki(argc - 1, argv + 1);
  if (!std::strcmp(cmd, "show")) return keyway::cli::cmd_show(argc - 1, argv + 1);
  if (!std::strcmp(cmd, "version") || !std::strcmp(cmd, "--version")) {
    std::puts("keyway " KEYWAY_VERSION);
    return 0;
  }
  if (!std::strcmp(cmd, "help") || !std::strcmp(cmd, "--help") || !std::strcmp(cmd, "-h")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  std::fprintf(stderr, "keyway: unknown command '%s'\n\n%s", cmd, kUsage);
  return 2;
}
