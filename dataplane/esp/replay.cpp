#include "dataplane/esp/replay.h"

#include <bit>

#include "dataplane/api/sa_spec.h"

namespace keyway::dp {

void ReplayWindow::init(uint32_t size, uint64_t highest) {
  size_ = size;
  top_ = highest;
  bits_.fill(0);
  // The window's bits can span ceil(size / 64) + 1 buckets (the top bucket
  // is partly ahead of the top); fewer would alias the oldest bucket onto
  // the newest and lose received bits (RFC 6479 section 2).
  uint32_t buckets = size ? std::bit_ceil((size + 63) / 64 + 1) : 1;
  bucket_mask_ = buckets - 1;
  // Everything at or below the starting point counts as already received:
  // a window that starts at N must not accept N again.
  if (size && highest) {
    for (uint32_t i = 0; i < size; ++i) {
      if (highest < i) break;
      uint64_t s = highest - i;
      bits_[(s >> 6) & bucket_mask_] |= uint64_t{1} << (s & 63);
    }
  }
}

bool ReplayWindow::infer_esn(uint32_t seq_low, uint64_t* seq) const {
  // With checking off the window still anchors the guess; use the largest
  // configurable size so that moderate reordering resolves correctly.
  uint32_t w = size_ ? size_ : kMaxReplayWindow;
  uint32_t tl = static_cast<uint32_t>(top_);
  uint32_t th = static_cast<uint32_t>(top_ >> 32);
  uint32_t bottom = tl - w + 1;  // modulo 2^32 on purpose
  uint32_t sh;
  if (tl >= w - 1) {
    // Case A: the window lies within one 2^32 subspace.
    sh = seq_low >= bottom ? th : th + 1;
  } else {
    // Case B: the window spans two subspaces.
    if (seq_low >= bottom) {
      if (th == 0) return false;
      sh = th - 1;
    } else {
      sh = th;
    }
  }
  *seq = (uint64_t{sh} << 32) | seq_low;
  return true;
}

}  // namespace keyway::dp
