#include "control/ike/algorithms.h"

#include <array>

#include "control/config/algorithms.h"

namespace keyway::ike {
namespace {

// Indexed by IkeHash. Key and ICV sizes: RFC 2403 (MD5-96), RFC 2404
// (SHA1-96), RFC 4868 (SHA-2: key as long as the hash, ICV half of it).
// The deprecation flags come from the configuration layer's RFC 8247 table.
std::array<HashInfo, 5> make_hashes() {
  std::array<HashInfo, 5> t{{
      {"HMAC-MD5", "MD5", 16, 16, 12, "HMAC-MD5-96", false, false},
      {"HMAC-SHA1", "SHA1", 20, 20, 12, "HMAC-SHA1-96", false, false},
      {"HMAC-SHA2-256", "SHA256", 32, 32, 16, "HMAC-SHA2-256-128", false, false},
      {"HMAC-SHA2-384", "SHA384", 48, 48, 24, "HMAC-SHA2-384-192", false, false},
      {"HMAC-SHA2-512", "SHA512", 64, 64, 32, "HMAC-SHA2-512-256", false, false},
  }};
  for (size_t i = 0; i < t.size(); ++i) {
    auto h = static_cast<IkeHash>(i);
    t[i].deprecated_prf = config::ike_hash_deprecation(h, true).has_value();
    t[i].deprecated_integ = config::ike_hash_deprecation(h, false).has_value();
  }
  return t;
}

// Indexed by IkeCipher.
std::array<CipherInfo, 7> make_ciphers() {
  std::array<CipherInfo, 7> t{{
      {"DES-CBC", false, false, 8, 0, 8, 8, 0, false},
      {"3DES-CBC", true, false, 24, 0, 8, 8, 0, false},
      {"AES-CBC-128", true, false, 16, 0, 16, 16, 0, false},
      {"AES-CBC-192", true, false, 24, 0, 16, 16, 0, false},
      {"AES-CBC-256", true, false, 32, 0, 16, 16, 0, false},
      // RFC 5282: 8-byte explicit IV, 16-byte ICV; the SK payload needs no
      // block alignment, so the padding unit is one byte.
      {"AES-GCM-16-128", true, true, 16, 4, 1, 8, 16, false},
      {"AES-GCM-16-256", true, true, 32, 4, 1, 8, 16, false},
  }};
  for (size_t i = 0; i < t.size(); ++i)
    t[i].deprecated = config::ike_cipher_deprecation(static_cast<IkeCipher>(i)).has_value();
  return t;
}

}  // namespace

const HashInfo& hash_info(IkeHash h) {
  static const std::array<HashInfo, 5> table = make_hashes();
  return table[static_cast<size_t>(h)];
}

const CipherInfo& cipher_info(IkeCipher c) {
  static const std::array<CipherInfo, 7> table = make_ciphers();
  return table[static_cast<size_t>(c)];
}

std::optional<DhInfo> dh_info(DhGroup g) {
  bool deprecated = config::dh_group_deprecation(g).has_value();
  switch (g) {
    case 1: return DhInfo{g, "MODP-768 (group 1)", DhKind::kModp, 96, 96, deprecated};
    case 2: return DhInfo{g, "MODP-1024 (group 2)", DhKind::kModp, 128, 128, deprecated};
    case 5: return DhInfo{g, "MODP-1536 (group 5)", DhKind::kModp, 192, 192, deprecated};
    case 14: return DhInfo{g, "MODP-2048 (group 14)", DhKind::kModp, 256, 256, deprecated};
    case 15: return DhInfo{g, "MODP-3072 (group 15)", DhKind::kModp, 384, 384, deprecated};
    case 16: return DhInfo{g, "MODP-4096 (group 16)", DhKind::kModp, 512, 512, deprecated};
    case 19: return DhInfo{g, "ECP-256 (group 19)", DhKind::kEcp, 64, 32, deprecated};
    case 20: return DhInfo{g, "ECP-384 (group 20)", DhKind::kEcp, 96, 48, deprecated};
    case 21: return DhInfo{g, "ECP-521 (group 21)", DhKind::kEcp, 132, 66, deprecated};
    case 31: return DhInfo{g, "Curve25519 (group 31)", DhKind::kX25519, 32, 32, deprecated};
    default: return std::nullopt;
  }
}

}  // namespace keyway::ike
