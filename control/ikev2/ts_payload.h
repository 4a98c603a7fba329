// The Traffic Selector payloads TSi and TSr (RFC 7296 3.13).
//
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  | Number of TSs |                 RESERVED                      |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  ~                       <Traffic Selectors>                     ~
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  Traffic selector:
//  |   TS Type     |IP Protocol ID |       Selector Length         |
//  |           Start Port          |           End Port            |
//  ~                         Starting Address                      ~
//  ~                         Ending Address                        ~
//
// Both IPv4 (type 7, length 16) and IPv6 (type 8, length 40) ranges are
// parsed, so that a peer offering both can be narrowed rather than
// refused; keyway's tunnels use the IPv4 ones. Other types are refused.
#pragma once

#include <vector>

#include "control/ikev2/constants.h"
#include "control/ikev2/wire.h"

namespace keyway::ikev2 {

struct TrafficSelector {
  TsType type = TsType::kIpv4Range;
  uint8_t ip_protocol = 0;  // 0: any
  uint16_t start_port = 0;
  uint16_t end_port = 0xffff;
  Bytes start;  // 4 or 16 bytes, network order
  Bytes end;

  bool operator==(const TrafficSelector&) const = default;
};

struct TsPayload {
  std::vector<TrafficSelector> selectors;
};

ike::Result<TsPayload> parse_ts(ByteView body);
void write(const TsPayload& ts, Writer& w);

// An IPv4 range, addresses in host byte order; all protocols and ports
// unless given. ipv4_any() is 0.0.0.0-255.255.255.255, what a VTI proposes.
TrafficSelector ipv4_range(uint32_t start, uint32_t end, uint8_t ip_protocol = 0, uint16_t start_port = 0,
                           uint16_t end_port = 0xffff);
TrafficSelector ipv4_any();

}  // namespace keyway::ikev2
