#include "dataplane/runtime/worker.h"

#include <netinet/in.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include <algorithm>
#include <bit>
#include <cassert>

namespace keyway::dp {
namespace {

inline uint32_t be32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}

// True when the packet is for the inbound path: IPv4 carrying ESP, or UDP
// to the NAT-T port (RFC 3948). *spi is the SPI field when present (0 for
// a non-ESP marker or a truncated packet), used afterwards to find the
// SAs the burst touched. The ESP engine does the full validation.
inline bool is_inbound(const rte_mbuf* m, uint32_t* spi) {
  const uint8_t* p = rte_pktmbuf_mtod(m, const uint8_t*);
  const uint32_t len = m->data_len;
  if (len < 20 || (p[0] >> 4) != 4) return false;
  const uint32_t ihl = uint32_t{p[0] & 15u} * 4;
  if (p[9] == IPPROTO_ESP) {
    *spi = len >= ihl + 4 ? be32(p + ihl) : 0;
    return true;
  }
  if (p[9] == IPPROTO_UDP && len >= ihl + 8 && (uint32_t{p[ihl + 2]} << 8 | p[ihl + 3]) == kNatTPort) {
    *spi = len >= ihl + 12 ? be32(p + ihl + 8) : 0;
    return true;
  }
  return false;
}

// Histogram bucket b holds values in [2^b, 2^(b+1)); 0 and 1 share bucket 0.
inline unsigned log2_bucket(uint64_t v) {
  const unsigned b = v ? static_cast<unsigned>(std::bit_width(v)) - 1 : 0;
  return std::min(b, WorkerCtx::kHistBuckets - 1);
}

// hash.usr of a packet on a hand-off ring that is ESP for an inbound SA
// (any other value: plaintext for that tunnel).
constexpr uint32_t kHandoffInbound = kNoTunnel - 1;

inline uint32_t sa_flags(const Sa& sa) {
  // The volume limits only: time limits are the control thread's to report.
  return sa.flags() & (kSaSoftExpired | kSaHardExpired);
}

}  // namespace

WorkerCtx::WorkerCtx(const WorkerConfig& config, const WorkerRings& rings)
    : cfg_(config),
      rings_(rings),
      spi_table_(2 * config.max_inbound_sas),
      index_(config.max_inbound_sas),
      tunnels_(config.max_tunnels),
      tunnel_counters_(new TunnelCounters[config.max_tunnels]),
      latency_log_(config.latency_log) {
  if (config.router.routes) {
    tx_stage_.resize(kMaxPorts);
    routes_ = config.router.routes;
  }
  if (config.workers > 1) {
    handoff_stage_.resize(config.workers);
    handoff_dirty_.reserve(config.workers);
  }
}

WorkerCtx::~WorkerCtx() = default;

std::unique_ptr<WorkerCtx> WorkerCtx::create(const WorkerConfig& config, const WorkerRings& rings,
                                             std::string* error) {
  if (!rings.ctrl || !rings.ret || !rings.events) {
    *error = "worker needs its control, return and event rings";
    return nullptr;
  }
  if (config.rx_burst == 0 || config.rx_burst > kMaxBurst) {
    *error = "rx_burst must be 1.." + std::to_string(kMaxBurst);
    return nullptr;
  }
  if (config.msgs_per_iteration == 0 || config.msgs_per_iteration > kMaxMsgsPerIteration) {
    *error = "msgs_per_iteration must be 1.." + std::to_string(kMaxMsgsPerIteration);
    return nullptr;
  }
  if (config.max_tunnels == 0 || config.max_tunnels > (1u << 20) ||
      config.max_inbound_sas == 0 || config.max_inbound_sas > (1u << 22)) {
    *error = "max_tunnels must be 1..2^20 and max_inbound_sas 1..2^22";
    return nullptr;
  }
  if (config.workers == 0 || config.id >= config.workers ||
      (config.workers > 1 && !rings.handoff)) {
    *error = "worker id must be below workers, and several workers need hand-off rings";
    return nullptr;
  }
  if (config.workers > 1) {
    for (unsigned w = 0; w < config.workers; ++w) {
      if (!rings.handoff[w]) {
        *error = "worker " + std::to_string(w) + " has no hand-off ring";
        return nullptr;
      }
    }
  }
  const RouterTables& r = config.router;
  if ((r.routes || r.neighbors || r.ports) && !(r.routes && r.neighbors && r.ports)) {
    *error = "router mode needs the route, neighbour and port tables together";
    return nullptr;
  }
  if (r.routes) {
    for (const PortQueue& q : config.rx) {
      if (q.port >= kMaxPorts || r.ports->port[q.port].kind == PortRole::Kind::kNone) {
        *error = "rx port " + std::to_string(q.port) + " has no role in the port map";
        return nullptr;
      }
    }
  }
  std::unique_ptr<WorkerCtx> w(new WorkerCtx(config, rings));
  w->esp_ = EspCtx::create(error);
  if (!w->esp_) return nullptr;
  w->needs_sa_interval_tsc_ = rte_get_tsc_hz() / 1000 * config.needs_sa_interval_ms;
  w->needs_neighbor_interval_tsc_ = rte_get_tsc_hz() / 1000 * config.needs_neighbor_interval_ms;
  return w;
}

// ---- control messages ----

unsigned WorkerCtx::drain_control() {
  if (rte_ring_count(rings_.ctrl) == 0) return 0;
  // Each message retires at most one SA, and this worker is the return
  // ring's only producer: taking no more messages than the ring has free
  // slots guarantees every retire() below finds room.
  const unsigned room = rte_ring_free_count(rings_.ret);
  const unsigned max = std::min<unsigned>(cfg_.msgs_per_iteration, room);
  if (max == 0) return 0;
  CtrlMsg msgs[kMaxMsgsPerIteration];
  const unsigned n = rte_ring_sc_dequeue_burst_elem(rings_.ctrl, msgs, sizeof(CtrlMsg), max, nullptr);
  const uint64_t now = n ? rte_rdtsc() : 0;
  for (unsigned i = 0; i < n; ++i) apply(msgs[i], now);
  counters_.add(WorkerCounter::kMsgs, n);
  msgs_applied_.store(msgs_applied_.load(std::memory_order_relaxed) + n, std::memory_order_release);
  return n;
}

void WorkerCtx::apply(const CtrlMsg& m, uint64_t now) {
  switch (m.op) {
    case CtrlOp::kRouteUpdate: {
      if (!m.routes || !routes_) {
        counters_.add(WorkerCounter::kMsgBad);
        return;
      }
      // Between bursts: nothing on this worker still points into the old
      // table, which goes back to the control thread to be freed once
      // every worker has let go of it.
      RetiredSa r;
      r.routes = const_cast<RouteTable*>(routes_);
      r.reason = RetireReason::kRouteReplaced;
      routes_ = m.routes;
      [[maybe_unused]] const int rc = rte_ring_sp_enqueue_elem(rings_.ret, &r, sizeof r);
      assert(rc == 0 && "drain_control() reserves a return slot per message");
      counters_.add(WorkerCounter::kRouteUpdates);
      return;
    }
    case CtrlOp::kSpiOwner: {
      InboundEntry* e = m.owner < cfg_.workers && m.owner != cfg_.id
                            ? index_.insert_foreign(m.spi, m.owner)
                            : nullptr;
      if (!e) {
        counters_.add(WorkerCounter::kSaRejected);
        return;
      }
      e->tunnel = m.tunnel;
      ++foreign_spis_;
      return;
    }
    case CtrlOp::kSpiForget: {
      InboundEntry* e = index_.find(m.spi);
      if (!e || e->owner == kSelf) {
        counters_.add(WorkerCounter::kMsgStale);
        return;
      }
      index_.erase(m.spi);
      --foreign_spis_;
      return;
    }
    case CtrlOp::kSaInstall:
    case CtrlOp::kSaDelete:
      break;
  }
  Sa* sa = m.sa;
  if ((m.op != CtrlOp::kSaInstall && m.op != CtrlOp::kSaDelete) || !sa) {
    counters_.add(WorkerCounter::kMsgBad);
    return;
  }
  // Only the SA's immutable control record (direction, SPI) is read here.
  const Direction dir = sa->direction();
  if (m.op == CtrlOp::kSaInstall) {
    if (dir == Direction::kInbound) {
      InboundEntry* e = index_.insert(sa, sa->spi());
      if (!e) {
        const bool dup = index_.find(sa->spi()) != nullptr;
        counters_.add(WorkerCounter::kSaRejected);
        retire(sa, dup ? RetireReason::kDuplicateSpi : RetireReason::kTableFull);
        return;
      }
      if (!spi_table_.insert(sa)) {  // sized to hold more than the index; cannot happen
        index_.erase(sa->spi());
        counters_.add(WorkerCounter::kSaRejected);
        retire(sa, RetireReason::kTableFull);
        return;
      }
      e->tunnel = m.tunnel;
      e->first_use_pending = true;
      e->install_tsc = m.tsc;
      e->applied_tsc = now;
      return;
    }
    if (m.tunnel >= tunnels_.size()) {
      counters_.add(WorkerCounter::kSaRejected);
      retire(sa, RetireReason::kBadTunnel);
      return;
    }
    // The switch: every burst from here on uses the new SA. Packets
    // already encrypted with the old one are on their way and the peer
    // still has the old inbound SA (make-before-break is the control
    // plane's order: the new inbound SA was installed first).
    TunnelState& t = tunnels_[m.tunnel];
    Sa* old = t.sa;
    t.sa = sa;
    t.reported = 0;
    t.first_use_pending = true;
    t.install_tsc = m.tsc;
    t.applied_tsc = now;
    if (old) retire(old, RetireReason::kReplaced);
    return;
  }
  // kSaDelete: only if the named SA is still the one installed.
  if (dir == Direction::kInbound) {
    InboundEntry* e = index_.find(m.spi);
    if (!e || e->sa != sa) {
      counters_.add(WorkerCounter::kMsgStale);
      return;
    }
    spi_table_.erase(m.spi);
    index_.erase(m.spi);
    retire(sa, RetireReason::kDeleted);
    return;
  }
  if (m.tunnel >= tunnels_.size() || tunnels_[m.tunnel].sa != sa) {
    counters_.add(WorkerCounter::kMsgStale);
    return;
  }
  tunnels_[m.tunnel].sa = nullptr;
  tunnels_[m.tunnel].first_use_pending = false;
  retire(sa, RetireReason::kDeleted);
}

void WorkerCtx::retire(Sa* sa, RetireReason reason) {
  RetiredSa r;
  r.sa = sa;
  r.reason = reason;
  [[maybe_unused]] const int rc = rte_ring_sp_enqueue_elem(rings_.ret, &r, sizeof r);
  assert(rc == 0 && "drain_control() reserves a return slot per message");
  counters_.add(WorkerCounter::kSaRetired);
}

// ---- events ----

bool WorkerCtx::raise(const Event& ev) {
  if (rte_ring_mp_enqueue_elem(rings_.events, const_cast<Event*>(&ev), sizeof ev) != 0) {
    counters_.add(WorkerCounter::kEventRingFull);
    return false;
  }
  counters_.add(WorkerCounter::kEvents);
  return true;
}

// Turns lifetime flags the engine raised on `sa` since the last look into
// one event each. A flag whose event found the ring full stays unreported
// and is tried again after the SA's next burst.
void WorkerCtx::check_lifetimes(Sa& sa, TunnelId tunnel, uint32_t* reported) {
  const uint32_t fresh = sa_flags(sa) & ~*reported;
  if (!fresh) return;
  Event ev;
  ev.dir = sa.direction();
  ev.worker = cfg_.id;
  ev.tunnel = tunnel;
  ev.spi = sa.spi();
  ev.packets = sa.packets();
  ev.bytes = sa.bytes();
  ev.tsc = rte_rdtsc();
  for (uint32_t flag : {uint32_t{kSaSoftExpired}, uint32_t{kSaHardExpired}}) {
    if (!(fresh & flag)) continue;
    ev.type = flag == kSaSoftExpired ? EventType::kSoftExpired : EventType::kHardExpired;
    if (raise(ev)) *reported |= flag;
  }
}

void WorkerCtx::note_first_use(const Sa& sa, uint64_t install_tsc, uint64_t applied_tsc) {
  const uint64_t cycles = rte_rdtsc() - install_tsc;
  latency_hist_[log2_bucket(cycles)].add(1);
  const uint32_t i = latency_count_.load(std::memory_order_relaxed);
  if (i < latency_log_.size()) {
    latency_log_[i] = InstallLatency{sa.spi(), sa.direction(), applied_tsc - install_tsc, cycles};
    latency_count_.store(i + 1, std::memory_order_release);
  }
}

// ---- packets ----

uint32_t WorkerCtx::run_once() {
  const uint64_t now = rte_rdtsc();
  if (last_iteration_) {
    const uint64_t gap = now - last_iteration_;
    max_gap_ = std::max(max_gap_, gap);
    gap_hist_[log2_bucket(gap)].add(1);
  }
  last_iteration_ = now;
  drain_control();
  uint32_t received = cfg_.workers > 1 ? drain_handoff(now) : 0;
  rte_mbuf* pkts[kMaxBurst];
  for (const PortQueue& q : cfg_.rx) {
    const uint16_t n = rte_eth_rx_burst(q.port, q.queue, pkts, cfg_.rx_burst);
    if (n) process(q.port, pkts, n, now);
    received += n;
  }
  counters_.add(WorkerCounter::kIterations);
  if (received == 0 || (++publish_tick_ & 63) == 0) {
    for (size_t i = 0; i < kNumEspCounters; ++i) esp_published_[i].set(esp_->counters.v[i]);
  }
  return received;
}

void WorkerCtx::process(uint16_t rx_port, rte_mbuf** pkts, uint16_t n, uint64_t now) {
  for (uint16_t done = 0; done < n;) {
    const auto chunk = std::min<uint16_t>(static_cast<uint16_t>(n - done), kMaxBurst);
    process_burst(rx_port, pkts + done, chunk, now);
    done = static_cast<uint16_t>(done + chunk);
  }
}

void WorkerCtx::process_burst(uint16_t rx_port, rte_mbuf** pkts, uint16_t n, uint64_t now) {
  counters_.add(WorkerCounter::kRx, n);
  if (routes_) {
    router_burst(rx_port, pkts, n, now);
    if (!handoff_dirty_.empty()) flush_handoff();
    return;
  }
  rte_mbuf* in[kMaxBurst];
  rte_mbuf* out[kMaxBurst];
  uint32_t spi[kMaxBurst];
  uint16_t n_in = 0, n_out = 0;
  for (uint16_t i = 0; i < n; ++i) {
    if (is_inbound(pkts[i], &spi[n_in]))
      in[n_in++] = pkts[i];
    else
      out[n_out++] = pkts[i];
  }
  if (n_in) inbound(in, spi, n_in);
  if (n_out) outbound(rx_port, out, n_out, now);
  if (!handoff_dirty_.empty()) flush_handoff();
}

// ---- hand-off between workers ----

void WorkerCtx::hand_off(uint16_t owner, rte_mbuf* m, uint32_t tag) {
  HandoffStage& s = handoff_stage_[owner];
  if (s.n == kMaxBurst) flush_handoff();
  if (s.n == 0) handoff_dirty_.push_back(owner);
  m->hash.usr = tag;
  s.pkts[s.n++] = m;
}

void WorkerCtx::flush_handoff() {
  for (uint16_t owner : handoff_dirty_) {
    HandoffStage& s = handoff_stage_[owner];
    if (!s.n) continue;
    const unsigned done = rte_ring_mp_enqueue_burst(rings_.handoff[owner],
                                                    reinterpret_cast<void* const*>(s.pkts), s.n, nullptr);
    counters_.add(WorkerCounter::kHandoff, done);
    if (done < s.n) {
      counters_.add(WorkerCounter::kHandoffFull, s.n - done);
      rte_pktmbuf_free_bulk(s.pkts + done, s.n - done);
    }
    s.n = 0;
  }
  handoff_dirty_.clear();
}

void WorkerCtx::handoff_outbound(TunnelId t, rte_mbuf** pkts, uint16_t n) {
  const uint16_t owner = tunnel_owner(t, cfg_.workers);
  for (uint16_t i = 0; i < n; ++i) hand_off(owner, pkts[i], t);
}

uint32_t WorkerCtx::drain_handoff(uint64_t now) {
  rte_mbuf* pkts[kMaxBurst];
  const unsigned n = rte_ring_sc_dequeue_burst(rings_.handoff[cfg_.id], reinterpret_cast<void**>(pkts),
                                               cfg_.rx_burst, nullptr);
  if (!n) return 0;
  counters_.add(WorkerCounter::kHandoffRx, n);
  rte_mbuf* in[kMaxBurst];
  uint32_t spi[kMaxBurst];
  uint16_t n_in = 0;
  // Packets that crossed once are never handed on again: this worker owns
  // them (ownership is fixed per tunnel), or drops them.
  TunnelRuns runs(*this, now);
  for (unsigned i = 0; i < n; ++i) {
    rte_mbuf* m = pkts[i];
    if (m->hash.usr == kHandoffInbound) {
      if (!is_inbound(m, &spi[n_in])) spi[n_in] = 0;  // classified before; cannot happen
      in[n_in++] = m;
      continue;
    }
    runs.add(m->hash.usr, m);
  }
  runs.flush();
  if (n_in) {
    const uint16_t good = decrypt_owned(in, spi, n_in);
    if (routes_)
      route_decrypted(in, good, now);
    else
      transmit(cfg_.inside_tx, in, good);
  }
  if (routes_) flush_staged();
  return n;
}

uint16_t WorkerCtx::decrypt(rte_mbuf** pkts, const uint32_t* spi, uint16_t n) {
  if (foreign_spis_ == 0) return decrypt_owned(pkts, spi, n);
  // Keep the packets of SAs this worker owns (and of unknown SPIs, which
  // the engine counts); stage the others for their owners.
  uint32_t kept_spi[kMaxBurst];
  uint16_t kept = 0;
  const InboundEntry* e = nullptr;
  for (uint16_t i = 0; i < n; ++i) {
    if (i == 0 || spi[i] != spi[i - 1]) e = index_.find(spi[i]);
    if (e && e->owner != kSelf) {
      hand_off(e->owner, pkts[i], kHandoffInbound);
      continue;
    }
    kept_spi[kept] = spi[i];
    pkts[kept++] = pkts[i];
  }
  return kept ? decrypt_owned(pkts, kept_spi, kept) : 0;
}

uint16_t WorkerCtx::decrypt_owned(rte_mbuf** pkts, const uint32_t* spi, uint16_t n) {
  uint16_t same = 1;
  while (same < n && spi[same] == spi[0]) ++same;
  if (same == n) return decrypt_one_spi(pkts, spi[0], n);
  // Tag every packet with its SA's tunnel before the engine reorders the
  // burst (good packets first); one index lookup per run of equal SPIs.
  TunnelId tunnel = kNoTunnel;
  for (uint16_t i = 0; i < n; ++i) {
    if (i == 0 || spi[i] != spi[i - 1]) {
      const InboundEntry* e = index_.find(spi[i]);
      tunnel = e ? e->tunnel : kNoTunnel;
    }
    pkts[i]->hash.usr = tunnel;
  }
  const uint16_t good = esp_inbound(*esp_, spi_table_, {pkts, n});
  if (good < n) rte_pktmbuf_free_bulk(pkts + good, n - good);
  // Tunnel counters once per run of packets of one tunnel (normally the
  // whole burst).
  for (uint16_t i = 0; i < good;) {
    const TunnelId t = pkts[i]->hash.usr;
    uint64_t bytes = 0;
    uint16_t j = i;
    for (; j < good && pkts[j]->hash.usr == t; ++j) bytes += pkts[j]->pkt_len;
    if (t < cfg_.max_tunnels) {
      tunnel_counters_[t].in_packets.add(j - i);
      tunnel_counters_[t].in_bytes.add(bytes);
    }
    i = j;
  }
  // Lifetime flags and first use, once per run of packets with one SPI
  // (a burst normally carries one SA).
  for (uint16_t i = 0; i < n; ++i) {
    if (i > 0 && spi[i] == spi[i - 1]) continue;
    InboundEntry* e = index_.find(spi[i]);
    if (!e || !e->sa) continue;
    check_lifetimes(*e->sa, e->tunnel, &e->reported);
    if (e->first_use_pending && e->sa->packets() > 0) {
      e->first_use_pending = false;
      note_first_use(*e->sa, e->install_tsc, e->applied_tsc);
    }
  }
  return good;
}

// decrypt_owned() for the usual burst, one SPI throughout: one index
// lookup, and the tunnel's counters and the SA's lifetimes once.
uint16_t WorkerCtx::decrypt_one_spi(rte_mbuf** pkts, uint32_t spi, uint16_t n) {
  InboundEntry* e = index_.find(spi);
  const TunnelId tunnel = e ? e->tunnel : kNoTunnel;
  for (uint16_t i = 0; i < n; ++i) pkts[i]->hash.usr = tunnel;
  const uint16_t good = esp_inbound(*esp_, spi_table_, {pkts, n});
  if (good < n) rte_pktmbuf_free_bulk(pkts + good, n - good);
  if (good && tunnel < cfg_.max_tunnels) {
    uint64_t bytes = 0;
    for (uint16_t i = 0; i < good; ++i) bytes += pkts[i]->pkt_len;
    tunnel_counters_[tunnel].in_packets.add(good);
    tunnel_counters_[tunnel].in_bytes.add(bytes);
  }
  if (e && e->sa) {
    check_lifetimes(*e->sa, e->tunnel, &e->reported);
    if (e->first_use_pending && e->sa->packets() > 0) {
      e->first_use_pending = false;
      note_first_use(*e->sa, e->install_tsc, e->applied_tsc);
    }
  }
  return good;
}

void WorkerCtx::inbound(rte_mbuf** pkts, const uint32_t* spi, uint16_t n) {
  const uint16_t good = decrypt(pkts, spi, n);
  transmit(cfg_.inside_tx, pkts, good);
}

void WorkerCtx::outbound(uint16_t rx_port, rte_mbuf** pkts, uint16_t n, uint64_t now) {
  TunnelId tunnel[kMaxBurst];
  if (cfg_.select_tunnel)
    cfg_.select_tunnel(cfg_.select_user, rx_port, pkts, n, tunnel);
  else
    std::fill_n(tunnel, n, cfg_.default_tunnel);
  uint16_t same = 1;
  while (same < n && tunnel[same] == tunnel[0]) ++same;
  if (same == n) {  // the usual case: the whole burst goes to one tunnel
    to_tunnel(tunnel[0], pkts, n, now);
    return;
  }
  // Mixed burst: one group per tunnel, each in arrival order.
  bool done[kMaxBurst] = {};
  rte_mbuf* group[kMaxBurst];
  for (uint16_t first = 0; first < n; ++first) {
    if (done[first]) continue;
    uint16_t g = 0;
    for (uint16_t i = first; i < n; ++i) {
      if (done[i] || tunnel[i] != tunnel[first]) continue;
      group[g++] = pkts[i];
      done[i] = true;
    }
    to_tunnel(tunnel[first], group, g, now);
  }
}

void WorkerCtx::to_tunnel(TunnelId id, rte_mbuf** pkts, uint16_t n, uint64_t now) {
  transmit(cfg_.outside_tx, pkts, encrypt(id, pkts, n, now));
}

void WorkerCtx::send_encrypted(TunnelId id, rte_mbuf** pkts, uint16_t n, uint64_t now) {
  const uint16_t good = encrypt(id, pkts, n, now);
  if (routes_)
    route_encrypted(pkts, good, now);
  else
    transmit(cfg_.outside_tx, pkts, good);
}

uint16_t WorkerCtx::encrypt(TunnelId id, rte_mbuf** pkts, uint16_t n, uint64_t now) {
  if (id >= tunnels_.size()) {
    counters_.add(WorkerCounter::kUnknownTunnel, n);
    rte_pktmbuf_free_bulk(pkts, n);
    return 0;
  }
  if (cfg_.workers > 1 && tunnel_owner(id, cfg_.workers) != cfg_.id) {
    handoff_outbound(id, pkts, n);
    return 0;
  }
  TunnelState& t = tunnels_[id];
  if (!t.sa) {
    // Fail closed: no SA, no packet; ask the control plane for one, but
    // not more often than the interval however much traffic arrives.
    counters_.add(WorkerCounter::kNoSa, n);
    tunnel_counters_[id].no_sa.add(n);
    t.no_sa_drops += n;
    rte_pktmbuf_free_bulk(pkts, n);
    if (t.last_needs_sa == 0 || now - t.last_needs_sa >= needs_sa_interval_tsc_) {
      Event ev;
      ev.type = EventType::kNeedsSa;
      ev.worker = cfg_.id;
      ev.tunnel = id;
      ev.packets = t.no_sa_drops;
      ev.tsc = now;
      if (raise(ev)) {
        t.last_needs_sa = now ? now : 1;
        t.no_sa_drops = 0;
      }
    }
    return 0;
  }
  Sa& sa = *t.sa;
  const uint16_t good = esp_outbound(*esp_, sa, {pkts, n});
  if (good < n) rte_pktmbuf_free_bulk(pkts + good, n - good);
  uint64_t bytes = 0;
  for (uint16_t i = 0; i < good; ++i) bytes += pkts[i]->pkt_len;
  tunnel_counters_[id].out_packets.add(good);
  tunnel_counters_[id].out_bytes.add(bytes);
  check_lifetimes(sa, id, &t.reported);
  if (t.first_use_pending && good > 0) {
    t.first_use_pending = false;
    note_first_use(sa, t.install_tsc, t.applied_tsc);
  }
  return good;
}

void WorkerCtx::transmit(PortQueue q, rte_mbuf** pkts, uint16_t n) {
  if (n == 0) return;
  const uint16_t sent = rte_eth_tx_burst(q.port, q.queue, pkts, n);
  counters_.add(WorkerCounter::kTx, sent);
  if (sent < n) {
    counters_.add(WorkerCounter::kTxFull, n - sent);
    rte_pktmbuf_free_bulk(pkts + sent, n - sent);
  }
}

// ---- control thread, worker stopped ----

void WorkerCtx::reset_stats() {
  counters_.reset();
  for (auto& c : esp_published_) c.set(0);
  for (uint32_t t = 0; t < cfg_.max_tunnels; ++t) {
    TunnelCounters& c = tunnel_counters_[t];
    for (LcoreCounter* x : {&c.out_packets, &c.out_bytes, &c.in_packets, &c.in_bytes, &c.no_sa})
      x->set(0);
  }
  esp_->counters = EspCounters{};
  max_gap_ = 0;
  last_iteration_ = 0;
  latency_count_.store(0, std::memory_order_release);
  for (auto& b : latency_hist_) b.set(0);
  for (auto& b : gap_hist_) b.set(0);
}

std::vector<Sa*> WorkerCtx::take_all_sas() {
  std::vector<Sa*> all;
  std::vector<uint32_t> foreign;
  index_.for_each([&](InboundEntry& e) {
    if (e.sa)
      all.push_back(e.sa);
    else
      foreign.push_back(e.spi);
  });
  for (Sa* sa : all) {
    spi_table_.erase(sa->spi());
    index_.erase(sa->spi());
  }
  for (uint32_t spi : foreign) index_.erase(spi);
  foreign_spis_ = 0;
  for (TunnelState& t : tunnels_) {
    if (t.sa) all.push_back(t.sa);
    t = TunnelState{};
  }
  return all;
}

// ---- the loop ----

void run_worker(WorkerCtx& worker, const std::atomic<bool>& stop) {
  const uint32_t sleep_us = worker.config().idle_sleep_us;
  uint32_t idle = 0;
  while (!stop.load(std::memory_order_acquire)) {
    if (worker.run_once() != 0) {
      idle = 0;
    } else if (sleep_us && ++idle > 1000) {
      rte_delay_us_sleep(sleep_us);
    }
  }
}

int worker_lcore_main(void* arg) {
  auto* launch = static_cast<WorkerLaunch*>(arg);
  run_worker(*launch->worker, *launch->stop);
  return 0;
}

}  // namespace keyway::dp
