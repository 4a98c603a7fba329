// IOS's IKEv2 profile rules without any exchange: which profile a
// responder binds for a peer identity, in which order `show crypto ikev2
// profile` lists profiles, and what a profile gives as ID and keys.
#include <gtest/gtest.h>

#include "control/ikev2/profile_select.h"
#include "tests/ikev2/harness.h"

namespace keyway::ikev2::test {
namespace {

// Profiles a..e in configuration order; `match` lines per profile.
std::string profiles(const std::vector<std::pair<std::string, std::vector<std::string>>>& ps) {
  std::string out = "hostname R\n";
  for (const auto& [name, matches] : ps) {
    out += "crypto ikev2 profile " + name + "\n";
    for (const std::string& m : matches) out += " match identity remote " + m + "\n";
    out += " authentication local pre-share key k\n authentication remote pre-share key k\n";
  }
  return out + "end\n";
}

IdPayload id_of(const std::string& kind, const std::string& value) {
  if (kind == "ipv4") return id_ipv4(ip(value.c_str()));
  if (kind == "fqdn") return id_fqdn(value);
  if (kind == "email") return id_rfc822(value);
  return id_key_id(ByteView(reinterpret_cast<const uint8_t*>(value.data()), value.size()));
}

struct SelectCase {
  const char* name;
  std::vector<std::pair<std::string, std::vector<std::string>>> profiles;
  std::string id_kind, id_value;
  std::string expected;  // "" : none matches
};

class SelectProfile : public ::testing::TestWithParam<SelectCase> {};

TEST_P(SelectProfile, Chooses) {
  const SelectCase& c = GetParam();
  auto cfg = load("select", profiles(c.profiles));
  const config::Ikev2Profile* p = select_profile(*cfg, id_of(c.id_kind, c.id_value));
  EXPECT_EQ(p ? p->name : "", c.expected);
}

const std::string kHost = "address 192.168.0.1 255.255.255.255";
const std::string kNet = "address 192.168.0.0 255.255.255.0";
const std::string kAny = "address 0.0.0.0 0.0.0.0";

INSTANTIATE_TEST_SUITE_P(
    Table, SelectProfile,
    ::testing::Values(
        // The seed: three equal profiles, the last configured wins.
        SelectCase{"seed_overlap",
                   {{"profile1", {kHost}}, {"profile2", {kHost}}, {"profile3", {kHost}}},
                   "ipv4",
                   "192.168.0.1",
                   "profile3"},
        // Most specific wins whatever the order.
        SelectCase{"host_beats_any_before", {{"host", {kHost}}, {"any", {kAny}}}, "ipv4", "192.168.0.1", "host"},
        SelectCase{"host_beats_any_after", {{"any", {kAny}}, {"host", {kHost}}}, "ipv4", "192.168.0.1", "host"},
        SelectCase{"net_beats_any", {{"net", {kNet}}, {"any", {kAny}}}, "ipv4", "192.168.0.7", "net"},
        SelectCase{"outside_the_net", {{"net", {kNet}}, {"any", {kAny}}}, "ipv4", "10.0.0.7", "any"},
        // Equal generic matches: newest first, as IOS lists them.
        SelectCase{"two_any", {{"any1", {kAny}}, {"any2", {kAny}}}, "ipv4", "10.0.0.7", "any2"},
        // A profile's best line counts.
        SelectCase{"best_line", {{"multi", {kAny, kHost}}, {"net", {kNet}}}, "ipv4", "192.168.0.1", "multi"},
        SelectCase{"fqdn_exact_beats_domain",
                   {{"exact", {"fqdn R1.cisco.com"}}, {"domain", {"fqdn domain cisco.com"}}},
                   "fqdn",
                   "r1.cisco.com",
                   "exact"},
        SelectCase{"longer_domain",
                   {{"short", {"fqdn domain com"}}, {"long", {"fqdn domain cisco.com"}}},
                   "fqdn",
                   "R1.cisco.com",
                   "long"},
        SelectCase{"domain_needs_a_dot", {{"domain", {"fqdn domain cisco.com"}}}, "fqdn", "R1.notcisco.com", ""},
        SelectCase{"email_domain", {{"mail", {"email domain cisco.com"}}}, "email", "joe@cisco.com", "mail"},
        SelectCase{"key_id", {{"k", {"key-id peer7"}}, {"any", {kAny}}}, "key", "peer7", "k"},
        // Types never cross: an address match does not take an FQDN.
        SelectCase{"type_mismatch", {{"any", {kAny}}}, "fqdn", "R1.cisco.com", ""},
        SelectCase{"no_match_lines", {{"empty", {}}}, "ipv4", "192.168.0.1", ""}),
    [](const ::testing::TestParamInfo<SelectCase>& i) { return std::string(i.param.name); });

TEST(ProfileOrder, ShowListsNewestFirst) {
  auto cfg = load_file(seed_config("ikev2-overlap", "r2-responder.cfg"));
  auto order = profiles_in_ios_order(*cfg);
  ASSERT_EQ(order.size(), 3u);
  EXPECT_EQ(order[0]->name, "profile3");
  EXPECT_EQ(order[2]->name, "profile1");

  TestHost host;
  Engine e(*cfg, {}, tunnels_of(*cfg), host);
  std::string show = e.show_profiles();
  size_t p3 = show.find("IKEv2 profile: profile3"), p2 = show.find("IKEv2 profile: profile2"),
         p1 = show.find("IKEv2 profile: profile1");
  ASSERT_NE(p3, std::string::npos) << show;
  EXPECT_LT(p3, p2);
  EXPECT_LT(p2, p1);
  EXPECT_NE(show.find("   address 192.168.0.1 255.255.255.255\n"), std::string::npos) << show;
  EXPECT_NE(show.find(" Local identity: address 192.168.0.2\n"), std::string::npos) << show;
  EXPECT_NE(show.find(" Trustpoint(s): TP1\n"), std::string::npos) << show;
  EXPECT_NE(show.find(" Local authentication method: rsa-sig\n"), std::string::npos) << show;
}

TEST(ProfileIdentity, DefaultsAndKeys) {
  auto cfg =
      load("ids",
           "hostname R\n"
           "crypto ikev2 keyring ring\n"
           " peer a\n  address 10.0.0.0 255.0.0.0\n  pre-shared-key wide\n"
           " peer b\n  address 10.1.0.0 255.255.0.0\n  pre-shared-key local mine\n  pre-shared-key remote theirs\n"
           " peer c\n  identity fqdn peer.example\n  pre-shared-key byid\n"
           "crypto ikev2 profile psk\n match identity remote address 0.0.0.0 0.0.0.0\n"
           " authentication local pre-share\n authentication remote pre-share\n keyring local ring\n"
           "crypto ikev2 profile sig\n match identity remote address 0.0.0.0 0.0.0.0\n"
           " identity local fqdn r.example\n authentication local rsa-sig\n authentication remote rsa-sig\n"
           "end\n");
  const config::Ikev2Profile& psk = *cfg->ikev2_profile("psk");
  EXPECT_EQ(local_identity(psk, ip("10.9.9.9"), nullptr), id_ipv4(ip("10.9.9.9")));
  EXPECT_EQ(local_identity(*cfg->ikev2_profile("sig"), ip("10.9.9.9"), nullptr), id_fqdn("r.example"));
  EXPECT_EQ(psk_local(*cfg, psk, ip("10.1.2.3"), nullptr), "mine");  // the longest address match
  EXPECT_EQ(psk_remote(*cfg, psk, ip("10.1.2.3"), nullptr), "theirs");
  EXPECT_EQ(psk_local(*cfg, psk, ip("10.2.2.3"), nullptr), "wide");
  IdPayload byid = id_fqdn("PEER.example");
  EXPECT_EQ(psk_remote(*cfg, psk, ip("10.1.2.3"), &byid), "byid");  // identity before address
  EXPECT_EQ(psk_local(*cfg, psk, ip("172.16.0.1"), nullptr), "");
  EXPECT_EQ(ios_identity(id_ipv4(ip("192.168.0.1"))), "'192.168.0.1' of type 'IPv4 address'");
}

}  // namespace
}  // namespace keyway::ikev2::test
