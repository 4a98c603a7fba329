// Several workers on their own lcores (1 and 2; runtime_env.cpp maps
// lcore 2 onto the second CPU when the machine has only two), in ring mode:
// each worker has its own inside and outside ring port, the test thread
// is the control thread and plays the LAN and the peer.
//
// - Outbound: both workers receive plaintext for one tunnel; the one that
//   does not own it hands it over, and every sequence number leaves once.
// - Inbound: both workers receive the ESP of one SA; the owner decrypts
//   all of it exactly once, and the replay window still drops replays.
// - Route swap (router mode, one worker): kRouteUpdate while traffic
//   flows loses nothing, and every replaced table is freed.
#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <array>
#include <atomic>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/esp/sa.h"
#include "dataplane/runtime/ring_port.h"
#include "dataplane/runtime/route_table.h"
#include "tests/runtime/runtime_env.h"
#include "tests/support/packet_util.h"

namespace keyway::test {
namespace {

using dp::WorkerCounter;

constexpr uint32_t kLocal = 0xC0A80001;    // 192.168.0.1
constexpr uint32_t kPeer = 0xC0A80002;     // 192.168.0.2
constexpr uint32_t kLanHost = 0xC0A86414;  // 192.168.100.20
constexpr uint32_t kRemote = 0xC0A8C80A;   // 192.168.200.10
constexpr unsigned kWindow = 1024;         // packets in flight at most (pool: 8191)

uint64_t tsc_after(double seconds) {
  return rte_rdtsc() + static_cast<uint64_t>(seconds * static_cast<double>(rte_get_tsc_hz()));
}

dp::SaSpec spec(uint32_t spi, dp::Direction dir, uint32_t replay_window) {
  dp::SaSpec s = spec_for(dp::Transform::kAes128Gcm, spi);
  s.src = dir == dp::Direction::kOutbound ? kLocal : kPeer;
  s.dst = dir == dp::Direction::kOutbound ? kPeer : kLocal;
  s.replay_window = replay_window;
  return s;
}

std::unique_ptr<dp::Sa> make_sa(const dp::SaSpec& s, dp::Direction d) {
  std::string err;
  auto sa = dp::Sa::create(s, d, control_mgr(), &err);
  EXPECT_TRUE(sa) << err;
  return sa;
}

// A plaintext packet whose IP ID and first payload bytes carry `id`.
rte_mbuf* plain(uint32_t id) {
  Bytes p = make_ipv4_udp(kLanHost, kRemote, 120);
  p[4] = static_cast<uint8_t>(id >> 8);
  p[5] = static_cast<uint8_t>(id);
  put16(&p[10], 0);
  put16(&p[10], ~ones_sum(p.data(), 20) & 0xffff);
  put32(&p[28], id);
  return to_mbuf(p);
}

uint32_t id_of(const rte_mbuf* m) { return be32(rte_pktmbuf_mtod(m, const uint8_t*) + 28); }

class MultiWorker : public ::testing::Test {
 protected:
  static constexpr unsigned kWorkers = 2;

  void SetUp() override {
    free_before_ = pool_free();
    int prev = -1;
    for (unsigned w = 0; w < kWorkers; ++w) {
      lcore_[w] = rte_get_next_lcore(static_cast<unsigned>(prev), 1, 0);
      // The suite starts EAL with --lcores=0@0,1@1,2@1, so this only skips
      // when the binary is run by hand with fewer lcores.
      if (lcore_[w] >= RTE_MAX_LCORE) GTEST_SKIP() << "needs " << kWorkers << " worker lcores";
      prev = static_cast<int>(lcore_[w]);
    }
    static unsigned beds = 0;
    const std::string name = "mw" + std::to_string(beds++);
    std::string err;
    control_ = dp::SaControl::create(kWorkers, dp::RingSizes{}, &err);
    ASSERT_TRUE(control_) << err;
    for (unsigned w = 0; w < kWorkers; ++w) {
      inside_[w] = dp::RingPort::create(name + "i" + std::to_string(w), 2048, pool(), &err);
      ASSERT_TRUE(inside_[w]) << err;
      outside_[w] = dp::RingPort::create(name + "o" + std::to_string(w), 2048, pool(), &err);
      ASSERT_TRUE(outside_[w]) << err;
      dp::WorkerConfig cfg;
      cfg.id = static_cast<uint16_t>(w);
      cfg.workers = kWorkers;
      cfg.max_tunnels = 4;
      cfg.rx = {{inside_[w]->port(), 0}, {outside_[w]->port(), 0}};
      cfg.inside_tx = {inside_[w]->port(), 0};
      cfg.outside_tx = {outside_[w]->port(), 0};
      cfg.default_tunnel = 0;
      worker_[w] = dp::WorkerCtx::create(cfg, control_->rings(w), &err);
      ASSERT_TRUE(worker_[w]) << err;
    }
  }

  void TearDown() override {
    if (launched_) join();
    for (unsigned w = 0; w < kWorkers; ++w)
      if (worker_[w]) control_->reclaim(w, *worker_[w]);
    for (unsigned w = 0; w < kWorkers; ++w) {
      worker_[w].reset();
      inside_[w].reset();
      outside_[w].reset();
    }
    control_.reset();
    EXPECT_EQ(pool_free(), free_before_) << "mbufs leaked";
  }

  void launch() {
    stop_.store(false, std::memory_order_relaxed);
    for (unsigned w = 0; w < kWorkers; ++w) {
      launch_[w] = dp::WorkerLaunch{worker_[w].get(), &stop_};
      ASSERT_EQ(rte_eal_remote_launch(dp::worker_lcore_main, &launch_[w], lcore_[w]), 0);
    }
    launched_ = true;
  }
  void join() {
    stop_.store(true, std::memory_order_release);
    for (unsigned w = 0; w < kWorkers; ++w) rte_eal_wait_lcore(lcore_[w]);
    launched_ = false;
  }
  bool wait_applied() {
    const uint64_t end = tsc_after(5);
    for (;;) {
      control_->poll(nullptr);
      bool all = true;
      for (unsigned w = 0; w < kWorkers; ++w)
        all = all && control_->queued(w) == 0 && worker_[w]->msgs_applied() == control_->sent(w);
      if (all) return true;
      if (rte_rdtsc() > end) return false;
    }
  }
  // Dequeues what the workers sent on `ports`' tx rings.
  template <class F>
  unsigned collect(std::unique_ptr<dp::RingPort>* ports, F&& each_burst) {
    unsigned got = 0;
    for (unsigned w = 0; w < kWorkers; ++w) {
      rte_mbuf* pkts[64];
      const unsigned n =
          rte_ring_sc_dequeue_burst(ports[w]->tx(), reinterpret_cast<void**>(pkts), 64, nullptr);
      if (n) each_burst(w, pkts, n);
      got += n;
    }
    return got;
  }
  uint64_t sum(WorkerCounter c) const {
    uint64_t v = 0;
    for (unsigned w = 0; w < kWorkers; ++w) v += worker_[w]->counters()[c];
    return v;
  }

  std::array<unsigned, kWorkers> lcore_{};
  std::unique_ptr<dp::SaControl> control_;
  std::array<std::unique_ptr<dp::RingPort>, kWorkers> inside_, outside_;
  std::array<std::unique_ptr<dp::WorkerCtx>, kWorkers> worker_;
  std::array<dp::WorkerLaunch, kWorkers> launch_{};
  std::atomic<bool> stop_{false};
  bool launched_ = false;
  unsigned free_before_ = 0;
};

TEST_F(MultiWorker, OutboundSequenceNumbersLeaveOnceAcrossWorkers) {
  constexpr uint32_t kSpi = 0x5100;
  constexpr uint32_t kPackets = 40000;
  const unsigned owner = control_->owner(0);
  ASSERT_TRUE(control_->install_outbound(
      owner, make_sa(spec(kSpi, dp::Direction::kOutbound, 64), dp::Direction::kOutbound), 0));
  launch();
  ASSERT_TRUE(wait_applied());
  // The peer: a fresh inbound SA without replay window, so that a repeated
  // sequence number would be decrypted twice and seen here.
  auto in = make_sa(spec(kSpi, dp::Direction::kInbound, 0), dp::Direction::kInbound);
  ASSERT_TRUE(in);
  dp::SpiTable peer;
  ASSERT_TRUE(peer.insert(in.get()));

  std::vector<uint8_t> seq_seen(kPackets + 1), id_seen(kPackets);
  uint64_t sent = 0, got = 0, decrypted = 0, dup_seq = 0, dup_id = 0, bad = 0;
  uint64_t fed[kWorkers] = {};
  const uint64_t end = tsc_after(30);
  while (got < kPackets && rte_rdtsc() < end) {
    // Bursts of 32 to each worker in turn: both encrypt for the same SA.
    for (unsigned w = 0; w < kWorkers && sent < kPackets && sent - got < kWindow; ++w) {
      rte_mbuf* burst[32];
      unsigned n = 0;
      while (n < 32 && sent < kPackets) burst[n++] = plain(static_cast<uint32_t>(sent++));
      const unsigned q =
          rte_ring_sp_enqueue_burst(inside_[w]->rx(), reinterpret_cast<void**>(burst), n, nullptr);
      ASSERT_EQ(q, n);
      fed[w] += n;
    }
    got += collect(outside_.data(), [&](unsigned, rte_mbuf** pkts, unsigned n) {
      for (unsigned i = 0; i < n; ++i) {
        const uint32_t seq = be32(rte_pktmbuf_mtod(pkts[i], const uint8_t*) + 24);
        if (seq == 0 || seq > kPackets) {
          ++bad;
          continue;
        }
        dup_seq += seq_seen[seq]++ ? 1 : 0;
      }
      const uint16_t good = dp::esp_inbound(esp_ctx(), peer, {pkts, n});
      decrypted += good;
      for (uint16_t i = 0; i < good; ++i) {
        const uint32_t id = id_of(pkts[i]);
        if (id < kPackets) dup_id += id_seen[id]++ ? 1 : 0;
      }
      rte_pktmbuf_free_bulk(pkts, n);
    });
  }
  join();
  EXPECT_EQ(got, kPackets);
  EXPECT_EQ(decrypted, kPackets);
  EXPECT_EQ(dup_seq, 0u) << "a sequence number (and GCM IV) was sent twice";
  EXPECT_EQ(dup_id, 0u);
  EXPECT_EQ(bad, 0u);
  for (uint32_t s = 1; s <= kPackets; ++s) ASSERT_EQ(seq_seen[s], 1) << "sequence number " << s;
  // Counters sum over workers: the owner encrypted everything, the other
  // worker handed its share over.
  const unsigned other = 1 - owner;
  EXPECT_EQ(worker_[other]->counters()[WorkerCounter::kHandoff], fed[other]);
  EXPECT_EQ(worker_[owner]->counters()[WorkerCounter::kHandoffRx], fed[other]);
  EXPECT_EQ(sum(WorkerCounter::kHandoffFull), 0u);
  EXPECT_EQ(sum(WorkerCounter::kRx), kPackets);
  EXPECT_EQ(sum(WorkerCounter::kTx), kPackets);
  uint64_t tunnel_out = 0;
  for (unsigned w = 0; w < kWorkers; ++w)
    tunnel_out += worker_[w]->tunnel_counters(0)->out_packets.get();
  EXPECT_EQ(tunnel_out, kPackets);
  EXPECT_EQ(control_->outbound(owner, 0)->packets(), kPackets);
  EXPECT_EQ(control_->outbound(owner, 0)->seq(), kPackets);
}

TEST_F(MultiWorker, InboundHandoffDeliversOnceWithReplayProtection) {
  constexpr uint32_t kSpi = 0x5200;
  constexpr uint32_t kPackets = 20000;
  const unsigned owner = control_->owner(0);
  const unsigned other = 1 - owner;
  ASSERT_TRUE(control_->install_inbound(
      owner, make_sa(spec(kSpi, dp::Direction::kInbound, 4096), dp::Direction::kInbound), 0));
  launch();
  ASSERT_TRUE(wait_applied());
  EXPECT_EQ(worker_[owner]->inbound_sas(), 1u);
  EXPECT_EQ(worker_[other]->inbound_sas(), 0u) << "the other worker only knows the owner";
  // The peer's outbound SA makes the ESP.
  auto out = make_sa(spec(kSpi, dp::Direction::kInbound, 64), dp::Direction::kOutbound);
  ASSERT_TRUE(out);

  std::vector<uint8_t> id_seen(kPackets);
  uint64_t sent = 0, got = 0, dup_id = 0, replays = 0;
  uint64_t fed[kWorkers] = {};
  const uint64_t end = tsc_after(30);
  rte_mbuf* replay_copy = nullptr;
  unsigned turn = 0;
  while ((got < kPackets || sent < kPackets) && rte_rdtsc() < end) {
    if (sent < kPackets && sent - got < kWindow) {
      rte_mbuf* burst[33];
      unsigned n = 0;
      while (n < 32 && sent < kPackets) burst[n++] = plain(static_cast<uint32_t>(sent++));
      ASSERT_EQ(dp::esp_outbound(esp_ctx(), *out, {burst, n}), n);
      // Every 8th burst repeats a packet of the previous one (to the other
      // worker than the original went to).
      if (replay_copy) {
        burst[n++] = replay_copy;
        ++replays;
        replay_copy = nullptr;
      }
      if (turn % 8 == 0) replay_copy = rte_pktmbuf_copy(burst[0], pool(), 0, UINT32_MAX);
      const unsigned w = turn++ % kWorkers;
      ASSERT_EQ(
          rte_ring_sp_enqueue_burst(outside_[w]->rx(), reinterpret_cast<void**>(burst), n, nullptr),
          n);
      fed[w] += n;
    }
    got += collect(inside_.data(), [&](unsigned w, rte_mbuf** pkts, unsigned n) {
      EXPECT_EQ(w, owner) << "only the owner decrypts";
      for (unsigned i = 0; i < n; ++i) {
        const uint32_t id = id_of(pkts[i]);
        if (id < kPackets) dup_id += id_seen[id]++ ? 1 : 0;
      }
      rte_pktmbuf_free_bulk(pkts, n);
    });
  }
  if (replay_copy) rte_pktmbuf_free(replay_copy);
  // The replays (dropped) are the only packets not delivered; wait for the
  // last of them to be counted.
  const uint64_t settle = tsc_after(2);
  while (rte_rdtsc() < settle && worker_[owner]->esp_counter(dp::EspCounter::kReplay) < replays)
    rte_pause();
  join();
  EXPECT_EQ(got, kPackets);
  EXPECT_EQ(dup_id, 0u);
  for (uint32_t i = 0; i < kPackets; ++i) ASSERT_EQ(id_seen[i], 1) << "packet " << i;
  const auto& oc = worker_[owner]->esp().counters;
  const auto& xc = worker_[other]->esp().counters;
  EXPECT_EQ(oc.v[static_cast<size_t>(dp::EspCounter::kInOk)], kPackets);
  EXPECT_EQ(oc.v[static_cast<size_t>(dp::EspCounter::kReplay)], replays);
  EXPECT_EQ(xc.v[static_cast<size_t>(dp::EspCounter::kInOk)], 0u);
  EXPECT_EQ(xc.drops(), 0u);
  EXPECT_EQ(worker_[other]->counters()[WorkerCounter::kHandoff], fed[other]);
  EXPECT_EQ(worker_[owner]->counters()[WorkerCounter::kHandoffRx], fed[other]);
  EXPECT_EQ(sum(WorkerCounter::kHandoffFull), 0u);
  EXPECT_EQ(sum(WorkerCounter::kRx), kPackets + replays);
  EXPECT_EQ(control_->inbound(owner, kSpi)->packets(), kPackets);

  // Deleting the SA tells the other worker to forget the owner.
  ASSERT_TRUE(control_->delete_inbound(owner, kSpi));
  launch();
  ASSERT_TRUE(wait_applied());
  join();
  EXPECT_EQ(worker_[owner]->inbound_sas(), 0u);
  EXPECT_EQ(worker_[other]->counters()[WorkerCounter::kMsgStale], 0u);
}

// ---- route swap (router mode, one worker) ----

using Mac = std::array<uint8_t, 6>;
constexpr Mac kLanMac{0x02, 0, 0, 0, 0x01, 0x01};
constexpr Mac kWanMac{0x02, 0, 0, 0, 0x02, 0x01};
constexpr Mac kWanHostMac{0x02, 0, 0, 0, 0x0f, 0x50};
constexpr Mac kLanHostMac{0x02, 0, 0, 0, 0x0e, 0x14};
constexpr uint32_t kWanHost = 0xC0A80032;  // 192.168.0.50
constexpr uint32_t kFar = 0xAC100101;      // 172.16.1.1, routed via kWanHost only in some tables

rte_mbuf* frame_to(uint32_t dst, uint32_t id) {
  Bytes ip = make_ipv4_udp(kLanHost, dst, 100);
  put32(&ip[28], id);
  Bytes f(14 + ip.size());
  for (size_t i = 0; i < 6; ++i) {
    f[i] = kLanMac[i];
    f[6 + i] = kLanHostMac[i];
  }
  f[12] = 0x08;
  f[13] = 0x00;
  for (size_t i = 0; i < ip.size(); ++i) f[14 + i] = ip[i];
  return to_mbuf(f);
}

TEST(RouteSwap, WhileTrafficFlowsLosesNothingAndFreesEveryTable) {
  const unsigned lcore = rte_get_next_lcore(-1, 1, 0);
  // As above: the suite's EAL arguments give worker lcores; only a manual
  // run without them skips.
  if (lcore >= RTE_MAX_LCORE) GTEST_SKIP() << "no worker lcore";
  const unsigned free_before = pool_free();
  std::string err;
  auto control = dp::SaControl::create(1, dp::RingSizes{}, &err);
  ASSERT_TRUE(control) << err;
  std::unique_ptr<dp::RingPort> ports[4];
  const char* names[] = {"rsl", "rsw", "rslt", "rswt"};
  for (int i = 0; i < 4; ++i) {
    ports[i] = dp::RingPort::create(names[i], 2048, pool(), &err);
    ASSERT_TRUE(ports[i]) << err;
    ASSERT_LT(ports[i]->port(), dp::kMaxPorts);
  }
  const uint16_t lan = ports[0]->port(), wan = ports[1]->port();
  const uint16_t lan_tap = ports[2]->port(), wan_tap = ports[3]->port();
  dp::PortMap map;
  map.port[lan] = dp::PortRole{dp::PortRole::Kind::kPhys, lan_tap, kLanMac};
  map.port[wan] = dp::PortRole{dp::PortRole::Kind::kPhys, wan_tap, kWanMac};
  map.port[lan_tap] = dp::PortRole{dp::PortRole::Kind::kPortTap, lan, kLanMac};
  map.port[wan_tap] = dp::PortRole{dp::PortRole::Kind::kPortTap, wan, kWanMac};
  auto neighbors = dp::NeighborTable::create("rs_nb", 64, &err);
  ASSERT_TRUE(neighbors) << err;
  neighbors->set(wan, kWanHost, kWanHostMac.data());
  neighbors->set(lan, kLanHost, kLanHostMac.data());
  unsigned generation = 0;
  // Every table has the connected subnets; `far` adds 172.16.0.0/16 via
  // the WAN host.
  auto table = [&](bool far) {
    auto t = dp::RouteTable::create("rs_fib" + std::to_string(generation++), 16, &err);
    EXPECT_TRUE(t) << err;
    dp::NextHop to_wan, to_lan;
    to_wan.kind = to_lan.kind = dp::NextHop::Kind::kPort;
    to_wan.port = wan;
    to_lan.port = lan;
    EXPECT_TRUE(t->add(0xC0A80000, 24, to_wan, &err)) << err;
    EXPECT_TRUE(t->add(0xC0A86400, 24, to_lan, &err)) << err;
    if (far) {
      dp::NextHop via = to_wan;
      via.gateway = kWanHost;
      EXPECT_TRUE(t->add(0xAC100000, 16, via, &err)) << err;
    }
    return t;
  };

  dp::WorkerConfig cfg;
  cfg.max_tunnels = 1;
  cfg.rx = {{lan, 0}, {wan, 0}, {lan_tap, 0}, {wan_tap, 0}};
  cfg.router = dp::RouterTables{control->adopt_routes(table(false)), neighbors.get(), &map};
  auto worker = dp::WorkerCtx::create(cfg, control->rings(0), &err);
  ASSERT_TRUE(worker) << err;
  std::atomic<bool> stop{false};
  dp::WorkerLaunch launch{worker.get(), &stop};
  ASSERT_EQ(rte_eal_remote_launch(dp::worker_lcore_main, &launch, lcore), 0);

  // Traffic to the WAN host and to 172.16.1.1; `far` says whether the
  // table in effect has the route for the second.
  constexpr unsigned kSwaps = 12;
  uint64_t sent = 0, sent_far = 0, got = 0, got_far = 0;
  const uint64_t end = tsc_after(30);
  auto pump = [&](bool far_traffic, bool generate = true) {
    if (generate && sent - got < kWindow) {
      rte_mbuf* burst[32];
      for (auto& m : burst)
        m = frame_to(far_traffic ? kFar : kWanHost, static_cast<uint32_t>(sent));
      ASSERT_EQ(
          rte_ring_sp_enqueue_burst(ports[0]->rx(), reinterpret_cast<void**>(burst), 32, nullptr),
          32u);
      sent += 32;
      if (far_traffic) sent_far += 32;
    }
    rte_mbuf* out[64];
    const unsigned n =
        rte_ring_sc_dequeue_burst(ports[1]->tx(), reinterpret_cast<void**>(out), 64, nullptr);
    for (unsigned i = 0; i < n; ++i) {
      const uint8_t* f = rte_pktmbuf_mtod(out[i], const uint8_t*);
      EXPECT_EQ(std::memcmp(f, kWanHostMac.data(), 6), 0);
      if (be32(f + 14 + 16) == kFar) ++got_far;
    }
    rte_pktmbuf_free_bulk(out, n);
    got += n;
    control->poll(nullptr);
  };
  // Swaps between equal tables while traffic to the WAN host flows.
  for (unsigned s = 0; s < kSwaps && rte_rdtsc() < end; ++s) {
    for (int i = 0; i < 20; ++i) pump(false);
    ASSERT_TRUE(control->publish_routes(table(false)));
  }
  while (got < sent && rte_rdtsc() < end) pump(false, false);
  EXPECT_EQ(got, sent) << "packets lost across route swaps";
  EXPECT_EQ(worker->counters().drops(), 0u);

  // Add the route to 172.16.0.0/16: traffic to it flows; remove it: no_route.
  ASSERT_TRUE(control->publish_routes(table(true)));
  while (worker->msgs_applied() < control->sent(0) && rte_rdtsc() < end) control->poll(nullptr);
  for (int i = 0; i < 10; ++i) pump(true);
  while (got < sent && rte_rdtsc() < end) pump(false, false);
  EXPECT_EQ(got_far, sent_far);
  EXPECT_EQ(got, sent);
  ASSERT_TRUE(control->publish_routes(table(false)));
  while (worker->msgs_applied() < control->sent(0) && rte_rdtsc() < end) control->poll(nullptr);
  const uint64_t before = sent;
  for (int i = 0; i < 10; ++i) pump(true);
  const uint64_t dropped_far = sent - before;
  while (worker->counters()[WorkerCounter::kNoRoute] < dropped_far && rte_rdtsc() < end)
    pump(false, false);
  EXPECT_EQ(worker->counters()[WorkerCounter::kNoRoute], dropped_far);

  stop.store(true, std::memory_order_release);
  rte_eal_wait_lcore(lcore);
  control->poll(nullptr);
  EXPECT_EQ(worker->counters()[WorkerCounter::kRouteUpdates], kSwaps + 2);
  EXPECT_EQ(control->stats().routes_published, kSwaps + 2);
  EXPECT_EQ(control->stats().routes_freed, kSwaps + 2) << "a replaced table was not freed";
  EXPECT_EQ(control->retired_routes_pending(), 0u);
  EXPECT_EQ(control->stats().unknown_returns, 0u);
  EXPECT_EQ(worker->routes(), control->current_routes());
  control->reclaim(0, *worker);
  worker.reset();
  for (auto& p : ports) p.reset();
  control.reset();
  EXPECT_EQ(pool_free(), free_before) << "mbufs leaked";
}

}  // namespace
}  // namespace keyway::test
