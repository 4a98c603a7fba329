#include "dataplane/runtime/loop_lab.h"

#include <rte_mbuf.h>
#include <rte_ring.h>

#include <algorithm>
#include <cstring>

namespace keyway::dp {
namespace {

constexpr unsigned kBurst = 64;
constexpr uint32_t kSrc = 0xC0A86401;  // 192.168.100.1

void put16(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
void put32(uint8_t* p, uint32_t v) {
  put16(p, v >> 16);
  put16(p + 2, v & 0xffff);
}
uint32_t get32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}

// An IPv4/UDP packet numbered `n`: the number sits at the start of the
// payload and seeds the bytes after it, so the sink can tell every packet
// from every other.
void build(uint8_t* b, uint32_t size, uint32_t tunnel, uint64_t n) {
  std::memset(b, 0, 28);
  b[0] = 0x45;
  put16(b + 2, size);
  put16(b + 4, static_cast<uint32_t>(n & 0xffff));
  b[8] = 64;
  b[9] = 17;
  put32(b + 12, kSrc);
  put32(b + 16, 0x0A000001u | (tunnel & 0xffff) << 8);
  uint32_t sum = 0;
  for (int i = 0; i < 20; i += 2) sum += uint32_t{b[i]} << 8 | b[i + 1];
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  put16(b + 10, ~sum & 0xffff);
  put16(b + 20, 5000);
  put16(b + 22, 6000);
  put16(b + 24, size - 20);
  put32(b + 28, static_cast<uint32_t>(n >> 32));
  put32(b + 32, static_cast<uint32_t>(n));
  for (uint32_t i = 36; i < size; ++i) b[i] = static_cast<uint8_t>(n + i);
}

bool intact(const rte_mbuf* m, uint32_t size) {
  if (m->nb_segs != 1 || m->data_len != size) return false;
  const uint8_t* b = rte_pktmbuf_mtod(m, const uint8_t*);
  if (b[0] != 0x45 || get32(b + 12) != kSrc) return false;
  const uint64_t n = uint64_t{get32(b + 28)} << 32 | get32(b + 32);
  for (uint32_t i = 36; i < size; ++i)
    if (b[i] != static_cast<uint8_t>(n + i)) return false;
  return true;
}

}  // namespace

std::unique_ptr<LoopLab> LoopLab::create(const std::string& name, rte_mempool* pool,
                                         const Options& options, std::string* error) {
  if (options.packet_size < 36 || options.packet_size > 1500 || options.window == 0 ||
      options.window >= options.ring_size || options.tunnels == 0 || options.tunnels > 65536) {
    *error = "loop lab: packet size 36..1500, window below the ring size, tunnels 1..65536";
    return nullptr;
  }
  std::unique_ptr<LoopLab> lab(new LoopLab());
  lab->opt_ = options;
  lab->pool_ = pool;
  lab->inside_ = RingPort::create(name + "in", options.ring_size, pool, error);
  if (!lab->inside_) return nullptr;
  lab->outside_ = RingPort::create(name + "out", options.ring_size, pool, error);
  if (!lab->outside_) return nullptr;
  return lab;
}

void LoopLab::attach(WorkerConfig& cfg) {
  cfg.rx = {{inside_->port(), 0}, {outside_->port(), 0}};
  cfg.inside_tx = {inside_->port(), 0};
  cfg.outside_tx = {outside_->port(), 0};
  cfg.select_tunnel = &LoopLab::select_tunnel;
  cfg.select_user = this;
}

void LoopLab::select_tunnel(void*, uint16_t, rte_mbuf* const* pkts, uint16_t n, TunnelId* tunnel) {
  for (uint16_t i = 0; i < n; ++i) {
    const uint8_t* b = rte_pktmbuf_mtod(pkts[i], const uint8_t*);
    if (pkts[i]->data_len >= 20 && (b[0] >> 4) == 4 && b[16] == 10)
      tunnel[i] = uint32_t{b[17]} << 8 | b[18];
    else
      tunnel[i] = kNoTunnel;
  }
}

unsigned LoopLab::generate(unsigned max) {
  rte_mbuf* pkts[kBurst];
  unsigned n = std::min({max, kBurst, rte_ring_free_count(inside_->rx())});
  if (n == 0 || rte_pktmbuf_alloc_bulk(pool_, pkts, n) != 0) return 0;
  for (unsigned i = 0; i < n; ++i) {
    char* b = rte_pktmbuf_append(pkts[i], static_cast<uint16_t>(opt_.packet_size));
    if (!b) {  // the pool's mbufs are too small for packet_size
      rte_pktmbuf_free_bulk(pkts, n);
      return 0;
    }
    const uint64_t seq = generated_ + i;
    build(reinterpret_cast<uint8_t*>(b), opt_.packet_size, static_cast<uint32_t>(seq % opt_.tunnels), seq);
  }
  const unsigned sent = rte_ring_sp_enqueue_burst(inside_->rx(), reinterpret_cast<void**>(pkts), n, nullptr);
  // Room was checked above and this thread is the ring's only producer.
  if (sent < n) rte_pktmbuf_free_bulk(pkts + sent, n - sent);
  generated_ += sent;
  return sent;
}

unsigned LoopLab::pump(bool gen) {
  unsigned work = 0;
  void* objs[kBurst];
  // The peer: ESP out of the outside port comes straight back in.
  unsigned n = rte_ring_sc_dequeue_burst(outside_->tx(), objs, kBurst, nullptr);
  if (n) {
    const unsigned in = rte_ring_sp_enqueue_burst(outside_->rx(), objs, n, nullptr);
    // Cannot fall short while the window is below the ring size.
    if (in < n) {
      rte_pktmbuf_free_bulk(reinterpret_cast<rte_mbuf**>(objs) + in, n - in);
      overflow_ += n - in;
    }
    work += n;
  }
  n = rte_ring_sc_dequeue_burst(inside_->tx(), objs, kBurst, nullptr);
  for (unsigned i = 0; i < n; ++i)
    if (!intact(static_cast<rte_mbuf*>(objs[i]), opt_.packet_size)) ++corrupted_;
  if (n) rte_pktmbuf_free_bulk(reinterpret_cast<rte_mbuf**>(objs), n);
  delivered_ += n;
  work += n;
  if (gen && in_flight() < opt_.window)
    work += generate(static_cast<unsigned>(opt_.window - in_flight()));
  return work;
}

unsigned LoopLab::drain() { return inside_->drain() + outside_->drain(); }

// ---- SAs ----

LabSaPair make_lab_sa_pair(uint32_t spi, Transform transform, IMB_MGR* mgr, std::string* error,
                           uint64_t soft_packets, uint64_t hard_packets) {
  const TransformInfo& info = transform_info(transform);
  SaSpec spec;
  spec.spi = spi;
  spec.transform = transform;
  spec.key.resize(size_t{info.cipher_key_len} + info.salt_len);
  for (size_t i = 0; i < spec.key.size(); ++i) spec.key[i] = static_cast<uint8_t>(spi * 7 + i);
  spec.auth_key.resize(info.aead ? 0 : info.auth_key_len);
  for (size_t i = 0; i < spec.auth_key.size(); ++i) spec.auth_key[i] = static_cast<uint8_t>(spi * 13 + i);
  spec.src = 0xC0A80001;  // 192.168.0.1
  spec.dst = 0xC0A80002;  // 192.168.0.2
  spec.soft_packets = soft_packets;
  spec.hard_packets = hard_packets;
  LabSaPair p;
  p.out = Sa::create(spec, Direction::kOutbound, mgr, error);
  if (p.out) p.in = Sa::create(spec, Direction::kInbound, mgr, error);
  if (!p.in) p.out.reset();
  return p;
}

// ---- rekeys ----

LabRekeyer::LabRekeyer(SaControl& control, unsigned worker, const WorkerCtx& ctx, LoopLab& lab,
                       Transform transform, IMB_MGR* mgr)
    : control_(control), worker_(worker), ctx_(ctx), lab_(lab), transform_(transform), mgr_(mgr) {}

bool LabRekeyer::start(uint32_t tunnels, std::string* error) {
  current_.assign(tunnels, 0);
  for (TunnelId t = 0; t < tunnels; ++t) {
    LabSaPair p = make_lab_sa_pair(next_spi_, transform_, mgr_, error);
    if (!p.in) return false;
    current_[t] = next_spi_++;
    if (!control_.rekey(worker_, t, std::move(p.in), std::move(p.out))) {
      *error = "the control thread refused the first SAs";
      return false;
    }
  }
  return true;
}

bool LabRekeyer::rekey(TunnelId t, std::string* error) {
  LabSaPair p = make_lab_sa_pair(next_spi_, transform_, mgr_, error);
  if (!p.in) return false;
  if (!control_.rekey(worker_, t, std::move(p.in), std::move(p.out))) {
    *error = "the control thread refused a rekey";
    return false;
  }
  // The outbound switch is the last message submitted so far.
  old_.push_back({current_[t], control_.sent(worker_) + control_.queued(worker_), UINT64_MAX});
  current_[t] = next_spi_++;
  ++rekeys_;
  return true;
}

void LabRekeyer::poll() {
  const uint64_t applied = ctx_.msgs_applied();
  for (Old& o : old_)
    if (o.mark == UINT64_MAX && applied >= o.switch_msg) o.mark = lab_.generated();
  // Deletes go out in rekey order; a later entry is never safe before an
  // earlier one's mark is reached, so stopping at the first unsafe is fine.
  while (!old_.empty()) {
    const Old& o = old_.front();
    const bool all_back = lab_.in_flight() == 0 && o.mark != UINT64_MAX;
    if (!all_back && (o.mark == UINT64_MAX || lab_.delivered() < o.mark + kMaxBurst)) break;
    control_.delete_inbound(worker_, o.spi);
    old_.pop_front();
  }
}

}  // namespace keyway::dp
