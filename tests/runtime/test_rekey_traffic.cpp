// Make-before-break with packets flowing through a worker (stepped by
// hand): outbound switches lose nothing, the old inbound SA still
// decrypts what was in flight, and the reverse order (break before make)
// does lose packets, which shows the test can see a loss. Fail closed when
// the outbound SA is deleted. No mbuf and no SA outlives a test.
#include "tests/runtime/runtime_env.h"

namespace keyway::test {
namespace {

using dp::EspCounter;
using dp::WorkerCounter;

dp::LoopLab::Options lab_options(uint32_t tunnels = 1) {
  dp::LoopLab::Options o;
  o.window = 96;
  o.packet_size = 200;
  o.tunnels = tunnels;
  o.ring_size = 512;
  return o;
}

// Every packet the worker received was sent on or counted as a drop.
void expect_conservation(dp::WorkerCtx& w) {
  EXPECT_EQ(w.counters()[WorkerCounter::kRx],
            w.counters()[WorkerCounter::kTx] + w.counters().drops() + w.esp().counters.drops());
}

TEST(MakeBeforeBreak, OutboundSwitchesLoseNothing) {
  const unsigned free_before = pool_free();
  {
    auto opt = lab_options();
    Bed bed(dp::WorkerConfig{}, {}, &opt);
    ASSERT_TRUE(bed.ok());
    dp::SaControl& c = *bed.control;
    auto first = sa_pair(0x100);
    ASSERT_TRUE(c.rekey(0, 0, std::move(first.in), std::move(first.out)));
    bed.steps(50);

    uint32_t old_spi = 0x100;
    for (uint32_t spi = 0x101; spi < 0x101 + 40; ++spi) {
      auto p = sa_pair(spi);
      dp::Sa* new_out = p.out.get();
      ASSERT_TRUE(c.rekey(0, 0, std::move(p.in), std::move(p.out)));
      // The switch happens in the next iteration, with the window full:
      // ESP packets made with the old SA are in the outside rings then.
      ASSERT_GT(bed.lab->in_flight(), 0u);
      bed.step();
      ASSERT_EQ(bed.worker->outbound_sa(0), new_out);
      bed.steps(20);
      // The old inbound SA goes only once everything has come back.
      ASSERT_TRUE(bed.settle());
      ASSERT_TRUE(c.delete_inbound(0, old_spi));
      bed.steps(5);
      old_spi = spi;
    }
    ASSERT_TRUE(bed.settle());
    EXPECT_GT(bed.lab->delivered(), 40u * 20);
    EXPECT_EQ(bed.lab->generated(), bed.lab->delivered()) << "nothing lost";
    EXPECT_EQ(bed.lab->corrupted(), 0u);
    EXPECT_EQ(bed.worker->esp().counters.drops(), 0u);
    EXPECT_EQ(bed.worker->counters().drops(), 0u);
    expect_conservation(*bed.worker);
    EXPECT_EQ(bed.control->stats().retired[static_cast<size_t>(dp::RetireReason::kReplaced)], 40u);
  }
  EXPECT_EQ(pool_free(), free_before) << "mbufs leaked";
}

// The old inbound SA is the one that decrypts the packets encrypted before
// the switch: count what it processed after the switch was in effect.
TEST(MakeBeforeBreak, OldInboundDecryptsWhatWasInFlight) {
  auto opt = lab_options();
  Bed bed(dp::WorkerConfig{}, {}, &opt);
  ASSERT_TRUE(bed.ok());
  dp::SaControl& c = *bed.control;
  auto a = sa_pair(0x200);
  dp::Sa* old_in = a.in.get();
  ASSERT_TRUE(c.rekey(0, 0, std::move(a.in), std::move(a.out)));
  bed.steps(30);
  auto b = sa_pair(0x201);
  dp::Sa* new_in = b.in.get();
  ASSERT_TRUE(c.rekey(0, 0, std::move(b.in), std::move(b.out)));
  bed.worker->drain_control();  // the switch, between two iterations
  const uint64_t old_at_switch = old_in->packets();
  bed.steps(30);
  // The test thread is the worker here, so reading the runtime is safe.
  EXPECT_GT(old_in->packets(), old_at_switch) << "in-flight packets decrypted by the old SA";
  EXPECT_GT(new_in->packets(), 0u);
  ASSERT_TRUE(bed.settle());
  EXPECT_EQ(bed.lab->generated(), bed.lab->delivered());
  EXPECT_EQ(bed.worker->esp().counters.drops(), 0u);
}

// Switching the outbound SA before the new inbound SA exists (break before
// make) loses the packets that come back before it is installed.
TEST(MakeBeforeBreak, BreakBeforeMakeIsSeenAsLoss) {
  auto opt = lab_options();
  Bed bed(dp::WorkerConfig{}, {}, &opt);
  ASSERT_TRUE(bed.ok());
  dp::SaControl& c = *bed.control;
  auto a = sa_pair(0x300);
  ASSERT_TRUE(c.rekey(0, 0, std::move(a.in), std::move(a.out)));
  bed.steps(30);
  auto b = sa_pair(0x301);
  ASSERT_TRUE(c.install_outbound(0, std::move(b.out), 0));
  bed.steps(10);
  ASSERT_TRUE(c.install_inbound(0, std::move(b.in), 0));
  bed.steps(200, false);  // the lost packets never come back: no settle()
  const uint64_t unknown = bed.worker->esp().counters[EspCounter::kUnknownSpi];
  EXPECT_GT(unknown, 0u);
  EXPECT_EQ(bed.lab->generated(), bed.lab->delivered() + unknown);
  expect_conservation(*bed.worker);
}

// Several tunnels in one burst, each rekeyed in turn, old inbound SAs
// deleted by the lab's rekeyer as soon as it is safe.
TEST(MakeBeforeBreak, MixedTunnelsWithRekeyer) {
  const unsigned free_before = pool_free();
  {
    auto opt = lab_options(5);
    dp::WorkerConfig cfg;
    cfg.max_tunnels = 5;
    Bed bed(cfg, {}, &opt);
    ASSERT_TRUE(bed.ok());
    dp::LabRekeyer rk(*bed.control, 0, *bed.worker, *bed.lab, dp::Transform::kAes128CbcSha256,
                      control_mgr());
    std::string err;
    ASSERT_TRUE(rk.start(5, &err)) << err;
    for (int i = 0; i < 200; ++i) {
      if (i % 2 == 0) {
        ASSERT_TRUE(rk.rekey(static_cast<dp::TunnelId>(i % 5), &err)) << err;
      }
      bed.step();
      rk.poll();
    }
    ASSERT_TRUE(bed.settle());
    rk.poll();
    bed.steps(3, false);
    EXPECT_EQ(rk.pending_deletes(), 0u);
    EXPECT_EQ(bed.worker->inbound_sas(), 5u) << "only the current inbound SAs remain";
    EXPECT_EQ(bed.lab->generated(), bed.lab->delivered());
    EXPECT_EQ(bed.lab->corrupted(), 0u);
    EXPECT_EQ(bed.worker->esp().counters.drops(), 0u);
    EXPECT_EQ(bed.control->live(), 10u);
    expect_conservation(*bed.worker);
  }
  EXPECT_EQ(pool_free(), free_before) << "mbufs leaked";
}

// Deleting a tunnel's outbound SA stops its traffic: nothing leaves on the
// outside port, every packet is a counted no_sa drop.
TEST(FailClosed, NoOutboundSaNoPacketOut) {
  auto opt = lab_options();
  Bed bed(dp::WorkerConfig{}, {}, &opt);
  ASSERT_TRUE(bed.ok());
  auto a = sa_pair(0x400);
  ASSERT_TRUE(bed.control->rekey(0, 0, std::move(a.in), std::move(a.out)));
  bed.steps(20);
  ASSERT_TRUE(bed.settle());
  const uint64_t tx_before = bed.worker->counters()[WorkerCounter::kTx];
  const uint64_t out_ok_before = bed.worker->esp().counters[EspCounter::kOutOk];
  ASSERT_TRUE(bed.control->delete_outbound(0, 0));
  bed.worker->drain_control();
  const unsigned free_before = pool_free();
  for (int i = 0; i < 10; ++i) {
    rte_mbuf* pkts[8];
    for (auto& m : pkts) m = plain_for_tunnel(0);
    bed.worker->process(0, pkts, 8, 1000 + i);
  }
  EXPECT_EQ(pool_free(), free_before) << "dropped packets are freed";
  EXPECT_EQ(bed.worker->counters()[WorkerCounter::kNoSa], 80u);
  EXPECT_EQ(bed.worker->counters()[WorkerCounter::kTx], tx_before);
  EXPECT_EQ(bed.worker->esp().counters[EspCounter::kOutOk], out_ok_before);
}

}  // namespace
}  // namespace keyway::test
