// The block ciphers of IKE's encrypted payloads, on OpenSSL EVP: AES-CBC
// and 3DES-CBC (RFC 3602, RFC 2451) without padding (IKE pads itself, with
// its own pad-length octet), and AES-GCM with a 16-byte ICV (RFC 5282).
// IKEv2's SK payload (control/ikev2/sk.h) and IKEv1's phase-1 encryption
// (CBC with IV chaining) are both built from these.
//
// Control thread only. Errors: wrong key, IV or data lengths (a caller's
// bug, named in the message), OpenSSL failures, and for gcm_open an ICV
// that does not verify ("authentication failed"), which is the expected
// outcome for a forged or corrupted message.
#pragma once

#include "control/ike/algorithms.h"
#include "control/ike/types.h"

namespace keyway::ike {

// `data` must be a whole number of blocks; `iv` one block.
Result<Bytes> cbc_encrypt(IkeCipher c, ByteView key, ByteView iv, ByteView data);
Result<Bytes> cbc_decrypt(IkeCipher c, ByteView key, ByteView iv, ByteView data);

// AES-GCM, RFC 5282: the nonce is the 4-byte salt followed by the 8-byte IV
// carried in the payload. gcm_seal returns ciphertext || 16-byte ICV;
// gcm_open takes the same and returns the plaintext.
Result<Bytes> gcm_seal(IkeCipher c, ByteView key, ByteView nonce, ByteView aad, ByteView plain);
Result<Bytes> gcm_open(IkeCipher c, ByteView key, ByteView nonce, ByteView aad, ByteView sealed);

// Nonces, IVs, SPIs and cookie secrets: OpenSSL's CSPRNG (RAND_bytes).
Result<Bytes> random_bytes(size_t n);

}  // namespace keyway::ike
