// ISAKMP data attributes (RFC 2408 3.3), the body of phase-1 and phase-2
// transforms:
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  !A!       Attribute Type        !    AF=0  Attribute Length     !
//  !F!                             !    AF=1  Attribute Value      !
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  .                   AF=0  Attribute Value                       .
//  .                   AF=1  Not Transmitted                       .
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// TV (AF=1) carries a 16-bit value; TLV (AF=0) a variable value. Life
// durations may come either way (IOS sends seconds as TLV of 4 octets);
// value() reads any TLV of up to 8 octets as a big-endian number.
#pragma once

#include <optional>
#include <vector>

#include "control/ike/types.h"
#include "control/ike/wire.h"

namespace keyway::ikev1 {

using ike::Bytes;
using ike::ByteView;
using ike::Result;
using ike::Reader;
using ike::Writer;

struct Attribute {
  uint16_t type = 0;  // without the AF bit
  bool tv = true;     // AF=1: `value` holds the 16-bit value
  uint16_t short_value = 0;
  Bytes long_value;  // TLV only

  static Attribute basic(uint16_t type, uint16_t v) { return {type, true, v, {}}; }
  // TLV, minimal big-endian (at least one octet; 4 for life durations as IOS sends them).
  static Attribute variable(uint16_t type, uint64_t v, size_t octets = 4);

  // The number carried: the TV value or a TLV of 1..8 octets.
  std::optional<uint64_t> value() const;
  bool operator==(const Attribute&) const = default;
};

// Parses attributes until `body` ends exactly; a TLV running past the end
// is rejected. Duplicate types are rejected (RFC 2409 5: each at most once).
Result<std::vector<Attribute>> parse_attributes(ByteView body);
void write_attributes(const std::vector<Attribute>& attrs, Writer& w);

// The first attribute of `type`, or nullptr.
const Attribute* find_attribute(const std::vector<Attribute>& attrs, uint16_t type);

}  // namespace keyway::ikev1
