// The messages between the control thread and the data-plane workers, as
// they travel on DPDK rings (by value, fixed size, no allocation per
// message). No DPDK includes: the control plane builds and reads these
// without knowing how the rings work.
//
//   control -> worker  CtrlMsg     one single-producer/single-consumer ring per worker
//   worker -> control  RetiredSa   one single-producer/single-consumer ring per worker
//   worker -> control  Event       one multi-producer/single-consumer ring for all workers
//
// Ownership: an Sa named in an install message belongs to the receiving
// worker from the moment the message is enqueued until the worker hands it
// back in a RetiredSa; the control thread frees it then, and never touches
// its runtime in between. Every installed Sa comes back exactly once.
// Events name SAs by SPI and tunnel, never by pointer, because an event may
// be read after the SA it is about has been retired and freed.
#pragma once

#include <cstdint>
#include <string_view>

#include "dataplane/api/sa_spec.h"

namespace keyway::dp {

class Sa;
class RouteTable;

// A tunnel (an IOS `interface TunnelN`) as the data plane knows it: a dense
// index chosen by the control plane, below the worker's tunnel capacity.
using TunnelId = uint32_t;
inline constexpr TunnelId kNoTunnel = UINT32_MAX;

enum class CtrlOp : uint8_t {
  // Inbound: add `sa` to the worker's SPI table, tagged with `tunnel`.
  // Outbound: make `sa` the current outbound SA of `tunnel`; the previous
  // one is retired (kReplaced) in the same step, so packets before the
  // message use the old SA and packets after it the new one.
  kSaInstall,
  // Inbound: remove the SA with `spi`, if it is `sa`. Outbound: clear
  // `tunnel`'s outbound SA, if it is `sa` (the tunnel then drops its
  // traffic and asks for an SA). A delete whose SA is no longer there (it
  // was already replaced) is counted as stale and otherwise ignored.
  kSaDelete,
  // `routes` becomes the worker's routing table from the next burst on;
  // the table it replaces comes back on the return ring (kRouteReplaced),
  // RCU style: the control thread frees a table once every worker has
  // handed it back, so no worker can still be reading it.
  kRouteUpdate,
  // Multi-worker: inbound SPI `spi` of `tunnel` is installed on worker
  // `owner` (another worker); ESP for it received here is handed to that
  // worker. No object travels with it.
  kSpiOwner,
  // Forget a kSpiOwner entry (the SA was deleted on its owner).
  kSpiForget,
};

// 32 bytes; the ring element size must be a multiple of 4.
struct CtrlMsg {
  CtrlOp op = CtrlOp::kSaInstall;
  Direction dir = Direction::kOutbound;
  uint16_t reserved = 0;
  TunnelId tunnel = kNoTunnel;
  uint32_t spi = 0;
  uint16_t owner = 0;  // kSpiOwner: the worker that has the SA
  uint16_t reserved2 = 0;
  union {
    Sa* sa = nullptr;      // kSaInstall, kSaDelete
    RouteTable* routes;    // kRouteUpdate
  };
  // rte_rdtsc() when the control thread submitted the message; the worker
  // measures install latency (submit -> first packet with the SA) from it.
  uint64_t tsc = 0;
};
static_assert(sizeof(CtrlMsg) == 32);

enum class RetireReason : uint8_t {
  kDeleted,          // a kSaDelete removed it
  kReplaced,         // a newer outbound SA took over its tunnel
  kDuplicateSpi,     // install refused: the worker already has this SPI
  kTableFull,        // install refused: the worker's SPI table is full
  kBadTunnel,        // install refused: tunnel id beyond the worker's capacity
  kShutdown,         // still installed when the worker was torn down
  kRouteReplaced,    // a routing table a kRouteUpdate replaced (RetiredSa::routes)
};

inline constexpr std::string_view retire_reason_name(RetireReason r) {
  switch (r) {
    case RetireReason::kDeleted: return "deleted";
    case RetireReason::kReplaced: return "replaced";
    case RetireReason::kDuplicateSpi: return "duplicate_spi";
    case RetireReason::kTableFull: return "table_full";
    case RetireReason::kBadTunnel: return "bad_tunnel";
    case RetireReason::kShutdown: return "shutdown";
    case RetireReason::kRouteReplaced: return "route_replaced";
  }
  return "?";
}

// 16 bytes.
struct RetiredSa {
  union {
    Sa* sa = nullptr;
    RouteTable* routes;  // kRouteReplaced
  };
  RetireReason reason = RetireReason::kDeleted;
  uint8_t reserved[7] = {};
};
static_assert(sizeof(RetiredSa) == 16);

enum class EventType : uint8_t {
  kSoftExpired,  // the SA reached a soft byte or packet lifetime: rekey now
  kHardExpired,  // hard lifetime or sequence space exhausted: the SA drops everything
  kNeedsSa,      // traffic was routed to `tunnel`, which has no outbound SA
  kNeedsNeighbor,  // a next hop's Ethernet address is unknown: `tunnel` holds the port, `spi` the IPv4 address
};

inline constexpr std::string_view event_name(EventType t) {
  switch (t) {
    case EventType::kSoftExpired: return "soft_expired";
    case EventType::kHardExpired: return "hard_expired";
    case EventType::kNeedsSa: return "needs_sa";
    case EventType::kNeedsNeighbor: return "needs_neighbor";
  }
  return "?";
}

// 40 bytes. For lifetime events `spi`, `dir`, `packets` and `bytes` are the
// SA's (as counted by the worker when it noticed); for kNeedsSa only
// `tunnel` and `packets` (drops since the previous kNeedsSa event of that
// tunnel on that worker) are meaningful.
struct Event {
  EventType type = EventType::kNeedsSa;
  Direction dir = Direction::kOutbound;
  uint16_t worker = 0;
  TunnelId tunnel = kNoTunnel;
  uint32_t spi = 0;
  uint32_t flags = 0;  // kEventByTime
  uint64_t packets = 0;
  uint64_t bytes = 0;
  uint64_t tsc = 0;  // rte_rdtsc() on the worker when raised
};
// A lifetime event raised by the control thread for a time lifetime
// (packets and bytes are then 0: the SA's counters belong to the worker).
inline constexpr uint32_t kEventByTime = 1;
static_assert(sizeof(Event) == 40);

}  // namespace keyway::dp
