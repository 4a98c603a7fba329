// Algorithm spellings of the IOS commands and their standing in the current
// algorithm-implementation RFCs: RFC 8247 for IKE, RFC 8221 for ESP. The
// seed's configurations use 3DES, MD5, SHA-1 and DH groups 2/5; keyway
// loads them as written (they must run as on the router) and warns.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "control/config/model.h"

namespace keyway::config {

template <class T>
struct Spelling {
  std::string_view word;
  T value;
};

// Why an algorithm is discouraged and what to use instead; nullopt for
// algorithms the RFCs recommend.
struct Deprecation {
  std::string_view note;     // "RFC 8221: ENCR_3DES is SHOULD NOT"
  std::string_view instead;  // "esp-aes or esp-gcm"
};

// `encryption` in an isakmp policy: des | 3des | aes [128|192|256].
std::span<const Spelling<IkeCipher>> isakmp_ciphers();
// `hash` in an isakmp policy: md5 | sha | sha256 | sha384 | sha512.
std::span<const Spelling<IkeHash>> isakmp_hashes();
// `encryption` in an ikev2 proposal: des | 3des | aes-cbc-128 | ... | aes-gcm-256.
std::span<const Spelling<IkeCipher>> ikev2_ciphers();
// `integrity` and `prf` in an ikev2 proposal: md5 | sha1 | sha256 | sha384 | sha512.
std::span<const Spelling<IkeHash>> ikev2_hashes();

// One ESP transform keyword of `crypto ipsec transform-set`. esp-aes and
// esp-gcm take an optional key size (128 default, 192, 256) as the next word.
struct EspTransform {
  std::string_view word;
  EspCipher cipher;  // kNone for authentication transforms
  EspAuth auth;      // kNone for encryption transforms
  bool key_size;     // accepts 128|192|256 after it
};
std::span<const EspTransform> esp_transforms();
EspCipher esp_cipher_with_key_size(EspCipher base, unsigned bits);  // kAesCbc128 + 256 -> kAesCbc256

bool is_dh_group(unsigned group);  // 1 2 5 14 15 16 19 20 21 31: what keyway's DH implements
// IOS's group 24 (RFC 5114 2048-bit MODP with a 256-bit subgroup) is a
// group keyway does not implement: refused with this reason, not taken.
inline constexpr std::string_view kDhGroup24Refusal =
    "DH group 24 (RFC 5114 2048-bit MODP, 256-bit subgroup) is not implemented; RFC 8247: SHOULD NOT";
inline constexpr std::string_view kDhGroups = "1, 2, 5, 14, 15, 16, 19, 20, 21 or 31";

std::optional<Deprecation> ike_cipher_deprecation(IkeCipher c);
std::optional<Deprecation> ike_hash_deprecation(IkeHash h, bool prf);
std::optional<Deprecation> esp_cipher_deprecation(EspCipher c);
std::optional<Deprecation> esp_auth_deprecation(EspAuth a);
std::optional<Deprecation> dh_group_deprecation(DhGroup g);
// A manual SA's transform, judged as the transform-set with the same cipher
// and HMAC is; `instead` names the manual SA transforms that are not.
std::optional<Deprecation> sa_transform_deprecation(dp::Transform t);
// Every manual SA transform name, "aes128gcm, aes256gcm, ... or 3des-sha1".
std::string_view sa_transform_names();

// Names for messages and `show` output ("3des", "sha256", "esp-aes 256").
std::string_view ike_cipher_name(IkeCipher c);
std::string_view ike_hash_name(IkeHash h);

}  // namespace keyway::config
