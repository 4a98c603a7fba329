// Shared pieces of the runtime tests: one SaControl, optionally a loopback
// lab, and one worker, torn down in the order the runtime requires
// (reclaim the worker's SAs, then the worker, the ports, the rings).
//
// Single-threaded tests step the worker by hand (run_once, process) on the
// test thread; that thread is then both the control thread and the
// worker, which the rings allow because each side is still one thread.
#pragma once

#include <gtest/gtest.h>
#include <rte_mempool.h>

#include <memory>
#include <vector>

#include "dataplane/runtime/loop_lab.h"
#include "dataplane/runtime/sa_control.h"
#include "dataplane/runtime/worker.h"
#include "tests/support/test_env.h"

namespace keyway::test {

struct Bed {
  // Creates the rings, the lab (when lab_opt is given; it is attached to
  // cfg) and the worker. Test failures are reported through gtest; check
  // ok() before use.
  Bed(dp::WorkerConfig cfg, dp::RingSizes sizes = {}, const dp::LoopLab::Options* lab_opt = nullptr);
  ~Bed();
  bool ok() const { return control && worker; }

  // One round: a worker iteration, then the control thread's duties
  // (returns and events, then the lab's traffic).
  void step(bool generate = true);
  void steps(int n, bool generate = true) {
    for (int i = 0; i < n; ++i) step(generate);
  }
  // Steps until the lab has nothing in flight (false after max steps).
  bool settle(int max_steps = 10000);

  size_t count_events(dp::EventType type, dp::Direction dir, uint32_t spi) const;

  std::unique_ptr<dp::SaControl> control;
  std::unique_ptr<dp::LoopLab> lab;
  std::unique_ptr<dp::WorkerCtx> worker;
  std::vector<dp::Event> events;
};

// SA pairs for tests (keys from the SPI; AES-128-GCM unless told).
dp::LabSaPair sa_pair(uint32_t spi, uint64_t soft_packets = 0, uint64_t hard_packets = 0,
                      dp::Transform t = dp::Transform::kAes128Gcm);

// Mbufs available in the test pool (its cache is off, so this is exact).
inline unsigned pool_free() { return rte_mempool_avail_count(pool()); }

// A plaintext IPv4/UDP packet for tunnel `t` under LoopLab::select_tunnel.
rte_mbuf* plain_for_tunnel(uint32_t t, uint32_t size = 100);

}  // namespace keyway::test
