// Two (or more) IKEv2 engines in one process: the shared harness of
// tests/ike/harness.h (in-memory network, fake clock, deterministic
// randomness, recording Host, lab PKI) with ikev2::Engine, plus what only
// the IKEv2 tests need: the exchange of a datagram for drop rules and the
// seed's IKEv2 certificate stores.
//
//   Net net;
//   Router& a = net.add("R1", config_text_a, trustpoints_a);
//   Router& b = net.add("R2", config_text_b, trustpoints_b);
//   a.engine().initiate(1, net.now());
//   net.run();                          // deliver until the wire is quiet
//   net.advance(std::chrono::seconds(5));  // tick every engine, deliver
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "control/ikev2/engine.h"
#include "tests/ike/harness.h"

namespace keyway::ikev2::test {

using ike::test::Datagram;
using ike::test::Install;
using ike::test::ip;
using ike::test::load;
using ike::test::load_file;
using ike::test::Nat;
using ike::test::seed_config;
using ike::test::seeded_random;
using ike::test::TestHost;
using ike::test::tunnels_of;

using Router = ike::test::Router<Engine, EngineOptions>;
using Net = ike::test::Net<Engine, EngineOptions>;

// Exchange and flags of an IKE message on the wire, for drop rules.
struct WireInfo {
  uint8_t exchange = 0;
  bool response = false;
  uint32_t message_id = 0;
};
WireInfo wire_info(const Bytes& datagram);

// The seed's PKI for the IKEv2 scenarios, built once per test process
// (ike::test::LabPki: CA1 for TP1, CA2 for TP2, RSA-2048), router stores
// enrolled from the configs' trust-point blocks:
//   r1_tp1, r2_tp1   TP1 only (the overlap example)
//   r1_both          TP1 then TP2: R1 lists its TP2 certificate first
//   r2_both          TP2 then TP1: R2 lists its TP1 certificate first
//   r1_ec, r2_ec     TP1 only, with EC P-256 keys
class SeedPki {
 public:
  static SeedPki& get();
  // The store's trust-points in store order, with `cfg`'s policies applied.
  std::vector<pki::Trustpoint> trustpoints(const std::string& store, const config::Config& cfg) {
    return pki_.trustpoints(store, cfg);
  }
  const std::filesystem::path& dir() const { return pki_.dir(); }

 private:
  SeedPki();
  ike::test::LabPki pki_{"keyway-ikev2"};
};

}  // namespace keyway::ikev2::test
