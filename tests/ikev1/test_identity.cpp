// The ID Main Mode sends and how the responder binds a profile from a DN:
// `crypto isakmp identity {address|hostname|dn}` (the profile's
// `self-identity` overrides it, as on IOS), ID_DER_ASN1_DN carrying the
// subject of the certificate we sign with and checked against the peer's
// certificate, and `match certificate MAP` with `crypto pki certificate
// map`. The seed's R1/R2 (configs/ikev1-multi-cert) edited line by line,
// R1 initiating (the direction the seed says works).
#include <gtest/gtest.h>

#include <openssl/x509.h>

#include <fstream>
#include <sstream>

#include "control/ikev1/payloads.h"
#include "control/policy/certificate_map.h"
#include "pki/dn.h"
#include "pki/ossl.h"
#include "tests/ikev1/harness.h"

namespace keyway::ikev1::test {
namespace {

using namespace std::chrono_literals;

const char* kR1Subject = "serialNumber=100+ipaddress=192.168.0.1+hostname=R1.cisco.com,cn=R1,ou=IT,o=cisco,o=com";
const char* kR2Subject = "serialNumber=101+ipaddress=192.168.0.2+hostname=R2.cisco.com,cn=R2,ou=IT,o=cisco,o=com";

std::string seed_text(const std::string& file) {
  std::ifstream in(seed_config("ikev1-multi-cert", file));
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// `text` with the line `from` (exactly, without its newline) replaced by
// `to` (any number of lines, or nothing); throws when `from` is absent so
// that a changed seed file fails loudly.
std::string edit(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from + "\n");
  if (at == std::string::npos) throw std::runtime_error("no line '" + from + "'");
  text.replace(at, from.size() + 1, to.empty() ? "" : to + "\n");
  return text;
}

struct Pair {
  Net net;
  Router* r1 = nullptr;
  Router* r2 = nullptr;
  Pair(const std::string& t1, const std::string& t2, EngineOptions o1 = {}) {
    auto c1 = load("r1.cfg", t1);
    auto c2 = load("r2.cfg", t2);
    o1.debug = true;
    EngineOptions o2;
    o2.debug = true;
    r1 = &net.add("R1", c1, SeedPki::get().trustpoints("r1", *c1), o1);
    r2 = &net.add("R2", c2, SeedPki::get().trustpoints("r2", *c2), o2);
  }
  void r1_initiates() {
    r1->engine().initiate(1, net.now());
    net.run();
    net.advance(150s, 2s);
  }
  bool up() const { return r1->engine().tunnel_up(1) && r2->engine().tunnel_up(1); }
};

// R1: `crypto isakmp identity dn`, no self-identity. R2: matches R1 by a
// certificate map on the subject (sequence 10 fails, 20 matches), and
// sends its own DN too.
std::string r1_dn() {
  std::string t = edit(seed_text("r1.cfg"), "  self-identity fqdn", "");
  t = edit(t, "  match identity host R2.cisco.com", "  match certificate PEERS");
  return "crypto isakmp identity dn\n"
         "crypto pki certificate map PEERS 10\n"
         " subject-name co cn=R2\n" +
         t;
}

std::string r2_dn(const std::string& rules = " subject-name co cn = r1 , ou=it\n issuer-name co cn=CA1") {
  std::string t = edit(seed_text("r2.cfg"), "  self-identity fqdn", "");
  t = edit(t, "  match identity host R1.cisco.com", "  match certificate PEERS");
  return "crypto isakmp identity dn\n"
         "crypto pki certificate map PEERS 10\n"
         " subject-name co cn=R7\n"
         "crypto pki certificate map PEERS 20\n" +
         rules + "\n" + t;
}

TEST(Ikev1Identity, DnBothWaysAndCertificateMapBindsTheProfile) {
  Pair p(r1_dn(), r2_dn());
  p.r1_initiates();
  ASSERT_TRUE(p.up());
  TestHost& r1 = p.r1->host();
  TestHost& r2 = p.r2->host();
  EXPECT_TRUE(r1.logged("ISAKMP:(1001):SA is doing RSA signature authentication using id type ID_DER_ASN1_DN"));
  EXPECT_TRUE(r2.logged("ISAKMP:(1001):SA is doing RSA signature authentication using id type ID_DER_ASN1_DN"));
  // R2 receives type 9 carrying R1's subject, binds prof1 by sequence 20.
  EXPECT_TRUE(r2.logged_in_order({"\ttype         : 9", std::string("\tDist. name   : ") + kR1Subject,
                                  std::string("ISAKMP:(0):: certificate map PEERS sequence 20 matches the peer's "
                                              "certificate ") +
                                      kR1Subject,
                                  "ISAKMP:(0):: peer matches prof1 profile"}));
  EXPECT_FALSE(r2.logged_containing("PEERS sequence 10"));
  EXPECT_TRUE(r2.logged_containing("Certificate validation succeeded"));
  // R1 (initiator) checks R2's DN against R2's certificate.
  EXPECT_TRUE(r1.logged(std::string("\tDist. name   : ") + kR2Subject));
  EXPECT_EQ(p.r1->engine().established_count(), 1u);
}

// IOS: the profile's self-identity wins over the global command; and
// `identity hostname` sends hostname.domain as ID_FQDN.
TEST(Ikev1Identity, SelfIdentityOverridesTheGlobalCommand) {
  {
    Pair p("crypto isakmp identity dn\n" + seed_text("r1.cfg"), seed_text("r2.cfg"));
    p.r1_initiates();
    EXPECT_TRUE(p.up());
    EXPECT_TRUE(p.r1->host().logged("ISAKMP:(1001):SA is doing RSA signature authentication using id type ID_FQDN"));
    EXPECT_TRUE(p.r2->host().logged("\tFQDN name    : R1.cisco.com"));
  }
  {
    Pair p("crypto isakmp identity hostname\n" + edit(seed_text("r1.cfg"), "  self-identity fqdn", ""),
           seed_text("r2.cfg"));
    p.r1_initiates();
    EXPECT_TRUE(p.up());
    EXPECT_TRUE(p.r1->host().logged("ISAKMP:(1001):SA is doing RSA signature authentication using id type ID_FQDN"));
    EXPECT_TRUE(p.r2->host().logged_in_order({"\tFQDN name    : R1.cisco.com", "ISAKMP:(0):: peer matches prof1 profile"}));
  }
  {
    // Neither: the address.
    Pair p(edit(seed_text("r1.cfg"), "  self-identity fqdn", ""),
           edit(seed_text("r2.cfg"), "  match identity host R1.cisco.com", "  match identity address 192.168.0.1"));
    p.r1_initiates();
    EXPECT_TRUE(p.up());
    EXPECT_TRUE(
        p.r1->host().logged("ISAKMP:(1001):SA is doing RSA signature authentication using id type ID_IPV4_ADDR"));
  }
}

// A peer claiming a DN its certificate does not carry is refused, as a
// wrong FQDN is: the ID must be the certificate's subject.
TEST(Ikev1Identity, DnNotTheCertificateSubjectIsRefused) {
  EngineOptions o;
  o.test_edit_id = [](IdPayload& id) {
    auto name = pki::name_from_text("serialNumber=100+ipaddress=192.168.0.1+hostname=R1.cisco.com,CN=R9,OU=IT,O=cisco,O=com");
    if (name) id = IdPayload::der_dn(pki::name_der(name->get()));
    id.protocol = 17;
    id.port = 500;
  };
  Pair p(r1_dn(), r2_dn(" issuer-name co cn=CA1"), o);
  p.r1_initiates();
  EXPECT_FALSE(p.up());
  EXPECT_TRUE(p.r2->host().logged_containing("certificate map PEERS sequence 20 matches"));
  EXPECT_TRUE(p.r2->host().logged_containing(
      "Certificate does not match the peer's identity: peer ID dn "
      "serialNumber=100+ipaddress=192.168.0.1+hostname=R1.cisco.com,cn=R9,ou=IT,o=cisco,o=com is not in certificate"));
  EXPECT_TRUE(p.r2->host().logged(
      "%CRYPTO-5-IKMP_INVALID_CERT: Certificate received from 192.168.0.1 is bad: certificate does not match peer "
      "identity"));
  EXPECT_GE(p.r2->engine().counters().rx_invalid_cert, 1u);
  EXPECT_EQ(p.r2->engine().established_count(), 0u);
}

// No sequence of the map matches: no profile is bound.
TEST(Ikev1Identity, CertificateMapThatDoesNotMatchBindsNothing) {
  Pair p(r1_dn(), r2_dn(" subject-name co cn=R1\n subject-name nc ou=it"));
  p.r1_initiates();
  EXPECT_TRUE(p.r2->host().logged("ISAKMP:(0):: peer matches *none* of the profiles"));
  EXPECT_FALSE(p.r2->host().logged_containing("certificate map PEERS"));
}

TEST(CertificateMapRule, Operators) {
  using Op = config::CertificateMapRule::Op;
  const std::string dn = "cn=R1,ou=IT,o=cisco,o=com";
  struct Case {
    Op op;
    const char* value;
    bool match;
  };
  for (Case c : {Case{Op::kEq, "CN=r1, OU=it, O=Cisco, O=com", true}, Case{Op::kEq, "cn=R1", false},
                 Case{Op::kNe, "cn=R1", true}, Case{Op::kNe, "cn = r1,ou=it,o=cisco,o=com", false},
                 Case{Op::kCo, "ou = IT", true}, Case{Op::kCo, "ou=HR", false}, Case{Op::kNc, "ou=HR", true},
                 Case{Op::kNc, "O=CISCO", false}, Case{Op::kCo, "", true}}) {
    config::CertificateMapRule r;
    r.op = c.op;
    r.value = c.value;
    EXPECT_EQ(policy::certificate_map_rule_matches(r, dn), c.match) << static_cast<int>(c.op) << " " << c.value;
  }
}

}  // namespace
}  // namespace keyway::ikev1::test
