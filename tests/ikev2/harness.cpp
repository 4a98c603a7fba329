#include "tests/ikev2/harness.h"

namespace keyway::ikev2::test {

WireInfo wire_info(const Bytes& datagram) {
  WireInfo w;
  if (datagram.size() < 28) return w;
  w.exchange = datagram[18];
  w.response = datagram[19] & 0x20;
  w.message_id =
      uint32_t{datagram[20]} << 24 | uint32_t{datagram[21]} << 16 | uint32_t{datagram[22]} << 8 | datagram[23];
  return w;
}

SeedPki& SeedPki::get() {
  static SeedPki pki;
  return pki;
}

SeedPki::SeedPki() {
  auto r1 = load_file(seed_config("ikev2-symmetric-trustpoints", "r1-responder.cfg"));
  auto r2 = load_file(seed_config("ikev2-symmetric-trustpoints", "r2-initiator.cfg"));
  pki_.enroll("r1_tp1", 1, *r1, "TP1", "100");
  pki_.enroll("r2_tp1", 1, *r2, "TP1", "101");
  pki_.enroll("r1_both", 1, *r1, "TP1", "100");
  pki_.enroll("r1_both", 2, *r1, "TP2", "100");
  pki::EnrollOptions ec{pki::KeyType::kEcP256, true};
  pki_.enroll("r1_ec", 1, *r1, "TP1", "100", ec);
  pki_.enroll("r2_ec", 1, *r2, "TP1", "101", ec);
  pki_.enroll("r2_both", 2, *r2, "TP2", "101");
  pki_.enroll("r2_both", 1, *r2, "TP1", "101");
}

}  // namespace keyway::ikev2::test
