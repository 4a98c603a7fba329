// ESP throughput on one core: the engine's burst functions against the raw
// intel-ipsec-mb ceiling for the same algorithm and packet sizes, measured
// in the same run.
//
// Runs on the calling thread (the EAL main lcore). Not a test: it prints
// numbers; nothing here asserts.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "dataplane/api/sa_spec.h"

struct rte_mempool;

namespace keyway::dp {

inline constexpr uint32_t kImix = 0;  // size value meaning "IMIX"

// IMIX as 7:4:1 of these inner IPv4 packet sizes (the simple Internet mix,
// with 1420 as the large size so that the ESP packet fits a 1500 MTU).
inline constexpr uint32_t kImixSizes[12] = {64, 576, 64, 64, 576, 64, 1420, 64, 576, 64, 576, 64};

struct BenchOptions {
  std::vector<Transform> transforms;
  std::vector<Direction> directions;
  std::vector<uint32_t> sizes;  // inner packet bytes; kImix for IMIX
  int repeats = 5;              // each number is the median of this many runs
  uint32_t packets = 200000;    // packets per run
  uint16_t burst = 32;
};

struct Stat {
  double median = 0, min = 0, max = 0;
};

struct BenchRow {
  Transform transform;
  Direction direction;
  uint32_t size;           // kImix for IMIX
  double avg_size;         // mean inner bytes per packet
  Stat mpps;               // keyway engine
  double gbps;             // inner bytes, median run
  double cycles_per_packet;
  Stat ceiling_mpps;       // raw intel-ipsec-mb, fastest method
  double ceiling_gbps;
  std::string ceiling_method;  // which intel-ipsec-mb API gave the ceiling
  std::vector<std::pair<std::string, double>> methods;  // every method tried, median Mpps
  double ratio;            // median engine Mpps / median ceiling Mpps
};

struct BenchEnv {
  std::string arch;  // intel-ipsec-mb code path
  double tsc_hz = 0;
};

// Returns one row per (transform, direction, size); calls `progress` after
// each row. On a setup failure returns what it has and sets *error.
std::vector<BenchRow> run_bench(const BenchOptions& opt, rte_mempool* pool, BenchEnv* env,
                                const std::function<void(const BenchRow&)>& progress,
                                std::string* error);

}  // namespace keyway::dp
