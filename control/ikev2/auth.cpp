#include "control/ikev2/auth.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <string>

#include "control/ike/ossl.h"
#include "control/ike/prf.h"

namespace keyway::ikev2 {
namespace {

using ike::Error;
using ike::Result;

constexpr std::string_view kKeyPad = "Key Pad for IKEv2";

enum class KeyKind : uint8_t { kRsa, kEc };

// RFC 7427 appendix A: the AlgorithmIdentifier DER of each signature
// algorithm keyway speaks. RSA ones carry NULL parameters, ECDSA none.
struct SigAlg {
  KeyKind kind;
  SignatureHash hash;
  const char* digest;
  std::array<uint8_t, 15> der;
  size_t der_len;
};

constexpr std::array<SigAlg, 7> kSigAlgs{{
    {KeyKind::kRsa,
     SignatureHash::kSha1,
     "SHA1",
     {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05, 0x05, 0x00},
     15},
    {KeyKind::kRsa,
     SignatureHash::kSha256,
     "SHA256",
     {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00},
     15},
    {KeyKind::kRsa,
     SignatureHash::kSha384,
     "SHA384",
     {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c, 0x05, 0x00},
     15},
    {KeyKind::kRsa,
     SignatureHash::kSha512,
     "SHA512",
     {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d, 0x05, 0x00},
     15},
    {KeyKind::kEc,
     SignatureHash::kSha256,
     "SHA256",
     {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02},
     12},
    {KeyKind::kEc,
     SignatureHash::kSha384,
     "SHA384",
     {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03},
     12},
    {KeyKind::kEc,
     SignatureHash::kSha512,
     "SHA512",
     {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04},
     12},
}};

std::optional<KeyKind> key_kind(EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "RSA")) return KeyKind::kRsa;
  if (EVP_PKEY_is_a(key, "EC")) return KeyKind::kEc;
  return std::nullopt;
}

const SigAlg* find_alg(KeyKind kind, SignatureHash hash) {
  for (const SigAlg& a : kSigAlgs)
    if (a.kind == kind && a.hash == hash) return &a;
  return nullptr;
}

const SigAlg* find_alg(ByteView der) {
  for (const SigAlg& a : kSigAlgs)
    if (std::equal(der.begin(), der.end(), a.der.begin(), a.der.begin() + static_cast<ptrdiff_t>(a.der_len)) &&
        der.size() == a.der_len)
      return &a;
  return nullptr;
}

Result<Bytes> digest_sign(EVP_PKEY* key, const char* digest, ByteView data) {
  ike::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  size_t len = 0;
  if (!ctx || EVP_DigestSignInit_ex(ctx.get(), nullptr, digest, nullptr, nullptr, key, nullptr) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, data.data(), data.size()) != 1)
    return Error{std::string("signing with ") + digest + " failed: " + pki::openssl_error()};
  Bytes sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, data.data(), data.size()) != 1)
    return Error{std::string("signing with ") + digest + " failed: " + pki::openssl_error()};
  sig.resize(len);
  return sig;
}

ike::Status digest_verify(EVP_PKEY* key, const char* digest, ByteView data, ByteView sig) {
  ike::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit_ex(ctx.get(), nullptr, digest, nullptr, nullptr, key, nullptr) != 1)
    return Error{std::string("cannot verify with ") + digest + ": " + pki::openssl_error()};
  int r = EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), data.data(), data.size());
  pki::openssl_error();  // a bad signature leaves decoding errors queued
  if (r != 1) return Error{std::string("signature (") + digest + ") does not verify"};
  return ike::ok_status();
}

}  // namespace

Result<Bytes> signed_octets(ByteView own_init_message, ByteView peer_nonce, ike::IkeHash prf, ByteView sk_p,
                            const IdPayload& own_id) {
  auto maced_id = ike::prf(prf, sk_p, id_body(own_id));
  if (!maced_id) return Error{maced_id.error()};
  return ike::concat({own_init_message, peer_nonce, *maced_id});
}

Result<Bytes> psk_auth(ike::IkeHash prf, ByteView psk, ByteView octets) {
  auto pad_key = ike::prf(prf, psk, ByteView(reinterpret_cast<const uint8_t*>(kKeyPad.data()), kKeyPad.size()));
  if (!pad_key) return Error{pad_key.error()};
  auto auth = ike::prf(prf, *pad_key, octets);
  if (!auth) return Error{auth.error()};
  return Bytes(auth->begin(), auth->end());
}

bool psk_auth_ok(ike::IkeHash prf, ByteView psk, ByteView octets, ByteView received) {
  auto expected = psk_auth(prf, psk, octets);
  return expected && expected->size() == received.size() &&
         CRYPTO_memcmp(expected->data(), received.data(), received.size()) == 0;
}

Result<Bytes> sign(AuthMethod method, SignatureHash hash, EVP_PKEY* key, ByteView octets) {
  std::optional<KeyKind> kind = key_kind(key);
  if (!kind) return Error{"AUTH: the private key is neither RSA nor ECDSA"};
  if (method == AuthMethod::kRsaSig) {
    if (*kind != KeyKind::kRsa) return Error{"AUTH method 1 (RSA signature) needs an RSA key"};
    return digest_sign(key, "SHA1", octets);
  }
  if (method != AuthMethod::kDigitalSignature)
    return Error{"AUTH method " + std::to_string(static_cast<unsigned>(method)) +
                 " is not a signature method keyway signs with"};
  const SigAlg* alg = find_alg(*kind, hash);
  if (!alg)
    return Error{"AUTH: no signature algorithm for hash " + std::to_string(static_cast<unsigned>(hash)) +
                 " with this key"};
  auto sig = digest_sign(key, alg->digest, octets);
  if (!sig) return sig;
  Bytes out{static_cast<uint8_t>(alg->der_len)};
  out.insert(out.end(), alg->der.begin(), alg->der.begin() + static_cast<ptrdiff_t>(alg->der_len));
  out.insert(out.end(), sig->begin(), sig->end());
  return out;
}

ike::Status verify_signature(AuthMethod method, EVP_PKEY* peer_key, ByteView octets, ByteView auth_data) {
  std::optional<KeyKind> kind = key_kind(peer_key);
  if (!kind) return Error{"AUTH: the peer's public key is neither RSA nor ECDSA"};
  if (method == AuthMethod::kRsaSig) {
    if (*kind != KeyKind::kRsa) return Error{"AUTH method 1 (RSA signature) with a non-RSA certificate"};
    return digest_verify(peer_key, "SHA1", octets, auth_data);
  }
  if (method != AuthMethod::kDigitalSignature)
    return Error{"AUTH method " + std::to_string(static_cast<unsigned>(method)) + " is not supported"};
  if (auth_data.empty() || auth_data[0] + size_t{1} > auth_data.size())
    return Error{"AUTH method 14: the AlgorithmIdentifier length runs past the data"};
  const SigAlg* alg = find_alg(auth_data.subspan(1, auth_data[0]));
  if (!alg) return Error{"AUTH method 14: unsupported signature algorithm"};
  if (alg->kind != *kind) return Error{"AUTH method 14: the signature algorithm does not suit the peer's key"};
  return digest_verify(peer_key, alg->digest, octets, auth_data.subspan(1 + auth_data[0]));
}

}  // namespace keyway::ikev2
