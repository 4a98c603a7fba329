#include "control/ikev2/ke_payload.h"

namespace keyway::ikev2 {

ike::Result<KePayload> parse_ke(ByteView body) {
  Reader r(body);
  KePayload ke;
  if (!r.read_be16(ke.group) || !r.skip(2)) return ike::Error{"KE payload: shorter than its 4-byte header"};
  if (r.empty()) return ike::Error{"KE payload: no key exchange data"};
  ByteView data = r.rest();
  ke.data.assign(data.begin(), data.end());
  return ke;
}

void write(const KePayload& ke, Writer& w) {
  w.be16(ke.group);
  w.be16(0);
  w.bytes(ke.data);
}

}  // namespace keyway::ikev2
