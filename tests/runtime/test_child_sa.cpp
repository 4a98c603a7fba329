// The daemon's ChildSaTable over a real worker: make-before-break installs,
// lingering inbound SAs deleted only after the grace period, clear() fail
// closed, and refusals that leave the tunnel as it was.
#include "control/daemon/child_sa.h"
#include "tests/runtime/runtime_env.h"

namespace keyway::test {
namespace {

using daemon::ChildSaPair;
using daemon::ChildSaTable;
using daemon::Clock;
using dp::Direction;

ChildSaPair pair_for(uint32_t in_spi, uint32_t out_spi) {
  ChildSaPair p;
  p.in = spec_for(dp::Transform::kAes128Gcm, in_spi);
  p.out = spec_for(dp::Transform::kAes128Gcm, out_spi);
  p.keying = "test";
  return p;
}

struct TableBed {
  TableBed() : bed(dp::WorkerConfig{}), table(*bed.control, control_mgr(), std::chrono::seconds(5)) {}
  void apply() {
    bed.control->poll(nullptr);
    bed.worker->drain_control();
    bed.control->poll(nullptr);
  }
  Bed bed;
  ChildSaTable table;
};

TEST(ChildSaTable, RekeyKeepsTheOldInboundSaForTheGracePeriod) {
  TableBed b;
  ASSERT_TRUE(b.bed.ok());
  const auto t0 = Clock::now();
  std::string err;
  ASSERT_TRUE(b.table.install(0, pair_for(0x100, 0x200), t0, &err)) << err;
  b.apply();
  EXPECT_TRUE(b.table.up(0));
  EXPECT_EQ(b.bed.worker->inbound_sas(), 1u);
  ASSERT_TRUE(b.table.install(0, pair_for(0x101, 0x201), t0 + std::chrono::seconds(1), &err)) << err;
  b.apply();
  ASSERT_NE(b.bed.worker->outbound_sa(0), nullptr);
  EXPECT_EQ(b.bed.worker->outbound_sa(0)->spi(), 0x201u) << "outbound switched";
  EXPECT_EQ(b.bed.worker->inbound_sas(), 2u) << "old inbound still receiving";
  auto sas = b.table.sas(0);
  ASSERT_EQ(sas.size(), 3u);
  EXPECT_TRUE(sas[0].current && sas[0].spi == 0x101u && sas[0].dir == Direction::kInbound);
  EXPECT_TRUE(sas[1].current && sas[1].spi == 0x201u && sas[1].dir == Direction::kOutbound);
  EXPECT_TRUE(!sas[2].current && sas[2].spi == 0x100u);
  b.table.poll(t0 + std::chrono::seconds(5));  // 4 s after the rekey: not yet
  b.apply();
  EXPECT_EQ(b.bed.worker->inbound_sas(), 2u);
  b.table.poll(t0 + std::chrono::seconds(6));
  b.apply();
  EXPECT_EQ(b.bed.worker->inbound_sas(), 1u);
  EXPECT_EQ(b.table.sas(0).size(), 2u);
}

TEST(ChildSaTable, ClearDeletesBothDirectionsNow) {
  TableBed b;
  ASSERT_TRUE(b.bed.ok());
  std::string err;
  const auto t0 = Clock::now();
  ASSERT_TRUE(b.table.install(0, pair_for(0x110, 0x210), t0, &err)) << err;
  ASSERT_TRUE(b.table.install(0, pair_for(0x111, 0x211), t0, &err)) << err;
  b.apply();
  EXPECT_EQ(b.table.clear(0), 3u) << "two inbound and the outbound";
  b.apply();
  EXPECT_FALSE(b.table.up(0));
  EXPECT_EQ(b.bed.worker->outbound_sa(0), nullptr);
  EXPECT_EQ(b.bed.worker->inbound_sas(), 0u);
  EXPECT_EQ(b.table.clear(0), 0u);
  EXPECT_EQ(b.table.clear(7), 0u) << "a tunnel never seen";
}

TEST(ChildSaTable, RemoveByInboundSpi) {
  TableBed b;
  ASSERT_TRUE(b.bed.ok());
  std::string err;
  const auto t0 = Clock::now();
  ASSERT_TRUE(b.table.install(0, pair_for(0x130, 0x230), t0, &err)) << err;
  ASSERT_TRUE(b.table.install(0, pair_for(0x131, 0x231), t0, &err)) << err;
  b.apply();
  EXPECT_EQ(b.table.remove(0, 0x130), 1u) << "the lingering inbound SA alone";
  b.apply();
  EXPECT_TRUE(b.table.up(0));
  EXPECT_EQ(b.bed.worker->inbound_sas(), 1u);
  EXPECT_EQ(b.table.remove(0, 0x999), 0u);
  EXPECT_EQ(b.table.remove(0, 0x231), 0u) << "an outbound SPI names no pair";
  EXPECT_EQ(b.table.remove(0, 0x131), 2u) << "the current pair: both directions";
  b.apply();
  EXPECT_FALSE(b.table.up(0));
  EXPECT_EQ(b.bed.worker->outbound_sa(0), nullptr);
  EXPECT_EQ(b.bed.worker->inbound_sas(), 0u);
  EXPECT_TRUE(b.table.sas(0).empty());
}

TEST(ChildSaTable, RefusalsLeaveTheTunnelUnchanged) {
  TableBed b;
  ASSERT_TRUE(b.bed.ok());
  std::string err;
  const auto t0 = Clock::now();
  ASSERT_TRUE(b.table.install(0, pair_for(0x120, 0x220), t0, &err)) << err;
  b.apply();
  EXPECT_FALSE(b.table.install(0, pair_for(0x120, 0x221), t0, &err)) << "inbound SPI in use";
  EXPECT_NE(err.find("already installed"), std::string::npos) << err;
  ChildSaPair bad = pair_for(0x121, 0x222);
  bad.out.key.resize(3);
  EXPECT_FALSE(b.table.install(0, bad, t0, &err));
  b.apply();
  ASSERT_NE(b.bed.worker->outbound_sa(0), nullptr);
  EXPECT_EQ(b.bed.worker->outbound_sa(0)->spi(), 0x220u);
  EXPECT_EQ(b.bed.worker->inbound_sas(), 1u);
  EXPECT_EQ(b.table.sas(0).size(), 2u);
}

}  // namespace
}  // namespace keyway::test
