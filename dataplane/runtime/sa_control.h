// The control thread's side of the SA rings: it owns every Sa object,
// turns install/delete requests into messages on each worker's ring, takes
// retired SAs back and frees them, and collects the workers' events.
//
// Make-before-break rekey is rekey(): the new inbound SA is queued before
// the outbound switch on the same FIFO ring, so the worker has it in its
// SPI table by the time any packet leaves with the new outbound SA (the
// peer's return traffic on the new SA included); the old inbound SA stays
// until delete_inbound() (normally after a grace period, when packets
// encrypted with it can no longer be in flight).
//
// Several workers: a tunnel's SAs are installed on its owner,
// tunnel_owner(tunnel, workers()) (install_* take the worker explicitly;
// owner() gives it), and every other worker gets a kSpiOwner message for
// each inbound SPI so that it can hand that SA's ESP to the owner. Both
// directions on one worker's FIFO ring keep make-before-break as it is
// with one worker.
//
// Routing tables (router mode): adopt_routes() takes the first, which the
// workers are created with; publish_routes() sends a new one to every
// worker and frees the one it replaces once every worker has handed it
// back on its return ring (read-copy-update: no worker can still be in a
// lookup on it then).
//
// Threads: every method runs on the control thread only. No method blocks:
// when a worker's ring is full, messages wait in a queue here, in order,
// and poll() moves them on. An SA handed to install_*() is the worker's
// until it comes back on the return ring; this class never reads its
// runtime meanwhile, only the immutable spec (SPI, direction).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "dataplane/api/runtime_msg.h"
#include "dataplane/runtime/worker.h"

namespace keyway::dp {

struct RingSizes {
  uint32_t ctrl = 1024;    // per worker, CtrlMsg (32 bytes each); a power of two
  uint32_t ret = 1024;     // per worker, RetiredSa (16 bytes each); a power of two
  uint32_t events = 4096;  // shared, Event (40 bytes each); a power of two
  uint32_t handoff = 4096; // per worker when there are several, rte_mbuf*; a power of two
};

class SaControl {
 public:
  // Creates the rings for `workers` workers. Null with *error set when
  // DPDK cannot (EAL not initialised, out of memory, bad sizes).
  static std::unique_ptr<SaControl> create(unsigned workers, const RingSizes& sizes,
                                           std::string* error);
  // Frees the SAs still held and the rings. Every worker must have been
  // stopped and reclaim()ed first.
  ~SaControl();
  SaControl(const SaControl&) = delete;
  SaControl& operator=(const SaControl&) = delete;

  unsigned workers() const { return static_cast<unsigned>(workers_.size()); }
  // The worker that owns `tunnel`'s SAs.
  unsigned owner(TunnelId tunnel) const { return tunnel_owner(tunnel, workers()); }
  WorkerRings rings(unsigned worker) const;

  // Each returns false and frees the SA when the request cannot be sent:
  // worker out of range, null SA, wrong direction, or (inbound) an SPI this
  // worker already has. The worker may still refuse an install (table
  // full, tunnel beyond its capacity); the SA then comes back and is freed,
  // counted in stats().rejected.
  bool install_inbound(unsigned worker, std::unique_ptr<Sa> sa, TunnelId tunnel);
  // The tunnel's previous outbound SA, if any, comes back as kReplaced.
  bool install_outbound(unsigned worker, std::unique_ptr<Sa> sa, TunnelId tunnel);
  // install_inbound(in) then install_outbound(out): make-before-break.
  bool rekey(unsigned worker, TunnelId tunnel, std::unique_ptr<Sa> in, std::unique_ptr<Sa> out);
  // False when this worker has no such SA (as far as the control thread
  // knows: deletes already sent count as gone).
  bool delete_inbound(unsigned worker, uint32_t spi);
  bool delete_outbound(unsigned worker, TunnelId tunnel);

  // Takes the routing table the workers start with; returns it (for
  // WorkerConfig::router.routes). It stays current until publish_routes().
  RouteTable* adopt_routes(std::unique_ptr<RouteTable> table);
  // Makes `table` the routing table of every worker (a kRouteUpdate each,
  // after whatever is queued for it). False (and the table freed) without
  // a current table or with a null one.
  bool publish_routes(std::unique_ptr<RouteTable> table);
  const RouteTable* current_routes() const { return current_routes_; }
  // Tables replaced but not yet handed back by every worker.
  size_t retired_routes_pending() const { return tables_.size() - (current_routes_ ? 1 : 0); }

  // Moves queued messages into the rings, frees retired SAs, enforces time
  // lifetimes (SaSpec::soft_seconds/hard_seconds, counted from install:
  // the SA gets the flag, *events a kSoftExpired/kHardExpired event with
  // Event::flags kEventByTime), and appends the workers' events to *events
  // (when not null; otherwise they are discarded).
  // Returns the number of messages, SAs and events handled.
  size_t poll(std::vector<Event>* events);

  // Messages waiting here for room in the worker's ring.
  size_t queued(unsigned worker) const { return workers_[worker].queue.size(); }
  // Messages put on the worker's ring so far; compare with
  // WorkerCtx::msgs_applied() to know when all are in effect.
  uint64_t sent(unsigned worker) const { return workers_[worker].sent; }

  // After the worker's lcore has stopped: takes back everything the worker
  // and its rings hold (installed SAs, unapplied installs, returns) and
  // frees it. The worker's tables are empty afterwards.
  void reclaim(unsigned worker, WorkerCtx& ctx);

  // The control thread's view of what a worker has (or will have once
  // the queued messages are applied).
  bool has_inbound(unsigned worker, uint32_t spi) const;
  const Sa* outbound(unsigned worker, TunnelId tunnel) const;
  // The inbound SA with `spi` the worker has (or will have); null if none.
  // Its packets() and bytes() may be read while the worker runs.
  const Sa* inbound(unsigned worker, uint32_t spi) const;

  struct Stats {
    uint64_t adopted = 0;   // SAs handed to install_*()
    uint64_t freed = 0;     // SAs destroyed (returned, refused, reclaimed)
    uint64_t refused = 0;   // install_*() returned false
    uint64_t rejected = 0;  // installs the worker refused
    uint64_t unknown_returns = 0;  // returned pointers this class never sent (a bug)
    std::array<uint64_t, 7> retired{};  // by RetireReason
    uint64_t events = 0;
    uint64_t routes_published = 0;
    uint64_t routes_freed = 0;
  };
  const Stats& stats() const { return stats_; }
  // SAs owned and not yet freed: installed, in flight, or on the way back.
  size_t live() const { return owned_.size(); }

 private:
  struct Owned {
    std::unique_ptr<Sa> sa;
    unsigned worker = 0;
    TunnelId tunnel = kNoTunnel;
    // Time lifetimes as TSC deadlines (0: none, or already reported).
    uint64_t soft_at = 0, hard_at = 0;
  };
  struct PerWorker {
    rte_ring* ctrl = nullptr;
    rte_ring* ret = nullptr;
    rte_ring* handoff = nullptr;  // several workers only
    std::deque<CtrlMsg> queue;
    uint64_t sent = 0;
    std::unordered_map<uint32_t, Sa*> inbound;    // SPI -> SA
    std::unordered_map<TunnelId, Sa*> outbound;   // tunnel -> current SA
  };

  SaControl() = default;
  void submit(unsigned worker, const CtrlMsg& m);
  size_t flush(unsigned worker);
  size_t take_returns(unsigned worker);
  void release(Sa* sa, RetireReason reason);
  Sa* adopt(std::unique_ptr<Sa> sa, unsigned worker, TunnelId tunnel);
  void refuse(std::unique_ptr<Sa> sa);

  void route_returned(RouteTable* table);

  std::vector<PerWorker> workers_;
  std::vector<rte_ring*> handoff_;  // by worker, for WorkerRings::handoff
  rte_ring* events_ = nullptr;
  struct HeldTable {
    std::unique_ptr<RouteTable> table;
    unsigned pending = 0;  // workers yet to hand it back (replaced tables)
  };
  std::unordered_map<const RouteTable*, HeldTable> tables_;
  RouteTable* current_routes_ = nullptr;
  void check_time_lifetimes(std::vector<Event>* events);

  std::unordered_map<const Sa*, Owned> owned_;
  std::vector<const Sa*> timed_;  // owned SAs with a time lifetime still to report
  Stats stats_;
};

}  // namespace keyway::dp
