// An ethdev port backed by two rte_rings (DPDK's net_ring driver, created
// with rte_eth_from_rings): what a worker transmits on the port appears on
// tx(), and what is enqueued on rx() is what the worker receives. For tests
// and benchmarks that drive a real worker loop without a NIC.
//
// Both rings are single-producer/single-consumer: one thread (normally the
// control thread) feeds rx() and drains tx(), one worker polls the port.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

struct rte_mempool;
struct rte_ring;

namespace keyway::dp {

class RingPort {
 public:
  // `name` must be unique in the process (it names the rings and the
  // device); `ring_size` is a power of two. Null with *error set on failure.
  static std::unique_ptr<RingPort> create(const std::string& name, unsigned ring_size,
                                          rte_mempool* pool, std::string* error);
  // Stops and closes the port, frees any mbufs left in the rings, then the
  // rings. No worker may be polling the port any more.
  ~RingPort();
  RingPort(const RingPort&) = delete;
  RingPort& operator=(const RingPort&) = delete;

  uint16_t port() const { return port_; }
  rte_ring* rx() const { return rx_; }
  rte_ring* tx() const { return tx_; }
  // Frees every mbuf waiting in either ring; returns how many there were.
  unsigned drain();

 private:
  RingPort() = default;
  uint16_t port_ = 0;
  bool open_ = false;
  rte_ring* rx_ = nullptr;
  rte_ring* tx_ = nullptr;
};

}  // namespace keyway::dp
