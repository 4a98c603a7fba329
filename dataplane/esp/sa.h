// An installed ESP security association: the immutable control record
// (spec, expanded keys, header template, the burst functions chosen for its
// transform) and the hot runtime that one worker mutates per packet
// (sequence number, replay window, lifetime counters).
//
// Ownership: created by the control thread with Sa::create(); after it is
// handed to a worker only that worker touches the runtime, and the control
// thread reads nothing but the atomics in SaRuntime (flags, packets,
// bytes). Keys are wiped in the destructor.
#pragma once

#include <intel-ipsec-mb.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "dataplane/api/sa_spec.h"
#include "dataplane/esp/replay.h"

struct rte_mbuf;

namespace keyway::dp {

struct EspCtx;
class Sa;

// The per-SA burst function, selected at install from (direction,
// transform, encapsulation, ESN). It leaves a verdict per packet in
// ctx.verdict and returns how many passed; esp.cpp's entry points then
// order and count them (esp.h gives that contract).
using EspBurstFn = uint16_t (*)(EspCtx& ctx, Sa& sa, std::span<rte_mbuf*> pkts);

// Keys in the form intel-ipsec-mb consumes them, expanded once.
struct alignas(64) SaKeys {
  gcm_key_data gcm;                          // AES-GCM: round keys + GHASH tables
  alignas(16) uint8_t aes_enc[16 * 15];      // AES-CBC encryption schedule
  alignas(16) uint8_t aes_dec[16 * 15];      // AES-CBC decryption schedule
  alignas(16) uint8_t iv_key_enc[16 * 11];   // AES-128 schedule that makes CBC IVs
  alignas(16) uint64_t des_ks[3][16];        // 3DES: three DES schedules
  const void* des_ks_ptr[3];
  alignas(16) uint8_t ipad[32];              // HMAC inner state after key ^ ipad
  alignas(16) uint8_t opad[32];              // HMAC outer state after key ^ opad
  uint8_t salt[4];                           // GCM salt (RFC 4106 3.1)
  uint8_t iv_nonce[8];                       // random per SA, mixed into CBC IVs
  uint8_t test_iv[16];                       // create_with_fixed_iv() only
};

// Lifetime flags. The volume ones the worker raises (and reports as
// events); the time ones the control thread raises (and reports itself),
// kept apart so that each expiry is reported once, by whoever saw it.
enum SaFlag : uint32_t {
  kSaSoftExpired = 1u << 0,
  kSaHardExpired = 1u << 1,
  kSaSoftExpiredTime = 1u << 2,
  kSaHardExpiredTime = 1u << 3,
};

struct alignas(64) SaRuntime {
  uint64_t seq = 0;      // outbound: last sequence number sent
  // Packets and inner bytes processed successfully. One writer (the
  // worker, with relaxed load + store, no locked instruction); the control
  // thread may read them at any time for `show crypto ipsec sa`.
  std::atomic<uint64_t> packets{0};
  std::atomic<uint64_t> bytes{0};
  std::atomic<uint32_t> flags{0};
  ReplayWindow replay;   // inbound only
};

class Sa {
 public:
  // Expands keys with `mgr` (any initialised manager; the control thread
  // keeps its own). Returns null and sets *error when the spec is invalid or
  // randomness for the CBC IV generator could not be obtained.
  static std::unique_ptr<Sa> create(const SaSpec& spec, Direction dir, IMB_MGR* mgr,
                                    std::string* error);
  // Known-answer tests only: an outbound SA that uses `iv` for every
  // packet instead of generating IVs. Never reachable from a SPEC string,
  // because a repeated IV breaks both GCM and CBC.
  static std::unique_ptr<Sa> create_with_fixed_iv_for_test(const SaSpec& spec, IMB_MGR* mgr,
                                                           const uint8_t* iv, std::string* error);
  ~Sa();
  Sa(const Sa&) = delete;
  Sa& operator=(const Sa&) = delete;

  const SaSpec& spec() const { return spec_; }
  const TransformInfo& info() const { return *info_; }
  Direction direction() const { return dir_; }
  uint32_t spi() const { return spec_.spi; }
  bool soft_expired() const { return rt_.flags.load(std::memory_order_relaxed) & kSaSoftExpired; }
  uint32_t flags() const { return rt_.flags.load(std::memory_order_relaxed); }
  bool hard_expired() const {
    return rt_.flags.load(std::memory_order_relaxed) & (kSaHardExpired | kSaHardExpiredTime);
  }
  // Any thread (the flags are the one part of the runtime shared with the
  // control thread): a time lifetime ran out. After a hard one, every
  // burst the worker starts drops the SA's packets (fail closed).
  void expire_by_time(bool hard) {
    rt_.flags.fetch_or(hard ? kSaHardExpiredTime : kSaSoftExpiredTime, std::memory_order_relaxed);
  }
  // Any thread.
  uint64_t packets() const { return rt_.packets.load(std::memory_order_relaxed); }
  uint64_t bytes() const { return rt_.bytes.load(std::memory_order_relaxed); }
  uint64_t seq() const { return rt_.seq; }
  uint64_t replay_highest() const { return rt_.replay.highest(); }

  // Outer header bytes the engine puts in front of the ESP header.
  uint16_t outer_len() const { return outer_len_; }

 private:
  Sa() = default;
  friend struct EspImpl;  // the burst functions in outbound.cpp / inbound.cpp

  // Called after a packet was processed successfully: counts it against
  // the lifetimes and raises flags at the soft and hard limits.
  void account(uint32_t inner_bytes) {
    const uint64_t packets = rt_.packets.load(std::memory_order_relaxed) + 1;
    const uint64_t bytes = rt_.bytes.load(std::memory_order_relaxed) + inner_bytes;
    rt_.packets.store(packets, std::memory_order_relaxed);
    rt_.bytes.store(bytes, std::memory_order_relaxed);
    if ((soft_bytes_ && bytes >= soft_bytes_) || (soft_packets_ && packets >= soft_packets_))
      rt_.flags.fetch_or(kSaSoftExpired, std::memory_order_relaxed);
    if (hard_limit_reached()) rt_.flags.fetch_or(kSaHardExpired, std::memory_order_relaxed);
  }
  // True when `n` more packets (of at most 65535 inner bytes each) cannot
  // reach a hard lifetime: the burst functions may then count the whole
  // burst with account_burst() instead of checking every packet.
  bool burst_within_hard_limits(uint32_t n) const {
    return (!hard_packets_ || packets() + n < hard_packets_) &&
           (!hard_bytes_ || bytes() + uint64_t{n} * 65535 < hard_bytes_);
  }
  // account() for `n` packets of `inner_bytes` in total, one update.
  void account_burst(uint32_t n, uint64_t inner_bytes) {
    if (n == 0) return;
    const uint64_t packets = rt_.packets.load(std::memory_order_relaxed) + n;
    const uint64_t bytes = rt_.bytes.load(std::memory_order_relaxed) + inner_bytes;
    rt_.packets.store(packets, std::memory_order_relaxed);
    rt_.bytes.store(bytes, std::memory_order_relaxed);
    if ((soft_bytes_ && bytes >= soft_bytes_) || (soft_packets_ && packets >= soft_packets_))
      rt_.flags.fetch_or(kSaSoftExpired, std::memory_order_relaxed);
  }
  // True once the packets or bytes processed reach a hard lifetime. The
  // burst functions check it per packet, because kSaHardExpired is only
  // read once per burst (and is also raised by sequence exhaustion, which
  // does not affect packets numbered before it).
  bool hard_limit_reached() const {
    return (hard_bytes_ && bytes() >= hard_bytes_) || (hard_packets_ && packets() >= hard_packets_);
  }

  // --- control record: immutable after create() ---
  SaSpec spec_;
  const TransformInfo* info_ = nullptr;
  Direction dir_ = Direction::kOutbound;
  EspBurstFn burst_ = nullptr;
  uint64_t soft_bytes_ = 0, hard_bytes_ = 0, soft_packets_ = 0, hard_packets_ = 0;
  uint16_t outer_len_ = 0;     // 20, or 28 with UDP encapsulation
  uint16_t header_len_ = 0;    // outer_len_ + ESP header + IV
  uint8_t iv_len_ = 0, block_mask_ = 0, icv_len_ = 0;
  // Outer IPv4 (+ UDP) header and SPI with the per-SA fields filled in;
  // the per-packet ones (TOS, length, ID, DF, TTL, checksum, UDP length)
  // are zero. csum_base_ is the one's-complement sum of the template.
  alignas(16) uint8_t hdr_tmpl_[32] = {};
  uint32_t csum_base_ = 0;
  SaKeys keys_;

  // --- hot runtime: the owning worker only ---
  SaRuntime rt_;

  friend uint16_t sa_burst(EspCtx& ctx, Sa& sa, std::span<rte_mbuf*> pkts);
};

static_assert(alignof(Sa) == 64);
static_assert(sizeof(SaRuntime) % 64 == 0);

}  // namespace keyway::dp
