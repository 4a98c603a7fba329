// Proposals: the model's algorithms as transforms (the IANA table), and
// the responder's choice — the initiator's proposals in order, the first
// the local list accepts; within it the initiator's transform order, a DH
// group matching the KE payload preferred.
#include <gtest/gtest.h>

#include "control/ikev2/proposal.h"

namespace keyway::ikev2 {
namespace {

using config::EspAuth;
using config::EspCipher;
using ike::IkeCipher;
using ike::IkeHash;

Transform encr(uint16_t id, uint16_t bits = 0) { return {TransformType::kEncr, id, bits, false}; }
Transform prf(uint16_t id) { return {TransformType::kPrf, id, 0, false}; }
Transform integ(uint16_t id) { return {TransformType::kInteg, id, 0, false}; }
Transform dh(uint16_t id) { return {TransformType::kDh, id, 0, false}; }

config::Ikev2Proposal cfg(std::vector<IkeCipher> e, std::vector<IkeHash> i, std::vector<IkeHash> p,
                          std::vector<config::DhGroup> g) {
  config::Ikev2Proposal out;
  out.name = "test";
  out.encryption = std::move(e);
  out.integrity = std::move(i);
  out.prf = std::move(p);
  out.groups = std::move(g);
  return out;
}

Proposal ike(uint8_t number, std::vector<Transform> ts) { return Proposal{number, Protocol::kIke, {}, std::move(ts)}; }

TEST(IkeProposal, MapsTheModelThroughTheIanaTable) {
  auto p = ike_proposal(cfg({IkeCipher::kAes256, IkeCipher::k3des}, {IkeHash::kSha256, IkeHash::kMd5},
                            {IkeHash::kSha384}, {14, 2}),
                        1);
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(p->transforms, (std::vector<Transform>{encr(12, 256), encr(3), prf(6), integ(12), integ(1), dh(14),
                                                   dh(2)}));
  // AES-GCM alone: no integrity transforms on the wire.
  auto gcm = ike_proposal(cfg({IkeCipher::kAesGcm128}, {IkeHash::kSha256}, {IkeHash::kSha256}, {19}), 2);
  ASSERT_TRUE(gcm);
  EXPECT_EQ(gcm->transforms, (std::vector<Transform>{encr(20, 128), prf(5), dh(19)}));
  EXPECT_EQ(gcm->number, 2);
  EXPECT_FALSE(ike_proposal(cfg({IkeCipher::kDes}, {IkeHash::kSha1}, {IkeHash::kSha1}, {14}), 1));
  EXPECT_FALSE(ike_proposal(cfg({IkeCipher::kAes128}, {IkeHash::kSha1}, {IkeHash::kSha1}, {24}), 1));
  // Groups 5 and 21 map to their IANA numbers like the others.
  auto more = ike_proposal(cfg({IkeCipher::kAes128}, {IkeHash::kSha256}, {IkeHash::kSha256}, {21, 5}), 1);
  ASSERT_TRUE(more);
  EXPECT_EQ(more->transforms, (std::vector<Transform>{encr(12, 128), prf(5), integ(12), dh(21), dh(5)}));
}

TEST(IkeSuite, ComesBackFromTheChosenTransforms) {
  for (IkeCipher c : {IkeCipher::k3des, IkeCipher::kAes128, IkeCipher::kAes192, IkeCipher::kAes256,
                      IkeCipher::kAesGcm128, IkeCipher::kAesGcm256})
    for (IkeHash h : {IkeHash::kMd5, IkeHash::kSha1, IkeHash::kSha256, IkeHash::kSha384, IkeHash::kSha512})
      for (config::DhGroup g : {2, 14, 19, 20, 31}) {
        auto p = ike_proposal(cfg({c}, {h}, {h}, {g}), 1);
        ASSERT_TRUE(p);
        auto s = ike_suite(*p);
        ASSERT_TRUE(s) << s.error();
        bool aead = ike::cipher_info(c).aead;
        EXPECT_EQ(*s, (IkeSuite{c, aead ? std::nullopt : std::optional<IkeHash>(h), h, g}));
      }
}

struct SelectCase {
  const char* name;
  std::vector<Proposal> offered;
  std::vector<Proposal> local;
  std::optional<uint16_t> ke_group;
  std::optional<std::pair<size_t, size_t>> indexes;  // offered, local
  std::vector<Transform> chosen;
};

void PrintTo(const SelectCase& c, std::ostream* os) { *os << c.name; }

class Select : public ::testing::TestWithParam<SelectCase> {};

TEST_P(Select, FollowsTheInitiatorsOrder) {
  const SelectCase& c = GetParam();
  auto s = select_proposal(c.offered, c.local, c.ke_group);
  if (!c.indexes) {
    EXPECT_FALSE(s.has_value());
    return;
  }
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->offered_index, c.indexes->first);
  EXPECT_EQ(s->local_index, c.indexes->second);
  EXPECT_EQ(s->chosen.transforms, c.chosen);
  EXPECT_EQ(s->chosen.number, c.offered[c.indexes->first].number);
}

const Proposal kCbc14 = ike(1, {encr(12, 256), prf(5), integ(12), dh(14)});
const Proposal kGcm20 = ike(2, {encr(20, 256), prf(6), dh(20)});

INSTANTIATE_TEST_SUITE_P(Table, Select, ::testing::Values(
    SelectCase{"second_offered_matches_first_local", {kCbc14, kGcm20}, {ike(1, {encr(20, 256), prf(6), dh(20)})},
               std::nullopt, std::pair<size_t, size_t>{1, 0}, {encr(20, 256), prf(6), dh(20)}},
    SelectCase{"initiator_order_beats_local_order", {kCbc14, kGcm20}, {kGcm20, kCbc14}, std::nullopt,
               std::pair<size_t, size_t>{0, 1}, {encr(12, 256), prf(5), integ(12), dh(14)}},
    SelectCase{"initiator_transform_order", {ike(1, {encr(12, 256), encr(12, 128), prf(5), integ(12), dh(14)})},
               {ike(1, {encr(12, 128), encr(12, 256), prf(5), integ(12), dh(14)})}, std::nullopt,
               std::pair<size_t, size_t>{0, 0}, {encr(12, 256), prf(5), integ(12), dh(14)}},
    SelectCase{"key_length_must_match", {ike(1, {encr(12, 128), prf(5), integ(12), dh(14)})},
               {ike(1, {encr(12, 256), prf(5), integ(12), dh(14)})}, std::nullopt, std::nullopt, {}},
    SelectCase{"ke_group_preferred", {ike(1, {encr(20, 128), prf(5), dh(14), dh(19)})},
               {ike(1, {encr(20, 128), prf(5), dh(19), dh(14)})}, uint16_t{19}, std::pair<size_t, size_t>{0, 0},
               {encr(20, 128), prf(5), dh(19)}},
    SelectCase{"without_ke_first_offered_group", {ike(1, {encr(20, 128), prf(5), dh(14), dh(19)})},
               {ike(1, {encr(20, 128), prf(5), dh(19), dh(14)})}, std::nullopt, std::pair<size_t, size_t>{0, 0},
               {encr(20, 128), prf(5), dh(14)}},
    SelectCase{"ke_group_not_acceptable_still_selects", {ike(1, {encr(20, 128), prf(5), dh(14)})},
               {ike(1, {encr(20, 128), prf(5), dh(14)})}, uint16_t{19}, std::pair<size_t, size_t>{0, 0},
               {encr(20, 128), prf(5), dh(14)}},
    SelectCase{"no_common_group", {kCbc14}, {ike(1, {encr(12, 256), prf(5), integ(12), dh(19)})}, std::nullopt,
               std::nullopt, {}},
    SelectCase{"cbc_needs_integrity", {ike(1, {encr(12, 256), prf(5), dh(14)})},
               {ike(1, {encr(12, 256), prf(5), dh(14)})}, std::nullopt, std::nullopt, {}},
    SelectCase{"gcm_ignores_offered_integrity", {ike(1, {encr(20, 256), prf(6), integ(12), dh(20)})},
               {kGcm20}, std::nullopt, std::pair<size_t, size_t>{0, 0}, {encr(20, 256), prf(6), dh(20)}},
    SelectCase{"falls_back_to_a_cipher_that_completes",
               {ike(1, {encr(20, 256), encr(12, 256), prf(5), integ(12), dh(14)})},
               {ike(1, {encr(12, 256), encr(20, 256), prf(5), integ(12), dh(14)})}, std::nullopt,
               std::pair<size_t, size_t>{0, 0}, {encr(20, 256), prf(5), dh(14)}},
    SelectCase{"unknown_attribute_never_matches",
               {ike(1, {{TransformType::kEncr, 20, 256, true}, prf(6), dh(20)}), kGcm20}, {kGcm20}, std::nullopt,
               std::pair<size_t, size_t>{1, 0}, {encr(20, 256), prf(6), dh(20)}},
    SelectCase{"unknown_transform_type_rejects_the_proposal",
               {ike(1, {encr(20, 256), prf(6), dh(20), {static_cast<TransformType>(6), 1, 0, false}}), kGcm20},
               {kGcm20}, std::nullopt, std::pair<size_t, size_t>{1, 0}, {encr(20, 256), prf(6), dh(20)}},
    SelectCase{"protocol_must_match", {Proposal{1, Protocol::kEsp, {0, 0, 0, 1}, {encr(20, 256)}}}, {kGcm20},
               std::nullopt, std::nullopt, {}}),
    [](const auto& p) { return std::string(p.param.name); });

config::TransformSet transform_set(EspCipher c, EspAuth a) {
  config::TransformSet ts;
  ts.name = "ts";
  ts.cipher = c;
  ts.auth = a;
  return ts;
}

TEST(EspProposal, BuildsSelectsAndComesBack) {
  auto gcm = esp_proposal(transform_set(EspCipher::kAesGcm256, EspAuth::kNone), 1, 0xc001d00d, std::nullopt, false);
  auto cbc = esp_proposal(transform_set(EspCipher::kAesCbc128, EspAuth::kSha256), 2, 0xc001d00d, 19, true);
  ASSERT_TRUE(gcm && cbc);
  EXPECT_EQ(gcm->spi, (Bytes{0xc0, 0x01, 0xd0, 0x0d}));
  EXPECT_EQ(cbc->transforms,
            (std::vector<Transform>{encr(12, 128), integ(12), dh(19), {TransformType::kEsn, 1, 0, false}}));
  std::vector<Proposal> offered{*cbc, *gcm};
  std::vector<Proposal> local{*gcm};
  auto s = select_proposal(offered, local);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->offered_index, 1u);
  auto suite = esp_suite(s->chosen);
  ASSERT_TRUE(suite) << suite.error();
  EXPECT_EQ(*suite, (EspSuite{EspCipher::kAesGcm256, EspAuth::kNone, std::nullopt, false}));
  auto cbc_choice = select_proposal(std::vector<Proposal>{*cbc}, std::vector<Proposal>{*cbc});
  ASSERT_TRUE(cbc_choice);
  auto cbc_suite = esp_suite(cbc_choice->chosen);
  ASSERT_TRUE(cbc_suite);
  EXPECT_EQ(*cbc_suite, (EspSuite{EspCipher::kAesCbc128, EspAuth::kSha256, 19, true}));
  EXPECT_FALSE(esp_proposal(transform_set(EspCipher::kAesCbc128, EspAuth::kNone), 1, 1, std::nullopt, false));
  EXPECT_FALSE(esp_proposal(transform_set(EspCipher::kDes, EspAuth::kSha1), 1, 1, std::nullopt, false));
}

}  // namespace
}  // namespace keyway::ikev2
