// IKEv2 key derivation against NIST's SP 800-135 IKEv2 KDF samples: the
// SHA-1 CAVS sample and the SHA-256 ACVP sample (NIST ACVP-Server
// kdf-components-ikev2, as OpenSSL's evpkdf_ikev2.txt carries it). Each
// gives SKEYSEED, the IKE SA's DKM = prf+(SKEYSEED, Ni|Nr|SPIi|SPIr), the
// child SA's DKM with and without a new DH secret, and the rekeyed
// SKEYSEED, where SK_d is the DKM's first PRF-length bytes.
#include <gtest/gtest.h>

#include "control/ike/prf.h"
#include "control/ikev2/keys.h"
#include "tests/ike/hex.h"

namespace keyway::ikev2 {
namespace {

using ike::IkeHash;
using test::hex;
using test::to_hex;

struct KdfVector {
  const char* name;
  IkeHash prf;
  const char* ni;
  const char* nr;
  const char* gir;
  const char* gir_new;
  uint64_t spi_i;
  uint64_t spi_r;
  const char* skeyseed;
  const char* dkm;
  const char* dkm_child;
  const char* dkm_child_dh;
  const char* skeyseed_rekey;
};

void PrintTo(const KdfVector& v, std::ostream* os) { *os << v.name; }

class Sp800135 : public ::testing::TestWithParam<KdfVector> {};

TEST_P(Sp800135, MatchesEveryStage) {
  const KdfVector& v = GetParam();
  Bytes ni = hex(v.ni), nr = hex(v.nr);
  auto seed = skeyseed(v.prf, ni, nr, hex(v.gir));
  ASSERT_TRUE(seed) << seed.error();
  EXPECT_EQ(to_hex(*seed), to_hex(hex(v.skeyseed)));

  Writer spis;
  spis.be64(v.spi_i);
  spis.be64(v.spi_r);
  size_t dkm_len = hex(v.dkm).size();
  auto dkm = ike::prf_plus(v.prf, *seed, ike::concat({ni, nr, spis.data()}), dkm_len);
  ASSERT_TRUE(dkm) << dkm.error();
  EXPECT_EQ(to_hex(*dkm), to_hex(hex(v.dkm)));

  size_t prf_len = ike::hash_info(v.prf).out_len;
  ByteView sk_d(dkm->data(), prf_len);
  size_t child_len = hex(v.dkm_child).size();
  auto child = child_keymat(v.prf, sk_d, {}, ni, nr, child_len);
  ASSERT_TRUE(child) << child.error();
  EXPECT_EQ(to_hex(*child), to_hex(hex(v.dkm_child)));
  auto child_dh = child_keymat(v.prf, sk_d, hex(v.gir_new), ni, nr, child_len);
  ASSERT_TRUE(child_dh) << child_dh.error();
  EXPECT_EQ(to_hex(*child_dh), to_hex(hex(v.dkm_child_dh)));

  auto rekey = rekey_skeyseed(v.prf, sk_d, hex(v.gir_new), ni, nr);
  ASSERT_TRUE(rekey) << rekey.error();
  EXPECT_EQ(to_hex(*rekey), to_hex(hex(v.skeyseed_rekey)));
}

// derive_ike_keys cuts the same DKM into SK_d | SK_ai | SK_ar | SK_ei |
// SK_er | SK_pi | SK_pr with the suite's lengths.
TEST_P(Sp800135, IkeSaKeysAreSlicesOfTheDkm) {
  const KdfVector& v = GetParam();
  Bytes ni = hex(v.ni), nr = hex(v.nr);
  auto seed = skeyseed(v.prf, ni, nr, hex(v.gir));
  ASSERT_TRUE(seed);
  IkeSuite suite{ike::IkeCipher::kAes128, v.prf, v.prf, 14};
  auto keys = derive_ike_keys(suite, *seed, ni, nr, v.spi_i, v.spi_r);
  ASSERT_TRUE(keys) << keys.error();
  size_t p = ike::hash_info(v.prf).out_len;
  size_t a = ike::hash_info(v.prf).integ_key_len;
  size_t e = 16;
  Bytes dkm = hex(v.dkm);
  ASSERT_GE(dkm.size(), 3 * p + 2 * a + 2 * e);
  size_t at = 0;
  for (const ike::Secret* k : {&keys->sk_d, &keys->sk_ai, &keys->sk_ar, &keys->sk_ei, &keys->sk_er, &keys->sk_pi,
                               &keys->sk_pr}) {
    ASSERT_LE(at + k->size(), dkm.size());
    EXPECT_EQ(to_hex(*k), to_hex(ByteView(dkm).subspan(at, k->size())));
    at += k->size();
  }
  EXPECT_EQ(at, 3 * p + 2 * a + 2 * e);
}

INSTANTIATE_TEST_SUITE_P(Samples, Sp800135, ::testing::Values(
    KdfVector{"cavs_sha1", IkeHash::kSha1, "32b50d5f4a3763f3", "9206a04b26564cb1",
              "4b2c1f971981a8ad8d0abeafabf38cf75fc8349c148142465ed9c8b516b8be52",
              "863f3c9d06efd39d2b907b97f8699e5dd5251ef64a2a176f36ee40c87d4f9330", 0x34c9e7c188868785,
              0x3ff77d760d2b2199, "a9a7b222b59f8f48645f28a1db5b5f5d7479cba7",
              "a14293677cc80ff8f9cc0eee30d895da9d8f405666e30ef0dfcb63c634a46002a2a63080e514a062768b76606f9fa5e9"
              "92204fc5a670bde3f10d6b027113936a5c55b648a194ae587b0088d52204b702c979fa280870d2ed41efa9c549fd1119"
              "8af1670b143d384bd275c5f594cf266b05ebadca855e4249520a441a81157435a7a56cc4",
              "8059e3ee8810e6c3a91bc8bcd2a7a41151b8d0e6ae239c7b38093ad85ef4c5811a8e7b5d1cdabd9560b2d5e092d1f24e"
              "2d4b85eccdf0ad0dc9abd94b51ee71814ca6dbc8bb51b6309f5b9545c7eb35cf5580b1e521a8fe20754a2d883ba0c2cf"
              "285f524aea6545b33106bc03e614296d319d41d4b50b3f510b1c0a22f3e664994d234cb4",
              "bb43244c1860ad65ee1e211ffe8bb3661750c8f89cb9f547df7f4fa61d37301628190e38c66232eab4b3ab14c400a519"
              "7dd3730ed4820a8a10394d51e1c0400052f63ebd36b0e7ef53aaed31eba4a5080d7d4b5666023a8bbb5ffb7857240f9a"
              "05884d1b7d2f933708450b7b3288f1fc863ab49fa901227cffc06e27899c7054d56fd74c",
              "63e81194946ebd05df7df5ebf5d8750056bf1f1d"},
    KdfVector{"acvp_sha256", IkeHash::kSha256, "3651FEF5C9C35E93", "C09A8B90A3F04D59",
              "D084A30166A50FB7325C3960874A839449EF9741C2F4F947D0201DD8C1269273D79509F37E3CA3EB4FA2FE2A28254E28"
              "9CD3F34DAD4EB4DF1A07685A4B8A94FA61E2491F7598B3CE65547FF133B3F63D1AC4175EAA695033F3CEDB026A6873A3"
              "6455172A8540B8A5D23A0143BED0390EE49B168269D75FFFEE9FB62BE965993C",
              "52F00AB174C25D5B7139AE5FF4E8E9EDDEE5992D2E36ADF8A559FFD90DAB1442E4FBE429D320C0F33552A17D1557FA41"
              "EA70E8FB916C4FA27ED52B5F8EBD8461AFA78F1159159A64055AC5F6319E29C28EAE58CBC6847770F32C3FED1D047504"
              "84F854790F95E9EC01BC5BC461F24966462E359511329305038E94DEB6DD42C2",
              0x8E5C3AE507221684, 0xB1F201BB155C3ACD,
              "EFAA7AB0EAA85A3D0BE2100CD4B6FE00FF5025A9EAFDDB3EF518E9F0D3FE60E6",
              "462B9DD525D4FD71169174272779E704BAF62C6231779AE9EFE8C58B21916B42010164AF2111EBD762F6916CA9A6F0EE"
              "05C8B320E4EE27705521DE2589ADEA1878F1A551738AF7C88DC4F0BB0C096A3F7D1F1A670FC79F49F678D60D665BB371"
              "0C8657F03BA9F62B9A818D7A228968C506E237AE9502AA6DB395C61EA6A3E79504F86B7368BFB5423DF79E48809BBCCD"
              "49FD826D024F63D7C2A5566400A12E736AA034510428F5EA008FE2FC16886FA388274EA6C2B4FCFC6141BF04F8207EF8"
              "AFC224EA1059CB220DC0B23AC0E4CCDA495A4E131B1D56E223ABA5A48E8ED1F5",
              "23647677E7D403FA1E3006F19840AEE18AD9FECC4215814C4131BDEBA98433D8B0E31BFBBDDF822ABCCE5E06486AA388"
              "022B75E27E1E68AA5983028B65282C730C5D49EF7606770376CFDEC41F7CC435D816029989BC353D3B67B9FD1168DDCB"
              "8978850DA9B752AEE6A30D0086D2C4D74EC0E03648A0DAD334FAF5FE88084E67B0F3E8FEE8B5E1BD3850DB540F1FB8CF"
              "FE23C9E92CDA209373F354880C246C753E2A0ECA9CB73B9910A8531C4010E6768FA29F909E60AF777FED6E739C3CFDA0"
              "3467E915D6F03FCE9C41F5F9D578F8912D66A75457E79EE1D5BCC2BE5C2F9BAE",
              "6A919387A5FA2835FE8A8237E4A14845BD2B9930DB87EFF7ADF268F62186004902DBA9AA942D0259A0EDC4120B932A50"
              "3865B57BA8FB88117EF5DF7B26799CD8BA37AA5438108CB1A4FE117907C9D0597B708C3F11151FEFD624D2317202B7C8"
              "1430600E6FCBB6E1A8DF2B4861EF2363D53DE1BE69057B0CF6634A7E7BFA97B3C2810623E2BD6757738777177036E9C3"
              "A39794456954BD41FC444A12507AB9CAC69A0540D13C29DB8510F566A691691BAA2D9569DACC990D56A454BB444BCBBE"
              "8751B0550A5278812FC5AB4F28990DD6D608538D7DDDE24DC81BDAACA7751FDE",
              "90722C42BD849E9B72D240FC254174270FA8295DE6F0338DAFC303A9EC104F12"}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(ChildKeys, SplitInitiatorFirstEncryptionBeforeIntegrity) {
  Bytes keymat(2 * (36 + 0));
  for (size_t i = 0; i < keymat.size(); ++i) keymat[i] = static_cast<uint8_t>(i);
  ChildKeys gcm = split_child_keymat(keymat, 36, 0);
  EXPECT_EQ(gcm.encr_i.front(), 0);
  EXPECT_EQ(gcm.encr_r.front(), 36);
  EXPECT_TRUE(gcm.integ_i.empty());
  Bytes cbc(2 * (16 + 32));
  for (size_t i = 0; i < cbc.size(); ++i) cbc[i] = static_cast<uint8_t>(i);
  ChildKeys k = split_child_keymat(cbc, 16, 32);
  EXPECT_EQ(k.encr_i.front(), 0);
  EXPECT_EQ(k.integ_i.front(), 16);
  EXPECT_EQ(k.encr_r.front(), 48);
  EXPECT_EQ(k.integ_r.front(), 64);
  EXPECT_EQ(k.integ_r.size(), 32u);
}

TEST(IkeKeys, GcmTakesTheSaltAndNoIntegrityKey) {
  IkeSuite suite{ike::IkeCipher::kAesGcm256, std::nullopt, IkeHash::kSha384, 20};
  auto keys = derive_ike_keys(suite, Bytes(48, 1), Bytes(32, 2), Bytes(32, 3), 1, 2);
  ASSERT_TRUE(keys);
  EXPECT_EQ(keys->sk_d.size(), 48u);
  EXPECT_TRUE(keys->sk_ai.empty());
  EXPECT_EQ(keys->sk_ei.size(), 36u);
  EXPECT_EQ(keys->sk_pr.size(), 48u);
  SkKeys send = sk_keys(suite, *keys, false);
  EXPECT_EQ(send.encr_key, keys->sk_er);
  EXPECT_FALSE(send.integ);
}

}  // namespace
}  // namespace keyway::ikev2
