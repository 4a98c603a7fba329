#include "control/ikev2/vendor_payload.h"

namespace keyway::ikev2 {

ike::Result<VendorPayload> parse_vendor(ByteView body) {
  if (body.empty()) return ike::Error{"Vendor ID payload: empty"};
  return VendorPayload{Bytes(body.begin(), body.end())};
}

void write(const VendorPayload& v, Writer& w) { w.bytes(v.id); }

}  // namespace keyway::ikev2
