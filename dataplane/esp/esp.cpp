#include "dataplane/esp/esp.h"

#include <rte_ip.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <cstring>

#include "dataplane/esp/esp_impl.h"

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
  uint8_t* esp_at[kMaxBurst];
  uint32_t esp_len[kMaxBurst];
  uint16_t ok = 0;
  SpiMemo memo;

  // A burst normally carries one SA and no junk. The first packet's SA
  // runs the whole burst and classifies each packet as the first stage of
  // its pipeline; what belongs to other SAs it leaves marked kOtherSa.
  Sa* first = nullptr;
  if (classify(table, memo, pkts[0], &first, &esp_at[0], &esp_len[0]) == EspCounter::kInOk) {
    ctx.classify_with = &table;
    ctx.other_sa = 0;
    ok = sa_burst(ctx, *first, pkts);
    ctx.classify_with = nullptr;
    if (ctx.other_sa == 0) return partition(ctx, pkts, ctx.verdict.data(), EspCounter::kInOk, ok);
    for (uint16_t i = 0; i < n; ++i) {
      sa_of[i] = nullptr;
      verdict[i] = ctx.verdict[i];
      if (verdict[i] == kOtherSa) verdict[i] = classify(table, memo, pkts[i], &sa_of[i], &esp_at[i], &esp_len[i]);
    }
  } else {
    for (uint16_t i = 0; i < n; ++i) {
      sa_of[i] = nullptr;
      verdict[i] = classify(table, memo, pkts[i], &sa_of[i], &esp_at[i], &esp_len[i]);
    }
  }
  // The rest, one SA's packets at a time, in arrival order.
  rte_mbuf* group[kMaxBurst];
  uint16_t index[kMaxBurst];
  for (uint16_t lead = 0; lead < n; ++lead) {
    Sa* sa = sa_of[lead];
    if (!sa) continue;
    uint16_t g = 0;
    for (uint16_t i = lead; i < n; ++i) {
      if (sa_of[i] != sa) continue;
      group[g] = pkts[i];
      ctx.esp_at[g] = esp_at[i];
      ctx.esp_len[g] = esp_len[i];
      index[g++] = i;
      sa_of[i] = nullptr;
    }
    ok += sa_burst(ctx, *sa, std::span<rte_mbuf*>(group, g));
    for (uint16_t j = 0; j < g; ++j) verdict[index[j]] = ctx.verdict[j];
  }
  return partition(ctx, pkts, verdict, EspCounter::kInOk, ok);
}

}  // namespace keyway::dp
