// Shared fixtures for tests that need DPDK: one EAL per test process
// (--no-huge --in-memory --no-pci), a packet pool, an EspCtx, and helpers to
// move bytes in and out of mbufs.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>
#include <string>
#include <vector>

#include "dataplane/esp/esp.h"

namespace keyway::test {

using Bytes = std::vector<uint8_t>;

rte_mempool* pool();          // created on first use; EAL initialised by main()
dp::EspCtx& esp_ctx();        // one per test process (the tests are single-threaded)
IMB_MGR* control_mgr();       // for Sa::create, as the control thread would own

rte_mbuf* to_mbuf(const Bytes& data);  // aborts the test on pool exhaustion
Bytes to_bytes(const rte_mbuf* m);

// An IPv4/UDP packet of `total_len` bytes (>= 20; no UDP header below 28) with a counting payload
// and a valid header checksum.
Bytes make_ipv4_udp(uint32_t src, uint32_t dst, uint32_t total_len, uint8_t tos = 0,
                    uint8_t ttl = 64, bool df = false, uint8_t seed = 0);
// An IPv6/UDP packet of `total_len` bytes (>= 48).
Bytes make_ipv6_udp(uint32_t total_len, uint8_t seed = 0);

Bytes hex(const std::string& s);  // test vectors; whitespace ignored

dp::SaSpec spec_for(dp::Transform t, uint32_t spi, bool udp = false, bool esn = false);

// The EAL arguments main() passes to eal_init(): empty (eal_init's
// defaults, one lcore) unless the test binary asks for others from a
// static initialiser in one of its own files, which runs before main():
//   const bool kEal = use_eal_args(eal_args_with_lcores("0,1"));
// Returns true so that it can initialise such a constant.
bool use_eal_args(std::vector<std::string> args);
// eal_init's defaults (no hugepages, no PCI, no shared config) on the
// lcores in `lcores` (an EAL -l list), for tests that launch workers.
std::vector<std::string> eal_args_with_lcores(const std::string& lcores);

}  // namespace keyway::test
