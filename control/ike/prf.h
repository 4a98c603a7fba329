// HMAC and the IKE functions built on it: the PRF, prf+ (RFC 7296 2.13)
// and the truncated integrity checksum of the SK payload (RFC 2403, 2404,
// 4868). IKEv1 uses the same prf() for SKEYID and its derivatives.
//
// Control thread only (not for the data plane: each call sets up an
// OpenSSL MAC context). Errors come from OpenSSL only, e.g. a FIPS-only
// provider that refuses MD5; the message names the algorithm.
#pragma once

#include <cstddef>

#include "control/ike/algorithms.h"
#include "control/ike/types.h"

namespace keyway::ike {

// HMAC-<h>(key, data), full length. As a PRF: prf(key, data).
Result<Secret> prf(IkeHash h, ByteView key, ByteView data);

// prf+(K, S) = T1 | T2 | ..., Tn = prf(K, Tn-1 | S | n), cut to `length`.
// The counter is one octet, so at most 255 blocks: asking for more fails.
Result<Secret> prf_plus(IkeHash h, ByteView key, ByteView seed, size_t length);

// The integrity checksum: HMAC-<h>(key, data) truncated to the ICV length
// of hash_info(h) (12 for MD5/SHA1, 16/24/32 for SHA2-256/384/512).
Result<Bytes> integrity_icv(IkeHash h, ByteView key, ByteView data);

// Whether `icv` is the checksum of `data`, compared in constant time.
bool integrity_ok(IkeHash h, ByteView key, ByteView data, ByteView icv);

}  // namespace keyway::ike
