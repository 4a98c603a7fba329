// The encrypted-payload ciphers: known answers where short ones are
// published (RFC 3602 case 1 for AES-CBC; the GCM specification's test
// case 2, which RFC 5282's construction uses unchanged with salt || IV as
// the nonce), round trips for every cipher, and GCM tampering.
#include <gtest/gtest.h>

#include "control/ike/cipher.h"
#include "tests/ike/hex.h"

namespace keyway::ike {
namespace {

using test::hex;
using test::text_bytes;
using test::to_hex;

TEST(AesCbc, Rfc3602Case1) {
  Bytes key = hex("06a9214036b8a15b512e03d534120006");
  Bytes iv = hex("3dafba429d9eb430b422da802c9fac41");
  auto ct = cbc_encrypt(IkeCipher::kAes128, key, iv, text_bytes("Single block msg"));
  ASSERT_TRUE(ct) << ct.error();
  EXPECT_EQ(to_hex(*ct), "e353779c1079aeb82708942dbe77181a");
  auto pt = cbc_decrypt(IkeCipher::kAes128, key, iv, *ct);
  ASSERT_TRUE(pt);
  EXPECT_EQ(*pt, text_bytes("Single block msg"));
}

class Cbc : public ::testing::TestWithParam<IkeCipher> {};

TEST_P(Cbc, RoundTripsWholeBlocksAndRefusesPartialOnes) {
  IkeCipher c = GetParam();
  const CipherInfo& info = cipher_info(c);
  Bytes key(info.key_len, 0x42);
  Bytes iv(info.block_len, 0x24);
  Bytes data(info.block_len * 5, 0x5a);
  auto ct = cbc_encrypt(c, key, iv, data);
  ASSERT_TRUE(ct) << ct.error();
  EXPECT_EQ(ct->size(), data.size());
  EXPECT_NE(*ct, data);
  auto pt = cbc_decrypt(c, key, iv, *ct);
  ASSERT_TRUE(pt);
  EXPECT_EQ(*pt, data);
  EXPECT_FALSE(cbc_encrypt(c, key, iv, Bytes(info.block_len + 1, 0)));
  EXPECT_FALSE(cbc_decrypt(c, key, iv, Bytes(info.block_len - 1, 0)));
  EXPECT_FALSE(cbc_encrypt(c, Bytes(info.key_len - 1, 0), iv, data));
  EXPECT_FALSE(cbc_encrypt(c, key, Bytes(info.block_len + 1, 0), data));
}

INSTANTIATE_TEST_SUITE_P(Ciphers, Cbc,
                         ::testing::Values(IkeCipher::k3des, IkeCipher::kAes128, IkeCipher::kAes192,
                                           IkeCipher::kAes256));

TEST(AesGcm, TestCase2OfTheGcmSpecification) {
  auto sealed = gcm_seal(IkeCipher::kAesGcm128, Bytes(16, 0), Bytes(12, 0), {}, Bytes(16, 0));
  ASSERT_TRUE(sealed) << sealed.error();
  EXPECT_EQ(to_hex(*sealed), "0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf");
}

class Gcm : public ::testing::TestWithParam<IkeCipher> {};

TEST_P(Gcm, RoundTripsAndDetectsEveryTamperedByte) {
  IkeCipher c = GetParam();
  Bytes key(cipher_info(c).key_len, 0x11);
  Bytes nonce = concat({hex("01020304"), hex("0a0b0c0d0e0f1011")});  // salt || IV
  Bytes aad = hex("0011223344556677 8899aabbccddeeff 2e202508 00000001 00000040 2a00002c");
  Bytes plain = text_bytes("inner payloads and padding");
  auto sealed = gcm_seal(c, key, nonce, aad, plain);
  ASSERT_TRUE(sealed) << sealed.error();
  ASSERT_EQ(sealed->size(), plain.size() + 16);
  auto opened = gcm_open(c, key, nonce, aad, *sealed);
  ASSERT_TRUE(opened) << opened.error();
  EXPECT_EQ(*opened, plain);
  for (size_t i = 0; i < sealed->size(); ++i) {
    Bytes bad = *sealed;
    bad[i] ^= 0x80;
    auto r = gcm_open(c, key, nonce, aad, bad);
    ASSERT_FALSE(r) << "byte " << i;
    EXPECT_NE(r.error().find("authentication failed"), std::string::npos);
  }
  for (size_t i = 0; i < aad.size(); ++i) {
    Bytes bad = aad;
    bad[i] ^= 1;
    EXPECT_FALSE(gcm_open(c, key, nonce, bad, *sealed)) << "AAD byte " << i;
  }
  Bytes other_nonce = nonce;
  other_nonce[0] ^= 1;  // the salt is part of the nonce
  EXPECT_FALSE(gcm_open(c, key, other_nonce, aad, *sealed));
  EXPECT_FALSE(gcm_open(c, key, nonce, aad, ByteView(*sealed).first(15)));
}

TEST_P(Gcm, SealsAnEmptyPlaintext) {
  IkeCipher c = GetParam();
  Bytes key(cipher_info(c).key_len, 3);
  auto sealed = gcm_seal(c, key, Bytes(12, 1), Bytes{1, 2, 3}, {});
  ASSERT_TRUE(sealed);
  EXPECT_EQ(sealed->size(), 16u);
  auto opened = gcm_open(c, key, Bytes(12, 1), Bytes{1, 2, 3}, *sealed);
  ASSERT_TRUE(opened);
  EXPECT_TRUE(opened->empty());
}

INSTANTIATE_TEST_SUITE_P(Ciphers, Gcm, ::testing::Values(IkeCipher::kAesGcm128, IkeCipher::kAesGcm256));

TEST(Ciphers, DesAndModeMismatchesAreRefused) {
  EXPECT_FALSE(cbc_encrypt(IkeCipher::kDes, Bytes(8, 0), Bytes(8, 0), Bytes(8, 0)));
  EXPECT_FALSE(cbc_encrypt(IkeCipher::kAesGcm128, Bytes(16, 0), Bytes(16, 0), Bytes(16, 0)));
  EXPECT_FALSE(gcm_seal(IkeCipher::kAes128, Bytes(16, 0), Bytes(12, 0), {}, Bytes(16, 0)));
}

TEST(Random, GivesFreshBytes) {
  auto a = random_bytes(32);
  auto b = random_bytes(32);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->size(), 32u);
  EXPECT_NE(*a, *b);
}

}  // namespace
}  // namespace keyway::ike
