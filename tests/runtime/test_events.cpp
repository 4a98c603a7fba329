// Worker -> control events: soft and hard lifetimes (packets and bytes,
// both directions) raised exactly once per SA, retried when the event ring
// was full, and needs_sa at most once per tunnel per interval however much
// traffic hits a tunnel without an SA. Time is passed in, so the rate
// limit is tested without sleeping.
#include <rte_cycles.h>

#include <chrono>
#include <thread>

#include "tests/runtime/runtime_env.h"

namespace keyway::test {
namespace {

using dp::Direction;
using dp::EventType;
using dp::WorkerCounter;

dp::LoopLab::Options small_lab(uint32_t tunnels = 1) {
  dp::LoopLab::Options o;
  o.window = 32;
  o.ring_size = 256;
  o.tunnels = tunnels;
  return o;
}

void send(Bed& bed, uint32_t tunnel, unsigned n, uint64_t now, uint32_t size = 100) {
  rte_mbuf* pkts[dp::kMaxBurst];
  for (unsigned i = 0; i < n; ++i) pkts[i] = plain_for_tunnel(tunnel, size);
  bed.worker->process(0, pkts, static_cast<uint16_t>(n), now);
}

TEST(LifetimeEvents, PacketLimitsRaiseOneEventEachInBothDirections) {
  auto opt = small_lab();
  Bed bed(dp::WorkerConfig{}, {}, &opt);
  ASSERT_TRUE(bed.ok());
  auto p = sa_pair(0x700, /*soft_packets=*/50, /*hard_packets=*/100);
  ASSERT_TRUE(bed.control->rekey(0, 0, std::move(p.in), std::move(p.out)));
  bed.steps(400);  // far more traffic than the hard limit lets through
  for (Direction d : {Direction::kOutbound, Direction::kInbound}) {
    EXPECT_EQ(bed.count_events(EventType::kSoftExpired, d, 0x700), 1u);
    EXPECT_EQ(bed.count_events(EventType::kHardExpired, d, 0x700), 1u);
  }
  ASSERT_EQ(bed.events.size(), 4u);
  for (const dp::Event& e : bed.events) {
    EXPECT_EQ(e.tunnel, 0u);
    EXPECT_EQ(e.worker, 0u);
    if (e.type == EventType::kSoftExpired) {
      EXPECT_GE(e.packets, 50u);
    }
    if (e.type == EventType::kHardExpired) {
      EXPECT_EQ(e.packets, 100u);
    }
  }
  EXPECT_GT(bed.worker->esp().counters[dp::EspCounter::kSaExpired], 0u) << "hard limit drops";
  EXPECT_EQ(bed.worker->counters()[WorkerCounter::kEvents], 4u);
}

TEST(LifetimeEvents, ByteLimitsOutbound) {
  auto opt = small_lab();
  Bed bed(dp::WorkerConfig{}, {}, &opt);
  ASSERT_TRUE(bed.ok());
  dp::SaSpec spec = spec_for(dp::Transform::kAes256Gcm, 0x710);
  spec.soft_bytes = 1000;  // the 10th 100-byte packet
  spec.hard_bytes = 3000;  // the 30th
  std::string err;
  auto out = dp::Sa::create(spec, Direction::kOutbound, control_mgr(), &err);
  ASSERT_TRUE(out) << err;
  ASSERT_TRUE(bed.control->install_outbound(0, std::move(out), 0));
  bed.worker->drain_control();
  for (int i = 0; i < 4; ++i) {
    send(bed, 0, 4, 1000);
    bed.control->poll(&bed.events);
  }
  EXPECT_EQ(bed.count_events(EventType::kSoftExpired, Direction::kOutbound, 0x710), 1u);
  EXPECT_EQ(bed.count_events(EventType::kHardExpired, Direction::kOutbound, 0x710), 0u);
  for (int i = 0; i < 10; ++i) {
    send(bed, 0, 4, 1000);
    bed.control->poll(&bed.events);
  }
  EXPECT_EQ(bed.count_events(EventType::kSoftExpired, Direction::kOutbound, 0x710), 1u);
  EXPECT_EQ(bed.count_events(EventType::kHardExpired, Direction::kOutbound, 0x710), 1u);
  EXPECT_EQ(bed.worker->esp().counters[dp::EspCounter::kOutOk], 30u);
  EXPECT_EQ(bed.worker->esp().counters[dp::EspCounter::kSaExpired], 56u - 30u);
  for (const dp::Event& e : bed.events)
    if (e.type == EventType::kHardExpired) {
      EXPECT_EQ(e.bytes, 3000u);
    }
}

// Time lifetimes belong to the control thread: SaControl::poll raises each
// event once (flagged kEventByTime) whether or not traffic flows, the hard
// one makes the worker drop the SA's packets from its next burst on, and
// the worker does not report the same expiry again.
TEST(LifetimeEvents, TimeLimitsAreRaisedByTheControlThreadOnce) {
  auto opt = small_lab();
  Bed bed(dp::WorkerConfig{}, {}, &opt);
  ASSERT_TRUE(bed.ok());
  dp::SaSpec spec = spec_for(dp::Transform::kAes128Gcm, 0x730);
  spec.soft_seconds = 1;
  spec.hard_seconds = 2;
  std::string err;
  ASSERT_TRUE(bed.control->install_outbound(
      0, dp::Sa::create(spec, Direction::kOutbound, control_mgr(), &err), 0));
  bed.worker->drain_control();
  send(bed, 0, 4, 1000);
  bed.control->poll(&bed.events);
  EXPECT_TRUE(bed.events.empty());
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  bed.control->poll(&bed.events);
  bed.control->poll(&bed.events);
  ASSERT_EQ(bed.count_events(EventType::kSoftExpired, Direction::kOutbound, 0x730), 1u);
  EXPECT_EQ(bed.events.back().flags, dp::kEventByTime);
  send(bed, 0, 4, 1000);  // still carried after the soft limit
  EXPECT_EQ(bed.worker->esp().counters[dp::EspCounter::kOutOk], 8u);
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  bed.control->poll(&bed.events);
  ASSERT_EQ(bed.count_events(EventType::kHardExpired, Direction::kOutbound, 0x730), 1u);
  send(bed, 0, 4, 1000);  // fail closed
  bed.control->poll(&bed.events);
  EXPECT_EQ(bed.worker->esp().counters[dp::EspCounter::kOutOk], 8u);
  EXPECT_EQ(bed.worker->esp().counters[dp::EspCounter::kSaExpired], 4u);
  EXPECT_EQ(bed.events.size(), 2u) << "the worker reported no second expiry";
  EXPECT_EQ(bed.worker->counters()[WorkerCounter::kEvents], 0u);
}

// A lifetime event that finds the ring full is not lost and not doubled:
// the flag stays unreported and the next burst of that SA raises it.
TEST(LifetimeEvents, FullEventRingDefersButNeverDropsOrDoubles) {
  auto opt = small_lab();
  dp::WorkerConfig cfg;
  cfg.max_tunnels = 8;
  dp::RingSizes sizes;
  sizes.events = 4;  // 3 usable slots
  Bed bed(cfg, sizes, &opt);
  ASSERT_TRUE(bed.ok());
  std::string err;
  dp::SaSpec spec = spec_for(dp::Transform::kAes128Gcm, 0x720);
  spec.soft_packets = 5;
  ASSERT_TRUE(bed.control->install_outbound(0, dp::Sa::create(spec, Direction::kOutbound, control_mgr(), &err), 0));
  bed.worker->drain_control();
  // Three tunnels without SAs fill the event ring with needs_sa events.
  for (uint32_t t = 1; t <= 3; ++t) send(bed, t, 1, 1000);
  EXPECT_EQ(bed.worker->counters()[WorkerCounter::kEvents], 3u);
  send(bed, 0, 8, 1000);
  EXPECT_EQ(bed.worker->counters()[WorkerCounter::kEventRingFull], 1u);
  bed.control->poll(&bed.events);
  EXPECT_EQ(bed.count_events(EventType::kSoftExpired, Direction::kOutbound, 0x720), 0u);
  send(bed, 0, 1, 1000);
  send(bed, 0, 1, 1000);
  bed.control->poll(&bed.events);
  EXPECT_EQ(bed.count_events(EventType::kSoftExpired, Direction::kOutbound, 0x720), 1u);
  EXPECT_EQ(bed.events.size(), 4u);
}

TEST(NeedsSa, AtMostOncePerTunnelPerInterval) {
  auto opt = small_lab(2);
  dp::WorkerConfig cfg;
  cfg.max_tunnels = 2;
  cfg.needs_sa_interval_ms = 100;
  Bed bed(cfg, {}, &opt);
  ASSERT_TRUE(bed.ok());
  const uint64_t ms = rte_get_tsc_hz() / 1000;
  const uint64_t base = 1'000'000'000'000ull;
  const unsigned free_before = pool_free();
  // One second of traffic, a burst every millisecond carrying one packet
  // for each tunnel and one for a tunnel that does not exist.
  for (uint64_t i = 0; i < 1000; ++i) {
    rte_mbuf* pkts[3] = {plain_for_tunnel(0), plain_for_tunnel(1), plain_for_tunnel(7)};
    bed.worker->process(0, pkts, 3, base + i * ms);
    bed.control->poll(&bed.events);
  }
  EXPECT_EQ(pool_free(), free_before);
  for (dp::TunnelId t : {0u, 1u}) {
    size_t n = 0;
    uint64_t reported = 0;
    for (const dp::Event& e : bed.events) {
      if (e.type != EventType::kNeedsSa || e.tunnel != t) continue;
      ++n;
      reported += e.packets;
    }
    EXPECT_EQ(n, 10u) << "tunnel " << t << ": at 0, 100, ..., 900 ms";
    EXPECT_EQ(reported, 901u) << "drops up to the last event, each counted in one event";
  }
  EXPECT_EQ(bed.events.size(), 20u) << "nothing for the unknown tunnel";
  EXPECT_EQ(bed.worker->counters()[WorkerCounter::kNoSa], 2000u);
  EXPECT_EQ(bed.worker->counters()[WorkerCounter::kUnknownTunnel], 1000u);
  // An SA makes the drops stop; deleting it brings the event back at once
  // when the interval has passed.
  auto p = sa_pair(0x730);
  ASSERT_TRUE(bed.control->install_outbound(0, std::move(p.out), 0));
  bed.worker->drain_control();
  send(bed, 0, 4, base + 1000 * ms);
  EXPECT_EQ(bed.worker->counters()[WorkerCounter::kNoSa], 2000u);
  ASSERT_TRUE(bed.control->delete_outbound(0, 0));
  bed.worker->drain_control();
  send(bed, 0, 4, base + 1001 * ms);
  bed.control->poll(&bed.events);
  EXPECT_EQ(bed.events.size(), 21u);
  EXPECT_EQ(bed.events.back().tunnel, 0u);
  EXPECT_EQ(bed.events.back().packets, 99u + 4u);
}

}  // namespace
}  // namespace keyway::test
