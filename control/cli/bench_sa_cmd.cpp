// keyway bench-sa: the SA rings between the control thread and a real
// worker lcore, measured with traffic flowing: how long an SA install takes
// to reach the first packet, and whether installing and retiring 10,000
// SAs loses a packet or stalls the worker.
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mempool.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "control/cli/commands.h"
#include "dataplane/eal/eal.h"
#include "dataplane/runtime/loop_lab.h"
#include "dataplane/runtime/sa_control.h"
#include "dataplane/runtime/worker.h"

namespace keyway::cli {
namespace {

constexpr const char* kUsage =
    "usage: keyway bench-sa [--installs N] [--sas N] [--tunnels N] [--size BYTES]\n"
    "                       [--window N] [--steady-ms N] [--transform NAME] [--json]\n"
    "                       [-- EAL ARGS]\n"
    "\n"
    "Drives one worker lcore with traffic from the control thread (the EAL main\n"
    "lcore) over two ring-backed ports, the worker being its own peer: plaintext is\n"
    "encrypted, turned around, decrypted and checked. Four phases:\n"
    "\n"
    "  latency  --installs make-before-break rekeys of one tunnel, one at a time:\n"
    "           time from the control thread's submit until the worker has\n"
    "           applied the install, and until it processed the first packet\n"
    "           with the new outbound SA and with the new inbound SA (which\n"
    "           also waits for traffic: the first packet on the new inbound SA\n"
    "           is the first one encrypted with the new outbound SA, back from\n"
    "           the turn-around); median, p99, max\n"
    "  steady   --steady-ms of traffic with no SA changes: the baseline for the\n"
    "           gaps between loop iterations on this machine\n"
    "  churn    --sas SAs installed as --sas/2 rekeys over --tunnels tunnels, as\n"
    "           fast as the control thread can make them; each old inbound SA is\n"
    "           deleted once no packet encrypted with it can be in flight\n"
    "  fill     --sas extra inbound SAs installed (all live at once), then deleted\n"
    "\n"
    "For steady, churn and fill: packets generated = delivered + counted drops + left in\n"
    "rings (lost must be 0, and so should drops), and the worker's longest gap\n"
    "between two loop iterations. Exit status 1 when a packet was lost or dropped.\n"
    "\n"
    "  --installs N    latency samples (default 1000)\n"
    "  --sas N         SAs per churn and fill phase (default 10000)\n"
    "  --tunnels N     tunnels carrying traffic in churn and fill (default 16)\n"
    "  --size BYTES    inner packet size, 36..1500 (default 256)\n"
    "  --window N      packets in flight (default 256)\n"
    "  --steady-ms N   length of the steady phase (default 300)\n"
    "  --transform T   aes128gcm (default), aes256gcm, aes128cbc-sha256, ...\n"
    "  --json          one JSON object instead of text\n"
    "\n"
    "EAL defaults: --no-huge -m 512 --no-shconf --no-pci --no-telemetry -l 0,1\n";

bool parse_count(const char* s, unsigned long lo, unsigned long hi, unsigned long* out) {
  char* end = nullptr;
  unsigned long v = std::strtoul(s, &end, 10);
  if (!*s || *end || v < lo || v > hi) return false;
  *out = v;
  return true;
}

int usage_error(const std::string& msg) {
  std::fprintf(stderr, "keyway bench-sa: %s\n(see keyway bench-sa --help)\n", msg.c_str());
  return 2;
}

struct Options {
  unsigned installs = 1000;
  unsigned sas = 10000;
  unsigned tunnels = 16;
  unsigned size = 256;
  unsigned window = 256;
  unsigned steady_ms = 300;
  dp::Transform transform = dp::Transform::kAes128Gcm;
  bool json = false;
};

double us(uint64_t cycles) {
  return static_cast<double>(cycles) * 1e6 / static_cast<double>(rte_get_tsc_hz());
}

struct Percentiles {
  size_t n = 0;
  double median = 0, p99 = 0, max = 0;  // microseconds
};

Percentiles percentiles(std::vector<uint64_t> v) {
  Percentiles p;
  p.n = v.size();
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) {
    size_t i = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size())));
    return us(v[std::min(v.size() - 1, i ? i - 1 : 0)]);
  };
  p.median = at(0.5);
  p.p99 = at(0.99);
  p.max = us(v.back());
  return p;
}

// The gap below which a fraction q of all loop iterations started, from
// the worker's power-of-two histogram (an upper bound: the bucket's end).
double gap_quantile_us(const dp::WorkerCtx& w, double q) {
  uint64_t total = 0;
  for (unsigned b = 0; b < dp::WorkerCtx::kHistBuckets; ++b) total += w.gap_bucket(b);
  uint64_t seen = 0;
  for (unsigned b = 0; b < dp::WorkerCtx::kHistBuckets; ++b) {
    seen += w.gap_bucket(b);
    if (static_cast<double>(seen) >= q * static_cast<double>(total)) return us(uint64_t{2} << b);
  }
  return us(w.max_gap_tsc());
}

// Everything one run needs, torn down in the order the runtime requires.
class Bench {
 public:
  Bench(const Options& opt, unsigned lcore) : opt_(opt), lcore_(lcore) {}
  ~Bench() {
    if (running_) join();
    if (control_ && worker_) control_->reclaim(0, *worker_);
    worker_.reset();
    lab_.reset();
    control_.reset();
  }

  bool setup(rte_mempool* pool, std::string* err) {
    control_ = dp::SaControl::create(1, dp::RingSizes{}, err);
    if (!control_) return false;
    dp::LoopLab::Options lo;
    lo.packet_size = opt_.size;
    lo.window = opt_.window;
    lo.ring_size = 4096;
    lo.tunnels = 1;
    lab_ = dp::LoopLab::create("bsa", pool, lo, err);
    if (!lab_) return false;
    dp::WorkerConfig cfg;
    cfg.max_tunnels = opt_.tunnels;
    cfg.max_inbound_sas = opt_.sas + 2 * opt_.tunnels + 64;
    cfg.latency_log = 2 * std::max(opt_.installs, opt_.sas) + 64;
    lab_->attach(cfg);
    worker_ = dp::WorkerCtx::create(cfg, control_->rings(0), err);
    if (!worker_) return false;
    esp_ = dp::EspCtx::create(err);  // the control thread's own manager, for key expansion
    if (!esp_) return false;
    rekeyer_ = std::make_unique<dp::LabRekeyer>(*control_, 0, *worker_, *lab_, opt_.transform,
                                                esp_->mgr);
    return rekeyer_->start(opt_.tunnels, err);
  }

  bool launch() {
    stop_.store(false, std::memory_order_relaxed);
    launch_ = dp::WorkerLaunch{worker_.get(), &stop_};
    running_ = rte_eal_remote_launch(dp::worker_lcore_main, &launch_, lcore_) == 0;
    return running_;
  }
  void join() {
    stop_.store(true, std::memory_order_release);
    rte_eal_wait_lcore(lcore_);
    running_ = false;
    control_->poll(&events_);
  }

  void round(bool generate = true) {
    control_->poll(&events_);
    lab_->pump(generate);
    rekeyer_->poll();
  }
  template <class F>
  bool until(F done, double seconds, bool generate) {
    const uint64_t end = rte_rdtsc() + static_cast<uint64_t>(seconds * static_cast<double>(rte_get_tsc_hz()));
    while (!done()) {
      if (rte_rdtsc() > end) return false;
      round(generate);
    }
    return true;
  }
  bool all_applied() const {
    return control_->queued(0) == 0 && worker_->msgs_applied() == control_->sent(0);
  }
  // Ends a traffic phase: no new packets, everything back, every delete
  // applied, worker stopped.
  bool finish_phase() {
    const bool back = until([&] { return lab_->in_flight() == 0; }, 5, false);
    const bool applied =
        until([&] { return rekeyer_->pending_deletes() == 0 && all_applied(); }, 5, false);
    join();
    return back && applied;
  }
  void start_phase() {
    worker_->reset_stats();
    base_generated_ = lab_->generated();
    base_delivered_ = lab_->delivered();
  }

  // ---- phases ----

  struct Latency {
    Percentiles out_applied, out_first, in_applied, in_first;
    unsigned timeouts = 0;
  };
  Latency latency(std::string* err) {
    Latency r;
    lab_->set_tunnels(1);
    start_phase();
    if (!launch()) {
      *err = "cannot launch the worker lcore";
      return r;
    }
    // Warm up: traffic flowing, and the first-use times of the tunnel's
    // initial SAs (installed before the worker started) out of the way.
    until([&] { return worker_->latency_count() >= 2; }, 2, true);
    const uint32_t first_sample = worker_->latency_count();
    for (unsigned i = 0; i < opt_.installs; ++i) {
      const uint32_t want = worker_->latency_count() + 2;  // new outbound and new inbound
      if (!rekeyer_->rekey(0, err)) break;
      if (!until([&] { return worker_->latency_count() >= want; }, 1, true)) ++r.timeouts;
    }
    finish_phase();
    std::vector<uint64_t> out_applied, out_first, in_applied, in_first;
    for (uint32_t i = first_sample; i < worker_->latency_count(); ++i) {
      const dp::InstallLatency& l = worker_->latency(i);
      const bool out = l.dir == dp::Direction::kOutbound;
      (out ? out_applied : in_applied).push_back(l.applied);
      (out ? out_first : in_first).push_back(l.first_packet);
    }
    r.out_applied = percentiles(std::move(out_applied));
    r.out_first = percentiles(std::move(out_first));
    r.in_applied = percentiles(std::move(in_applied));
    r.in_first = percentiles(std::move(in_first));
    return r;
  }

  struct Flow {
    std::string name;
    uint64_t sas = 0;
    double seconds = 0;
    uint64_t generated = 0, delivered = 0, drops = 0, in_rings = 0, lost = 0, corrupted = 0;
    std::vector<std::pair<std::string, uint64_t>> drops_by_name;
    double max_gap_us = 0, gap_p999_us = 0;
    uint64_t iterations = 0, msgs = 0;
    bool completed = false;
  };

  // Traffic with no SA changes at all, for comparison: what the gaps
  // between iterations look like on this machine without any installs.
  Flow steady(double seconds, std::string* err) {
    Flow f;
    f.name = "steady";
    lab_->set_tunnels(opt_.tunnels);
    start_phase();
    if (!launch()) {
      *err = "cannot launch the worker lcore";
      return f;
    }
    const uint64_t t0 = rte_rdtsc();
    const uint64_t end = t0 + static_cast<uint64_t>(seconds * static_cast<double>(rte_get_tsc_hz()));
    while (rte_rdtsc() < end) round();
    f.seconds = static_cast<double>(rte_rdtsc() - t0) / static_cast<double>(rte_get_tsc_hz());
    f.completed = finish_phase();
    account(f);
    return f;
  }

  Flow churn(std::string* err) {
    Flow f;
    f.name = "churn";
    lab_->set_tunnels(opt_.tunnels);
    start_phase();
    if (!launch()) {
      *err = "cannot launch the worker lcore";
      return f;
    }
    const uint64_t t0 = rte_rdtsc();
    const uint64_t adopted0 = control_->stats().adopted;
    bool ok = true;
    for (unsigned i = 0; i < opt_.sas / 2 && ok; ++i) {
      ok = rekeyer_->rekey(i % opt_.tunnels, err);
      round();
      round();
    }
    f.seconds = static_cast<double>(rte_rdtsc() - t0) / static_cast<double>(rte_get_tsc_hz());
    f.completed = finish_phase() && ok;
    f.sas = control_->stats().adopted - adopted0;
    account(f);
    return f;
  }

  Flow fill(std::string* err) {
    Flow f;
    f.name = "fill";
    lab_->set_tunnels(opt_.tunnels);
    start_phase();
    if (!launch()) {
      *err = "cannot launch the worker lcore";
      return f;
    }
    const uint64_t t0 = rte_rdtsc();
    uint32_t spi = 0x40000000;  // far from the rekeyer's SPIs
    const uint64_t rejected0 = control_->stats().rejected;
    bool ok = true;
    for (unsigned i = 0; i < opt_.sas && ok; ++i) {
      dp::LabSaPair p = dp::make_lab_sa_pair(spi + i, opt_.transform, esp_->mgr, err);
      ok = p.in && control_->install_inbound(0, std::move(p.in), i % opt_.tunnels);
      round();
    }
    ok = ok && until([&] { return all_applied(); }, 10, true);
    round();  // refusals, if any, are back by now
    const bool all_live = control_->stats().rejected == rejected0;
    for (unsigned i = 0; i < opt_.sas && ok; ++i) {
      ok = control_->delete_inbound(0, spi + i);
      round();
    }
    f.seconds = static_cast<double>(rte_rdtsc() - t0) / static_cast<double>(rte_get_tsc_hz());
    f.completed = finish_phase() && ok && all_live;
    f.sas = opt_.sas;
    account(f);
    return f;
  }

  const dp::WorkerCtx& worker() const { return *worker_; }
  const dp::SaControl& control() const { return *control_; }
  const std::vector<dp::Event>& events() const { return events_; }
  const char* arch() const { return esp_->arch_name(); }

 private:
  // After join(): conservation of packets over the phase.
  void account(Flow& f) {
    const dp::WorkerCtx& w = *worker_;
    f.generated = lab_->generated() - base_generated_;
    f.delivered = lab_->delivered() - base_delivered_;
    f.in_rings = lab_->drain();
    const dp::EspCounters& esp = worker_->esp().counters;
    for (size_t i = 0; i < dp::kNumEspCounters; ++i)
      if (i >= 2 && esp.v[i]) f.drops_by_name.emplace_back(dp::kEspCounterNames[i], esp.v[i]);
    for (dp::WorkerCounter c : {dp::WorkerCounter::kTxFull, dp::WorkerCounter::kNoSa,
                                dp::WorkerCounter::kUnknownTunnel})
      if (w.counters()[c]) f.drops_by_name.emplace_back(dp::counter_name(c), w.counters()[c]);
    f.drops = w.counters().drops() + esp.drops();
    f.lost = f.generated - std::min(f.generated, f.delivered + f.drops + f.in_rings);
    f.lost += lab_->overflow();
    f.corrupted = lab_->corrupted();
    f.max_gap_us = us(w.max_gap_tsc());
    f.gap_p999_us = gap_quantile_us(w, 0.999);
    f.iterations = w.counters()[dp::WorkerCounter::kIterations];
    f.msgs = w.counters()[dp::WorkerCounter::kMsgs];
    // The lab's window is refilled from delivered packets; a phase that
    // starts with packets of the previous one in flight cannot happen,
    // because finish_phase() waited for all of them.
  }

  Options opt_;
  unsigned lcore_;
  std::unique_ptr<dp::SaControl> control_;
  std::unique_ptr<dp::LoopLab> lab_;
  std::unique_ptr<dp::WorkerCtx> worker_;
  std::unique_ptr<dp::EspCtx> esp_;
  std::unique_ptr<dp::LabRekeyer> rekeyer_;
  std::vector<dp::Event> events_;
  std::atomic<bool> stop_{false};
  dp::WorkerLaunch launch_;
  bool running_ = false;
  uint64_t base_generated_ = 0, base_delivered_ = 0;
};

std::array<std::pair<const char*, Percentiles>, 4> latency_rows(const Bench::Latency& l) {
  return {{{"outbound, applied on the worker", l.out_applied},
           {"outbound, first packet", l.out_first},
           {"inbound, applied on the worker", l.in_applied},
           {"inbound, first packet (looped)", l.in_first}}};
}

void print_flow_text(const Bench::Flow& f, unsigned tunnels) {
  if (f.name == "steady")
    std::printf("steady: no SA changes for %.3f s, %u tunnels (the baseline)\n", f.seconds, tunnels);
  else
    std::printf("%s: %llu SAs in %.3f s (%.0f SAs/s)%s, %u tunnels\n", f.name.c_str(),
                static_cast<unsigned long long>(f.sas), f.seconds,
                static_cast<double>(f.sas) / f.seconds,
                f.name == "churn" ? " as make-before-break rekeys" : " installed, then deleted",
                tunnels);
  std::printf("  packets: generated %llu = delivered %llu + dropped %llu + in rings %llu; lost %llu, "
              "corrupted %llu (%.2f Mpps through the worker, both directions)\n",
              static_cast<unsigned long long>(f.generated), static_cast<unsigned long long>(f.delivered),
              static_cast<unsigned long long>(f.drops), static_cast<unsigned long long>(f.in_rings),
              static_cast<unsigned long long>(f.lost), static_cast<unsigned long long>(f.corrupted),
              2.0 * static_cast<double>(f.delivered) / f.seconds / 1e6);
  for (const auto& [name, n] : f.drops_by_name)
    std::printf("    dropped %s: %llu\n", name.c_str(), static_cast<unsigned long long>(n));
  std::printf("  worker: %llu iterations, %llu messages applied, longest gap between iterations "
              "%.1f us, 99.9%% of gaps below %.1f us%s\n",
              static_cast<unsigned long long>(f.iterations), static_cast<unsigned long long>(f.msgs),
              f.max_gap_us, f.gap_p999_us, f.completed ? "" : "  (phase did not complete)");
}

void print_flow_json(const Bench::Flow& f) {
  std::printf("  \"%s\": {\"sas\": %llu, \"seconds\": %.4f, \"generated\": %llu, \"delivered\": %llu, "
              "\"dropped\": %llu, \"in_rings\": %llu, \"lost\": %llu, \"corrupted\": %llu, "
              "\"iterations\": %llu, \"messages\": %llu, \"max_gap_us\": %.2f, "
              "\"gap_p999_us\": %.2f, \"completed\": %s, \"drops\": {",
              f.name.c_str(), static_cast<unsigned long long>(f.sas), f.seconds,
              static_cast<unsigned long long>(f.generated), static_cast<unsigned long long>(f.delivered),
              static_cast<unsigned long long>(f.drops), static_cast<unsigned long long>(f.in_rings),
              static_cast<unsigned long long>(f.lost), static_cast<unsigned long long>(f.corrupted),
              static_cast<unsigned long long>(f.iterations), static_cast<unsigned long long>(f.msgs),
              f.max_gap_us, f.gap_p999_us, f.completed ? "true" : "false");
  bool first = true;
  for (const auto& [name, n] : f.drops_by_name) {
    std::printf("%s\"%s\": %llu", first ? "" : ", ", name.c_str(), static_cast<unsigned long long>(n));
    first = false;
  }
  std::printf("}}");
}

}  // namespace

int cmd_bench_sa(int argc, char** argv) {
  Options opt;
  std::vector<std::string> eal_args;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    unsigned long n = 0;
    auto number = [&](unsigned long lo, unsigned long hi) {
      return i + 1 < argc && parse_count(argv[++i], lo, hi, &n);
    };
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (a == "--json") {
      opt.json = true;
    } else if (a == "--") {
      for (++i; i < argc; ++i) eal_args.emplace_back(argv[i]);
    } else if (a == "--installs") {
      if (!number(1, 1000000)) return usage_error("--installs must be 1..1000000");
      opt.installs = static_cast<unsigned>(n);
    } else if (a == "--sas") {
      if (!number(2, 1000000)) return usage_error("--sas must be 2..1000000");
      opt.sas = static_cast<unsigned>(n);
    } else if (a == "--tunnels") {
      if (!number(1, 4096)) return usage_error("--tunnels must be 1..4096");
      opt.tunnels = static_cast<unsigned>(n);
    } else if (a == "--size") {
      if (!number(36, 1500)) return usage_error("--size must be 36..1500");
      opt.size = static_cast<unsigned>(n);
    } else if (a == "--window") {
      if (!number(1, 2048)) return usage_error("--window must be 1..2048");
      opt.window = static_cast<unsigned>(n);
    } else if (a == "--steady-ms") {
      if (!number(1, 600000)) return usage_error("--steady-ms must be 1..600000");
      opt.steady_ms = static_cast<unsigned>(n);
    } else if (a == "--transform") {
      if (i + 1 >= argc) return usage_error("--transform needs a value");
      auto t = dp::transform_from_name(argv[++i]);
      if (!t) return usage_error(std::string("unknown transform '") + argv[i] + "'");
      opt.transform = *t;
    } else {
      return usage_error("unknown argument '" + std::string(a) + "'");
    }
  }
  if (eal_args.empty())
    eal_args = {"--no-huge", "-m", "512", "--no-shconf", "--no-pci", "--no-telemetry",
                "--log-level=*:warning", "-l", "0,1"};

  std::string err;
  if (!dp::eal_init(eal_args, &err)) {
    std::fprintf(stderr, "keyway bench-sa: %s\n", err.c_str());
    return 2;
  }
  const unsigned lcore = rte_get_next_lcore(-1, 1, 0);
  if (lcore >= RTE_MAX_LCORE) {
    std::fprintf(stderr, "keyway bench-sa: needs a worker lcore besides the main one (-l 0,1)\n");
    return 2;
  }
  rte_mempool* pool = dp::make_pktmbuf_pool("bench_sa_pool", 8191, &err);
  if (!pool) {
    std::fprintf(stderr, "keyway bench-sa: %s\n", err.c_str());
    return 2;
  }

  int status = 0;
  {
    Bench bench(opt, lcore);
    if (!bench.setup(pool, &err)) {
      std::fprintf(stderr, "keyway bench-sa: %s\n", err.c_str());
      return 2;
    }
    const std::string tname(dp::transform_info(opt.transform).name);
    if (!opt.json)
      std::printf("keyway bench-sa: worker on lcore %u, control on lcore %u, TSC %.2f GHz, %s "
                  "(intel-ipsec-mb %s), %u-byte packets, window %u\n",
                  lcore, rte_get_main_lcore(), static_cast<double>(rte_get_tsc_hz()) / 1e9,
                  tname.c_str(), bench.arch(), opt.size, opt.window);
    std::fflush(stdout);

    const Bench::Latency lat = bench.latency(&err);
    if (!err.empty()) {
      std::fprintf(stderr, "keyway bench-sa: %s\n", err.c_str());
      return 1;
    }
    if (!opt.json) {
      std::printf("install latency from the control thread's submit, %u make-before-break rekeys "
                  "of one tunnel, traffic flowing:\n",
                  opt.installs);
      for (const auto& [name, p] : latency_rows(lat))
        std::printf("  %-32s n=%zu  median %7.2f us  p99 %7.2f us  max %8.2f us\n", name, p.n,
                    p.median, p.p99, p.max);
      if (lat.timeouts) std::printf("  %u installs saw no packet within 1 s\n", lat.timeouts);
      std::fflush(stdout);
    }

    const Bench::Flow steady = bench.steady(opt.steady_ms / 1000.0, &err);
    if (!opt.json) {
      print_flow_text(steady, opt.tunnels);
      std::fflush(stdout);
    }
    const Bench::Flow churn = bench.churn(&err);
    if (!opt.json) {
      print_flow_text(churn, opt.tunnels);
      std::fflush(stdout);
    }
    const Bench::Flow fill = bench.fill(&err);
    if (!opt.json) print_flow_text(fill, opt.tunnels);
    if (!err.empty()) std::fprintf(stderr, "keyway bench-sa: %s\n", err.c_str());

    if (opt.json) {
      std::printf("{\"transform\": \"%s\", \"size\": %u, \"window\": %u, \"tunnels\": %u, "
                  "\"tsc_ghz\": %.3f,\n  \"latency_us\": {",
                  tname.c_str(), opt.size, opt.window, opt.tunnels,
                  static_cast<double>(rte_get_tsc_hz()) / 1e9);
      const char* keys[] = {"outbound_applied", "outbound_first_packet", "inbound_applied",
                            "inbound_first_packet"};
      const auto rows = latency_rows(lat);
      for (size_t k = 0; k < rows.size(); ++k) {
        const Percentiles& p = rows[k].second;
        std::printf("%s\"%s\": {\"n\": %zu, \"median\": %.3f, \"p99\": %.3f, \"max\": %.3f}",
                    k ? ", " : "", keys[k], p.n, p.median, p.p99, p.max);
      }
      std::printf(", \"timeouts\": %u},\n", lat.timeouts);
      print_flow_json(steady);
      std::printf(",\n");
      print_flow_json(churn);
      std::printf(",\n");
      print_flow_json(fill);
      std::printf("\n}\n");
    }
    for (const Bench::Flow* f : {&steady, &churn, &fill})
      if (f->lost || f->drops || f->corrupted || !f->completed) status = 1;
    if (lat.timeouts || !err.empty()) status = 1;
    const auto& st = bench.control().stats();
    if (st.unknown_returns) status = 1;
  }
  rte_mempool_free(pool);
  rte_eal_cleanup();
  return status;
}

}  // namespace keyway::cli
