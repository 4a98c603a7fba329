// Byte-level helpers the ESP tests share for building packets by hand
// (independently of the engine's own code).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace keyway::test {

using Bytes = std::vector<uint8_t>;

inline uint32_t be32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}
inline void put16(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
inline void put32(uint8_t* p, uint32_t v) {
  put16(p, v >> 16);
  put16(p + 2, v & 0xffff);
}
// RFC 1071 one's-complement sum of n bytes, folded to 16 bits.
inline uint32_t ones_sum(const uint8_t* p, size_t n) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < n; i += 2) sum += uint32_t{p[i]} << 8 | p[i + 1];
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return sum;
}
inline Bytes cat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}
inline Bytes be32_bytes(uint32_t v) {
  Bytes b(4);
  put32(b.data(), v);
  return b;
}
// A 20-byte outer IPv4 header, with a valid checksum, in front of
// `payload_len` bytes.
inline Bytes outer_ipv4(uint32_t src, uint32_t dst, size_t payload_len, uint8_t proto = 50,
                        uint16_t id = 0) {
  Bytes h(20);
  h[0] = 0x45;
  put16(&h[2], static_cast<uint32_t>(20 + payload_len));
  put16(&h[4], id);
  h[8] = 64;
  h[9] = proto;
  put32(&h[12], src);
  put32(&h[16], dst);
  put16(&h[10], ~ones_sum(h.data(), 20) & 0xffff);
  return h;
}

}  // namespace keyway::test
