// The seed's IKEv1 scenarios (configs/ikev1-multi-cert*), run from the
// configuration files with certificates from the lab CA in the seed's
// enrollment order, each ending as configs/README.md says, with the seed's
// `debug crypto isakmp` / `debug crypto pki validation` lines: which CRs
// MM3 and MM4 carry and in which order, the trust-point each side chooses,
// the responder's profile binding, the validation list and the result.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tests/ikev1/harness.h"

namespace keyway::ikev1::test {
namespace {

using namespace std::chrono_literals;

const char* kCa1 = "cn=CA1,o=cisco,o=com";
const char* kCa2 = "cn=CA2,o=cisco,o=com";

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string without_line(std::string s, const std::string& line) {
  size_t at = s.find(line);
  if (at != std::string::npos) s.erase(at, s.find('\n', at) - at + 1);
  return s;
}

std::vector<std::string> containing(const TestHost& h, const std::string& part) {
  std::vector<std::string> out;
  for (const std::string& l : h.logs)
    if (l.find(part) != std::string::npos) out.push_back(l);
  return out;
}

struct Seed {
  Net net;
  Router* r1 = nullptr;
  Router* r2 = nullptr;
  Seed(std::shared_ptr<const config::Config> c1, const std::string& s1, std::shared_ptr<const config::Config> c2,
       const std::string& s2) {
    EngineOptions o;
    o.debug = true;
    r1 = &net.add("R1", c1, SeedPki::get().trustpoints(s1, *c1), o);
    r2 = &net.add("R2", c2, SeedPki::get().trustpoints(s2, *c2), o);
  }
  void run(Router& init) {
    init.engine().initiate(1, net.now());
    net.run();
    net.advance(150s, 2s);  // retransmissions, give-up
  }
};

std::shared_ptr<const config::Config> cfg(const std::string& dir, const std::string& file) {
  return load_file(seed_config(dir, file));
}

void expect_up(Router& a, Router& b) {
  ASSERT_EQ(a.host().live().size(), 1u);
  ASSERT_EQ(b.host().live().size(), 1u);
  const Install x = a.host().live()[0];
  const Install y = b.host().live()[0];
  EXPECT_EQ(x.out.spi, y.in.spi);
  EXPECT_EQ(x.out.key, y.in.key);
  EXPECT_EQ(x.out.auth_key, y.in.auth_key);
  EXPECT_EQ(x.in.spi, y.out.spi);
  EXPECT_EQ(x.in.key, y.out.key);
  EXPECT_EQ(x.out.transform, dp::Transform::kAes128CbcSha256);  // esp-aes esp-sha256-hmac
  EXPECT_TRUE(a.engine().tunnel_up(1));
  EXPECT_TRUE(b.engine().tunnel_up(1));
}

// "R1 as the IKEv1 Initiator": R1's profile has `ca trust-point IOSCA1`,
// so its MM3 asks for CA1 only; R2 (responder, profile unknown) asks for
// every trust-point in its store order (CA1 first: R2 enrolled CA1 last);
// both choose IOSCA1; R2 binds prof1 at MM5; the tunnel comes up.
TEST(Ikev1Seed, R1InitiatesAndTheTunnelComesUp) {
  Seed s(cfg("ikev1-multi-cert", "r1.cfg"), "r1", cfg("ikev1-multi-cert", "r2.cfg"), "r2");
  s.run(*s.r1);
  expect_up(*s.r1, *s.r2);
  TestHost& r1 = s.r1->host();
  TestHost& r2 = s.r2->host();
  EXPECT_TRUE(r1.logged("ISAKMP:(0): SA request profile is prof1"));
  EXPECT_EQ(containing(r1, "constructing CERT_REQ"),
            std::vector<std::string>{std::string("ISAKMP (0): constructing CERT_REQ for issuer ") + kCa1});
  EXPECT_TRUE(r1.logged("ISAKMP:(0):Old State = IKE_I_MM2  New State = IKE_I_MM3"));
  // R2 answers MM3's single CR with IOSCA1.
  EXPECT_TRUE(r2.logged_in_order(
      {std::string("ISAKMP:(1001): peer wants cert issued by ") + kCa1, "Choosing trustpoint IOSCA1 as issuer"}));
  // R2's MM4: every trust-point, store order.
  EXPECT_EQ(containing(r2, "constructing CERT_REQ"),
            (std::vector<std::string>{std::string("ISAKMP (1001): constructing CERT_REQ for issuer ") + kCa1,
                                      std::string("ISAKMP (1001): constructing CERT_REQ for issuer ") + kCa2}));
  EXPECT_TRUE(r2.logged("ISAKMP:(1001):Old State = IKE_R_MM3  New State = IKE_R_MM4"));
  // R1 chooses the first CR it may use (its profile: IOSCA1).
  EXPECT_TRUE(
      r1.logged_in_order({"ISAKMP: Examining profile list for trustpoint IOSCA1",
                          "ISAKMP: Found matching profile for IOSCA1", "Choosing trustpoint IOSCA1 as issuer"}));
  EXPECT_TRUE(r1.logged("ISAKMP:(1001): using the IOSCA1 trustpoint's keypair to sign"));
  EXPECT_TRUE(
      r1.logged_containing("constructing CERT payload for "
                           "serialNumber=100+ipaddress=192.168.0.1+hostname=R1.cisco.com,cn=R1,ou=IT,o=cisco,o=com"));
  // R2 binds the profile from R1's FQDN and validates.
  // R2's profile has no `ca trust-point`: every trust-point, store order.
  EXPECT_TRUE(r2.logged_in_order({"\tFQDN name    : R1.cisco.com", "ISAKMP:(0):: peer matches prof1 profile",
                                  "ISAKMP:(0): Creating CERT validation list: IOSCA1, IOSCA2,"}));
  EXPECT_TRUE(r2.logged_containing("Certificate validation succeeded"));
  EXPECT_TRUE(r1.logged("ISAKMP:(0): Creating CERT validation list: IOSCA1,"));
  EXPECT_TRUE(r1.logged("ISAKMP:(1001):Old State = IKE_I_MM6  New State = IKE_P1_COMPLETE"));
  EXPECT_EQ(s.r1->engine().established_count(), 1u);
  EXPECT_NE(s.r1->engine().show_sa().find("QM_IDLE"), std::string::npos);
}

// "R2 as the IKEv1 Initiator": R2's MM3 asks for every trust-point (CA1
// first); R1 answers with IOSCA1, but its MM4 asks for CA2 first (its
// newest certificate), R2 signs with IOSCA2, and R1 validates against
// IOSCA1 only: %CRYPTO-5-IKMP_INVALID_CERT, no answer, R2 retransmits MM5
// and gives up.
TEST(Ikev1Seed, R2InitiatesAndPhase1FailsOnR1) {
  Seed s(cfg("ikev1-multi-cert", "r1.cfg"), "r1", cfg("ikev1-multi-cert", "r2.cfg"), "r2");
  s.run(*s.r2);
  TestHost& r1 = s.r1->host();
  TestHost& r2 = s.r2->host();
  EXPECT_TRUE(r1.installs.empty());
  EXPECT_TRUE(r2.installs.empty());
  EXPECT_FALSE(s.r2->engine().tunnel_up(1));
  EXPECT_EQ(containing(r2, "constructing CERT_REQ"),
            (std::vector<std::string>{std::string("ISAKMP (0): constructing CERT_REQ for issuer ") + kCa1,
                                      std::string("ISAKMP (0): constructing CERT_REQ for issuer ") + kCa2}));
  EXPECT_TRUE(r1.logged("Choosing trustpoint IOSCA1 as issuer"));
  EXPECT_EQ(containing(r1, "constructing CERT_REQ"),
            (std::vector<std::string>{std::string("ISAKMP (1001): constructing CERT_REQ for issuer ") + kCa2,
                                      std::string("ISAKMP (1001): constructing CERT_REQ for issuer ") + kCa1}));
  EXPECT_TRUE(r2.logged_in_order(
      {std::string("ISAKMP:(1001): peer wants cert issued by ") + kCa2, "Choosing trustpoint IOSCA2 as issuer"}));
  EXPECT_TRUE(r2.logged("ISAKMP:(1001): using the IOSCA2 trustpoint's keypair to sign"));
  EXPECT_TRUE(r1.logged_in_order({"ISAKMP:(1001):Old State = IKE_R_MM4  New State = IKE_R_MM5",
                                  "\tFQDN name    : R2.cisco.com", "ISAKMP:(0):: peer matches prof1 profile",
                                  "ISAKMP:(0): Creating CERT validation list: IOSCA1,"}));
  EXPECT_TRUE(r1.logged_containing("No suitable trustpoints found"));
  EXPECT_TRUE(
      r1.logged("%CRYPTO-5-IKMP_INVALID_CERT: Certificate received from 192.168.0.2 is bad: unknown error "
                "returned in certificate validation"));
  EXPECT_TRUE(r1.logged("ISAKMP:(1001): Unknown error in cert validation, -1"));
  EXPECT_GE(s.r1->engine().counters().rx_invalid_cert, 1u);
  // R2 retransmitted MM5 and gave up; R1 never answered it.
  EXPECT_EQ(s.r2->engine().counters().tx_retransmit, 5u);
  EXPECT_EQ(s.r2->engine().counters().p1_failed, 1u);
  EXPECT_TRUE(r2.logged_containing("retransmitting phase 1 MM_KEY_EXCH"));
  EXPECT_EQ(s.r2->engine().established_count(), 0u);
  EXPECT_EQ(s.r1->engine().established_count(), 0u);
}

// The same invalid-certificate line when the configuration is loaded with
// debug off: it is an always-on syslog line, the debug lines are not.
TEST(Ikev1Seed, InvalidCertIsLoggedWithoutDebug) {
  Net net;
  auto c1 = cfg("ikev1-multi-cert", "r1.cfg");
  auto c2 = cfg("ikev1-multi-cert", "r2.cfg");
  Router& r1 = net.add("R1", c1, SeedPki::get().trustpoints("r1", *c1));
  Router& r2 = net.add("R2", c2, SeedPki::get().trustpoints("r2", *c2));
  r2.engine().initiate(1, net.now());
  net.run();
  EXPECT_TRUE(r1.host().logged_containing("%CRYPTO-5-IKMP_INVALID_CERT"));
  EXPECT_FALSE(r1.host().logged_containing("constructing CERT_REQ"));
  EXPECT_TRUE(r2.host().logs.empty());
}

// Re-enrolling R1 so that its CA1 certificate is the newest: R1's MM4 asks
// for CA1 first, R2 signs with IOSCA1, R1 validates: R2-initiated works.
TEST(Ikev1Seed, R1ReenrolledMakesR2InitiatedWork) {
  Seed s(cfg("ikev1-multi-cert", "r1.cfg"), "r1_reenroll", cfg("ikev1-multi-cert", "r2.cfg"), "r2");
  s.run(*s.r2);
  expect_up(*s.r2, *s.r1);
  EXPECT_EQ(containing(s.r1->host(), "constructing CERT_REQ"),
            (std::vector<std::string>{std::string("ISAKMP (1001): constructing CERT_REQ for issuer ") + kCa1,
                                      std::string("ISAKMP (1001): constructing CERT_REQ for issuer ") + kCa2}));
  EXPECT_TRUE(s.r2->host().logged("Choosing trustpoint IOSCA1 as issuer"));
  EXPECT_TRUE(s.r1->host().logged("ISAKMP:(0): Creating CERT validation list: IOSCA1,"));
  EXPECT_EQ(s.r1->engine().counters().rx_invalid_cert, 0u);
}

// Without `ca trust-point` both directions work; which certificate each
// side signs with follows the other's enrollment order.
TEST(Ikev1Seed, WithoutCaTrustpointBothDirectionsWork) {
  auto c1 = load("r1-no-ca-trustpoint",
                 without_line(read(seed_config("ikev1-multi-cert", "r1.cfg")), "  ca trust-point IOSCA1"));
  auto c2 = cfg("ikev1-multi-cert", "r2.cfg");
  ASSERT_TRUE(c1->isakmp_profile("prof1")->ca_trustpoints.empty());
  {
    Seed s(c1, "r1", c2, "r2");
    s.run(*s.r1);
    expect_up(*s.r1, *s.r2);
    // R1's MM3 asks for every trust-point, CA2 first (R1 enrolled CA2 last).
    EXPECT_EQ(containing(s.r1->host(), "constructing CERT_REQ"),
              (std::vector<std::string>{std::string("ISAKMP (0): constructing CERT_REQ for issuer ") + kCa2,
                                        std::string("ISAKMP (0): constructing CERT_REQ for issuer ") + kCa1}));
    EXPECT_TRUE(s.r2->host().logged("Choosing trustpoint IOSCA2 as issuer"));
    EXPECT_TRUE(s.r1->host().logged("Choosing trustpoint IOSCA1 as issuer"));
  }
  {
    Seed s(c1, "r1", c2, "r2");
    s.run(*s.r2);
    expect_up(*s.r2, *s.r1);
    EXPECT_TRUE(s.r1->host().logged("Choosing trustpoint IOSCA1 as issuer"));
    EXPECT_TRUE(s.r2->host().logged("Choosing trustpoint IOSCA2 as issuer"));
  }
}

// The seed's recommendation (configs/ikev1-multi-cert-symmetric): both
// profiles list both trust-points; the tunnel comes up whichever initiates.
TEST(Ikev1Seed, SymmetricTrustpointsWorkBothWays) {
  auto c1 = cfg("ikev1-multi-cert-symmetric", "r1.cfg");
  auto c2 = cfg("ikev1-multi-cert-symmetric", "r2.cfg");
  for (bool r1_first : {true, false}) {
    Seed s(c1, "r1", c2, "r2");
    s.run(r1_first ? *s.r1 : *s.r2);
    if (r1_first)
      expect_up(*s.r1, *s.r2);
    else
      expect_up(*s.r2, *s.r1);
  }
}

}  // namespace
}  // namespace keyway::ikev1::test
