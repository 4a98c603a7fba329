#include "dataplane/esp/esp.h"

#include <rte_ip.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <cstring>

#include "dataplane/esp/esp_impl.h"
#include "dataplane/esp/ipv4_sum.h"

namespace keyway::dp {

// ---- EspCtx ----

std::unique_ptr<EspCtx> EspCtx::create(std::string* error) {
  std::unique_ptr<EspCtx> ctx(new EspCtx());
  ctx->mgr = alloc_mb_mgr(0);
  if (!ctx->mgr) {
    *error = "intel-ipsec-mb: alloc_mb_mgr failed";
    return nullptr;
  }
  IMB_ARCH arch = IMB_ARCH_NONE;
  init_mb_mgr_auto(ctx->mgr, &arch);
  if (imb_get_errno(ctx->mgr) != 0 || arch == IMB_ARCH_NONE) {
    *error = std::string("intel-ipsec-mb: no usable code path: ") +
             imb_get_strerror(imb_get_errno(ctx->mgr));
    return nullptr;
  }
  ctx->arch_ = arch;
  return ctx;
}

EspCtx::~EspCtx() {
  if (mgr) free_mb_mgr(mgr);
}

const char* EspCtx::arch_name() const {
  switch (arch_) {
    case IMB_ARCH_SSE: return "SSE";
    case IMB_ARCH_AVX: return "AVX";
    case IMB_ARCH_AVX2: return "AVX2";
    case IMB_ARCH_AVX512: return "AVX512";
    default: return "unknown";
  }
}

// ---- SpiTable ----

SpiTable::SpiTable(uint32_t capacity_pow2) {
  uint32_t cap = 16;
  while (cap < capacity_pow2) cap <<= 1;
  slots_.assign(cap, nullptr);
  mask_ = cap - 1;
}

bool SpiTable::insert(Sa* sa) {
  if (size_ >= mask_) return false;  // keep one hole so lookups terminate early
  uint32_t i = hash(sa->spi()) & mask_;
  while (slots_[i]) {
    if (slots_[i]->spi() == sa->spi()) return false;
    i = (i + 1) & mask_;
  }
  slots_[i] = sa;
  ++size_;
  return true;
}

bool SpiTable::erase(uint32_t spi) {
  uint32_t i = hash(spi) & mask_;
  while (slots_[i] && slots_[i]->spi() != spi) i = (i + 1) & mask_;
  if (!slots_[i]) return false;
  // Backward-shift deletion keeps probe chains intact without tombstones.
  uint32_t hole = i;
  for (uint32_t j = (i + 1) & mask_; slots_[j]; j = (j + 1) & mask_) {
    uint32_t home = hash(slots_[j]->spi()) & mask_;
    bool movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
    if (movable) {
      slots_[hole] = slots_[j];
      hole = j;
    }
  }
  slots_[hole] = nullptr;
  --size_;
  return true;
}

// ---- burst entry points ----

namespace {

// Moves good packets to the front (keeping order), records the drop
// reasons of the rest, and counts everything. `n_ok` is how many the burst
// function passed: all of them (the common case) leaves nothing to move.
uint16_t partition(EspCtx& ctx, std::span<rte_mbuf*> pkts, const EspCounter* verdict,
                   EspCounter good, uint16_t n_ok) {
  const auto n = static_cast<uint16_t>(pkts.size());
  if (n_ok == n) {
    ctx.counters.v[static_cast<size_t>(good)] += n;
    return n;
  }
  rte_mbuf* bad[kMaxBurst];
  uint16_t n_good = 0, n_bad = 0;
  for (size_t i = 0; i < pkts.size(); ++i) {
    ctx.counters.inc(verdict[i]);
    if (verdict[i] == good) {
      pkts[n_good++] = pkts[i];
    } else {
      ctx.drop_reason[n_bad] = verdict[i];
      bad[n_bad++] = pkts[i];
    }
  }
  std::copy(bad, bad + n_bad, pkts.begin() + n_good);
  return n_good;
}

// Parses the outer IPv4 (and UDP) header of a received packet and finds its
// SA. Sets *esp_off (where the ESP header starts) for the SA's burst
// function.
// The last SPI looked up in a burst and its SA: a burst nearly always
// carries one SA, so most packets skip the hash table.
struct SpiMemo {
  uint32_t spi = 0;
  Sa* sa = nullptr;
};

EspCounter classify(const SpiTable& table, SpiMemo& memo, rte_mbuf* m, Sa** out,
                    uint16_t* esp_off) {
  if (m->nb_segs != 1) return EspCounter::kMultiSegment;
  const uint8_t* p = rte_pktmbuf_mtod(m, const uint8_t*);
  uint32_t len = m->data_len;
  if (len < 20 || (p[0] >> 4) != 4) return EspCounter::kBadOuter;
  uint32_t ihl = uint32_t{p[0] & 15u} * 4;
  if (ihl < 20 || ihl > len) return EspCounter::kBadOuter;
  uint32_t tot = load_be16(p + 2);
  if (tot < ihl || tot > len) return EspCounter::kBadLength;
  // A NIC (or a stage before the engine) that verified the header says so
  // in the mbuf; then the sum is not computed a second time.
  if ((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) != RTE_MBUF_F_RX_IP_CKSUM_GOOD &&
      !ipv4_header_checksum_ok(p, ihl))
    return EspCounter::kBadOuter;
  if (load_be16(p + 6) & 0x3fff) return EspCounter::kFragment;
  uint32_t udp = 0;
  if (p[9] == IPPROTO_UDP) {
    if (tot - ihl < 8) return EspCounter::kTooShort;
    uint32_t ulen = load_be16(p + ihl + 4);
    if (ulen != tot - ihl) return EspCounter::kBadLength;
    const uint8_t* payload = p + ihl + 8;
    if (ulen - 8 == 1 && payload[0] == 0xff) return EspCounter::kNatKeepalive;
    if (ulen - 8 >= 4 && load_be32(payload) == 0) return EspCounter::kNotEsp;  // non-ESP marker
    udp = 8;
  } else if (p[9] != IPPROTO_ESP) {
    return EspCounter::kNotEsp;
  }
  if (tot - ihl - udp < 8) return EspCounter::kTooShort;
  const uint32_t spi = load_be32(p + ihl + udp);
  Sa* sa = memo.sa && memo.spi == spi ? memo.sa : table.lookup(spi);
  memo = {spi, sa};
  if (!sa || sa->direction() != Direction::kInbound) {
    // A UDP datagram to a port other than NAT-T's with no SA of ours is
    // ordinary traffic, not ESP with a stale SPI.
    if (udp && load_be16(p + ihl + 2) != kNatTPort) return EspCounter::kNotEsp;
    return EspCounter::kUnknownSpi;
  }
  if (sa->spec().udp_encap != (udp != 0)) return EspCounter::kEncapMismatch;
  if (tot < len) {  // Ethernet padding after the IP packet
    m->data_len = static_cast<uint16_t>(tot);
    m->pkt_len = tot;
  }
  *esp_off = static_cast<uint16_t>(ihl + udp);
  *out = sa;
  return EspCounter::kInOk;
}

}  // namespace

uint16_t sa_burst(EspCtx& ctx, Sa& sa, std::span<rte_mbuf*> pkts) {
  return sa.burst_(ctx, sa, pkts);
}

uint16_t esp_outbound(EspCtx& ctx, Sa& sa, std::span<rte_mbuf*> pkts) {
  if (pkts.size() > kMaxBurst) pkts = pkts.first(kMaxBurst);
  if (pkts.empty()) return 0;
  if (sa.direction() != Direction::kOutbound) {
    std::fill_n(ctx.verdict.begin(), pkts.size(), EspCounter::kUnknownSpi);
    return partition(ctx, pkts, ctx.verdict.data(), EspCounter::kOutOk, 0);
  }
  const uint16_t ok = sa_burst(ctx, sa, pkts);
  return partition(ctx, pkts, ctx.verdict.data(), EspCounter::kOutOk, ok);
}

uint16_t esp_inbound(EspCtx& ctx, const SpiTable& table, std::span<rte_mbuf*> pkts) {
  if (pkts.size() > kMaxBurst) pkts = pkts.first(kMaxBurst);
  const auto n = static_cast<uint16_t>(pkts.size());
  if (n == 0) return 0;
  EspCounter verdict[kMaxBurst];
  Sa* sa_of[kMaxBurst];
  SpiMemo memo;
  // Run each SA's burst function over its packets. Bursts normally carry
  // one SA and no junk: then the burst goes to it as it is.
  bool one_sa = true;
  for (uint16_t i = 0; i < n; ++i) {
    sa_of[i] = nullptr;
    verdict[i] = classify(table, memo, pkts[i], &sa_of[i], &ctx.esp_off[i]);
    one_sa &= sa_of[i] != nullptr && sa_of[i] == sa_of[0];
  }
  if (one_sa) {
    const uint16_t ok = sa_burst(ctx, *sa_of[0], pkts);
    return partition(ctx, pkts, ctx.verdict.data(), EspCounter::kInOk, ok);
  }
  rte_mbuf* group[kMaxBurst];
  uint16_t index[kMaxBurst];
  uint16_t esp_off[kMaxBurst];
  std::copy_n(ctx.esp_off.begin(), n, esp_off);
  uint16_t ok = 0;
  for (uint16_t first = 0; first < n; ++first) {
    Sa* sa = sa_of[first];
    if (!sa) continue;
    uint16_t g = 0;
    for (uint16_t i = first; i < n; ++i) {
      if (sa_of[i] != sa) continue;
      group[g] = pkts[i];
      ctx.esp_off[g] = esp_off[i];
      index[g++] = i;
      sa_of[i] = nullptr;
    }
    ok += sa_burst(ctx, *sa, std::span<rte_mbuf*>(group, g));
    for (uint16_t j = 0; j < g; ++j) verdict[index[j]] = ctx.verdict[j];
  }
  return partition(ctx, pkts, verdict, EspCounter::kInOk, ok);
}

}  // namespace keyway::dp
