// The language itself: modes, fallback to enclosing modes, indentation,
// re-entering blocks, names, and the commands the seed does not use.
#include <gtest/gtest.h>

#include "control/config/ifname.h"
#include "tests/config/helpers.h"

namespace keyway::config::test {
namespace {

std::shared_ptr<const Config> must_load(std::string_view text) {
  LoadResult r = load_text("t.cfg", text);
  EXPECT_TRUE(r.ok()) << testing::PrintToString(errors(r.diagnostics));
  return r.config;
}

TEST(Language, IndentationDoesNotMatter) {
  const char* indented =
      "crypto isakmp profile p\n"
      "    match identity host a.example\n"
      "        ca trust-point T\n"
      "crypto pki trustpoint T\n"
      "\tenrollment terminal\n";
  const char* flat =
      "crypto isakmp profile p\n"
      "match identity host a.example\n"
      "ca trust-point T\n"
      "crypto pki trustpoint T\n"
      "enrollment terminal\n";
  auto a = must_load(indented);
  auto b = must_load(flat);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->isakmp_profiles[0].ca_trustpoints[0].name, b->isakmp_profiles[0].ca_trustpoints[0].name);
  EXPECT_EQ(a->trustpoints[0].enrollment, Enrollment::kTerminal);
  EXPECT_EQ(b->trustpoints[0].enrollment, Enrollment::kTerminal);
}

// A global command in a sub-mode runs globally and leaves the sub-mode: the
// next sub-mode command is then an error, as on IOS.
TEST(Language, GlobalCommandLeavesSubMode) {
  Parsed p = parse_only(
      "crypto isakmp profile p\n"
      " match identity host a.example\n"
      " ip route 10.0.0.0 255.0.0.0 192.168.0.1\n"
      " ca trust-point T\n");
  ASSERT_EQ(p.config.routes.size(), 1u);
  EXPECT_EQ(errors(p.diagnostics),
            std::vector<std::string>{"t.cfg:4:2: error: unknown command; got 'ca', expected a "
                                     "command of global configuration mode"});
}

TEST(Language, ExitAndEnd) {
  Parsed p = parse_only(
      "crypto ikev2 keyring KR\n"
      " peer A\n"
      "  address 192.168.0.1\n"
      "  exit\n"
      " peer B\n"
      "  pre-shared-key secret\n"
      " end\n"
      "hostname R9\n"
      "exit\n");
  EXPECT_EQ(errors(p.diagnostics), std::vector<std::string>{});
  ASSERT_EQ(p.config.ikev2_keyrings.size(), 1u);
  const auto& peers = p.config.ikev2_keyrings[0].peers;
  ASSERT_EQ(peers.size(), 2u);
  EXPECT_EQ(peers[0].name, "A");
  EXPECT_EQ(format_ipv4(peers[0].address->addr), "192.168.0.1");
  EXPECT_EQ(peers[1].pre_shared_key_local, "secret");
  EXPECT_EQ(peers[1].pre_shared_key_remote, "secret");
  EXPECT_EQ(p.config.hostname, "R9");
}

// `peer B` typed in peer A's mode falls back one level, to the keyring.
TEST(Language, NestedFallbackGoesOneLevelUp) {
  Parsed p = parse_only(
      "crypto ikev2 keyring KR\n"
      " peer A\n"
      "  pre-shared-key local one\n"
      " peer B\n"
      "  pre-shared-key remote two\n");
  EXPECT_EQ(errors(p.diagnostics), std::vector<std::string>{});
  const auto& peers = p.config.ikev2_keyrings[0].peers;
  ASSERT_EQ(peers.size(), 2u);
  EXPECT_EQ(peers[0].pre_shared_key_local, "one");
  EXPECT_EQ(peers[0].pre_shared_key_remote, "");
  EXPECT_EQ(peers[1].pre_shared_key_remote, "two");
}

TEST(Language, ReenteringABlockEditsIt) {
  LoadResult r = load_text("t.cfg",
                           "crypto pki trustpoint T\n"
                           "crypto isakmp profile p\n"
                           " match identity host a.example\n"
                           "crypto ipsec transform-set TS esp-aes esp-sha256-hmac\n"
                           "crypto isakmp profile p\n"
                           " ca trust-point T\n"
                           "crypto ipsec transform-set TS esp-gcm 256\n");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.config->isakmp_profiles.size(), 1u);
  const IsakmpProfile& p = r.config->isakmp_profiles[0];
  EXPECT_EQ(p.matches.size(), 1u);
  EXPECT_EQ(p.ca_trustpoints.size(), 1u);
  EXPECT_EQ(p.at.line, 2u);
  ASSERT_EQ(r.config->transform_sets.size(), 1u);
  EXPECT_EQ(r.config->transform_sets[0].cipher, EspCipher::kAesGcm256);
  EXPECT_EQ(r.config->transform_sets[0].auth, EspAuth::kNone);
  EXPECT_EQ(r.config->transform_sets[0].transforms, std::vector<std::string>{"esp-gcm 256"});
  auto w = warnings(r.diagnostics);
  ASSERT_EQ(w.size(), 2u) << testing::PrintToString(w);
  EXPECT_EQ(w[0],
            "t.cfg:5:23: warning: crypto isakmp profile entered again; its commands edit the one "
            "defined at line 2, as IOS does; got 'p', expected each block once, as a router "
            "prints its configuration");
}

TEST(Language, KeywordsIgnoreCaseNamesDoNot) {
  auto c = must_load(
      "CRYPTO IPSEC TRANSFORM-SET Ts ESP-AES 256 ESP-SHA256-HMAC\n"
      " MODE TRANSPORT\n"
      "crypto ipsec transform-set ts esp-gcm\n");
  ASSERT_TRUE(c);
  ASSERT_EQ(c->transform_sets.size(), 2u);
  EXPECT_EQ(c->transform_set("Ts")->cipher, EspCipher::kAesCbc256);
  EXPECT_EQ(c->transform_set("Ts")->mode, IpsecMode::kTransport);
  EXPECT_EQ(c->transform_set("ts")->cipher, EspCipher::kAesGcm128);
}

TEST(Language, CrlfAndCommentsAndBlankLines) {
  auto c = must_load("! header\r\n\r\nhostname R1\r\n   ! indented comment\r\nip domain name cisco.com\r\n");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->fqdn(), "R1.cisco.com");
}

TEST(Language, InterfaceNamesAreCanonical) {
  auto c = must_load(
      "interface ethernet0/0\n"
      " ip address 192.168.0.1 255.255.255.0\n"
      "interface Tunnel 1\n"
      " tunnel source eth0/0\n"
      " tunnel destination 192.168.0.2\n"
      " tunnel mode ipsec ipv4\n"
      "interface Gi0/1.100\n"
      "interface lo0\n"
      "dataplane port eth0/0 net_af_packet0,iface=veth0\n");
  ASSERT_TRUE(c);
  ASSERT_EQ(c->interfaces.size(), 4u);
  EXPECT_EQ(c->interfaces[0].name, "Ethernet0/0");
  EXPECT_EQ(c->interfaces[1].name, "Tunnel1");
  EXPECT_EQ(c->interfaces[1].tunnel_source_interface->name, "Ethernet0/0");
  EXPECT_EQ(c->interfaces[1].tunnel_mode, TunnelMode::kIpsecIpv4);
  EXPECT_EQ(c->interfaces[2].name, "GigabitEthernet0/1.100");
  EXPECT_EQ(c->interfaces[3].name, "Loopback0");
  EXPECT_EQ(c->interfaces[3].kind, InterfaceKind::kLoopback);
  ASSERT_EQ(c->dataplane_ports.size(), 1u);
  EXPECT_EQ(c->dataplane_ports[0].interface.name, "Ethernet0/0");
  EXPECT_EQ(c->dataplane_ports[0].device, "net_af_packet0,iface=veth0");
}

struct NameCase {
  const char* text;
  const char* canonical;  // nullptr: rejected
};

class InterfaceNameTest : public ::testing::TestWithParam<NameCase> {};

TEST_P(InterfaceNameTest, Parses) {
  std::string expected;
  auto n = parse_interface_name(GetParam().text, "", expected);
  if (GetParam().canonical) {
    ASSERT_TRUE(n) << expected;
    EXPECT_EQ(n->canonical, GetParam().canonical);
  } else {
    EXPECT_FALSE(n);
    EXPECT_FALSE(expected.empty());
  }
}

INSTANTIATE_TEST_SUITE_P(Config, InterfaceNameTest,
                         ::testing::Values(NameCase{"Ethernet0/0", "Ethernet0/0"},
                                           NameCase{"e0/0", "Ethernet0/0"},
                                           NameCase{"FastEthernet0/1", "FastEthernet0/1"},
                                           NameCase{"Gi0/0/1", "GigabitEthernet0/0/1"},
                                           NameCase{"Te1/0", "TenGigabitEthernet1/0"},
                                           NameCase{"Tu100", "Tunnel100"},
                                           NameCase{"Loopback0", "Loopback0"},
                                           NameCase{"Vlan10", "Vlan10"},
                                           NameCase{"Port-channel1", "Port-channel1"},
                                           NameCase{"Tunnell", nullptr},
                                           NameCase{"T1", nullptr},
                                           NameCase{"Vlan0", nullptr},
                                           NameCase{"Ethernet", nullptr},
                                           NameCase{"Ethernet0/", nullptr},
                                           NameCase{"Serial0/0", nullptr},
                                           NameCase{"Tunnel-1", nullptr}));

TEST(Language, KeyringsAndPsk) {
  auto c = must_load(
      "crypto keyring KR\n"
      " pre-shared-key address 192.168.0.2 key 0 cisco123\n"
      " pre-shared-key hostname R2.cisco.com key other\n"
      "crypto isakmp key globalkey address 0.0.0.0 0.0.0.0\n"
      "crypto isakmp profile p\n"
      " keyring KR\n"
      " match identity address 192.168.0.2 255.255.255.255\n"
      " self-identity address\n");
  ASSERT_TRUE(c);
  const Keyring* kr = c->keyring("KR");
  ASSERT_NE(kr, nullptr);
  ASSERT_EQ(kr->keys.size(), 2u);
  EXPECT_EQ(kr->keys[0].key, "cisco123");
  EXPECT_EQ(format_ipv4(kr->keys[0].address.addr), "192.168.0.2");
  EXPECT_EQ(kr->keys[1].kind, PresharedKey::Kind::kHostname);
  EXPECT_EQ(kr->keys[1].hostname, "R2.cisco.com");
  ASSERT_EQ(c->isakmp_keys.size(), 1u);
  EXPECT_EQ(c->isakmp_keys[0].key, "globalkey");
  EXPECT_EQ(c->isakmp_keys[0].address.mask, 0u);
}

TEST(Language, Ikev2ProfileDetails) {
  auto c = must_load(
      "crypto pki trustpoint A\n"
      "crypto pki trustpoint B\n"
      "crypto ikev2 keyring KR\n"
      " peer any\n"
      "  address 0.0.0.0 0.0.0.0\n"
      "  pre-shared-key s3cret\n"
      "crypto ikev2 proposal p\n"
      " encryption aes-gcm-256\n"
      " prf sha384\n"
      " group 19 20\n"
      "crypto ikev2 profile prof\n"
      " match identity remote fqdn domain cisco.com\n"
      " match identity remote email vpn@cisco.com\n"
      " identity local fqdn R1.cisco.com\n"
      " authentication local rsa-sig\n"
      " authentication remote pre-share\n"
      " authentication remote rsa-sig\n"
      " pki trustpoint A sign\n"
      " pki trustpoint B verify\n"
      " keyring local KR\n"
      " lifetime 3600\n"
      " dpd 10 3 on-demand\n");
  ASSERT_TRUE(c);
  const Ikev2Profile* p = c->ikev2_profile("prof");
  ASSERT_EQ(p->matches.size(), 2u);
  EXPECT_EQ(p->matches[0].kind, Ikev2Match::Kind::kFqdnDomain);
  EXPECT_EQ(p->matches[0].value, "cisco.com");
  EXPECT_EQ(p->matches[1].kind, Ikev2Match::Kind::kEmail);
  EXPECT_EQ(p->identity_local->kind, IdKind::kFqdn);
  EXPECT_EQ(p->identity_local->value, "R1.cisco.com");
  EXPECT_EQ(p->authentication_remote,
            (std::vector<IkeAuthMethod>{IkeAuthMethod::kPreShare, IkeAuthMethod::kRsaSig}));
  ASSERT_EQ(p->trustpoints.size(), 2u);
  EXPECT_TRUE(p->trustpoints[0].sign);
  EXPECT_FALSE(p->trustpoints[0].verify);
  EXPECT_FALSE(p->trustpoints[1].sign);
  EXPECT_TRUE(p->trustpoints[1].verify);
  EXPECT_EQ(p->keyring->name, "KR");
  EXPECT_EQ(p->lifetime_s, 3600u);
  ASSERT_TRUE(p->dpd);
  EXPECT_EQ(p->dpd->interval_s, 10u);
  EXPECT_FALSE(p->dpd->periodic);
  EXPECT_EQ(c->ikev2_proposal("p")->groups, (std::vector<DhGroup>{19, 20}));
}

TEST(Language, IpsecProfileOptions) {
  auto c = must_load(
      "crypto ipsec transform-set A esp-gcm\n"
      "crypto ipsec transform-set B esp-aes 256 esp-sha512-hmac\n"
      "crypto ipsec profile p\n"
      " set transform-set A B\n"
      " set pfs group14\n"
      " set security-association lifetime seconds 1800\n"
      " set security-association lifetime kilobytes disable\n");
  ASSERT_TRUE(c);
  const IpsecProfile* p = c->ipsec_profile("p");
  ASSERT_EQ(p->transform_sets.size(), 2u);
  EXPECT_EQ(p->transform_sets[1].name, "B");
  EXPECT_EQ(p->pfs_group, DhGroup{14});
  EXPECT_EQ(p->lifetime_s, 1800u);
  EXPECT_EQ(p->lifetime_kb, 0u);
}

// Validation sees the whole file: a reference may come before the object.
TEST(Language, ReferencesMayPrecedeDefinitions) {
  auto c = must_load(
      "interface Tunnel1\n"
      " tunnel source Ethernet0/0\n"
      " tunnel destination 192.168.0.2\n"
      " tunnel protection ipsec profile prof1\n"
      "crypto ipsec profile prof1\n"
      " set transform-set TS\n"
      "crypto ipsec transform-set TS esp-aes esp-sha256-hmac\n"
      "interface Ethernet0/0\n"
      " ip address 192.168.0.1 255.255.255.0\n");
  EXPECT_TRUE(c);
}

TEST(Language, WarningsDoNotRejectAndErrorsSuppressTheirLineWarnings) {
  LoadResult ok = load_text("t.cfg", "crypto isakmp policy 5\n encr des\n hash sha\n group 1\n");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(warnings(ok.diagnostics).size(), 3u);
  // A broken line reports its error, not the warnings of what it read.
  LoadResult bad = load_text("t.cfg", "crypto ikev2 proposal p\n group 2 3\n");
  EXPECT_FALSE(bad.ok());
  for (const std::string& w : warnings(bad.diagnostics))
    EXPECT_EQ(w.find("t.cfg:2:"), std::string::npos) << w;
}

TEST(Language, DefaultsOfIsakmpPolicyWarnAtThePolicy) {
  LoadResult r = load_text("t.cfg", "crypto isakmp policy 20\n authentication pre-share\n");
  ASSERT_TRUE(r.ok());
  auto w = warnings(r.diagnostics);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[0],
            "t.cfg:1:22: warning: isakmp policy 20 has no 'encryption' and uses the IOS default "
            "des (RFC 8247: ENCR_DES is MUST NOT); got '20', expected an explicit 'encryption "
            "aes'");
}

}  // namespace
}  // namespace keyway::config::test
