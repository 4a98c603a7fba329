// Router mode of the worker: Ethernet in, route, ESP, Ethernet out.
//
//   physical port --IPv4 for our MAC--> route_ip() --tunnel--> encrypt --> route_encrypted()
//        |                                 |     \--port----> to_port() (neighbour, Ethernet)
//        |                                 |      \-local---> ESP for us: decrypt --> route_decrypted()
//        |                                 |                  else: to_kernel() (the TAP)
//        \--ARP, broadcast, non-IPv4--> the port's TAP (the kernel answers ARP)
//   port TAP   --anything--> out of its physical port, unchanged (the kernel resolved it)
//   local TAP  --IPv4-------> route_ip() as the router's own traffic (no TTL change)
//
// Every packet ends in exactly one of: a tx queue, a worker drop counter,
// an ESP engine drop counter. Transmission is staged per port and flushed
// once per received burst.
#include <netinet/in.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include <cstring>
#include <tuple>

#include "dataplane/esp/ipv4_sum.h"
#include "dataplane/runtime/worker.h"

namespace keyway::dp {
namespace {

constexpr uint16_t kEthHdr = 14;

inline uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
inline uint32_t be32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}

inline bool mac_equal(const uint8_t* a, const std::array<uint8_t, 6>& b) {
  return std::memcmp(a, b.data(), 6) == 0;
}

// Checks the IPv4 header of a packet that starts at it, and trims the
// Ethernet padding after it. False: malformed (the caller drops it).
bool valid_ipv4(rte_mbuf* m) {
  if (m->nb_segs != 1 || m->data_len < 20) return false;
  const uint8_t* p = rte_pktmbuf_mtod(m, const uint8_t*);
  const uint32_t ihl = uint32_t{p[0] & 15u} * 4;
  const uint32_t total = be16(p + 2);
  if ((p[0] >> 4) != 4 || ihl < 20 || total < ihl || total > m->data_len) return false;
  // A NIC with checksum offload may have checked the header already. The
  // result is left in the mbuf for the ESP engine, which then does not sum
  // the outer header of an ESP packet a second time (a TTL decrement
  // updates the checksum, so the mark stays true).
  const uint64_t ck = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
  if (ck == RTE_MBUF_F_RX_IP_CKSUM_BAD) return false;
  if (ck != RTE_MBUF_F_RX_IP_CKSUM_GOOD) {
    if (!ipv4_header_checksum_ok(p, ihl)) return false;
    m->ol_flags = (m->ol_flags & ~RTE_MBUF_F_RX_IP_CKSUM_MASK) | RTE_MBUF_F_RX_IP_CKSUM_GOOD;
  }
  if (total < m->data_len) rte_pktmbuf_trim(m, static_cast<uint16_t>(m->data_len - total));
  return true;
}

// For the ESP engine: IPv4 carrying ESP, or UDP to 4500 that is not IKE
// (RFC 3948: IKE there starts with a four-byte zero non-ESP marker; a
// one-byte 0xff NAT keepalive goes to the engine, which counts it).
// *spi as in worker.cpp's classifier.
bool is_esp(const rte_mbuf* m, uint32_t* spi) {
  const uint8_t* p = rte_pktmbuf_mtod(m, const uint8_t*);
  const uint32_t len = m->data_len;
  const uint32_t ihl = uint32_t{p[0] & 15u} * 4;
  if (p[9] == IPPROTO_ESP) {
    *spi = len >= ihl + 4 ? be32(p + ihl) : 0;
    return true;
  }
  if (p[9] != IPPROTO_UDP || len < ihl + 8) return false;
  // A later fragment has no UDP header: its first bytes are payload (of a
  // large IKE message, say) and say nothing about ports. The kernel
  // reassembles it.
  if ((be16(p + 6) & RTE_IPV4_HDR_OFFSET_MASK) != 0) return false;
  if (be16(p + ihl + 2) != kNatTPort) return false;
  if (len >= ihl + 12 && be32(p + ihl + 8) == 0) return false;  // non-ESP marker: IKE
  *spi = len >= ihl + 12 ? be32(p + ihl + 8) : 0;
  return true;
}

// TTL - 1 with the checksum updated incrementally (RFC 1624). False when
// the packet must not be forwarded.
// The TTL/protocol word drops by 0x0100, so the checksum grows by 0x0100
// with the end-around carry; a result of 0xffff (-0) becomes 0x0000, which
// is what computing it afresh gives (RFC 1624 section 3: a computed
// checksum is never 0xffff). Adding the carry as `sum >= 0xffff` does both.
inline bool decrement_ttl(rte_mbuf* m) {
  auto* ip = rte_pktmbuf_mtod(m, rte_ipv4_hdr*);
  if (ip->time_to_live <= 1) return false;
  --ip->time_to_live;
  const uint32_t sum = rte_be_to_cpu_16(ip->hdr_checksum) + 0x0100u;
  ip->hdr_checksum = rte_cpu_to_be_16(static_cast<uint16_t>(sum + (sum >= 0xffff)));
  return true;
}

inline uint32_t dst_of(const rte_mbuf* m) { return be32(rte_pktmbuf_mtod(m, const uint8_t*) + 16); }
inline uint32_t src_of(const rte_mbuf* m) { return be32(rte_pktmbuf_mtod(m, const uint8_t*) + 12); }

// Prepends an Ethernet header; false when there is no headroom.
inline bool push_ethernet(rte_mbuf* m, const uint8_t* dst, const uint8_t* src) {
  auto* eth = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, kEthHdr));
  if (!eth) return false;
  std::memcpy(eth, dst, 6);
  std::memcpy(eth + 6, src, 6);
  eth[12] = 0x08;
  eth[13] = 0x00;
  return true;
}

}  // namespace

void WorkerCtx::drop(WorkerCounter reason, rte_mbuf* m) {
  counters_.add(reason);
  rte_pktmbuf_free(m);
}

// A full stage goes out at once; the port stays listed in tx_dirty_ for
// what the rest of the burst stages.
void WorkerCtx::transmit_staged(uint16_t port) {
  TxStage& s = tx_stage_[port];
  transmit(PortQueue{port, cfg_.tx_queue}, s.pkts, s.n);
  s.n = 0;
}

void WorkerCtx::flush_staged() {
  for (uint16_t i = 0; i < n_dirty_; ++i) {
    TxStage& s = tx_stage_[tx_dirty_[i]];
    if (s.n) transmit(PortQueue{tx_dirty_[i], cfg_.tx_queue}, s.pkts, s.n);
    s.n = 0;
    s.listed = false;
  }
  n_dirty_ = 0;
}

// The rate limit of needs_neighbor events, per next hop. neighbor_event_
// is a 2-way set-associative cache of 32 sets: a word holds a next hop's
// last event time (TSC >> kNeighTimeShift, in the high 40 bits) and which
// next hop it is (a 24-bit fingerprint of port and address, never 0; an
// empty way is 0). A next hop not in its set takes the way that was used
// least recently, so next hops that share a set do not silence each other
// (a plain hashed slot let one unresolvable next hop with steady traffic
// starve another one of its events for as long as the traffic lasted).
namespace {
constexpr unsigned kNeighTimeShift = 10;
constexpr uint64_t kNeighTimeMask = (uint64_t{1} << 40) - 1;
constexpr uint64_t kNeighKeyMask = (uint64_t{1} << 24) - 1;
}  // namespace

void WorkerCtx::needs_neighbor(uint16_t port, uint32_t ip, uint64_t now) {
  static_assert(std::tuple_size_v<decltype(neighbor_event_)> == 64);
  const uint64_t h = (uint64_t{port} << 32 | ip) * 0x9E3779B97F4A7C15ull;
  uint64_t* way = &neighbor_event_[(h >> 59) * 2];
  const uint64_t key = ((h >> 24) & kNeighKeyMask) | 1;
  const uint64_t t = (now >> kNeighTimeShift) & kNeighTimeMask;
  auto age = [t](uint64_t w) { return (t - (w >> 24)) & kNeighTimeMask; };
  uint64_t* slot = nullptr;
  for (int w = 0; w < 2; ++w)
    if ((way[w] & kNeighKeyMask) == key) slot = &way[w];
  if (slot) {
    if (age(*slot) < (needs_neighbor_interval_tsc_ >> kNeighTimeShift)) return;
  } else if (way[0] == 0 || way[1] == 0) {
    slot = way[0] == 0 ? &way[0] : &way[1];
  } else {
    slot = age(way[0]) >= age(way[1]) ? &way[0] : &way[1];  // taken only if the event is raised
  }
  Event ev;
  ev.type = EventType::kNeedsNeighbor;
  ev.worker = cfg_.id;
  ev.tunnel = port;
  ev.spi = ip;
  ev.tsc = now;
  if (raise(ev)) *slot = t << 24 | key;
}

// Bursts mostly go to one next hop: the last answer is remembered.
bool WorkerCtx::neighbor_mac_lookup(uint16_t port, uint32_t next_hop, uint8_t mac[6]) {
  if (!cfg_.router.neighbors->get(port, next_hop, mac)) return false;
  last_neighbor_port_ = port;
  last_neighbor_ip_ = next_hop;
  std::memcpy(last_neighbor_mac_, mac, 6);
  return true;
}

// An IPv4 packet (data at the IP header) leaves by `port` towards `next_hop`.
void WorkerCtx::to_port(uint16_t port, uint32_t next_hop, rte_mbuf* m, uint64_t now) {
  const PortRole& role = cfg_.router.ports->port[port];
  if (role.kind != PortRole::Kind::kPhys) {
    drop(WorkerCounter::kNoPort, m);
    return;
  }
  uint8_t mac[6];
  if (!neighbor_mac(port, next_hop, mac)) {
    drop(WorkerCounter::kNeighMiss, m);
    needs_neighbor(port, next_hop, now);
    return;
  }
  if (!push_ethernet(m, mac, role.mac.data())) {
    drop(WorkerCounter::kBadFrame, m);
    return;
  }
  stage(port, m);
}

// n IPv4 packets (data at the IP header), all towards `next_hop` on
// `port`: one role check and one neighbour lookup for the lot.
void WorkerCtx::to_port_bulk(uint16_t port, uint32_t next_hop, rte_mbuf** pkts, uint16_t n,
                             uint64_t now) {
  const PortRole& role = cfg_.router.ports->port[port];
  if (role.kind != PortRole::Kind::kPhys) {
    counters_.add(WorkerCounter::kNoPort, n);
    rte_pktmbuf_free_bulk(pkts, n);
    return;
  }
  uint8_t mac[6];
  if (!neighbor_mac(port, next_hop, mac)) {
    counters_.add(WorkerCounter::kNeighMiss, n);
    rte_pktmbuf_free_bulk(pkts, n);
    needs_neighbor(port, next_hop, now);
    return;
  }
  for (uint16_t i = 0; i < n; ++i) {
    if (!push_ethernet(pkts[i], mac, role.mac.data())) {
      drop(WorkerCounter::kBadFrame, pkts[i]);
      continue;
    }
    stage(port, pkts[i]);
  }
}

// An IPv4 packet (data at the IP header) for the kernel, through `tap`.
void WorkerCtx::to_kernel(uint16_t tap, rte_mbuf* m) {
  const PortRole& role = cfg_.router.ports->port[tap];
  if (role.kind != PortRole::Kind::kPortTap && role.kind != PortRole::Kind::kLocalTap) {
    drop(WorkerCounter::kNoPort, m);
    return;
  }
  if (!push_ethernet(m, role.mac.data(), role.mac.data())) {
    drop(WorkerCounter::kBadFrame, m);
    return;
  }
  counters_.add(WorkerCounter::kToKernel);
  stage(tap, m);
}

void WorkerCtx::router_burst(uint16_t rx_port, rte_mbuf** pkts, uint16_t n, uint64_t now) {
  last_neighbor_ip_ = 0;  // neighbours may have changed since the last burst
  last_neighbor_port_ = UINT16_MAX;
  const PortRole& role = cfg_.router.ports->port[rx_port];
  rte_mbuf* ip[kMaxBurst];
  uint16_t n_ip = 0;
  switch (role.kind) {
    case PortRole::Kind::kPhys:
      for (uint16_t i = 0; i < n; ++i) {
        rte_mbuf* m = pkts[i];
        if (m->data_len < kEthHdr) {
          drop(WorkerCounter::kBadFrame, m);
          continue;
        }
        const uint8_t* eth = rte_pktmbuf_mtod(m, const uint8_t*);
        const bool unicast_to_us = mac_equal(eth, role.mac);
        if (!unicast_to_us && !(eth[0] & 1)) {  // neither ours nor broadcast/multicast
          drop(WorkerCounter::kNotForUs, m);
          continue;
        }
        if (unicast_to_us && be16(eth + 12) == RTE_ETHER_TYPE_IPV4) {
          rte_pktmbuf_adj(m, kEthHdr);
          if (!valid_ipv4(m)) {
            drop(WorkerCounter::kBadFrame, m);
            continue;
          }
          ip[n_ip++] = m;
          continue;
        }
        // ARP, broadcasts, IPv6, ...: the kernel decides.
        counters_.add(WorkerCounter::kToKernel);
        stage(role.peer, m);
      }
      if (n_ip) route_ip(ip, n_ip, false, role.peer, now);
      break;
    case PortRole::Kind::kPortTap:
      // The kernel chose this interface and resolved the next hop itself
      // (ARP replies, IKE to a peer on the link): out as it is.
      counters_.add(WorkerCounter::kFromKernel, n);
      for (uint16_t i = 0; i < n; ++i) stage(role.peer, pkts[i]);
      break;
    case PortRole::Kind::kLocalTap:
      counters_.add(WorkerCounter::kFromKernel, n);
      for (uint16_t i = 0; i < n; ++i) {
        rte_mbuf* m = pkts[i];
        if (m->data_len < kEthHdr || be16(rte_pktmbuf_mtod(m, const uint8_t*) + 12) != RTE_ETHER_TYPE_IPV4) {
          drop(WorkerCounter::kBadFrame, m);  // IPv6 and the like: the router does not route them
          continue;
        }
        rte_pktmbuf_adj(m, kEthHdr);
        if (!valid_ipv4(m)) {
          drop(WorkerCounter::kBadFrame, m);
          continue;
        }
        ip[n_ip++] = m;
      }
      if (n_ip) route_ip(ip, n_ip, true, rx_port, now);
      break;
    case PortRole::Kind::kNone:
      counters_.add(WorkerCounter::kNoPort, n);
      rte_pktmbuf_free_bulk(pkts, n);
      break;
  }
  flush_staged();
}

// Packets at their IPv4 header: from a physical port (forwarded: TTL - 1)
// or from the kernel (the router's own traffic).
//
// What the data plane does not do itself it leaves to the kernel, through
// the TAP of the interface the packet came in by (`punt`; the kernel's
// TAPs forward): a packet whose TTL would expire (the kernel sends ICMP
// time exceeded) and one too big for its tunnel (the kernel sends ICMP
// fragmentation needed when DF is set, and otherwise fragments it and
// sends the fragments back through the tunnel's TAP, routed here again).
void WorkerCtx::route_ip(rte_mbuf** pkts, uint16_t n, bool from_kernel, uint16_t punt,
                         uint64_t now) {
  uint32_t dst[kMaxBurst];
  uint16_t hop[kMaxBurst];
  for (uint16_t i = 0; i < n; ++i) dst[i] = dst_of(pkts[i]);
  routes_->lookup(dst, n, hop);

  rte_mbuf* esp[kMaxBurst];
  uint32_t spi[kMaxBurst];
  uint16_t n_esp = 0;
  TunnelRuns runs(*this, now);

  for (uint16_t i = 0; i < n; ++i) {
    rte_mbuf* m = pkts[i];
    const NextHop& nh = routes_->next_hop(hop[i]);
    switch (nh.kind) {
      case NextHop::Kind::kLocal:
        if (!from_kernel && is_esp(m, &spi[n_esp])) {
          esp[n_esp++] = m;
        } else if (!from_kernel) {
          to_kernel(nh.port, m);
        } else {
          drop(WorkerCounter::kNoRoute, m);  // the kernel's own address: it should not have sent it here
        }
        break;
      case NextHop::Kind::kPort:
        if (!from_kernel && !decrement_ttl(m)) {
          counters_.add(WorkerCounter::kTtlExceeded);
          to_kernel(punt, m);
          break;
        }
        to_port(nh.port, nh.gateway ? nh.gateway : dst[i], m, now);
        break;
      case NextHop::Kind::kTunnel:
        if (!from_kernel && cfg_.tunnel_mtu && m->pkt_len > cfg_.tunnel_mtu) {
          counters_.add(WorkerCounter::kTooBig);
          to_kernel(punt, m);
          break;
        }
        if (!from_kernel && !decrement_ttl(m)) {
          counters_.add(WorkerCounter::kTtlExceeded);
          to_kernel(punt, m);
          break;
        }
        runs.add(nh.tunnel, m);
        break;
      case NextHop::Kind::kDrop:
        drop(WorkerCounter::kNoRoute, m);
        break;
    }
  }
  runs.flush();
  if (n_esp) {
    const uint16_t good = decrypt(esp, spi, n_esp);
    route_decrypted(esp, good, now);
  }
}

// ESP packets (data at the outer IPv4 header) towards the tunnel's peer.
void WorkerCtx::route_encrypted(rte_mbuf** pkts, uint16_t n, uint64_t now) {
  if (!n) return;
  // One SA made the batch, so every packet has the same outer destination
  // (the tunnel's peer): one route and one neighbour lookup for all of it.
  const uint32_t peer = dst_of(pkts[0]);
  uint16_t same = 1;
  while (same < n && dst_of(pkts[same]) == peer) ++same;
  if (same == n) {
    const NextHop& nh = routes_->lookup(peer);
    if (nh.kind != NextHop::Kind::kPort) {
      counters_.add(WorkerCounter::kNoRoute, n);  // a peer reached through a tunnel or not at all
      rte_pktmbuf_free_bulk(pkts, n);
      return;
    }
    to_port_bulk(nh.port, nh.gateway ? nh.gateway : peer, pkts, n, now);
    return;
  }
  uint32_t dst[kMaxBurst];
  uint16_t hop[kMaxBurst];
  for (uint16_t i = 0; i < n; ++i) dst[i] = dst_of(pkts[i]);
  routes_->lookup(dst, n, hop);
  for (uint16_t i = 0; i < n; ++i) {
    const NextHop& nh = routes_->next_hop(hop[i]);
    if (nh.kind != NextHop::Kind::kPort) {
      drop(WorkerCounter::kNoRoute, pkts[i]);  // a peer reached through a tunnel or not at all
      continue;
    }
    to_port(nh.port, nh.gateway ? nh.gateway : dst[i], pkts[i], now);
  }
}

// Decrypted packets (data at the inner header, hash.usr = the SA's tunnel).
// VTI semantics: the packet arrived on the tunnel interface; its source
// must route back into that tunnel (the SA's traffic selectors are
// any/any, the routing table says what the tunnel carries), and its
// destination must be an inside interface or the router itself.
void WorkerCtx::route_decrypted(rte_mbuf** pkts, uint16_t n, uint64_t now) {
  if (!n) return;
  // Destinations in addr[0, n_v4), sources after them: one bulk lookup.
  uint32_t addr[2 * kMaxBurst];
  uint32_t src[kMaxBurst];
  uint16_t hop[2 * kMaxBurst];
  uint16_t n_v4 = 0;
  rte_mbuf* v4[kMaxBurst];
  for (uint16_t i = 0; i < n; ++i) {
    rte_mbuf* m = pkts[i];
    // The engine checked the inner header's version and length.
    if ((rte_pktmbuf_mtod(m, const uint8_t*)[0] >> 4) != 4) {
      drop(WorkerCounter::kInnerNotInside, m);  // IPv6 inside a tunnel: not routed yet
      continue;
    }
    addr[n_v4] = dst_of(m);
    src[n_v4] = src_of(m);
    v4[n_v4++] = m;
  }
  if (!n_v4) return;
  std::memcpy(addr + n_v4, src, n_v4 * sizeof(uint32_t));
  routes_->lookup(addr, static_cast<uint16_t>(2 * n_v4), hop);
  for (uint16_t i = 0; i < n_v4; ++i) {
    rte_mbuf* m = v4[i];
    const NextHop& back = routes_->next_hop(hop[n_v4 + i]);
    if (back.kind != NextHop::Kind::kTunnel || back.tunnel != m->hash.usr) {
      drop(WorkerCounter::kInnerWrongTunnel, m);
      continue;
    }
    const NextHop& nh = routes_->next_hop(hop[i]);
    if (nh.kind == NextHop::Kind::kLocal) {
      to_kernel(nh.port, m);
    } else if (nh.kind == NextHop::Kind::kPort) {
      if (!decrement_ttl(m)) {
        // The kernel answers with time exceeded through the tunnel's TAP.
        const TunnelId t = m->hash.usr;
        const auto& taps = cfg_.router.ports->tunnel_tap;
        if (t >= taps.size() || taps[t] == kNoTap) {
          drop(WorkerCounter::kNoPort, m);
          continue;
        }
        counters_.add(WorkerCounter::kTtlExceeded);
        to_kernel(taps[t], m);
        continue;
      }
      to_port(nh.port, nh.gateway ? nh.gateway : addr[i], m, now);
    } else {
      drop(WorkerCounter::kInnerNotInside, m);
    }
  }
}

}  // namespace keyway::dp
