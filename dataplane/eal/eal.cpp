#include "dataplane/eal/eal.h"

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <algorithm>

namespace keyway::dp {

bool eal_init(const std::vector<std::string>& args, std::string* error) {
  static bool done = false;
  if (done) return true;
  std::vector<std::string> argv_s{"keyway"};
  if (args.empty()) {
    for (const char* a : {"--no-huge", "-m", "512", "--no-shconf", "--no-pci", "--no-telemetry",
                          "--log-level=*:warning", "-l", "0"})
      argv_s.emplace_back(a);
  } else {
    argv_s.insert(argv_s.end(), args.begin(), args.end());
  }
  std::vector<char*> argv;
  for (auto& s : argv_s) argv.push_back(s.data());
  argv.push_back(nullptr);
  if (rte_eal_init(static_cast<int>(argv_s.size()), argv.data()) < 0) {
    *error = std::string("DPDK EAL initialisation failed: ") + rte_strerror(rte_errno);
    return false;
  }
  done = true;
  return true;
}

rte_mempool* make_pktmbuf_pool(const char* name, unsigned count, std::string* error,
                               unsigned data_room) {
  // A per-lcore cache: a worker that allocates on RX and frees on TX then
  // recycles its own mbufs without touching the shared ring (about 75
  // cycles a packet at 64 bytes without it). At most an eighth of the pool,
  // so that the mbufs parked in the caches of other lcores (up to 1.5 times
  // the cache size each) never starve the control thread or a small pool.
  const unsigned cache = std::min(256u, count / 8);
  rte_mempool* mp = rte_pktmbuf_pool_create(name, count, cache, 0, static_cast<uint16_t>(data_room),
                                            rte_socket_id());
  if (!mp) *error = std::string("cannot create mbuf pool '") + name + "': " + rte_strerror(rte_errno);
  return mp;
}

}  // namespace keyway::dp
