// keyway's own `dataplane` lines: ports, the mbuf pool and manual SAs as
// they land in the model, their defaults, and their warnings. The errors
// are cases of test_malformed.cpp.
#include <gtest/gtest.h>

#include "tests/config/helpers.h"

namespace keyway::config::test {
namespace {

// Keys of the right length per transform (GCM: key || salt).
constexpr std::string_view kGcm128Key = "00112233445566778899aabbccddeeff01020304";
constexpr std::string_view kCbc128Key = "000102030405060708090a0b0c0d0e0f";
constexpr std::string_view kSha256Key =
    "101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f";

std::string tunnel(std::string_view lines) {
  return "interface Ethernet0/0\n ip address 192.168.0.1 255.255.255.0\n"
         "interface Tunnel1\n tunnel source Ethernet0/0\n tunnel destination 192.168.0.2\n"
         " tunnel mode ipsec ipv4\n" +
         std::string(lines);
}

LoadResult must_load(std::string_view text) {
  LoadResult r = load_text("t.cfg", text);
  EXPECT_TRUE(r.ok()) << testing::PrintToString(errors(r.diagnostics));
  return r;
}

TEST(DataplanePort, DefaultsAndOptionsInAnyOrder) {
  LoadResult r = must_load(
      "interface Ethernet0/0\ninterface GigabitEthernet0/1\n"
      "dataplane port Ethernet0/0 net_af_packet0\n"
      "dataplane port Gi0/1 0000:01:00.0 tx-desc 4096 mtu 9000 rx-desc 64\n");
  ASSERT_TRUE(r.ok());
  const auto& ports = r.config->dataplane_ports;
  ASSERT_EQ(ports.size(), 2u);
  EXPECT_EQ(ports[0].interface.name, "Ethernet0/0");
  EXPECT_EQ(ports[0].device, "net_af_packet0");
  EXPECT_EQ(ports[0].mtu, 1500);
  EXPECT_EQ(ports[0].rx_desc, 1024);
  EXPECT_EQ(ports[0].tx_desc, 1024);
  EXPECT_EQ(ports[1].interface.name, "GigabitEthernet0/1");
  EXPECT_EQ(ports[1].device, "0000:01:00.0");
  EXPECT_EQ(ports[1].mtu, 9000);
  EXPECT_EQ(ports[1].rx_desc, 64);
  EXPECT_EQ(ports[1].tx_desc, 4096);
  EXPECT_EQ(ports[1].device_at, (Loc{4, 22}));
  EXPECT_EQ(warnings(r.diagnostics), std::vector<std::string>{});
}

// The bound interface may be defined after the binding, like every other
// reference.
TEST(DataplanePort, InterfaceMayFollow) {
  EXPECT_TRUE(must_load("dataplane port Ethernet0/0 net_af_packet0 mtu 576\n"
                        "interface Ethernet0/0\n")
                  .ok());
}

TEST(DataplaneMbufs, DefaultAndSet) {
  EXPECT_EQ(must_load("hostname R1\n").config->dataplane_mbufs, 16384u);
  EXPECT_EQ(must_load("dataplane mbufs 1024\n").config->dataplane_mbufs, 1024u);
  EXPECT_EQ(must_load("dataplane mbufs 1048576\n").config->dataplane_mbufs, 1048576u);
  // Single-valued: a later line replaces an earlier one.
  EXPECT_EQ(must_load("dataplane mbufs 4096\ndataplane mbufs 8192\n").config->dataplane_mbufs,
            8192u);
}

TEST(ManualSa, GcmPairWithDefaults) {
  std::string key(kGcm128Key);
  LoadResult r = must_load(
      tunnel(" dataplane manual-sa outbound spi 0x1000 transform aes128gcm key " + key + "\n" +
             " dataplane manual-sa inbound spi 8192 transform AES128GCM key 0x" + key + "\n"));
  ASSERT_TRUE(r.ok());
  const auto& sas = r.config->interface("Tunnel1")->manual_sas;
  ASSERT_EQ(sas.size(), 2u);
  EXPECT_EQ(sas[0].dir, dp::Direction::kOutbound);
  EXPECT_EQ(sas[0].spi, 0x1000u);
  EXPECT_EQ(sas[0].transform, dp::Transform::kAes128Gcm);
  ASSERT_EQ(sas[0].key.size(), 20u);
  EXPECT_EQ(sas[0].key[0], 0x00);
  EXPECT_EQ(sas[0].key[15], 0xff);
  EXPECT_EQ(sas[0].key[19], 0x04);
  EXPECT_TRUE(sas[0].auth_key.empty());
  EXPECT_FALSE(sas[0].esn);
  EXPECT_EQ(sas[0].replay_window, 64u);
  EXPECT_FALSE(sas[0].udp_encap);
  EXPECT_EQ(sas[0].at, (Loc{7, 22}));
  EXPECT_EQ(sas[0].spi_at, (Loc{7, 35}));
  EXPECT_EQ(sas[1].dir, dp::Direction::kInbound);
  EXPECT_EQ(sas[1].spi, 8192u);
  EXPECT_EQ(sas[1].key, sas[0].key);  // 0x prefix and case make no difference
}

TEST(ManualSa, CbcWithEveryOption) {
  LoadResult r = must_load(
      tunnel(" dataplane manual-sa inbound spi 4294967295 transform aes128cbc-sha256 key " +
             std::string(kCbc128Key) + " udp-encap 4501 4502 replay-window 4096 esn auth-key " +
             std::string(kSha256Key) + "\n" +
             " dataplane manual-sa outbound spi 256 transform aes128cbc-sha256 key " +
             std::string(kCbc128Key) + " auth-key " + std::string(kSha256Key) +
             " replay-window off udp-encap\n"));
  ASSERT_TRUE(r.ok());
  const auto& sas = r.config->interface("Tunnel1")->manual_sas;
  ASSERT_EQ(sas.size(), 2u);
  EXPECT_EQ(sas[0].spi, 0xffffffffu);
  EXPECT_EQ(sas[0].transform, dp::Transform::kAes128CbcSha256);
  EXPECT_EQ(sas[0].key.size(), 16u);
  ASSERT_EQ(sas[0].auth_key.size(), 32u);
  EXPECT_EQ(sas[0].auth_key[31], 0x2f);
  EXPECT_TRUE(sas[0].esn);
  EXPECT_EQ(sas[0].replay_window, 4096u);
  EXPECT_TRUE(sas[0].udp_encap);
  EXPECT_EQ(sas[0].encap_sport, 4501);
  EXPECT_EQ(sas[0].encap_dport, 4502);
  EXPECT_EQ(sas[1].spi, 256u);
  EXPECT_EQ(sas[1].replay_window, 0u);
  EXPECT_TRUE(sas[1].udp_encap);
  EXPECT_EQ(sas[1].encap_sport, 4500);
  EXPECT_EQ(sas[1].encap_dport, 4500);
  EXPECT_FALSE(sas[1].esn);
}

// One lab-only warning per tunnel (not per SA), at the tunnel.
TEST(ManualSa, WarnsOncePerTunnel) {
  std::string sa = " transform aes128gcm key " + std::string(kGcm128Key) + "\n";
  LoadResult r = must_load(tunnel(" dataplane manual-sa outbound spi 300" + sa +
                                  " dataplane manual-sa inbound spi 301" + sa +
                                  "interface Tunnel2\n"
                                  " dataplane manual-sa inbound spi 302" +
                                  sa));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(warnings(r.diagnostics),
            (std::vector<std::string>{
                "t.cfg:3:11: warning: tunnel keyed by manual SAs: for labs only (static keys, no "
                "rekeying, sequence numbers and so GCM nonces start again under the same key at "
                "every start); got 'Tunnel1', expected IKE ('tunnel protection ipsec profile') "
                "outside a lab",
                "t.cfg:9:11: warning: tunnel keyed by manual SAs: for labs only (static keys, no "
                "rekeying, sequence numbers and so GCM nonces start again under the same key at "
                "every start); got 'Tunnel2', expected IKE ('tunnel protection ipsec profile') "
                "outside a lab"}));
}

// 3DES is loaded as written and warned about, as in a transform-set.
TEST(ManualSa, DeprecatedTransformWarns) {
  LoadResult r =
      must_load(tunnel(" dataplane manual-sa outbound spi 300 transform 3des-sha1 key " +
                       std::string(48, 'a') + " auth-key " + std::string(40, 'b') + "\n"));
  ASSERT_TRUE(r.ok());
  const ManualSa& sa = r.config->interface("Tunnel1")->manual_sas.at(0);
  EXPECT_EQ(sa.transform, dp::Transform::kDes3CbcSha1);
  EXPECT_EQ(sa.key.size(), 24u);
  EXPECT_EQ(sa.auth_key.size(), 20u);
  auto w = warnings(r.diagnostics);
  ASSERT_EQ(w.size(), 2u) << testing::PrintToString(w);
  EXPECT_EQ(w[1],
            "t.cfg:7:49: warning: deprecated algorithm, loaded as written (RFC 8221: ENCR_3DES is "
            "SHOULD NOT); got '3des-sha1', expected aes128gcm, aes256gcm, aes128cbc-sha256 or "
            "aes256cbc-sha256");
}

// Re-entering the tunnel adds to its SAs: the second direction is allowed.
TEST(ManualSa, ReenteredTunnelKeepsItsSas) {
  std::string sa = " transform aes256gcm key " + std::string(72, 'c') + "\n";
  LoadResult r = must_load(tunnel(" dataplane manual-sa outbound spi 300" + sa +
                                  "interface Tunnel1\n"
                                  " dataplane manual-sa inbound spi 300" +
                                  sa));
  ASSERT_TRUE(r.ok());
  const auto& sas = r.config->interface("Tunnel1")->manual_sas;
  ASSERT_EQ(sas.size(), 2u);
  EXPECT_EQ(sas[1].key.size(), 36u);
}

// A global `dataplane` line typed in the tunnel's mode runs globally.
TEST(ManualSa, GlobalDataplaneLineLeavesTheTunnel) {
  Parsed p = parse_only(
      "interface Tunnel1\n"
      " dataplane mbufs 2048\n"
      " dataplane manual-sa outbound spi 300 transform aes128gcm key " +
      std::string(kGcm128Key) + "\n");
  EXPECT_EQ(p.config.dataplane_mbufs, 2048u);
  EXPECT_EQ(errors(p.diagnostics),
            std::vector<std::string>{"t.cfg:3:12: error: unknown command; got 'manual-sa', "
                                     "expected 'mbufs' or 'port'"});
}

}  // namespace
}  // namespace keyway::config::test
