// What the IKEv1 and IKEv2 engine tests share: two (or more) engines in one
// process over an in-memory network, a fake clock, deterministic
// randomness, a Host that records what each engine asked of the data plane
// and logged, configurations from text or from configs/, and a lab PKI
// (two CAs) in a temporary directory. tests/ikev1/harness.h and
// tests/ikev2/harness.h instantiate Router and Net with their engine and
// add their seed's certificate stores.
//
//   ikev2::test::Net net;               // ike::test::Net<ikev2::Engine, ...>
//   auto& a = net.add("R1", config_text_a, trustpoints_a);
//   auto& b = net.add("R2", config_text_b, trustpoints_b);
//   a.engine().initiate(1, net.now());
//   net.run();                          // deliver until the wire is quiet
//   net.advance(std::chrono::seconds(5));  // tick every engine, deliver
//
// Datagrams go to the router that owns the destination address. A Nat in
// front of a router rewrites its source (address and port) on the way out
// and the destination on the way back, as a NAPT would. `drop`, `mutate`
// and `copies` decide the fate of each datagram (lost, altered,
// duplicated).
#pragma once

#include <chrono>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "control/config/model.h"
#include "control/ike/host.h"
#include "pki/enroll.h"
#include "pki/lab_ca.h"
#include "pki/trustpoint.h"

namespace keyway::ike::test {

uint32_t ip(const char* dotted);

struct Datagram {
  Endpoint from, to;
  Bytes data;
};

struct Install {
  uint32_t tunnel = 0;
  dp::SaSpec in, out;
};

class TestHost : public Host {
 public:
  void send(const Endpoint& local, const Endpoint& remote, const Bytes& message) override;
  bool install_child(uint32_t tunnel, const dp::SaSpec& in, const dp::SaSpec& out, std::string* error) override;
  void delete_child(uint32_t tunnel, uint32_t inbound_spi) override;
  void log(std::string_view line) override;
  void send_keepalive(const Endpoint& local, const Endpoint& remote) override {
    keepalives.push_back({local, remote, {0xff}});
  }

  std::deque<Datagram>* wire = nullptr;
  std::string name;
  bool refuse_installs = false;
  bool echo = false;  // print log lines (KEYWAY_TEST_ECHO=1)

  std::vector<Install> installs;
  std::vector<std::pair<uint32_t, uint32_t>> deletes;  // tunnel, inbound SPI
  std::vector<std::string> logs;
  std::vector<Datagram> keepalives;
  size_t sent = 0;

  // Installed pairs not deleted since, oldest first.
  std::vector<Install> live() const;
  bool logged(const std::string& line) const;
  bool logged_containing(const std::string& part) const;
  // Whether `lines` appear in this order (not necessarily adjacent).
  bool logged_in_order(const std::vector<std::string>& lines) const;
};

struct Nat {
  uint32_t inside = 0;     // the router's own address
  uint32_t outside = 0;    // the address the peer sees
  uint16_t port_base = 0;  // inside port 500 appears as port_base + 1, 4500 as port_base + 2
};

// The tunnels of a configuration: every Tunnel interface with `tunnel
// protection`, id = its number (Tunnel1 -> 1), local = `tunnel source`.
std::vector<TunnelConfig> tunnels_of(const config::Config& cfg);

// A configuration from text; fails the test (throws) on errors.
std::shared_ptr<const config::Config> load(const std::string& name, const std::string& text);
std::shared_ptr<const config::Config> load_file(const std::filesystem::path& path);
// configs/<dir>/<file> from the source tree.
std::filesystem::path seed_config(const std::string& dir, const std::string& file);

// Deterministic randomness from a seed (splitmix64).
std::function<void(uint8_t*, size_t)> seeded_random(uint64_t seed);

// KEYWAY_TEST_ECHO=1 in the environment.
bool echo_from_env();
// `d` after the NATs: an inside source rewritten to the outside address
// and port, a datagram to an outside address and mapped port back inside.
void through_nats(Datagram& d, const std::vector<Nat>& nats);

// One router: a TestHost and an engine (ikev1::Engine or ikev2::Engine,
// with its EngineOptions).
template <class EngineT, class OptionsT>
class Router {
 public:
  Router(std::string name, std::shared_ptr<const config::Config> cfg, std::vector<TunnelConfig> tunnels,
         std::vector<pki::Trustpoint> tps, OptionsT opt, std::deque<Datagram>* wire)
      : name_(std::move(name)), cfg_(std::move(cfg)) {
    host_.wire = wire;
    host_.name = name_;
    host_.echo = echo_from_env();
    if (!tunnels.empty()) address_ = tunnels.front().local;
    engine_ = std::make_unique<EngineT>(*cfg_, std::move(tps), std::move(tunnels), host_, std::move(opt));
  }
  EngineT& engine() { return *engine_; }
  TestHost& host() { return host_; }
  const config::Config& config() const { return *cfg_; }
  uint32_t address() const { return address_; }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::shared_ptr<const config::Config> cfg_;
  uint32_t address_ = 0;
  TestHost host_;
  std::unique_ptr<EngineT> engine_;
};

template <class EngineT, class OptionsT>
class Net {
 public:
  using RouterT = Router<EngineT, OptionsT>;

  Net() : now_(Clock::time_point{} + std::chrono::hours(1000)) {}

  // A router for `cfg`; its options get seeded randomness (from the name)
  // unless they have their own; its tunnels are the configuration's unless
  // given.
  RouterT& add(const std::string& name, std::shared_ptr<const config::Config> cfg,
               std::vector<pki::Trustpoint> tps = {}, OptionsT opt = {},
               std::optional<std::vector<TunnelConfig>> tunnels = std::nullopt) {
    if (!opt.random) opt.random = seeded_random(std::hash<std::string>{}(name));
    std::vector<TunnelConfig> t = tunnels ? *tunnels : tunnels_of(*cfg);
    routers_.push_back(
        std::make_unique<RouterT>(name, std::move(cfg), std::move(t), std::move(tps), std::move(opt), &wire_));
    return *routers_.back();
  }
  RouterT& add(const std::string& name, const std::string& config_text, std::vector<pki::Trustpoint> tps = {},
               OptionsT opt = {}) {
    return add(name, load(name, config_text), std::move(tps), std::move(opt));
  }
  // Datagrams from `inside` pass this NAT.
  void add_nat(Nat nat) { nats_.push_back(nat); }

  Clock::time_point now() const { return now_; }
  // Delivers datagrams until none is left (at most `limit` taken off the
  // wire); returns how many were taken.
  size_t run(size_t limit = 10000) {
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
      through_nats(d, nats_);
      int times = copies ? copies(d) : 1;
      for (auto& r : routers_) {
        if (r->address() != d.to.addr) continue;
        for (int i = 0; i < times; ++i) r->engine().receive(d.to, d.from, d.data, now_);
        ++delivered;
      }
    }
    return n;
  }
  // Moves the clock in steps of `step` (ticking every engine and running
  // the network after each) until `d` has passed.
  void advance(Clock::duration d, Clock::duration step = std::chrono::milliseconds(500)) {
    Clock::time_point end = now_ + d;
    while (now_ < end) {
      now_ = std::min(end, now_ + step);
      for (auto& r : routers_) r->engine().tick(now_);
      run();
    }
  }

  std::function<bool(const Datagram&)> drop;     // true: lost
  std::function<Bytes(const Datagram&)> mutate;  // replaces the bytes delivered
  std::function<int(const Datagram&)> copies;    // how many times it arrives (default 1)
  size_t delivered = 0, dropped = 0;
  std::vector<Datagram> trace;  // every datagram put on the wire, as sent

 private:
  std::deque<Datagram> wire_;
  std::vector<std::unique_ptr<RouterT>> routers_;
  std::vector<Nat> nats_;
  Clock::time_point now_;
};

// A lab PKI in a temporary directory (removed with the object): CA1
// (CN=CA1,O=cisco,O=com) and CA2 (CN=CA2,O=cisco,O=com), valid from an hour
// ago, and certificate stores under it, enrolled from a configuration's
// trust-point blocks. Each test harness builds the stores its seed
// scenarios need, in the seed's enrollment order.
class LabPki {
 public:
  explicit LabPki(const std::string& prefix);  // "keyway-ikev1": the directory's name
  ~LabPki();
  LabPki(const LabPki&) = delete;
  LabPki& operator=(const LabPki&) = delete;

  // Enrolls trust-point `tp` (as `cfg` describes it) of store `store` with
  // CA1 or CA2 (`ca` 1 or 2); throws on failure.
  void enroll(const std::string& store, int ca, const config::Config& cfg, const std::string& tp,
              const std::string& serial, pki::EnrollOptions options = {});
  // The store's trust-points in store order, with `cfg`'s policies applied.
  std::vector<pki::Trustpoint> trustpoints(const std::string& store, const config::Config& cfg) const;
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<pki::LabCa> ca1_, ca2_;
};

}  // namespace keyway::ike::test
