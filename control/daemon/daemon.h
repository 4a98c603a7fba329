// `keyway run`: the gateway process. The main lcore is the control thread
// (this code); every other lcore runs a data-plane worker.
//
// Start-up: load and plan the configuration; initialise DPDK with the
// caller's EAL arguments; for every `dataplane port` find its ethdev and
// give it a TAP (net_tap) for the exception path, plus a TAP per tunnel and
// loopback; configure the kernel side of each TAP (addresses, routes); fill
// the routing table; start the ports and the workers; install the manual
// SAs; print "keyway: ready". Then, until SIGINT or SIGTERM: move SA
// messages and events, learn neighbours from the kernel's ARP table, serve
// the control socket. Shutdown prints the final counters.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace keyway::daemon {

struct RunOptions {
  std::string config_path;
  std::string ctl_path;        // empty: /run/keyway/HOSTNAME.sock
  uint32_t idle_sleep_us = 0;  // WorkerConfig::idle_sleep_us
  std::string pki_store;       // certificate store for IKE (empty: $KEYWAY_PKI_STORE, else /var/lib/keyway/pki)
  bool debug_isakmp = false;   // `debug crypto isakmp` (and pki validation) from the start
  bool debug_ikev2 = false;    // `debug crypto ikev2` from the start
  std::vector<std::string> eal_args;
};

// Runs until a signal; returns the process exit status (0 clean shutdown,
// 1 a runtime failure, 2 a configuration or start-up error).
int run(const RunOptions& options);

}  // namespace keyway::daemon
