#include "dataplane/runtime/inbound_index.h"

namespace keyway::dp {

InboundIndex::InboundIndex(uint32_t max_entries) : max_(max_entries) {
  uint32_t cap = 16, bits = 4;
  while (cap < 2 * uint64_t{max_entries}) {
    cap <<= 1;
    ++bits;
  }
  slots_.assign(cap, InboundEntry{});
  mask_ = cap - 1;
  // Multiplicative hashing: the high bits of the product are the mixed ones.
  shift_ = 32 - bits;
}

InboundEntry* InboundIndex::place(uint32_t spi) {
  if (size_ >= max_) return nullptr;
  uint32_t i = home(spi);
  while (slots_[i].used) {
    if (slots_[i].spi == spi) return nullptr;
    i = (i + 1) & mask_;
  }
  slots_[i] = InboundEntry{};
  slots_[i].used = true;
  slots_[i].spi = spi;
  ++size_;
  return &slots_[i];
}

InboundEntry* InboundIndex::insert(Sa* sa, uint32_t spi) {
  if (!sa) return nullptr;
  InboundEntry* e = place(spi);
  if (e) e->sa = sa;
  return e;
}

InboundEntry* InboundIndex::insert_foreign(uint32_t spi, uint16_t owner) {
  if (owner == kSelf) return nullptr;
  InboundEntry* e = place(spi);
  if (e) e->owner = owner;
  return e;
}

bool InboundIndex::erase(uint32_t spi) {
  uint32_t i = home(spi);
  while (slots_[i].used && slots_[i].spi != spi) i = (i + 1) & mask_;
  if (!slots_[i].used) return false;
  // Backward-shift deletion: move later members of the probe chain into
  // the hole when their home slot allows it, so no tombstones accumulate.
  uint32_t hole = i;
  for (uint32_t j = (i + 1) & mask_; slots_[j].used; j = (j + 1) & mask_) {
    uint32_t h = home(slots_[j].spi);
    // j may move to hole unless its home lies cyclically in (hole, j].
    bool stays = hole <= j ? (h > hole && h <= j) : (h > hole || h <= j);
    if (!stays) {
      slots_[hole] = slots_[j];
      hole = j;
    }
  }
  slots_[hole] = InboundEntry{};
  --size_;
  return true;
}

}  // namespace keyway::dp
