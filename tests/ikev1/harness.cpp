#include "tests/ikev1/harness.h"

#include <stdlib.h>

#include <algorithm>
#include <stdexcept>

#include "control/policy/trustpoints.h"
#include "pki/enroll.h"
#include "pki/lab_ca.h"
#include "pki/store.h"

namespace keyway::ikev1::test {

Router::Router(std::string name, std::shared_ptr<const config::Config> cfg, std::vector<TunnelConfig> tunnels,
               std::vector<pki::Trustpoint> tps, EngineOptions opt, std::deque<Datagram>* wire)
    : name_(std::move(name)), cfg_(std::move(cfg)) {
  host_.wire = wire;
  host_.name = name_;
  const char* echo = getenv("KEYWAY_TEST_ECHO");
  host_.echo = echo && *echo == '1';
  if (!tunnels.empty()) address_ = tunnels.front().local;
  engine_ = std::make_unique<Engine>(*cfg_, std::move(tps), std::move(tunnels), host_, std::move(opt));
}

std::vector<TunnelConfig> tunnels_of(const config::Config& cfg) {
  return ikev2::test::tunnels_of(cfg);  // one TunnelConfig type (control/ike/host.h)
}

Net::Net() : now_(Clock::time_point{} + std::chrono::hours(1000)) {}

Router& Net::add(const std::string& name, std::shared_ptr<const config::Config> cfg, std::vector<pki::Trustpoint> tps,
                 EngineOptions opt) {
  if (!opt.random) opt.random = seeded_random(std::hash<std::string>{}(name));
  std::vector<TunnelConfig> t = tunnels_of(*cfg);
  routers_.push_back(
      std::make_unique<Router>(name, std::move(cfg), std::move(t), std::move(tps), std::move(opt), &wire_));
  return *routers_.back();
}

size_t Net::run(size_t limit) {
  size_t n = 0;
  while (!wire_.empty() && n < limit) {
    Datagram d = std::move(wire_.front());
    wire_.pop_front();
    trace.push_back(d);
    ++n;
    if (drop && drop(d)) {
      ++dropped;
      continue;
    }
    if (mutate) d.data = mutate(d);
    for (const Nat& nat : nats_)
      if (d.from.addr == nat.inside) {
        d.from.addr = nat.outside;
        d.from.port = static_cast<uint16_t>(nat.port_base + (d.from.port == 500 ? 1 : 2));
      }
    for (const Nat& nat : nats_)
      if (d.to.addr == nat.outside && (d.to.port == nat.port_base + 1 || d.to.port == nat.port_base + 2)) {
        d.to.addr = nat.inside;
        d.to.port = d.to.port == nat.port_base + 1 ? 500 : 4500;
      }
    for (auto& r : routers_) {
      if (r->address() != d.to.addr) continue;
      r->engine().receive(d.to, d.from, d.data, now_);
      ++delivered;
    }
  }
  return n;
}

void Net::advance(Clock::duration d, Clock::duration step) {
  Clock::time_point end = now_ + d;
  while (now_ < end) {
    now_ = std::min(end, now_ + step);
    for (auto& r : routers_) r->engine().tick(now_);
    run();
  }
}

namespace {

template <class T>
T must(pki::Result<T> r, const std::string& what) {
  if (!r) throw std::runtime_error(what + ": " + r.error());
  return r.take();
}

void enroll_from(pki::CertStore& store, pki::LabCa& ca, const config::Config& cfg, const std::string& tp,
                 const std::string& serial) {
  const config::Trustpoint* t = cfg.trustpoint(tp);
  if (!t) throw std::runtime_error("no trustpoint " + tp);
  pki::EnrollmentRequest req = pki::request_from_policy(policy::trustpoint_policy(*t, cfg), serial);
  must(pki::enroll(store, ca, tp, req, {}), "enroll " + tp);
}

}  // namespace

SeedPki& SeedPki::get() {
  static SeedPki pki;
  return pki;
}

SeedPki::SeedPki() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "keyway-ikev1-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  pki::CaOptions o;
  o.name = "CA1";
  o.subject = "CN=CA1,O=cisco,O=com";
  o.not_before = time(nullptr) - 3600;
  pki::LabCa ca1 = must(pki::LabCa::create(dir_ / "ca1", o), "CA1");
  o.name = "CA2";
  o.subject = "CN=CA2,O=cisco,O=com";
  pki::LabCa ca2 = must(pki::LabCa::create(dir_ / "ca2", o), "CA2");
  auto r1 = load_file(seed_config("ikev1-multi-cert", "r1.cfg"));
  auto r2 = load_file(seed_config("ikev1-multi-cert", "r2.cfg"));
  {
    pki::CertStore s = must(pki::CertStore::open(dir_ / "r1"), "store");
    enroll_from(s, ca1, *r1, "IOSCA1", "100");
    enroll_from(s, ca2, *r1, "IOSCA2", "100");
  }
  {
    pki::CertStore s = must(pki::CertStore::open(dir_ / "r2"), "store");
    enroll_from(s, ca2, *r2, "IOSCA2", "101");
    enroll_from(s, ca1, *r2, "IOSCA1", "101");
  }
  {
    pki::CertStore s = must(pki::CertStore::open(dir_ / "r1_reenroll"), "store");
    enroll_from(s, ca2, *r1, "IOSCA2", "100");
    enroll_from(s, ca1, *r1, "IOSCA1", "100");
  }
}

SeedPki::~SeedPki() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::vector<pki::Trustpoint> SeedPki::trustpoints(const std::string& store, const config::Config& cfg) {
  pki::CertStore s = must(pki::CertStore::open(dir_ / store, false), "store " + store);
  s.apply(policy::trustpoint_policies(cfg));
  return s.trustpoints();
}

}  // namespace keyway::ikev1::test
