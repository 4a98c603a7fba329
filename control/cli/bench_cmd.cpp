// keyway bench: ESP throughput per core, outbound and inbound, against the
// raw intel-ipsec-mb ceiling measured in the same run.
#include <rte_eal.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "control/cli/bench_runtime.h"
#include "control/cli/commands.h"
#include "control/cli/flags.h"
#include "dataplane/bench/bench.h"
#include "dataplane/eal/eal.h"

namespace keyway::cli {
namespace {

constexpr const char* kUsage =
    "usage: keyway bench [--json] [--transform LIST] [--direction LIST] [--size LIST]\n"
    "                    [--repeat N] [--packets N] [--burst N] [-- EAL ARGS]\n"
    "       keyway bench --runtime ...   the worker loop itself (see --runtime --help)\n"
    "\n"
    "Measures the ESP engine on this core (the EAL main lcore) for each transform,\n"
    "direction and inner packet size, and the raw intel-ipsec-mb rate for the same\n"
    "work through every API the library offers (the fastest is the ceiling).\n"
    "Each number is the median of --repeat runs; min and max show the noise.\n"
    "\n"
    "  --transform LIST  comma-separated: aes128gcm,aes256gcm,aes128cbc-sha256,\n"
    "                    aes256cbc-sha256,3des-sha1 (default: all)\n"
    "  --direction LIST  outbound,inbound (default: both)\n"
    "  --size LIST       inner IPv4 packet bytes and/or imix (default: 64,512,1420,imix)\n"
    "                    imix = 7x64 : 4x576 : 1x1420\n"
    "  --repeat N        runs per measurement (default 5)\n"
    "  --packets N       packets per run (default 200000)\n"
    "  --burst N         packets per engine call (default 32)\n"
    "  --json            one JSON array, an object per measurement\n"
    "\n"
    "Gbps counts inner (plaintext) bytes. Inbound runs replay pre-encrypted packets,\n"
    "so their SA has the replay window off. cycles_per_packet are TSC cycles.\n";

int usage_error(const std::string& msg) {
  std::fprintf(stderr, "keyway bench: %s\n(see keyway bench --help)\n", msg.c_str());
  return 2;
}

std::string size_name(uint32_t size) { return size == dp::kImix ? "imix" : std::to_string(size); }

}  // namespace

int cmd_bench(int argc, char** argv) {
  for (int i = 1; i < argc && std::strcmp(argv[i], "--") != 0; ++i)
    if (!std::strcmp(argv[i], "--runtime")) return cmd_bench_runtime(argc, argv);
  Flags f({"--transform", "--direction", "--size", "--repeat", "--packets", "--burst"},
          {"--json", "--help"});
  std::string err;
  if (!f.parse(argc, argv, 1, err)) return usage_error(err);
  if (wants_help(f)) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  const bool json = f.has("--json");
  const std::vector<std::string> eal_args = f.after_dashdash();
  dp::BenchOptions opt;
  err = parse_bench_common(f, 20, dp::kImix, &opt);
  if (err.empty()) err = count_flag(f, "--packets", 1, 1000000000, &opt.packets);
  if (err.empty()) err = count_flag(f, "--burst", 1, 128, &opt.burst);
  if (!err.empty()) return usage_error(err);
  if (opt.transforms.empty())
    opt.transforms = {dp::Transform::kAes128Gcm, dp::Transform::kAes256Gcm,
                      dp::Transform::kAes128CbcSha256, dp::Transform::kAes256CbcSha256,
                      dp::Transform::kDes3CbcSha1};
  if (opt.directions.empty()) opt.directions = {dp::Direction::kOutbound, dp::Direction::kInbound};
  if (opt.sizes.empty()) opt.sizes = {64, 512, 1420, dp::kImix};

  if (!dp::eal_init(eal_args, &err)) {
    std::fprintf(stderr, "keyway bench: %s\n", err.c_str());
    return 2;
  }
  rte_mempool* pool = dp::make_pktmbuf_pool("bench_pool", 4095, &err);
  if (!pool) {
    std::fprintf(stderr, "keyway bench: %s\n", err.c_str());
    return 2;
  }

  dp::BenchEnv env;
  bool first = true;
  auto print = [&](const dp::BenchRow& r) {
    const char* dir = r.direction == dp::Direction::kOutbound ? "outbound" : "inbound";
    const std::string tname(dp::transform_info(r.transform).name);
    if (json) {
      std::printf("%s\n  {\"transform\": \"%s\", \"direction\": \"%s\", \"size\": %s, "
                  "\"mpps\": %.4f, \"mpps_min\": %.4f, \"mpps_max\": %.4f, \"gbps\": %.3f, "
                  "\"cycles_per_packet\": %.1f, \"ceiling_mpps\": %.4f, \"ceiling_gbps\": %.3f, "
                  "\"ceiling_method\": \"%s\", \"ratio\": %.3f, \"repeats\": %d}",
                  first ? "[" : ",", tname.c_str(), dir,
                  r.size == dp::kImix ? "\"imix\"" : std::to_string(r.size).c_str(), r.mpps.median,
                  r.mpps.min, r.mpps.max, r.gbps, r.cycles_per_packet, r.ceiling_mpps.median,
                  r.ceiling_gbps, r.ceiling_method.c_str(), r.ratio, opt.repeats);
    } else {
      if (first) {
        std::printf("keyway bench: one core, intel-ipsec-mb %s path, TSC %.2f GHz, %d runs of "
                    "%u packets, burst %u\n",
                    env.arch.c_str(), env.tsc_hz / 1e9, opt.repeats, opt.packets, opt.burst);
        std::printf("%-17s %-8s %5s %8s %17s %8s %8s %10s %-18s %6s\n", "transform", "dir", "size",
                    "Mpps", "(min..max)", "Gbps", "cyc/pkt", "ceil Gbps", "ceiling method",
                    "ratio");
      }
      char range[32];
      std::snprintf(range, sizeof range, "(%.2f..%.2f)", r.mpps.min, r.mpps.max);
      std::printf("%-17s %-8s %5s %8.3f %17s %8.2f %8.0f %10.2f %-18s %6.3f\n", tname.c_str(), dir,
                  size_name(r.size).c_str(), r.mpps.median, range, r.gbps, r.cycles_per_packet,
                  r.ceiling_gbps, r.ceiling_method.c_str(), r.ratio);
    }
    std::fflush(stdout);
    first = false;
  };
  auto rows = dp::run_bench(opt, pool, &env, print, &err);
  if (json) std::printf("%s\n", first ? "[]" : "\n]");
  if (!err.empty()) {
    std::fprintf(stderr, "keyway bench: %s\n", err.c_str());
    return 1;
  }
  if (!json) {
    std::printf("\nceiling methods (median Mpps):\n");
    for (const auto& r : rows) {
      std::printf("  %-17s %-8s %5s", std::string(dp::transform_info(r.transform).name).c_str(),
                  r.direction == dp::Direction::kOutbound ? "outbound" : "inbound",
                  size_name(r.size).c_str());
      for (const auto& [name, mpps] : r.methods) std::printf("  %s=%.3f", name.c_str(), mpps);
      std::printf("\n");
    }
  }
  rte_eal_cleanup();
  return 0;
}

}  // namespace keyway::cli
