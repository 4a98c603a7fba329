// Every file in configs/ loads, and what it says is in the model.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "tests/config/helpers.h"

namespace keyway::config::test {
namespace {

namespace fs = std::filesystem;

fs::path configs_dir() {
  const char* dir = std::getenv("KEYWAY_CONFIGS_DIR");
  return dir ? fs::path(dir) : fs::path("configs");
}

std::vector<std::string> config_files() {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(configs_dir(), ec))
    if (e.is_regular_file() && e.path().extension() == ".cfg")
      files.push_back(fs::relative(e.path(), configs_dir()).string());
  std::sort(files.begin(), files.end());
  return files;
}

std::shared_ptr<const Config> load(const std::string& relative) {
  LoadResult r = load_file((configs_dir() / relative).string());
  EXPECT_TRUE(r.ok()) << relative << testing::PrintToString(errors(r.diagnostics));
  return r.config;
}

// The scenarios configs/README.md documents: eight pairs.
TEST(ConfigsDir, HoldsEveryScenario) { EXPECT_EQ(config_files().size(), 16u); }

class ConfigFileTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ConfigFileTest, Loads) {
  LoadResult r = load_file((configs_dir() / GetParam()).string());
  EXPECT_TRUE(r.ok()) << testing::PrintToString(errors(r.diagnostics));
  EXPECT_EQ(r.diagnostics.errors(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Configs, ConfigFileTest, ::testing::ValuesIn(config_files()),
                         [](const auto& p) {
                           std::string n = p.param;
                           for (char& c : n)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

TEST(ConfigsModel, Ikev1R1) {
  auto c = load("ikev1-multi-cert/r1.cfg");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->fqdn(), "R1.cisco.com");

  ASSERT_EQ(c->isakmp_policies.size(), 1u);
  const IsakmpPolicy& pol = c->isakmp_policies[0];
  EXPECT_EQ(pol.priority, 10u);
  EXPECT_EQ(pol.encryption, IkeCipher::k3des);
  EXPECT_EQ(pol.hash, IkeHash::kMd5);
  EXPECT_EQ(pol.group, 2);
  EXPECT_EQ(pol.authentication, IkeAuthMethod::kRsaSig);  // the IOS default
  EXPECT_EQ(pol.lifetime_s, 86400u);

  const IsakmpProfile* prof = c->isakmp_profile("prof1");
  ASSERT_NE(prof, nullptr);
  ASSERT_TRUE(prof->self_identity);
  EXPECT_EQ(prof->self_identity->kind, IdKind::kFqdn);
  ASSERT_EQ(prof->ca_trustpoints.size(), 1u);
  EXPECT_EQ(prof->ca_trustpoints[0].name, "IOSCA1");
  ASSERT_EQ(prof->matches.size(), 1u);
  EXPECT_EQ(prof->matches[0].kind, IsakmpMatch::Kind::kHost);
  EXPECT_EQ(prof->matches[0].value, "R2.cisco.com");

  const TransformSet* ts = c->transform_set("TS");
  ASSERT_NE(ts, nullptr);
  EXPECT_EQ(ts->cipher, EspCipher::kAesCbc128);
  EXPECT_EQ(ts->auth, EspAuth::kSha256);
  EXPECT_EQ(ts->mode, IpsecMode::kTunnel);
  EXPECT_EQ(ts->transforms, (std::vector<std::string>{"esp-aes", "esp-sha256-hmac"}));

  const IpsecProfile* ip = c->ipsec_profile("prof1");
  ASSERT_NE(ip, nullptr);
  ASSERT_EQ(ip->transform_sets.size(), 1u);
  EXPECT_EQ(ip->transform_sets[0].name, "TS");
  ASSERT_TRUE(ip->isakmp_profile);
  EXPECT_EQ(ip->isakmp_profile->name, "prof1");
  EXPECT_FALSE(ip->ikev2_profile);
  EXPECT_EQ(ip->lifetime_s, 3600u);

  ASSERT_EQ(c->trustpoints.size(), 2u);
  EXPECT_EQ(c->trustpoints[0].name, "IOSCA1");
  EXPECT_EQ(c->trustpoints[0].enrollment_url, "http://192.168.0.3:80");
  EXPECT_EQ(c->trustpoints[1].name, "IOSCA2");
  EXPECT_EQ(c->trustpoints[1].enrollment_url, "http://192.168.0.4:80");
  for (const Trustpoint& t : c->trustpoints) {
    EXPECT_TRUE(t.serial_number);
    EXPECT_EQ(t.fqdn, "R1.cisco.com");
    EXPECT_EQ(t.ip_address, "192.168.0.1");
    EXPECT_EQ(t.subject_name, "CN=R1,OU=IT,O=cisco,O=com");
    EXPECT_EQ(t.revocation_check, std::vector<Revocation>{Revocation::kCrl});
  }

  const Interface* tun = c->interface("Tunnel1");
  ASSERT_NE(tun, nullptr);
  EXPECT_EQ(tun->kind, InterfaceKind::kTunnel);
  EXPECT_EQ(format_prefix(tun->address->addr, tun->address->mask), "10.0.0.1/24");
  EXPECT_EQ(tun->tunnel_source_interface->name, "Ethernet0/0");
  EXPECT_EQ(format_ipv4(tun->tunnel_destination->addr), "192.168.0.2");
  EXPECT_EQ(tun->tunnel_protection->name, "prof1");
  EXPECT_EQ(tun->tunnel_mode, TunnelMode::kGreIp);  // the seed sets none
  EXPECT_EQ(c->interface("Loopback0")->description, "Simulate LAN");

  ASSERT_EQ(c->routes.size(), 1u);
  EXPECT_EQ(format_prefix(c->routes[0].prefix, c->routes[0].mask), "192.168.200.0/24");
  EXPECT_EQ(format_ipv4(*c->routes[0].next_hop), "10.0.0.2");
}

TEST(ConfigsModel, Ikev1R2TrustsAllGlobalTrustpoints) {
  auto c = load("ikev1-multi-cert/r2.cfg");
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->isakmp_profile("prof1")->ca_trustpoints.empty());
  ASSERT_EQ(c->trustpoints.size(), 2u);
  EXPECT_EQ(c->trustpoints[0].name, "IOSCA1");
  EXPECT_EQ(c->trustpoints[1].name, "IOSCA2");
  EXPECT_EQ(c->trustpoints[1].enrollment_url, "http://192.168.0.4:80");
  EXPECT_EQ(c->isakmp_profile("prof1")->matches[0].value, "R1.cisco.com");
}

TEST(ConfigsModel, Ikev1SymmetricListsTrustpointsInOrder) {
  for (const char* f : {"ikev1-multi-cert-symmetric/r1.cfg", "ikev1-multi-cert-symmetric/r2.cfg"}) {
    auto c = load(f);
    ASSERT_TRUE(c);
    const auto& list = c->isakmp_profile("prof1")->ca_trustpoints;
    ASSERT_EQ(list.size(), 2u) << f;
    EXPECT_EQ(list[0].name, "IOSCA1");
    EXPECT_EQ(list[1].name, "IOSCA2");
  }
}

TEST(ConfigsModel, Ikev2OverlapResponderKeepsProfileOrder) {
  auto c = load("ikev2-overlap/r2-responder.cfg");
  ASSERT_TRUE(c);
  ASSERT_EQ(c->ikev2_profiles.size(), 3u);
  EXPECT_EQ(c->ikev2_profiles[0].name, "profile1");
  EXPECT_EQ(c->ikev2_profiles[1].name, "profile2");
  EXPECT_EQ(c->ikev2_profiles[2].name, "profile3");
  for (const Ikev2Profile& p : c->ikev2_profiles) {
    ASSERT_EQ(p.matches.size(), 1u);
    EXPECT_EQ(p.matches[0].kind, Ikev2Match::Kind::kAddress);
    EXPECT_EQ(format_prefix(p.matches[0].address.addr, p.matches[0].address.mask),
              "192.168.0.1/32");
  }
  EXPECT_EQ(c->ipsec_profile("profile1")->ikev2_profile->name, "profile1");

  const Ikev2Proposal* prop = c->ikev2_proposal("prop-1");
  ASSERT_NE(prop, nullptr);
  EXPECT_EQ(prop->encryption, std::vector<IkeCipher>{IkeCipher::k3des});
  EXPECT_EQ(prop->integrity, std::vector<IkeHash>{IkeHash::kMd5});
  EXPECT_EQ(prop->groups, std::vector<DhGroup>{2});
  ASSERT_EQ(c->ikev2_policies.size(), 1u);
  EXPECT_TRUE(c->ikev2_policies[0].match_fvrf_any);
  EXPECT_EQ(c->ikev2_policies[0].proposals[0].name, "prop-1");

  const TransformSet* ts = c->transform_set("trans");
  EXPECT_EQ(ts->cipher, EspCipher::k3des);
  EXPECT_EQ(ts->auth, EspAuth::kSha1);
}

TEST(ConfigsModel, Ikev2AsymmetricTrustpoints) {
  auto r2 = load("ikev2-asymmetric-trustpoints/r2-initiator.cfg");
  auto r1 = load("ikev2-asymmetric-trustpoints/r1-responder.cfg");
  ASSERT_TRUE(r1 && r2);
  const Ikev2Profile* p2 = r2->ikev2_profile("profile1");
  ASSERT_EQ(p2->trustpoints.size(), 2u);
  EXPECT_EQ(p2->trustpoints[0].trustpoint.name, "TP1");
  EXPECT_EQ(p2->trustpoints[1].trustpoint.name, "TP2");
  EXPECT_TRUE(p2->trustpoints[1].sign && p2->trustpoints[1].verify);
  ASSERT_TRUE(p2->identity_local);
  EXPECT_EQ(p2->identity_local->kind, IdKind::kAddress);
  EXPECT_EQ(format_ipv4(p2->identity_local->address), "192.168.0.2");
  EXPECT_EQ(p2->authentication_local, IkeAuthMethod::kRsaSig);
  EXPECT_EQ(p2->authentication_remote, std::vector<IkeAuthMethod>{IkeAuthMethod::kRsaSig});
  EXPECT_EQ(format_ipv4(r2->interface("Tunnel1")->tunnel_destination->addr), "192.168.0.1");

  const Ikev2Profile* p1 = r1->ikev2_profile("profile1");
  ASSERT_EQ(p1->trustpoints.size(), 1u);
  EXPECT_EQ(p1->trustpoints[0].trustpoint.name, "TP1");
  // Both routers know both CAs globally.
  EXPECT_EQ(r1->trustpoints.size(), 2u);
  EXPECT_EQ(r2->trustpoints.size(), 2u);

  auto sym = load("ikev2-symmetric-trustpoints/r1-responder.cfg");
  ASSERT_TRUE(sym);
  ASSERT_EQ(sym->ikev2_profile("profile1")->trustpoints.size(), 2u);
  EXPECT_EQ(sym->ikev2_profile("profile1")->trustpoints[1].trustpoint.name, "TP2");
}

TEST(ConfigsModel, Ikev2NoInitiatorTrustpoint) {
  auto c = load("ikev2-no-initiator-trustpoint/r1-initiator.cfg");
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->ikev2_profile("profile1")->trustpoints.empty());
  auto fixed = load("ikev2-no-initiator-trustpoint-recommended/r1-initiator.cfg");
  ASSERT_TRUE(fixed);
  ASSERT_EQ(fixed->ikev2_profile("profile1")->trustpoints.size(), 1u);
}

}  // namespace
}  // namespace keyway::config::test
