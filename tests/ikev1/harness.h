// Two (or more) IKEv1 engines in one process over an in-memory network with
// a fake clock and deterministic randomness, in the shape of
// tests/ikev2/harness.h, whose TestHost, Datagram, NAT and configuration
// helpers it reuses (ike::Host is shared by both engines).
//
//   Net net;
//   Router& r1 = net.add("R1", load_file(seed_config("ikev1-multi-cert", "r1.cfg")), SeedPki::get().trustpoints("r1",
//   cfg)); r1.engine().initiate(1, net.now()); net.run();
//
// SeedPki: the seed's IKEv1 PKI, built once per process with the lab CA in
// a temporary directory: CA1 (CN=CA1,O=cisco,O=com) and CA2, stores
//   r1          IOSCA1 then IOSCA2: R1 lists its CA2 certificate first
//   r2          IOSCA2 then IOSCA1: R2 lists its CA1 certificate first
//   r1_reenroll IOSCA2 then IOSCA1: R1 re-enrolled, its CA1 certificate newest
// enrolled from configs/ikev1-multi-cert/r{1,2}.cfg's trust-point blocks.
#pragma once

#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "control/ikev1/engine.h"
#include "tests/ikev2/harness.h"

namespace keyway::ikev1::test {

using ikev2::test::Datagram;
using ikev2::test::Install;
using ikev2::test::ip;
using ikev2::test::load;
using ikev2::test::load_file;
using ikev2::test::Nat;
using ikev2::test::seed_config;
using ikev2::test::seeded_random;
using ikev2::test::TestHost;

class Router {
 public:
  Router(std::string name, std::shared_ptr<const config::Config> cfg, std::vector<TunnelConfig> tunnels,
         std::vector<pki::Trustpoint> tps, EngineOptions opt, std::deque<Datagram>* wire);
  Engine& engine() { return *engine_; }
  TestHost& host() { return host_; }
  const config::Config& config() const { return *cfg_; }
  uint32_t address() const { return address_; }

 private:
  std::string name_;
  std::shared_ptr<const config::Config> cfg_;
  uint32_t address_ = 0;
  TestHost host_;
  std::unique_ptr<Engine> engine_;
};

// Tunnel interfaces with `tunnel protection` (id = the interface number).
std::vector<TunnelConfig> tunnels_of(const config::Config& cfg);

class Net {
 public:
  Net();
  Router& add(const std::string& name, std::shared_ptr<const config::Config> cfg, std::vector<pki::Trustpoint> tps = {},
              EngineOptions opt = {});
  void add_nat(Nat nat) { nats_.push_back(nat); }
  Clock::time_point now() const { return now_; }
  size_t run(size_t limit = 10000);
  void advance(Clock::duration d, Clock::duration step = std::chrono::milliseconds(500));

  std::function<bool(const Datagram&)> drop;
  std::function<Bytes(const Datagram&)> mutate;  // replaces the bytes delivered
  size_t delivered = 0, dropped = 0;
  std::vector<Datagram> trace;

 private:
  std::deque<Datagram> wire_;
  std::vector<std::unique_ptr<Router>> routers_;
  std::vector<Nat> nats_;
  Clock::time_point now_;
};

class SeedPki {
 public:
  static SeedPki& get();
  std::vector<pki::Trustpoint> trustpoints(const std::string& store, const config::Config& cfg);
  ~SeedPki();

 private:
  SeedPki();
  std::filesystem::path dir_;
};

}  // namespace keyway::ikev1::test
