#include "dataplane/api/sa_spec.h"

#include <array>
#include <charconv>
#include <cstdio>

namespace keyway::dp {
namespace {

constexpr std::array<TransformInfo, kNumTransforms> kTransforms{{
    {Transform::kAes128Gcm, "aes128gcm", "ENCR_AES_GCM_16 (128)", 16, 4, 0, 8, 4, 16, true, false},
    {Transform::kAes256Gcm, "aes256gcm", "ENCR_AES_GCM_16 (256)", 32, 4, 0, 8, 4, 16, true, false},
    {Transform::kAes128CbcSha256, "aes128cbc-sha256", "ENCR_AES_CBC (128) + AUTH_HMAC_SHA2_256_128",
     16, 0, 32, 16, 16, 16, false, false},
    {Transform::kAes256CbcSha256, "aes256cbc-sha256", "ENCR_AES_CBC (256) + AUTH_HMAC_SHA2_256_128",
     32, 0, 32, 16, 16, 16, false, false},
    {Transform::kDes3CbcSha1, "3des-sha1", "ENCR_3DES + AUTH_HMAC_SHA1_96", 24, 0, 20, 8, 8, 12,
     false, true},
}};

std::optional<uint64_t> parse_u64(std::string_view s) {
  if (s.empty()) return std::nullopt;
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s.remove_prefix(2);
    base = 16;
  }
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

SpecResult fail(std::string field, std::string message) {
  return SpecResult{std::nullopt, SpecError{std::move(field), std::move(message)}};
}

std::string hex(const std::vector<uint8_t>& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

}  // namespace

const TransformInfo& transform_info(Transform t) {
  return kTransforms[static_cast<size_t>(t)];
}

std::optional<Transform> transform_from_name(std::string_view name) {
  for (const auto& t : kTransforms)
    if (t.name == name) return t.id;
  return std::nullopt;
}

std::string SpecError::to_string() const {
  return field.empty() ? message : "field '" + field + "': " + message;
}

std::optional<uint32_t> parse_ipv4(std::string_view text) {
  uint32_t addr = 0;
  for (int i = 0; i < 4; ++i) {
    size_t dot = text.find('.');
    std::string_view part = (i < 3) ? text.substr(0, dot) : text;
    if ((i < 3 && dot == std::string_view::npos) || part.empty() || part.size() > 3)
      return std::nullopt;
    unsigned v = 0;
    auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), v, 10);
    if (ec != std::errc() || p != part.data() + part.size() || v > 255) return std::nullopt;
    addr = (addr << 8) | v;
    if (i < 3) text.remove_prefix(dot + 1);
  }
  return addr;
}

std::string format_ipv4(uint32_t a) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
  return buf;
}

std::optional<std::vector<uint8_t>> parse_hex(std::string_view text) {
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) text.remove_prefix(2);
  if (text.size() % 2 != 0) return std::nullopt;
  std::vector<uint8_t> out;
  out.reserve(text.size() / 2);
  for (size_t i = 0; i < text.size(); i += 2) {
    uint8_t v = 0;
    auto [p, ec] = std::from_chars(text.data() + i, text.data() + i + 2, v, 16);
    if (ec != std::errc() || p != text.data() + i + 2) return std::nullopt;
    out.push_back(v);
  }
  return out;
}

std::optional<SpecError> validate(const SaSpec& s) {
  const TransformInfo& t = transform_info(s.transform);
  if (s.spi < 256)
    return SpecError{"spi", "SPI values 0..255 are reserved (RFC 4303 2.1); got " +
                                std::to_string(s.spi)};
  size_t want_key = size_t{t.cipher_key_len} + t.salt_len;
  if (s.key.size() != want_key)
    return SpecError{"key", "expected " + std::to_string(want_key * 2) + " hex digits (" +
                                std::to_string(t.cipher_key_len) + "-byte key" +
                                (t.salt_len ? " + " + std::to_string(t.salt_len) + "-byte salt" : "") +
                                ") for " + std::string(t.name) + ", got " +
                                std::to_string(s.key.size() * 2)};
  if (t.aead && !s.auth_key.empty())
    return SpecError{"auth-key", std::string(t.name) + " is an AEAD transform and takes no auth-key"};
  if (!t.aead && s.auth_key.size() != t.auth_key_len)
    return SpecError{"auth-key", "expected " + std::to_string(t.auth_key_len * 2) +
                                     " hex digits for " + std::string(t.name) + ", got " +
                                     std::to_string(s.auth_key.size() * 2)};
  if (s.src == 0) return SpecError{"src", "missing tunnel source address"};
  if (s.dst == 0) return SpecError{"dst", "missing tunnel destination address"};
  if (s.udp_encap && (s.encap_sport == 0 || s.encap_dport == 0))
    return SpecError{"encap", "UDP ports must be 1..65535"};
  if (!s.esn && s.seq > UINT32_MAX)
    return SpecError{"seq", "above 2^32-1 needs esn=on"};
  if (s.replay_window != 0 &&
      (s.replay_window < kMinReplayWindow || s.replay_window > kMaxReplayWindow))
    return SpecError{"replay-window", "must be " + std::to_string(kMinReplayWindow) + ".." +
                                          std::to_string(kMaxReplayWindow) + " or off, got " +
                                          std::to_string(s.replay_window)};
  if (s.soft_bytes && s.hard_bytes && s.soft_bytes > s.hard_bytes)
    return SpecError{"soft-bytes", "larger than hard-bytes"};
  if (s.soft_packets && s.hard_packets && s.soft_packets > s.hard_packets)
    return SpecError{"soft-packets", "larger than hard-packets"};
  if (s.soft_seconds && s.hard_seconds && s.soft_seconds > s.hard_seconds)
    return SpecError{"soft-seconds", "larger than hard-seconds"};
  return std::nullopt;
}

SpecResult parse_sa_spec(std::string_view text) {
  SaSpec s;
  bool have_spi = false, have_transform = false, have_key = false;
  std::vector<std::string> seen;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    text = (comma == std::string_view::npos) ? std::string_view{} : text.substr(comma + 1);
    if (comma != std::string_view::npos && text.empty()) return fail("", "trailing ','");
    size_t eq = item.find('=');
    if (item.empty()) return fail("", "empty field (two ',' in a row?)");
    if (eq == std::string_view::npos || eq == 0)
      return fail(std::string(item), "expected key=value");
    std::string key(item.substr(0, eq));
    std::string_view val = item.substr(eq + 1);
    for (const auto& k : seen)
      if (k == key) return fail(key, "given twice");
    seen.push_back(key);
    if (val.empty()) return fail(key, "empty value");

    if (key == "spi") {
      auto v = parse_u64(val);
      if (!v || *v > UINT32_MAX) return fail(key, "expected a 32-bit number (decimal or 0x hex)");
      s.spi = static_cast<uint32_t>(*v);
      have_spi = true;
    } else if (key == "transform") {
      auto t = transform_from_name(val);
      if (!t)
        return fail(key, "unknown transform '" + std::string(val) +
                             "' (aes128gcm, aes256gcm, aes128cbc-sha256, aes256cbc-sha256, "
                             "3des-sha1)");
      s.transform = *t;
      have_transform = true;
    } else if (key == "key" || key == "auth-key") {
      auto bytes = parse_hex(val);
      if (!bytes) return fail(key, "expected an even number of hex digits");
      (key == "key" ? s.key : s.auth_key) = std::move(*bytes);
      have_key |= key == "key";
    } else if (key == "src" || key == "dst") {
      auto a = parse_ipv4(val);
      if (!a || *a == 0) return fail(key, "expected an IPv4 address, got '" + std::string(val) + "'");
      (key == "src" ? s.src : s.dst) = *a;
    } else if (key == "encap") {
      if (val == "udp") {
        s.udp_encap = true;
      } else if (val.substr(0, 4) == "udp:") {
        std::string_view ports = val.substr(4);
        size_t colon = ports.find(':');
        auto sp = parse_u64(ports.substr(0, colon));
        auto dp = colon == std::string_view::npos ? std::nullopt : parse_u64(ports.substr(colon + 1));
        if (!sp || !dp || *sp == 0 || *dp == 0 || *sp > 65535 || *dp > 65535)
          return fail(key, "expected udp or udp:SPORT:DPORT with ports 1..65535");
        s.udp_encap = true;
        s.encap_sport = static_cast<uint16_t>(*sp);
        s.encap_dport = static_cast<uint16_t>(*dp);
      } else if (val != "none") {
        return fail(key, "expected udp, udp:SPORT:DPORT or none");
      }
    } else if (key == "esn") {
      if (val != "on" && val != "off") return fail(key, "expected on or off");
      s.esn = val == "on";
    } else if (key == "replay-window") {
      if (val == "off") {
        s.replay_window = 0;
      } else {
        auto v = parse_u64(val);
        if (!v || *v > UINT32_MAX) return fail(key, "expected a number or off");
        s.replay_window = static_cast<uint32_t>(*v);
      }
    } else if (key == "seq" || key == "soft-bytes" || key == "hard-bytes" ||
               key == "soft-packets" || key == "hard-packets" || key == "soft-seconds" ||
               key == "hard-seconds") {
      auto v = parse_u64(val);
      if (!v) return fail(key, "expected a number");
      if (key == "seq") s.seq = *v;
      else if (key == "soft-bytes") s.soft_bytes = *v;
      else if (key == "hard-bytes") s.hard_bytes = *v;
      else if (key == "soft-packets") s.soft_packets = *v;
      else if (key == "hard-packets") s.hard_packets = *v;
      else if (*v > UINT32_MAX) return fail(key, "at most 4294967295 seconds");
      else if (key == "soft-seconds") s.soft_seconds = static_cast<uint32_t>(*v);
      else s.hard_seconds = static_cast<uint32_t>(*v);
    } else {
      return fail(key, "unknown field (spi, transform, key, auth-key, src, dst, encap, esn, seq, "
                       "replay-window, soft-bytes, hard-bytes, soft-packets, hard-packets, soft-seconds, "
                       "hard-seconds)");
    }
  }
  if (!have_spi) return fail("spi", "missing");
  if (!have_transform) return fail("transform", "missing");
  if (!have_key) return fail("key", "missing");
  if (auto err = validate(s)) return SpecResult{std::nullopt, *err};
  return SpecResult{std::move(s), {}};
}

std::string format_sa_spec(const SaSpec& s) {
  char spi[16];
  std::snprintf(spi, sizeof spi, "0x%08x", s.spi);
  std::string out = "spi=" + std::string(spi) + ",transform=" +
                    std::string(transform_info(s.transform).name) + ",key=" + hex(s.key);
  if (!s.auth_key.empty()) out += ",auth-key=" + hex(s.auth_key);
  out += ",src=" + format_ipv4(s.src) + ",dst=" + format_ipv4(s.dst);
  if (s.udp_encap)
    out += ",encap=udp:" + std::to_string(s.encap_sport) + ":" + std::to_string(s.encap_dport);
  if (s.esn) out += ",esn=on";
  if (s.seq) out += ",seq=" + std::to_string(s.seq);
  if (s.replay_window != kDefaultReplayWindow)
    out += ",replay-window=" + (s.replay_window ? std::to_string(s.replay_window) : "off");
  if (s.soft_bytes) out += ",soft-bytes=" + std::to_string(s.soft_bytes);
  if (s.hard_bytes) out += ",hard-bytes=" + std::to_string(s.hard_bytes);
  if (s.soft_packets) out += ",soft-packets=" + std::to_string(s.soft_packets);
  if (s.soft_seconds) out += ",soft-seconds=" + std::to_string(s.soft_seconds);
  if (s.hard_seconds) out += ",hard-seconds=" + std::to_string(s.hard_seconds);
  if (s.hard_packets) out += ",hard-packets=" + std::to_string(s.hard_packets);
  return out;
}

}  // namespace keyway::dp
