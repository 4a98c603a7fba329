#include "control/ikev1/attributes.h"

#include <string>

namespace keyway::ikev1 {

Attribute Attribute::variable(uint16_t type, uint64_t v, size_t octets) {
  Attribute a{type, false, 0, Bytes(octets, 0)};
  for (size_t i = 0; i < octets; ++i) a.long_value[octets - 1 - i] = static_cast<uint8_t>(v >> (8 * i));
  return a;
}

std::optional<uint64_t> Attribute::value() const {
  if (tv) return short_value;
  if (long_value.empty() || long_value.size() > 8) return std::nullopt;
  uint64_t v = 0;
  for (uint8_t b : long_value) v = (v << 8) | b;
  return v;
}

Result<std::vector<Attribute>> parse_attributes(ByteView body) {
  Reader r(body);
  std::vector<Attribute> out;
  while (!r.empty()) {
    uint16_t type_af = 0, second = 0;
    if (!r.read_be16(type_af) || !r.read_be16(second)) return ike::Error{"attribute truncated"};
    Attribute a;
    a.type = type_af & 0x7fff;
    a.tv = (type_af & 0x8000) != 0;
    if (a.tv) {
      a.short_value = second;
    } else {
      ByteView v;
      if (!r.read_bytes(second, v)) return ike::Error{"attribute " + std::to_string(a.type) + " length runs past the transform"};
      a.long_value.assign(v.begin(), v.end());
    }
    out.push_back(std::move(a));
  }
  // Only Life Type / Life Duration pairs may repeat (RFC 2407 4.5, RFC
  // 2409 Appendix A: seconds and kilobytes each in their own pair), as
  // classes 1/2 in phase 2 and 11/12 in phase 1; anything else repeated is
  // an error.
  for (size_t i = 0; i < out.size(); ++i) {
    uint16_t t = out[i].type;
    bool seen = false;
    for (size_t j = 0; j < i; ++j) seen = seen || out[j].type == t;
    if (!seen) continue;
    bool pair_type = (t == 1 || t == 11) && i + 1 < out.size() && out[i + 1].type == t + 1;
    bool pair_duration = (t == 2 || t == 12) && out[i - 1].type == t - 1;
    if (!pair_type && !pair_duration) return ike::Error{"attribute " + std::to_string(t) + " repeated"};
  }
  return out;
}

void write_attributes(const std::vector<Attribute>& attrs, Writer& w) {
  for (const Attribute& a : attrs) {
    if (a.tv) {
      w.be16(static_cast<uint16_t>(0x8000 | a.type));
      w.be16(a.short_value);
    } else {
      w.be16(a.type & 0x7fff);
      w.be16(static_cast<uint16_t>(a.long_value.size()));
      w.bytes(a.long_value);
    }
  }
}

const Attribute* find_attribute(const std::vector<Attribute>& attrs, uint16_t type) {
  for (const Attribute& a : attrs)
    if (a.type == type) return &a;
  return nullptr;
}

}  // namespace keyway::ikev1
