// Phase-1 matching as IOS does it (policies in priority order, lifetime
// no longer than the policy's) and phase-2 transform-set matching.
#include <gtest/gtest.h>

#include "control/ikev1/constants.h"
#include "control/ikev1/proposal.h"

namespace keyway::ikev1 {
namespace {

using config::IkeAuthMethod;
using config::IkeCipher;
using config::IkeHash;

config::IsakmpPolicy policy(uint32_t prio, IkeCipher c, IkeHash h, IkeAuthMethod a, uint16_t g, uint32_t life = 86400) {
  config::IsakmpPolicy p;
  p.priority = prio;
  p.encryption = c;
  p.hash = h;
  p.authentication = a;
  p.group = g;
  p.lifetime_s = life;
  return p;
}

TEST(Ikev1Proposal, Phase1RoundTripsThroughTheSa) {
  std::vector<config::IsakmpPolicy> pols = {policy(10, IkeCipher::kAes256, IkeHash::kSha256, IkeAuthMethod::kRsaSig, 14),
                                            policy(20, IkeCipher::k3des, IkeHash::kMd5, IkeAuthMethod::kPreShare, 2, 3600)};
  SaPayload sa = phase1_sa(pols);
  Writer w;
  write(sa, w);
  auto back = parse_sa(w.data());
  ASSERT_TRUE(back);
  auto s = decode_phase1(back->proposals[0].transforms[1]);
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, (Phase1Suite{IkeCipher::k3des, IkeHash::kMd5, IkeAuthMethod::kPreShare, 2, 3600}));
}

TEST(Ikev1Proposal, PolicyPriorityDecidesNotOfferOrder) {
  auto a = policy(10, IkeCipher::kAes128, IkeHash::kSha1, IkeAuthMethod::kRsaSig, 14);
  auto b = policy(20, IkeCipher::kAes256, IkeHash::kSha256, IkeAuthMethod::kRsaSig, 14);
  std::vector<config::IsakmpPolicy> offered = {b, a}, local = {a, b};
  auto m = match_phase1(phase1_sa(offered), local);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->policy, 0u);     // priority 10 first
  EXPECT_EQ(m->transform, 2u);  // the initiator's second transform
}

TEST(Ikev1Proposal, LifetimeLongerThanPolicyIsRefusedShorterIsTaken) {
  auto local = policy(10, IkeCipher::kAes256, IkeHash::kSha1, IkeAuthMethod::kPreShare, 14, 3600);
  auto longer = local;
  longer.lifetime_s = 7200;
  EXPECT_FALSE(match_phase1(phase1_sa(std::vector{longer}), std::vector{local}));
  auto shorter = local;
  shorter.lifetime_s = 600;
  auto m = match_phase1(phase1_sa(std::vector{shorter}), std::vector{local});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->suite.lifetime_s, 600u);
}

TEST(Ikev1Proposal, AnyDifferenceIsNoMatch) {
  auto local = policy(10, IkeCipher::kAes256, IkeHash::kSha1, IkeAuthMethod::kRsaSig, 14);
  for (auto off : {policy(1, IkeCipher::kAes128, IkeHash::kSha1, IkeAuthMethod::kRsaSig, 14),
                   policy(1, IkeCipher::kAes256, IkeHash::kSha256, IkeAuthMethod::kRsaSig, 14),
                   policy(1, IkeCipher::kAes256, IkeHash::kSha1, IkeAuthMethod::kPreShare, 14),
                   policy(1, IkeCipher::kAes256, IkeHash::kSha1, IkeAuthMethod::kRsaSig, 2)})
    EXPECT_FALSE(match_phase1(phase1_sa(std::vector{off}), std::vector{local}));
}

TEST(Ikev1Proposal, Phase2TransformSets) {
  config::TransformSet ts1{"ts1", {}, config::EspCipher::kAesCbc256, config::EspAuth::kSha256, {}, config::IpsecMode::kTunnel};
  config::TransformSet ts2{"ts2", {}, config::EspCipher::k3des, config::EspAuth::kSha1, {}, config::IpsecMode::kTunnel};
  Transform t{1, kEsp3des, {Attribute::basic(p2::kAuthAlgorithm, p2::kAuthHmacSha1),
                            Attribute::basic(p2::kEncapsulationMode, p2::kModeUdpTunnelDraft),
                            Attribute::basic(p2::kGroupDescription, 14)}};
  SaPayload sa{kDoiIpsec, kSituationIdentityOnly, {Proposal{1, kProtoEsp, {1, 2, 3, 4}, {t}}}};
  std::vector sets{ts1, ts2};
  auto m = match_phase2(sa, sets, 14);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->transform_set, 1u);
  EXPECT_TRUE(m->suite.udp_encap);
  EXPECT_FALSE(match_phase2(sa, sets, 0));  // PFS mismatch
}

}  // namespace
}  // namespace keyway::ikev1
