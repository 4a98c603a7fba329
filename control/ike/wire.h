// Byte-level reading and writing of IKE messages (IKEv1 and IKEv2). The
// Reader is a bounded, consuming cursor over a received datagram: every
// read either succeeds or returns false and leaves nothing half-read, and
// it cannot read past the end of its span. Byte order is in the method
// name; there are no casts onto packed structures.
#pragma once

#include <cstddef>
#include <cstdint>

#include "control/ike/types.h"

namespace keyway::ike {

class Reader {
 public:
  explicit Reader(ByteView in) : in_(in) {}

  size_t remaining() const { return in_.size(); }
  bool empty() const { return in_.empty(); }

  bool read_u8(uint8_t& out);
  bool read_be16(uint16_t& out);
  bool read_be32(uint32_t& out);
  bool read_be64(uint64_t& out);
  bool read_bytes(size_t n, ByteView& out);
  bool skip(size_t n);
  // Everything left, consumed.
  ByteView rest();

 private:
  ByteView in_;
};

class Writer {
 public:
  void u8(uint8_t v) { out_.push_back(v); }
  void be16(uint16_t v);
  void be32(uint32_t v);
  void be64(uint64_t v);
  void bytes(ByteView b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void zeros(size_t n) { out_.insert(out_.end(), n, 0); }

  size_t size() const { return out_.size(); }
  // Overwrites two bytes already written at `at` (a length filled in
  // once what it counts has been written).
  void patch_be16(size_t at, uint16_t v);
  void patch_be32(size_t at, uint32_t v);

  const Bytes& data() const { return out_; }
  Bytes take() { return std::move(out_); }

 private:
  Bytes out_;
};

}  // namespace keyway::ike
