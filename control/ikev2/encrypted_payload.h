// The Encrypted payload SK (RFC 7296 3.14) and the Encrypted Fragment
// payload SKF (RFC 7383 2.5), as they sit in a message: still encrypted.
// sk.h opens and seals them.
//
// SK:
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  | Next Payload  |C|  RESERVED   |         Payload Length        |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                     Initialization Vector                     |
//  ~                    Encrypted IKE Payloads                     ~
//  |               |             Padding (0-255 octets)            |
//  +-+-+-+-+-+-+-+-+                               +-+-+-+-+-+-+-+-+
//  |                                               |  Pad Length   |
//  ~                    Integrity Checksum Data                    ~
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// SKF: the same after two more header fields:
//  |        Fragment Number        |        Total Fragments        |
//
// Next Payload of an SK is the type of the first inner payload; of an SKF
// too in fragment 1, and 0 in the others. Either must be the last payload
// of its message. `body` is everything from the IV to the end; the bytes
// before it (IKE header through the payload's header) are what the ICV or
// the GCM associated data cover, and `body_offset` says where it starts
// in the datagram it was parsed from.
#pragma once

#include "control/ikev2/constants.h"
#include "control/ikev2/wire.h"

namespace keyway::ikev2 {

struct EncryptedPayload {
  PayloadType first_inner = PayloadType::kNone;
  Bytes body;
  size_t body_offset = 0;
};

struct FragmentPayload {
  uint16_t number = 1;
  uint16_t total = 1;
  PayloadType first_inner = PayloadType::kNone;  // kNone except in fragment 1
  Bytes body;
  size_t body_offset = 0;
};

// `offset`: where the body begins in the datagram.
ike::Result<EncryptedPayload> parse_sk(PayloadType next, ByteView body, size_t offset);
ike::Result<FragmentPayload> parse_skf(PayloadType next, ByteView body, size_t offset);
void write(const EncryptedPayload& sk, Writer& w);
void write(const FragmentPayload& skf, Writer& w);

}  // namespace keyway::ikev2
