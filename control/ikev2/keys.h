// IKEv2 key derivation (RFC 7296 2.14, 2.17, 2.18), on the PRF of
// control/ike/prf.h:
//
//   SKEYSEED = prf(Ni | Nr, g^ir)
//   {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
//            = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
//   KEYMAT   = prf+(SK_d, Ni | Nr)  or  prf+(SK_d, g^ir (new) | Ni | Nr)
//   SKEYSEED (rekeyed IKE SA) = prf(SK_d (old), g^ir (new) | Ni | Nr)
//
// Ni and Nr are the nonce payloads' data; SPIs are the header's 8-byte
// values, initiator's first whatever the role of the caller. Lengths:
// SK_d, SK_pi and SK_pr take the PRF's output length (its preferred key
// size); SK_e the cipher key plus the GCM salt; SK_a the integrity key
// (none for AES-GCM). KEYMAT is split initiator-to-responder first,
// encryption key before integrity key in each direction (2.17).
#pragma once

#include <optional>

#include "control/ike/algorithms.h"
#include "control/ikev2/sk.h"

namespace keyway::ikev2 {

// The transforms an IKE SA negotiated.
struct IkeSuite {
  ike::IkeCipher encr = ike::IkeCipher::kAesGcm256;
  std::optional<ike::IkeHash> integ;  // unset for AES-GCM
  ike::IkeHash prf = ike::IkeHash::kSha256;
  ike::DhGroup dh = 19;

  bool operator==(const IkeSuite&) const = default;
};

struct IkeSaKeys {
  ike::Secret sk_d, sk_ai, sk_ar, sk_ei, sk_er, sk_pi, sk_pr;
};

ike::Result<ike::Secret> skeyseed(ike::IkeHash prf, ByteView ni, ByteView nr, ByteView g_ir);

// The SKEYSEED of a rekeyed IKE SA. `old_prf` is the PRF of the IKE SA
// being rekeyed, whose SK_d keys it; the new SA's keys then come from
// derive_ike_keys with the new suite, nonces and SPIs.
ike::Result<ike::Secret> rekey_skeyseed(ike::IkeHash old_prf, ByteView old_sk_d, ByteView g_ir_new, ByteView ni,
                                        ByteView nr);

ike::Result<IkeSaKeys> derive_ike_keys(const IkeSuite& suite, ByteView skeyseed, ByteView ni, ByteView nr,
                                       uint64_t spi_i, uint64_t spi_r);

// The SK payload keys of what the initiator (or the responder) sends.
SkKeys sk_keys(const IkeSuite& suite, const IkeSaKeys& keys, bool initiator_sends);

// KEYMAT for a child SA; `g_ir_new` empty without PFS.
ike::Result<ike::Secret> child_keymat(ike::IkeHash prf, ByteView sk_d, ByteView g_ir_new, ByteView ni, ByteView nr,
                                      size_t length);

// One child SA's keys: _i protects initiator-to-responder traffic, _r the
// other direction. For AES-GCM the encryption key includes its 4-byte salt.
struct ChildKeys {
  ike::Secret encr_i, integ_i, encr_r, integ_r;
};

// KEYMAT of 2 * (encr_len + integ_len) bytes, split as 2.17 orders it.
ChildKeys split_child_keymat(ByteView keymat, size_t encr_len, size_t integ_len);

}  // namespace keyway::ikev2
