#include "control/ikev2/ts_payload.h"

#include <string>

namespace keyway::ikev2 {
namespace {

Bytes be32_bytes(uint32_t v) {
  return {static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 8),
          static_cast<uint8_t>(v)};
}

}  // namespace

ike::Result<TsPayload> parse_ts(ByteView body) {
  Reader r(body);
  uint8_t count = 0;
  if (!r.read_u8(count) || !r.skip(3)) return ike::Error{"TS payload: shorter than its 4-byte header"};
  if (count == 0) return ike::Error{"TS payload: no traffic selector"};
  TsPayload ts;
  for (unsigned i = 0; i < count; ++i) {
    std::string what = "TS payload: selector " + std::to_string(i + 1);
    TrafficSelector s;
    uint8_t type = 0;
    uint16_t length = 0;
    if (!r.read_u8(type) || !r.read_u8(s.ip_protocol) || !r.read_be16(length) || !r.read_be16(s.start_port) ||
        !r.read_be16(s.end_port))
      return ike::Error{what + " is truncated"};
    s.type = static_cast<TsType>(type);
    size_t addr_len = s.type == TsType::kIpv4Range ? 4 : s.type == TsType::kIpv6Range ? 16 : 0;
    if (addr_len == 0) return ike::Error{what + " has type " + std::to_string(type) + " (7 or 8 expected)"};
    if (length != 8 + 2 * addr_len)
      return ike::Error{what + " has length " + std::to_string(length) + ", expected " +
                        std::to_string(8 + 2 * addr_len)};
    ByteView start, end;
    if (!r.read_bytes(addr_len, start) || !r.read_bytes(addr_len, end)) return ike::Error{what + " is truncated"};
    s.start.assign(start.begin(), start.end());
    s.end.assign(end.begin(), end.end());
    ts.selectors.push_back(std::move(s));
  }
  if (!r.empty())
    return ike::Error{"TS payload: " + std::to_string(r.remaining()) + " bytes after " + std::to_string(count) +
                      " selectors"};
  return ts;
}

void write(const TsPayload& ts, Writer& w) {
  w.u8(static_cast<uint8_t>(ts.selectors.size()));
  w.zeros(3);
  for (const TrafficSelector& s : ts.selectors) {
    w.u8(static_cast<uint8_t>(s.type));
    w.u8(s.ip_protocol);
    w.be16(static_cast<uint16_t>(8 + s.start.size() + s.end.size()));
    w.be16(s.start_port);
    w.be16(s.end_port);
    w.bytes(s.start);
    w.bytes(s.end);
  }
}

TrafficSelector ipv4_range(uint32_t start, uint32_t end, uint8_t ip_protocol, uint16_t start_port, uint16_t end_port) {
  return {TsType::kIpv4Range, ip_protocol, start_port, end_port, be32_bytes(start), be32_bytes(end)};
}

TrafficSelector ipv4_any() { return ipv4_range(0, 0xffffffffu); }

}  // namespace keyway::ikev2
