// The Security Association payload (RFC 7296 3.3): proposals, each a list
// of transforms with optional attributes (only Key Length is defined).
//
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  | Last Substruc |   RESERVED    |         Proposal Length       |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  | Proposal Num  |  Protocol ID  |    SPI Size   |Num  Transforms|
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  ~                        SPI (variable)                         ~
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  ~                        <Transforms>                           ~
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  Transform:
//  | Last Substruc |   RESERVED    |        Transform Length       |
//  |Transform Type |   RESERVED    |          Transform ID         |
//  ~                      Transform Attributes                     ~
//  Attribute (TV form when the first bit is set):
//  |A|       Attribute Type        |    AF=0  Attribute Length     |
//  |                               |    AF=1  Attribute Value      |
//
// Structural parse only; which transforms are acceptable is proposal.h's
// business. A transform with an attribute keyway does not understand is
// kept and marked, because RFC 7296 3.3.6 makes the transform (not the
// message) unacceptable.
#pragma once

#include <vector>

#include "control/ikev2/constants.h"
#include "control/ikev2/wire.h"

namespace keyway::ikev2 {

struct Transform {
  TransformType type = TransformType::kEncr;
  uint16_t id = 0;
  uint16_t key_bits = 0;  // the Key Length attribute; 0 when absent
  bool unknown_attribute = false;

  bool operator==(const Transform&) const = default;
};

struct Proposal {
  uint8_t number = 1;
  Protocol protocol = Protocol::kIke;
  Bytes spi;  // empty in IKE_SA_INIT, 8 bytes for an IKE rekey, 4 for ESP/AH
  std::vector<Transform> transforms;

  bool operator==(const Proposal&) const = default;
};

struct SaPayload {
  std::vector<Proposal> proposals;
};

// Checks every length and count, the Last Substruc values, SPI sizes
// against the protocol (0 or 8 for IKE, 4 for ESP/AH) and the proposal
// numbering (the first is 1, each next the same or one more).
ike::Result<SaPayload> parse_sa(ByteView body);
void write(const SaPayload& sa, Writer& w);

}  // namespace keyway::ikev2
