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

// Inline: both run once or twice per received packet.
inline ReplayVerdict ReplayWindow::check(uint64_t seq) const {
  if (size_ == 0) return ReplayVerdict::kOk;
  if (seq == 0) return ReplayVerdict::kTooOld;  // never sent (RFC 4303 3.3.3)
  if (seq > top_) return ReplayVerdict::kOk;
  if (top_ - seq >= size_) return ReplayVerdict::kTooOld;  // no overflow near 2^64
  uint64_t bit = uint64_t{1} << (seq & 63);
  return (bits_[(seq >> 6) & bucket_mask_] & bit) ? ReplayVerdict::kDuplicate : ReplayVerdict::kOk;
}

inline ReplayVerdict ReplayWindow::commit(uint64_t seq) {
  if (size_ == 0) {
    if (seq > top_) top_ = seq;
    return ReplayVerdict::kOk;
  }
  ReplayVerdict v = check(seq);
  if (v != ReplayVerdict::kOk) return v;
  if (seq > top_) {
    uint64_t old_bucket = top_ >> 6;
    uint64_t new_bucket = seq >> 6;
    uint64_t steps = new_bucket - old_bucket;
    if (steps > bucket_mask_ + 1u) steps = bucket_mask_ + 1u;
    for (uint64_t i = 1; i <= steps; ++i) bits_[(old_bucket + i) & bucket_mask_] = 0;
    top_ = seq;
  }
  bits_[(seq >> 6) & bucket_mask_] |= uint64_t{1} << (seq & 63);
  return ReplayVerdict::kOk;
}

}  // namespace keyway::dp
