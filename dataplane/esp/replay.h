// Anti-replay window for one inbound SA (RFC 4303 3.4.3 and Appendix A),
// kept as a ring of 64-bit buckets so that sliding the window never shifts
// a bitmap (the layout RFC 6479 describes).
//
// Owned by the single worker that processes the SA; not thread-safe.
// check() is the pre-check done before the ICV is verified; commit() is
// called only after the ICV verified, and re-checks, because two copies of
// one packet can sit in the same burst.
#pragma once

#include <array>
#include <cstdint>

namespace keyway::dp {

enum class ReplayVerdict : uint8_t { kOk, kDuplicate, kTooOld };

class ReplayWindow {
 public:
  // size 0 switches checking off (every sequence number is accepted).
  // highest: the highest sequence number already received (0: none yet).
  void init(uint32_t size, uint64_t highest);

  ReplayVerdict check(uint64_t seq) const;
  // Records seq. Returns the verdict of the re-check; nothing is recorded
  // unless it is kOk.
  ReplayVerdict commit(uint64_t seq);

  // RFC 4303 Appendix A2.2: reconstructs the 64-bit ESN from its low 32
  // bits, relative to the window. Returns false when the guess would lie
  // below zero (only possible for a packet older than the first subspace).
  bool infer_esn(uint32_t seq_low, uint64_t* seq) const;

  uint64_t highest() const { return top_; }
  uint32_t size() const { return size_; }

  static constexpr uint32_t kMaxBuckets = 128;  // 4096/64 + 1, rounded up to a power of two

 private:
  uint64_t top_ = 0;
  uint32_t size_ = 0;
  uint32_t bucket_mask_ = 0;
  std::array<uint64_t, kMaxBuckets> bits_{};
};

}  // namespace keyway::dp
