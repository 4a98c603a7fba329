// The ESP engine: burst functions that turn inner packets into ESP tunnel
// packets and back, on rte_mbuf arrays, with intel-ipsec-mb doing the
// crypto.
//
// Threading: an EspCtx belongs to one lcore (its IMB_MGR, scratch and
// counters are unsynchronised); an Sa's runtime belongs to the lcore that
// processes it. Nothing here allocates, locks or makes a syscall per
// packet.
//
// Burst contract (as DPDK's rte_ipsec): at most kMaxBurst packets per call
// (a longer span is processed up to kMaxBurst and the rest left untouched;
// the caller loops). On return the good packets are at the front of the
// span, in their original order, and the function returns how many there
// are; the dropped ones follow, each counted under exactly one named
// counter in ctx.counters, with its reason in ctx.drop_reason[k] for the
// k-th dropped packet. The caller frees dropped packets.
//
// Packet layout: outbound input starts at the inner IP header (data_off
// points at it) and output at the outer IPv4 header; inbound the reverse.
// Mbufs must be single-segment; the outer headers need sa.outer_len() + 8 +
// IV bytes of headroom (RTE_PKTMBUF_HEADROOM is plenty) and the trailer up
// to block + 2 + ICV bytes of tailroom.
#pragma once

#include <intel-ipsec-mb.h>

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "dataplane/esp/counters.h"
#include "dataplane/esp/sa.h"

struct rte_mbuf;

namespace keyway::dp {

class SpiTable;

inline constexpr uint16_t kMaxBurst = 128;

// Per-packet scratch the crypto stage reads and writes.
struct alignas(64) PktScratch {
  uint8_t icv[32];        // computed ICV (inbound) before the compare
  uint8_t saved_icv[16];  // received ICV when ESN bits occupy its place
  uint8_t nonce[16];      // GCM: salt || explicit IV
  uint8_t aad[16];        // GCM with ESN: SPI || seq hi || seq lo
  uint8_t* esp = nullptr;  // ESP header inside the packet
  uint32_t ct_len = 0;     // bytes to encrypt/decrypt (payload+pad+trailer)
  uint32_t inner_len = 0;  // the inner IP packet's length
  uint64_t seq = 0;        // full (64-bit) sequence number
};

struct EspCtx {
  // Allocates and initialises the intel-ipsec-mb manager for this CPU.
  // Returns null and sets *error on failure.
  static std::unique_ptr<EspCtx> create(std::string* error);
  ~EspCtx();
  EspCtx(const EspCtx&) = delete;
  EspCtx& operator=(const EspCtx&) = delete;

  // "AVX512", "AVX2", "SSE", ...: the code path intel-ipsec-mb picked.
  const char* arch_name() const;

  IMB_MGR* mgr = nullptr;
  EspCounters counters;
  std::array<EspCounter, kMaxBurst> drop_reason{};

  // Scratch for one burst; not meaningful between calls.
  uint16_t ip_id = 0;
  std::array<EspCounter, kMaxBurst> verdict{};
  // Inbound, for a burst classified before its SA's burst function runs:
  // where each packet's ESP header starts and how many bytes from there to
  // the end of the IP packet. Kept here rather than in the mbuf's
  // l3_len/l4_len, which live in its second cache line: a line the
  // receive path need not have touched, one cache miss a packet.
  std::array<uint8_t*, kMaxBurst> esp_at{};
  std::array<uint32_t, kMaxBurst> esp_len{};
  // Inbound: set while an SA's burst function classifies a whole received
  // burst itself; it counts the packets it left for other SAs.
  const SpiTable* classify_with = nullptr;
  uint16_t other_sa = 0;
  std::array<PktScratch, kMaxBurst> scratch{};
  alignas(64) uint8_t iv_blocks[kMaxBurst][16];
  alignas(64) gcm_context_data gcm_ctx;
  std::array<IMB_JOB, kMaxBurst> jobs{};  // for the synchronous cipher/hash bursts
  std::array<uint16_t, kMaxBurst> job_pkt{};  // jobs[j] belongs to packet job_pkt[j]

 private:
  EspCtx() = default;
  int arch_ = 0;
};

// Maps SPIs to inbound SAs: open addressing, built and changed by the
// control thread only; lookup() is safe for the one worker that reads a
// table nobody is changing (the runtime gives each worker its own copy).
class SpiTable {
 public:
  explicit SpiTable(uint32_t capacity_pow2 = 1024);
  // False if the SPI is already present or the table is full.
  bool insert(Sa* sa);
  bool erase(uint32_t spi);
  Sa* lookup(uint32_t spi) const {
    uint32_t i = hash(spi) & mask_;
    for (uint32_t n = 0; n <= mask_; ++n, i = (i + 1) & mask_) {
      Sa* s = slots_[i];
      if (!s) return nullptr;
      if (s->spi() == spi) return s;
    }
    return nullptr;
  }
  uint32_t size() const { return size_; }

 private:
  static uint32_t hash(uint32_t spi) { return spi * 0x9E3779B1u; }
  std::vector<Sa*> slots_;
  uint32_t mask_ = 0;
  uint32_t size_ = 0;
};

// Encrypts inner packets with one outbound SA.
uint16_t esp_outbound(EspCtx& ctx, Sa& sa, std::span<rte_mbuf*> pkts);

// Decrypts ESP packets (IP protocol 50, or ESP in UDP per RFC 3948) with the
// inbound SAs in `table`; packets of different SAs may be mixed.
uint16_t esp_inbound(EspCtx& ctx, const SpiTable& table, std::span<rte_mbuf*> pkts);

}  // namespace keyway::dp
