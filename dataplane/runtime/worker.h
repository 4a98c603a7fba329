// A data-plane worker: the state one polling lcore owns, and its loop.
//
//   top of every iteration: apply up to msgs_per_iteration control messages
//   then for each rx queue: rx_burst -> classify -> ESP inbound / outbound -> tx_burst
//
// Classification, until routing exists: IPv4 carrying ESP (protocol 50) or
// UDP to port 4500 goes to esp_inbound() and the decrypted packets to the
// inside tx queue; everything else is plaintext for a tunnel (chosen per
// burst by a hook, or one fixed tunnel), encrypted with that tunnel's
// current outbound SA and sent to the outside tx queue. Packets on the
// ports start at the IP header (L3 vdevs); Ethernet framing comes with the
// exception path and neighbour resolution.
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
// Per packet the worker does not allocate, lock, or make a system call.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/api/runtime_msg.h"
#include "dataplane/esp/esp.h"
#include "dataplane/runtime/counters.h"
#include "dataplane/runtime/inbound_index.h"

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

struct WorkerConfig {
  uint16_t id = 0;                // carried in events
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
};

// The rings a worker uses; created and freed by SaControl.
struct WorkerRings {
  rte_ring* ctrl = nullptr;    // control -> worker CtrlMsg, SP/SC
  rte_ring* ret = nullptr;     // worker -> control RetiredSa, SP/SC
  rte_ring* events = nullptr;  // workers -> control Event, MP/SC
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

  // One loop iteration: control messages, then one burst from every rx queue.
  void run_once();
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
  size_t inbound_sas() const { return index_.size(); }
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
  void inbound(rte_mbuf** pkts, const uint32_t* spi, uint16_t n);
  void outbound(uint16_t rx_port, rte_mbuf** pkts, uint16_t n, uint64_t now);
  void to_tunnel(TunnelId t, rte_mbuf** pkts, uint16_t n, uint64_t now);
  void transmit(PortQueue q, rte_mbuf** pkts, uint16_t n);

  WorkerConfig cfg_;
  WorkerRings rings_;
  std::unique_ptr<EspCtx> esp_;
  SpiTable spi_table_;
  InboundIndex index_;
  std::vector<TunnelState> tunnels_;
  uint64_t needs_sa_interval_tsc_ = 0;
  uint64_t last_iteration_ = 0;
  uint64_t max_gap_ = 0;
  WorkerCounters counters_;
  std::atomic<uint64_t> msgs_applied_{0};
  std::vector<InstallLatency> latency_log_;
  std::atomic<uint32_t> latency_count_{0};
  std::array<LcoreCounter, kHistBuckets> latency_hist_;
  std::array<LcoreCounter, kHistBuckets> gap_hist_;
};

// The worker loop: run_once() until `stop` becomes true (checked every
// iteration with acquire ordering; the control thread stores true with
// release). Usable directly as the body of a worker lcore.
void run_worker(WorkerCtx& worker, const std::atomic<bool>& stop);

// For rte_eal_remote_launch(worker_lcore_main, &launch, lcore): the
// WorkerLaunch must outlive the lcore's run. Returns 0.
struct WorkerLaunch {
  WorkerCtx* worker = nullptr;
  const std::atomic<bool>* stop = nullptr;
};
int worker_lcore_main(void* launch);

}  // namespace keyway::dp
