// The ISAKMP codec: a Main Mode message 1 written by hand from the RFC
// diagrams, round trips, every truncation, random mutations, one test per
// strict check, and encryption with IV chaining.
#include <gtest/gtest.h>

#include <random>

#include "control/ikev1/crypt.h"
#include "control/ikev1/message.h"
#include "control/ikev1/payloads.h"
#include "control/ikev1/sa_payload.h"
#include "control/ikev1/vendor_ids.h"

namespace keyway::ikev1 {
namespace {

SaPayload phase1_sa() {
  Transform t{1, kKeyIke,
              {Attribute::basic(p1::kEncryption, p1::kEncAes), Attribute::basic(p1::kKeyLength, 256),
               Attribute::basic(p1::kHash, p1::kHashSha256), Attribute::basic(p1::kAuthMethod, p1::kAuthRsaSig),
               Attribute::basic(p1::kGroupDescription, 14), Attribute::basic(p1::kLifeType, p1::kLifeSeconds),
               Attribute::variable(p1::kLifeDuration, 86400)}};
  return SaPayload{kDoiIpsec, kSituationIdentityOnly, {Proposal{1, kProtoIsakmp, {}, {t}}}};
}

Message mm1() {
  Message m;
  m.header.cky_i = 0x2a710318c5500119;
  m.payloads.push_back(make(PayloadType::kSa, phase1_sa()));
  m.payloads.push_back(make_opaque(PayloadType::kVendor, vid_dpd().bytes));
  m.payloads.push_back(make_opaque(PayloadType::kVendor, vid_nat_t_rfc3947().bytes));
  return m;
}

// Quick Mode-like message with every other payload type.
Message everything() {
  Message m;
  m.header.cky_i = 1;
  m.header.cky_r = 2;
  m.header.exchange = ExchangeType::kQuickMode;
  m.header.message_id = 0x12345678;
  m.payloads.push_back(make_opaque(PayloadType::kHash, Bytes(20, 7)));
  SaPayload sa{kDoiIpsec, kSituationIdentityOnly,
               {Proposal{1, kProtoEsp, {1, 2, 3, 4},
                         {Transform{1, kEspAes,
                                    {Attribute::basic(p2::kEncapsulationMode, p2::kModeUdpTunnelDraft),
                                     Attribute::basic(p2::kAuthAlgorithm, p2::kAuthHmacSha256),
                                     Attribute::basic(p2::kKeyLength, 256), Attribute::basic(p2::kGroupDescription, 14),
                                     Attribute::basic(p2::kLifeType, p2::kLifeSeconds),
                                     Attribute::variable(p2::kLifeDuration, 3600)}}}}}};
  m.payloads.push_back(make(PayloadType::kSa, sa));
  m.payloads.push_back(make_opaque(PayloadType::kNonce, Bytes(32, 9)));
  m.payloads.push_back(make_opaque(PayloadType::kKe, Bytes(256, 5)));
  m.payloads.push_back(make(PayloadType::kId, IdPayload::ipv4_subnet(0xc0a86400, 0xffffff00)));
  m.payloads.push_back(make(PayloadType::kId, IdPayload::ipv4_range(0xc0a8c800, 0xc0a8c8ff, 6, 80)));
  m.payloads.push_back(make(PayloadType::kCert, CertPayload{4, Bytes(100, 0x30)}));
  m.payloads.push_back(make(PayloadType::kCr, CertPayload{4, {0x30, 0x00}}));
  m.payloads.push_back(make_opaque(PayloadType::kSig, Bytes(128, 1)));
  m.payloads.push_back(make(PayloadType::kNotify, dpd_notify(false, 1, 2, 77)));
  m.payloads.push_back(make(PayloadType::kDelete, DeletePayload{kDoiIpsec, kProtoEsp, 4, {{1, 2, 3, 4}, {5, 6, 7, 8}}}));
  m.payloads.push_back(make_opaque(PayloadType::kNatD, Bytes(20, 3)));
  m.payloads.push_back(make(PayloadType::kNatOa, NatOaPayload{1, {10, 0, 0, 1}}));
  m.payloads.push_back(make(PayloadType::kId, IdPayload::text(IdType::kFqdn, "R1.cisco.com")));
  m.payloads.push_back(make(PayloadType::kId, IdPayload::der_dn(Bytes{0x30, 0x03, 0x31, 0x01, 0x00})));
  return m;
}

TEST(Ikev1Codec, HandWrittenMm1) {
  Bytes got = serialize(mm1());
  // Header: cookies, next SA(1), version 0x10, MM(2), flags 0, M-ID 0, length.
  Bytes head = {0x2a, 0x71, 0x03, 0x18, 0xc5, 0x50, 0x01, 0x19, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x10, 2, 0, 0, 0, 0, 0};
  ASSERT_GE(got.size(), 28u);
  EXPECT_EQ(Bytes(got.begin(), got.begin() + 24), head);
  // SA: next VID(13), length 4+8+8+8+6*4+8 = 60: DOI 1, SIT 1, proposal (next 0, len 48, #1, ISAKMP, spi 0, 1 transform).
  Bytes sa = {13, 0, 0, 60, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 48, 1, 1, 0, 1, 0, 0, 0, 40, 1, 1, 0, 0,
              0x80, 1, 0, 7, 0x80, 14, 1, 0, 0x80, 2, 0, 4, 0x80, 3, 0, 3, 0x80, 4, 0, 14, 0x80, 11, 0, 1,
              0, 12, 0, 4, 0, 1, 0x51, 0x80};
  EXPECT_EQ(Bytes(got.begin() + 28, got.begin() + 28 + 60), sa);
  auto m = parse_message(got);
  ASSERT_TRUE(m) << m.error();
  auto s = parse_sa(m->find(PayloadType::kSa)->body);
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, phase1_sa());
  EXPECT_EQ(*find_attribute(s->proposals[0].transforms[0].attributes, p1::kLifeDuration)->value(), 86400u);
  EXPECT_EQ(m->all(PayloadType::kVendor).size(), 2u);
  EXPECT_EQ(vendor_name(m->all(PayloadType::kVendor)[0]->body), "RFC 3706 DPD");
}

TEST(Ikev1Codec, RoundTripEveryPayload) {
  Bytes b = serialize(everything());
  auto m = parse_message(b);
  ASSERT_TRUE(m) << m.error();
  EXPECT_EQ(m->payloads, everything().payloads);
  EXPECT_EQ(serialize(*m), b);
  auto n = parse_notify(m->find(PayloadType::kNotify)->body);
  ASSERT_TRUE(n);
  EXPECT_EQ(notify_name(n->type), "R-U-THERE");
}

TEST(Ikev1Codec, EveryTruncationIsRejected) {
  for (const Message& msg : {mm1(), everything()}) {
    Bytes b = serialize(msg);
    for (size_t n = 0; n < b.size(); ++n) {
      Bytes t(b.begin(), b.begin() + static_cast<ptrdiff_t>(n));
      EXPECT_FALSE(parse_message(t)) << n;
      // With the header's length fixed up, the chain itself must notice.
      if (n >= kHeaderLen) {
        t[24] = static_cast<uint8_t>(n >> 24), t[25] = static_cast<uint8_t>(n >> 16), t[26] = static_cast<uint8_t>(n >> 8),
        t[27] = static_cast<uint8_t>(n);
        if (n > kHeaderLen) {
          EXPECT_FALSE(parse_message(t)) << n;
        }
      }
    }
  }
}

TEST(Ikev1Codec, RandomMutationsNeverCrashAndReserializeExactly) {
  std::mt19937 rng(1);
  Bytes base = serialize(everything());
  for (int i = 0; i < 20000; ++i) {
    Bytes b = base;
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) b[rng() % b.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
    auto m = parse_message(b);
    if (m && !m->header.encrypted()) {
      EXPECT_EQ(serialize(*m), b);
    }
  }
}

struct Strict {
  const char* name;
  size_t at;
  uint8_t value;
  std::optional<NotifyType> notify;
};

class Ikev1Strict : public ::testing::TestWithParam<Strict> {};

TEST_P(Ikev1Strict, Rejected) {
  Bytes b = serialize(mm1());
  b[GetParam().at] = GetParam().value;
  auto m = parse_message(b);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.rejection().notify, GetParam().notify) << m.error();
  EXPECT_FALSE(m.error().empty());
}

// Offsets in mm1(): header 0..27, SA generic header 28, DOI 32, SIT 36,
// proposal header 40, proposal body 44, transform header 48, body 52, attrs 56
// (life duration TLV at 80).
INSTANTIATE_TEST_SUITE_P(
    Checks, Ikev1Strict,
    ::testing::Values(Strict{"major", 17, 0x20, NotifyType::kInvalidMajorVersion},
                      Strict{"minor", 17, 0x11, NotifyType::kInvalidMinorVersion},
                      Strict{"exchange", 18, 9, NotifyType::kInvalidExchangeType},
                      Strict{"flags", 19, 0x08, NotifyType::kInvalidFlags},
                      Strict{"length", 27, 0xff, NotifyType::kUnequalPayloadLengths},
                      Strict{"first_payload_proposal", 16, 2, NotifyType::kInvalidPayloadType},
                      Strict{"first_payload_unknown", 16, 50, NotifyType::kInvalidPayloadType},
                      Strict{"reserved", 29, 1, NotifyType::kPayloadMalformed},
                      Strict{"payload_len_short", 31, 3, NotifyType::kPayloadMalformed},
                      Strict{"doi", 35, 2, NotifyType::kBadProposalSyntax},
                      Strict{"situation", 39, 2, NotifyType::kBadProposalSyntax},
                      Strict{"proposal_next", 40, 3, NotifyType::kBadProposalSyntax},
                      Strict{"proposal_reserved", 41, 1, NotifyType::kBadProposalSyntax},
                      Strict{"isakmp_spi_size", 46, 4, NotifyType::kBadProposalSyntax},
                      Strict{"no_transforms", 47, 0, NotifyType::kBadProposalSyntax},
                      Strict{"too_many_transforms", 47, 2, NotifyType::kBadProposalSyntax},
                      Strict{"transform_next", 48, 3, NotifyType::kBadProposalSyntax},
                      Strict{"transform_reserved2", 54, 1, NotifyType::kBadProposalSyntax},
                      Strict{"tlv_runs_over", 83, 0x40, NotifyType::kBadProposalSyntax},
                      Strict{"duplicate_attribute", 65, 1, NotifyType::kBadProposalSyntax}),
    [](const ::testing::TestParamInfo<Strict>& p) { return std::string(p.param.name); });

TEST(Ikev1Codec, PayloadChecks) {
  EXPECT_FALSE(parse_opaque(PayloadType::kNonce, Bytes(7, 0)));
  EXPECT_FALSE(parse_opaque(PayloadType::kNonce, Bytes(257, 0)));
  EXPECT_TRUE(parse_opaque(PayloadType::kNonce, Bytes(8, 0)));
  EXPECT_FALSE(parse_opaque(PayloadType::kKe, {}));
  EXPECT_FALSE(parse_id(Bytes{1, 0, 0, 0, 1, 2, 3}));        // IPv4 of 3
  EXPECT_FALSE(parse_id(Bytes{4, 0, 0, 0, 1, 2, 3, 4}));     // subnet of 4
  EXPECT_FALSE(parse_id(Bytes{2, 0, 0, 0}));                 // empty FQDN
  EXPECT_FALSE(parse_id(Bytes{99, 0, 0, 0, 1}));             // unknown type
  EXPECT_FALSE(parse_cert(Bytes{4}));                        // no certificate
  EXPECT_TRUE(parse_cr(Bytes{4}));                           // CR for any CA
  EXPECT_FALSE(parse_notify(Bytes{0, 0, 0, 1, 1, 16, 0x8d}));  // truncated
  EXPECT_FALSE(parse_notify(Bytes{0, 0, 0, 7, 1, 0, 0, 14}));  // DOI 7
  EXPECT_FALSE(parse_notify(Bytes{0, 0, 0, 1, 1, 0, 0x8d, 0x28}));  // R-U-THERE without SPI
  EXPECT_FALSE(parse_delete(Bytes{0, 0, 0, 1, 3, 4, 0, 2, 1, 2, 3, 4}));  // 2 SPIs, 1 present
  EXPECT_FALSE(parse_delete(Bytes{0, 0, 0, 1, 3, 4, 0, 0}));  // none
  EXPECT_FALSE(parse_nat_oa(Bytes{1, 0, 0, 0, 1, 2, 3}));
  EXPECT_FALSE(parse_nat_oa(Bytes{1, 1, 0, 0, 1, 2, 3, 4}));
  EXPECT_FALSE(parse_nat_oa(Bytes{2, 0, 0, 0, 1, 2, 3, 4}));
  EXPECT_FALSE(parse_attributes(Bytes{0x80, 1}));
  EXPECT_FALSE(parse_sa(Bytes{0, 0, 0, 1, 0, 0, 0, 1}));  // no proposal
}

TEST(Ikev1Codec, VendorIds) {
  EXPECT_EQ(vid_cisco_unity().bytes.size(), 16u);
  EXPECT_EQ(vendor_name(vid_xauth().bytes), "XAUTH");
  EXPECT_EQ(vendor_name(Bytes{1, 2, 3}), std::nullopt);
}

TEST(Ikev1Crypt, SealOpenChainsIvs) {
  for (IkeCipher c : {IkeCipher::k3des, IkeCipher::kAes128, IkeCipher::kAes256}) {
    Bytes key(ike::cipher_info(c).key_len, 0x42);
    auto iv0 = phase1_iv(IkeHash::kSha1, c, Bytes(128, 1), Bytes(128, 2));
    ASSERT_TRUE(iv0);
    IvChain tx = *iv0, rx = *iv0;
    Message m = everything();
    m.header.exchange = ExchangeType::kMainMode;
    m.header.message_id = 0;
    for (int round = 0; round < 3; ++round) {
      auto bytes = seal(m, c, key, tx);
      ASSERT_TRUE(bytes) << bytes.error();
      auto outer = parse_message(*bytes);
      ASSERT_TRUE(outer) << outer.error();
      EXPECT_TRUE(outer->header.encrypted());
      EXPECT_EQ(outer->encrypted.size() % ike::cipher_info(c).block_len, 0u);
      auto inner = open(*outer, c, key, rx);
      ASSERT_TRUE(inner) << inner.error();
      EXPECT_EQ(inner->payloads, m.payloads);
      EXPECT_EQ(tx.iv, rx.iv);
      EXPECT_EQ(tx.iv, Bytes(bytes->end() - static_cast<ptrdiff_t>(ike::cipher_info(c).block_len), bytes->end()));
    }
    // A wrong IV garbles the first block: the chain no longer parses, and
    // the IV does not move.
    auto bytes = seal(m, c, key, tx);
    IvChain wrong{Bytes(ike::cipher_info(c).block_len, 0)};
    IvChain before = wrong;
    auto bad = open(*parse_message(*bytes), c, key, wrong);
    EXPECT_FALSE(bad);
    EXPECT_EQ(wrong.iv, before.iv);
  }
}

TEST(Ikev1Crypt, RejectsPartialBlocks) {
  Message m;
  m.header.cky_i = 1;
  m.header.flags = kFlagEncryption;
  m.header.next = 8;
  m.encrypted = Bytes(17, 0);
  IvChain iv{Bytes(16, 0)};
  EXPECT_FALSE(open(m, IkeCipher::kAes128, Bytes(16, 0), iv));
}

}  // namespace
}  // namespace keyway::ikev1
