// keyway's own `dataplane` lines, which IOS does not have: `dataplane port`
// and `dataplane mbufs` (global) bind interfaces to DPDK ports and size the
// packet pool; `dataplane manual-sa` (in `interface TunnelN`) keys a tunnel
// statically, for labs without IKE.
#include <array>
#include <bit>
#include <cctype>
#include <charconv>

#include "control/config/command_table.h"
#include "control/config/handler_util.h"

namespace keyway::config {
namespace {

// Options after a command's fixed arguments come in any order, each once.
bool first_time(Args& a, bool& seen) {
  if (seen) {
    a.fail_last("option given twice", "each option at most once");
    return false;
  }
  seen = true;
  return true;
}

// A descriptor ring size; DPDK drivers want powers of two.
std::optional<uint16_t> read_ring_size(Args& a) {
  auto n = a.number(64, 4096, "descriptors, a power of two");
  if (!n) return std::nullopt;
  if (!std::has_single_bit(*n)) {
    a.fail_last("ring size not a power of two", "64, 128, 256, 512, 1024, 2048 or 4096");
    return std::nullopt;
  }
  return static_cast<uint16_t>(*n);
}

// dataplane port INTERFACE DEVICE [mtu N] [rx-desc N] [tx-desc N]. DEVICE
// is whatever EAL calls the port (a vdev name or a PCI address); EAL checks
// it when the daemon starts. That INTERFACE is an Ethernet interface is
// checked by validation, since the interface may be defined further down.
void dataplane_port(Session& s, Args& a) {
  DataplaneBinding b;
  b.at = a.here();
  auto ifname = a.interface_name();
  b.device_at = a.here();
  auto device = a.word("a DPDK device name such as net_af_packet0 or 0000:01:00.0");
  if (!ifname || !device) return;
  b.interface = NameRef{ifname->canonical, b.at};
  b.device = std::string(*device);
  std::array<bool, 3> seen{};
  while (a.ok() && !a.done()) {
    auto k = a.keyword({"mtu", "rx-desc", "tx-desc"});
    if (!k || !first_time(a, seen[*k])) return;
    if (*k == 0) {
      if (auto mtu = a.number(576, 9000, "IP MTU in bytes")) b.mtu = static_cast<uint16_t>(*mtu);
    } else if (auto n = read_ring_size(a)) {
      (*k == 1 ? b.rx_desc : b.tx_desc) = *n;
    }
  }
  if (!a.end()) return;
  s.config.dataplane_ports.push_back(std::move(b));
}

// dataplane mbufs N: the packet buffer pool shared by every port and worker.
void dataplane_mbufs(Session& s, Args& a) {
  auto n = a.number(1024, 1048576, "packet buffers");
  if (!n || !a.end()) return;
  s.config.dataplane_mbufs = *n;
}

// Decimal or 0x hex; nullopt unless all of `text` is a number. Values past
// 64 bits saturate, so that they read as out of range rather than as not a
// number.
std::optional<uint64_t> parse_decimal_or_hex(std::string_view text) {
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    text.remove_prefix(2);
    base = 16;
  }
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v, base);
  if (p != text.data() + text.size() || text.empty()) return std::nullopt;
  if (ec == std::errc::result_out_of_range) return UINT64_MAX;
  if (ec != std::errc()) return std::nullopt;
  return v;
}

// spi SPI: SPIs 0..255 are reserved (RFC 4303 2.1).
std::optional<uint32_t> read_spi(Args& a) {
  constexpr std::string_view kExpected =
      "256-4294967295 or 0x100-0xffffffff (SPI; 0-255 are reserved)";
  auto w = a.word(kExpected);
  if (!w) return std::nullopt;
  auto v = parse_decimal_or_hex(*w);
  if (!v) {
    a.fail_last("not a number", kExpected);
    return std::nullopt;
  }
  if (*v < 256 || *v > UINT32_MAX) {
    a.fail_last("number out of range", kExpected);
    return std::nullopt;
  }
  return static_cast<uint32_t>(*v);
}

// transform NAME: a name of the SA SPEC syntax (dataplane/api/sa_spec.h),
// in any case, as keywords are.
std::optional<dp::Transform> read_transform(Args& a) {
  auto w = a.word(sa_transform_names());
  if (!w) return std::nullopt;
  std::string name(*w);
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto t = dp::transform_from_name(name);
  if (!t) {
    a.fail_last("unknown transform", sa_transform_names());
    return std::nullopt;
  }
  warn_if_deprecated(a, sa_transform_deprecation(*t));
  return t;
}

// key HEX or auth-key HEX, optionally 0x-prefixed, exactly as long as the
// transform needs: the cipher key (GCM: followed by its 4-byte salt, as
// RFC 4106 and Wireshark write it) or the HMAC key.
std::optional<std::vector<uint8_t>> read_key(Args& a, dp::Transform t, bool auth) {
  const dp::TransformInfo& info = dp::transform_info(t);
  size_t bytes = auth ? info.auth_key_len : size_t{info.cipher_key_len} + info.salt_len;
  std::string parts = auth ? std::to_string(info.auth_key_len) + "-byte HMAC key"
                           : std::to_string(info.cipher_key_len) + "-byte key";
  if (!auth && info.salt_len) parts += " + " + std::to_string(info.salt_len) + "-byte salt";
  std::string expected =
      std::to_string(bytes * 2) + " hex digits (" + parts + ") for " + std::string(info.name);
  auto w = a.word(expected);
  if (!w) return std::nullopt;
  auto key = dp::parse_hex(*w);
  if (!key) {
    a.fail_last("bad key (not an even number of hex digits)", expected);
    return std::nullopt;
  }
  if (key->size() != bytes) {
    a.fail_last("wrong key length (" + std::to_string(key->size()) + " bytes)", expected);
    return std::nullopt;
  }
  return key;
}

// udp-encap [SPORT DPORT]: ESP in UDP (RFC 3948), 4500/4500 unless given.
void read_udp_encap(Args& a, ManualSa& sa) {
  sa.udp_encap = true;
  if (a.done() || !std::isdigit(static_cast<unsigned char>(a.peek().front()))) return;
  auto sport = a.number(1, 65535, "UDP source port");
  auto dport = a.number(1, 65535, "UDP destination port");
  if (!sport || !dport) return;
  sa.encap_sport = static_cast<uint16_t>(*sport);
  sa.encap_dport = static_cast<uint16_t>(*dport);
}

// The options after the key; false when one of them was bad (reported).
bool read_sa_options(Args& a, ManualSa& sa) {
  const dp::TransformInfo& info = dp::transform_info(sa.transform);
  std::array<bool, 4> seen{};
  while (a.ok() && !a.done()) {
    auto k = a.keyword({"auth-key", "esn", "replay-window", "udp-encap"});
    if (!k || !first_time(a, seen[*k])) return false;
    switch (*k) {
      case 0:
        if (info.aead) {
          a.fail_last("auth-key with an AEAD transform",
                      "no auth-key (" + std::string(info.name) + " authenticates by itself)");
          return false;
        }
        if (auto key = read_key(a, sa.transform, true)) sa.auth_key = std::move(*key);
        break;
      case 1:
        sa.esn = true;
        break;
      case 2:
        if (a.accept("off")) {
          sa.replay_window = 0;
        } else if (auto n =
                       a.number(dp::kMinReplayWindow, dp::kMaxReplayWindow, "packets, or off")) {
          sa.replay_window = *n;
        }
        break;
      default:
        read_udp_encap(a, sa);
        break;
    }
  }
  if (a.ok() && !info.aead && sa.auth_key.empty())
    a.fail("missing argument", "'auth-key' with " + std::to_string(info.auth_key_len * 2) +
                                   " hex digits (" + std::string(info.name) +
                                   " needs an HMAC key)");
  return a.ok();
}

// dataplane manual-sa {inbound | outbound} spi SPI transform NAME key HEX
//   [auth-key HEX] [esn] [replay-window N | off] [udp-encap [SPORT DPORT]]
// At most one SA per direction: a tunnel has one SA pair, and a second
// line for a direction is more likely a paste slip than an edit.
void manual_sa(Session& s, Args& a) {
  if (!on_tunnel(s, a, "manual SA")) return;
  ManualSa sa;
  sa.at = a.here();
  std::string_view dir_word = a.peek();
  auto dir = a.keyword({"inbound", "outbound"});
  if (!dir || !a.keyword({"spi"})) return;
  sa.dir = *dir == 0 ? dp::Direction::kInbound : dp::Direction::kOutbound;
  sa.spi_at = a.here();
  auto spi = read_spi(a);
  if (!spi || !a.keyword({"transform"})) return;
  sa.spi = *spi;
  auto transform = read_transform(a);
  if (!transform || !a.keyword({"key"})) return;
  sa.transform = *transform;
  auto key = read_key(a, sa.transform, false);
  if (!key) return;
  sa.key = std::move(*key);
  if (!read_sa_options(a, sa)) return;
  Interface& i = s.interface();
  for (const ManualSa& other : i.manual_sas)
    if (other.dir == sa.dir)
      return a.fail_at(sa.at, dir_word,
                       "manual SA for this direction already configured (line " +
                           std::to_string(other.at.line) + ")",
                       "one inbound and one outbound manual SA per tunnel");
  if (!a.end()) return;
  i.manual_sas.push_back(std::move(sa));
}

constexpr Command kCommands[] = {
    {Mode::kGlobal, {"dataplane", "port"}, dataplane_port},
    {Mode::kGlobal, {"dataplane", "mbufs"}, dataplane_mbufs},
    {Mode::kInterface, {"dataplane", "manual-sa"}, manual_sa},
};

}  // namespace

std::span<const Command> dataplane_commands() { return kCommands; }

}  // namespace keyway::config
