// The Delete payload (RFC 7296 3.11).
//
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  | Protocol ID   |   SPI Size    |          Num of SPIs          |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  ~               Security Parameter Index(es) (SPI)              ~
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Deleting the IKE SA: protocol 1, SPI size 0, no SPIs (the header names
// the SA). Child SAs: protocol ESP or AH, 4-byte SPIs, at least one.
#pragma once

#include <vector>

#include "control/ikev2/constants.h"
#include "control/ikev2/wire.h"

namespace keyway::ikev2 {

struct DeletePayload {
  Protocol protocol = Protocol::kIke;
  std::vector<uint32_t> spis;  // ESP/AH: the sender's inbound SPIs (RFC 7296 1.4.1)
};

ike::Result<DeletePayload> parse_delete(ByteView body);
void write(const DeletePayload& d, Writer& w);

}  // namespace keyway::ikev2
