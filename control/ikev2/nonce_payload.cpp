#include "control/ikev2/nonce_payload.h"

#include <string>

namespace keyway::ikev2 {

ike::Result<NoncePayload> parse_nonce(ByteView body) {
  if (body.size() < kMinNonce || body.size() > kMaxNonce)
    return ike::Error{"Nonce payload: " + std::to_string(body.size()) + " bytes, outside 16..256"};
  return NoncePayload{Bytes(body.begin(), body.end())};
}

void write(const NoncePayload& n, Writer& w) { w.bytes(n.data); }

}  // namespace keyway::ikev2
