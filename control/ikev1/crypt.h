// Encrypted ISAKMP messages (E flag, RFC 2408 3.1, RFC 2409 Appendix B):
// everything after the header is CBC ciphertext of the payload chain and
// its padding, under the phase-1 key (keys.h), with IVs chained:
//
//   phase 1 first IV  = hash(g^xi | g^xr), cut to the cipher's block
//   each next message = the last ciphertext block of the previous one
//                       (sent or received) in that exchange
//   Quick Mode / Informational first IV = hash(last phase-1 IV | M-ID), cut
//
// The caller keeps one IvChain per exchange (phase 1, and each Quick Mode
// or Informational message ID) and passes it to seal/open, which advance
// it only when they succeed. Padding is zeros up to the block, with the
// last octet the pad length when there is padding (what strongSwan
// and IOS accept); on receipt anything after the payload chain is taken
// as padding and ignored, as both RFCs allow.
//
// Control thread. A failure (wrong lengths, a ciphertext that is not whole
// blocks, a payload chain that does not parse after decryption) returns a
// Rejection and leaves the IV unchanged: such a message is dropped.
#pragma once

#include "control/ikev1/keys.h"
#include "control/ikev1/message.h"

namespace keyway::ikev1 {

struct IvChain {
  Bytes iv;  // one cipher block
};

Result<IvChain> phase1_iv(IkeHash h, IkeCipher c, ByteView gxi, ByteView gxr);
// From the phase-1 IV as it stood when phase 1 completed.
Result<IvChain> phase2_iv(IkeHash h, IkeCipher c, ByteView last_phase1_iv, uint32_t message_id);

// Encrypts m.payloads (m.header gets the E flag) and returns the datagram.
Result<Bytes> seal(const Message& m, IkeCipher c, ByteView key, IvChain& iv);

// Decrypts a parsed encrypted message into its payloads.
Parsed<Message> open(const Message& m, IkeCipher c, ByteView key, IvChain& iv);

}  // namespace keyway::ikev1
