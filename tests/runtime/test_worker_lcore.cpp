// A real worker on its own lcore (rte_eal_remote_launch) while the test
// thread, as the control thread, feeds packets and pushes 10,000 SAs at
// it. Every packet generated comes back intact, is counted as a drop, or
// is found in a ring at the end; the test asserts there are no drops at
// all. Every SA is freed exactly once and no mbuf leaks.
#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include <atomic>
#include <cstdio>

#include "tests/runtime/runtime_env.h"

namespace keyway::test {
namespace {

using dp::WorkerCounter;

constexpr uint32_t kTunnels = 16;

class WorkerLcore : public ::testing::Test {
 protected:
  void SetUp() override {
    lcore_ = rte_get_next_lcore(-1, 1, 0);
    if (lcore_ >= RTE_MAX_LCORE) GTEST_FAIL() << "no worker lcore: the binary runs EAL with -l 0,1";
    free_before_ = pool_free();
    dp::LoopLab::Options opt;
    opt.window = 256;
    opt.ring_size = 1024;
    opt.packet_size = 256;
    opt.tunnels = kTunnels;
    dp::WorkerConfig cfg;
    cfg.max_tunnels = kTunnels;
    cfg.max_inbound_sas = 16384;
    bed_ = std::make_unique<Bed>(cfg, dp::RingSizes{}, &opt);
    ASSERT_TRUE(bed_->ok());
  }
  void TearDown() override {
    bed_.reset();
    EXPECT_EQ(pool_free(), free_before_) << "mbufs leaked";
  }

  void launch() {
    stop_.store(false, std::memory_order_relaxed);
    launch_ = dp::WorkerLaunch{bed_->worker.get(), &stop_};
    ASSERT_EQ(rte_eal_remote_launch(dp::worker_lcore_main, &launch_, lcore_), 0);
  }
  void join() {
    stop_.store(true, std::memory_order_release);
    rte_eal_wait_lcore(lcore_);
  }
  // The control thread's loop body: returns and events, then traffic.
  void control_round(dp::LabRekeyer* rk, bool generate = true) {
    bed_->control->poll(&bed_->events);
    bed_->lab->pump(generate);
    if (rk) rk->poll();
  }
  // Runs control rounds until `done` or the deadline; false on timeout.
  template <class F>
  bool until(F done, double seconds, dp::LabRekeyer* rk, bool generate) {
    const uint64_t end = rte_rdtsc() + static_cast<uint64_t>(seconds * static_cast<double>(rte_get_tsc_hz()));
    while (!done()) {
      if (rte_rdtsc() > end) return false;
      control_round(rk, generate);
    }
    return true;
  }
  bool all_applied() {
    return bed_->control->queued(0) == 0 && bed_->worker->msgs_applied() == bed_->control->sent(0);
  }
  // After join(): packets generated = delivered + counted drops + left in rings.
  void expect_no_loss() {
    dp::WorkerCtx& w = *bed_->worker;
    dp::LoopLab& lab = *bed_->lab;
    const uint64_t drops = w.counters().drops() + w.esp().counters.drops();
    const uint64_t stuck = lab.drain();
    EXPECT_EQ(lab.generated(), lab.delivered() + drops + stuck) << "unexplained loss";
    EXPECT_EQ(drops, 0u);
    EXPECT_EQ(stuck, 0u);
    EXPECT_EQ(lab.corrupted(), 0u);
    EXPECT_EQ(lab.overflow(), 0u);
    EXPECT_EQ(w.counters()[WorkerCounter::kRx], w.counters()[WorkerCounter::kTx] + drops);
    const double gap_ms = static_cast<double>(w.max_gap_tsc()) * 1e3 / static_cast<double>(rte_get_tsc_hz());
    std::printf("  packets %llu, rekeys/messages %llu, longest gap between iterations %.3f ms\n",
                static_cast<unsigned long long>(lab.delivered()),
                static_cast<unsigned long long>(w.msgs_applied()), gap_ms);
    RecordProperty("max_gap_us", static_cast<int>(gap_ms * 1000));
    // A stall would be seconds; the machine's scheduler alone can take a
    // few milliseconds from a busy-polling thread.
    EXPECT_LT(gap_ms, 500.0);
  }

  unsigned lcore_ = 0;
  unsigned free_before_ = 0;
  std::unique_ptr<Bed> bed_;
  std::atomic<bool> stop_{false};
  dp::WorkerLaunch launch_;
};

// 5,000 make-before-break rekeys spread over 16 tunnels = 10,000 SAs
// installed (and as many retired and freed) while traffic flows.
TEST_F(WorkerLcore, TenThousandSasByRekeyWhileTrafficFlows) {
  dp::LabRekeyer rk(*bed_->control, 0, *bed_->worker, *bed_->lab, dp::Transform::kAes128Gcm,
                    control_mgr());
  std::string err;
  ASSERT_TRUE(rk.start(kTunnels, &err)) << err;
  launch();
  for (int i = 0; i < 5000; ++i) {
    if (!rk.rekey(static_cast<uint32_t>(i) % kTunnels, &err)) {
      join();
      FAIL() << err;
    }
    control_round(&rk);
    control_round(&rk);
  }
  const bool drained = until([&] { return bed_->lab->in_flight() == 0; }, 10, &rk, false);
  const bool deleted = until([&] { return rk.pending_deletes() == 0 && all_applied(); }, 5, &rk, false);
  join();
  bed_->control->poll(&bed_->events);
  EXPECT_TRUE(drained);
  EXPECT_TRUE(deleted);
  EXPECT_EQ(rk.rekeys(), 5000u);
  EXPECT_EQ(bed_->control->stats().adopted, 2u * kTunnels + 10000u);
  EXPECT_EQ(bed_->control->live(), 2u * kTunnels) << "only the current pairs";
  EXPECT_EQ(bed_->worker->inbound_sas(), kTunnels);
  EXPECT_GT(bed_->lab->delivered(), 5000u) << "traffic flowed during the rekeys";
  EXPECT_TRUE(bed_->events.empty());
  expect_no_loss();
}

// 10,000 extra inbound SAs installed at once (all live together), then
// deleted, while the tunnels keep carrying traffic on their own SAs.
TEST_F(WorkerLcore, TenThousandInboundSasInstalledAndDeletedWhileTrafficFlows) {
  dp::LabRekeyer rk(*bed_->control, 0, *bed_->worker, *bed_->lab, dp::Transform::kAes128Gcm,
                    control_mgr());
  std::string err;
  ASSERT_TRUE(rk.start(kTunnels, &err)) << err;
  launch();
  const uint32_t first = 0x100000;
  for (uint32_t i = 0; i < 10000; ++i) {
    auto p = sa_pair(first + i);
    ASSERT_TRUE(bed_->control->install_inbound(0, std::move(p.in), i % kTunnels));
    control_round(nullptr);
  }
  const bool installed = until([&] { return all_applied(); }, 10, nullptr, true);
  EXPECT_TRUE(installed);
  EXPECT_EQ(bed_->control->live(), 2u * kTunnels + 10000u);
  for (uint32_t i = 0; i < 10000; ++i) {
    ASSERT_TRUE(bed_->control->delete_inbound(0, first + i));
    control_round(nullptr);
  }
  const bool deleted = until([&] { return all_applied() && bed_->control->live() == 2u * kTunnels; },
                             10, nullptr, true);
  const bool drained = until([&] { return bed_->lab->in_flight() == 0; }, 10, nullptr, false);
  join();
  EXPECT_TRUE(deleted);
  EXPECT_TRUE(drained);
  EXPECT_EQ(bed_->worker->inbound_sas(), kTunnels);
  EXPECT_EQ(bed_->control->stats().retired[static_cast<size_t>(dp::RetireReason::kDeleted)], 10000u);
  expect_no_loss();
}

}  // namespace
}  // namespace keyway::test
