// The Vendor ID payload (RFC 7296 3.12): an opaque identifier.
//
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  ~                        Vendor ID (VID)                        ~
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
#pragma once

#include "control/ikev2/wire.h"

namespace keyway::ikev2 {

struct VendorPayload {
  Bytes id;
};

ike::Result<VendorPayload> parse_vendor(ByteView body);
void write(const VendorPayload& v, Writer& w);

}  // namespace keyway::ikev2
