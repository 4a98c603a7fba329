// Two (or more) IKEv1 engines in one process: the shared harness of
// tests/ike/harness.h (in-memory network, fake clock, deterministic
// randomness, recording Host, lab PKI) with ikev1::Engine, plus the seed's
// IKEv1 certificate stores.
//
//   Net net;
//   auto cfg = load_file(seed_config("ikev1-multi-cert", "r1.cfg"));
//   Router& r1 = net.add("R1", cfg, SeedPki::get().trustpoints("r1", *cfg));
//   r1.engine().initiate(1, net.now());
//   net.run();
//
// SeedPki: the seed's IKEv1 PKI, built once per process (ike::test::LabPki:
// CA1 = CN=CA1,O=cisco,O=com and CA2), stores
//   r1          IOSCA1 then IOSCA2: R1 lists its CA2 certificate first
//   r2          IOSCA2 then IOSCA1: R2 lists its CA1 certificate first
//   r1_reenroll IOSCA2 then IOSCA1: R1 re-enrolled, its CA1 certificate newest
// enrolled from configs/ikev1-multi-cert/r{1,2}.cfg's trust-point blocks.
#pragma once

#include <string>
#include <vector>

#include "control/ikev1/engine.h"
#include "tests/ike/harness.h"

namespace keyway::ikev1::test {

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

class SeedPki {
 public:
  static SeedPki& get();
  std::vector<pki::Trustpoint> trustpoints(const std::string& store, const config::Config& cfg) {
    return pki_.trustpoints(store, cfg);
  }

 private:
  SeedPki();
  ike::test::LabPki pki_{"keyway-ikev1"};
};

}  // namespace keyway::ikev1::test
