// RFC 2409 key derivation against values computed independently with
// Python's hmac/hashlib from the RFC's formulas (no published IKEv1 KDF
// vectors were found in reach; NIST CAVS IKEv1 response files are not in
// the tree). Inputs: nonces 00..0f / 10..1f, g^xy = 0xab x 128, the seed's
// cookies, PSK "cisco123", HMAC-SHA1.
#include <gtest/gtest.h>

#include <string>

#include "control/ike/cipher.h"
#include "control/ikev1/crypt.h"
#include "control/ikev1/keys.h"

namespace keyway::ikev1 {
namespace {

Bytes hex(std::string_view s) {
  Bytes b;
  for (size_t i = 0; i + 1 < s.size(); i += 2) b.push_back(static_cast<uint8_t>(std::stoi(std::string(s.substr(i, 2)), nullptr, 16)));
  return b;
}
template <class T>
std::string to_hex(const T& b) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (uint8_t c : b) {
    s += d[c >> 4];
    s += d[c & 15];
  }
  return s;
}

struct Inputs {
  Bytes ni, nr, gxy = Bytes(128, 0xab);
  uint64_t cky_i = 0x2a710318c5500119, cky_r = 0x62717993a5cb95ad;
  Inputs() {
    for (int i = 0; i < 16; ++i) ni.push_back(static_cast<uint8_t>(i)), nr.push_back(static_cast<uint8_t>(16 + i));
  }
};

TEST(Ikev1Keys, PskSkeyidAndDerivatives) {
  Inputs in;
  std::string psk = "cisco123";
  auto s = skeyid_psk(IkeHash::kSha1, ByteView(reinterpret_cast<const uint8_t*>(psk.data()), psk.size()), in.ni, in.nr);
  ASSERT_TRUE(s);
  EXPECT_EQ(to_hex(*s), "5f96d9dfc48a9cb332987c0d882e07cf40956ba1");
  auto k = derive_phase1(IkeHash::kSha1, IkeCipher::kAes256, *s, in.gxy, in.cky_i, in.cky_r);
  ASSERT_TRUE(k) << k.error();
  EXPECT_EQ(to_hex(k->skeyid_d), "b8efb4f1ef11c2f8bafef531ca6e463fafb95a56");
  EXPECT_EQ(to_hex(k->skeyid_a), "a0e455dd1266adb81c57eaa8a13f7bccc3d459b2");
  EXPECT_EQ(to_hex(k->skeyid_e), "0aad93c7c9455569e5f8e96afebc84fc9e1d0ddb");
  // AES-256 needs 32 octets from a 20-octet SKEYID_e: Appendix B expansion.
  EXPECT_EQ(to_hex(k->enc_key), "fd5cb0cc7c0c1365466858f0087578f028f1603fa404ae78a66289af82a9dad7");
  // AES-128 takes SKEYID_e's first 16 octets.
  auto k128 = derive_phase1(IkeHash::kSha1, IkeCipher::kAes128, *s, in.gxy, in.cky_i, in.cky_r);
  ASSERT_TRUE(k128);
  EXPECT_EQ(to_hex(k128->enc_key), "0aad93c7c9455569e5f8e96afebc84fc");
}

TEST(Ikev1Keys, SignatureSkeyid) {
  Inputs in;
  auto s = skeyid_signature(IkeHash::kSha1, in.ni, in.nr, in.gxy);
  ASSERT_TRUE(s);
  EXPECT_EQ(to_hex(*s), "f6155895cf91401a27c1c2588e3975061e02ce64");
}

TEST(Ikev1Keys, KeymatWithAndWithoutPfsAndHash3) {
  Inputs in;
  Bytes d = hex("b8efb4f1ef11c2f8bafef531ca6e463fafb95a56");
  Bytes a = hex("a0e455dd1266adb81c57eaa8a13f7bccc3d459b2");
  Bytes spi = hex("11223344");
  auto km = keymat(IkeHash::kSha1, d, {}, 3, spi, in.ni, in.nr, 36);
  ASSERT_TRUE(km);
  EXPECT_EQ(to_hex(*km), "2fe0e98bc681e6c91d9e06146756e3b7918c49a9e572b0afad22298107ccbf6474eabf37");
  Bytes gqm(32, 0xcd);
  auto kp = keymat(IkeHash::kSha1, d, gqm, 3, spi, in.ni, in.nr, 36);
  ASSERT_TRUE(kp);
  EXPECT_EQ(to_hex(*kp), "2e794f7f860b26cf431887a913cb175458a0f1e4ca3dca883e4bd53b389be650b178b489");
  auto h3 = qm_hash3(IkeHash::kSha1, a, 0x01020304, in.ni, in.nr);
  ASSERT_TRUE(h3);
  EXPECT_EQ(to_hex(*h3), "b5329a831ff838ae7039f10de923d98f4c69f274");
}

TEST(Ikev1Keys, HashIAndHashRAreMirrors) {
  Bytes skeyid(20, 1), gxi(128, 2), gxr(128, 3), sa{0, 0, 0, 1}, id{1, 0, 0, 0, 192, 168, 0, 1};
  auto hi = hash_i(IkeHash::kSha256, skeyid, gxi, gxr, 1, 2, sa, id);
  auto hr = hash_r(IkeHash::kSha256, skeyid, gxr, gxi, 2, 1, sa, id);
  ASSERT_TRUE(hi && hr);
  // HASH_R with roles swapped is HASH_I: the formulas mirror each other.
  EXPECT_EQ(*hi, *hr);
  EXPECT_EQ(hi->size(), 32u);
}

TEST(Ikev1Keys, IvChaining) {
  Bytes gxi(128, 2), gxr(128, 3);
  auto iv = phase1_iv(IkeHash::kSha1, IkeCipher::kAes128, gxi, gxr);
  ASSERT_TRUE(iv);
  auto full = digest(IkeHash::kSha1, ike::concat({gxi, gxr}));
  ASSERT_TRUE(full);
  EXPECT_EQ(iv->iv, Bytes(full->begin(), full->begin() + 16));
  auto iv3 = phase1_iv(IkeHash::kSha1, IkeCipher::k3des, gxi, gxr);
  ASSERT_TRUE(iv3);
  EXPECT_EQ(iv3->iv.size(), 8u);
  auto p2 = phase2_iv(IkeHash::kSha1, IkeCipher::kAes128, iv->iv, 0xdeadbeef);
  ASSERT_TRUE(p2);
  Bytes mid{0xde, 0xad, 0xbe, 0xef};
  auto full2 = digest(IkeHash::kSha1, ike::concat({iv->iv, mid}));
  EXPECT_EQ(p2->iv, Bytes(full2->begin(), full2->begin() + 16));
}

}  // namespace
}  // namespace keyway::ikev1
