#include "control/config/algorithms.h"

#include <array>
#include <string>
#include <vector>

namespace keyway::config {
namespace {

constexpr std::array<Spelling<IkeCipher>, 3> kIsakmpCiphers{{
    {"des", IkeCipher::kDes},
    {"3des", IkeCipher::k3des},
    {"aes", IkeCipher::kAes128},
}};

constexpr std::array<Spelling<IkeHash>, 5> kIsakmpHashes{{
    {"md5", IkeHash::kMd5},
    {"sha", IkeHash::kSha1},
    {"sha256", IkeHash::kSha256},
    {"sha384", IkeHash::kSha384},
    {"sha512", IkeHash::kSha512},
}};

constexpr std::array<Spelling<IkeCipher>, 7> kIkev2Ciphers{{
    {"des", IkeCipher::kDes},
    {"3des", IkeCipher::k3des},
    {"aes-cbc-128", IkeCipher::kAes128},
    {"aes-cbc-192", IkeCipher::kAes192},
    {"aes-cbc-256", IkeCipher::kAes256},
    {"aes-gcm-128", IkeCipher::kAesGcm128},
    {"aes-gcm-256", IkeCipher::kAesGcm256},
}};

constexpr std::array<Spelling<IkeHash>, 5> kIkev2Hashes{{
    {"md5", IkeHash::kMd5},
    {"sha1", IkeHash::kSha1},
    {"sha256", IkeHash::kSha256},
    {"sha384", IkeHash::kSha384},
    {"sha512", IkeHash::kSha512},
}};

constexpr std::array<EspTransform, 10> kEspTransforms{{
    {"esp-aes", EspCipher::kAesCbc128, EspAuth::kNone, true},
    {"esp-gcm", EspCipher::kAesGcm128, EspAuth::kNone, true},
    {"esp-3des", EspCipher::k3des, EspAuth::kNone, false},
    {"esp-des", EspCipher::kDes, EspAuth::kNone, false},
    {"esp-null", EspCipher::kNull, EspAuth::kNone, false},
    {"esp-md5-hmac", EspCipher::kNone, EspAuth::kMd5, false},
    {"esp-sha-hmac", EspCipher::kNone, EspAuth::kSha1, false},
    {"esp-sha256-hmac", EspCipher::kNone, EspAuth::kSha256, false},
    {"esp-sha384-hmac", EspCipher::kNone, EspAuth::kSha384, false},
    {"esp-sha512-hmac", EspCipher::kNone, EspAuth::kSha512, false},
}};

// "aes128gcm, aes256gcm, ... or 3des-sha1": the manual SA transforms, all
// of them or only those the RFCs recommend.
std::string join_transform_names(bool with_deprecated) {
  std::vector<std::string_view> names;
  for (int i = 0; i < dp::kNumTransforms; ++i) {
    const dp::TransformInfo& t = dp::transform_info(static_cast<dp::Transform>(i));
    if (with_deprecated || !t.deprecated) names.push_back(t.name);
  }
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) out += i + 1 == names.size() ? " or " : ", ";
    out += names[i];
  }
  return out;
}

}  // namespace

std::span<const Spelling<IkeCipher>> isakmp_ciphers() { return kIsakmpCiphers; }
std::span<const Spelling<IkeHash>> isakmp_hashes() { return kIsakmpHashes; }
std::span<const Spelling<IkeCipher>> ikev2_ciphers() { return kIkev2Ciphers; }
std::span<const Spelling<IkeHash>> ikev2_hashes() { return kIkev2Hashes; }
std::span<const EspTransform> esp_transforms() { return kEspTransforms; }

EspCipher esp_cipher_with_key_size(EspCipher base, unsigned bits) {
  bool gcm = base == EspCipher::kAesGcm128;
  switch (bits) {
    case 192: return gcm ? EspCipher::kAesGcm192 : EspCipher::kAesCbc192;
    case 256: return gcm ? EspCipher::kAesGcm256 : EspCipher::kAesCbc256;
    default: return base;
  }
}

bool is_dh_group(unsigned group) {
  switch (group) {
    case 1: case 2: case 5: case 14: case 15: case 16: case 19: case 20: case 21: case 31:
      return true;
    default:
      return false;
  }
}

std::optional<Deprecation> ike_cipher_deprecation(IkeCipher c) {
  switch (c) {
    case IkeCipher::kDes:
      return Deprecation{"RFC 8247: ENCR_DES is MUST NOT", "aes"};
    case IkeCipher::k3des:
      return Deprecation{"RFC 8247: ENCR_3DES is MAY, kept for interoperability only (64-bit block)",
                         "aes"};
    default:
      return std::nullopt;
  }
}

std::optional<Deprecation> ike_hash_deprecation(IkeHash h, bool prf) {
  switch (h) {
    case IkeHash::kMd5:
      return prf ? Deprecation{"RFC 8247: PRF_HMAC_MD5 is MUST NOT", "sha256"}
                 : Deprecation{"RFC 8247: AUTH_HMAC_MD5_96 is MUST NOT", "sha256"};
    case IkeHash::kSha1:
      return prf ? Deprecation{"RFC 8247: PRF_HMAC_SHA1 is MUST-, expected to be phased out",
                               "sha256"}
                 : Deprecation{"RFC 8247: AUTH_HMAC_SHA1_96 is MUST-, expected to be phased out",
                               "sha256"};
    default:
      return std::nullopt;
  }
}

std::optional<Deprecation> esp_cipher_deprecation(EspCipher c) {
  switch (c) {
    case EspCipher::kDes:
      return Deprecation{"RFC 8221: ENCR_DES is MUST NOT", "esp-aes or esp-gcm"};
    case EspCipher::k3des:
      return Deprecation{"RFC 8221: ENCR_3DES is SHOULD NOT", "esp-aes or esp-gcm"};
    default:
      return std::nullopt;
  }
}

std::optional<Deprecation> esp_auth_deprecation(EspAuth a) {
  switch (a) {
    case EspAuth::kMd5:
      return Deprecation{"RFC 8221: AUTH_HMAC_MD5_96 is MUST NOT", "esp-sha256-hmac"};
    case EspAuth::kSha1:
      return Deprecation{"RFC 8221: AUTH_HMAC_SHA1_96 is MUST-, expected to be phased out",
                         "esp-sha256-hmac"};
    default:
      return std::nullopt;
  }
}

std::optional<Deprecation> dh_group_deprecation(DhGroup g) {
  switch (g) {
    case 1:
      return Deprecation{"RFC 8247: DH group 1 (768-bit MODP) is MUST NOT", "group 14, 19 or 20"};
    case 2:
      return Deprecation{"RFC 8247: DH group 2 (1024-bit MODP) is SHOULD NOT", "group 14, 19 or 20"};
    case 5:
      return Deprecation{"RFC 8247: DH group 5 (1536-bit MODP) is SHOULD NOT", "group 14, 19 or 20"};
    case 24:
      return Deprecation{"RFC 8247: DH group 24 (2048-bit MODP, 256-bit subgroup) is SHOULD NOT",
                         "group 14, 19 or 20"};
    default:
      return std::nullopt;
  }
}

std::optional<Deprecation> sa_transform_deprecation(dp::Transform t) {
  EspCipher cipher = EspCipher::kAesGcm128;
  EspAuth auth = EspAuth::kNone;
  switch (t) {
    case dp::Transform::kAes128Gcm:
      cipher = EspCipher::kAesGcm128;
      break;
    case dp::Transform::kAes256Gcm:
      cipher = EspCipher::kAesGcm256;
      break;
    case dp::Transform::kAes128CbcSha256:
      cipher = EspCipher::kAesCbc128;
      auth = EspAuth::kSha256;
      break;
    case dp::Transform::kAes256CbcSha256:
      cipher = EspCipher::kAesCbc256;
      auth = EspAuth::kSha256;
      break;
    case dp::Transform::kDes3CbcSha1:
      cipher = EspCipher::k3des;
      auth = EspAuth::kSha1;
      break;
  }
  auto d = esp_cipher_deprecation(cipher);
  if (!d) d = esp_auth_deprecation(auth);
  static const std::string recommended = join_transform_names(false);
  if (d) d->instead = recommended;
  return d;
}

std::string_view sa_transform_names() {
  static const std::string all = join_transform_names(true);
  return all;
}

std::string_view ike_cipher_name(IkeCipher c) {
  switch (c) {
    case IkeCipher::kDes: return "des";
    case IkeCipher::k3des: return "3des";
    case IkeCipher::kAes128: return "aes";
    case IkeCipher::kAes192: return "aes 192";
    case IkeCipher::kAes256: return "aes 256";
    case IkeCipher::kAesGcm128: return "aes-gcm-128";
    case IkeCipher::kAesGcm256: return "aes-gcm-256";
  }
  return "?";
}

std::string_view ike_hash_name(IkeHash h) {
  switch (h) {
    case IkeHash::kMd5: return "md5";
    case IkeHash::kSha1: return "sha";
    case IkeHash::kSha256: return "sha256";
    case IkeHash::kSha384: return "sha384";
    case IkeHash::kSha512: return "sha512";
  }
  return "?";
}

}  // namespace keyway::config
