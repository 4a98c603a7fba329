// The SA SPEC contract: valid specs round-trip through format_sa_spec and
// parse_sa_spec for every transform, and every malformed spec is refused
// with a SpecError that names the field at fault.
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "dataplane/api/sa_spec.h"
#include "tests/support/transforms.h"

namespace keyway::dp {
namespace {

using test::kAllTransforms;

std::string hex_of(size_t bytes, int seed) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < bytes; ++i) {
    auto b = static_cast<uint8_t>(i * 37 + static_cast<size_t>(seed));
    s.push_back(kDigits[b >> 4]);
    s.push_back(kDigits[b & 15]);
  }
  return s;
}

std::string key_for(Transform t) {
  const TransformInfo& i = transform_info(t);
  return hex_of(size_t{i.cipher_key_len} + i.salt_len, 1);
}
std::string auth_for(Transform t) {
  const TransformInfo& i = transform_info(t);
  return i.aead ? "" : ",auth-key=" + hex_of(i.auth_key_len, 2);
}
// A valid minimal spec for transform t.
std::string minimal(Transform t) {
  std::string s = "spi=0x1000,transform=";
  s += transform_info(t).name;
  s += ",key=" + key_for(t) + auth_for(t) + ",src=10.0.0.1,dst=10.0.0.2";
  return s;
}

void expect_same(const SaSpec& a, const SaSpec& b) {
  EXPECT_EQ(a.spi, b.spi);
  EXPECT_EQ(a.transform, b.transform);
  EXPECT_EQ(a.key, b.key);
  EXPECT_EQ(a.auth_key, b.auth_key);
  EXPECT_EQ(a.src, b.src);
  EXPECT_EQ(a.dst, b.dst);
  EXPECT_EQ(a.udp_encap, b.udp_encap);
  EXPECT_EQ(a.encap_sport, b.encap_sport);
  EXPECT_EQ(a.encap_dport, b.encap_dport);
  EXPECT_EQ(a.esn, b.esn);
  EXPECT_EQ(a.seq, b.seq);
  EXPECT_EQ(a.replay_window, b.replay_window);
  EXPECT_EQ(a.soft_bytes, b.soft_bytes);
  EXPECT_EQ(a.hard_bytes, b.hard_bytes);
  EXPECT_EQ(a.soft_packets, b.soft_packets);
  EXPECT_EQ(a.hard_packets, b.hard_packets);
}

// ------------------------------------------------------------ valid specs

class ValidSpec : public ::testing::TestWithParam<Transform> {};

TEST_P(ValidSpec, MinimalParsesWithDefaults) {
  const Transform t = GetParam();
  SpecResult r = parse_sa_spec(minimal(t));
  ASSERT_TRUE(r.spec) << r.error.to_string();
  const SaSpec& s = *r.spec;
  EXPECT_EQ(s.spi, 0x1000u);
  EXPECT_EQ(s.transform, t);
  EXPECT_EQ(s.key.size(), size_t{transform_info(t).cipher_key_len} + transform_info(t).salt_len);
  EXPECT_EQ(s.auth_key.size(), transform_info(t).aead ? 0u : transform_info(t).auth_key_len);
  EXPECT_EQ(s.key[1], static_cast<uint8_t>(37 + 1));
  EXPECT_EQ(s.src, 0x0A000001u);
  EXPECT_EQ(s.dst, 0x0A000002u);
  EXPECT_FALSE(s.udp_encap);
  EXPECT_EQ(s.encap_sport, kNatTPort);
  EXPECT_EQ(s.encap_dport, kNatTPort);
  EXPECT_FALSE(s.esn);
  EXPECT_EQ(s.seq, 0u);
  EXPECT_EQ(s.replay_window, kDefaultReplayWindow);
  EXPECT_EQ(s.soft_bytes + s.hard_bytes + s.soft_packets + s.hard_packets, 0u);
  EXPECT_FALSE(validate(s).has_value());
}

TEST_P(ValidSpec, EveryOptionRoundTrips) {
  const Transform t = GetParam();
  const TransformInfo& info = transform_info(t);
  std::vector<SaSpec> specs;
  SaSpec s;
  s.spi = 0xDEADBEEF;
  s.transform = t;
  s.key.resize(size_t{info.cipher_key_len} + info.salt_len);
  for (size_t i = 0; i < s.key.size(); ++i) s.key[i] = static_cast<uint8_t>(0xF0 - i);
  if (!info.aead) {
    s.auth_key.resize(info.auth_key_len);
    for (size_t i = 0; i < s.auth_key.size(); ++i) s.auth_key[i] = static_cast<uint8_t>(i * 11);
  }
  s.src = 0xC0A80001;
  s.dst = 0xFFFFFFFE;
  specs.push_back(s);
  SaSpec full = s;
  full.udp_encap = true;
  full.encap_sport = 1;
  full.encap_dport = 65535;
  full.esn = true;
  full.seq = 0x123456789ull;
  full.replay_window = kMaxReplayWindow;
  full.soft_bytes = 1000;
  full.hard_bytes = 2000;
  full.soft_packets = 10;
  full.hard_packets = 10;
  specs.push_back(full);
  SaSpec off = s;
  off.replay_window = 0;
  off.udp_encap = true;  // default ports
  off.seq = UINT32_MAX;  // the largest without ESN
  off.spi = 256;         // the smallest allowed
  specs.push_back(off);
  SaSpec esn_max = s;
  esn_max.esn = true;
  esn_max.seq = UINT64_MAX;
  esn_max.replay_window = kMinReplayWindow;
  esn_max.hard_bytes = UINT64_MAX;
  specs.push_back(esn_max);

  for (const SaSpec& want : specs) {
    ASSERT_FALSE(validate(want).has_value()) << validate(want)->to_string();
    std::string text = format_sa_spec(want);
    SpecResult r = parse_sa_spec(text);
    ASSERT_TRUE(r.spec) << text << ": " << r.error.to_string();
    expect_same(*r.spec, want);
    EXPECT_EQ(format_sa_spec(*r.spec), text) << "formatting is stable";
  }
}

INSTANTIATE_TEST_SUITE_P(AllTransforms, ValidSpec, ::testing::ValuesIn(kAllTransforms),
                         [](const ::testing::TestParamInfo<Transform>& i) { return test::test_name_of(i.param); });

TEST(SaSpecParse, AcceptedSpellings) {
  const std::string base = minimal(Transform::kAes128Gcm);
  struct Case {
    std::string extra;
    bool (*check)(const SaSpec&);
  };
  const Case cases[] = {
      {",encap=udp", [](const SaSpec& s) { return s.udp_encap && s.encap_sport == 4500 && s.encap_dport == 4500; }},
      {",encap=udp:4501:500", [](const SaSpec& s) { return s.udp_encap && s.encap_sport == 4501 && s.encap_dport == 500; }},
      {",encap=none", [](const SaSpec& s) { return !s.udp_encap; }},
      {",esn=on", [](const SaSpec& s) { return s.esn; }},
      {",esn=off", [](const SaSpec& s) { return !s.esn; }},
      {",replay-window=off", [](const SaSpec& s) { return s.replay_window == 0; }},
      {",replay-window=64", [](const SaSpec& s) { return s.replay_window == 64; }},
      {",replay-window=4096", [](const SaSpec& s) { return s.replay_window == 4096; }},
      {",replay-window=1000", [](const SaSpec& s) { return s.replay_window == 1000; }},
      {",seq=4294967295", [](const SaSpec& s) { return s.seq == UINT32_MAX; }},
      {",seq=0x10,esn=on", [](const SaSpec& s) { return s.seq == 16 && s.esn; }},
      {",esn=on,seq=4294967296", [](const SaSpec& s) { return s.seq == 1ull << 32; }},
      {",soft-bytes=1,hard-bytes=1", [](const SaSpec& s) { return s.soft_bytes == 1 && s.hard_bytes == 1; }},
      {",soft-packets=5", [](const SaSpec& s) { return s.soft_packets == 5 && s.hard_packets == 0; }},
      {",hard-packets=5", [](const SaSpec& s) { return s.hard_packets == 5; }},
      {",soft-seconds=3300,hard-seconds=3600",
       [](const SaSpec& s) { return s.soft_seconds == 3300 && s.hard_seconds == 3600; }},
  };
  for (const Case& c : cases) {
    SpecResult r = parse_sa_spec(base + c.extra);
    ASSERT_TRUE(r.spec) << c.extra << ": " << r.error.to_string();
    EXPECT_TRUE(c.check(*r.spec)) << c.extra;
  }
  // Fields in any order, hex in either case and with a 0x prefix, SPI in decimal.
  SpecResult r = parse_sa_spec("dst=10.0.0.2,src=10.0.0.1,key=0X" + std::string(40, 'A') +
                               ",transform=aes128gcm,spi=4096");
  ASSERT_TRUE(r.spec) << r.error.to_string();
  EXPECT_EQ(r.spec->spi, 4096u);
  EXPECT_EQ(r.spec->key, std::vector<uint8_t>(20, 0xAA));
}

TEST(SaSpecParse, Ipv4Addresses) {
  EXPECT_EQ(parse_ipv4("1.2.3.4"), 0x01020304u);
  EXPECT_EQ(parse_ipv4("255.255.255.255"), 0xFFFFFFFFu);
  EXPECT_EQ(parse_ipv4("0.0.0.0"), 0u);
  EXPECT_EQ(format_ipv4(0xC0A80101), "192.168.1.1");
  for (const char* bad : {"256.1.1.1", "1.2.3", "1.2.3.4.5", "", "1..2.3", "1.2.3.", ".1.2.3", "a.b.c.d",
                          "1.2.3.4 ", " 1.2.3.4", "1.2.3.-4", "1.2.3.1000", "1.2.3.4/24", "::1"}) {
    EXPECT_FALSE(parse_ipv4(bad).has_value()) << "'" << bad << "'";
  }
}

TEST(SaSpecParse, Hex) {
  EXPECT_EQ(parse_hex("00ff10"), (std::vector<uint8_t>{0x00, 0xFF, 0x10}));
  EXPECT_EQ(parse_hex("0xABcd"), (std::vector<uint8_t>{0xAB, 0xCD}));
  EXPECT_EQ(parse_hex(""), std::vector<uint8_t>{});
  for (const char* bad : {"abc", "0x", "0xa", "zz", "0g", "-1", "+1", " 1", "1 ", "12 34"}) {
    EXPECT_FALSE(parse_hex(bad).has_value()) << "'" << bad << "'";
  }
}

TEST(SaSpecParse, TransformNames) {
  for (Transform t : kAllTransforms) {
    EXPECT_EQ(transform_from_name(transform_info(t).name), t);
    EXPECT_EQ(transform_info(t).id, t);
  }
  EXPECT_FALSE(transform_from_name("aes128-gcm").has_value());
  EXPECT_FALSE(transform_from_name("").has_value());
  EXPECT_TRUE(transform_info(Transform::kDes3CbcSha1).deprecated);
}

// ---------------------------------------------------------- malformed specs

struct Bad {
  std::string name;
  std::string text;
  std::string field;  // the field the error must name
};

void PrintTo(const Bad& b, std::ostream* os) { *os << b.name; }

std::string with(Transform t, const std::string& extra) { return minimal(t) + extra; }
std::string replace(std::string s, const std::string& from, const std::string& to) {
  size_t at = s.find(from);
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

std::vector<Bad> bad_specs() {
  const Transform gcm = Transform::kAes128Gcm;
  const std::string g = minimal(gcm);
  const std::string k = key_for(gcm);
  std::vector<Bad> v = {
      {"empty", "", "spi"},
      {"unknown_field", with(gcm, ",colour=blue"), "colour"},
      {"unknown_field_first", "mode=tunnel," + g, "mode"},
      {"repeated_spi", with(gcm, ",spi=0x2000"), "spi"},
      {"repeated_key", with(gcm, ",key=" + k), "key"},
      {"repeated_esn", with(gcm, ",esn=on,esn=on"), "esn"},
      {"bad_hex", replace(g, "key=" + k, "key=" + std::string(38, '0') + "zz"), "key"},
      {"odd_hex", replace(g, "key=" + k, "key=" + k + "0"), "key"},
      {"missing_spi", replace(g, "spi=0x1000,", ""), "spi"},
      {"missing_transform", replace(g, "transform=aes128gcm,", ""), "transform"},
      {"missing_key", replace(g, "key=" + k + ",", ""), "key"},
      {"missing_src", replace(g, ",src=10.0.0.1", ""), "src"},
      {"missing_dst", replace(g, ",dst=10.0.0.2", ""), "dst"},
      {"src_zero", replace(g, "src=10.0.0.1", "src=0.0.0.0"), "src"},
      {"spi_0", replace(g, "spi=0x1000", "spi=0"), "spi"},
      {"spi_255", replace(g, "spi=0x1000", "spi=255"), "spi"},
      {"spi_0xff", replace(g, "spi=0x1000", "spi=0xff"), "spi"},
      {"spi_too_big", replace(g, "spi=0x1000", "spi=4294967296"), "spi"},
      {"spi_negative", replace(g, "spi=0x1000", "spi=-1"), "spi"},
      {"spi_0x_only", replace(g, "spi=0x1000", "spi=0x"), "spi"},
      {"spi_text", replace(g, "spi=0x1000", "spi=ten"), "spi"},
      {"ipv4_256", replace(g, "src=10.0.0.1", "src=256.1.1.1"), "src"},
      {"ipv4_three_parts", replace(g, "src=10.0.0.1", "src=1.2.3"), "src"},
      {"ipv4_five_parts", replace(g, "dst=10.0.0.2", "dst=1.2.3.4.5"), "dst"},
      {"ipv4_empty", replace(g, "dst=10.0.0.2", "dst="), "dst"},
      {"ipv4_hostname", replace(g, "dst=10.0.0.2", "dst=gateway"), "dst"},
      {"encap_port_0", with(gcm, ",encap=udp:0:1"), "encap"},
      {"encap_port_0_dst", with(gcm, ",encap=udp:1:0"), "encap"},
      {"encap_port_too_big", with(gcm, ",encap=udp:65536:1"), "encap"},
      {"encap_one_port", with(gcm, ",encap=udp:4500"), "encap"},
      {"encap_three_ports", with(gcm, ",encap=udp:1:2:3"), "encap"},
      {"encap_tcp", with(gcm, ",encap=tcp"), "encap"},
      {"esn_yes", with(gcm, ",esn=yes"), "esn"},
      {"replay_window_32", with(gcm, ",replay-window=32"), "replay-window"},
      {"replay_window_63", with(gcm, ",replay-window=63"), "replay-window"},
      {"replay_window_4097", with(gcm, ",replay-window=4097"), "replay-window"},
      {"replay_window_5000", with(gcm, ",replay-window=5000"), "replay-window"},
      {"replay_window_text", with(gcm, ",replay-window=on"), "replay-window"},
      {"seq_over_2_32_without_esn", with(gcm, ",seq=4294967296"), "seq"},
      {"seq_over_2_32_esn_off", with(gcm, ",seq=4294967296,esn=off"), "seq"},
      {"seq_over_2_64", with(gcm, ",esn=on,seq=18446744073709551616"), "seq"},
      {"seq_text", with(gcm, ",seq=many"), "seq"},
      {"trailing_comma", g + ",", ""},
      {"leading_comma", "," + g, ""},
      {"double_comma", replace(g, ",src=", ",,src="), ""},
      {"empty_value", replace(g, "spi=0x1000", "spi="), "spi"},
      {"empty_value_key", replace(g, "key=" + k, "key="), "key"},
      {"no_equals", with(gcm, ",esn"), "esn"},
      {"no_name", with(gcm, ",=on"), "=on"},
      {"unknown_transform", replace(g, "aes128gcm", "aes128-gcm"), "transform"},
      {"auth_key_for_gcm", with(gcm, ",auth-key=" + std::string(64, '1')), "auth-key"},
      {"auth_key_for_gcm256", with(Transform::kAes256Gcm, ",auth-key=00"), "auth-key"},
      {"soft_bytes_over_hard", with(gcm, ",soft-bytes=2,hard-bytes=1"), "soft-bytes"},
      {"soft_packets_over_hard", with(gcm, ",soft-packets=11,hard-packets=10"), "soft-packets"},
      {"soft_seconds_over_hard", with(gcm, ",soft-seconds=11,hard-seconds=10"), "soft-seconds"},
      {"seconds_beyond_32_bits", with(gcm, ",hard-seconds=4294967296"), "hard-seconds"},
  };
  // Per transform: wrong key lengths, and the auth-key rules.
  for (Transform t : kAllTransforms) {
    const TransformInfo& i = transform_info(t);
    const std::string m = minimal(t);
    const std::string kt = key_for(t);
    std::string n(i.name);
    for (char& c : n)
      if (c == '-') c = '_';
    v.push_back({n + "_key_short", replace(m, "key=" + kt, "key=" + kt.substr(2)), "key"});
    v.push_back({n + "_key_long", replace(m, "key=" + kt, "key=" + kt + "00"), "key"});
    // GCM without its salt, or a 128-bit key where 256 are wanted and back.
    v.push_back({n + "_key_other_size",
                 replace(m, "key=" + kt, "key=" + std::string(i.cipher_key_len == 16 ? 64 : 32, '1')), "key"});
    if (!i.aead) {
      const std::string at = auth_for(t);
      v.push_back({n + "_auth_key_missing", replace(m, at, ""), "auth-key"});
      v.push_back({n + "_auth_key_short", replace(m, at, at.substr(0, at.size() - 2)), "auth-key"});
      v.push_back({n + "_auth_key_long", replace(m, at, at + "00"), "auth-key"});
      v.push_back({n + "_auth_key_not_hex",
                   replace(m, at, ",auth-key=" + std::string(size_t{i.auth_key_len} * 2, 'x')), "auth-key"});
    } else {
      v.push_back({n + "_auth_key_given", m + ",auth-key=" + std::string(64, '1'), "auth-key"});
    }
  }
  return v;
}

class MalformedSpec : public ::testing::TestWithParam<Bad> {};

TEST_P(MalformedSpec, IsRefusedNamingTheField) {
  const Bad& b = GetParam();
  SpecResult r = parse_sa_spec(b.text);
  ASSERT_FALSE(r.spec.has_value()) << "accepted: " << b.text;
  EXPECT_EQ(r.error.field, b.field) << b.text << " -> " << r.error.to_string();
  EXPECT_FALSE(r.error.message.empty());
  if (!b.field.empty()) {
    EXPECT_NE(r.error.to_string().find("'" + b.field + "'"), std::string::npos) << r.error.to_string();
  }
}

INSTANTIATE_TEST_SUITE_P(Table, MalformedSpec, ::testing::ValuesIn(bad_specs()),
                         [](const ::testing::TestParamInfo<Bad>& i) { return i.param.name; });

TEST(SaSpecValidate, MessagesSayWhatIsExpected) {
  SpecResult r = parse_sa_spec(replace(minimal(Transform::kAes128Gcm), "key=" + key_for(Transform::kAes128Gcm),
                                       "key=" + std::string(32, '0')));
  ASSERT_FALSE(r.spec);
  EXPECT_NE(r.error.message.find("40"), std::string::npos) << r.error.message;
  EXPECT_NE(r.error.message.find("salt"), std::string::npos) << r.error.message;
  SaSpec s = *parse_sa_spec(minimal(Transform::kAes256CbcSha256)).spec;
  s.auth_key.clear();
  auto e = validate(s);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->field, "auth-key");
  s = *parse_sa_spec(minimal(Transform::kAes256CbcSha256)).spec;
  s.udp_encap = true;
  s.encap_dport = 0;
  e = validate(s);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->field, "encap");
}

}  // namespace
}  // namespace keyway::dp
