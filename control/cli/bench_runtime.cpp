// keyway bench --runtime: the real worker loop, router mode, the code path
// `keyway run` uses, on one worker lcore:
//
//   net_pcap (rx_pcap=FILE, infinite_rx=1: the driver copies the file's
//   frames into mbufs once, then hands out copies of them round and round)
//     -> worker: Ethernet, route lookup, ESP, route lookup, neighbour, Ethernet
//     -> net_null (frees every packet)
//
// For each transform, direction and inner packet size it measures, in the
// same run and interleaved so that machine noise hits all three alike:
//   keyway  the worker forwarding the ESP traffic (outbound: plaintext in,
//           ESP out; inbound: ESP in, plaintext out)
//   io (a)  the same worker and ports forwarding frames of the same length
//           over a plain route, no ESP: what the I/O setup itself costs
//   crypto (b) the raw intel-ipsec-mb rate for the same transform and sizes
//           (the ceiling of `keyway bench`, dataplane/bench)
// and reports keyway against the bound 1/(1/a + 1/b): the rate a loop
// would reach if it did nothing but the I/O and the crypto.
//
// The inbound SA has its replay window switched off: the looping capture
// repeats its sequence numbers every few hundred packets, which a window
// would (rightly) drop. The check it skips costs a few cycles per packet.
#include "control/cli/bench_runtime.h"

#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "control/cli/flags.h"
#include "control/cli/pcap_io.h"
#include "dataplane/bench/bench.h"
#include "dataplane/eal/eal.h"
#include "dataplane/runtime/route_table.h"
#include "dataplane/runtime/sa_control.h"
#include "dataplane/runtime/worker.h"

namespace keyway::cli {
namespace {

constexpr const char* kUsage =
    "usage: keyway bench --runtime [--json] [--transform LIST] [--direction LIST]\n"
    "                    [--size LIST] [--repeat N] [--seconds S] [--frames N]\n"
    "                    [--retries N] [-- EAL ARGS]\n"
    "\n"
    "Runs the real worker loop in router mode (what `keyway run` runs) on one\n"
    "worker lcore: RX from net_pcap with infinite_rx=1 over pre-built frames, TX\n"
    "to net_null. In the same run, interleaved, it measures (a) the same loop\n"
    "forwarding frames of the same length over a plain route (no ESP: the I/O\n"
    "setup's own cost) and (b) the raw intel-ipsec-mb rate for the transform and\n"
    "size, and prints keyway's Mpps and Gbps next to the bound 1/(1/a + 1/b) and\n"
    "the ratio to it. Each number is the median of --repeat runs; the ratio is the\n"
    "median of each run's own against the io and crypto runs next to it.\n"
    "\n"
    "  --transform LIST  aes128gcm,aes256gcm,aes128cbc-sha256,aes256cbc-sha256,3des-sha1\n"
    "                    (default: aes128gcm,aes256gcm,aes128cbc-sha256)\n"
    "  --direction LIST  outbound,inbound (default: both)\n"
    "  --size LIST       inner IPv4 packet bytes (28..1500) and/or imix\n"
    "                    (default: 64,512,1420,imix; imix = 7x64 : 4x576 : 1x1420)\n"
    "  --repeat N        runs per measurement (default 3)\n"
    "  --seconds S       length of one run of the worker (default 0.5)\n"
    "  --frames N        distinct frames in the looping capture (default 504)\n"
    "  --retries N       a run during which the worker thread had less than 97% of\n"
    "                    its core (another process took the rest) is repeated up to\n"
    "                    N times, keeping the cleanest (default 2); the `cpu` column\n"
    "                    is the lowest share any kept run had\n"
    "  --json            one JSON array, an object per measurement\n"
    "\n"
    "Gbps counts inner (plaintext) bytes; cycles_per_packet are TSC cycles of the\n"
    "worker lcore per packet forwarded. The inbound SA has its replay window off:\n"
    "the looping capture repeats its ESP sequence numbers. Exit status 1 when a\n"
    "run dropped or lost a packet (the drop counters are printed).\n"
    "\n"
    "EAL defaults: --no-huge -m 1024 --no-shconf --no-pci --no-telemetry -l 0,1\n";

// A run in which the measuring thread had less of its core than this is
// repeated (up to --retries times): another process took the rest.
constexpr double kCleanShare = 0.97;

// Addresses of the benchmark network (host byte order).
constexpr uint32_t kOurOuter = 0xC0A80001;   // 192.168.0.1, the gateway's outside address
constexpr uint32_t kPeerOuter = 0xC0A80002;  // 192.168.0.2, the tunnel peer
constexpr uint32_t kInsideHost = 0x0A010002;   // 10.1.0.2, behind us (10.1.0.0/16)
constexpr uint32_t kRemoteHost = 0x0A020002;   // 10.2.0.2, behind the peer (10.2.0.0/16)
constexpr uint32_t kOutSpi = 0x1000;
constexpr uint32_t kInSpi = 0x2000;

constexpr std::array<uint8_t, 6> kRouterMac{0x02, 0x6b, 0x77, 0x00, 0x00, 0x01};  // the pcap port
constexpr std::array<uint8_t, 6> kSenderMac{0x02, 0x6b, 0x77, 0x00, 0x00, 0x02};
constexpr std::array<uint8_t, 6> kNullMac{0x02, 0x6b, 0x77, 0x00, 0x00, 0x03};
constexpr std::array<uint8_t, 6> kTapMac{0x02, 0x6b, 0x77, 0x00, 0x00, 0x04};
constexpr uint8_t kNextHopMac[6] = {0x02, 0x6b, 0x77, 0x00, 0x00, 0x05};

int usage_error(const std::string& msg) {
  std::fprintf(stderr, "keyway bench: %s\n(see keyway bench --runtime --help)\n", msg.c_str());
  return 2;
}

std::string size_name(uint32_t size) { return size == dp::kImix ? "imix" : std::to_string(size); }
uint32_t size_of(uint32_t size, uint32_t i) {
  return size == dp::kImix ? dp::kImixSizes[i % 12] : size;
}

struct Options {
  std::vector<dp::Transform> transforms;
  std::vector<dp::Direction> directions;
  std::vector<uint32_t> sizes;
  int repeats = 3;
  double seconds = 0.5;
  uint32_t frames = 504;  // a multiple of 12 keeps IMIX exact
  int retries = 2;        // extra attempts at a run the worker did not have its core for
  bool json = false;
};

// An IPv4/UDP packet of `total` bytes (>= 28) with a valid header checksum.
std::vector<uint8_t> ipv4_udp(uint32_t total, uint32_t src, uint32_t dst, uint32_t i) {
  std::vector<uint8_t> b(total);
  b[0] = 0x45;
  b[2] = static_cast<uint8_t>(total >> 8);
  b[3] = static_cast<uint8_t>(total);
  b[4] = static_cast<uint8_t>(i >> 8);
  b[5] = static_cast<uint8_t>(i);
  b[8] = 64;
  b[9] = 17;
  for (int k = 0; k < 4; ++k) {
    b[12 + k] = static_cast<uint8_t>(src >> (24 - 8 * k));
    b[16 + k] = static_cast<uint8_t>(dst >> (24 - 8 * k));
  }
  uint32_t sum = 0;
  for (int k = 0; k < 20; k += 2) sum += uint32_t{b[k]} << 8 | b[k + 1];
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  b[10] = static_cast<uint8_t>(~sum >> 8);
  b[11] = static_cast<uint8_t>(~sum);
  b[20] = 0x30, b[21] = 0x39;  // UDP 12345 -> 5001, no checksum
  b[22] = 0x13, b[23] = 0x89;
  b[24] = static_cast<uint8_t>((total - 20) >> 8);
  b[25] = static_cast<uint8_t>(total - 20);
  for (uint32_t k = 28; k < total; ++k) b[k] = static_cast<uint8_t>(k + i);
  return b;
}

std::vector<uint8_t> ethernet(const std::vector<uint8_t>& ip) {
  std::vector<uint8_t> f(14 + ip.size());
  std::memcpy(f.data(), kRouterMac.data(), 6);
  std::memcpy(f.data() + 6, kSenderMac.data(), 6);
  f[12] = 0x08;
  f[13] = 0x00;
  std::memcpy(f.data() + 14, ip.data(), ip.size());
  return f;
}

dp::SaSpec sa_spec(dp::Transform t, uint32_t spi, uint32_t src, uint32_t dst) {
  const dp::TransformInfo& info = dp::transform_info(t);
  dp::SaSpec s;
  s.spi = spi;
  s.transform = t;
  s.key.resize(size_t{info.cipher_key_len} + info.salt_len);
  for (size_t i = 0; i < s.key.size(); ++i) s.key[i] = static_cast<uint8_t>(spi * 7 + i);
  s.auth_key.resize(info.aead ? 0 : info.auth_key_len);
  for (size_t i = 0; i < s.auth_key.size(); ++i) s.auth_key[i] = static_cast<uint8_t>(spi * 13 + i);
  s.src = src;
  s.dst = dst;
  // The looping capture repeats its sequence numbers: the inbound SA must
  // not check them (see the file comment).
  s.replay_window = 0;
  return s;
}

dp::Stat stat_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return dp::Stat{v[v.size() / 2], v.front(), v.back()};
}

// The worker lcore's body: run_worker(), after publishing the thread's
// CPU-time clock so that the control thread can tell how much of the
// core the worker really had (other processes on the machine take the
// rest; the numbers are only good when this is close to 1).
struct Launch {
  dp::WorkerCtx* worker = nullptr;
  const std::atomic<bool>* stop = nullptr;
  clockid_t clock{};
  std::atomic<bool> clock_set{false};
};

int worker_main(void* arg) {
  auto* l = static_cast<Launch*>(arg);
  if (pthread_getcpuclockid(pthread_self(), &l->clock) == 0)
    l->clock_set.store(true, std::memory_order_release);
  dp::run_worker(*l->worker, *l->stop);
  return 0;
}

struct Run {
  double cpu_share = 0;   // worker thread CPU time / wall time during the run
  double mpps = 0;
  double cycles_per_packet = 0;
  uint64_t rx = 0;        // packets received over the whole run (loop check)
  std::string problem;    // drops, losses: a bug signal
};

// dp::run_bench() on another lcore.
struct CeilingJob {
  dp::BenchOptions opt;
  rte_mempool* pool = nullptr;
  dp::BenchEnv* env = nullptr;
  std::vector<dp::BenchRow> rows;
  std::string error;
  double cpu_share = 0;
  std::atomic<bool> done{false};
};

double seconds_of(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

int run_ceiling(void* arg) {
  auto* job = static_cast<CeilingJob*>(arg);
  const double wall0 = seconds_of(CLOCK_MONOTONIC), cpu0 = seconds_of(CLOCK_THREAD_CPUTIME_ID);
  job->rows = dp::run_bench(job->opt, job->pool, job->env, nullptr, &job->error);
  const double wall = seconds_of(CLOCK_MONOTONIC) - wall0;
  job->cpu_share = wall > 0 ? (seconds_of(CLOCK_THREAD_CPUTIME_ID) - cpu0) / wall : 0;
  job->done.store(true, std::memory_order_release);
  return 0;
}

struct Row {
  dp::Transform transform;
  dp::Direction direction;
  uint32_t size;
  double avg_size = 0;
  dp::Stat mpps, io_mpps, crypto_mpps, engine_mpps;
  double gbps = 0, cycles_per_packet = 0, bound_mpps = 0;
  // Each run's Mpps over the bound from the io and crypto runs next to it
  // (robust against the machine's speed drifting between runs).
  dp::Stat ratio;
  std::string crypto_method;
  double cpu_share = 1;  // the lowest share of its core the worker had in any run
};

class RuntimeBench {
 public:
  RuntimeBench(const Options& opt, unsigned lcore) : opt_(opt), lcore_(lcore) {}
  ~RuntimeBench() {
    for (auto& [port, name] : vdevs_) remove_port(port, name);
    if (!dir_.empty()) {
      for (const char* f : {"esp.pcap", "io.pcap"}) unlink((dir_ + "/" + f).c_str());
      rmdir(dir_.c_str());
    }
  }

  bool setup(std::string* err) {
    char tmpl[] = "/tmp/keyway-bench-runtime-XXXXXX";
    if (!mkdtemp(tmpl)) {
      *err = std::string("cannot create a temporary directory: ") + std::strerror(errno);
      return false;
    }
    dir_ = tmpl;
    // A per-lcore cache as any DPDK application configures one: RX
    // allocates a burst and TX frees it on the same lcore.
    pool_ = rte_pktmbuf_pool_create("kwb_rt_pool", 8191, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                    static_cast<int>(rte_socket_id()));
    bench_pool_ = dp::make_pktmbuf_pool("kwb_rt_bench", 2047, err);
    if (!pool_ || !bench_pool_) {
      if (!pool_) *err = std::string("cannot create the mbuf pool: ") + rte_strerror(rte_errno);
      return false;
    }
    esp_ = dp::EspCtx::create(err);
    if (!esp_) return false;
    control_ = dp::SaControl::create(1, dp::RingSizes{}, err);
    if (!control_) return false;
    if (!add_port("net_null_kwb_tx", "", &null_port_, err) ||
        !add_port("net_null_kwb_tap", "", &tap_port_, err))
      return false;
    ports_.port[null_port_] = dp::PortRole{dp::PortRole::Kind::kPhys, tap_port_, kNullMac};
    ports_.port[tap_port_] = dp::PortRole{dp::PortRole::Kind::kPortTap, null_port_, kTapMac};

    routes_ = dp::RouteTable::create("kwb_rt_routes", 64, err);
    neighbors_ = dp::NeighborTable::create("kwb_rt_neigh", 64, err);
    if (!routes_ || !neighbors_) return false;
    using K = dp::NextHop::Kind;
    auto hop = [](K kind, uint16_t port, dp::TunnelId tunnel) {
      dp::NextHop h;
      h.kind = kind;
      h.port = port;
      h.tunnel = tunnel;
      return h;
    };
    // inside LAN out of the null port; remote LAN into tunnel 0 (its
    // sources are what decrypted packets must come from); the peer's
    // subnet out of the null port; our outside address for the kernel.
    if (!routes_->add(0x0A010000, 16, hop(K::kPort, null_port_, dp::kNoTunnel), err) ||
        !routes_->add(0x0A020000, 16, hop(K::kTunnel, 0, 0), err) ||
        !routes_->add(0xC0A80000, 24, hop(K::kPort, null_port_, dp::kNoTunnel), err) ||
        !routes_->add(kOurOuter, 32, hop(K::kLocal, tap_port_, dp::kNoTunnel), err))
      return false;
    if (!neighbors_->set(null_port_, kInsideHost, kNextHopMac) ||
        !neighbors_->set(null_port_, kPeerOuter, kNextHopMac)) {
      *err = "cannot fill the neighbour table";
      return false;
    }
    return true;
  }

  // One (transform, direction, size) measurement; false on a setup error.
  bool measure(dp::Transform t, dp::Direction dir, uint32_t size, Row* row, std::string* err) {
    const bool outbound = dir == dp::Direction::kOutbound;
    const dp::SaSpec in_spec = sa_spec(t, kInSpi, kPeerOuter, kOurOuter);

    // The frames: ESP run and I/O run, same frame lengths.
    std::vector<std::vector<uint8_t>> esp_frames, io_frames;
    double inner_bytes = 0;
    auto mirror = dp::Sa::create(in_spec, dp::Direction::kOutbound, esp_->mgr, err);
    if (!mirror) return false;
    for (uint32_t i = 0; i < opt_.frames; ++i) {
      const uint32_t sz = size_of(size, i);
      inner_bytes += sz;
      if (outbound) {
        esp_frames.push_back(ethernet(ipv4_udp(sz, kInsideHost, kRemoteHost, i)));
        io_frames.push_back(ethernet(ipv4_udp(sz, kRemoteHost, kInsideHost, i)));
        continue;
      }
      // The peer's ESP packet, made by the engine itself with the mirror
      // of our inbound SA.
      const auto inner = ipv4_udp(sz, kRemoteHost, kInsideHost, i);
      rte_mbuf* m = rte_pktmbuf_alloc(pool_);
      if (!m) {
        *err = "mbuf pool exhausted";
        return false;
      }
      std::memcpy(rte_pktmbuf_append(m, static_cast<uint16_t>(sz)), inner.data(), sz);
      if (dp::esp_outbound(*esp_, *mirror, {&m, 1}) != 1) {
        rte_pktmbuf_free(m);
        *err = "could not encrypt the inbound benchmark packets";
        return false;
      }
      const uint8_t* p = rte_pktmbuf_mtod(m, const uint8_t*);
      esp_frames.push_back(ethernet(std::vector<uint8_t>(p, p + m->data_len)));
      io_frames.push_back(ethernet(ipv4_udp(m->data_len, kRemoteHost, kInsideHost, i)));
      rte_pktmbuf_free(m);
    }
    row->transform = t;
    row->direction = dir;
    row->size = size;
    row->avg_size = inner_bytes / opt_.frames;

    uint16_t esp_port = 0, io_port = 0;
    if (!pcap_port("esp", esp_frames, &esp_port, err) ||
        !pcap_port("io", io_frames, &io_port, err))
      return false;

    auto where = [&](const char* what) {
      return std::string(dp::transform_info(t).name) + (outbound ? " outbound " : " inbound ") +
             size_name(size) + what;
    };
    // A worker run, repeated while another process took part of the core.
    auto worker_run = [&](std::optional<dp::Transform> tr, uint16_t port, Run* best) {
      for (int attempt = 0; attempt <= opt_.retries; ++attempt) {
        Run x;
        if (!run(port, tr, &x, err)) return false;
        if (!x.problem.empty()) problems_.push_back(where(tr ? ": " : " (io run): ") + x.problem);
        // The capture must really loop: far more packets than frames.
        if (x.rx < 4ull * opt_.frames) {
          *err = "net_pcap delivered only " + std::to_string(x.rx) +
                 " packets in a run: infinite_rx is not looping";
          return false;
        }
        if (attempt == 0 || x.cpu_share > best->cpu_share) *best = x;
        if (best->cpu_share >= kCleanShare) break;
      }
      return true;
    };
    // (b): the ceiling of `keyway bench` for exactly this work, on the
    // worker's lcore, likewise repeated.
    auto ceiling_run = [&](CeilingJob* best) {
      for (int attempt = 0; attempt <= opt_.retries; ++attempt) {
        CeilingJob job;
        job.opt.transforms = {t};
        job.opt.directions = {dir};
        job.opt.sizes = {size};
        job.opt.repeats = 1;
        job.pool = bench_pool_;
        job.env = &env_;
        if (rte_eal_remote_launch(run_ceiling, &job, lcore_) != 0) {
          *err = "cannot launch the ceiling run on the worker lcore";
          return false;
        }
        // Sleep meanwhile: rte_eal_wait_lcore() spins, and a busy main
        // lcore slows the worker's down on machines whose cores share
        // their time (this one's two do).
        while (!job.done.load(std::memory_order_acquire))
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        rte_eal_wait_lcore(lcore_);
        if (job.rows.empty()) {
          *err = job.error.empty() ? "the ceiling run returned nothing" : job.error;
          return false;
        }
        if (attempt == 0 || job.cpu_share > best->cpu_share) {
          best->rows = std::move(job.rows);
          best->cpu_share = job.cpu_share;
        }
        if (best->cpu_share >= kCleanShare) break;
      }
      return true;
    };

    std::vector<double> mpps, io, crypto, engine, cpp;
    for (int r = 0; r < opt_.repeats; ++r) {
      // Interleaved, so that slower and faster phases of the machine hit
      // all three alike.
      Run esp_run, io_run;
      CeilingJob job;
      if (!worker_run(t, esp_port, &esp_run) || !worker_run(std::nullopt, io_port, &io_run) ||
          !ceiling_run(&job))
        return false;
      row->cpu_share =
          std::min({row->cpu_share, esp_run.cpu_share, io_run.cpu_share, job.cpu_share});
      mpps.push_back(esp_run.mpps);
      cpp.push_back(esp_run.cycles_per_packet);
      io.push_back(io_run.mpps);
      crypto.push_back(job.rows[0].ceiling_mpps.median);
      engine.push_back(job.rows[0].mpps.median);
      row->crypto_method = job.rows[0].ceiling_method;
    }
    remove_pcap(esp_port);
    remove_pcap(io_port);
    // Every mbuf back: the drivers freed their copies of the capture and
    // no run kept a packet.
    if (rte_mempool_in_use_count(pool_) != 0)
      problems_.push_back(where(": ") + std::to_string(rte_mempool_in_use_count(pool_)) +
                          " mbufs still in use afterwards");

    row->mpps = stat_of(mpps);
    row->io_mpps = stat_of(io);
    row->crypto_mpps = stat_of(crypto);
    row->engine_mpps = stat_of(engine);
    // cycles/packet of the median run
    {
      std::vector<std::pair<double, double>> v;
      for (size_t i = 0; i < mpps.size(); ++i) v.emplace_back(mpps[i], cpp[i]);
      std::sort(v.begin(), v.end());
      row->cycles_per_packet = v[v.size() / 2].second;
    }
    row->gbps = row->mpps.median * row->avg_size * 8 / 1000;
    row->bound_mpps = 1 / (1 / row->io_mpps.median + 1 / row->crypto_mpps.median);
    std::vector<double> ratio;
    for (size_t i = 0; i < mpps.size(); ++i)
      ratio.push_back(mpps[i] * (1 / io[i] + 1 / crypto[i]));
    row->ratio = stat_of(ratio);
    return true;
  }

  const std::vector<std::string>& problems() const { return problems_; }
  const dp::BenchEnv& env() const { return env_; }
  const char* arch() const { return esp_->arch_name(); }

 private:
  bool add_port(const std::string& name, const std::string& args, uint16_t* port,
                std::string* err) {
    if (rte_eal_hotplug_add("vdev", name.c_str(), args.c_str()) != 0) {
      *err = "cannot create " + name + (args.empty() ? "" : "," + args) +
             " (is the DPDK driver installed?)";
      return false;
    }
    if (rte_eth_dev_get_port_by_name(name.c_str(), port) != 0) {
      *err = name + " has no ethdev port";
      return false;
    }
    vdevs_.emplace_back(*port, name);
    if (*port >= dp::kMaxPorts) {
      *err = "port id beyond " + std::to_string(dp::kMaxPorts);
      return false;
    }
    rte_eth_conf conf{};
    int rc = rte_eth_dev_configure(*port, 1, 1, &conf);
    const unsigned sock = rte_socket_id();
    // net_pcap with infinite_rx reads the whole capture into mbufs here.
    if (rc == 0) rc = rte_eth_rx_queue_setup(*port, 0, 512, sock, nullptr, pool_);
    if (rc == 0) rc = rte_eth_tx_queue_setup(*port, 0, 512, sock, nullptr);
    if (rc == 0) rc = rte_eth_dev_start(*port);
    if (rc != 0) {
      *err = "cannot start " + name + ": " + rte_strerror(-rc);
      return false;
    }
    return true;
  }

  void remove_port(uint16_t port, const std::string& name) {
    rte_eth_dev_stop(port);
    rte_eal_hotplug_remove("vdev", name.c_str());
    ports_.port[port] = dp::PortRole{};
  }

  void remove_pcap(uint16_t port) {
    auto it = std::find_if(vdevs_.begin(), vdevs_.end(),
                           [&](const auto& v) { return v.first == port; });
    if (it == vdevs_.end()) return;
    remove_port(it->first, it->second);
    vdevs_.erase(it);
  }

  bool pcap_port(const char* what, const std::vector<std::vector<uint8_t>>& frames, uint16_t* port,
                 std::string* err) {
    const std::string file = dir_ + "/" + what + ".pcap";
    auto w = PcapWriter::open(file, err);
    if (!w) return false;
    timeval ts{};
    for (const auto& f : frames) w->write(ts, f);
    if (!w->close(err)) return false;
    const std::string name = "net_pcap_kwb" + std::to_string(vdev_seq_++);
    if (!add_port(name, "rx_pcap=" + file + ",infinite_rx=1", port, err)) return false;
    ports_.port[*port] = dp::PortRole{dp::PortRole::Kind::kPhys, tap_port_, kRouterMac};
    return true;
  }

  // One run of the worker polling `rx_port`; with a transform, the
  // tunnel has its SA pair installed (through the rings, as `keyway run`
  // does). Fills *out; false on a setup error.
  bool run(uint16_t rx_port, std::optional<dp::Transform> t, Run* out, std::string* err) {
    dp::WorkerConfig cfg;
    cfg.rx = {dp::PortQueue{rx_port, 0}};
    cfg.max_tunnels = 4;
    cfg.max_inbound_sas = 16;
    cfg.router = dp::RouterTables{routes_.get(), neighbors_.get(), &ports_};
    auto worker = dp::WorkerCtx::create(cfg, control_->rings(0), err);
    if (!worker) return false;
    // sent() counts every message ever put on the ring, msgs_applied()
    // only those this worker applied.
    const uint64_t sent_before = control_->sent(0);
    if (t) {
      auto in = dp::Sa::create(sa_spec(*t, kInSpi, kPeerOuter, kOurOuter), dp::Direction::kInbound,
                               esp_->mgr, err);
      auto o = dp::Sa::create(sa_spec(*t, kOutSpi, kOurOuter, kPeerOuter), dp::Direction::kOutbound,
                              esp_->mgr, err);
      if (!in || !o) return false;
      if (!control_->install_inbound(0, std::move(in), 0) ||
          !control_->install_outbound(0, std::move(o), 0)) {
        *err = "the control thread refused the benchmark SAs";
        return false;
      }
    }
    control_->poll(nullptr);
    rte_eth_stats tx_before{};
    rte_eth_stats_get(null_port_, &tx_before);

    std::atomic<bool> stop{false};
    Launch launch;
    launch.worker = worker.get();
    launch.stop = &stop;
    if (rte_eal_remote_launch(worker_main, &launch, lcore_) != 0) {
      *err = "cannot launch the worker lcore";
      return false;
    }
    auto sleep = [](double s) { std::this_thread::sleep_for(std::chrono::duration<double>(s)); };
    auto all_applied = [&] {
      return control_->queued(0) == 0 && worker->msgs_applied() == control_->sent(0) - sent_before;
    };
    for (int i = 0; i < 2000 && !all_applied(); ++i) {
      control_->poll(nullptr);
      sleep(0.001);
    }
    const bool applied = all_applied();
    sleep(0.1);  // warm up: caches, branch predictors, the mbuf cache
    const dp::WorkerCounters& c = worker->counters();
    const bool have_clock = launch.clock_set.load(std::memory_order_acquire);
    const uint64_t tx0 = c[dp::WorkerCounter::kTx];
    const uint64_t t0 = rte_rdtsc();
    const double cpu0 = have_clock ? seconds_of(launch.clock) : 0;
    sleep(opt_.seconds);
    const double cpu1 = have_clock ? seconds_of(launch.clock) : 0;
    const uint64_t tx1 = c[dp::WorkerCounter::kTx];
    const uint64_t t1 = rte_rdtsc();
    stop.store(true, std::memory_order_release);
    rte_eal_wait_lcore(lcore_);
    control_->poll(nullptr);
    if (!applied) {
      control_->reclaim(0, *worker);
      *err = "the worker did not apply the SA installs";
      return false;
    }

    const double secs = static_cast<double>(t1 - t0) / static_cast<double>(rte_get_tsc_hz());
    out->mpps = static_cast<double>(tx1 - tx0) / secs / 1e6;
    out->cpu_share = have_clock ? (cpu1 - cpu0) / secs : 0;
    out->cycles_per_packet =
        tx1 > tx0 ? static_cast<double>(t1 - t0) / static_cast<double>(tx1 - tx0) : 0;

    // Every packet received must have been sent (or counted as dropped).
    const uint64_t rx = c[dp::WorkerCounter::kRx];
    const uint64_t tx = c[dp::WorkerCounter::kTx];
    out->rx = rx;
    const dp::EspCounters& e = worker->esp().counters;
    uint64_t esp_drops = 0;
    std::string problem;
    auto note = [&](std::string_view name, uint64_t v) {
      problem += " " + std::string(name) + "=" + std::to_string(v);
    };
    for (size_t i = 0; i < dp::kNumEspCounters; ++i) {
      const auto k = static_cast<dp::EspCounter>(i);
      if (k == dp::EspCounter::kOutOk || k == dp::EspCounter::kInOk || !e.v[i]) continue;
      esp_drops += e.v[i];
      note(dp::counter_name(k), e.v[i]);
    }
    // The runtime's packet counters other than rx and tx: its drops and
    // the kernel path (nothing here should go there).
    for (size_t i = 0; i < dp::kNumWorkerCounters; ++i) {
      const auto k = static_cast<dp::WorkerCounter>(i);
      if (k > dp::WorkerCounter::kTx && k < dp::WorkerCounter::kMsgs && c[k])
        note(dp::counter_name(k), c[k]);
    }
    if (rx != tx + c.drops() + esp_drops)
      note("unaccounted", rx - tx - c.drops() - esp_drops);
    const uint64_t esp_ok = e[dp::EspCounter::kOutOk] + e[dp::EspCounter::kInOk];
    if (t && esp_ok != tx) {
      note("esp_ok", esp_ok);
      note("tx", tx);
    }
    rte_eth_stats tx_after{};
    rte_eth_stats_get(null_port_, &tx_after);
    if (tx_after.opackets - tx_before.opackets != tx) {
      note("net_null_opackets", tx_after.opackets - tx_before.opackets);
      note("tx", tx);
    }
    out->problem = problem.empty() ? "" : problem.substr(1);
    control_->reclaim(0, *worker);
    return true;
  }

  Options opt_;
  unsigned lcore_;
  std::string dir_;
  rte_mempool* pool_ = nullptr;
  rte_mempool* bench_pool_ = nullptr;
  std::unique_ptr<dp::EspCtx> esp_;
  std::unique_ptr<dp::SaControl> control_;
  std::unique_ptr<dp::RouteTable> routes_;
  std::unique_ptr<dp::NeighborTable> neighbors_;
  dp::PortMap ports_;
  uint16_t null_port_ = 0, tap_port_ = 0;
  std::vector<std::pair<uint16_t, std::string>> vdevs_;
  unsigned vdev_seq_ = 0;
  dp::BenchEnv env_;
  std::vector<std::string> problems_;
};

}  // namespace

int cmd_bench_runtime(int argc, char** argv) {
  Flags f({"--transform", "--direction", "--size", "--repeat", "--seconds", "--frames", "--retries"},
          {"--json", "--help", "--runtime"});
  std::string err;
  if (!f.parse(argc, argv, 1, err)) return usage_error(err);
  if (wants_help(f)) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  Options opt;
  opt.json = f.has("--json");
  std::vector<std::string> eal_args = f.after_dashdash();
  err = parse_bench_common(f, 28, dp::kImix, &opt);
  if (err.empty()) err = count_flag(f, "--retries", 0, 1000, &opt.retries);
  if (err.empty()) err = count_flag(f, "--frames", 64, 4096, &opt.frames);
  if (!err.empty()) return usage_error(err);
  if (auto v = f.get("--seconds")) {
    char* end = nullptr;
    const double s = std::strtod(v->c_str(), &end);
    if (v->empty() || *end || !(s >= 0.01 && s <= 60)) return usage_error("--seconds must be 0.01..60");
    opt.seconds = s;
  }
  if (opt.transforms.empty())
    opt.transforms = {dp::Transform::kAes128Gcm, dp::Transform::kAes256Gcm,
                      dp::Transform::kAes128CbcSha256};
  if (opt.directions.empty()) opt.directions = {dp::Direction::kOutbound, dp::Direction::kInbound};
  if (opt.sizes.empty()) opt.sizes = {64, 512, 1420, dp::kImix};
  if (eal_args.empty())
    eal_args = {"--no-huge", "-m", "1024", "--no-shconf", "--no-pci", "--no-telemetry",
                "--log-level=*:warning", "-l", "0,1"};

  if (!dp::eal_init(eal_args, &err)) {
    std::fprintf(stderr, "keyway bench: %s\n", err.c_str());
    return 2;
  }
  const unsigned lcore = rte_get_next_lcore(-1, 1, 0);
  if (lcore >= RTE_MAX_LCORE) {
    std::fprintf(stderr,
                 "keyway bench: --runtime needs a worker lcore besides the main one (-l 0,1)\n");
    return 2;
  }

  int status = 0;
  {
    RuntimeBench bench(opt, lcore);
    if (!bench.setup(&err)) {
      std::fprintf(stderr, "keyway bench: %s\n", err.c_str());
      return 2;
    }
    bool first = true;
    for (dp::Transform t : opt.transforms) {
      for (dp::Direction dir : opt.directions) {
        for (uint32_t size : opt.sizes) {
          Row r{};
          if (!bench.measure(t, dir, size, &r, &err)) {
            std::fprintf(stderr, "keyway bench: %s\n", err.c_str());
            if (opt.json) std::printf("%s\n", first ? "[]" : "\n]");
            return 1;
          }
          const char* dname = dir == dp::Direction::kOutbound ? "outbound" : "inbound";
          const std::string tname(dp::transform_info(t).name);
          if (opt.json) {
            std::printf(
                "%s\n  {\"mode\": \"runtime\", \"transform\": \"%s\", \"direction\": \"%s\", "
                "\"size\": %s, \"mpps\": %.4f, \"mpps_min\": %.4f, \"mpps_max\": %.4f, "
                "\"gbps\": %.3f, \"cycles_per_packet\": %.1f, \"io_mpps\": %.4f, "
                "\"crypto_mpps\": %.4f, \"crypto_method\": \"%s\", \"bound_mpps\": %.4f, "
                "\"ratio_to_bound\": %.3f, \"ratio_min\": %.3f, \"ratio_max\": %.3f, "
                "\"engine_mpps\": %.4f, \"replay_window\": \"off\", "
                "\"worker_cpu_share\": %.3f, \"repeats\": %d, \"seconds\": %.2f}",
                first ? "[" : ",", tname.c_str(), dname,
                size == dp::kImix ? "\"imix\"" : std::to_string(size).c_str(), r.mpps.median,
                r.mpps.min, r.mpps.max, r.gbps, r.cycles_per_packet, r.io_mpps.median,
                r.crypto_mpps.median, r.crypto_method.c_str(), r.bound_mpps, r.ratio.median,
                r.ratio.min, r.ratio.max, r.engine_mpps.median, r.cpu_share, opt.repeats,
                opt.seconds);
          } else {
            if (first) {
              std::printf(
                  "keyway bench --runtime: one worker lcore in router mode (as keyway run),\n"
                  "net_pcap infinite_rx (%u frames) -> worker -> net_null; intel-ipsec-mb %s, "
                  "TSC %.2f GHz;\n%d runs of %.2f s each, median; inbound SA replay window off "
                  "(the capture loops)\n",
                  opt.frames, bench.arch(), static_cast<double>(rte_get_tsc_hz()) / 1e9,
                  opt.repeats, opt.seconds);
              std::printf("%-17s %-8s %5s %8s %15s %7s %7s %8s %8s %8s %6s %8s %5s\n", "transform",
                          "dir", "size", "Mpps", "(min..max)", "Gbps", "cyc/pkt", "io Mpps",
                          "crypto", "bound", "ratio", "engine", "cpu");
            }
            char range[32];
            std::snprintf(range, sizeof range, "(%.2f..%.2f)", r.mpps.min, r.mpps.max);
            std::printf("%-17s %-8s %5s %8.3f %15s %7.2f %7.0f %8.3f %8.3f %8.3f %6.3f %8.3f "
                        "%5.2f\n",
                        tname.c_str(), dname, size_name(size).c_str(), r.mpps.median, range,
                        r.gbps, r.cycles_per_packet, r.io_mpps.median, r.crypto_mpps.median,
                        r.bound_mpps, r.ratio.median, r.engine_mpps.median, r.cpu_share);
          }
          std::fflush(stdout);
          first = false;
        }
      }
    }
    if (opt.json) std::printf("%s\n", first ? "[]" : "\n]");
    else
      std::printf(
          "\nio = plain route, no ESP (same frame lengths); crypto = raw intel-ipsec-mb\n"
          "(keyway bench's ceiling); bound = 1/(1/io + 1/crypto); ratio = Mpps / bound, the\n"
          "median of each run's own (its io and crypto runs are next to it); engine = the ESP\n"
          "engine alone (keyway bench); cpu = the lowest share of its core the worker's lcore\n"
          "had in a kept run (below 0.97 even after --retries: other processes took the rest,\n"
          "the numbers are noisy)\n");
    for (const std::string& p : bench.problems()) {
      std::fprintf(stderr, "keyway bench: drops: %s\n", p.c_str());
      status = 1;
    }
  }
  rte_eal_cleanup();
  return status;
}

}  // namespace keyway::cli
