// A data-plane worker: the state one polling lcore owns, and its loop.
//
//   top of every iteration: apply up to msgs_per_iteration control messages
//   then for each rx queue: rx_burst -> classify -> ESP inbound / outbound -> tx_burst
//
// Two modes:
// - Router mode (WorkerConfig::router set; what `keyway run` uses): ports
//   carry Ethernet frames. Frames for the router from a physical port are
//   routed by longest-prefix match: to a tunnel (encrypt, then route the
//   ESP packet), out of another port (neighbour lookup), or to the kernel
//   through the port's TAP (ARP, ICMP and IKE to our own addresses); ESP
//   to our own address is decrypted and the inner packet routed on.
//   Packets the kernel sends on a port TAP go out of the port unchanged;
//   those it sends on a tunnel or loopback TAP are routed. See router.cpp.
// - Ring mode (tests and the SA benchmark): ports carry bare IPv4. ESP
//   (protocol 50, UDP 4500) goes to esp_inbound() and the decrypted
//   packets to the inside tx queue; everything else is plaintext for a
//   tunnel (chosen per burst by a hook, or one fixed tunnel), encrypted
//   and sent to the outside tx queue.
//
// Ownership and threads: create() runs on the control thread before the
// worker starts and allocates everything the worker will ever need (SPI
// table, inbound index, tunnel array, EspCtx, latency log). From launch
// until the lcore has stopped, only the worker calls the non-const
// methods; the control thread talks to it only through the rings (see
// dataplane/api/runtime_msg.h) and reads counters(), msgs_applied() and
// the latency log, which are published with atomics. stats that are not
// atomics (esp().counters, max_gap_tsc()) are read after the lcore
// stopped (rte_eal_wait_lcore gives the ordering).
//
// Several workers (`keyway run -l 0-N`): each SA has exactly one worker
// that processes it, its owner, so every SA's hot runtime (outbound
// sequence number, replay window, lifetime counters) keeps a single
// writer. A tunnel's SAs, both directions, belong to worker
// tunnel_owner(tunnel, workers). A worker that receives plaintext routed
// into a tunnel it does not own, or ESP for an inbound SA another worker
// owns (it learns which from kSpiOwner messages), hands the packets to the
// owner's multi-producer/single-consumer hand-off ring, one bulk enqueue
// per burst; each worker drains its own ring at the top of every
// iteration. RSS keeps a flow on one queue, so for a tunnel with few
// flows most packets never cross.
//
// Per packet the worker does not allocate, lock, or make a system call.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/api/runtime_msg.h"
#include "dataplane/esp/esp.h"
#include "dataplane/runtime/counters.h"
#include "dataplane/runtime/inbound_index.h"
#include "dataplane/runtime/route_table.h"

struct rte_mbuf;
struct rte_ring;

namespace keyway::dp {

struct PortQueue {
  uint16_t port = 0;
  uint16_t queue = 0;
};

// Fills tunnel[i] for each plaintext packet pkts[i] received on rx_port.
// Runs on the worker, once per burst; must not block or allocate.
// kNoTunnel (or any id beyond the worker's tunnels) drops the packet as
// unknown_tunnel.
using TunnelSelectFn = void (*)(void* user, uint16_t rx_port, rte_mbuf* const* pkts, uint16_t n,
                                TunnelId* tunnel);

inline constexpr uint16_t kMaxMsgsPerIteration = 64;

// The worker that owns tunnel `t`'s SAs among `workers` workers. The
// control thread installs them there; workers hand packets there.
inline uint16_t tunnel_owner(TunnelId t, unsigned workers) {
  return static_cast<uint16_t>(workers > 1 ? t % workers : 0);
}

// Router mode's shared tables; all outlive the worker.
struct RouterTables {
  const RouteTable* routes = nullptr;
  const NeighborTable* neighbors = nullptr;
  const PortMap* ports = nullptr;
};

struct WorkerConfig {
  uint16_t id = 0;                // carried in events; with workers > 1 the index 0..workers-1
  uint16_t workers = 1;           // workers sharing the SAs (see tunnel_owner); > 1 needs hand-off rings
  std::vector<PortQueue> rx;      // polled in this order every iteration
  PortQueue inside_tx;            // decrypted packets
  PortQueue outside_tx;           // ESP packets
  uint32_t max_tunnels = 256;
  uint32_t max_inbound_sas = 16384;
  uint16_t rx_burst = 32;         // 1..kMaxBurst
  uint16_t msgs_per_iteration = 32;  // 1..kMaxMsgsPerIteration
  uint32_t needs_sa_interval_ms = 100;  // at most one needs_sa event per tunnel per interval
  TunnelSelectFn select_tunnel = nullptr;  // null: every plaintext packet goes to default_tunnel
  void* select_user = nullptr;
  TunnelId default_tunnel = 0;
  uint32_t latency_log = 0;       // install latencies kept individually (0: histogram only)
  // Router mode: set all three tables; inside_tx/outside_tx, select_tunnel
  // and default_tunnel are then unused, and the worker transmits on queue
  // `tx_queue` of whichever port a packet leaves by.
  RouterTables router;
  uint16_t tx_queue = 0;
  uint32_t needs_neighbor_interval_ms = 100;  // per next hop, as needs_sa
  // After 1000 iterations in a row without a packet, sleep this long
  // before each further empty iteration (0: spin). Labs that run several
  // routers on few cores want it; a benchmark does not.
  uint32_t idle_sleep_us = 0;
  // Router mode: plaintext longer than this (IP bytes) is not encrypted
  // but handed to the kernel, which answers ICMP fragmentation needed or
  // fragments it (0: no limit). The daemon uses its tunnel TAPs' MTU.
  uint16_t tunnel_mtu = 0;
};

// Per-tunnel counters, written by the worker, readable at any time.
struct TunnelCounters {
  LcoreCounter out_packets, out_bytes;  // ESP packets sent, outer bytes
  LcoreCounter in_packets, in_bytes;    // packets decrypted, inner bytes
  LcoreCounter no_sa;                   // dropped: no outbound SA
};

// The rings a worker uses; created and freed by SaControl.
struct WorkerRings {
  rte_ring* ctrl = nullptr;    // control -> worker CtrlMsg, SP/SC
  rte_ring* ret = nullptr;     // worker -> control RetiredSa, SP/SC
  rte_ring* events = nullptr;  // workers -> control Event, MP/SC
  // Multi-worker only: every worker's hand-off ring (rte_mbuf*, MP/SC),
  // indexed by worker id; this worker consumes handoff[id].
  rte_ring* const* handoff = nullptr;
};

// How long one install took, in TSC cycles from the control thread's
// submit: until the worker applied the message (the SA is in effect),
// and until the first packet was processed with the SA (which also waits
// for traffic to arrive for it).
struct InstallLatency {
  uint32_t spi = 0;
  Direction dir = Direction::kOutbound;
  uint64_t applied = 0;
  uint64_t first_packet = 0;
};

class WorkerCtx {
 public:
  // Control thread. Returns null with *error set when the configuration is
  // out of range or the EspCtx cannot be created.
  static std::unique_ptr<WorkerCtx> create(const WorkerConfig& config, const WorkerRings& rings,
                                           std::string* error);
  ~WorkerCtx();
  WorkerCtx(const WorkerCtx&) = delete;
  WorkerCtx& operator=(const WorkerCtx&) = delete;

  // ---- worker lcore ----

  // One loop iteration: control messages, then one burst from every rx
  // queue. Returns the number of packets received.
  uint32_t run_once();
  // Takes up to one burst from this worker's hand-off ring and processes
  // it as the owner. Returns the number of packets taken.
  uint32_t drain_handoff(uint64_t now);
  // Applies up to msgs_per_iteration control messages (fewer when the
  // return ring has less room, so a retired SA always has a slot).
  // Returns how many were applied.
  unsigned drain_control();
  // Classifies, processes and transmits packets received on rx_port, in
  // chunks of kMaxBurst. `now` is the TSC time the needs_sa rate limit
  // uses. Every packet is sent on or freed (and counted) before it returns.
  void process(uint16_t rx_port, rte_mbuf** pkts, uint16_t n, uint64_t now);

  // ---- any thread ----

  const WorkerConfig& config() const { return cfg_; }
  const WorkerCounters& counters() const { return counters_; }
  // The ESP engine's counters as last published by the worker (at least
  // every 64 loop iterations, and on every iteration without packets).
  uint64_t esp_counter(EspCounter c) const { return esp_published_[static_cast<size_t>(c)].get(); }
  // Null beyond max_tunnels.
  const TunnelCounters* tunnel_counters(TunnelId t) const {
    return t < cfg_.max_tunnels ? &tunnel_counters_[t] : nullptr;
  }
  // Control messages applied so far (release-published after each batch:
  // once it reaches the number the control thread sent, every one of them
  // is in effect).
  uint64_t msgs_applied() const { return msgs_applied_.load(std::memory_order_acquire); }
  // Install latencies logged so far; entries [0, n) are complete.
  uint32_t latency_count() const { return latency_count_.load(std::memory_order_acquire); }
  const InstallLatency& latency(uint32_t i) const { return latency_log_[i]; }
  // Histograms by power of two: bucket b counts values in [2^b, 2^(b+1))
  // TSC cycles. Install latencies (submit to first packet), and the time
  // between the starts of two loop iterations (the longest is
  // max_gap_tsc()).
  static constexpr unsigned kHistBuckets = 48;
  uint64_t latency_bucket(unsigned b) const { return latency_hist_[b].get(); }
  uint64_t gap_bucket(unsigned b) const { return gap_hist_[b].get(); }

  // ---- after the lcore stopped (or before it started), control thread ----

  EspCtx& esp() { return *esp_; }
  uint64_t max_gap_tsc() const { return max_gap_; }
  size_t inbound_sas() const { return index_.size() - foreign_spis_; }
  // The routing table in use (router mode; null otherwise).
  const RouteTable* routes() const { return routes_; }
  Sa* outbound_sa(TunnelId t) const { return t < tunnels_.size() ? tunnels_[t].sa : nullptr; }
  // Zeroes every counter and statistic (not the installed SAs).
  void reset_stats();
  // Empties the SA tables and returns every SA they held; SaControl frees
  // them on shutdown.
  std::vector<Sa*> take_all_sas();

 private:
  struct TunnelState {
    Sa* sa = nullptr;             // current outbound SA
    uint32_t reported = 0;        // its SaFlag bits already raised as events
    bool first_use_pending = false;
    uint64_t install_tsc = 0;
    uint64_t applied_tsc = 0;
    uint64_t last_needs_sa = 0;   // TSC of the last needs_sa event (0: never)
    uint64_t no_sa_drops = 0;     // since the last needs_sa event
  };

  WorkerCtx(const WorkerConfig& config, const WorkerRings& rings);
  void apply(const CtrlMsg& m, uint64_t now);
  void retire(Sa* sa, RetireReason reason);
  bool raise(const Event& ev);
  void check_lifetimes(Sa& sa, TunnelId tunnel, uint32_t* reported);
  void note_first_use(const Sa& sa, uint64_t install_tsc, uint64_t applied_tsc);
  void process_burst(uint16_t rx_port, rte_mbuf** pkts, uint16_t n, uint64_t now);
  // Decrypts; the good packets end up first, each tagged with its tunnel
  // (mbuf hash.usr); returns how many. The rest are freed.
  // With workers > 1, packets of SAs another worker owns are handed to it
  // first (and are not among the n returned).
  uint16_t decrypt(rte_mbuf** pkts, const uint32_t* spi, uint16_t n);
  uint16_t decrypt_owned(rte_mbuf** pkts, const uint32_t* spi, uint16_t n);
  uint16_t decrypt_one_spi(rte_mbuf** pkts, uint32_t spi, uint16_t n);
  void inbound(rte_mbuf** pkts, const uint32_t* spi, uint16_t n);
  void outbound(uint16_t rx_port, rte_mbuf** pkts, uint16_t n, uint64_t now);
  // Encrypts for tunnel `t`; the good packets end up first; returns how
  // many. The rest are freed (and counted).
  uint16_t encrypt(TunnelId t, rte_mbuf** pkts, uint16_t n, uint64_t now);
  void to_tunnel(TunnelId t, rte_mbuf** pkts, uint16_t n, uint64_t now);
  // Encrypts for tunnel `t` and sends what is good on: routed (router
  // mode) or out of the outside queue.
  void send_encrypted(TunnelId t, rte_mbuf** pkts, uint16_t n, uint64_t now);
  // Packets for one tunnel are encrypted together: a burst usually holds
  // one tunnel's traffic, so runs of equal tunnels are batched as they
  // come (add), and each run goes to send_encrypted() when the tunnel
  // changes or at flush().
  class TunnelRuns {
   public:
    TunnelRuns(WorkerCtx& w, uint64_t now) : w_(w), now_(now) {}
    void add(TunnelId t, rte_mbuf* m) {
      if (t != tunnel_) flush();
      tunnel_ = t;
      pkts_[n_++] = m;
    }
    void flush() {
      if (n_) w_.send_encrypted(tunnel_, pkts_, n_, now_);
      n_ = 0;
    }

   private:
    WorkerCtx& w_;
    const uint64_t now_;
    TunnelId tunnel_ = kNoTunnel;
    uint16_t n_ = 0;
    rte_mbuf* pkts_[kMaxBurst];
  };
  void transmit(PortQueue q, rte_mbuf** pkts, uint16_t n);
  // Hand-off: staged per owner during a burst, one bulk enqueue each at
  // the end (flush_handoff). hash.usr carries the tunnel (outbound) or
  // kHandoffInbound.
  void hand_off(uint16_t owner, rte_mbuf* m, uint32_t tag);
  void flush_handoff();
  void handoff_outbound(TunnelId t, rte_mbuf** pkts, uint16_t n);

  // Router mode (router.cpp).
  void router_burst(uint16_t rx_port, rte_mbuf** pkts, uint16_t n, uint64_t now);
  void route_ip(rte_mbuf** pkts, uint16_t n, bool from_kernel, uint16_t punt, uint64_t now);
  void route_decrypted(rte_mbuf** pkts, uint16_t n, uint64_t now);
  void route_encrypted(rte_mbuf** pkts, uint16_t n, uint64_t now);
  void to_port(uint16_t port, uint32_t next_hop, rte_mbuf* m, uint64_t now);
  void to_port_bulk(uint16_t port, uint32_t next_hop, rte_mbuf** pkts, uint16_t n, uint64_t now);
  // The MAC of `next_hop` on `port` into mac (the last answer of the
  // burst is remembered); false on a miss. Inline: it runs per packet.
  bool neighbor_mac(uint16_t port, uint32_t next_hop, uint8_t mac[6]) {
    if (port == last_neighbor_port_ && next_hop == last_neighbor_ip_) [[likely]] {
      std::memcpy(mac, last_neighbor_mac_, 6);
      return true;
    }
    return neighbor_mac_lookup(port, next_hop, mac);
  }
  bool neighbor_mac_lookup(uint16_t port, uint32_t next_hop, uint8_t mac[6]);
  void to_kernel(uint16_t tap, rte_mbuf* m);
  // Queues m for tx on `port` (flushed at the end of the burst, or when
  // kMaxBurst are waiting). Inline: it runs per packet.
  void stage(uint16_t port, rte_mbuf* m) {
    TxStage& s = tx_stage_[port];
    if (!s.listed) {
      s.listed = true;
      tx_dirty_[n_dirty_++] = port;
    }
    s.pkts[s.n++] = m;
    if (s.n == kMaxBurst) [[unlikely]] transmit_staged(port);
  }
  void transmit_staged(uint16_t port);
  void flush_staged();
  void drop(WorkerCounter reason, rte_mbuf* m);
  void needs_neighbor(uint16_t port, uint32_t ip, uint64_t now);

  WorkerConfig cfg_;
  WorkerRings rings_;
  const RouteTable* routes_ = nullptr;  // router mode: replaced by kRouteUpdate
  uint32_t foreign_spis_ = 0;           // kSpiOwner entries in index_
  struct HandoffStage {
    uint16_t n = 0;
    rte_mbuf* pkts[kMaxBurst];
  };
  std::vector<HandoffStage> handoff_stage_;  // by owner; sized at create (workers > 1)
  std::vector<uint16_t> handoff_dirty_;
  std::unique_ptr<EspCtx> esp_;
  SpiTable spi_table_;
  InboundIndex index_;
  std::vector<TunnelState> tunnels_;
  uint64_t needs_sa_interval_tsc_ = 0;
  uint64_t last_iteration_ = 0;
  uint64_t max_gap_ = 0;
  WorkerCounters counters_;
  std::unique_ptr<TunnelCounters[]> tunnel_counters_;
  std::array<LcoreCounter, kNumEspCounters> esp_published_;
  uint32_t publish_tick_ = 0;
  // Router mode: packets waiting for tx_burst, per port, flushed at the
  // end of every received burst.
  struct TxStage {
    uint16_t n = 0;
    bool listed = false;  // in tx_dirty_
    rte_mbuf* pkts[kMaxBurst];
  };
  std::vector<TxStage> tx_stage_;              // by port; kMaxPorts in router mode
  std::array<uint16_t, kMaxPorts> tx_dirty_;   // ports with staged packets, each once
  uint16_t n_dirty_ = 0;
  // needs_neighbor rate limit: last event time per slot (hashed next hop).
  std::array<uint64_t, 64> neighbor_event_{};
  uint64_t needs_neighbor_interval_tsc_ = 0;
  // The last neighbour lookup of the current burst.
  uint16_t last_neighbor_port_ = UINT16_MAX;
  uint32_t last_neighbor_ip_ = 0;
  uint8_t last_neighbor_mac_[6] = {};
  std::atomic<uint64_t> msgs_applied_{0};
  std::vector<InstallLatency> latency_log_;
  std::atomic<uint32_t> latency_count_{0};
  std::array<LcoreCounter, kHistBuckets> latency_hist_;
  std::array<LcoreCounter, kHistBuckets> gap_hist_;
};

// The worker loop: run_once() until `stop` becomes true (checked every
// iteration with acquire ordering; the control thread stores true with
// release). Usable directly as the body of a worker lcore.
// With idle_sleep_us set it sleeps between empty iterations (see WorkerConfig).
void run_worker(WorkerCtx& worker, const std::atomic<bool>& stop);

// For rte_eal_remote_launch(worker_lcore_main, &launch, lcore): the
// WorkerLaunch must outlive the lcore's run. Returns 0.
struct WorkerLaunch {
  WorkerCtx* worker = nullptr;
  const std::atomic<bool>* stop = nullptr;
};
int worker_lcore_main(void* launch);

}  // namespace keyway::dp
