// A loopback bed for driving one real worker with traffic from the control
// thread: two ring ports, "inside" (plaintext) and "outside" (ESP). The
// control thread plays both LANs and the peer gateway: it feeds plaintext
// packets into the inside port, turns every ESP packet the worker sends
// out of the outside port around into the outside port's receive ring
// (the peer is the worker itself, holding inbound SAs with the keys of
// its outbound ones), and collects the decrypted packets from the inside
// port, checking each against what was sent.
//
//   generate -> inside.rx -> worker: encrypt -> outside.tx -> turn around
//            -> outside.rx -> worker: decrypt -> inside.tx -> check, free
//
// At most `window` packets are in flight, fewer than any ring holds, so
// the rings never overflow and a packet that does not come back was
// dropped by the worker (and counted there) or lost.
//
// Threads: one thread (the control thread) calls everything here; the
// worker only polls the ports.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include "dataplane/runtime/ring_port.h"
#include "dataplane/runtime/sa_control.h"
#include "dataplane/runtime/worker.h"

struct rte_mempool;

namespace keyway::dp {

class LoopLab {
 public:
  struct Options {
    uint32_t packet_size = 128;  // inner IPv4/UDP packet, 36..1500 bytes
    uint32_t window = 256;       // packets in flight at most
    unsigned ring_size = 4096;   // per ring, a power of two above window
    uint32_t tunnels = 1;        // plaintext is spread over tunnels [0, tunnels)
  };
  static std::unique_ptr<LoopLab> create(const std::string& name, rte_mempool* pool,
                                         const Options& options, std::string* error);

  // Points the worker at the lab's ports: rx from both, decrypted to
  // inside, ESP to outside, tunnels chosen by select_tunnel().
  void attach(WorkerConfig& cfg);

  // One round of the control thread's traffic duty: turn ESP around,
  // collect decrypted packets, and (when `generate`) top the window up.
  // Returns the number of packets handled (0: nothing to do).
  unsigned pump(bool generate = true);

  // Spreads packets generated from now on over tunnels [0, n), 1..65536.
  void set_tunnels(uint32_t n) { opt_.tunnels = n < 1 ? 1 : n > 65536 ? 65536 : n; }

  uint64_t generated() const { return generated_; }
  uint64_t delivered() const { return delivered_; }
  uint64_t corrupted() const { return corrupted_; }  // delivered, but not what was sent
  uint64_t in_flight() const { return generated_ - delivered_; }
  // ESP packets the turn-around found no room for (0 unless the window
  // is misconfigured).
  uint64_t overflow() const { return overflow_; }
  // Frees every packet still in the rings (the worker must be stopped)
  // and returns how many there were.
  unsigned drain();

  // The tunnel hook: inner IPv4 destination 10.H.L.x is tunnel H*256+L;
  // anything else is kNoTunnel.
  static void select_tunnel(void* user, uint16_t rx_port, rte_mbuf* const* pkts, uint16_t n,
                            TunnelId* tunnel);

 private:
  LoopLab() = default;
  unsigned generate(unsigned max);

  Options opt_;
  rte_mempool* pool_ = nullptr;
  std::unique_ptr<RingPort> inside_, outside_;
  uint64_t generated_ = 0, delivered_ = 0, corrupted_ = 0, overflow_ = 0;
};

// Lab SAs: an outbound SA and the inbound SA that decrypts what it
// produces (same SPI, keys derived from the SPI: for labs only).
struct LabSaPair {
  std::unique_ptr<Sa> in, out;
};
LabSaPair make_lab_sa_pair(uint32_t spi, Transform transform, IMB_MGR* mgr, std::string* error,
                           uint64_t soft_packets = 0, uint64_t hard_packets = 0);

// Make-before-break rekeys of a lab's tunnels on one worker, as a control
// plane would do them: new inbound SA, then the outbound switch; the old
// inbound SA is deleted once no packet encrypted with it can still be in
// flight, i.e. once the switch is in effect and every packet generated
// before that moment has come back (plus one burst, since a worker
// reorders a mixed burst by tunnel).
class LabRekeyer {
 public:
  LabRekeyer(SaControl& control, unsigned worker, const WorkerCtx& ctx, LoopLab& lab,
             Transform transform, IMB_MGR* mgr);
  // Installs the first SA pair of tunnels [0, n).
  bool start(uint32_t tunnels, std::string* error);
  // Replaces tunnel t's SA pair. False (with *error) if an SA cannot be made.
  bool rekey(TunnelId t, std::string* error);
  // Sends the deletes that have become safe; call between pumps.
  void poll();
  size_t pending_deletes() const { return old_.size(); }
  uint32_t next_spi() const { return next_spi_; }
  uint64_t rekeys() const { return rekeys_; }

 private:
  struct Old {
    uint32_t spi;
    uint64_t switch_msg;  // applied-message count at which the switch is in effect
    uint64_t mark;        // lab.generated() once it was; UINT64_MAX until then
  };
  SaControl& control_;
  unsigned worker_;
  const WorkerCtx& ctx_;
  LoopLab& lab_;
  Transform transform_;
  IMB_MGR* mgr_;
  uint32_t next_spi_ = 0x1000;
  uint64_t rekeys_ = 0;
  std::vector<uint32_t> current_;  // current SPI per tunnel
  std::deque<Old> old_;
};

}  // namespace keyway::dp
