// What the IKE code needs to know about each algorithm the configuration
// model names (control/config/model.h): sizes, the OpenSSL name, whether
// keyway implements it, and whether RFC 8247 discourages it. The
// deprecation text itself lives in control/config/algorithms.h; `deprecated`
// here is the flag a caller checks before logging it.
//
// The same hash serves as IKEv2 PRF and integrity algorithm and as the
// IKEv1 hash (HMAC-based PRF); the IKEv2 integrity transforms truncate it.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "control/config/model.h"

namespace keyway::ike {

using config::DhGroup;
using config::IkeCipher;
using config::IkeHash;

struct HashInfo {
  std::string_view name;        // "HMAC-SHA2-256"
  const char* digest;           // OpenSSL digest name, "SHA256"
  size_t out_len;               // PRF output and preferred PRF key length
  size_t integ_key_len;         // IKEv2 integrity key (RFC 2403, 2404, 4868)
  size_t icv_len;               // IKEv2 integrity ICV: the truncated HMAC
  std::string_view integ_name;  // "HMAC-SHA2-256-128"
  bool deprecated_prf;
  bool deprecated_integ;
};
const HashInfo& hash_info(IkeHash h);

struct CipherInfo {
  std::string_view name;  // "AES-CBC-256"
  bool supported;         // DES is not (RFC 8247: MUST NOT)
  bool aead;              // AES-GCM: no separate integrity transform
  size_t key_len;         // cipher key, without the salt
  size_t salt_len;        // AES-GCM (RFC 5282): 4, taken from the end of SK_e
  size_t block_len;       // padding unit of the SK payload
  size_t iv_len;          // IV carried in each SK payload
  size_t icv_len;         // AEAD tag (16 for GCM-16); 0 for CBC
  bool deprecated;
};
const CipherInfo& cipher_info(IkeCipher c);

// Key material a cipher takes from SK_e / KEYMAT: key plus salt.
inline size_t cipher_keymat_len(IkeCipher c) { return cipher_info(c).key_len + cipher_info(c).salt_len; }

enum class DhKind : uint8_t { kModp, kEcp, kX25519 };

struct DhInfo {
  DhGroup group;
  std::string_view name;  // "MODP-2048 (group 14)"
  DhKind kind;
  size_t public_len;  // KE payload data: MODP the prime's length, ECP x||y, X25519 32
  size_t secret_len;  // g^ir: MODP the prime's length, ECP x only, X25519 32
  bool deprecated;
};
// nullopt for groups keyway does not implement (24, and numbers that
// name no group).
std::optional<DhInfo> dh_info(DhGroup g);

}  // namespace keyway::ike
