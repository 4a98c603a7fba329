// EAL start-up for keyway's tools and tests: one call that initialises DPDK
// without hugepages or PCI (these machines have neither configured) unless
// the caller passes its own EAL arguments, and a packet pool.
#pragma once

#include <string>
#include <vector>

struct rte_mempool;

namespace keyway::dp {

// Initialises the EAL once per process. `args` replaces the defaults
// ("--no-huge -m 512 --no-shconf --no-pci --no-telemetry
// --log-level=*:warning -l 0"; --in-memory is refused together with --no-huge
// because -m implies legacy memory mode) when it is
// not empty. Returns false with *error set if the EAL refuses.
bool eal_init(const std::vector<std::string>& args, std::string* error);

// A pool of single-segment mbufs with room for an MTU-sized packet, its
// tunnel headers and the ESP trailer, with a per-lcore cache of up to 256
// mbufs (an eighth of the pool at most). Returns null with *error set.
rte_mempool* make_pktmbuf_pool(const char* name, unsigned count, std::string* error,
                               unsigned data_room = 2048 + 128);

}  // namespace keyway::dp
