// keyway bench-ike: IKE_SA + first child SA establishments per second,
// keyway against keyway, with certificates. One initiator and one
// responder Engine in this process over an in-memory network (no sockets),
// the real clock, real randomness, real certificates from a lab CA created
// at start in a temporary directory. Both ends run on this one thread, so
// the rate is per core for BOTH sides together.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "control/cli/commands.h"
#include "control/config/load.h"
#include "control/ikev2/engine.h"
#include "control/policy/trustpoints.h"
#include "pki/enroll.h"
#include "pki/lab_ca.h"
#include "pki/store.h"

namespace keyway::cli {
namespace {

constexpr const char* kUsage =
    "usage: keyway bench-ike [--seconds S] [--json]\n"
    "\n"
    "IKE_SA + first child SA establishments per second, keyway against keyway:\n"
    "one initiator and one responder IKEv2 engine in this process over an\n"
    "in-memory network, real clock and randomness, certificates from a lab CA\n"
    "made at start in a temporary directory. Loop for S seconds per suite:\n"
    "initiate, deliver until both ends have the child SA up, clear, deliver the\n"
    "Delete. Two suites (AES-GCM-256 IKE and ESP, PRF SHA-256):\n"
    "  rsa2048-modp2048   RSA-2048 certificates (RFC 7427 SHA-256), group 14\n"
    "  ecdsa256-ecp256    ECDSA P-256 certificates, group 19\n"
    "Reports establishments/s, CPU ms per establishment of each side (thread\n"
    "CPU time spent inside that engine's calls) and the median and p99\n"
    "latency from initiate to both ends up. Both sides share ONE core.\n"
    "\n"
    "  --seconds S   measuring time per suite (default 5)\n"
    "  --json        one JSON row per suite instead of a table\n";

using ikev2::Bytes;
using ikev2::Endpoint;

double thread_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

struct Datagram {
  Endpoint from, to;
  Bytes data;
};

class BenchHost : public ikev2::Host {
 public:
  explicit BenchHost(std::deque<Datagram>* wire) : wire_(wire) {}
  void send(const Endpoint& local, const Endpoint& remote, const Bytes& message) override {
    wire_->push_back({local, remote, message});
  }
  bool install_child(uint32_t, const dp::SaSpec&, const dp::SaSpec&, std::string*) override {
    ++installs;
    return true;
  }
  void delete_child(uint32_t, uint32_t) override { ++deletes; }
  void log(std::string_view line) override {
    if (line.find("SA_UP") == std::string_view::npos && line.find("SA_DOWN") == std::string_view::npos &&
        line.find("IKEV2-") != std::string_view::npos)
      last_event.assign(line);
  }
  uint64_t installs = 0, deletes = 0;
  std::string last_event;

 private:
  std::deque<Datagram>* wire_;
};

struct Suite {
  const char* name;
  const char* auth;   // rsa-sig | ecdsa-sig
  const char* group;  // 14 | 19
  pki::KeyType key;
};

constexpr uint32_t kAddr[3] = {0, 0xC0A80001u, 0xC0A80002u};  // 192.168.0.1, .2

std::string config_text(int self, const Suite& s) {
  std::string n = std::to_string(self), p = std::to_string(3 - self);
  std::string me = "192.168.0." + n, peer = "192.168.0." + p;
  return "hostname R" + n +
         "\n"
         "ip domain name cisco.com\n"
         "crypto pki trustpoint TP1\n"
         " enrollment terminal\n"
         " serial-number\n"
         " fqdn R" + n + ".cisco.com\n" +
         " ip-address " + me + "\n" +
         " subject-name CN=R" + n + ",OU=IT,O=cisco,O=com\n" +
         " revocation-check none\n"
         "crypto ikev2 proposal prop\n"
         " encryption aes-gcm-256\n"
         " prf sha256\n"
         " group " + s.group + "\n" +
         "crypto ikev2 policy pol\n"
         " proposal prop\n"
         "crypto ikev2 profile prof\n"
         " match identity remote address " + peer + " 255.255.255.255\n" +
         " identity local address " + me + "\n" +
         " authentication remote " + s.auth + "\n" +
         " authentication local " + s.auth + "\n" +
         " pki trustpoint TP1\n"
         "crypto ipsec transform-set ts esp-gcm 256\n"
         " mode tunnel\n"
         "crypto ipsec profile vti\n"
         " set transform-set ts\n"
         " set ikev2-profile prof\n"
         "interface Ethernet0/0\n"
         " ip address " + me + " 255.255.255.0\n" +
         "interface Tunnel1\n"
         " ip address 10.0.0." + n + " 255.255.255.0\n" +
         " tunnel source Ethernet0/0\n"
         " tunnel destination " + peer + "\n" +
         " tunnel mode ipsec ipv4\n"
         " tunnel protection ipsec profile vti\n"
         "end\n";
}

std::shared_ptr<const config::Config> load_config(const std::string& name, const std::string& text) {
  config::LoadResult r = config::load_text(name, text);
  if (!r.ok())
    throw std::runtime_error("configuration " + name + " does not load:\n" +
                             r.diagnostics.format_all());
  return r.config;
}

template <class T>
T must(pki::Result<T> r, const std::string& what) {
  if (!r) throw std::runtime_error(what + ": " + r.error());
  return r.take();
}

// Enrolls router `self` of `cfg` with `ca` into store DIR/name and returns
// its trust-points with the configuration's policies applied.
std::vector<pki::Trustpoint> enroll_router(const std::filesystem::path& dir, pki::LabCa& ca, const config::Config& cfg,
                                           const std::string& serial, pki::KeyType key) {
  pki::CertStore store = must(pki::CertStore::open(dir), "store " + dir.string());
  const config::Trustpoint* t = cfg.trustpoint("TP1");
  if (!t) throw std::runtime_error("no trustpoint TP1");
  pki::EnrollmentRequest req = pki::request_from_policy(policy::trustpoint_policy(*t, cfg), serial);
  pki::EnrollOptions eo;
  eo.key_type = key;
  eo.own_key = key != pki::KeyType::kRsa2048;
  must(pki::enroll(store, ca, "TP1", req, eo), "enroll " + dir.string());
  store.apply(policy::trustpoint_policies(cfg));
  return store.trustpoints();
}

struct Row {
  std::string suite;
  uint64_t established = 0;
  uint64_t failed = 0;
  double seconds = 0;
  double rate = 0;
  double cpu_ms_init = 0, cpu_ms_resp = 0, cpu_ms_other = 0;
  double median_ms = 0, p99_ms = 0;
  double cpu_share = 0;  // this thread's CPU time over wall time while measuring
  double per_cpu_second = 0;  // establishments per second of this thread's CPU time
};

Row run_suite(const Suite& s, const std::filesystem::path& root, double seconds) {
  std::filesystem::path dir = root / s.name;
  std::filesystem::create_directories(dir);
  pki::CaOptions co;
  co.name = "CA1";
  co.subject = "CN=CA1,O=cisco,O=com";
  co.key_type = s.key;
  co.not_before = time(nullptr) - 3600;
  pki::LabCa ca = must(pki::LabCa::create(dir / "ca", co), "lab CA");
  auto cfg1 = load_config("R1", config_text(1, s));
  auto cfg2 = load_config("R2", config_text(2, s));
  auto tp1 = enroll_router(dir / "r1", ca, *cfg1, "100", s.key);
  auto tp2 = enroll_router(dir / "r2", ca, *cfg2, "101", s.key);

  std::deque<Datagram> wire;
  BenchHost h1(&wire), h2(&wire);
  ikev2::EngineOptions eo;
  eo.rfc7427_for_rsa = true;  // as strongSwan signs with RSA (SHA-256)
  ikev2::Engine e1(*cfg1, tp1, {{1, "Tunnel1", kAddr[1], kAddr[2], "vti"}}, h1, eo);
  ikev2::Engine e2(*cfg2, tp2, {{1, "Tunnel1", kAddr[2], kAddr[1], "vti"}}, h2, eo);
  ikev2::Engine* engines[3] = {nullptr, &e1, &e2};
  double cpu[3] = {0, 0, 0};

  auto deliver = [&]() {
    while (!wire.empty()) {
      Datagram d = std::move(wire.front());
      wire.pop_front();
      int to = d.to.addr == kAddr[1] ? 1 : d.to.addr == kAddr[2] ? 2 : 0;
      if (!to) continue;
      double c0 = thread_cpu_s();
      engines[to]->receive(d.to, d.from, d.data, ikev2::Clock::now());
      cpu[to] += thread_cpu_s() - c0;
    }
  };
  auto tick_both = [&]() {
    for (int i = 1; i <= 2; ++i) {
      double c0 = thread_cpu_s();
      engines[i]->tick(ikev2::Clock::now());
      cpu[i] += thread_cpu_s() - c0;
    }
  };

  Row row;
  row.suite = s.name;
  std::vector<double> lat_ms;
  using SClock = std::chrono::steady_clock;
  // One warm-up establishment, not counted; it must succeed.
  bool warm = true;
  double cpu_start = 0;
  SClock::time_point start = SClock::now(), end = start + std::chrono::duration_cast<SClock::duration>(
                                                              std::chrono::duration<double>(seconds));
  for (;;) {
    SClock::time_point t0 = SClock::now();
    if (!warm && t0 >= end) break;
    double c0 = thread_cpu_s();
    e1.initiate(1, ikev2::Clock::now());
    cpu[1] += thread_cpu_s() - c0;
    deliver();
    // The in-memory wire loses nothing, so one pass is enough; tick once
    // in case anything waits on a timer.
    if (!(e1.tunnel_up(1) && e2.tunnel_up(1))) {
      tick_both();
      deliver();
    }
    bool up = e1.tunnel_up(1) && e2.tunnel_up(1);
    SClock::time_point t1 = SClock::now();
    c0 = thread_cpu_s();
    e1.clear(ikev2::Clock::now());
    cpu[1] += thread_cpu_s() - c0;
    deliver();
    if (e2.established_count() != 0) {  // the Delete did not remove it
      c0 = thread_cpu_s();
      e2.clear(ikev2::Clock::now());
      cpu[2] += thread_cpu_s() - c0;
      wire.clear();
    }
    if (warm) {
      if (!up) throw std::runtime_error(std::string(s.name) + ": the first IKE SA did not come up");
      warm = false;
      cpu[1] = cpu[2] = 0;
      start = SClock::now();
      cpu_start = thread_cpu_s();
      end = start + std::chrono::duration_cast<SClock::duration>(std::chrono::duration<double>(seconds));
      continue;
    }
    if (up) {
      ++row.established;
      lat_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    } else {
      ++row.failed;
    }
  }
  row.seconds = std::chrono::duration<double>(SClock::now() - start).count();
  double cpu_total = thread_cpu_s() - cpu_start;
  row.rate = double(row.established) / row.seconds;
  row.cpu_share = cpu_total / row.seconds;
  row.per_cpu_second = cpu_total > 0 ? double(row.established) / cpu_total : 0;
  if (row.established) {
    row.cpu_ms_init = cpu[1] * 1e3 / double(row.established);
    row.cpu_ms_resp = cpu[2] * 1e3 / double(row.established);
    std::sort(lat_ms.begin(), lat_ms.end());
    row.median_ms = lat_ms[lat_ms.size() / 2];
    row.p99_ms = lat_ms[std::min(lat_ms.size() - 1, lat_ms.size() * 99 / 100)];
    // Wall time per establishment not spent inside either engine (the
    // loop, the wire, the clock reads).
    row.cpu_ms_other = cpu_total * 1e3 / double(row.established) - row.cpu_ms_init - row.cpu_ms_resp;
  }
  return row;
}

}  // namespace

int cmd_bench_ike(int argc, char** argv) {
  double seconds = 5;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--json") {
      json = true;
    } else if (a == "--seconds" && i + 1 < argc) {
      char* endp = nullptr;
      seconds = std::strtod(argv[++i], &endp);
      if (*endp || !(seconds > 0 && seconds <= 3600)) {
        std::fprintf(stderr, "keyway bench-ike: --seconds wants a number in (0, 3600]\n");
        return 2;
      }
    } else if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else {
      std::fprintf(stderr, "keyway bench-ike: unknown argument %s\n%s", argv[i], kUsage);
      return 2;
    }
  }

  const Suite suites[] = {
      {"rsa2048-modp2048", "rsa-sig", "14", pki::KeyType::kRsa2048},
      {"ecdsa256-ecp256", "ecdsa-sig", "19", pki::KeyType::kEcP256},
  };
  std::string tmpl = (std::filesystem::temp_directory_path() / "keyway-bench-ike-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) {
    std::fprintf(stderr, "keyway bench-ike: mkdtemp failed\n");
    return 1;
  }
  std::filesystem::path root = tmpl;
  std::vector<Row> rows;
  int status = 0;
  try {
    for (const Suite& s : suites) rows.push_back(run_suite(s, root, seconds));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "keyway bench-ike: %s\n", e.what());
    status = 1;
  }
  std::error_code ec;
  std::filesystem::remove_all(root, ec);

  if (json) {
    for (const Row& r : rows)
      std::printf(
          "{\"bench\":\"ike\",\"impl\":\"keyway\",\"suite\":\"%s\",\"established\":%llu,\"failed\":%llu,"
          "\"seconds\":%.3f,\"per_second\":%.1f,\"cpu_ms_initiator\":%.3f,\"cpu_ms_responder\":%.3f,"
          "\"median_ms\":%.3f,\"p99_ms\":%.3f,\"cpu_share\":%.3f,\"per_cpu_second\":%.1f,\"cores\":1}\n",
          r.suite.c_str(), static_cast<unsigned long long>(r.established),
          static_cast<unsigned long long>(r.failed), r.seconds, r.rate, r.cpu_ms_init, r.cpu_ms_resp, r.median_ms,
          r.p99_ms, r.cpu_share, r.per_cpu_second);
  } else {
    std::printf("keyway bench-ike: IKE_SA + first child SA, keyway vs keyway, both ends on ONE core\n");
    std::printf("(AES-GCM-256 IKE and ESP, PRF SHA-256, in-memory network, %.1f s per suite)\n\n", seconds);
    std::printf("%-18s %8s %6s %10s %12s %12s %10s %9s\n", "suite", "estab", "failed", "estab/s", "cpu ms init",
                "cpu ms resp", "median ms", "p99 ms");
    for (const Row& r : rows)
      std::printf("%-18s %8llu %6llu %10.1f %12.3f %12.3f %10.3f %9.3f\n", r.suite.c_str(),
                  static_cast<unsigned long long>(r.established), static_cast<unsigned long long>(r.failed), r.rate,
                  r.cpu_ms_init, r.cpu_ms_resp, r.median_ms, r.p99_ms);
    std::printf("\n%-18s %10s %14s %14s\n", "suite", "cpu share", "estab/cpu-s", "cpu ms other");
    for (const Row& r : rows)
      std::printf("%-18s %10.2f %14.1f %14.3f\n", r.suite.c_str(), r.cpu_share, r.per_cpu_second, r.cpu_ms_other);
    std::printf(
        "\ncpu share: this thread's CPU time over wall time (below 1: other processes took the core);\n"
        "estab/cpu-s: establishments per second of this thread's CPU time (the rate on an idle core);\n"
        "cpu ms other: CPU per establishment outside both engines (the loop, the in-memory wire).\n"
        "CPU ms of each side include its share of the teardown (Delete) after each establishment.\n");
  }
  for (const Row& r : rows)
    if (r.failed) status = 1;
  return status;
}

}  // namespace keyway::cli
