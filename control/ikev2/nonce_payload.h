// The Nonce payload (RFC 7296 3.9): 16 to 256 bytes of random data.
//
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  ~                            Nonce Data                         ~
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
#pragma once

#include "control/ikev2/wire.h"

namespace keyway::ikev2 {

inline constexpr size_t kMinNonce = 16, kMaxNonce = 256;

struct NoncePayload {
  Bytes data;
};

ike::Result<NoncePayload> parse_nonce(ByteView body);
void write(const NoncePayload& n, Writer& w);

}  // namespace keyway::ikev2
