// Round trips through the engine for every transform, with and without UDP
// encapsulation and ESN, inner IPv4 sizes 20..1500 and IPv6: what outbound
// produces, inbound must turn back into the same bytes, and the outer
// header must carry what RFC 4303/4301/3948 say.
#include <gtest/gtest.h>

#include <tuple>

#include "tests/support/test_env.h"
#include "tests/support/transforms.h"

namespace keyway::test {
namespace {

using dp::Direction;
using dp::EspCounter;
using dp::Sa;
using dp::Transform;

struct Pair {
  std::unique_ptr<Sa> out, in;
  dp::SpiTable table;
};

Pair make_pair(const dp::SaSpec& spec) {
  Pair p;
  std::string err;
  p.out = Sa::create(spec, Direction::kOutbound, control_mgr(), &err);
  EXPECT_TRUE(p.out) << err;
  p.in = Sa::create(spec, Direction::kInbound, control_mgr(), &err);
  EXPECT_TRUE(p.in) << err;
  if (p.in) p.table.insert(p.in.get());
  return p;
}

using Param = EspParam;

class RoundTrip : public ::testing::TestWithParam<Param> {};

TEST_P(RoundTrip, EverySizeComesBackIntact) {
  auto [t, udp, esn] = GetParam();
  dp::SaSpec spec = spec_for(t, 0x1000, udp, esn);
  if (esn) spec.seq = 0xFFFFFF00ull;  // cross the 2^32 boundary on the way
  Pair p = make_pair(spec);
  ASSERT_TRUE(p.out && p.in);
  const dp::TransformInfo& info = dp::transform_info(t);
  dp::EspCtx& ctx = esp_ctx();
  auto before = ctx.counters;

  const uint32_t kFirst = 20, kLast = 1500;
  uint64_t expect_seq = spec.seq;
  for (uint32_t size = kFirst; size <= kLast;) {
    rte_mbuf* pkts[32];
    Bytes inner[32];
    uint16_t n = 0;
    for (; n < 32 && size <= kLast; ++n, ++size) {
      inner[n] = make_ipv4_udp(0x0A000001, 0x0A000002, size, static_cast<uint8_t>(size & 0xfc),
                               static_cast<uint8_t>(size % 200 + 1), size % 2 == 0,
                               static_cast<uint8_t>(size));
      pkts[n] = to_mbuf(inner[n]);
    }
    ASSERT_EQ(dp::esp_outbound(ctx, *p.out, {pkts, n}), n);
    for (uint16_t i = 0; i < n; ++i) {
      ++expect_seq;
      Bytes wire = to_bytes(pkts[i]);
      const uint32_t inner_len = static_cast<uint32_t>(inner[i].size());
      const uint32_t outer = udp ? 28 : 20;
      const uint32_t payload = inner_len + 2;
      const uint32_t padded = (payload + info.block_len - 1) / info.block_len * info.block_len;
      ASSERT_EQ(wire.size(), outer + 8 + info.iv_len + padded + info.icv_len) << "size " << inner_len;
      EXPECT_EQ(wire[0], 0x45);
      EXPECT_EQ(wire[1], inner[i][1]) << "DSCP/ECN copied from inner";
      EXPECT_EQ(wire[8], inner[i][8]) << "TTL copied from inner";
      EXPECT_EQ(wire[6] & 0x40, inner[i][6] & 0x40) << "DF copied from inner";
      EXPECT_EQ(wire[9], udp ? 17 : 50);
      EXPECT_EQ((wire[2] << 8 | wire[3]), static_cast<int>(wire.size()));
      uint32_t sum = 0;
      for (int b = 0; b < 20; b += 2) sum += uint32_t{wire[b]} << 8 | wire[b + 1];
      while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
      EXPECT_EQ(sum, 0xffffu) << "outer IPv4 checksum";
      if (udp) {
        EXPECT_EQ((wire[20] << 8 | wire[21]), 4500);
        EXPECT_EQ((wire[22] << 8 | wire[23]), 4500);
        EXPECT_EQ((wire[24] << 8 | wire[25]), static_cast<int>(wire.size() - 20));
        EXPECT_EQ(wire[26] | wire[27], 0) << "UDP checksum zero (RFC 3948)";
      }
      const uint8_t* esp = wire.data() + outer;
      EXPECT_EQ((uint32_t{esp[0]} << 24 | esp[1] << 16 | esp[2] << 8 | esp[3]), 0x1000u);
      uint32_t seq_lo = uint32_t{esp[4]} << 24 | esp[5] << 16 | esp[6] << 8 | esp[7];
      EXPECT_EQ(seq_lo, static_cast<uint32_t>(expect_seq));
      // The plaintext must not appear in the ciphertext.
      Bytes ct(wire.begin() + outer + 8 + info.iv_len, wire.end() - info.icv_len);
      EXPECT_NE(Bytes(ct.begin(), ct.begin() + std::min<size_t>(20, inner_len)),
                Bytes(inner[i].begin(), inner[i].begin() + std::min<size_t>(20, inner_len)));
    }
    ASSERT_EQ(dp::esp_inbound(ctx, p.table, {pkts, n}), n);
    for (uint16_t i = 0; i < n; ++i) {
      EXPECT_EQ(to_bytes(pkts[i]), inner[i]) << "size " << inner[i].size();
      rte_pktmbuf_free(pkts[i]);
    }
  }
  const uint64_t count = kLast - kFirst + 1;
  EXPECT_EQ(ctx.counters[EspCounter::kOutOk] - before[EspCounter::kOutOk], count);
  EXPECT_EQ(ctx.counters[EspCounter::kInOk] - before[EspCounter::kInOk], count);
  EXPECT_EQ(ctx.counters.drops(), before.drops());
  EXPECT_EQ(p.out->seq(), expect_seq);
  EXPECT_EQ(p.in->replay_highest(), expect_seq);
  EXPECT_EQ(p.out->packets(), count);
  EXPECT_EQ(p.in->packets(), count);
}

TEST_P(RoundTrip, Ipv6InnerComesBackIntact) {
  auto [t, udp, esn] = GetParam();
  Pair p = make_pair(spec_for(t, 0x2000, udp, esn));
  ASSERT_TRUE(p.out && p.in);
  rte_mbuf* pkts[8];
  Bytes inner[8];
  for (uint16_t i = 0; i < 8; ++i) {
    inner[i] = make_ipv6_udp(48 + i * 181, static_cast<uint8_t>(i));
    pkts[i] = to_mbuf(inner[i]);
  }
  ASSERT_EQ(dp::esp_outbound(esp_ctx(), *p.out, {pkts, 8}), 8);
  ASSERT_EQ(dp::esp_inbound(esp_ctx(), p.table, {pkts, 8}), 8);
  for (uint16_t i = 0; i < 8; ++i) {
    EXPECT_EQ(to_bytes(pkts[i]), inner[i]);
    rte_pktmbuf_free(pkts[i]);
  }
}

INSTANTIATE_TEST_SUITE_P(AllTransforms, RoundTrip, all_esp_params(), esp_param_name);

}  // namespace
}  // namespace keyway::test
