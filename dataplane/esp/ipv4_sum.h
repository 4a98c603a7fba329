// The IPv4 header checksum check shared by the router and the ESP engine.
#pragma once

#include <cstdint>
#include <cstring>

namespace keyway::dp {

// True when the IPv4 header at p (ihl bytes, ihl a multiple of 4 and at
// least 20) sums to 0xffff (RFC 1071), 32 bits at a time: DPDK's
// rte_ipv4_cksum/rte_raw_cksum are generic loops and several times slower
// for the usual 20 bytes.
inline bool ipv4_header_checksum_ok(const uint8_t* p, uint32_t ihl) {
  auto word = [p](uint32_t off) {
    uint32_t w;
    std::memcpy(&w, p + off, 4);
    return uint64_t{w};
  };
  // Nearly every header is 20 bytes: sum those without a loop.
  uint64_t sum = word(0) + word(4) + word(8) + word(12) + word(16);
  for (uint32_t off = 20; off < ihl; off += 4) sum += word(off);
  sum = (sum & 0xffffffff) + (sum >> 32);
  sum = (sum & 0xffffffff) + (sum >> 32);
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return sum == 0xffff;
}

}  // namespace keyway::dp
