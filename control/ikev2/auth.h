// The AUTH payload's data (RFC 7296 2.15, RFC 7427).
//
// Both peers sign or MAC their "signed octets":
//   InitiatorSignedOctets = RealMessage1 | NonceRData | prf(SK_pi, RestOfInitIDPayload)
//   ResponderSignedOctets = RealMessage2 | NonceIData | prf(SK_pr, RestOfRespIDPayload)
// where RealMessage is the sender's own IKE_SA_INIT message as sent, the
// nonce is the peer's, and RestOf...IDPayload is the ID payload body.
//
// - Pre-shared key (method 2): prf(prf(Shared Secret, "Key Pad for IKEv2"),
//   SignedOctets), compared in constant time.
// - RSA signature (method 1): RSASSA-PKCS1-v1_5 with SHA-1 over the signed
//   octets, as IOS and strongSwan use it.
// - Digital signature (method 14, RFC 7427): one length octet, the DER
//   AlgorithmIdentifier, then the signature; keyway signs and verifies
//   sha{1,256,384,512}WithRSAEncryption and ecdsa-with-SHA{256,384,512}
//   (RSASSA-PSS is not implemented).
//
// Signing takes the EVP_PKEY the PKI layer holds (pki::Key); verifying the
// peer certificate's public key. Control thread only.
#pragma once

#include <openssl/evp.h>

#include "control/ike/algorithms.h"
#include "control/ikev2/constants.h"
#include "control/ikev2/id_payload.h"

namespace keyway::ikev2 {

ike::Result<Bytes> signed_octets(ByteView own_init_message, ByteView peer_nonce, ike::IkeHash prf, ByteView sk_p,
                                 const IdPayload& own_id);

ike::Result<Bytes> psk_auth(ike::IkeHash prf, ByteView psk, ByteView signed_octets);
bool psk_auth_ok(ike::IkeHash prf, ByteView psk, ByteView signed_octets, ByteView received);

// The AUTH data for method 1 (hash ignored: SHA-1) or 14 (hash chosen from
// the peer's SIGNATURE_HASH_ALGORITHMS). Fails for other methods, for
// kIdentity and for keys that are neither RSA nor ECDSA.
ike::Result<Bytes> sign(AuthMethod method, SignatureHash hash, EVP_PKEY* key, ByteView signed_octets);

// Checks received AUTH data with the peer's public key: the method's
// algorithm must suit the key (an RSA AlgorithmIdentifier for an RSA key,
// ECDSA for EC) and the signature must verify. The error says which.
ike::Status verify_signature(AuthMethod method, EVP_PKEY* peer_key, ByteView signed_octets, ByteView auth_data);

}  // namespace keyway::ikev2
