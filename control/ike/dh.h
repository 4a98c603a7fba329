// Diffie-Hellman for IKE (the KE payload and g^ir): MODP groups 1, 2, 5,
// 14, 15 and 16 (RFC 2409 6, RFC 3526), ECP groups 19, 20 and 21
// (RFC 5903) and Curve25519, group 31 (RFC 8031). Shared by IKEv2 and
// IKEv1. Not group 24 (RFC 5114's MODP with a 256-bit subgroup, SHOULD
// NOT in RFC 8247): the configuration refuses it.
//
// Wire forms, as the RFCs define them and every implementation sends them:
//   MODP    public value and shared secret: big-endian, left-padded with
//           zeros to the length of the prime
//   ECP     public value x || y (no 0x04 point-format octet), each
//           coordinate padded to the field size; shared secret x only
//   X25519  32 bytes each, little-endian as RFC 7748 defines
//
// A peer's public value is validated before it is used: its length, and for
// MODP 1 < y < p-1, for ECP a point on the curve (not at infinity), for
// X25519 a shared secret that is not all zero (RFC 8031 2.3, the low-order
// points). A failure names the group and what was wrong, for the log line;
// the IKE code answers it as an invalid KE payload.
//
// A KeyExchange is used on the control thread only; it owns its private key.
#pragma once

#include "control/ike/algorithms.h"
#include "control/ike/ossl.h"
#include "control/ike/types.h"

namespace keyway::ike {

class KeyExchange {
 public:
  // A fresh key pair from OpenSSL's RNG. Fails for groups dh_info() does
  // not know.
  static Result<KeyExchange> generate(DhGroup group);
  // A key pair from a given private value (big-endian for MODP and ECP,
  // RFC 7748 bytes for X25519): known-answer tests and deterministic test
  // peers. Never used with configured or received data.
  static Result<KeyExchange> from_private(DhGroup group, ByteView priv);

  DhGroup group() const { return info_.group; }
  const DhInfo& info() const { return info_; }
  // The KE payload's Key Exchange Data.
  const Bytes& public_value() const { return public_; }
  // g^ir from the peer's KE data, after validating it.
  Result<Secret> shared_secret(ByteView peer_public) const;

 private:
  KeyExchange(DhInfo info, EvpPkeyPtr key, Bytes pub) : info_(info), key_(std::move(key)), public_(std::move(pub)) {}

  DhInfo info_;
  EvpPkeyPtr key_;
  Bytes public_;
};

}  // namespace keyway::ike
