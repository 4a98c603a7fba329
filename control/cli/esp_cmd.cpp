// `keyway esp encrypt|decrypt`: the ESP engine run offline over capture
// files. It exists so that the data plane's output can be checked against
// other implementations (scapy, Wireshark, a peer's capture) and so that an
// operator can decrypt a capture with known keys.
//
// The tool feeds the engine exactly as a worker would: single-segment
// mbufs whose data starts at the IP header, bursts of at most kMaxBurst,
// good packets written in order, dropped ones counted by the engine's own
// reason names.
#include <openssl/crypto.h>
#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <sys/stat.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "control/cli/commands.h"
#include "control/cli/pcap_io.h"
#include "dataplane/api/sa_spec.h"
#include "dataplane/eal/eal.h"
#include "dataplane/esp/esp.h"

namespace keyway::cli {
namespace {

constexpr const char* kUsage =
    "usage: keyway esp encrypt --sa SPEC --in IN.pcap --out OUT.pcap [--eal \"ARGS\"]\n"
    "       keyway esp decrypt --sa SPEC [--sa SPEC ...] --in IN.pcap --out OUT.pcap\n"
    "                          [--eal \"ARGS\"]\n"
    "\n"
    "Runs keyway's ESP engine (tunnel mode) over Ethernet captures: pcap or pcapng\n"
    "in, classic pcap out.\n"
    "\n"
    "  encrypt  Every IPv4 or IPv6 packet in IN is the inner packet of one ESP\n"
    "           packet of the SA. OUT gets Ethernet (the input frame's addresses\n"
    "           and VLAN tags) + outer IPv4 + ESP.\n"
    "  decrypt  Every frame in IN should be IPv4 ESP (IP protocol 50, or ESP in UDP\n"
    "           per RFC 3948) of one of the SAs. OUT gets Ethernet + the inner\n"
    "           packet. --sa may be repeated, one per SPI (for example both\n"
    "           directions of a capture).\n"
    "\n"
    "options:\n"
    "  --sa SPEC      a security association (below); exactly one for encrypt\n"
    "  --in FILE      the input capture; - is standard input\n"
    "  --out FILE     the output capture, created or truncated; - is standard output\n"
    "  --eal \"ARGS\"   DPDK EAL arguments, replacing the defaults (--no-huge -m 512\n"
    "                 --no-shconf --no-pci --no-telemetry -l 0)\n"
    "  -h, --help     this text\n"
    "\n"
    "SPEC is a comma-separated list of key=value fields:\n"
    "  spi=N               required; 256..4294967295, decimal or 0x hex\n"
    "  transform=NAME      required; aes128gcm, aes256gcm, aes128cbc-sha256,\n"
    "                      aes256cbc-sha256, 3des-sha1 (deprecated, RFC 8221)\n"
    "  key=HEX             required; the cipher key, for GCM followed by the\n"
    "                      4-byte salt (aes128gcm: 40 hex digits, aes256gcm: 72)\n"
    "  auth-key=HEX        CBC transforms only; 32 bytes for sha256, 20 for sha1\n"
    "  src=IPV4,dst=IPV4   required; the tunnel end points (outer header)\n"
    "  encap=udp|udp:SPORT:DPORT|none\n"
    "                      ESP in UDP (RFC 3948); udp means ports 4500:4500\n"
    "  esn=on|off          64-bit extended sequence numbers (default off)\n"
    "  seq=N               encrypt: the last sequence number already sent (the\n"
    "                      first packet gets N+1); decrypt: the highest already\n"
    "                      received (default 0)\n"
    "  replay-window=N|off decrypt: anti-replay window, 64..4096 (default 64)\n"
    "  soft-bytes=N, hard-bytes=N, soft-packets=N, hard-packets=N\n"
    "                      lifetimes; after a hard limit every packet is dropped\n"
    "example:\n"
    "  spi=0x1000,transform=aes128gcm,key=000102030405060708090a0b0c0d0e0f10111213,\n"
    "  src=192.0.2.1,dst=198.51.100.1,encap=udp\n"
    "\n"
    "A summary goes to standard error, for example\n"
    "  decrypt: 10 packets in, 9 out, 1 dropped: bad_icv=1\n"
    "Dropped frames are not written. Each is counted under one reason: one of the\n"
    "engine's drop counters (bad_icv, replay, unknown_spi, bad_inner, ...) or\n"
    "  not_ip            the frame carries neither IPv4 nor IPv6\n"
    "  ipv6_outer        decrypt: ESP over IPv6 (the engine takes IPv4 outer only)\n"
    "  truncated_frame   the capture holds less of the frame than was on the wire\n"
    "  frame_too_big     the packet does not fit in one packet buffer\n"
    "\n"
    "exit status: 0 every frame was written, 1 some were dropped, 2 bad usage,\n"
    "bad SPEC or a file that cannot be read or written.\n";

constexpr int kExitOk = 0;
constexpr int kExitDropped = 1;
constexpr int kExitUsage = 2;

enum class Mode { kEncrypt, kDecrypt };

struct Options {
  Mode mode = Mode::kEncrypt;
  std::vector<dp::SaSpec> specs;
  std::string in, out;
  std::vector<std::string> eal_args;
};

int usage_error(const std::string& message) {
  std::fprintf(stderr, "keyway esp: %s\n(see `keyway esp --help`)\n", message.c_str());
  return kExitUsage;
}

// A problem with the files or the environment rather than the command line.
int input_error(const std::string& message) {
  std::fprintf(stderr, "keyway esp: %s\n", message.c_str());
  return kExitUsage;
}

std::vector<std::string> split_words(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
    if (j > i) out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

// Parses the command line. Returns an exit status when the command should
// stop here (help, or an error already reported), nothing to go on.
std::optional<int> parse_options(int argc, char** argv, Options* opt) {
  bool have_mode = false, have_eal = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      return kExitOk;
    }
    if (arg.size() < 2 || arg.substr(0, 2) != "--") {
      if (arg.size() > 1 && arg[0] == '-') return usage_error("unknown option '" + std::string(arg) + "'");
      if (have_mode) return usage_error("unexpected argument '" + std::string(arg) + "'");
      if (arg == "encrypt") opt->mode = Mode::kEncrypt;
      else if (arg == "decrypt") opt->mode = Mode::kDecrypt;
      else return usage_error("unknown subcommand '" + std::string(arg) + "' (encrypt or decrypt)");
      have_mode = true;
      continue;
    }
    // --name VALUE or --name=VALUE
    std::string name(arg), value;
    bool inline_value = false;
    if (size_t eq = arg.find('='); eq != std::string_view::npos) {
      name = std::string(arg.substr(0, eq));
      value = std::string(arg.substr(eq + 1));
      inline_value = true;
    }
    if (name != "--sa" && name != "--in" && name != "--out" && name != "--eal")
      return usage_error("unknown option '" + name + "'");
    if (!inline_value) {
      if (i + 1 >= argc) return usage_error("option " + name + " needs a value");
      value = argv[++i];
    }
    if (name == "--sa") {
      dp::SpecResult r = dp::parse_sa_spec(value);
      if (!r.spec) {
        std::fprintf(stderr, "keyway esp: --sa: %s\n", r.error.to_string().c_str());
        return kExitUsage;
      }
      opt->specs.push_back(std::move(*r.spec));
    } else if (name == "--in" || name == "--out") {
      std::string& target = name == "--in" ? opt->in : opt->out;
      if (!target.empty()) return usage_error(name + " given twice");
      if (value.empty()) return usage_error(name + " needs a file name");
      target = value;
    } else {
      if (have_eal) return usage_error("--eal given twice");
      opt->eal_args = split_words(value);
      if (opt->eal_args.empty()) return usage_error("--eal needs at least one argument");
      have_eal = true;
    }
  }
  if (!have_mode) return usage_error("missing subcommand: encrypt or decrypt");
  if (opt->specs.empty()) return usage_error("missing --sa SPEC");
  if (opt->mode == Mode::kEncrypt && opt->specs.size() > 1)
    return usage_error("encrypt takes exactly one --sa (got " + std::to_string(opt->specs.size()) + ")");
  if (opt->in.empty()) return usage_error("missing --in FILE");
  if (opt->out.empty()) return usage_error("missing --out FILE");
  if (opt->mode == Mode::kDecrypt) {
    for (size_t a = 0; a < opt->specs.size(); ++a)
      for (size_t b = a + 1; b < opt->specs.size(); ++b)
        if (opt->specs[a].spi == opt->specs[b].spi) {
          char spi[16];
          std::snprintf(spi, sizeof spi, "0x%08x", opt->specs[a].spi);
          return usage_error(std::string("--sa: SPI ") + spi + " given twice");
        }
  }
  return std::nullopt;
}

// True when both names refer to one existing file: writing the output
// would then truncate the input before it is read.
bool same_file(const std::string& a, const std::string& b) {
  if (a == "-" || b == "-") return false;
  struct stat sa {}, sb {};
  if (stat(a.c_str(), &sa) != 0 || stat(b.c_str(), &sb) != 0) return false;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

// Reasons for dropping a frame before it reaches the engine. Their names
// must not collide with dp::kEspCounterNames.
enum class FrameDrop : uint8_t { kNotIp, kIpv6Outer, kTruncatedFrame, kFrameTooBig, kCount };
constexpr std::array<std::string_view, static_cast<size_t>(FrameDrop::kCount)> kFrameDropNames{
    "not_ip", "ipv6_outer", "truncated_frame", "frame_too_big"};

constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherIpv6 = 0x86DD;
constexpr uint16_t kEtherVlan = 0x8100;
constexpr uint16_t kEtherQinQ = 0x88A8;
constexpr size_t kEtherLen = 14;
// Destination, source, up to two VLAN tags and the EtherType.
constexpr size_t kMaxL2Len = kEtherLen + 2 * 4;

// The link-layer header of a frame: its length (the EtherType is its last
// two bytes) and the EtherType it announces.
struct L2Header {
  size_t len = 0;
  uint16_t ethertype = 0;
};

std::optional<L2Header> parse_l2(std::span<const uint8_t> f) {
  if (f.size() < kEtherLen) return std::nullopt;
  L2Header h{kEtherLen, static_cast<uint16_t>(f[12] << 8 | f[13])};
  // Up to two 802.1Q / 802.1ad tags, which are kept in the output frame.
  for (int tags = 0; tags < 2 && (h.ethertype == kEtherVlan || h.ethertype == kEtherQinQ); ++tags) {
    if (f.size() < h.len + 4) return std::nullopt;
    h.ethertype = static_cast<uint16_t>(f[h.len + 2] << 8 | f[h.len + 3]);
    h.len += 4;
  }
  return h;
}

// A frame handed to the engine, with what is needed to write it back.
struct Pending {
  rte_mbuf* m = nullptr;
  timeval ts{};
  size_t l2_len = 0;
  std::array<uint8_t, kMaxL2Len> l2{};
};

class Runner {
 public:
  Runner(Mode mode, dp::EspCtx& ctx, rte_mempool* pool, dp::Sa* out_sa, const dp::SpiTable* table,
         PcapWriter& writer)
      : mode_(mode), ctx_(ctx), pool_(pool), out_sa_(out_sa), table_(table), writer_(writer) {
    pending_.reserve(dp::kMaxBurst);
  }
  ~Runner() {
    for (Pending& p : pending_) rte_pktmbuf_free(p.m);
  }
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  // Takes one input frame. Returns false with *error set on an internal
  // failure (the packet pool ran dry), which ends the run.
  bool add(const Frame& f, std::string* error) {
    ++in_;
    if (f.data.size() < f.wire_len) return drop(FrameDrop::kTruncatedFrame);
    std::optional<L2Header> l2 = parse_l2(f.data);
    if (!l2 || (l2->ethertype != kEtherIpv4 && l2->ethertype != kEtherIpv6))
      return drop(FrameDrop::kNotIp);
    if (mode_ == Mode::kDecrypt && l2->ethertype == kEtherIpv6) return drop(FrameDrop::kIpv6Outer);

    std::span<const uint8_t> packet = f.data.subspan(l2->len);
    rte_mbuf* m = rte_pktmbuf_alloc(pool_);
    if (!m) {
      *error = "internal error: the packet pool is exhausted";
      return false;
    }
    if (packet.size() > rte_pktmbuf_tailroom(m)) {
      rte_pktmbuf_free(m);
      return drop(FrameDrop::kFrameTooBig);
    }
    auto* dst = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, static_cast<uint16_t>(packet.size())));
    if (!packet.empty()) std::memcpy(dst, packet.data(), packet.size());

    Pending& p = pending_.emplace_back();
    p.m = m;
    p.ts = f.ts;
    p.l2_len = l2->len;
    std::memcpy(p.l2.data(), f.data.data(), l2->len);
    if (pending_.size() == dp::kMaxBurst) flush();
    return true;
  }

  // Runs the engine over the frames collected so far and writes the good
  // ones in input order.
  void flush() {
    if (pending_.empty()) return;
    std::array<rte_mbuf*, dp::kMaxBurst> pkts;
    const size_t n = pending_.size();
    for (size_t i = 0; i < n; ++i) pkts[i] = pending_[i].m;
    std::span<rte_mbuf*> burst(pkts.data(), n);
    uint16_t good = mode_ == Mode::kEncrypt ? dp::esp_outbound(ctx_, *out_sa_, burst)
                                            : dp::esp_inbound(ctx_, *table_, burst);
    for (size_t k = 0; k < n - good; ++k) ++engine_drops_[static_cast<size_t>(ctx_.drop_reason[k])];

    // The engine keeps the good packets in their original order, so one
    // forward walk over the pending list pairs each with its frame.
    size_t j = 0;
    for (uint16_t i = 0; i < good; ++i) {
      while (pending_[j].m != pkts[i]) ++j;
      write(pending_[j], pkts[i]);
      ++j;
    }
    for (Pending& p : pending_) rte_pktmbuf_free(p.m);
    pending_.clear();
  }

  uint64_t in() const { return in_; }
  uint64_t out() const { return out_; }

  // "10 packets in, 9 out, 1 dropped: bad_icv=1"
  std::string summary() const {
    std::string s = std::to_string(in_) + " packets in, " + std::to_string(out_) + " out, " +
                    std::to_string(in_ - out_) + " dropped";
    std::string reasons;
    auto add_reason = [&](std::string_view name, uint64_t count) {
      if (count == 0) return;
      reasons += reasons.empty() ? ": " : ", ";
      reasons += std::string(name) + "=" + std::to_string(count);
    };
    for (size_t i = 0; i < dp::kNumEspCounters; ++i) add_reason(dp::kEspCounterNames[i], engine_drops_[i]);
    for (size_t i = 0; i < kFrameDropNames.size(); ++i) add_reason(kFrameDropNames[i], frame_drops_[i]);
    return s + reasons;
  }

 private:
  // Counts a frame that never reaches the engine. Returns true, as add()
  // does, because the run goes on.
  bool drop(FrameDrop why) {
    ++frame_drops_[static_cast<size_t>(why)];
    return true;
  }

  void write(const Pending& p, const rte_mbuf* m) {
    const auto* data = rte_pktmbuf_mtod(m, const uint8_t*);
    const size_t len = m->data_len;
    uint16_t ethertype = kEtherIpv4;
    if (mode_ == Mode::kDecrypt && len > 0 && (data[0] >> 4) == 6) ethertype = kEtherIpv6;
    frame_.resize(p.l2_len + len);
    std::memcpy(frame_.data(), p.l2.data(), p.l2_len);
    frame_[p.l2_len - 2] = static_cast<uint8_t>(ethertype >> 8);
    frame_[p.l2_len - 1] = static_cast<uint8_t>(ethertype);
    std::memcpy(frame_.data() + p.l2_len, data, len);
    writer_.write(p.ts, frame_);
    ++out_;
  }

  Mode mode_;
  dp::EspCtx& ctx_;
  rte_mempool* pool_;
  dp::Sa* out_sa_;
  const dp::SpiTable* table_;
  PcapWriter& writer_;
  std::vector<Pending> pending_;
  std::vector<uint8_t> frame_;
  uint64_t in_ = 0, out_ = 0;
  std::array<uint64_t, dp::kNumEspCounters> engine_drops_{};
  std::array<uint64_t, kFrameDropNames.size()> frame_drops_{};
};

// Packet buffers are sized for the largest IP packet, so that any frame a
// peer can legitimately send (jumbo frames included) fits; only frames
// beyond that are dropped as frame_too_big. One burst in flight needs
// kMaxBurst buffers.
constexpr unsigned kPoolSize = 2 * dp::kMaxBurst - 1;
constexpr unsigned kDataRoom = UINT16_MAX;

int run(const Options& opt) {
  std::string err;
  if (same_file(opt.in, opt.out))
    return input_error("--in and --out are the same file; writing would destroy the input");
  std::unique_ptr<PcapReader> reader = PcapReader::open(opt.in, &err);
  if (!reader) return input_error("--in: " + err);
  std::unique_ptr<PcapWriter> writer = PcapWriter::open(opt.out, &err);
  if (!writer) return input_error("--out: " + err);

  if (!dp::eal_init(opt.eal_args, &err)) return input_error(err);
  rte_mempool* pool = dp::make_pktmbuf_pool("esp_cmd", kPoolSize, &err, kDataRoom);
  if (!pool) return input_error(err);
  std::unique_ptr<dp::EspCtx> ctx = dp::EspCtx::create(&err);
  if (!ctx) return input_error(err);

  const dp::Direction dir = opt.mode == Mode::kEncrypt ? dp::Direction::kOutbound : dp::Direction::kInbound;
  std::vector<std::unique_ptr<dp::Sa>> sas;
  dp::SpiTable table;
  for (const dp::SaSpec& spec : opt.specs) {
    std::unique_ptr<dp::Sa> sa = dp::Sa::create(spec, dir, ctx->mgr, &err);
    if (!sa) return input_error("--sa: " + err);
    if (dir == dp::Direction::kInbound) table.insert(sa.get());
    sas.push_back(std::move(sa));
  }

  const char* verb = opt.mode == Mode::kEncrypt ? "encrypt" : "decrypt";
  int status = kExitOk;
  {
    Runner runner(opt.mode, *ctx, pool, sas.front().get(), &table, *writer);
    Frame frame;
    for (;;) {
      PcapReader::Result r = reader->next(&frame, &err);
      if (r == PcapReader::Result::kEnd) break;
      if (r == PcapReader::Result::kError) {
        std::fprintf(stderr, "keyway esp: --in '%s': %s\n", opt.in.c_str(), err.c_str());
        status = kExitUsage;
        break;
      }
      if (!runner.add(frame, &err)) {
        std::fprintf(stderr, "keyway esp: %s\n", err.c_str());
        status = kExitUsage;
        break;
      }
    }
    runner.flush();
    if (!writer->close(&err)) {
      std::fprintf(stderr, "keyway esp: --out '%s': %s\n", opt.out.c_str(), err.c_str());
      status = kExitUsage;
    }
    std::fprintf(stderr, "%s: %s\n", verb, runner.summary().c_str());
    if (status == kExitOk && runner.out() != runner.in()) status = kExitDropped;
  }
  for (const auto& sa : sas) {
    if (sa->hard_expired())
      std::fprintf(stderr, "%s: SA 0x%08x reached its hard lifetime or sequence limit\n", verb, sa->spi());
    else if (sa->soft_expired())
      std::fprintf(stderr, "%s: SA 0x%08x reached its soft lifetime\n", verb, sa->spi());
  }
  sas.clear();
  ctx.reset();
  rte_mempool_free(pool);
  rte_eal_cleanup();
  return status;
}

}  // namespace

int cmd_esp(int argc, char** argv) {
  Options opt;
  std::optional<int> done = parse_options(argc, argv, &opt);
  int status = done ? *done : run(opt);
  // The SAs wiped their own copies of the keys; wipe the parsed ones too.
  for (dp::SaSpec& spec : opt.specs) {
    if (!spec.key.empty()) OPENSSL_cleanse(spec.key.data(), spec.key.size());
    if (!spec.auth_key.empty()) OPENSSL_cleanse(spec.auth_key.data(), spec.auth_key.size());
  }
  return status;
}

}  // namespace keyway::cli
