#include "control/ike/dh.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include <algorithm>
#include <string>

namespace keyway::ike {
namespace {

using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, OsslFree<OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, OsslFree<OSSL_PARAM_free>>;
using EcGroupPtr = std::unique_ptr<EC_GROUP, OsslFree<EC_GROUP_free>>;
using EcPointPtr = std::unique_ptr<EC_POINT, OsslFree<EC_POINT_free>>;

Error fail(const DhInfo& info, const std::string& what) { return Error{std::string(info.name) + ": " + what}; }

Error ossl_fail(const DhInfo& info, const std::string& what) { return fail(info, what + ": " + pki::openssl_error()); }

// The MODP primes come from OpenSSL's copies of RFC 2409 (groups 1 and 2)
// and RFC 3526 (5, 14, 15, 16); the generator is 2 for all of them.
BignumPtr modp_prime(DhGroup g) {
  switch (g) {
    case 1: return BignumPtr(BN_get_rfc2409_prime_768(nullptr));
    case 2: return BignumPtr(BN_get_rfc2409_prime_1024(nullptr));
    case 5: return BignumPtr(BN_get_rfc3526_prime_1536(nullptr));
    case 14: return BignumPtr(BN_get_rfc3526_prime_2048(nullptr));
    case 15: return BignumPtr(BN_get_rfc3526_prime_3072(nullptr));
    case 16: return BignumPtr(BN_get_rfc3526_prime_4096(nullptr));
    default: return nullptr;
  }
}

// RFC 5903: groups 19, 20 and 21.
const char* ec_curve(DhGroup g) { return g == 19 ? "P-256" : g == 20 ? "P-384" : "P-521"; }
int ec_nid(DhGroup g) { return g == 19 ? NID_X9_62_prime256v1 : g == 20 ? NID_secp384r1 : NID_secp521r1; }

// An EVP_PKEY of type `type` from the parameters `build` adds.
template <class Build>
EvpPkeyPtr from_params(const char* type, int selection, Build build) {
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld || !build(bld.get())) return nullptr;
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, selection, params.get()) != 1)
    return nullptr;
  return EvpPkeyPtr(key);
}

EvpPkeyPtr modp_key(DhGroup g, const BIGNUM* priv, const BIGNUM* pub) {
  BignumPtr p = modp_prime(g);
  BignumPtr two(BN_new());
  if (!p || !two || !BN_set_word(two.get(), 2)) return nullptr;
  int selection = priv ? EVP_PKEY_KEYPAIR : pub ? EVP_PKEY_PUBLIC_KEY : EVP_PKEY_KEY_PARAMETERS;
  return from_params("DH", selection, [&](OSSL_PARAM_BLD* b) {
    return OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_FFC_P, p.get()) &&
           OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_FFC_G, two.get()) &&
           (!pub || OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_PUB_KEY, pub)) &&
           (!priv || OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_PRIV_KEY, priv));
  });
}

EvpPkeyPtr ec_key(DhGroup g, const BIGNUM* priv, ByteView encoded_pub) {
  const char* curve = ec_curve(g);
  return from_params("EC", priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, [&](OSSL_PARAM_BLD* b) {
    return OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, curve, 0) &&
           OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, encoded_pub.data(), encoded_pub.size()) &&
           (!priv || OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_PRIV_KEY, priv));
  });
}

// The KE payload form of our own public value.
Result<Bytes> public_of(const DhInfo& info, EVP_PKEY* key) {
  Bytes out(info.public_len);
  switch (info.kind) {
    case DhKind::kModp: {
      BIGNUM* y = nullptr;
      if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PUB_KEY, &y) != 1) return ossl_fail(info, "no public value");
      BignumPtr owned(y);
      if (BN_bn2binpad(y, out.data(), static_cast<int>(out.size())) < 0)
        return fail(info, "public value longer than the prime");
      return out;
    }
    case DhKind::kEcp: {
      // Uncompressed SEC1 encoding: 0x04 || x || y; IKE sends x || y.
      Bytes sec1(info.public_len + 1);
      size_t n = 0;
      if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, sec1.data(), sec1.size(), &n) != 1 ||
          n != sec1.size() || sec1[0] != 0x04)
        return ossl_fail(info, "cannot encode the public point");
      std::copy(sec1.begin() + 1, sec1.end(), out.begin());
      return out;
    }
    case DhKind::kX25519: {
      size_t n = out.size();
      if (EVP_PKEY_get_raw_public_key(key, out.data(), &n) != 1 || n != out.size())
        return ossl_fail(info, "no public value");
      return out;
    }
  }
  return fail(info, "unknown group kind");
}

// The SEC1 uncompressed encoding of priv * G, for keys built from a given
// private value (OpenSSL 3.0 does not derive it on import).
Result<Bytes> ec_public_from_private(const DhInfo& info, const BIGNUM* priv) {
  EcGroupPtr group(EC_GROUP_new_by_curve_name(ec_nid(info.group)));
  if (!group) return ossl_fail(info, "no curve");
  EcPointPtr point(EC_POINT_new(group.get()));
  BnCtxPtr bn(BN_CTX_new());
  if (!point || !bn || EC_POINT_mul(group.get(), point.get(), priv, nullptr, nullptr, bn.get()) != 1)
    return ossl_fail(info, "cannot compute the public point");
  Bytes out(info.public_len + 1);
  if (EC_POINT_point2oct(group.get(), point.get(), POINT_CONVERSION_UNCOMPRESSED, out.data(), out.size(), bn.get()) !=
      out.size())
    return ossl_fail(info, "cannot encode the public point");
  return out;
}

// The peer's KE data as an EVP_PKEY, validated as the header describes.
Result<EvpPkeyPtr> peer_key(const DhInfo& info, ByteView data) {
  if (data.size() != info.public_len)
    return fail(
        info, "public value is " + std::to_string(data.size()) + " bytes, expected " + std::to_string(info.public_len));
  switch (info.kind) {
    case DhKind::kModp: {
      BignumPtr y(BN_bin2bn(data.data(), static_cast<int>(data.size()), nullptr));
      BignumPtr p = modp_prime(info.group);
      BignumPtr p_minus_1(BN_dup(p.get()));
      if (!y || !p || !p_minus_1 || !BN_sub_word(p_minus_1.get(), 1)) return ossl_fail(info, "bignum");
      // y = 0, 1 or p-1 would force the shared secret into {0, 1, p-1}.
      if (BN_cmp(y.get(), BN_value_one()) <= 0 || BN_cmp(y.get(), p_minus_1.get()) >= 0)
        return fail(info, "public value is outside 2..p-2");
      EvpPkeyPtr key = modp_key(info.group, nullptr, y.get());
      if (!key) return ossl_fail(info, "cannot import the public value");
      return key;
    }
    case DhKind::kEcp: {
      Bytes sec1 = concat({ByteView(std::array<uint8_t, 1>{0x04}), data});
      // Import decodes the point and refuses one off the curve; the
      // public-key check adds the point at infinity and the subgroup order.
      EvpPkeyPtr key = ec_key(info.group, nullptr, sec1);
      if (!key) return ossl_fail(info, "public value is not a point on the curve");
      EvpPkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
      if (!check || EVP_PKEY_public_check(check.get()) != 1)
        return ossl_fail(info, "public value is not a valid point");
      return key;
    }
    case DhKind::kX25519: {
      EvpPkeyPtr key(EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, data.data(), data.size()));
      if (!key) return ossl_fail(info, "cannot import the public value");
      return key;
    }
  }
  return fail(info, "unknown group kind");
}

Result<KeyExchange> unsupported(DhGroup group) {
  return Error{"DH group " + std::to_string(group) + " is not supported (2, 14, 19, 20, 31 are)"};
}

}  // namespace

Result<KeyExchange> KeyExchange::generate(DhGroup group) {
  std::optional<DhInfo> info = dh_info(group);
  if (!info) return unsupported(group);
  EvpPkeyPtr key;
  switch (info->kind) {
    case DhKind::kModp: {
      EvpPkeyPtr params = modp_key(group, nullptr, nullptr);
      EvpPkeyCtxPtr ctx(params ? EVP_PKEY_CTX_new_from_pkey(nullptr, params.get(), nullptr) : nullptr);
      EVP_PKEY* k = nullptr;
      if (ctx && EVP_PKEY_keygen_init(ctx.get()) == 1 && EVP_PKEY_keygen(ctx.get(), &k) == 1) key.reset(k);
      break;
    }
    case DhKind::kEcp: key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", ec_curve(group))); break;
    case DhKind::kX25519: key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519")); break;
  }
  if (!key) return ossl_fail(*info, "key generation failed");
  auto pub = public_of(*info, key.get());
  if (!pub) return Error{pub.error()};
  return KeyExchange(*info, std::move(key), pub.take());
}

Result<KeyExchange> KeyExchange::from_private(DhGroup group, ByteView priv) {
  std::optional<DhInfo> info = dh_info(group);
  if (!info) return unsupported(group);
  EvpPkeyPtr key;
  if (info->kind == DhKind::kX25519) {
    key.reset(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, priv.data(), priv.size()));
  } else {
    BignumPtr x(BN_bin2bn(priv.data(), static_cast<int>(priv.size()), nullptr));
    if (!x) return ossl_fail(*info, "bignum");
    if (info->kind == DhKind::kModp) {
      BignumPtr p = modp_prime(group);
      BignumPtr g(BN_new());
      BignumPtr y(BN_new());
      BnCtxPtr bn(BN_CTX_new());
      if (!p || !g || !y || !bn || !BN_set_word(g.get(), 2) ||
          !BN_mod_exp(y.get(), g.get(), x.get(), p.get(), bn.get()))
        return ossl_fail(*info, "cannot compute the public value");
      key = modp_key(group, x.get(), y.get());
    } else {
      auto sec1 = ec_public_from_private(*info, x.get());
      if (!sec1) return Error{sec1.error()};
      key = ec_key(group, x.get(), *sec1);
    }
  }
  if (!key) return ossl_fail(*info, "cannot import the private value");
  auto pub = public_of(*info, key.get());
  if (!pub) return Error{pub.error()};
  return KeyExchange(*info, std::move(key), pub.take());
}

Result<Secret> KeyExchange::shared_secret(ByteView peer_public) const {
  auto peer = peer_key(info_, peer_public);
  if (!peer) return Error{peer.error()};
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key_.get(), nullptr));
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1) return ossl_fail(info_, "cannot derive");
  // RFC 7296 2.14: g^ir keeps the prime's length; OpenSSL strips leading
  // zero bytes unless asked not to.
  if (info_.kind == DhKind::kModp && EVP_PKEY_CTX_set_dh_pad(ctx.get(), 1) != 1)
    return ossl_fail(info_, "cannot derive");
  if (EVP_PKEY_derive_set_peer(ctx.get(), peer->get()) != 1) return ossl_fail(info_, "peer public value refused");
  size_t n = 0;
  if (EVP_PKEY_derive(ctx.get(), nullptr, &n) != 1) return ossl_fail(info_, "cannot derive");
  Secret out(n);
  // X25519 fails here for the low-order points (all-zero result).
  if (EVP_PKEY_derive(ctx.get(), out.data(), &n) != 1)
    return ossl_fail(info_, "derivation failed (a low-order or invalid public value)");
  out.resize(n);
  if (out.size() != info_.secret_len)
    return fail(info_, "shared secret is " + std::to_string(out.size()) + " bytes, expected " +
                           std::to_string(info_.secret_len));
  // RFC 8031 2.3 (and 7748 6.1): refuse an all-zero X25519 result even if
  // the library let it through.
  static const Secret kZero(32, 0);
  if (info_.kind == DhKind::kX25519 && CRYPTO_memcmp(out.data(), kZero.data(), 32) == 0)
    return fail(info_, "shared secret is all zero (a low-order public value)");
  return out;
}

}  // namespace keyway::ike
