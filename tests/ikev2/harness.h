// Two (or more) IKEv2 engines in one process: an in-memory network that
// carries their datagrams, a fake clock, deterministic randomness, and a
// Host that records what each engine asked of the data plane and logged.
//
//   Net net;
//   Router& a = net.add("R1", config_text_a, {}, trustpoints_a);
//   Router& b = net.add("R2", config_text_b, {}, trustpoints_b);
//   a.engine().initiate(1, net.now());
//   net.run();                          // deliver until the wire is quiet
//   net.advance(std::chrono::seconds(5));  // tick every engine, deliver
//
// Datagrams go to the router that owns the destination address. A Nat in
// front of a router rewrites its source (address and port) on the way out
// and the destination on the way back, as a NAPT would. `drop` and `copies`
// decide the fate of each datagram (lost, duplicated).
#pragma once

#include <chrono>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "control/config/model.h"
#include "control/ikev2/engine.h"
#include "pki/store.h"

namespace keyway::ikev2::test {

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

class Router {
 public:
  Router(std::string name, std::shared_ptr<const config::Config> cfg, std::vector<TunnelConfig> tunnels,
         std::vector<pki::Trustpoint> tps, EngineOptions opt, std::deque<Datagram>* wire);
  Engine& engine() { return *engine_; }
  TestHost& host() { return host_; }
  const config::Config& config() const { return *cfg_; }
  uint32_t address() const { return address_; }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::shared_ptr<const config::Config> cfg_;
  uint32_t address_ = 0;
  TestHost host_;
  std::unique_ptr<Engine> engine_;
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

class Net {
 public:
  Net();
  Router& add(const std::string& name, std::shared_ptr<const config::Config> cfg, std::vector<pki::Trustpoint> tps = {},
              EngineOptions opt = {}, std::optional<std::vector<TunnelConfig>> tunnels = std::nullopt);
  Router& add(const std::string& name, const std::string& config_text, std::vector<pki::Trustpoint> tps = {},
              EngineOptions opt = {});
  // Datagrams from `inside` pass this NAT.
  void add_nat(Nat nat) { nats_.push_back(nat); }

  Clock::time_point now() const { return now_; }
  // Delivers datagrams until none is left (at most `limit`); returns how
  // many were delivered.
  size_t run(size_t limit = 10000);
  // Moves the clock in steps of `step` (ticking every engine and running
  // the network after each) until `d` has passed.
  void advance(Clock::duration d, Clock::duration step = std::chrono::milliseconds(500));

  std::function<bool(const Datagram&)> drop;   // true: lost
  std::function<int(const Datagram&)> copies;  // how many times it arrives (default 1)
  size_t delivered = 0, dropped = 0;
  std::vector<Datagram> trace;  // every datagram put on the wire, as sent

 private:
  std::deque<Datagram> wire_;
  std::vector<std::unique_ptr<Router>> routers_;
  std::vector<Nat> nats_;
  Clock::time_point now_;
};

// Exchange and flags of an IKE message on the wire, for drop rules.
struct WireInfo {
  uint8_t exchange = 0;
  bool response = false;
  uint32_t message_id = 0;
};
WireInfo wire_info(const Bytes& datagram);

// The seed's PKI for the IKEv2 scenarios, built once per test process in a
// temporary directory with the lab CA: CA1 (TP1) and CA2 (TP2), RSA-2048,
// and router stores enrolled from the configs' trust-point blocks:
//   r1_tp1, r2_tp1   TP1 only (the overlap example)
//   r1_both          TP1 then TP2: R1 lists its TP2 certificate first
//   r2_both          TP2 then TP1: R2 lists its TP1 certificate first
//   r1_ec, r2_ec     TP1 only, with EC P-256 keys
class SeedPki {
 public:
  static SeedPki& get();
  // The store's trust-points in store order, with `cfg`'s policies applied.
  std::vector<pki::Trustpoint> trustpoints(const std::string& store, const config::Config& cfg);
  const std::filesystem::path& dir() const { return dir_; }
  ~SeedPki();

 private:
  SeedPki();
  std::filesystem::path dir_;
};

}  // namespace keyway::ikev2::test
