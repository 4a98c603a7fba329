#include "dataplane/runtime/ring_port.h"

#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

namespace keyway::dp {

std::unique_ptr<RingPort> RingPort::create(const std::string& name, unsigned ring_size,
                                           rte_mempool* pool, std::string* error) {
  std::unique_ptr<RingPort> p(new RingPort());
  const unsigned socket = rte_socket_id();
  const unsigned flags = RING_F_SP_ENQ | RING_F_SC_DEQ;
  p->rx_ = rte_ring_create((name + "_rx").c_str(), ring_size, static_cast<int>(socket), flags);
  p->tx_ = rte_ring_create((name + "_tx").c_str(), ring_size, static_cast<int>(socket), flags);
  if (!p->rx_ || !p->tx_) {
    *error = "cannot create the rings of port '" + name + "': " + rte_strerror(rte_errno);
    return nullptr;
  }
  const int id = rte_eth_from_rings(name.c_str(), &p->rx_, 1, &p->tx_, 1, socket);
  if (id < 0) {
    *error = "cannot create ring port '" + name + "': " + rte_strerror(rte_errno);
    return nullptr;
  }
  p->port_ = static_cast<uint16_t>(id);
  p->open_ = true;
  rte_eth_conf conf{};
  int rc = rte_eth_dev_configure(p->port_, 1, 1, &conf);
  // The queues are the rings above; descriptor counts (0: the default)
  // mean nothing to this driver.
  if (rc == 0) rc = rte_eth_rx_queue_setup(p->port_, 0, 0, socket, nullptr, pool);
  if (rc == 0) rc = rte_eth_tx_queue_setup(p->port_, 0, 0, socket, nullptr);
  if (rc == 0) rc = rte_eth_dev_start(p->port_);
  if (rc != 0) {
    *error = "cannot start ring port '" + name + "': " + rte_strerror(-rc);
    return nullptr;
  }
  return p;
}

unsigned RingPort::drain() {
  unsigned total = 0;
  for (rte_ring* r : {rx_, tx_}) {
    if (!r) continue;
    void* objs[64];
    unsigned n;
    while ((n = rte_ring_dequeue_burst(r, objs, 64, nullptr)) > 0) {
      rte_pktmbuf_free_bulk(reinterpret_cast<rte_mbuf**>(objs), n);
      total += n;
    }
  }
  return total;
}

RingPort::~RingPort() {
  if (open_) {
    rte_eth_dev_stop(port_);
    rte_eth_dev_close(port_);
  }
  drain();
  rte_ring_free(rx_);
  rte_ring_free(tx_);
}

}  // namespace keyway::dp
