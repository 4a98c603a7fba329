// Per-worker runtime counters: what happened to packets outside the ESP
// engine (which counts its own in EspCtx::counters), and to control
// messages and events. Every packet a worker receives ends in exactly one
// of: tx, a runtime drop counter below, or an ESP engine drop counter.
//
// Written by the owning worker only; the control thread may read them at
// any time (relaxed atomics: a value may be a little stale, never torn).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string_view>

namespace keyway::dp {

enum class WorkerCounter : uint8_t {
  // Packets.
  kRx,              // received from any rx queue
  kTx,              // handed to a tx queue
  kTxFull,          // drop: the tx queue refused the packet
  kNoSa,            // drop: routed to a tunnel that has no outbound SA
  kUnknownTunnel,   // drop: the tunnel id is beyond this worker's tunnels
  // Router mode.
  kNoRoute,         // drop: no route (or a route to Null0) for the destination
  kNeighMiss,       // drop: the next hop's Ethernet address is not known yet (resolution asked)
  kTtlExceeded,     // forwarding would take the TTL to 0: handed to the kernel (ICMP time exceeded)
  kBadFrame,        // drop: runt frame, or an IPv4 header that is malformed or fails its checksum
  kNotForUs,        // drop: unicast frame for another Ethernet address
  kInnerWrongTunnel,  // drop: decrypted packet whose source does not route back into its SA's tunnel
  kInnerNotInside,  // drop: decrypted packet whose destination does not route to an inside interface
  kNoPort,          // drop: from or to a port the router does not use
  kToKernel,        // packets handed to the kernel (counted in tx too)
  kFromKernel,      // packets the kernel sent (counted in rx too)
  kTooBig,          // too big for the tunnel: handed to the kernel (ICMP frag needed, or fragments)
  // Multi-worker: packets for an SA another worker owns go to it.
  kHandoff,         // packets handed to the owner worker's hand-off ring
  kHandoffFull,     // drop: the owner's hand-off ring was full
  kHandoffRx,       // packets taken from this worker's own hand-off ring
  kRouteUpdates,    // routing tables swapped in (kRouteUpdate)
  // Control messages and events.
  kMsgs,            // control messages applied
  kMsgStale,        // deletes for an SA that was no longer there
  kMsgBad,          // messages with an unknown op or no SA
  kSaRejected,      // installs refused and handed straight back
  kSaRetired,       // SAs handed back on the return ring (any reason)
  kEvents,          // events enqueued
  kEventRingFull,   // event enqueue attempts that found the ring full (retried later)
  kIterations,      // loop iterations
  kCount,
};

inline constexpr size_t kNumWorkerCounters = static_cast<size_t>(WorkerCounter::kCount);

inline constexpr std::array<std::string_view, kNumWorkerCounters> kWorkerCounterNames{
    "rx",          "tx",         "tx_full",    "no_sa",     "unknown_tunnel",
    "no_route",    "neigh_miss", "ttl_exceeded", "bad_frame", "not_for_us",
    "inner_wrong_tunnel", "inner_not_inside", "no_port", "to_kernel", "from_kernel", "too_big",
    "handoff",     "handoff_full", "handoff_rx", "route_updates",
    "msgs",        "msg_stale",  "msg_bad",    "sa_rejected", "sa_retired",
    "events",      "event_ring_full", "iterations",
};

inline constexpr std::string_view counter_name(WorkerCounter c) {
  return kWorkerCounterNames[static_cast<size_t>(c)];
}

// A counter with one writer. add() is a plain load and store, not a
// locked read-modify-write, because no other thread ever writes it.
class LcoreCounter {
 public:
  void add(uint64_t n) { v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  uint64_t get() const { return v_.load(std::memory_order_relaxed); }
  void set(uint64_t n) { v_.store(n, std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

struct WorkerCounters {
  std::array<LcoreCounter, kNumWorkerCounters> v;
  void add(WorkerCounter c, uint64_t n = 1) { v[static_cast<size_t>(c)].add(n); }
  uint64_t operator[](WorkerCounter c) const { return v[static_cast<size_t>(c)].get(); }
  uint64_t by_name(std::string_view name) const {
    for (size_t i = 0; i < kNumWorkerCounters; ++i)
      if (kWorkerCounterNames[i] == name) return v[i].get();
    return 0;
  }
  // Packets dropped by the runtime itself (not by the ESP engine).
  uint64_t drops() const {
    uint64_t n = 0;
    for (WorkerCounter c : {WorkerCounter::kTxFull, WorkerCounter::kNoSa, WorkerCounter::kUnknownTunnel,
                            WorkerCounter::kNoRoute, WorkerCounter::kNeighMiss,
                            WorkerCounter::kBadFrame,
                            WorkerCounter::kNotForUs, WorkerCounter::kInnerWrongTunnel,
                            WorkerCounter::kInnerNotInside, WorkerCounter::kNoPort,
                            WorkerCounter::kHandoffFull})
      n += (*this)[c];
    return n;
  }
  void reset() {
    for (auto& c : v) c.set(0);
  }
};

}  // namespace keyway::dp
