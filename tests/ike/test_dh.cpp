// Diffie-Hellman: RFC 5903 section 8 (groups 19 and 20: public values and
// the x-only shared secret), RFC 7748 6.1 (X25519, group 31), MODP
// known answers small enough to check by hand, and the validation of
// peer public values.
#include <gtest/gtest.h>

#include "control/ike/dh.h"
#include "tests/ike/hex.h"

namespace keyway::ike {
namespace {

using test::hex;
using test::to_hex;

struct EcpVector {
  const char* name;
  DhGroup group;
  const char* i;
  const char* gix;
  const char* giy;
  const char* r;
  const char* grx;
  const char* gry;
  const char* girx;
};

void PrintTo(const EcpVector& v, std::ostream* os) { *os << v.name; }

class Rfc5903 : public ::testing::TestWithParam<EcpVector> {};

TEST_P(Rfc5903, PublicValuesAndSharedSecret) {
  const EcpVector& v = GetParam();
  auto i = KeyExchange::from_private(v.group, hex(v.i));
  auto r = KeyExchange::from_private(v.group, hex(v.r));
  ASSERT_TRUE(i) << i.error();
  ASSERT_TRUE(r) << r.error();
  // The KE payload carries x || y without the 0x04 octet (RFC 5903 7).
  EXPECT_EQ(to_hex(i->public_value()), to_hex(concat({hex(v.gix), hex(v.giy)})));
  EXPECT_EQ(to_hex(r->public_value()), to_hex(concat({hex(v.grx), hex(v.gry)})));
  auto gir_i = i->shared_secret(r->public_value());
  auto gir_r = r->shared_secret(i->public_value());
  ASSERT_TRUE(gir_i) << gir_i.error();
  ASSERT_TRUE(gir_r) << gir_r.error();
  EXPECT_EQ(to_hex(*gir_i), to_hex(hex(v.girx)));
  EXPECT_EQ(to_hex(*gir_r), to_hex(hex(v.girx)));
}

TEST_P(Rfc5903, RefusesPointsOffTheCurve) {
  const EcpVector& v = GetParam();
  auto i = KeyExchange::from_private(v.group, hex(v.i));
  ASSERT_TRUE(i);
  Bytes bad = concat({hex(v.grx), hex(v.gry)});
  bad.back() ^= 1;  // y no longer matches x
  auto s = i->shared_secret(bad);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().find("not a point on the curve"), std::string::npos) << s.error();
  Bytes zero(bad.size(), 0);  // (0, 0) is not on either curve
  EXPECT_FALSE(i->shared_secret(zero));
  // With the 0x04 octet (65 or 97 bytes) the length is wrong.
  auto sec1 = i->shared_secret(concat({Bytes{4}, hex(v.grx), hex(v.gry)}));
  ASSERT_FALSE(sec1);
  EXPECT_NE(sec1.error().find("expected " + std::to_string(bad.size())), std::string::npos) << sec1.error();
}

INSTANTIATE_TEST_SUITE_P(Section8, Rfc5903, ::testing::Values(
    EcpVector{"group19", 19,
              "C88F01F5 10D9AC3F 70A292DA A2316DE5 44E9AAB8 AFE84049 C62A9C57 862D1433",
              "DAD0B653 94221CF9 B051E1FE CA5787D0 98DFE637 FC90B9EF 945D0C37 72581180",
              "5271A046 1CDB8252 D61F1C45 6FA3E59A B1F45B33 ACCF5F58 389E0577 B8990BB3",
              "C6EF9C5D 78AE012A 011164AC B397CE20 88685D8F 06BF9BE0 B283AB46 476BEE53",
              "D12DFB52 89C8D4F8 1208B702 70398C34 2296970A 0BCCB74C 736FC755 4494BF63",
              "56FBF3CA 366CC23E 8157854C 13C58D6A AC23F046 ADA30F83 53E74F33 039872AB",
              "D6840F6B 42F6EDAF D13116E0 E1256520 2FEF8E9E CE7DCE03 812464D0 4B9442DE"},
    EcpVector{"group20", 20,
              "099F3C70 34D4A2C6 99884D73 A375A67F 7624EF7C 6B3C0F16 0647B674 14DCE655 E35B5380 41E649EE "
              "3FAEF896 783AB194",
              "667842D7 D180AC2C DE6F74F3 7551F557 55C7645C 20EF73E3 1634FE72 B4C55EE6 DE3AC808 ACB4BDB4 "
              "C88732AE E95F41AA",
              "9482ED1F C0EEB9CA FC498462 5CCFC23F 65032149 E0E144AD A0241815 35A0F38E EB9FCFF3 C2C947DA "
              "E69B4C63 4573A81C",
              "41CB0779 B4BDB85D 47846725 FBEC3C94 30FAB46C C8DC5060 855CC9BD A0AA2942 E0308312 916B8ED2 "
              "960E4BD5 5A7448FC",
              "E558DBEF 53EECDE3 D3FCCFC1 AEA08A89 A987475D 12FD950D 83CFA417 32BC509D 0D1AC43A 0336DEF9 "
              "6FDA41D0 774A3571",
              "DCFBEC7A ACF31964 72169E83 8430367F 66EEBE3C 6E70C416 DD5F0C68 759DD1FF F83FA401 42209DFF "
              "5EAAD96D B9E6386C",
              "11187331 C279962D 93D60424 3FD592CB 9D0A926F 422E4718 7521287E 7156C5C4 D6031355 69B9E9D0 "
              "9CF5D4A2 70F59746"}),
    [](const auto& p) { return std::string(p.param.name); });

// RFC 7748 6.1, the Diffie-Hellman example (RFC 8031 uses X25519 as is).
TEST(X25519, Rfc7748Section6_1) {
  auto alice = KeyExchange::from_private(31, hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
  auto bob = KeyExchange::from_private(31, hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"));
  ASSERT_TRUE(alice) << alice.error();
  ASSERT_TRUE(bob) << bob.error();
  EXPECT_EQ(to_hex(alice->public_value()), "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  EXPECT_EQ(to_hex(bob->public_value()), "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  auto k1 = alice->shared_secret(bob->public_value());
  auto k2 = bob->shared_secret(alice->public_value());
  ASSERT_TRUE(k1) << k1.error();
  ASSERT_TRUE(k2) << k2.error();
  EXPECT_EQ(to_hex(*k1), "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
  EXPECT_EQ(to_hex(*k2), to_hex(*k1));
}

// RFC 8031 2.3: public values of small order give an all-zero secret,
// which must be refused. 0 and 1 are such points (order 1 and 4).
TEST(X25519, RefusesLowOrderPoints) {
  auto alice = KeyExchange::from_private(31, hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
  ASSERT_TRUE(alice);
  Bytes zero(32, 0);
  Bytes one(32, 0);
  one[0] = 1;
  EXPECT_FALSE(alice->shared_secret(zero));
  EXPECT_FALSE(alice->shared_secret(one));
  EXPECT_FALSE(alice->shared_secret(Bytes(31, 9)));
}

// MODP with exponents small enough to check by hand: g = 2, so private x
// gives public 2^x, and the shared secret of x and 2^y is 2^(xy), all
// left-padded to the prime's length.
Bytes power_of_two(unsigned e, size_t len) {
  Bytes out(len, 0);
  out[len - 1 - e / 8] = static_cast<uint8_t>(1u << (e % 8));
  return out;
}

class Modp : public ::testing::TestWithParam<DhGroup> {};

TEST_P(Modp, SmallExponentsGiveThePaddedPowersOfTwo) {
  DhGroup g = GetParam();
  size_t len = dh_info(g)->public_len;
  auto a = KeyExchange::from_private(g, Bytes{3});
  auto b = KeyExchange::from_private(g, Bytes{5});
  ASSERT_TRUE(a) << a.error();
  ASSERT_TRUE(b) << b.error();
  EXPECT_EQ(a->public_value(), power_of_two(3, len));
  EXPECT_EQ(b->public_value(), power_of_two(5, len));
  auto s = a->shared_secret(b->public_value());
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(Bytes(s->begin(), s->end()), power_of_two(15, len));
}

TEST_P(Modp, GeneratedKeysAgree) {
  DhGroup g = GetParam();
  auto a = KeyExchange::generate(g);
  auto b = KeyExchange::generate(g);
  ASSERT_TRUE(a) << a.error();
  ASSERT_TRUE(b) << b.error();
  EXPECT_EQ(a->public_value().size(), dh_info(g)->public_len);
  auto s1 = a->shared_secret(b->public_value());
  auto s2 = b->shared_secret(a->public_value());
  ASSERT_TRUE(s1 && s2);
  EXPECT_EQ(s1->size(), dh_info(g)->secret_len);
  EXPECT_EQ(*s1, *s2);
}

TEST_P(Modp, RefusesValuesOutsideTheRange) {
  DhGroup g = GetParam();
  size_t len = dh_info(g)->public_len;
  auto a = KeyExchange::generate(g);
  ASSERT_TRUE(a);
  Bytes zero(len, 0), one(len, 0), all_ones(len, 0xff);
  one.back() = 1;
  for (const Bytes& bad : {zero, one, all_ones}) {
    auto s = a->shared_secret(bad);
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().find("outside 2..p-2"), std::string::npos) << s.error();
  }
  // Not padded to the prime's length: refused, not reinterpreted.
  auto short_value = a->shared_secret(Bytes{2});
  ASSERT_FALSE(short_value);
  EXPECT_NE(short_value.error().find("expected " + std::to_string(len)), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Groups, Modp, ::testing::Values(1, 2, 5, 14, 15, 16));

class AllGroups : public ::testing::TestWithParam<DhGroup> {};

TEST_P(AllGroups, GenerateAndAgree) {
  auto a = KeyExchange::generate(GetParam());
  auto b = KeyExchange::generate(GetParam());
  ASSERT_TRUE(a) << a.error();
  ASSERT_TRUE(b) << b.error();
  EXPECT_EQ(a->public_value().size(), a->info().public_len);
  auto s1 = a->shared_secret(b->public_value());
  auto s2 = b->shared_secret(a->public_value());
  ASSERT_TRUE(s1 && s2);
  EXPECT_EQ(s1->size(), a->info().secret_len);
  EXPECT_EQ(*s1, *s2);
  EXPECT_NE(a->public_value(), b->public_value());
  // A value of the right length that is no public value of the group
  // (all ones: above p - 2, or not a point on the curve) is refused.
  if (a->info().kind != DhKind::kX25519) {
    Bytes junk(a->info().public_len, 0xff);
    EXPECT_FALSE(a->shared_secret(junk));
  }
}

// Every group the configuration accepts (config::is_dh_group).
INSTANTIATE_TEST_SUITE_P(Groups, AllGroups, ::testing::Values(1, 2, 5, 14, 15, 16, 19, 20, 21, 31));

TEST(KeyExchange, UnsupportedGroupsAreNamed) {
  for (DhGroup g : {0, 3, 22, 24, 30}) {
    auto k = KeyExchange::generate(g);
    ASSERT_FALSE(k);
    EXPECT_NE(k.error().find("group " + std::to_string(g)), std::string::npos);
  }
}

}  // namespace
}  // namespace keyway::ike
