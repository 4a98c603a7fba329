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

// The responder of a rekey (Host::install_answered_rekey): the new inbound
// SA at once, our traffic stays on the old outbound SA until the switch.
TEST(ChildSaTable, DeferredRekeySwitchesAtTheTimeLimit) {
  TableBed b;
  ASSERT_TRUE(b.bed.ok());
  const auto t0 = Clock::now();
  std::string err;
  ASSERT_TRUE(b.table.install(0, pair_for(0x120, 0x220), t0, &err)) << err;
  ASSERT_TRUE(b.table.install(0, pair_for(0x121, 0x221), t0, &err, /*deferred=*/true)) << err;
  b.apply();
  ASSERT_NE(b.bed.worker->outbound_sa(0), nullptr);
  EXPECT_EQ(b.bed.worker->outbound_sa(0)->spi(), 0x220u) << "still the old outbound SA";
  EXPECT_EQ(b.bed.worker->inbound_sas(), 2u) << "the new inbound SA receives already";
  b.table.poll(t0 + std::chrono::milliseconds(1900));
  b.apply();
  EXPECT_EQ(b.bed.worker->outbound_sa(0)->spi(), 0x220u);
  b.table.poll(t0 + std::chrono::seconds(2));
  b.apply();
  EXPECT_EQ(b.bed.worker->outbound_sa(0)->spi(), 0x221u) << "switched at the limit";
  EXPECT_EQ(b.table.switch_stats().deferred, 1u);
  EXPECT_EQ(b.table.switch_stats().on_time, 1u);
  EXPECT_EQ(b.table.switch_stats().on_traffic, 0u);
  auto sas = b.table.sas(0);
  ASSERT_EQ(sas.size(), 3u);
  EXPECT_TRUE(sas[0].current && sas[0].spi == 0x121u);
  EXPECT_TRUE(sas[1].current && sas[1].spi == 0x221u);
  EXPECT_TRUE(!sas[2].current && sas[2].spi == 0x120u) << "the old inbound SA lingers";
}

TEST(ChildSaTable, DeferredRekeySwitchesWhenThePeerDeletesTheOldPair) {
  TableBed b;
  ASSERT_TRUE(b.bed.ok());
  const auto t0 = Clock::now();
  std::string err;
  ASSERT_TRUE(b.table.install(0, pair_for(0x130, 0x230), t0, &err)) << err;
  ASSERT_TRUE(b.table.install(0, pair_for(0x131, 0x231), t0, &err, true)) << err;
  b.apply();
  EXPECT_EQ(b.bed.worker->outbound_sa(0)->spi(), 0x230u);
  // The peer's Delete names the old pair: it has the new one.
  EXPECT_EQ(b.table.remove(0, 0x130), 1u) << "the old inbound SA; its outbound twin was replaced";
  b.apply();
  ASSERT_NE(b.bed.worker->outbound_sa(0), nullptr);
  EXPECT_EQ(b.bed.worker->outbound_sa(0)->spi(), 0x231u);
  EXPECT_EQ(b.bed.worker->inbound_sas(), 1u);
  EXPECT_TRUE(b.table.up(0));
  b.table.poll(t0 + std::chrono::seconds(3));
  EXPECT_EQ(b.table.switch_stats().on_delete, 1u);
  EXPECT_EQ(b.table.switch_stats().on_time, 0u) << "nothing left to switch";
}

TEST(ChildSaTable, DeferredPairDeletedBeforeItsSwitch) {
  TableBed b;
  ASSERT_TRUE(b.bed.ok());
  const auto t0 = Clock::now();
  std::string err;
  ASSERT_TRUE(b.table.install(0, pair_for(0x140, 0x240), t0, &err)) << err;
  ASSERT_TRUE(b.table.install(0, pair_for(0x141, 0x241), t0, &err, true)) << err;
  EXPECT_EQ(b.table.remove(0, 0x141), 1u);
  b.table.poll(t0 + std::chrono::seconds(3));
  b.apply();
  EXPECT_EQ(b.bed.worker->outbound_sa(0)->spi(), 0x240u) << "the old pair carries on";
  EXPECT_EQ(b.bed.worker->inbound_sas(), 1u);
  // A deferred install on a tunnel without SAs switches at once.
  ASSERT_TRUE(b.table.install(1, pair_for(0x150, 0x250), t0, &err, true)) << err;
  b.apply();
  ASSERT_NE(b.bed.worker->outbound_sa(1), nullptr);
  EXPECT_EQ(b.bed.worker->outbound_sa(1)->spi(), 0x250u);
  // clear() takes the waiting inbound SA too.
  ASSERT_TRUE(b.table.install(1, pair_for(0x151, 0x251), t0, &err, true)) << err;
  EXPECT_EQ(b.table.clear(1), 3u);
  b.apply();
  EXPECT_EQ(b.bed.worker->outbound_sa(1), nullptr);
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
