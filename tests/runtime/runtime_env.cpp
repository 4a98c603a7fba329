#include "tests/runtime/runtime_env.h"

#include <atomic>
#include <string>

namespace keyway::test {

// The two-thread tests launch a worker on lcore 1, the multi-worker
// tests workers on lcores 1 and 2. --lcores maps lcore 2 onto CPU 1 as
// well, so the binary runs on a two-CPU machine (the two workers then
// share that CPU, which only slows them down).
const bool kEal = [] {
  std::vector<std::string> args = eal_args_with_lcores("0,1");
  args.resize(args.size() - 2);  // drop "-l 0,1"
  args.push_back("--lcores=0@0,1@1,2@1");
  return use_eal_args(std::move(args));
}();

Bed::Bed(dp::WorkerConfig cfg, dp::RingSizes sizes, const dp::LoopLab::Options* lab_opt) {
  static std::atomic<unsigned> beds{0};
  std::string err;
  control = dp::SaControl::create(1, sizes, &err);
  if (!control) {
    ADD_FAILURE() << err;
    return;
  }
  if (lab_opt) {
    lab = dp::LoopLab::create("bed" + std::to_string(beds.fetch_add(1)), pool(), *lab_opt, &err);
    if (!lab) {
      ADD_FAILURE() << err;
      return;
    }
    lab->attach(cfg);
  }
  worker = dp::WorkerCtx::create(cfg, control->rings(0), &err);
  if (!worker) ADD_FAILURE() << err;
}

Bed::~Bed() {
  if (control && worker) control->reclaim(0, *worker);
  worker.reset();
  lab.reset();
  control.reset();
}

void Bed::step(bool generate) {
  worker->run_once();
  control->poll(&events);
  if (lab) lab->pump(generate);
}

bool Bed::settle(int max_steps) {
  for (int i = 0; i < max_steps; ++i) {
    if (lab->in_flight() == 0) return true;
    step(false);
  }
  return lab->in_flight() == 0;
}

size_t Bed::count_events(dp::EventType type, dp::Direction dir, uint32_t spi) const {
  size_t n = 0;
  for (const dp::Event& e : events) n += e.type == type && e.dir == dir && e.spi == spi;
  return n;
}

dp::LabSaPair sa_pair(uint32_t spi, uint64_t soft_packets, uint64_t hard_packets, dp::Transform t) {
  std::string err;
  dp::LabSaPair p = dp::make_lab_sa_pair(spi, t, control_mgr(), &err, soft_packets, hard_packets);
  EXPECT_TRUE(p.in && p.out) << err;
  return p;
}

rte_mbuf* plain_for_tunnel(uint32_t t, uint32_t size) {
  return to_mbuf(make_ipv4_udp(0xC0A86401, 0x0A000001u | (t & 0xffff) << 8, size));
}

}  // namespace keyway::test
