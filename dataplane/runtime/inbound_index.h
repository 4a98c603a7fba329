// A worker's record of its inbound SAs, keyed by SPI: which tunnel each
// belongs to, which lifetime flags it has already reported, and whether the
// first packet after its install is still to be timed. The ESP engine's
// SpiTable holds the same SAs for esp_inbound(); this index holds what only
// the runtime needs, so the engine's lookup stays as small as it is.
//
// Fixed capacity, allocated by the constructor (on the control thread,
// before the worker starts); insert and erase never allocate. Owned by one
// worker; not thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "dataplane/api/runtime_msg.h"

namespace keyway::dp {

inline constexpr uint16_t kSelf = UINT16_MAX;

struct InboundEntry {
  Sa* sa = nullptr;  // null for a foreign entry
  bool used = false;
  // kSelf: this worker has the SA. Otherwise the worker that has it
  // (multi-worker); ESP for the SPI is handed to that worker.
  uint16_t owner = kSelf;
  uint32_t spi = 0;
  TunnelId tunnel = kNoTunnel;
  uint32_t reported = 0;           // SaFlag bits already raised as events
  bool first_use_pending = false;  // no packet processed with it yet
  uint64_t install_tsc = 0;        // the install message's submit time
  uint64_t applied_tsc = 0;        // when this worker applied it
};

class InboundIndex {
 public:
  // Holds up to `max_entries` SAs; the slot array is the next power of two
  // at least twice that, so linear probes stay short when it is full.
  explicit InboundIndex(uint32_t max_entries);

  InboundEntry* find(uint32_t spi) {
    for (uint32_t i = home(spi);; i = (i + 1) & mask_) {
      InboundEntry& e = slots_[i];
      if (!e.used) return nullptr;
      if (e.spi == spi) return &e;
    }
  }
  // The new entry (its sa and spi set, the rest default), or null when the
  // SPI is present or the index holds max_entries already.
  InboundEntry* insert(Sa* sa, uint32_t spi);
  // An entry for an SPI whose SA another worker (`owner`) has; same
  // failure cases as insert().
  InboundEntry* insert_foreign(uint32_t spi, uint16_t owner);
  bool erase(uint32_t spi);

  uint32_t size() const { return size_; }
  uint32_t max_entries() const { return max_; }

  // Calls f(InboundEntry&) for every entry (foreign ones included), in
  // slot order.
  template <class F>
  void for_each(F&& f) {
    for (InboundEntry& e : slots_)
      if (e.used) f(e);
  }

 private:
  InboundEntry* place(uint32_t spi);
  uint32_t home(uint32_t spi) const { return (spi * 0x9E3779B1u) >> shift_ & mask_; }
  std::vector<InboundEntry> slots_;
  uint32_t mask_ = 0;
  uint32_t shift_ = 0;
  uint32_t max_ = 0;
  uint32_t size_ = 0;
};

}  // namespace keyway::dp
