#include "control/ike/wire.h"

namespace keyway::ike {

bool Reader::read_u8(uint8_t& out) {
  if (in_.empty()) return false;
  out = in_[0];
  in_ = in_.subspan(1);
  return true;
}

bool Reader::read_be16(uint16_t& out) {
  if (in_.size() < 2) return false;
  out = static_cast<uint16_t>(in_[0] << 8 | in_[1]);
  in_ = in_.subspan(2);
  return true;
}

bool Reader::read_be32(uint32_t& out) {
  if (in_.size() < 4) return false;
  out = uint32_t{in_[0]} << 24 | uint32_t{in_[1]} << 16 | uint32_t{in_[2]} << 8 | in_[3];
  in_ = in_.subspan(4);
  return true;
}

bool Reader::read_be64(uint64_t& out) {
  uint32_t high = 0, low = 0;
  if (in_.size() < 8) return false;
  read_be32(high);
  read_be32(low);
  out = uint64_t{high} << 32 | low;
  return true;
}

bool Reader::read_bytes(size_t n, ByteView& out) {
  if (in_.size() < n) return false;
  out = in_.first(n);
  in_ = in_.subspan(n);
  return true;
}

bool Reader::skip(size_t n) {
  ByteView ignored;
  return read_bytes(n, ignored);
}

ByteView Reader::rest() {
  ByteView out = in_;
  in_ = {};
  return out;
}

void Writer::be16(uint16_t v) {
  u8(static_cast<uint8_t>(v >> 8));
  u8(static_cast<uint8_t>(v));
}

void Writer::be32(uint32_t v) {
  be16(static_cast<uint16_t>(v >> 16));
  be16(static_cast<uint16_t>(v));
}

void Writer::be64(uint64_t v) {
  be32(static_cast<uint32_t>(v >> 32));
  be32(static_cast<uint32_t>(v));
}

void Writer::patch_be16(size_t at, uint16_t v) {
  out_.at(at) = static_cast<uint8_t>(v >> 8);
  out_.at(at + 1) = static_cast<uint8_t>(v);
}

void Writer::patch_be32(size_t at, uint32_t v) {
  patch_be16(at, static_cast<uint16_t>(v >> 16));
  patch_be16(at + 2, static_cast<uint16_t>(v));
}

}  // namespace keyway::ike
