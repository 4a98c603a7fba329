// control/policy: a configuration's trust-points as PKI policies, and what
// enrollment can do with them. The configuration is the seed's R1
// trust-point block, inline.
#include <gtest/gtest.h>

#include "control/config/load.h"
#include "control/policy/trustpoints.h"
#include "pki/dn.h"
#include "pki/lab_ca.h"

namespace keyway {
namespace {

constexpr const char* kR1 =
    "hostname R1\n"
    "ip domain name cisco.com\n"
    "interface Ethernet0/0\n"
    " ip address 192.168.0.1 255.255.255.0\n"
    "crypto pki trustpoint IOSCA1\n"
    "  enrollment url http://192.168.0.3:80\n"
    "  serial-number\n"
    "  fqdn R1.cisco.com\n"
    "  ip-address 192.168.0.1\n"
    "  subject-name CN=R1,OU=IT,O=cisco,O=com\n"
    "  revocation-check crl\n"
    "crypto pki trustpoint TP2\n"
    "  enrollment terminal\n"
    "  ip-address Ethernet0/0\n"
    "  revocation-check crl none\n";

std::shared_ptr<const config::Config> load() {
  config::LoadResult r = config::load_text("r1.cfg", kR1);
  if (!r.ok()) throw std::runtime_error(r.diagnostics.format_all());
  return r.config;
}

TEST(TrustpointPolicy, FromTheSeedsTrustpointBlock) {
  auto cfg = load();
  std::vector<pki::TrustpointPolicy> ps = policy::trustpoint_policies(*cfg);
  ASSERT_EQ(ps.size(), 2u);
  const pki::TrustpointPolicy& p = ps[0];
  EXPECT_EQ(p.name, "IOSCA1");
  EXPECT_EQ(p.enrollment, pki::EnrollmentMethod::kUrl);
  EXPECT_EQ(p.enrollment_url, "http://192.168.0.3:80");
  EXPECT_TRUE(p.serial_number);
  EXPECT_EQ(p.fqdn, "R1.cisco.com");
  EXPECT_EQ(p.ip_address, "192.168.0.1");
  EXPECT_EQ(p.revocation, std::vector<pki::RevocationMethod>{pki::RevocationMethod::kCrl});

  // The subject IOS enrollment builds from it: the seed's
  // "constructing CERT payload for serialNumber=100+ipaddress=...".
  auto subject = pki::enrollment_subject(pki::request_from_policy(p, "100"));
  ASSERT_TRUE(subject) << subject.error();
  EXPECT_EQ(pki::format_dn(subject->get()),
            "serialNumber=100+ipaddress=192.168.0.1+hostname=R1.cisco.com,cn=R1,ou=IT,o=cisco,o=com");

  // TP2: no fqdn line (the router's FQDN), an interface for ip-address.
  EXPECT_EQ(ps[1].fqdn, "R1.cisco.com");
  EXPECT_EQ(ps[1].ip_address, "192.168.0.1");
  EXPECT_EQ(ps[1].revocation,
            (std::vector<pki::RevocationMethod>{pki::RevocationMethod::kCrl, pki::RevocationMethod::kNone}));
  EXPECT_FALSE(pki::request_from_policy(ps[1], "100").serial_number.size());
}

// SCEP is reported, never skipped.
TEST(TrustpointPolicy, ScepEnrollmentIsNotAvailable) {
  auto cfg = load();
  std::vector<pki::TrustpointPolicy> ps = policy::trustpoint_policies(*cfg);
  pki::EnrollmentCheck scep = pki::check_enrollment(ps[0]);
  EXPECT_FALSE(scep.available);
  EXPECT_NE(scep.message.find("enrollment url http://192.168.0.3:80 (SCEP) is not available"), std::string::npos)
      << scep.message;
  pki::EnrollmentCheck terminal = pki::check_enrollment(ps[1]);
  EXPECT_TRUE(terminal.available);
  EXPECT_NE(terminal.message.find("keyway pki import TP2"), std::string::npos) << terminal.message;
  pki::TrustpointPolicy self;
  self.name = "SELF";
  self.enrollment = pki::EnrollmentMethod::kSelfSigned;
  EXPECT_FALSE(pki::check_enrollment(self).available);
}

}  // namespace
}  // namespace keyway
