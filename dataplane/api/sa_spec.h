// The static description of one ESP security association: the contract
// between whoever creates SAs (the `keyway esp` tool, manual keying in the
// configuration, the IKE daemons) and the data plane. No DPDK includes.
//
// A SaSpec is a plain value. It is checked once by validate() or produced by
// parse_sa_spec(); the data plane only ever sees valid specs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keyway::dp {

enum class Transform : uint8_t {
  kAes128Gcm,        // RFC 4106, ICV 16
  kAes256Gcm,        // RFC 4106, ICV 16
  kAes128CbcSha256,  // RFC 3602 + RFC 4868 HMAC-SHA-256-128
  kAes256CbcSha256,  // RFC 3602 + RFC 4868 HMAC-SHA-256-128
  kDes3CbcSha1,      // RFC 2451 + RFC 2404 HMAC-SHA1-96; deprecated (RFC 8221)
};
inline constexpr int kNumTransforms = 5;

// Fixed properties of a transform, in wire terms.
struct TransformInfo {
  Transform id;
  std::string_view name;      // the SPEC spelling, e.g. "aes128gcm"
  std::string_view rfc_name;  // e.g. "ENCR_AES_GCM_16 (128)"
  uint8_t cipher_key_len;     // bytes, without the GCM salt
  uint8_t salt_len;           // 4 for GCM, 0 otherwise
  uint8_t auth_key_len;       // 0 for AEAD
  uint8_t iv_len;             // explicit IV carried in each packet
  uint8_t block_len;          // payload alignment (RFC 4303 2.4)
  uint8_t icv_len;
  bool aead;
  bool deprecated;            // RFC 8221 SHOULD NOT / MUST-
};

const TransformInfo& transform_info(Transform t);
std::optional<Transform> transform_from_name(std::string_view name);

enum class Direction : uint8_t { kOutbound, kInbound };

inline constexpr uint16_t kNatTPort = 4500;
inline constexpr uint32_t kMinReplayWindow = 64;
inline constexpr uint32_t kMaxReplayWindow = 4096;
inline constexpr uint32_t kDefaultReplayWindow = 64;

struct SaSpec {
  uint32_t spi = 0;
  Transform transform = Transform::kAes128Gcm;
  std::vector<uint8_t> key;       // cipher key; for GCM key || 4-byte salt
  std::vector<uint8_t> auth_key;  // CBC transforms only
  uint32_t src = 0;               // outer IPv4 source, host byte order
  uint32_t dst = 0;               // outer IPv4 destination, host byte order
  bool udp_encap = false;         // RFC 3948
  uint16_t encap_sport = kNatTPort;
  uint16_t encap_dport = kNatTPort;
  bool esn = false;               // RFC 4303 extended sequence numbers
  // Outbound: the last sequence number already sent (the next is seq + 1).
  // Inbound: the highest sequence number already received.
  uint64_t seq = 0;
  // Inbound anti-replay window in packets (64..4096). 0 switches replay
  // checking off; only benchmarks with looping captures want that, and the
  // SPEC syntax spells it "replay-window=off".
  uint32_t replay_window = kDefaultReplayWindow;
  // Lifetimes; 0 means unlimited. Soft limits raise an event, hard limits
  // make the SA drop every further packet (fail closed).
  uint64_t soft_bytes = 0, hard_bytes = 0;
  uint64_t soft_packets = 0, hard_packets = 0;
  // Time lifetimes in seconds from install; 0 means unlimited. Enforced by
  // the control thread (SaControl::poll), which raises the event and, at
  // the hard limit, makes the SA drop every further packet.
  uint32_t soft_seconds = 0, hard_seconds = 0;
};

// A parse or validation failure: which field, and why, in words a user can
// act on ("field 'key': expected 40 hex digits (16-byte key + 4-byte salt)
// for aes128gcm, got 32").
struct SpecError {
  std::string field;
  std::string message;
  std::string to_string() const;
};

// Checks lengths and ranges. Returns the first problem found.
std::optional<SpecError> validate(const SaSpec& spec);

// Parses the comma-separated key=value SPEC format that every keyway command
// accepting a static SA uses:
//   spi=0x1000,transform=aes128gcm,key=HEX,src=IPV4,dst=IPV4
//   [,auth-key=HEX][,encap=udp|udp:SPORT:DPORT][,esn=on|off][,seq=N]
//   [,replay-window=N|off][,soft-bytes=N][,hard-bytes=N]
//   [,soft-packets=N][,hard-packets=N]
// Unknown and repeated fields are errors. The result is validated.
struct SpecResult {
  std::optional<SaSpec> spec;
  SpecError error;  // meaningful when !spec
};
SpecResult parse_sa_spec(std::string_view text);

// Formats a spec back into the SPEC syntax (keys included), so that logs
// and tests can round-trip it.
std::string format_sa_spec(const SaSpec& spec);

// Helpers shared with other parsers.
std::optional<uint32_t> parse_ipv4(std::string_view text);  // host order
std::string format_ipv4(uint32_t host_order);
std::optional<std::vector<uint8_t>> parse_hex(std::string_view text);

}  // namespace keyway::dp
