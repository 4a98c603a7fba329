// Per-lcore ESP counters. Every packet an ESP burst function touches ends
// in exactly one of these: a success counter or one named drop reason.
// The names are what `show` prints and what tests assert.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace keyway::dp {

enum class EspCounter : uint8_t {
  kOutOk,
  kInOk,
  // Drops, outbound and inbound.
  kMultiSegment,     // chained mbufs are not handled by the engine
  kSaExpired,        // hard lifetime reached or sequence space exhausted
  kBadInner,         // inner packet is not a well-formed IPv4/IPv6 packet
  // Drops, outbound.
  kSeqOverflow,      // the next sequence number would cycle (RFC 4303 3.3.3)
  kNoHeadroom,
  kNoTailroom,
  kTooBig,           // the ESP packet would exceed 65535 bytes
  // Drops, inbound.
  kNotEsp,           // neither IP protocol 50 nor ESP in UDP (incl. the non-ESP marker)
  kNatKeepalive,     // RFC 3948 NAT-keepalive (one 0xFF byte)
  kBadOuter,         // outer IPv4 header malformed, options-length or checksum wrong
  kFragment,         // outer IPv4 fragment; reassembly happens before the engine
  kTooShort,         // fewer bytes than the headers, IV, ICV and one block need
  kBadLength,        // a length field disagrees with the bytes present
  kNotBlockAligned,  // ciphertext is not a multiple of the cipher block
  kUnknownSpi,
  kEncapMismatch,    // UDP-encapsulated ESP on a plain SA, or the reverse
  kReplay,           // sequence number already received
  kReplayOld,        // sequence number left of the window
  kBadIcv,
  kBadPadding,       // pad length too long or pad bytes not 1, 2, 3, ...
  kBadNextHeader,    // next header is neither IPv4 (4) nor IPv6 (41)
  kTfcDummy,         // next header 59, a traffic-flow-confidentiality dummy
  kCryptoError,      // intel-ipsec-mb rejected a job (a bug if ever seen)
  kCount,
};

inline constexpr size_t kNumEspCounters = static_cast<size_t>(EspCounter::kCount);

inline constexpr std::array<std::string_view, kNumEspCounters> kEspCounterNames{
    "out_ok",        "in_ok",          "multi_segment", "sa_expired",     "bad_inner",
    "seq_overflow",  "no_headroom",    "no_tailroom",   "too_big",        "not_esp",
    "nat_keepalive", "bad_outer",      "fragment",      "too_short",      "bad_length",
    "not_block_aligned", "unknown_spi", "encap_mismatch", "replay",       "replay_old",
    "bad_icv",       "bad_padding",    "bad_next_header", "tfc_dummy",    "crypto_error",
};

inline constexpr std::string_view counter_name(EspCounter c) {
  return kEspCounterNames[static_cast<size_t>(c)];
}

struct EspCounters {
  std::array<uint64_t, kNumEspCounters> v{};
  void inc(EspCounter c) { ++v[static_cast<size_t>(c)]; }
  uint64_t operator[](EspCounter c) const { return v[static_cast<size_t>(c)]; }
  // Value by printed name; returns 0 for a name that does not exist, so
  // tests should use has_counter() first when the name is computed.
  uint64_t by_name(std::string_view name) const {
    for (size_t i = 0; i < kNumEspCounters; ++i)
      if (kEspCounterNames[i] == name) return v[i];
    return 0;
  }
  uint64_t drops() const {
    uint64_t sum = 0;
    for (size_t i = 2; i < kNumEspCounters; ++i) sum += v[i];
    return sum;
  }
};

}  // namespace keyway::dp
