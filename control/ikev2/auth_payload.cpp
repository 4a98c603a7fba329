#include "control/ikev2/auth_payload.h"

namespace keyway::ikev2 {

ike::Result<AuthPayload> parse_auth(ByteView body) {
  Reader r(body);
  uint8_t method = 0;
  if (!r.read_u8(method) || !r.skip(3)) return ike::Error{"AUTH payload: shorter than its 4-byte header"};
  if (r.empty()) return ike::Error{"AUTH payload: no authentication data"};
  ByteView data = r.rest();
  return AuthPayload{static_cast<AuthMethod>(method), Bytes(data.begin(), data.end())};
}

void write(const AuthPayload& a, Writer& w) {
  w.u8(static_cast<uint8_t>(a.method));
  w.zeros(3);
  w.bytes(a.data);
}

}  // namespace keyway::ikev2
