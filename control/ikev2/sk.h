// Sealing and opening the Encrypted payload (RFC 7296 3.14) and the
// Encrypted Fragment payload (RFC 7383 2.5) with the negotiated transforms:
// AES-CBC or 3DES-CBC with an HMAC integrity checksum over the whole
// message up to the ICV, or AES-GCM-16 (RFC 5282) with the IKE header
// through the payload's header as associated data.
//
// IVs come from the RNG: a fresh CBC IV per message (RFC 7296 3.14: must
// be unpredictable) and a random 8-byte GCM IV. Random 64-bit GCM IVs stay
// unique under one key for far more messages than an IKE SA carries.
//
// Opening fails without naming a notification (Rejection::notify unset):
// RFC 7296 2.21.2 says a message whose integrity check fails is dropped
// silently. Structural errors found after decryption are INVALID_SYNTAX.
#pragma once

#include <optional>
#include <vector>

#include "control/ike/algorithms.h"
#include "control/ikev2/message.h"

namespace keyway::ikev2 {

// The keys of one direction: SK_ei with SK_ai for what the initiator
// sends, SK_er with SK_ar for what the responder sends. For GCM the
// encryption key is key || 4-byte salt, as RFC 5282 takes it from SK_e.
struct SkKeys {
  ike::IkeCipher encr = ike::IkeCipher::kAesGcm256;
  std::optional<ike::IkeHash> integ;  // unset for AES-GCM
  ike::Secret encr_key;
  ike::Secret integ_key;
};

// The whole message: header, then one SK payload holding `inner`.
ike::Result<Bytes> seal_message(const Header& h, std::span<const Payload> inner, const SkKeys& keys);

// The inner payloads of a parsed message whose last payload is SK, from
// the datagram it was parsed from.
Parsed<std::vector<Payload>> open_message(ByteView datagram, const Message& m, const SkKeys& keys);

// RFC 7383: the inner payloads cut into SKF fragments, each message at
// most `max_message` bytes (header and SKF overhead included). Every
// fragment carries the same header (message ID included).
ike::Result<std::vector<Bytes>> seal_fragments(const Header& h, std::span<const Payload> inner, const SkKeys& keys,
                                               size_t max_message);

// The decrypted content of one fragment (a slice of the inner payload
// chain); the caller collects fragments 1..total and parses the
// concatenation with parse_payloads(first_inner of fragment 1, ...).
ike::Result<Bytes> open_fragment(ByteView datagram, const FragmentPayload& f, const SkKeys& keys);

// Bytes of overhead an SK payload adds to `plain_len` bytes of inner
// payloads (generic header, IV, padding, pad length, ICV).
size_t sk_overhead(const SkKeys& keys, size_t plain_len);

}  // namespace keyway::ikev2
