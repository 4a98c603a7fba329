#include "tests/ikev1/harness.h"

namespace keyway::ikev1::test {

SeedPki& SeedPki::get() {
  static SeedPki pki;
  return pki;
}

SeedPki::SeedPki() {
  auto r1 = load_file(seed_config("ikev1-multi-cert", "r1.cfg"));
  auto r2 = load_file(seed_config("ikev1-multi-cert", "r2.cfg"));
  pki_.enroll("r1", 1, *r1, "IOSCA1", "100");
  pki_.enroll("r1", 2, *r1, "IOSCA2", "100");
  pki_.enroll("r2", 2, *r2, "IOSCA2", "101");
  pki_.enroll("r2", 1, *r2, "IOSCA1", "101");
  pki_.enroll("r1_reenroll", 2, *r1, "IOSCA2", "100");
  pki_.enroll("r1_reenroll", 1, *r1, "IOSCA1", "100");
}

}  // namespace keyway::ikev1::test
