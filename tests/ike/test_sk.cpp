// The SK and SKF payloads sealed and opened with every IKE cipher suite:
// round trips, the AAD/ICV coverage (any changed byte of the message,
// header included, is refused silently), direction keys, fragments.
#include <gtest/gtest.h>

#include "control/ikev2/keys.h"
#include "control/ikev2/sk.h"
#include "tests/ike/hex.h"
#include "tests/ike/samples.h"

namespace keyway::ikev2 {
namespace {

using ike::IkeCipher;
using ike::IkeHash;

struct SuiteCase {
  const char* name;
  IkeSuite suite;
};

void PrintTo(const SuiteCase& c, std::ostream* os) { *os << c.name; }

IkeSaKeys keys_for(const IkeSuite& s) {
  auto k = derive_ike_keys(s, Bytes(32, 0x5e), Bytes(32, 1), Bytes(32, 2), 0x1122334455667788, 0x99aabbccddeeff00);
  if (!k) throw std::runtime_error(k.error());
  return k.take();
}

Bytes serialized(std::span<const Payload> payloads) {
  Writer w;
  if (!write_payloads(payloads, w)) throw std::runtime_error("write");
  return w.take();
}

class Sk : public ::testing::TestWithParam<SuiteCase> {};

TEST_P(Sk, RoundTripsAndRefusesAnyChangedByte) {
  const IkeSuite& s = GetParam().suite;
  IkeSaKeys keys = keys_for(s);
  Message plain = test::ike_auth_cleartext();
  auto sealed = seal_message(plain.header, plain.payloads, sk_keys(s, keys, true));
  ASSERT_TRUE(sealed) << sealed.error();
  auto outer = parse_message(*sealed);
  ASSERT_TRUE(outer) << outer.error();
  ASSERT_EQ(outer->payloads.size(), 1u);
  EXPECT_EQ(outer->payloads[0].type, PayloadType::kSk);
  EXPECT_EQ(outer->payloads[0].as<EncryptedPayload>()->first_inner, PayloadType::kIdi);

  auto inner = open_message(*sealed, *outer, sk_keys(s, keys, true));
  ASSERT_TRUE(inner) << inner.error();
  EXPECT_EQ(serialized(*inner), serialized(plain.payloads));

  // The responder's keys do not open what the initiator sealed.
  auto wrong = open_message(*sealed, *outer, sk_keys(s, keys, false));
  ASSERT_FALSE(wrong);
  EXPECT_FALSE(wrong.rejection().notify.has_value());

  for (size_t i = 0; i < sealed->size(); ++i) {
    Bytes bad = *sealed;
    bad[i] ^= 0x01;
    auto m = parse_message(bad);
    if (!m) continue;  // a structural field changed; the codec refused it
    auto opened = open_message(bad, *m, sk_keys(s, keys, true));
    ASSERT_FALSE(opened) << "byte " << i << " changed, still opened";
    EXPECT_FALSE(opened.rejection().notify.has_value()) << opened.error();
  }
}

TEST_P(Sk, PadsToTheBlockAndCountsTheOverhead) {
  const IkeSuite& s = GetParam().suite;
  IkeSaKeys keys = keys_for(s);
  Message plain = test::informational_delete();
  auto sealed = seal_message(plain.header, plain.payloads, sk_keys(s, keys, false));
  ASSERT_TRUE(sealed);
  size_t inner = serialized(plain.payloads).size();
  EXPECT_EQ(sealed->size(), kHeaderLen + inner + sk_overhead(sk_keys(s, keys, false), inner));
  const ike::CipherInfo& c = ike::cipher_info(s.encr);
  size_t icv = c.aead ? c.icv_len : ike::hash_info(*s.integ).icv_len;
  EXPECT_EQ((sealed->size() - kHeaderLen - 4 - c.iv_len - icv) % c.block_len, 0u);
}

TEST_P(Sk, FragmentsReassembleToTheMessage) {
  const IkeSuite& s = GetParam().suite;
  IkeSaKeys keys = keys_for(s);
  Message plain = test::ike_auth_cleartext();
  auto frags = seal_fragments(plain.header, plain.payloads, sk_keys(s, keys, true), 180);
  ASSERT_TRUE(frags) << frags.error();
  ASSERT_GT(frags->size(), 1u);
  Bytes joined;
  PayloadType first = PayloadType::kNone;
  for (size_t i = 0; i < frags->size(); ++i) {
    EXPECT_LE((*frags)[i].size(), 180u);
    auto m = parse_message((*frags)[i]);
    ASSERT_TRUE(m) << m.error();
    const auto* f = m->payloads.back().as<FragmentPayload>();
    ASSERT_TRUE(f);
    EXPECT_EQ(f->number, i + 1);
    EXPECT_EQ(f->total, frags->size());
    if (i == 0) first = f->first_inner;
    auto part = open_fragment((*frags)[i], *f, sk_keys(s, keys, true));
    ASSERT_TRUE(part) << part.error();
    joined.insert(joined.end(), part->begin(), part->end());
    Bytes bad = (*frags)[i];
    bad[bad.size() - 1] ^= 1;
    EXPECT_FALSE(open_fragment(bad, *f, sk_keys(s, keys, true)));
  }
  auto inner = parse_payloads(first, joined);
  ASSERT_TRUE(inner) << inner.error();
  EXPECT_EQ(serialized(*inner), serialized(plain.payloads));
}

INSTANTIATE_TEST_SUITE_P(Suites, Sk, ::testing::Values(
    SuiteCase{"aes_gcm_128", {IkeCipher::kAesGcm128, std::nullopt, IkeHash::kSha256, 19}},
    SuiteCase{"aes_gcm_256", {IkeCipher::kAesGcm256, std::nullopt, IkeHash::kSha384, 20}},
    SuiteCase{"aes_cbc_128_sha256", {IkeCipher::kAes128, IkeHash::kSha256, IkeHash::kSha256, 14}},
    SuiteCase{"aes_cbc_256_sha384", {IkeCipher::kAes256, IkeHash::kSha384, IkeHash::kSha384, 20}},
    SuiteCase{"aes_cbc_256_sha512", {IkeCipher::kAes256, IkeHash::kSha512, IkeHash::kSha512, 31}},
    SuiteCase{"aes_cbc_192_sha1", {IkeCipher::kAes192, IkeHash::kSha1, IkeHash::kSha1, 14}},
    SuiteCase{"3des_md5", {IkeCipher::k3des, IkeHash::kMd5, IkeHash::kMd5, 2}}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(Sk, RefusesKeysOfTheWrongLength) {
  IkeSuite s{IkeCipher::kAes256, IkeHash::kSha256, IkeHash::kSha256, 14};
  SkKeys k = sk_keys(s, keys_for(s), true);
  k.encr_key.pop_back();
  Message plain = test::informational_delete();
  auto sealed = seal_message(plain.header, plain.payloads, k);
  ASSERT_FALSE(sealed);
  EXPECT_NE(sealed.error().find("SK_e is 31 bytes"), std::string::npos) << sealed.error();
}

}  // namespace
}  // namespace keyway::ikev2
