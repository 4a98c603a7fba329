// The control <-> worker protocol, with the worker stepped by hand: an
// install is invisible until the worker drains its ring, then found; a
// delete or replacement hands the SA back and the control thread frees
// it; refusals come back too; flow control keeps every retired SA's slot;
// shutdown reclaims everything. Every Sa handed over is freed exactly once.
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "tests/runtime/runtime_env.h"

namespace keyway::test {
namespace {

using dp::CtrlMsg;
using dp::CtrlOp;
using dp::Direction;
using dp::RetireReason;
using dp::WorkerCounter;

size_t retired(const dp::SaControl& c, RetireReason r) {
  return c.stats().retired[static_cast<size_t>(r)];
}

TEST(RingProtocol, InstallLookupDeleteRetireFree) {
  dp::WorkerConfig cfg;
  cfg.max_tunnels = 8;
  Bed bed(cfg);
  ASSERT_TRUE(bed.ok());
  dp::SaControl& c = *bed.control;
  dp::WorkerCtx& w = *bed.worker;

  auto p = sa_pair(0x2000);
  dp::Sa* in = p.in.get();
  dp::Sa* out = p.out.get();
  ASSERT_TRUE(c.rekey(0, 3, std::move(p.in), std::move(p.out)));
  EXPECT_EQ(c.live(), 2u);
  EXPECT_EQ(c.sent(0), 2u);
  EXPECT_TRUE(c.has_inbound(0, 0x2000));
  EXPECT_EQ(c.outbound(0, 3), out);
  // Nothing is in effect until the worker drains its ring.
  EXPECT_EQ(w.inbound_sas(), 0u);
  EXPECT_EQ(w.outbound_sa(3), nullptr);
  EXPECT_EQ(w.drain_control(), 2u);
  EXPECT_EQ(w.msgs_applied(), 2u);
  EXPECT_EQ(w.inbound_sas(), 1u);
  EXPECT_EQ(w.outbound_sa(3), out);

  // Delete the inbound SA: it comes back and is freed.
  ASSERT_TRUE(c.delete_inbound(0, 0x2000));
  EXPECT_FALSE(c.delete_inbound(0, 0x2000)) << "already gone as far as the control thread knows";
  EXPECT_EQ(c.live(), 2u) << "freed only when the worker hands it back";
  w.drain_control();
  EXPECT_EQ(w.inbound_sas(), 0u);
  c.poll(nullptr);
  EXPECT_EQ(c.live(), 1u);
  EXPECT_EQ(retired(c, RetireReason::kDeleted), 1u);
  (void)in;

  // A new outbound SA replaces the old one, which comes back.
  auto q = sa_pair(0x2001);
  dp::Sa* out2 = q.out.get();
  ASSERT_TRUE(c.install_outbound(0, std::move(q.out), 3));
  w.drain_control();
  EXPECT_EQ(w.outbound_sa(3), out2);
  c.poll(nullptr);
  EXPECT_EQ(retired(c, RetireReason::kReplaced), 1u);
  EXPECT_EQ(c.live(), 1u);

  ASSERT_TRUE(c.delete_outbound(0, 3));
  w.drain_control();
  EXPECT_EQ(w.outbound_sa(3), nullptr);
  c.poll(nullptr);
  EXPECT_EQ(c.live(), 0u);
  EXPECT_EQ(c.stats().adopted, 3u);  // q.in was never handed over
  EXPECT_EQ(c.stats().freed, 3u);
  EXPECT_EQ(w.counters()[WorkerCounter::kSaRetired], 3u);
  EXPECT_EQ(w.counters()[WorkerCounter::kMsgs], 5u);
}

TEST(RingProtocol, ControlThreadRefusesWhatItCannotSend) {
  Bed bed(dp::WorkerConfig{});
  ASSERT_TRUE(bed.ok());
  dp::SaControl& c = *bed.control;
  auto p = sa_pair(0x810);
  auto dup = sa_pair(0x810);
  EXPECT_FALSE(c.install_inbound(0, std::move(p.out), 0)) << "wrong direction";
  EXPECT_FALSE(c.install_outbound(0, std::move(p.in), 0)) << "wrong direction";
  EXPECT_FALSE(c.install_inbound(1, std::move(dup.in), 0)) << "no worker 1";
  auto a = sa_pair(0x811);
  auto b = sa_pair(0x811);
  EXPECT_TRUE(c.install_inbound(0, std::move(a.in), 0));
  EXPECT_FALSE(c.install_inbound(0, std::move(b.in), 0)) << "SPI already on this worker";
  EXPECT_EQ(c.stats().refused, 4u);
  EXPECT_EQ(c.stats().adopted, c.stats().freed + c.live());
  EXPECT_FALSE(c.delete_inbound(0, 0x899));
  EXPECT_FALSE(c.delete_outbound(0, 5));
}

TEST(RingProtocol, WorkerRefusalsComeBack) {
  dp::WorkerConfig cfg;
  cfg.max_tunnels = 4;
  cfg.max_inbound_sas = 3;
  Bed bed(cfg);
  ASSERT_TRUE(bed.ok());
  dp::SaControl& c = *bed.control;
  for (uint32_t spi = 0x901; spi <= 0x904; ++spi) {
    ASSERT_TRUE(c.install_inbound(0, sa_pair(spi).in, 0));
  }
  ASSERT_TRUE(c.install_outbound(0, sa_pair(0x909).out, 4)) << "the control thread does not know the worker's capacity";
  bed.worker->drain_control();
  c.poll(nullptr);
  EXPECT_EQ(bed.worker->inbound_sas(), 3u);
  EXPECT_EQ(retired(c, RetireReason::kTableFull), 1u);
  EXPECT_EQ(retired(c, RetireReason::kBadTunnel), 1u);
  EXPECT_EQ(c.stats().rejected, 2u);
  EXPECT_FALSE(c.has_inbound(0, 0x904)) << "the refused SA is forgotten";
  EXPECT_EQ(c.outbound(0, 4), nullptr);
  EXPECT_EQ(c.live(), 3u);
  EXPECT_EQ(bed.worker->counters()[WorkerCounter::kSaRejected], 2u);

  // A duplicate SPI can only reach the worker by a message written by
  // hand; the worker refuses it as well.
  auto d = sa_pair(0x902);
  CtrlMsg m;
  m.op = CtrlOp::kSaInstall;
  m.dir = Direction::kInbound;
  m.spi = 0x902;
  m.sa = d.in.get();
  ASSERT_EQ(rte_ring_sp_enqueue_elem(c.rings(0).ctrl, &m, sizeof m), 0);
  bed.worker->drain_control();
  dp::RetiredSa r;
  ASSERT_EQ(rte_ring_sc_dequeue_elem(c.rings(0).ret, &r, sizeof r), 0);
  EXPECT_EQ(r.sa, d.in.get());
  EXPECT_EQ(r.reason, RetireReason::kDuplicateSpi);
}

TEST(RingProtocol, StaleAndBadMessagesAreCountedAndIgnored) {
  Bed bed(dp::WorkerConfig{});
  ASSERT_TRUE(bed.ok());
  dp::SaControl& c = *bed.control;
  auto a = sa_pair(0x930);
  auto b = sa_pair(0x931);
  dp::Sa* old_out = a.out.get();
  ASSERT_TRUE(c.install_outbound(0, std::move(a.out), 1));
  ASSERT_TRUE(c.install_outbound(0, std::move(b.out), 1));
  // A delete naming the SA that the second install replaced.
  CtrlMsg del;
  del.op = CtrlOp::kSaDelete;
  del.dir = Direction::kOutbound;
  del.tunnel = 1;
  del.sa = old_out;
  ASSERT_EQ(rte_ring_sp_enqueue_elem(c.rings(0).ctrl, &del, sizeof del), 0);
  CtrlMsg route;
  route.op = CtrlOp::kRouteUpdate;
  ASSERT_EQ(rte_ring_sp_enqueue_elem(c.rings(0).ctrl, &route, sizeof route), 0);
  bed.worker->drain_control();
  c.poll(nullptr);
  EXPECT_EQ(bed.worker->counters()[WorkerCounter::kMsgStale], 1u);
  EXPECT_EQ(bed.worker->counters()[WorkerCounter::kMsgBad], 1u);
  EXPECT_NE(bed.worker->outbound_sa(1), nullptr);
  EXPECT_EQ(c.live(), 1u);
  EXPECT_EQ(c.stats().unknown_returns, 0u);
}

TEST(RingProtocol, DrainIsBoundedPerIteration) {
  dp::WorkerConfig cfg;
  cfg.msgs_per_iteration = 8;
  Bed bed(cfg);
  ASSERT_TRUE(bed.ok());
  for (uint32_t spi = 0xA01; spi <= 0xA14; ++spi) {
    ASSERT_TRUE(bed.control->install_inbound(0, sa_pair(spi).in, 0));
  }
  EXPECT_EQ(bed.worker->drain_control(), 8u);
  EXPECT_EQ(bed.worker->drain_control(), 8u);
  EXPECT_EQ(bed.worker->drain_control(), 4u);
  EXPECT_EQ(bed.worker->drain_control(), 0u);
  EXPECT_EQ(bed.worker->inbound_sas(), 20u);
}

// Tiny rings: requests wait in the control thread's queue, in order, and
// the worker takes no more messages than it has return slots, so no
// retired SA is ever without room.
TEST(RingProtocol, FullRingsQueueAndFlowControl) {
  dp::WorkerConfig cfg;
  cfg.max_tunnels = 4;
  dp::RingSizes sizes;
  sizes.ctrl = 8;  // 7 usable slots
  sizes.ret = 4;   // 3 usable slots
  Bed bed(cfg, sizes);
  ASSERT_TRUE(bed.ok());
  dp::SaControl& c = *bed.control;
  uint32_t spi = 0x100;
  // 50 rekeys of tunnel 2 plus deletes of every old inbound SA.
  for (int i = 0; i < 50; ++i) {
    auto p = sa_pair(spi);
    ASSERT_TRUE(c.rekey(0, 2, std::move(p.in), std::move(p.out)));
    if (i > 0) {
      ASSERT_TRUE(c.delete_inbound(0, spi - 1));
    }
    ++spi;
  }
  EXPECT_EQ(c.sent(0), 7u);
  EXPECT_GT(c.queued(0), 100u);
  for (int round = 0; round < 1000 && (c.queued(0) || c.live() > 2); ++round) {
    const unsigned room = rte_ring_free_count(c.rings(0).ret);
    const unsigned n = bed.worker->drain_control();
    EXPECT_LE(n, room);
    if (round % 3 == 0) c.poll(nullptr);  // the control thread is slow to take returns
  }
  c.poll(nullptr);
  EXPECT_EQ(c.queued(0), 0u);
  EXPECT_EQ(bed.worker->msgs_applied(), c.sent(0));
  EXPECT_EQ(c.sent(0), 50u * 2 + 49);
  EXPECT_EQ(c.live(), 2u) << "the last pair";
  EXPECT_EQ(bed.worker->inbound_sas(), 1u);
  EXPECT_EQ(bed.worker->outbound_sa(2)->spi(), spi - 1);
  EXPECT_EQ(retired(c, RetireReason::kReplaced), 49u);
  EXPECT_EQ(retired(c, RetireReason::kDeleted), 49u);
}

TEST(RingProtocol, ReclaimFreesEverythingAtShutdown) {
  dp::WorkerConfig cfg;
  cfg.max_tunnels = 4;
  dp::RingSizes sizes;
  sizes.ctrl = 4;
  auto bed = std::make_unique<Bed>(cfg, sizes);
  ASSERT_TRUE(bed->ok());
  dp::SaControl& c = *bed->control;
  for (uint32_t t = 0; t < 4; ++t) {
    auto p = sa_pair(0x500 + t);
    ASSERT_TRUE(c.rekey(0, t, std::move(p.in), std::move(p.out)));
  }
  bed->worker->drain_control();  // some applied, some in the ring, some queued here
  auto p = sa_pair(0x600);
  ASSERT_TRUE(c.install_outbound(0, std::move(p.out), 0));  // a replacement still owed back
  EXPECT_GT(c.queued(0), 0u);
  c.reclaim(0, *bed->worker);
  EXPECT_EQ(c.live(), 0u);
  EXPECT_EQ(c.stats().adopted, 9u);
  EXPECT_EQ(c.stats().freed, 9u);
  EXPECT_EQ(bed->worker->inbound_sas(), 0u);
  EXPECT_EQ(bed->worker->outbound_sa(0), nullptr);
}

}  // namespace
}  // namespace keyway::test
