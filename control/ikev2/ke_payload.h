// The Key Exchange payload (RFC 7296 3.4).
//
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |   Diffie-Hellman Group Num    |           RESERVED            |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  ~                       Key Exchange Data                       ~
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The data's length is the group's business (control/ike/dh.h checks it).
#pragma once

#include "control/ikev2/wire.h"

namespace keyway::ikev2 {

struct KePayload {
  uint16_t group = 0;
  Bytes data;
};

ike::Result<KePayload> parse_ke(ByteView body);
void write(const KePayload& ke, Writer& w);

}  // namespace keyway::ikev2
