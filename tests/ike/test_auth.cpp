// AUTH payload data: the signed octets of RFC 7296 2.15, the PSK form,
// RSA method 1 and RFC 7427 method 14 with RSA and ECDSA keys, and the
// AlgorithmIdentifiers of method 14 checked against OpenSSL's own DER.
#include <gtest/gtest.h>

#include <openssl/objects.h>
#include <openssl/x509.h>

#include "control/ike/prf.h"
#include "control/ikev2/auth.h"
#include "tests/ike/hex.h"

namespace keyway::ikev2 {
namespace {

using ike::IkeHash;
using test::hex;
using test::text_bytes;

pki::EvpPkeyPtr rsa_key() { return pki::EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048})); }
pki::EvpPkeyPtr ec_key(const char* curve) {
  return pki::EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve));
}

TEST(SignedOctets, AreMessagePeerNonceAndTheMacedId) {
  Bytes msg = text_bytes("IKE_SA_INIT bytes as sent");
  Bytes nonce(32, 7);
  Bytes sk_p(32, 9);
  IdPayload id = id_fqdn("R1.cisco.com");
  auto octets = signed_octets(msg, nonce, IkeHash::kSha256, sk_p, id);
  ASSERT_TRUE(octets);
  auto maced = ike::prf(IkeHash::kSha256, sk_p, hex("02000000 52312e636973636f2e636f6d"));
  ASSERT_TRUE(maced);
  EXPECT_EQ(*octets, ike::concat({msg, nonce, *maced}));
}

TEST(Psk, IsPrfOfThePaddedKeyAndComparedExactly) {
  Bytes octets = text_bytes("signed octets");
  Bytes psk = text_bytes("cisco123");
  auto auth = psk_auth(IkeHash::kSha1, psk, octets);
  ASSERT_TRUE(auth);
  auto pad = ike::prf(IkeHash::kSha1, psk, text_bytes("Key Pad for IKEv2"));
  auto expected = ike::prf(IkeHash::kSha1, *pad, octets);
  EXPECT_EQ(*auth, Bytes(expected->begin(), expected->end()));
  EXPECT_TRUE(psk_auth_ok(IkeHash::kSha1, psk, octets, *auth));
  EXPECT_FALSE(psk_auth_ok(IkeHash::kSha1, text_bytes("cisco124"), octets, *auth));
  EXPECT_FALSE(psk_auth_ok(IkeHash::kSha1, psk, octets, ByteView(*auth).first(19)));
}

TEST(RsaSignature, Method1SignsAndVerifiesWithSha1) {
  auto key = rsa_key();
  ASSERT_TRUE(key);
  Bytes octets = text_bytes("signed octets");
  auto sig = sign(AuthMethod::kRsaSig, SignatureHash::kSha256, key.get(), octets);
  ASSERT_TRUE(sig) << sig.error();
  EXPECT_EQ(sig->size(), 256u);
  EXPECT_TRUE(verify_signature(AuthMethod::kRsaSig, key.get(), octets, *sig));
  Bytes other = octets;
  other[0] ^= 1;
  EXPECT_FALSE(verify_signature(AuthMethod::kRsaSig, key.get(), other, *sig));
  auto ec = ec_key("P-256");
  EXPECT_FALSE(sign(AuthMethod::kRsaSig, SignatureHash::kSha1, ec.get(), octets));
  EXPECT_FALSE(verify_signature(AuthMethod::kRsaSig, ec.get(), octets, *sig));
}

// The DER AlgorithmIdentifier OpenSSL writes for a signature NID (NULL
// parameters for RSA, none for ECDSA, as RFC 7427 appendix A lists them).
Bytes algorithm_identifier(int nid, bool null_params) {
  X509_ALGOR* a = X509_ALGOR_new();
  X509_ALGOR_set0(a, OBJ_nid2obj(nid), null_params ? V_ASN1_NULL : V_ASN1_UNDEF, nullptr);
  unsigned char* der = nullptr;
  int n = i2d_X509_ALGOR(a, &der);
  Bytes out(der, der + n);
  OPENSSL_free(der);
  X509_ALGOR_free(a);
  return out;
}

struct Method14Case {
  const char* name;
  bool rsa;
  const char* curve;
  SignatureHash hash;
  int nid;
};

void PrintTo(const Method14Case& c, std::ostream* os) { *os << c.name; }

class Method14 : public ::testing::TestWithParam<Method14Case> {};

TEST_P(Method14, CarriesTheAlgorithmIdentifierAndVerifies) {
  const Method14Case& c = GetParam();
  static pki::EvpPkeyPtr rsa = rsa_key();
  pki::EvpPkeyPtr ec = c.rsa ? nullptr : ec_key(c.curve);
  EVP_PKEY* key = c.rsa ? rsa.get() : ec.get();
  Bytes octets = text_bytes("InitiatorSignedOctets");
  auto auth = sign(AuthMethod::kDigitalSignature, c.hash, key, octets);
  ASSERT_TRUE(auth) << auth.error();
  Bytes alg = algorithm_identifier(c.nid, c.rsa);
  ASSERT_GT(auth->size(), 1 + alg.size());
  EXPECT_EQ((*auth)[0], alg.size());
  EXPECT_EQ(Bytes(auth->begin() + 1, auth->begin() + 1 + static_cast<ptrdiff_t>(alg.size())), alg);
  EXPECT_TRUE(verify_signature(AuthMethod::kDigitalSignature, key, octets, *auth));
  Bytes other = octets;
  other.back() ^= 1;
  auto bad = verify_signature(AuthMethod::kDigitalSignature, key, other, *auth);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("does not verify"), std::string::npos);
  // The identifier's length octet running past the data.
  EXPECT_FALSE(verify_signature(AuthMethod::kDigitalSignature, key, octets, ByteView(*auth).first(5)));
  // A key of the other kind refuses this algorithm.
  pki::EvpPkeyPtr other_kind = c.rsa ? ec_key("P-256") : rsa_key();
  auto wrong = verify_signature(AuthMethod::kDigitalSignature, other_kind.get(), octets, *auth);
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().find("does not suit"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Algorithms, Method14, ::testing::Values(
    Method14Case{"rsa_sha1", true, nullptr, SignatureHash::kSha1, NID_sha1WithRSAEncryption},
    Method14Case{"rsa_sha256", true, nullptr, SignatureHash::kSha256, NID_sha256WithRSAEncryption},
    Method14Case{"rsa_sha384", true, nullptr, SignatureHash::kSha384, NID_sha384WithRSAEncryption},
    Method14Case{"rsa_sha512", true, nullptr, SignatureHash::kSha512, NID_sha512WithRSAEncryption},
    Method14Case{"ecdsa_p256_sha256", false, "P-256", SignatureHash::kSha256, NID_ecdsa_with_SHA256},
    Method14Case{"ecdsa_p384_sha384", false, "P-384", SignatureHash::kSha384, NID_ecdsa_with_SHA384},
    Method14Case{"ecdsa_p256_sha512", false, "P-256", SignatureHash::kSha512, NID_ecdsa_with_SHA512}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(Method14, RefusesUnknownAlgorithmsAndTheIdentityHash) {
  auto key = ec_key("P-256");
  EXPECT_FALSE(sign(AuthMethod::kDigitalSignature, SignatureHash::kIdentity, key.get(), Bytes{1}));
  EXPECT_FALSE(sign(AuthMethod::kDigitalSignature, SignatureHash::kSha1, key.get(), Bytes{1}));
  Bytes unknown = hex("0b 3009060728 8648ce3d040301 00 30");  // an identifier keyway does not know
  auto r = verify_signature(AuthMethod::kDigitalSignature, key.get(), Bytes{1}, unknown);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("unsupported signature algorithm"), std::string::npos);
  EXPECT_FALSE(sign(AuthMethod::kPsk, SignatureHash::kSha256, key.get(), Bytes{1}));
}

}  // namespace
}  // namespace keyway::ikev2
