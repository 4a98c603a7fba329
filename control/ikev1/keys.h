// IKEv1 key derivation, RFC 2409 5 and Appendix B, on control/ike's prf()
// (HMAC of the negotiated hash). Control thread; errors only from OpenSSL.
//
//   SKEYID   = prf(Ni_b | Nr_b, g^xy)               signatures
//            = prf(pre-shared-key, Ni_b | Nr_b)     pre-shared keys
//   SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0)
//   SKEYID_a = prf(SKEYID, SKEYID_d | g^xy | CKY-I | CKY-R | 1)
//   SKEYID_e = prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2)
//   HASH_I   = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b)
//   HASH_R   = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b)
//   phase-1 key: SKEYID_e cut, or K1 | K2 ... with K1 = prf(SKEYID_e, 0),
//                Kn = prf(SKEYID_e, Kn-1) when SKEYID_e is too short
//   Quick Mode:
//   HASH(1) = prf(SKEYID_a, M-ID | SA | Ni [ | KE ] [ | IDci | IDcr ])
//   HASH(2) = prf(SKEYID_a, M-ID | Ni_b | SA | Nr [ | KE ] [ | IDci | IDcr ])
//   HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b)
//   KEYMAT  = K1 | K2 ..., K1 = prf(SKEYID_d, [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b),
//             Kn = prf(SKEYID_d, Kn-1 | [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b)
//   Informational: HASH(1) = prf(SKEYID_a, M-ID | N/D)
//
// "_b" is a payload's body without its generic header; the Quick Mode
// payloads after HASH are hashed with their headers, as received, which is
// what serialize_payloads() of the payloads after HASH gives.
#pragma once

#include <cstdint>

#include "control/ike/algorithms.h"
#include "control/ike/types.h"

namespace keyway::ikev1 {

using ike::Bytes;
using ike::ByteView;
using ike::IkeCipher;
using ike::IkeHash;
using ike::Result;
using ike::Secret;

Result<Secret> skeyid_signature(IkeHash h, ByteView ni_b, ByteView nr_b, ByteView gxy);
Result<Secret> skeyid_psk(IkeHash h, ByteView psk, ByteView ni_b, ByteView nr_b);

struct Phase1Keys {
  Secret skeyid, skeyid_d, skeyid_a, skeyid_e;
  Secret enc_key;  // the cipher's key, from SKEYID_e (expanded if needed)
};

// SKEYID_d/a/e and the encryption key of `cipher` (AES key length included).
Result<Phase1Keys> derive_phase1(IkeHash h, IkeCipher cipher, Secret skeyid, ByteView gxy, uint64_t cky_i,
                                 uint64_t cky_r);

// Appendix B: `len` octets of key from SKEYID_e.
Result<Secret> phase1_enc_key(IkeHash h, ByteView skeyid_e, size_t len);

// HASH_I (initiator = true) or HASH_R. gx_mine/gx_peer are the KE data of
// the one computing for itself: HASH_I uses g^xi | g^xr.
Result<Bytes> hash_i(IkeHash h, ByteView skeyid, ByteView gxi, ByteView gxr, uint64_t cky_i, uint64_t cky_r,
                     ByteView sai_b, ByteView idii_b);
Result<Bytes> hash_r(IkeHash h, ByteView skeyid, ByteView gxi, ByteView gxr, uint64_t cky_i, uint64_t cky_r,
                     ByteView sai_b, ByteView idir_b);

// Quick Mode and Informational hashes. `rest` is the serialized payloads
// that follow the HASH payload.
Result<Bytes> qm_hash1(IkeHash h, ByteView skeyid_a, uint32_t mid, ByteView rest);
Result<Bytes> qm_hash2(IkeHash h, ByteView skeyid_a, uint32_t mid, ByteView ni_b, ByteView rest);
Result<Bytes> qm_hash3(IkeHash h, ByteView skeyid_a, uint32_t mid, ByteView ni_b, ByteView nr_b);
inline Result<Bytes> info_hash(IkeHash h, ByteView skeyid_a, uint32_t mid, ByteView rest) {
  return qm_hash1(h, skeyid_a, mid, rest);
}

// KEYMAT for one direction's SA (the SPI is the receiver's: the initiator's
// inbound SA uses its own SPI). `gqm` empty without PFS.
Result<Secret> keymat(IkeHash h, ByteView skeyid_d, ByteView gqm, uint8_t protocol, ByteView spi, ByteView ni_b,
                      ByteView nr_b, size_t len);

// Plain digest (not HMAC) of the negotiated hash: the IV computation.
Result<Bytes> digest(IkeHash h, ByteView data);

}  // namespace keyway::ikev1
