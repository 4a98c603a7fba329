// The forwarding state a router-mode worker reads: the routing table (a
// DPDK rte_fib, longest-prefix match over IPv4), the neighbour table (IPv4
// next hop on a port -> Ethernet address), and what each DPDK port is.
//
// Threads and lifetime:
// - RouteTable and PortMap are built by the control thread before the
//   workers start and are read-only afterwards; workers share them.
//   (A later RouteUpdate message swaps in a whole new table; see
//   CtrlOp::kRouteUpdate.)
// - NeighborTable has one writer, the control thread (it learns entries
//   from the kernel's ARP table on the TAP side), and lock-free readers,
//   the workers (rte_hash with RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF: a
//   reader never blocks and always sees a whole entry).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/api/runtime_msg.h"

struct rte_fib;
struct rte_hash;

namespace keyway::dp {

struct NextHop {
  enum class Kind : uint8_t {
    kDrop,    // no route, or a route to Null0
    kPort,    // out of `port` towards `gateway` (0: the destination itself)
    kTunnel,  // into `tunnel`
    kLocal,   // the router's own: hand to the kernel through TAP `port`
  };
  Kind kind = Kind::kDrop;
  uint16_t port = 0;
  uint32_t gateway = 0;  // host byte order
  TunnelId tunnel = kNoTunnel;
};

class RouteTable {
 public:
  // Room for `max_routes` prefixes. Null with *error set when DPDK cannot
  // allocate it (the DIR-24-8 table takes 32 MiB).
  static std::unique_ptr<RouteTable> create(const std::string& name, uint32_t max_routes,
                                            std::string* error);
  ~RouteTable();
  RouteTable(const RouteTable&) = delete;
  RouteTable& operator=(const RouteTable&) = delete;

  // Control thread, before the table is published. A prefix added twice
  // keeps the last next hop. False with *error on a bad length, a port
  // beyond kMaxPorts, or a full table.
  bool add(uint32_t prefix, uint8_t prefix_len, const NextHop& nh, std::string* error);

  // Worker. ips in host byte order; index[i] names a next hop. ips is not
  // changed; it is not const because rte_fib's bulk lookup takes it so,
  // and a copy per burst would cost more than the lookup of a short one.
  void lookup(uint32_t* ips, uint16_t n, uint16_t* index) const;
  const NextHop& next_hop(uint16_t index) const { return hops_[index]; }
  // Single address; for the control thread and tests.
  const NextHop& lookup(uint32_t ip) const;

  // Prefixes in the table (one added twice counts once).
  size_t routes() const { return routes_; }

 private:
  RouteTable() = default;
  uint16_t intern(const NextHop& nh);

  rte_fib* fib_ = nullptr;
  std::vector<NextHop> hops_;  // [0] is the drop next hop, the FIB's default
  size_t routes_ = 0;
};

// Ethernet address in network order, packed in the low 48 bits.
using MacBits = uint64_t;

class NeighborTable {
 public:
  static std::unique_ptr<NeighborTable> create(const std::string& name, uint32_t capacity,
                                               std::string* error);
  ~NeighborTable();
  NeighborTable(const NeighborTable&) = delete;
  NeighborTable& operator=(const NeighborTable&) = delete;

  // Control thread only. Adds or updates; false when the table is full.
  // Entries are never removed (a lock-free delete would need a grace
  // period before the slot could be reused); a neighbour whose address
  // changes is updated in place.
  bool set(uint16_t port, uint32_t ip, const uint8_t mac[6]);

  // Any thread. Copies the address into mac[6]; false when unknown.
  bool get(uint16_t port, uint32_t ip, uint8_t mac[6]) const;
  size_t size() const;

 private:
  NeighborTable() = default;
  rte_hash* hash_ = nullptr;
};

// What a DPDK port is to the router.
struct PortRole {
  enum class Kind : uint8_t {
    kNone,       // not used by the router; packets from it are dropped
    kPhys,       // a port bound to an Ethernet interface; `tap` is its exception TAP
    kPortTap,    // the kernel side of `phys`; same Ethernet address as it
    kLocalTap,   // the kernel side of a tunnel or loopback interface (no ARP)
  };
  Kind kind = Kind::kNone;
  uint16_t peer = 0;        // kPhys: its TAP; kPortTap: its phys port
  std::array<uint8_t, 6> mac{};  // the port's address (kPhys), the kernel's (taps)
};

inline constexpr uint16_t kMaxPorts = 64;
inline constexpr uint16_t kNoTap = UINT16_MAX;

struct PortMap {
  std::array<PortRole, kMaxPorts> port{};
  // By TunnelId: the tunnel's kLocalTap, where decrypted packets the
  // kernel must answer for (TTL expiring) go; kNoTap or absent: none.
  std::vector<uint16_t> tunnel_tap;
};

}  // namespace keyway::dp
