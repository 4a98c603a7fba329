// Every configuration listing of the seed parses, and the routers assembled
// from them load; the seed's artefacts behave as configs/README.md says.
#include <gtest/gtest.h>

#include "tests/config/helpers.h"
#include "tests/config/seed_blocks.h"

namespace keyway::config::test {

void PrintTo(const SeedBlock& b, std::ostream* os) { *os << b.name; }

namespace {

// The one textual fix keyway needs: the seed prints "Tunnell" for "Tunnel1".
std::string fix_tunnell(std::string_view text) {
  return replace_all(std::string(text), "interface Tunnell\n", "interface Tunnel1\n");
}

class SeedBlockTest : public ::testing::TestWithParam<SeedBlock> {};

// Parsed on its own (a listing may refer to objects another listing
// defines), every block is free of errors once "Tunnell" reads "Tunnel1".
TEST_P(SeedBlockTest, Parses) {
  const SeedBlock& b = GetParam();
  Parsed p = parse_only(fix_tunnell(b.text), std::string(b.name));
  EXPECT_EQ(errors(p.diagnostics), std::vector<std::string>{}) << b.section;
}

// Verbatim, the only error any block has is the "Tunnell" line.
TEST_P(SeedBlockTest, VerbatimHasOnlyTheTunnellError) {
  const SeedBlock& b = GetParam();
  Parsed p = parse_only(b.text, "seed");
  auto e = errors(p.diagnostics);
  if (b.text.find("interface Tunnell") == std::string_view::npos) {
    EXPECT_EQ(e, std::vector<std::string>{});
  } else {
    ASSERT_EQ(e.size(), 1u) << testing::PrintToString(e);
    EXPECT_NE(e[0].find(":11: error: invalid interface name; got 'Tunnell', expected an "
                        "interface type followed by its number; did you mean 'Tunnel1'?"),
              std::string::npos)
        << e[0];
  }
}

INSTANTIATE_TEST_SUITE_P(Seed, SeedBlockTest, ::testing::ValuesIn(kSeedBlocks),
                         [](const auto& p) { return std::string(p.param.name); });

std::string text_of(std::string_view name) { return std::string(seed_block(name).text); }

TEST(SeedTunnell, ExactPositionInTheR1Listing) {
  Parsed p = parse_only(text_of("ikev1_r1"), "r1.cfg");
  EXPECT_EQ(errors(p.diagnostics),
            std::vector<std::string>{
                "r1.cfg:22:11: error: invalid interface name; got 'Tunnell', expected an "
                "interface type followed by its number; did you mean 'Tunnel1'?"});
  // The block's own lines were checked on a scratch interface: no cascade,
  // and neither a "Tunnell" nor a stray address on Loopback0.
  ASSERT_EQ(p.config.interfaces.size(), 2u);
  EXPECT_EQ(p.config.interfaces[0].name, "Loopback0");
  EXPECT_EQ(format_ipv4(p.config.interfaces[0].address->addr), "192.168.100.1");
  EXPECT_EQ(p.config.interfaces[1].name, "Ethernet0/0");
}

// Loaded verbatim with its trust-points, R1's listing has that one error.
TEST(SeedTunnell, VerbatimR1IsRejectedForThatAlone) {
  LoadResult r = load_text("r1.cfg", text_of("ikev1_r1") + text_of("ikev1_r1_trustpoints"));
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(errors(r.diagnostics).size(), 1u) << testing::PrintToString(errors(r.diagnostics));
}

// IKEv1 R1 = its network listing + its trust-point listing.
TEST(SeedRouters, Ikev1R1Loads) {
  LoadResult r = load_text("r1", fix_tunnell(text_of("ikev1_r1")) + text_of("ikev1_r1_trustpoints"));
  ASSERT_TRUE(r.ok()) << testing::PrintToString(errors(r.diagnostics));
  const Config& c = *r.config;
  ASSERT_EQ(c.trustpoints.size(), 2u);
  EXPECT_EQ(c.trustpoints[0].name, "IOSCA1");
  EXPECT_EQ(c.trustpoints[1].name, "IOSCA2");
  ASSERT_EQ(c.isakmp_profiles.size(), 1u);
  ASSERT_EQ(c.isakmp_profiles[0].ca_trustpoints.size(), 1u);
  EXPECT_EQ(c.isakmp_profiles[0].ca_trustpoints[0].name, "IOSCA1");
}

// IKEv1 R2, verbatim trust-point listing: IOS edits IOSCA1 twice, so R2 has
// one trust-point, with the second enrollment URL, and keyway warns.
TEST(SeedRouters, Ikev1R2RepeatedTrustpointEditsTheSameObject) {
  LoadResult r = load_text("r2", fix_tunnell(text_of("ikev1_r2")) + text_of("ikev1_r2_trustpoints"));
  ASSERT_TRUE(r.ok()) << testing::PrintToString(errors(r.diagnostics));
  const Config& c = *r.config;
  ASSERT_EQ(c.trustpoints.size(), 1u);
  EXPECT_EQ(c.trustpoints[0].name, "IOSCA1");
  EXPECT_EQ(c.trustpoints[0].enrollment, Enrollment::kUrl);
  EXPECT_EQ(c.trustpoints[0].enrollment_url, "http://192.168.0.4:80");
  EXPECT_EQ(c.trustpoints[0].fqdn, "R2.cisco.com");
  EXPECT_EQ(c.trustpoints[0].subject_name, "CN=R2,OU=IT,O=cisco,O=com");
  EXPECT_TRUE(c.isakmp_profiles[0].ca_trustpoints.empty());
  bool warned = false;
  for (const std::string& w : warnings(r.diagnostics))
    warned = warned || w.find("crypto pki trustpoint entered again; its commands edit the one "
                              "defined at line") != std::string::npos;
  EXPECT_TRUE(warned) << testing::PrintToString(warnings(r.diagnostics));
}

// The IKEv2 listings refer to TP1 (and TP2), which the seed never defines.
TEST(SeedRouters, Ikev2ListingsNeedTheirTrustpoints) {
  LoadResult bare = load_text("r1", text_of("ikev2_overlap_initiator"));
  EXPECT_EQ(errors(bare.diagnostics),
            std::vector<std::string>{"r1:15:18: error: undefined trust-point; got 'TP1', expected "
                                     "a trust-point defined by 'crypto pki trustpoint'"});
  const std::string tps = "crypto pki trustpoint TP1\n enrollment terminal\n"
                          "crypto pki trustpoint TP2\n enrollment terminal\n";
  for (std::string_view name : {"ikev2_overlap_initiator", "ikev2_overlap_responder",
                                "ikev2_no_trustpoint_profile", "ikev2_r2_initiator_profile",
                                "ikev2_r1_responder_profile"}) {
    LoadResult r = load_text(name, tps + text_of(name));
    EXPECT_TRUE(r.ok()) << name << testing::PrintToString(errors(r.diagnostics));
  }
}

// Which warnings the seed's own listings draw.
TEST(SeedWarnings, DeprecatedAlgorithmsNameTheirRfc) {
  Parsed p = parse_only(text_of("ikev2_overlap_initiator"));
  auto w = warnings(p.diagnostics);
  auto has = [&](std::string_view needle) {
    for (const std::string& s : w)
      if (s.find(needle) != std::string::npos) return true;
    return false;
  };
  EXPECT_TRUE(has("t.cfg:2:14: warning: deprecated algorithm, loaded as written (RFC 8247: "
                  "ENCR_3DES is MAY"));
  EXPECT_TRUE(has("t.cfg:3:13: warning: deprecated algorithm, loaded as written (RFC 8247: "
                  "AUTH_HMAC_MD5_96 is MUST NOT); got 'md5', expected sha256"));
  EXPECT_TRUE(has("t.cfg:4:9: warning: deprecated algorithm, loaded as written (RFC 8247: DH "
                  "group 2 (1024-bit MODP) is SHOULD NOT); got '2', expected group 14, 19 or 20"));
  EXPECT_TRUE(has("t.cfg:17:34: warning: deprecated algorithm, loaded as written (RFC 8221: "
                  "ENCR_3DES is SHOULD NOT); got 'esp-3des', expected esp-aes or esp-gcm"));
  EXPECT_TRUE(has("t.cfg:17:43: warning: deprecated algorithm, loaded as written (RFC 8221: "
                  "AUTH_HMAC_SHA1_96 is MUST-, expected to be phased out); got 'esp-sha-hmac', "
                  "expected esp-sha256-hmac"));
  EXPECT_EQ(w.size(), 5u) << testing::PrintToString(w);
}

TEST(SeedWarnings, OverlappingProfilesAndMissingInitiatorTrustpoint) {
  const std::string tps = "crypto pki trustpoint TP1\n enrollment terminal\n";
  LoadResult r = load_text("r2", tps + text_of("ikev2_overlap_responder"));
  ASSERT_TRUE(r.ok());
  size_t overlaps = 0;
  for (const std::string& w : warnings(r.diagnostics))
    if (w.find("'match identity' overlaps ikev2 profile 'profile1'") != std::string::npos)
      ++overlaps;
  EXPECT_EQ(overlaps, 2u);

  LoadResult nt = load_text("r1", text_of("ikev2_no_trustpoint_profile"));
  ASSERT_TRUE(nt.ok());
  EXPECT_EQ(warnings(nt.diagnostics),
            std::vector<std::string>{
                "r1:5:22: warning: ikev2 profile authenticates with a certificate but has no "
                "'pki trustpoint' to sign with; as initiator IOS fails with 'Failed to build "
                "certificate payload'; got 'rsa-sig', expected a 'pki trustpoint' line in the "
                "profile (mandatory for the initiator)"});
}

}  // namespace
}  // namespace keyway::config::test
