// Router mode, stepped by hand on the test thread: Ethernet frames go into
// WorkerCtx::process() (or the ports' rx rings and run_once()), and what
// the worker sends is read back from the ports' tx rings.
//
//   LAN 192.168.100.1/24  (host .20)         WAN 192.168.0.1/24 (peer .2, peer2 .3, host .50)
//   Tunnel0 10.0.0.1/24 -> peer .2: 192.168.200.0/24, 10.0.0.0/24
//   Tunnel1 (NAT-T)     -> peer2 .3: 192.168.201.0/24
//   Tunnel2 (no SA):        192.168.202.0/24
//   Loopback 10.255.255.1/32; Null0 10.9.9.0/24; 172.16.0.0/16 via 192.168.0.254 (unresolved)
//
// The peers are played by the test with mirror SAs on the test support's
// EspCtx: their outbound SAs make the ESP that arrives on the WAN, their
// inbound SAs decrypt what the worker sends.
#include <rte_cycles.h>
#include <rte_ring.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "dataplane/runtime/ring_port.h"
#include "dataplane/runtime/route_table.h"
#include "tests/runtime/runtime_env.h"
#include "tests/support/packet_util.h"

namespace keyway::test {
namespace {

using dp::EventType;
using dp::NextHop;
using dp::PortRole;
using dp::WorkerCounter;
using Mac = std::array<uint8_t, 6>;

constexpr uint32_t ip4(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
  return a << 24 | b << 16 | c << 8 | d;
}

constexpr uint32_t kLanAddr = ip4(192, 168, 100, 1);
constexpr uint32_t kLanHost = ip4(192, 168, 100, 20);
constexpr uint32_t kWanAddr = ip4(192, 168, 0, 1);
constexpr uint32_t kPeer = ip4(192, 168, 0, 2);
constexpr uint32_t kPeer2 = ip4(192, 168, 0, 3);
constexpr uint32_t kWanHost = ip4(192, 168, 0, 50);
constexpr uint32_t kWanNoNeigh = ip4(192, 168, 0, 99);
constexpr uint32_t kGateway = ip4(192, 168, 0, 254);  // never resolved
constexpr uint32_t kFar = ip4(172, 16, 1, 1);         // via kGateway
constexpr uint32_t kTunAddr = ip4(10, 0, 0, 1);
constexpr uint32_t kTunPeer = ip4(10, 0, 0, 2);
constexpr uint32_t kLoAddr = ip4(10, 255, 255, 1);
constexpr uint32_t kRemote = ip4(192, 168, 200, 10);   // behind tunnel 0
constexpr uint32_t kRemote1 = ip4(192, 168, 201, 10);  // behind tunnel 1
constexpr uint32_t kNoSaNet = ip4(192, 168, 202, 10);  // tunnel 2, never keyed
constexpr uint32_t kNull = ip4(10, 9, 9, 5);
constexpr uint32_t kUnrouted = ip4(8, 8, 8, 8);

constexpr uint32_t kOut0 = 0x1000, kIn0 = 0x2000;  // tunnel 0, as the worker names them
constexpr uint32_t kOut1 = 0x1001, kIn1 = 0x2001;  // tunnel 1

constexpr Mac kLanMac{0x02, 0, 0, 0, 0x01, 0x01};
constexpr Mac kWanMac{0x02, 0, 0, 0, 0x02, 0x01};
constexpr Mac kTunTapMac{0x02, 0, 0, 0, 0x03, 0x01};
constexpr Mac kLoTapMac{0x02, 0, 0, 0, 0x04, 0x01};
constexpr Mac kPeerMac{0x02, 0, 0, 0, 0x0f, 0x02};
constexpr Mac kPeer2Mac{0x02, 0, 0, 0, 0x0f, 0x03};
constexpr Mac kWanHostMac{0x02, 0, 0, 0, 0x0f, 0x50};
constexpr Mac kLanHostMac{0x02, 0, 0, 0, 0x0e, 0x14};
constexpr Mac kOtherMac{0x02, 0, 0, 0, 0x0e, 0x99};
constexpr Mac kBroadcast{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

constexpr uint8_t kIcmp = 1, kUdp = 17, kEsp = 50;
constexpr uint16_t kEthIpv4 = 0x0800, kEthArp = 0x0806, kEthIpv6 = 0x86dd;

// ---- packet building ----

Bytes eth(const Mac& dst, const Mac& src, uint16_t type, const Bytes& payload) {
  Bytes f(dst.begin(), dst.end());
  f.insert(f.end(), src.begin(), src.end());
  f.push_back(static_cast<uint8_t>(type >> 8));
  f.push_back(static_cast<uint8_t>(type));
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}

unsigned ihl_of(const Bytes& ip) { return (ip[0] & 15u) * 4; }

void fix_checksum(Bytes& ip) {
  put16(&ip[10], 0);
  put16(&ip[10], ~ones_sum(ip.data(), ihl_of(ip)) & 0xffff);
}

bool checksum_ok(const uint8_t* ip) { return ones_sum(ip, (ip[0] & 15u) * 4) == 0xffff; }

Bytes ipv4(uint32_t src, uint32_t dst, uint8_t proto, const Bytes& l4, uint8_t ttl = 64,
           uint16_t id = 0) {
  Bytes h = outer_ipv4(src, dst, l4.size(), proto, id);
  h[8] = ttl;
  fix_checksum(h);
  return cat(h, l4);
}

Bytes data(size_t n, uint8_t seed = 0) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(i * 3 + seed);
  return b;
}

Bytes udp(uint16_t sport, uint16_t dport, const Bytes& payload) {
  Bytes u(8);
  put16(&u[0], sport);
  put16(&u[2], dport);
  put16(&u[4], static_cast<uint32_t>(8 + payload.size()));
  return cat(u, payload);  // checksum 0: none (IPv4)
}

Bytes icmp_echo(uint16_t seq, size_t len = 40) {
  Bytes m = data(len, static_cast<uint8_t>(seq));
  m[0] = 8;
  m[1] = 0;
  put16(&m[2], 0);
  put16(&m[4], 0x4b59);
  put16(&m[6], seq);
  put16(&m[2], ~ones_sum(m.data(), m.size()) & 0xffff);
  return m;
}

Bytes arp_request(uint32_t sender, const Mac& sender_mac, uint32_t target) {
  Bytes a(28);
  put16(&a[0], 1);
  put16(&a[2], kEthIpv4);
  a[4] = 6;
  a[5] = 4;
  put16(&a[6], 1);
  std::copy(sender_mac.begin(), sender_mac.end(), a.begin() + 8);
  put32(&a[14], sender);
  put32(&a[24], target);
  a.resize(46);  // padded to the Ethernet minimum
  return a;
}

// What a router must make of `ip` when it forwards it: TTL - 1 and the
// checksum computed afresh (canonical: never 0xffff, RFC 1624).
Bytes forwarded(Bytes ip) {
  --ip[8];
  fix_checksum(ip);
  return ip;
}

uint32_t src_of(const Bytes& ip) { return be32(&ip[12]); }
uint32_t dst_of(const Bytes& ip) { return be32(&ip[16]); }
uint16_t id_of(const Bytes& ip) { return static_cast<uint16_t>(ip[4] << 8 | ip[5]); }
Bytes after_eth(const Bytes& f) { return Bytes(f.begin() + 14, f.end()); }
Mac mac_at(const Bytes& f, size_t off) {
  Mac m;
  std::copy(f.begin() + static_cast<long>(off), f.begin() + static_cast<long>(off) + 6, m.begin());
  return m;
}
uint16_t ethertype(const Bytes& f) { return static_cast<uint16_t>(f[12] << 8 | f[13]); }

dp::SaSpec sa_spec(uint32_t spi, uint32_t src, uint32_t dst, dp::Transform t, bool udp_encap) {
  dp::SaSpec s = spec_for(t, spi, udp_encap);
  for (size_t i = 0; i < s.key.size(); ++i) s.key[i] = static_cast<uint8_t>(s.key[i] ^ (spi * 7));
  for (size_t i = 0; i < s.auth_key.size(); ++i)
    s.auth_key[i] = static_cast<uint8_t>(s.auth_key[i] ^ (spi * 13));
  s.src = src;
  s.dst = dst;
  return s;
}

std::unique_ptr<dp::Sa> make_sa(const dp::SaSpec& s, dp::Direction d) {
  std::string err;
  auto sa = dp::Sa::create(s, d, control_mgr(), &err);
  EXPECT_TRUE(sa) << err;
  return sa;
}

// ---- the bed ----

struct Peer {
  std::unique_ptr<dp::Sa> out;  // makes the ESP the worker's inbound SA takes
  std::unique_ptr<dp::Sa> in;   // decrypts what the worker's outbound SA makes
  Mac mac{};
};

class RouterBed {
 public:
  struct Options {
    uint32_t neighbor_interval_ms = 100;
    bool learn_peer2 = true;  // tunnel 1's peer in the neighbour table
    uint16_t tunnel_mtu = 0;
  };
  RouterBed() : RouterBed(Options{}) {}
  explicit RouterBed(const Options& opt) {
    static unsigned beds = 0;
    const std::string name = "rtr" + std::to_string(beds++);
    std::string err;
    control_ = dp::SaControl::create(1, dp::RingSizes{}, &err);
    if (!control_) {
      ADD_FAILURE() << err;
      return;
    }
    const char* names[] = {"l", "w", "lt", "wt", "tt", "ot"};
    for (int i = 0; i < 6; ++i) {
      ports_[i] = dp::RingPort::create(name + names[i], 1024, pool(), &err);
      if (!ports_[i]) {
        ADD_FAILURE() << err;
        return;
      }
      if (ports_[i]->port() >= dp::kMaxPorts) {
        ADD_FAILURE() << "port id " << ports_[i]->port() << " beyond the port map";
        return;
      }
    }
    lan = ports_[0]->port();
    wan = ports_[1]->port();
    lan_tap = ports_[2]->port();
    wan_tap = ports_[3]->port();
    tun_tap = ports_[4]->port();
    lo_tap = ports_[5]->port();
    map_.port[lan] = PortRole{PortRole::Kind::kPhys, lan_tap, kLanMac};
    map_.port[wan] = PortRole{PortRole::Kind::kPhys, wan_tap, kWanMac};
    map_.port[lan_tap] = PortRole{PortRole::Kind::kPortTap, lan, kLanMac};
    map_.port[wan_tap] = PortRole{PortRole::Kind::kPortTap, wan, kWanMac};
    map_.port[tun_tap] = PortRole{PortRole::Kind::kLocalTap, 0, kTunTapMac};
    map_.port[lo_tap] = PortRole{PortRole::Kind::kLocalTap, 0, kLoTapMac};
    map_.tunnel_tap = {tun_tap};  // tunnel 0's TAP; tunnels 1 and 2 have none

    routes_ = dp::RouteTable::create(name + "_fib", 64, &err);
    neighbors_ = dp::NeighborTable::create(name + "_nb", 64, &err);
    if (!routes_ || !neighbors_) {
      ADD_FAILURE() << err;
      return;
    }
    auto port_hop = [](uint16_t p, uint32_t gw = 0) {
      NextHop nh;
      nh.kind = NextHop::Kind::kPort;
      nh.port = p;
      nh.gateway = gw;
      return nh;
    };
    auto local = [](uint16_t tap) {
      NextHop nh;
      nh.kind = NextHop::Kind::kLocal;
      nh.port = tap;
      return nh;
    };
    auto tunnel = [](dp::TunnelId t) {
      NextHop nh;
      nh.kind = NextHop::Kind::kTunnel;
      nh.tunnel = t;
      return nh;
    };
    const struct {
      uint32_t prefix;
      uint8_t len;
      NextHop nh;
    } table[] = {
        {ip4(192, 168, 100, 0), 24, port_hop(lan)},
        {ip4(192, 168, 0, 0), 24, port_hop(wan)},
        {kLanAddr, 32, local(lan_tap)},
        {kWanAddr, 32, local(wan_tap)},
        {kTunAddr, 32, local(tun_tap)},
        {kLoAddr, 32, local(lo_tap)},
        {ip4(10, 0, 0, 0), 24, tunnel(0)},
        {ip4(192, 168, 200, 0), 24, tunnel(0)},
        {ip4(192, 168, 201, 0), 24, tunnel(1)},
        {ip4(192, 168, 202, 0), 24, tunnel(2)},
        {ip4(10, 9, 9, 0), 24, NextHop{}},
        {ip4(172, 16, 0, 0), 16, port_hop(wan, kGateway)},
    };
    for (const auto& r : table) {
      if (!routes_->add(r.prefix, r.len, r.nh, &err)) {
        ADD_FAILURE() << err;
        return;
      }
    }
    neighbors_->set(wan, kPeer, kPeerMac.data());
    if (opt.learn_peer2) neighbors_->set(wan, kPeer2, kPeer2Mac.data());
    neighbors_->set(wan, kWanHost, kWanHostMac.data());
    neighbors_->set(lan, kLanHost, kLanHostMac.data());

    dp::WorkerConfig cfg;
    cfg.max_tunnels = 4;
    cfg.rx = {{lan, 0}, {wan, 0}, {lan_tap, 0}, {wan_tap, 0}, {tun_tap, 0}, {lo_tap, 0}};
    cfg.router = dp::RouterTables{routes_.get(), neighbors_.get(), &map_};
    cfg.tx_queue = 0;
    cfg.tunnel_mtu = opt.tunnel_mtu;
    cfg.needs_sa_interval_ms = 100;
    cfg.needs_neighbor_interval_ms = opt.neighbor_interval_ms;
    worker_ = dp::WorkerCtx::create(cfg, control_->rings(0), &err);
    if (!worker_) {
      ADD_FAILURE() << err;
      return;
    }

    // Tunnel 0: AES-128-GCM with the peer at 192.168.0.2. Tunnel 1:
    // AES-256-CBC/HMAC-SHA-256 in UDP (NAT-T) with the peer at 192.168.0.3.
    const auto gcm = dp::Transform::kAes128Gcm;
    const auto cbc = dp::Transform::kAes256CbcSha256;
    using dp::Direction;
    // The worker's SAs and the peers' mirror images: same SPI and keys.
    auto ours = [](uint32_t spi, uint32_t src, uint32_t dst, dp::Transform t, bool udp_encap,
                   Direction d) { return make_sa(sa_spec(spi, src, dst, t, udp_encap), d); };
    peer0.out = ours(kIn0, kPeer, kWanAddr, gcm, false, Direction::kOutbound);
    peer0.in = ours(kOut0, kWanAddr, kPeer, gcm, false, Direction::kInbound);
    peer0.mac = kPeerMac;
    peer1.out = ours(kIn1, kPeer2, kWanAddr, cbc, true, Direction::kOutbound);
    peer1.in = ours(kOut1, kWanAddr, kPeer2, cbc, true, Direction::kInbound);
    peer1.mac = kPeer2Mac;
    if (!peer0.out || !peer0.in || !peer1.out || !peer1.in) return;
    peer_table_.insert(peer0.in.get());
    peer_table_.insert(peer1.in.get());
    dp::SaControl& c = *control_;
    if (!c.install_inbound(0, ours(kIn0, kPeer, kWanAddr, gcm, false, Direction::kInbound), 0) ||
        !c.install_outbound(0, ours(kOut0, kWanAddr, kPeer, gcm, false, Direction::kOutbound), 0) ||
        !c.install_inbound(0, ours(kIn1, kPeer2, kWanAddr, cbc, true, Direction::kInbound), 1) ||
        !c.install_outbound(0, ours(kOut1, kWanAddr, kPeer2, cbc, true, Direction::kOutbound), 1)) {
      ADD_FAILURE() << "SA installs refused";
      return;
    }
    worker_->drain_control();
    if (!worker_->outbound_sa(0) || !worker_->outbound_sa(1) || worker_->inbound_sas() != 2) {
      ADD_FAILURE() << "SAs not in effect";
      return;
    }
    ms = rte_get_tsc_hz() / 1000;
    ok_ = true;
  }

  ~RouterBed() {
    if (control_ && worker_) control_->reclaim(0, *worker_);
    worker_.reset();
    for (auto& p : ports_) p.reset();
    routes_.reset();
    neighbors_.reset();
    control_.reset();
  }
  RouterBed(const RouterBed&) = delete;
  RouterBed& operator=(const RouterBed&) = delete;

  bool ok() const { return ok_; }
  dp::WorkerCtx& worker() { return *worker_; }
  dp::NeighborTable& neighbors() { return *neighbors_; }
  const dp::TunnelCounters& tunnel(dp::TunnelId t) { return *worker_->tunnel_counters(t); }
  uint64_t count(WorkerCounter c) const { return worker_->counters()[c]; }
  uint64_t esp(dp::EspCounter c) const { return worker_->esp().counters[c]; }
  dp::RingPort& ring(uint16_t port) {
    for (auto& p : ports_)
      if (p->port() == port) return *p;
    std::abort();
  }
  std::vector<uint16_t> all_ports() const {
    return {lan, wan, lan_tap, wan_tap, tun_tap, lo_tap};
  }

  // One process() call (chunked by the worker) at time `now`.
  void send(uint16_t port, const std::vector<Bytes>& frames) {
    std::vector<rte_mbuf*> m;
    for (const Bytes& f : frames) m.push_back(to_mbuf(f));
    worker_->process(port, m.data(), static_cast<uint16_t>(m.size()), now);
  }
  void send(uint16_t port, const Bytes& frame) { send(port, std::vector<Bytes>{frame}); }
  // Enqueues on the port's rx ring, for run_once().
  void enqueue(uint16_t port, const Bytes& frame) {
    rte_mbuf* m = to_mbuf(frame);
    ASSERT_EQ(rte_ring_enqueue(ring(port).rx(), m), 0);
  }

  // Takes what the worker sent on `port`.
  std::vector<Bytes> sent(uint16_t port) {
    std::vector<Bytes> out;
    void* objs[64];
    unsigned n;
    while ((n = rte_ring_dequeue_burst(ring(port).tx(), objs, 64, nullptr)) > 0) {
      for (unsigned i = 0; i < n; ++i) {
        auto* m = static_cast<rte_mbuf*>(objs[i]);
        out.push_back(to_bytes(m));
        rte_pktmbuf_free(m);
      }
    }
    return out;
  }
  // Takes everything sent on every port; returns how many frames.
  size_t sent_anywhere() {
    size_t n = 0;
    for (uint16_t p : all_ports()) n += sent(p).size();
    return n;
  }
  // Frames waiting on a port's tx ring, without taking them.
  unsigned waiting(uint16_t port) { return rte_ring_count(ring(port).tx()); }

  // ESP as `peer` sends it to us: Ethernet to the WAN's address.
  Bytes from_peer(Peer& peer, const Bytes& inner) {
    rte_mbuf* m = to_mbuf(inner);
    rte_mbuf* pkts[1] = {m};
    const uint16_t good = dp::esp_outbound(esp_ctx(), *peer.out, {pkts, 1});
    EXPECT_EQ(good, 1u);
    Bytes ip = to_bytes(m);
    rte_pktmbuf_free(m);
    return eth(kWanMac, peer.mac, kEthIpv4, ip);
  }
  // Decrypts an ESP packet (at its outer IPv4 header) as the peers would.
  bool peer_decrypt(const Bytes& ip, Bytes* inner) {
    rte_mbuf* m = to_mbuf(ip);
    rte_mbuf* pkts[1] = {m};
    const uint16_t good = dp::esp_inbound(esp_ctx(), peer_table_, {pkts, 1});
    if (good == 1) *inner = to_bytes(m);
    rte_pktmbuf_free(m);
    return good == 1;
  }

  std::vector<dp::Event> poll_events() {
    std::vector<dp::Event> ev;
    control_->poll(&ev);
    return ev;
  }

  uint16_t lan = 0, wan = 0, lan_tap = 0, wan_tap = 0, tun_tap = 0, lo_tap = 0;
  Peer peer0, peer1;
  uint64_t ms = 1;
  uint64_t now = 1'000'000'000'000ull;

 private:
  bool ok_ = false;
  std::unique_ptr<dp::SaControl> control_;
  std::array<std::unique_ptr<dp::RingPort>, 6> ports_;
  dp::PortMap map_;
  std::unique_ptr<dp::RouteTable> routes_;
  std::unique_ptr<dp::NeighborTable> neighbors_;
  std::unique_ptr<dp::WorkerCtx> worker_;
  dp::SpiTable peer_table_;
};

Bytes lan_frame(const Bytes& ip) { return eth(kLanMac, kLanHostMac, kEthIpv4, ip); }
Bytes wan_frame(const Bytes& ip) { return eth(kWanMac, kWanHostMac, kEthIpv4, ip); }
Bytes lan_arp() {
  return eth(kBroadcast, kLanHostMac, kEthArp, arp_request(kLanHost, kLanHostMac, kLanAddr));
}
Bytes udp_to(uint32_t src, uint32_t dst, uint8_t ttl = 64, uint16_t id = 0, size_t len = 100) {
  return ipv4(src, dst, kUdp, udp(1000, 2000, data(len, static_cast<uint8_t>(id))), ttl, id);
}

// Checks the frame is ESP from us to `peer` on the WAN and returns the outer IPv4 packet.
Bytes expect_esp_frame(const Bytes& f, const Mac& peer_mac, uint32_t peer_ip) {
  EXPECT_GE(f.size(), 14u + 20u + 8u);
  if (f.size() < 14 + 20 + 8) return {};
  EXPECT_EQ(mac_at(f, 0), peer_mac) << "Ethernet destination: the peer";
  EXPECT_EQ(mac_at(f, 6), kWanMac) << "Ethernet source: the WAN port";
  EXPECT_EQ(ethertype(f), kEthIpv4);
  Bytes ip = after_eth(f);
  EXPECT_TRUE(checksum_ok(ip.data()));
  EXPECT_EQ(src_of(ip), kWanAddr);
  EXPECT_EQ(dst_of(ip), peer_ip);
  EXPECT_EQ(be32(&ip[0]) & 0xffff, 0u + ip.size()) << "outer total length";
  return ip;
}

template <class K>
uint64_t sum(const std::map<K, uint64_t>& m) {
  uint64_t s = 0;
  for (const auto& kv : m) s += kv.second;
  return s;
}

void expect_conservation(RouterBed& b) {
  const uint64_t rx = b.count(WorkerCounter::kRx);
  const uint64_t accounted = b.count(WorkerCounter::kTx) + b.worker().counters().drops() +
                             b.worker().esp().counters.drops();
  EXPECT_EQ(rx, accounted) << "rx = tx + worker drops + ESP engine drops";
}

// ---------------------------------------------------------------- forwarding

TEST(RouterForward, LanToTunnelIsEncryptedToThePeer) {
  RouterBed b;
  ASSERT_TRUE(b.ok());
  const Bytes inner = udp_to(kLanHost, kRemote, 64, 7, 200);
  b.send(b.lan, lan_frame(inner));
  const auto wan = b.sent(b.wan);
  ASSERT_EQ(wan.size(), 1u);
  const Bytes ip = expect_esp_frame(wan[0], kPeerMac, kPeer);
  ASSERT_FALSE(ip.empty());
  EXPECT_EQ(ip[9], kEsp);
  EXPECT_EQ(be32(&ip[20]), kOut0) << "SPI of tunnel 0's outbound SA";
  EXPECT_EQ(ip[8], 63) << "outer TTL copied from the forwarded inner packet";
  Bytes got;
  ASSERT_TRUE(b.peer_decrypt(ip, &got));
  EXPECT_EQ(got, forwarded(inner)) << "inner packet intact, TTL - 1, checksum valid";
  EXPECT_TRUE(checksum_ok(got.data()));
  EXPECT_EQ(b.tunnel(0).out_packets.get(), 1u);
  EXPECT_EQ(b.tunnel(0).out_bytes.get(), ip.size());
  EXPECT_EQ(b.tunnel(1).out_packets.get(), 0u);
  EXPECT_EQ(b.count(WorkerCounter::kTx), 1u);
  EXPECT_EQ(b.worker().counters().drops(), 0u);
  EXPECT_EQ(b.sent_anywhere(), 0u) << "nothing anywhere else";
}

TEST(RouterForward, SecondTunnelUsesUdpEncapsulationAndItsOwnPeer) {
  RouterBed b;
  ASSERT_TRUE(b.ok());
  const Bytes inner = udp_to(kLanHost, kRemote1, 30, 1);
  b.send(b.lan, lan_frame(inner));
  const auto wan = b.sent(b.wan);
  ASSERT_EQ(wan.size(), 1u);
  const Bytes ip = expect_esp_frame(wan[0], kPeer2Mac, kPeer2);
  ASSERT_FALSE(ip.empty());
  EXPECT_EQ(ip[9], kUdp);
  EXPECT_EQ(ip[22] << 8 | ip[23], 4500);
  EXPECT_EQ(be32(&ip[28]), kOut1);
  Bytes got;
  ASSERT_TRUE(b.peer_decrypt(ip, &got));
  EXPECT_EQ(got, forwarded(inner));
  EXPECT_EQ(b.tunnel(1).out_packets.get(), 1u);
  EXPECT_EQ(b.tunnel(0).out_packets.get(), 0u);
}

TEST(RouterForward, EspFromThePeerIsDecryptedToTheLanHost) {
  RouterBed b;
  ASSERT_TRUE(b.ok());
  const Bytes inner = udp_to(kRemote, kLanHost, 64, 3, 300);
  const Bytes inner1 = udp_to(kRemote1, kLanHost, 9, 4);
  b.send(b.wan, {b.from_peer(b.peer0, inner), b.from_peer(b.peer1, inner1)});
  const auto lan = b.sent(b.lan);
  ASSERT_EQ(lan.size(), 2u);
  for (const Bytes& f : lan) {
    EXPECT_EQ(mac_at(f, 0), kLanHostMac);
    EXPECT_EQ(mac_at(f, 6), kLanMac);
    EXPECT_EQ(ethertype(f), kEthIpv4);
  }
  EXPECT_EQ(after_eth(lan[0]), forwarded(inner));
  EXPECT_EQ(after_eth(lan[1]), forwarded(inner1));
  EXPECT_EQ(b.tunnel(0).in_packets.get(), 1u);
  EXPECT_EQ(b.tunnel(0).in_bytes.get(), inner.size());
  EXPECT_EQ(b.tunnel(1).in_packets.get(), 1u);
  EXPECT_EQ(b.esp(dp::EspCounter::kInOk), 2u);
  EXPECT_EQ(b.worker().counters().drops(), 0u);
  EXPECT_EQ(b.sent_anywhere(), 0u);
}

TEST(RouterForward, PlainForwardingBetweenPortsWithEthernetPaddingTrimmed) {
  RouterBed b;
  ASSERT_TRUE(b.ok());
  // 28-byte IPv4 packet in a 60-byte frame: the padding must not travel on.
  Bytes small = ipv4(kLanHost, kWanHost, kUdp, udp(1, 2, {}), 64, 1);
  Bytes frame = lan_frame(small);
  frame.resize(60, 0xee);
  const Bytes big = udp_to(kWanHost, kLanHost, 200, 2, 1400);
  const Bytes far = udp_to(kLanHost, kFar, 64, 3);
  b.send(b.lan, frame);
  b.send(b.wan, wan_frame(big));
  const auto wan = b.sent(b.wan);
  const auto lan = b.sent(b.lan);
  ASSERT_EQ(wan.size(), 1u);
  ASSERT_EQ(lan.size(), 1u);
  EXPECT_EQ(wan[0], eth(kWanHostMac, kWanMac, kEthIpv4, forwarded(small)));
  EXPECT_EQ(lan[0], eth(kLanHostMac, kLanMac, kEthIpv4, forwarded(big)));
  // Via a gateway: the gateway's address is what gets resolved.
  b.neighbors().set(b.wan, kGateway, kOtherMac.data());
  b.send(b.lan, lan_frame(far));
  const auto wan2 = b.sent(b.wan);
  ASSERT_EQ(wan2.size(), 1u);
  EXPECT_EQ(wan2[0], eth(kOtherMac, kWanMac, kEthIpv4, forwarded(far)));
}

// A forwarded packet's header checksum must be what a fresh computation
// gives. RFC 1624: an incremental update may not produce 0xffff (-0),
// which a fresh computation never does; a header whose checksum is 0xfeff
// before the TTL decrement is the case that tells the two apart, and
// 0xff00.. the ones that carry.
TEST(RouterForward, TtlDecrementKeepsTheChecksumCanonical) {
  RouterBed b;
  ASSERT_TRUE(b.ok());
  // A packet to `dst` whose header checksum is `sum`, found by trying IP IDs.
  auto with_checksum = [](uint32_t dst, uint32_t sum) {
    Bytes p = udp_to(kLanHost, dst, 64, 0, 40);
    for (uint32_t id = 0; id < 65536; ++id) {
      put16(&p[4], id);
      fix_checksum(p);
      if (static_cast<uint32_t>(p[10] << 8 | p[11]) == sum) return p;
    }
    ADD_FAILURE() << "no IP ID gives checksum " << sum;
    return Bytes{};
  };
  std::vector<Bytes> packets;
  for (uint32_t dst : {kWanHost, kRemote})
    for (uint32_t sum : {0xfeffu, 0xff00u, 0xff01u, 0xfffeu, 0x0000u, 0x00ffu})
      packets.push_back(with_checksum(dst, sum));
  // And a spread of others, with TTLs from 2 up.
  for (uint16_t i = 0; i < 100; ++i)
    packets.push_back(udp_to(kLanHost, i % 2 ? kWanHost : kRemote, static_cast<uint8_t>(2 + i * 2),
                             static_cast<uint16_t>(i * 661)));
  for (const Bytes& p : packets) ASSERT_FALSE(p.empty());
  std::vector<Bytes> frames;
  for (const Bytes& p : packets) frames.push_back(lan_frame(p));
  b.send(b.lan, frames);
  const auto wan = b.sent(b.wan);
  ASSERT_EQ(wan.size(), packets.size());
  std::vector<Bytes> got_plain, got_tunnel;
  for (const Bytes& f : wan) {
    Bytes ip = after_eth(f);
    if (ip[9] == kEsp) {
      Bytes inner;
      ASSERT_TRUE(b.peer_decrypt(ip, &inner));
      got_tunnel.push_back(inner);
    } else {
      got_plain.push_back(ip);
    }
  }
  size_t plain = 0, tunneled = 0;
  for (const Bytes& p : packets) {
    const bool tun = dst_of(p) == kRemote;
    const std::vector<Bytes>& got = tun ? got_tunnel : got_plain;
    size_t& k = tun ? tunneled : plain;
    ASSERT_LT(k, got.size());
    EXPECT_EQ(got[k], forwarded(p)) << std::hex << "checksum " << (p[10] << 8 | p[11]) << " became "
                                    << (got[k][10] << 8 | got[k][11]);
    ++k;
  }
}

// ---------------------------------------------------------------- tunnel policy

TEST(RouterTunnelPolicy, DecryptedPacketsMustComeFromAndGoToTheRightPlaces) {
  RouterBed b;
  ASSERT_TRUE(b.ok());
  std::vector<Bytes> esp{
      // Source on the WAN's network, not behind the tunnel.
      b.from_peer(b.peer0, udp_to(ip4(192, 168, 0, 77), kLanHost)),
      // Source behind tunnel 1, but arriving through tunnel 0's SA.
      b.from_peer(b.peer0, udp_to(kRemote1, kLanHost)),
      // Destination routed back into the tunnel.
      b.from_peer(b.peer0, udp_to(kRemote, ip4(192, 168, 200, 11))),
      // Destination routed into another tunnel.
      b.from_peer(b.peer0, udp_to(kRemote, kRemote1)),
      // Destination with no route.
      b.from_peer(b.peer0, udp_to(kRemote, kUnrouted)),
      // Fine: tunnel 0's inside network to the LAN.
      b.from_peer(b.peer0, udp_to(ip4(10, 0, 0, 9), kLanHost)),
  };
  b.send(b.wan, esp);
  EXPECT_EQ(b.count(WorkerCounter::kInnerWrongTunnel), 2u);
  EXPECT_EQ(b.count(WorkerCounter::kInnerNotInside), 3u);
  EXPECT_EQ(b.esp(dp::EspCounter::kInOk), 6u) << "all decrypted; the policy drops after";
  EXPECT_EQ(b.sent(b.lan).size(), 1u);
  EXPECT_EQ(b.sent_anywhere(), 0u) << "nothing re-encrypted or leaked in the clear";
  expect_conservation(b);
}

// ---------------------------------------------------------------- exception path

TEST(RouterException, ArpAndBroadcastsGoToThePortTapUnchanged) {
  RouterBed b;
  ASSERT_TRUE(b.ok());
  const Bytes arp = eth(kBroadcast, kPeerMac, kEthArp, arp_request(kPeer, kPeerMac, kWanAddr));
  const Bytes arp_unicast = eth(kWanMac, kPeerMac, kEthArp, arp_request(kPeer, kPeerMac, kWanAddr));
  const Bytes v6 = eth(kWanMac, kPeerMac, kEthIpv6, make_ipv6_udp(80));
  const Bytes mcast = eth(Mac{0x01, 0x00, 0x5e, 0, 0, 5}, kPeerMac, kEthIpv4,
                          ipv4(kPeer, ip4(224, 0, 0, 5), 89, data(20)));
  b.send(b.wan, {arp, arp_unicast, v6, mcast});
  const auto tap = b.sent(b.wan_tap);
  ASSERT_EQ(tap.size(), 4u);
  EXPECT_EQ(tap[0], arp);
  EXPECT_EQ(tap[1], arp_unicast);
  EXPECT_EQ(tap[2], v6);
  EXPECT_EQ(tap[3], mcast);
  EXPECT_EQ(b.count(WorkerCounter::kToKernel), 4u);
  EXPECT_EQ(b.sent_anywhere(), 0u);
  // On the LAN side: the LAN's TAP.
  b.send(b.lan, lan_arp());
  EXPECT_EQ(b.sent(b.lan_tap).size(), 1u);
  EXPECT_EQ(b.sent_anywhere(), 0u);
}

TEST(RouterException, TrafficForOurAddressesGoesToTheKernel) {
  RouterBed b;
  ASSERT_TRUE(b.ok());
  const Bytes ping = ipv4(kPeer, kWanAddr, kIcmp, icmp_echo(1), 1);  // TTL 1: still ours
  const Bytes ike500 = ipv4(kPeer, kWanAddr, kUdp, udp(500, 500, data(60)));
  Bytes ike_payload = data(60);
  std::fill_n(ike_payload.begin(), 4, 0);  // RFC 3948 non-ESP marker
  const Bytes ike4500 = ipv4(kPeer, kWanAddr, kUdp, udp(4500, 4500, ike_payload));
  // A later fragment of a big IKE message on 4500: there is no UDP header
  // in it, whatever its first bytes look like.
  Bytes frag_payload = data(64);
  put16(&frag_payload[2], 4500);
  put32(&frag_payload[8], kIn1);
  Bytes frag = ipv4(kPeer, kWanAddr, kUdp, frag_payload);
  put16(&frag[6], 185);  // offset 1480 bytes, last fragment
  fix_checksum(frag);
  const Bytes lan_ping = ipv4(kLanHost, kLanAddr, kIcmp, icmp_echo(2));
  const Bytes lo_ping = ipv4(kLanHost, kLoAddr, kIcmp, icmp_echo(3));
  const auto in_before = b.worker().esp().counters;

  b.send(b.wan, {wan_frame(ping), wan_frame(ike500), wan_frame(ike4500), wan_frame(frag)});
  b.send(b.lan, {lan_frame(lan_ping), lan_frame(lo_ping)});
  const auto wan_tap = b.sent(b.wan_tap);
  ASSERT_EQ(wan_tap.size(), 4u);
  const Bytes expect_wan[] = {ping, ike500, ike4500, frag};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(mac_at(wan_tap[i], 0), kWanMac) << i;
    EXPECT_EQ(ethertype(wan_tap[i]), kEthIpv4);
    EXPECT_EQ(after_eth(wan_tap[i]), expect_wan[i]) << "unchanged, TTL included: " << i;
  }
  const auto lan_tap = b.sent(b.lan_tap);
  ASSERT_EQ(lan_tap.size(), 1u);
  EXPECT_EQ(after_eth(lan_tap[0]), lan_ping);
  const auto lo_tap = b.sent(b.lo_tap);
  ASSERT_EQ(lo_tap.size(), 1u);
  EXPECT_EQ(mac_at(lo_tap[0], 0), kLoTapMac);
  EXPECT_EQ(after_eth(lo_tap[0]), lo_ping);
  EXPECT_EQ(b.worker().esp().counters.v, in_before.v) << "IKE never reaches the ESP engine";
  EXPECT_EQ(b.count(WorkerCounter::kToKernel), 6u);
  EXPECT_EQ(b.worker().counters().drops(), 0u);
  EXPECT_EQ(b.sent_anywhere(), 0u);
}

TEST(RouterException, PingToTheTunnelAddressThroughTheTunnel) {
  RouterBed b;
  ASSERT_TRUE(b.ok());
  const Bytes ping = ipv4(kTunPeer, kTunAddr, kIcmp, icmp_echo(9));
  b.send(b.wan, b.from_peer(b.peer0, ping));
  const auto tap = b.sent(b.tun_tap);
  ASSERT_EQ(tap.size(), 1u);
  EXPECT_EQ(mac_at(tap[0], 0), kTunTapMac) << "Ethernet destination: the tunnel TAP";
  EXPECT_EQ(ethertype(tap[0]), kEthIpv4);
  EXPECT_EQ(after_eth(tap[0]), ping);
  EXPECT_EQ(b.count(WorkerCounter::kToKernel), 1u);
  EXPECT_EQ(b.tunnel(0).in_packets.get(), 1u);

  // The kernel's reply on the tunnel TAP: encrypted to the peer, TTL as the kernel set it.
  const Bytes reply = ipv4(kTunAddr, kTunPeer, kIcmp, icmp_echo(9), 64);
  const Bytes to_remote = udp_to(kTunAddr, kRemote, 64, 5);
  b.send(b.tun_tap, {eth(kTunTapMac, kTunTapMac, kEthIpv4, reply),
                     eth(kTunTapMac, kTunTapMac, kEthIpv4, to_remote)});
  const auto wan = b.sent(b.wan);
  ASSERT_EQ(wan.size(), 2u);
  Bytes got;
  ASSERT_TRUE(b.peer_decrypt(expect_esp_frame(wan[0], kPeerMac, kPeer), &got));
  EXPECT_EQ(got, reply);
  ASSERT_TRUE(b.peer_decrypt(expect_esp_frame(wan[1], kPeerMac, kPeer), &got));
  EXPECT_EQ(got, to_remote) << "the router's own traffic: TTL unchanged";
  EXPECT_EQ(b.count(WorkerCounter::kFromKernel), 2u);
  EXPECT_EQ(b.tunnel(0).out_packets.get(), 2u);
}

TEST(RouterException, FramesFromThePortTapLeaveUnchanged) {
  RouterBed b;
  ASSERT_TRUE(b.ok());
  const Bytes arp_reply = eth(kPeerMac, kWanMac, kEthArp, arp_request(kWanAddr, kWanMac, kPeer));
  const Bytes ike =
      eth(kPeerMac, kWanMac, kEthIpv4, ipv4(kWanAddr, kPeer, kUdp, udp(500, 500, data(80)), 1));
  const Bytes v6 = eth(kPeerMac, kWanMac, kEthIpv6, make_ipv6_udp(60));
  b.send(b.wan_tap, {arp_reply, ike, v6});
  const auto wan = b.sent(b.wan);
  ASSERT_EQ(wan.size(), 3u);
  EXPECT_EQ(wan[0], arp_reply);
  EXPECT_EQ(wan[1], ike) << "not routed, not encrypted, TTL untouched";
  EXPECT_EQ(wan[2], v6);
  EXPECT_EQ(b.count(WorkerCounter::kFromKernel), 3u);
  EXPECT_EQ(b.count(WorkerCounter::kTx), 3u);
  EXPECT_EQ(b.sent_anywhere(), 0u);
  // The loopback's kernel side: routed, TTL unchanged.
  const Bytes from_lo = udp_to(kLoAddr, kLanHost, 1, 4);
  b.send(b.lo_tap, eth(kLoTapMac, kLoTapMac, kEthIpv4, from_lo));
  const auto lan = b.sent(b.lan);
  ASSERT_EQ(lan.size(), 1u);
  EXPECT_EQ(lan[0], eth(kLanHostMac, kLanMac, kEthIpv4, from_lo));
  // IPv6 from a local TAP is not routed.
  b.send(b.tun_tap, eth(kTunTapMac, kTunTapMac, kEthIpv6, make_ipv6_udp(60)));
  EXPECT_EQ(b.count(WorkerCounter::kBadFrame), 1u);
  EXPECT_EQ(b.sent_anywhere(), 0u);
}

// ---------------------------------------------------------------- drops

TEST(RouterDrops, MalformedAndForeignFrames) {
  RouterBed b;
  ASSERT_TRUE(b.ok());
  const unsigned free_before = pool_free();
  const Bytes good = udp_to(kLanHost, kWanHost);
  Bytes bad_sum = good;
  bad_sum[10] ^= 0x40;
  Bytes too_long = good;
  put16(&too_long[2], static_cast<uint32_t>(good.size() + 1));
  fix_checksum(too_long);
  Bytes too_short = good;
  put16(&too_short[2], 19);
  fix_checksum(too_short);
  Bytes bad_ihl = good;
  bad_ihl[0] = 0x44;
  Bytes v6_in_v4 = make_ipv6_udp(80);
  std::vector<Bytes> frames{
      eth(kOtherMac, kLanHostMac, kEthIpv4, good),  // not for us
      Bytes(10, 0x02),                              // runt
      Bytes{},                                      // empty
      Bytes(kLanMac.begin(), kLanMac.end()),        // 6 bytes
      lan_frame({}),                                // Ethernet header only
      lan_frame(Bytes(good.begin(), good.begin() + 19)),
      lan_frame(bad_sum),
      lan_frame(too_long),
      lan_frame(too_short),
      lan_frame(bad_ihl),
      lan_frame(v6_in_v4),
  };
  b.send(b.lan, frames);
  EXPECT_EQ(b.count(WorkerCounter::kNotForUs), 1u);
  EXPECT_EQ(b.count(WorkerCounter::kBadFrame), frames.size() - 1);
  EXPECT_EQ(b.count(WorkerCounter::kTx), 0u);
  EXPECT_EQ(b.sent_anywhere(), 0u);
  EXPECT_EQ(pool_free(), free_before);
  expect_conservation(b);
}

TEST(RouterExceptions, TtlExpiringIsHandedToTheKernelForIcmp) {
  RouterBed b;
  ASSERT_TRUE(b.ok());
  const Bytes to_wan = udp_to(kLanHost, kWanHost, 1), to_tunnel = udp_to(kLanHost, kRemote, 1),
              zero = udp_to(kLanHost, kWanHost, 0);
  b.send(b.lan, {lan_frame(to_wan), lan_frame(to_tunnel), lan_frame(zero),
                 lan_frame(ipv4(kLanHost, kLanAddr, kIcmp, icmp_echo(1), 1)),  // ours: delivered
                 lan_frame(udp_to(kLanHost, kWanHost, 2))});                   // leaves with TTL 1
  const Bytes decrypted = udp_to(kRemote, kLanHost, 1);
  b.send(b.wan, b.from_peer(b.peer0, decrypted));
  EXPECT_EQ(b.count(WorkerCounter::kTtlExceeded), 4u);
  // The LAN's TAP gets the three expiring packets, unchanged (TTL not
  // decremented: the kernel does it and answers time exceeded), and the
  // ping for the router itself.
  const auto lan_tap = b.sent(b.lan_tap);
  ASSERT_EQ(lan_tap.size(), 4u);
  EXPECT_EQ(Bytes(lan_tap[0].begin() + 14, lan_tap[0].end()), to_wan);
  EXPECT_EQ(Bytes(lan_tap[1].begin() + 14, lan_tap[1].end()), to_tunnel);
  EXPECT_EQ(Bytes(lan_tap[2].begin() + 14, lan_tap[2].end()), zero);
  // The decrypted one goes to the tunnel's TAP, the interface it came in by.
  const auto tun_tap = b.sent(b.tun_tap);
  ASSERT_EQ(tun_tap.size(), 1u);
  EXPECT_EQ(Bytes(tun_tap[0].begin() + 14, tun_tap[0].end()), decrypted);
  const auto wan = b.sent(b.wan);
  ASSERT_EQ(wan.size(), 1u);
  EXPECT_EQ(wan[0][14 + 8], 1);
  EXPECT_EQ(b.tunnel(0).out_packets.get(), 0u) << "nothing encrypted for an expired packet";
  EXPECT_EQ(b.sent_anywhere(), 0u);
  expect_conservation(b);
}

TEST(RouterExceptions, TooBigForTheTunnelIsHandedToTheKernel) {
  RouterBed::Options opt;
  opt.tunnel_mtu = 1400;
  RouterBed b(opt);
  ASSERT_TRUE(b.ok());
  const Bytes big = udp_to(kLanHost, kRemote, 64, 9, 1401 - 28);
  const Bytes fits = udp_to(kLanHost, kRemote, 64, 10, 1400 - 28);
  ASSERT_EQ(big.size(), 1401u);
  b.send(b.lan, {lan_frame(big), lan_frame(fits)});
  EXPECT_EQ(b.count(WorkerCounter::kTooBig), 1u);
  const auto lan_tap = b.sent(b.lan_tap);
  ASSERT_EQ(lan_tap.size(), 1u);
  EXPECT_EQ(Bytes(lan_tap[0].begin() + 14, lan_tap[0].end()), big) << "unchanged, TTL included";
  EXPECT_EQ(b.sent(b.wan).size(), 1u) << "the one that fits is encrypted";
  // The kernel's own packets are limited by the TAP's MTU, not checked again.
  b.send(b.tun_tap, eth(kTunTapMac, kTunTapMac, kEthIpv4, udp_to(kTunAddr, kRemote, 64, 11, 1401 - 28)));
  EXPECT_EQ(b.count(WorkerCounter::kTooBig), 1u);
  EXPECT_EQ(b.sent(b.wan).size(), 1u);
  expect_conservation(b);
}

TEST(RouterDrops, NoRouteAndNullRoute) {
  RouterBed b;
  ASSERT_TRUE(b.ok());
  b.send(b.lan, {lan_frame(udp_to(kLanHost, kNull)), lan_frame(udp_to(kLanHost, kUnrouted)),
                 lan_frame(udp_to(kLanHost, ip4(10, 9, 9, 255)))});
  // The kernel sending to its own address through a local TAP: not routed back.
  b.send(b.lo_tap, {eth(kLoTapMac, kLoTapMac, kEthIpv4, udp_to(kLoAddr, kUnrouted)),
                    eth(kLoTapMac, kLoTapMac, kEthIpv4, udp_to(kLoAddr, kWanAddr))});
  EXPECT_EQ(b.count(WorkerCounter::kNoRoute), 5u);
  EXPECT_EQ(b.sent_anywhere(), 0u);
  expect_conservation(b);
}

TEST(RouterDrops, NeighbourMissAsksOncePerIntervalPerNextHop) {
  RouterBed b;
  ASSERT_TRUE(b.ok());
  const unsigned free_before = pool_free();
  // 200 packets to an unresolved host and 100 via an unresolved gateway,
  // in bursts over 50 ms.
  for (int i = 0; i < 10; ++i) {
    b.now += 5 * b.ms;
    std::vector<Bytes> burst;
    for (int k = 0; k < 20; ++k) burst.push_back(lan_frame(udp_to(kLanHost, kWanNoNeigh)));
    for (int k = 0; k < 10; ++k) burst.push_back(lan_frame(udp_to(kLanHost, kFar)));
    b.send(b.lan, burst);
  }
  EXPECT_EQ(b.count(WorkerCounter::kNeighMiss), 300u);
  EXPECT_EQ(b.sent_anywhere(), 0u);
  EXPECT_EQ(pool_free(), free_before);
  auto events = b.poll_events();
  ASSERT_EQ(events.size(), 2u);
  std::map<uint32_t, int> asked;
  for (const dp::Event& e : events) {
    EXPECT_EQ(e.type, EventType::kNeedsNeighbor);
    EXPECT_EQ(e.tunnel, b.wan) << "the port";
    ++asked[e.spi];
  }
  EXPECT_EQ(asked[kWanNoNeigh], 1);
  EXPECT_EQ(asked[kGateway], 1) << "the gateway is resolved, not the destination";

  // After the interval: asked again.
  b.now += 100 * b.ms;
  b.send(b.lan, lan_frame(udp_to(kLanHost, kWanNoNeigh)));
  events = b.poll_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].spi, kWanNoNeigh);

  // Resolved: the packets leave.
  b.neighbors().set(b.wan, kWanNoNeigh, kOtherMac.data());
  b.send(b.lan, lan_frame(udp_to(kLanHost, kWanNoNeigh)));
  const auto wan = b.sent(b.wan);
  ASSERT_EQ(wan.size(), 1u);
  EXPECT_EQ(mac_at(wan[0], 0), kOtherMac);
  EXPECT_EQ(b.poll_events().size(), 0u);
  expect_conservation(b);
}

// Two unresolved next hops with steady traffic, one packet each per
// millisecond for a second: each is asked for every interval, neither
// silences the other. (.99 and .163 share a slot when next hops are
// hashed by address bits alone.)
TEST(RouterDrops, NeighbourRequestsOfTwoNextHopsDoNotStarveEachOther) {
  RouterBed b;
  ASSERT_TRUE(b.ok());
  const uint32_t other = ip4(192, 168, 0, 163);
  std::map<uint32_t, int> asked;
  for (int i = 0; i < 1000; ++i) {
    b.send(b.lan, {lan_frame(udp_to(kLanHost, kWanNoNeigh)), lan_frame(udp_to(kLanHost, other))});
    b.now += b.ms;
    for (const dp::Event& e : b.poll_events()) {
      ASSERT_EQ(e.type, EventType::kNeedsNeighbor);
      ++asked[e.spi];
    }
  }
  EXPECT_EQ(asked.size(), 2u);
  EXPECT_EQ(asked[kWanNoNeigh], 10) << "at 0, 100, ..., 900 ms";
  EXPECT_EQ(asked[other], 10) << "at 0, 100, ..., 900 ms";
  EXPECT_EQ(b.count(WorkerCounter::kNeighMiss), 2000u);
}

TEST(RouterDrops, NeighbourMissForThePeerOfATunnel) {
  RouterBed b(RouterBed::Options{.learn_peer2 = false});
  ASSERT_TRUE(b.ok());
  std::vector<Bytes> burst;
  for (uint16_t i = 0; i < 20; ++i) burst.push_back(lan_frame(udp_to(kLanHost, kRemote1, 64, i)));
  b.send(b.lan, burst);
  EXPECT_EQ(b.tunnel(1).out_packets.get(), 20u) << "encrypted, then found no way out";
  EXPECT_EQ(b.count(WorkerCounter::kNeighMiss), 20u);
  EXPECT_EQ(b.sent_anywhere(), 0u);
  const auto events = b.poll_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, EventType::kNeedsNeighbor);
  EXPECT_EQ(events[0].tunnel, b.wan);
  EXPECT_EQ(events[0].spi, kPeer2);
  expect_conservation(b);
  // Resolved: the next packet leaves.
  b.neighbors().set(b.wan, kPeer2, kPeer2Mac.data());
  b.send(b.lan, lan_frame(udp_to(kLanHost, kRemote1, 64, 20)));
  const auto wan = b.sent(b.wan);
  ASSERT_EQ(wan.size(), 1u);
  Bytes inner;
  ASSERT_TRUE(b.peer_decrypt(expect_esp_frame(wan[0], kPeer2Mac, kPeer2), &inner));
  EXPECT_EQ(id_of(inner), 20u);
}

TEST(RouterDrops, TunnelWithoutSaFailsClosed) {
  RouterBed b;
  ASSERT_TRUE(b.ok());
  std::vector<Bytes> burst;
  for (int i = 0; i < 50; ++i) burst.push_back(lan_frame(udp_to(kLanHost, kNoSaNet)));
  b.send(b.lan, burst);
  b.now += 10 * b.ms;
  b.send(b.lan, burst);
  EXPECT_EQ(b.count(WorkerCounter::kNoSa), 100u);
  EXPECT_EQ(b.tunnel(2).no_sa.get(), 100u);
  EXPECT_EQ(b.waiting(b.wan), 0u) << "nothing on the WAN, in the clear or otherwise";
  EXPECT_EQ(b.sent_anywhere(), 0u);
  const auto events = b.poll_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, EventType::kNeedsSa);
  EXPECT_EQ(events[0].tunnel, 2u);
  EXPECT_EQ(events[0].packets, 50u);
  expect_conservation(b);
}

// The header check sums options too: a 24- and a 60-byte header with a
// correct checksum are forwarded, the same headers with one bit flipped in
// an option are dropped.
TEST(RouterForward, HeadersWithOptionsAreCheckedWhole) {
  RouterBed b;
  ASSERT_TRUE(b.ok());
  auto with_options = [](size_t option_bytes, uint16_t id) {
    const Bytes plain = ipv4(kLanHost, kWanHost, kUdp, udp(1, 2, data(32)), 64, id);
    Bytes p;
    for (size_t i = 0; i < plain.size(); ++i) {
      if (i == 20) p.resize(p.size() + option_bytes, 0x01);  // NOPs
      p.push_back(plain[i]);
    }
    p[0] = static_cast<uint8_t>(0x40 | (20 + option_bytes) / 4);
    put16(&p[2], static_cast<uint32_t>(p.size()));
    fix_checksum(p);
    return p;
  };
  const Bytes four = with_options(4, 1), forty = with_options(40, 2);
  Bytes four_bad = four, forty_bad = forty;
  four_bad[21] ^= 0x10;
  forty_bad[57] ^= 0x02;
  b.send(b.lan, {lan_frame(four), lan_frame(four_bad), lan_frame(forty), lan_frame(forty_bad)});
  const auto wan = b.sent(b.wan);
  ASSERT_EQ(wan.size(), 2u);
  EXPECT_EQ(wan[0], eth(kWanHostMac, kWanMac, kEthIpv4, forwarded(four)));
  EXPECT_EQ(wan[1], eth(kWanHostMac, kWanMac, kEthIpv4, forwarded(forty)));
  EXPECT_EQ(b.count(WorkerCounter::kBadFrame), 2u);
  expect_conservation(b);
}

TEST(RouterDrops, EspJunkIsCountedByTheEngine) {
  RouterBed b;
  ASSERT_TRUE(b.ok());
  const Bytes ok = b.from_peer(b.peer0, udp_to(kRemote, kLanHost, 64, 1));
  Bytes bad_icv = b.from_peer(b.peer0, udp_to(kRemote, kLanHost, 64, 2));
  bad_icv.back() ^= 1;
  Bytes unknown = b.from_peer(b.peer0, udp_to(kRemote, kLanHost, 64, 3));
  put32(&unknown[14 + 20], 0xdead);
  const Bytes keepalive = wan_frame(ipv4(kPeer2, kWanAddr, kUdp, udp(4500, 4500, Bytes{0xff})));
  b.send(b.wan, {ok, ok, bad_icv, unknown, keepalive});
  EXPECT_EQ(b.esp(dp::EspCounter::kInOk), 1u);
  EXPECT_EQ(b.esp(dp::EspCounter::kReplay), 1u);
  EXPECT_EQ(b.esp(dp::EspCounter::kBadIcv), 1u);
  EXPECT_EQ(b.esp(dp::EspCounter::kUnknownSpi), 1u);
  EXPECT_EQ(b.esp(dp::EspCounter::kNatKeepalive), 1u);
  EXPECT_EQ(b.sent(b.lan).size(), 1u);
  EXPECT_EQ(b.sent_anywhere(), 0u);
  expect_conservation(b);
}

// ---------------------------------------------------------------- accounting

// Everything above at once, through the rx rings and the worker loop.
TEST(RouterAccounting, EveryPacketEndsInExactlyOnePlace) {
  const unsigned free_before = pool_free();
  {
    RouterBed b;
    ASSERT_TRUE(b.ok());
    uint16_t id = 0;
    auto lan_udp = [&](uint32_t dst, uint8_t ttl = 64) {
      return lan_frame(udp_to(kLanHost, dst, ttl, ++id));
    };
    Bytes bad_sum = udp_to(kLanHost, kWanHost);
    bad_sum[11] ^= 1;
    Bytes bad_icv = b.from_peer(b.peer0, udp_to(kRemote, kLanHost));
    bad_icv[bad_icv.size() - 3] ^= 0x10;
    const Bytes replayed = b.from_peer(b.peer0, udp_to(kRemote, kLanHost, 64, 77));
    Bytes ike_payload = data(40);
    std::fill_n(ike_payload.begin(), 4, 0);
    struct Expect {
      uint64_t tx = 0;
      std::map<WorkerCounter, uint64_t> drops;
      std::map<dp::EspCounter, uint64_t> esp;
    } want;
    // Three rounds of the same mix, to cross burst boundaries (rx_burst 32).
    for (int round = 0; round < 3; ++round) {
      // LAN
      for (int i = 0; i < 10; ++i) b.enqueue(b.lan, lan_udp(kRemote));        // tunnel 0
      for (int i = 0; i < 7; ++i) b.enqueue(b.lan, lan_udp(kRemote1));        // tunnel 1
      for (int i = 0; i < 5; ++i) b.enqueue(b.lan, lan_udp(kWanHost));        // plain
      want.tx += 22;
      b.enqueue(b.lan, lan_udp(kWanHost, 1));
      b.enqueue(b.lan, lan_udp(kRemote, 1));
      want.tx += 2;  // to the kernel, which answers time exceeded
      b.enqueue(b.lan, lan_udp(kNull));
      b.enqueue(b.lan, lan_udp(kUnrouted));
      want.drops[WorkerCounter::kNoRoute] += 2;
      for (int i = 0; i < 4; ++i) b.enqueue(b.lan, lan_udp(kWanNoNeigh));
      want.drops[WorkerCounter::kNeighMiss] += 4;
      for (int i = 0; i < 3; ++i) b.enqueue(b.lan, lan_udp(kNoSaNet));
      want.drops[WorkerCounter::kNoSa] += 3;
      b.enqueue(b.lan, eth(kOtherMac, kLanHostMac, kEthIpv4, udp_to(kLanHost, kWanHost)));
      want.drops[WorkerCounter::kNotForUs] += 1;
      b.enqueue(b.lan, Bytes(9, 1));
      b.enqueue(b.lan, lan_frame(bad_sum));
      want.drops[WorkerCounter::kBadFrame] += 2;
      b.enqueue(b.lan, lan_frame(ipv4(kLanHost, kLanAddr, kIcmp, icmp_echo(1))));
      b.enqueue(b.lan, lan_arp());
      want.tx += 2;
      // WAN
      for (int i = 0; i < 6; ++i)
        b.enqueue(b.wan, b.from_peer(b.peer0, udp_to(kRemote, kLanHost, 64, ++id)));
      for (int i = 0; i < 4; ++i)
        b.enqueue(b.wan, b.from_peer(b.peer1, udp_to(kRemote1, kLanHost, 64, ++id)));
      want.tx += 10;
      b.enqueue(b.wan, b.from_peer(b.peer0, udp_to(ip4(192, 168, 0, 77), kLanHost)));
      want.drops[WorkerCounter::kInnerWrongTunnel] += 1;
      b.enqueue(b.wan, b.from_peer(b.peer0, udp_to(kRemote, kRemote1)));
      want.drops[WorkerCounter::kInnerNotInside] += 1;
      b.enqueue(b.wan, b.from_peer(b.peer0, ipv4(kTunPeer, kTunAddr, kIcmp, icmp_echo(5))));
      b.enqueue(b.wan, wan_frame(ipv4(kPeer, kWanAddr, kUdp, udp(4500, 4500, ike_payload))));
      b.enqueue(b.wan, wan_frame(ipv4(kPeer, kWanAddr, kUdp, udp(500, 500, data(30)))));
      b.enqueue(b.wan, eth(kBroadcast, kPeerMac, kEthArp, arp_request(kPeer, kPeerMac, kWanAddr)));
      want.tx += 4;
      b.enqueue(b.wan, bad_icv);
      want.esp[dp::EspCounter::kBadIcv] += 1;
      b.enqueue(b.wan, replayed);  // the first copy is good (round 0), the rest replays
      if (round == 0)
        want.tx += 1;
      else
        want.esp[dp::EspCounter::kReplay] += 1;
      b.enqueue(b.wan, wan_frame(ipv4(kPeer2, kWanAddr, kUdp, udp(4500, 4500, Bytes{0xff}))));
      want.esp[dp::EspCounter::kNatKeepalive] += 1;
      // Kernel side
      b.enqueue(b.wan_tap, eth(kPeerMac, kWanMac, kEthArp, arp_request(kWanAddr, kWanMac, kPeer)));
      b.enqueue(b.lan_tap,
                eth(kLanHostMac, kLanMac, kEthIpv4, ipv4(kLanAddr, kLanHost, kIcmp, icmp_echo(2))));
      const Bytes kernel_ping = ipv4(kTunAddr, kTunPeer, kIcmp, icmp_echo(5));
      b.enqueue(b.tun_tap, eth(kTunTapMac, kTunTapMac, kEthIpv4, kernel_ping));
      b.enqueue(b.lo_tap, eth(kLoTapMac, kLoTapMac, kEthIpv4, udp_to(kLoAddr, kRemote1)));
      want.tx += 4;
      b.enqueue(b.lo_tap, eth(kLoTapMac, kLoTapMac, kEthIpv6, make_ipv6_udp(50)));
      want.drops[WorkerCounter::kBadFrame] += 1;
    }
    const uint64_t enqueued = want.tx + sum(want.drops) + sum(want.esp);

    for (int i = 0; i < 100 && b.worker().run_once() > 0; ++i) {
    }
    for (uint16_t p : b.all_ports()) EXPECT_EQ(rte_ring_count(b.ring(p).rx()), 0u);

    EXPECT_EQ(b.count(WorkerCounter::kRx), enqueued);
    EXPECT_EQ(b.count(WorkerCounter::kTx), want.tx);
    uint64_t on_rings = 0;
    for (uint16_t p : b.all_ports()) on_rings += b.waiting(p);
    EXPECT_EQ(on_rings, want.tx) << "tx counts what is on the tx rings";
    for (const auto& [c, n] : want.drops) EXPECT_EQ(b.count(c), n) << dp::counter_name(c);
    EXPECT_EQ(b.worker().counters().drops(), sum(want.drops))
        << "no drop counted under another name";
    for (const auto& [c, n] : want.esp) EXPECT_EQ(b.esp(c), n) << dp::counter_name(c);
    EXPECT_EQ(b.worker().esp().counters.drops(), sum(want.esp));
    expect_conservation(b);
    // The published copy of the engine's counters matches after an idle iteration.
    b.worker().run_once();
    EXPECT_EQ(b.worker().esp_counter(dp::EspCounter::kBadIcv), 3u);
    EXPECT_EQ(b.sent_anywhere(), want.tx);
  }
  EXPECT_EQ(pool_free(), free_before) << "mbufs leaked";
}

// ---------------------------------------------------------------- order

// A burst that alternates two tunnels, plain forwarding and traffic for
// the router itself: each flow leaves in the order it arrived, across the
// worker's internal chunking (more than kMaxBurst packets in one call).
TEST(RouterOrder, MixedBurstKeepsPerFlowOrder) {
  RouterBed b;
  ASSERT_TRUE(b.ok());
  constexpr uint16_t kRounds = 40;  // 160 packets: two chunks
  std::vector<Bytes> burst;
  for (uint16_t i = 0; i < kRounds; ++i) {
    burst.push_back(lan_frame(udp_to(kLanHost, kRemote, 64, i)));
    burst.push_back(lan_frame(udp_to(kLanHost, kRemote1, 64, i)));
    burst.push_back(lan_frame(udp_to(kLanHost, kWanHost, 64, i)));
    burst.push_back(lan_frame(ipv4(kLanHost, kWanAddr, kIcmp, icmp_echo(i), 64, i)));
  }
  b.send(b.lan, burst);
  // And the same interleaving arriving through the rx rings, with the
  // kernel sending into tunnel 0 from the loopback at the same time.
  for (uint16_t i = kRounds; i < 2 * kRounds; ++i) {
    b.enqueue(b.lan, lan_frame(udp_to(kLanHost, kRemote, 64, i)));
    b.enqueue(b.lan, lan_frame(udp_to(kLanHost, kRemote1, 64, i)));
    b.enqueue(b.lan, lan_frame(udp_to(kLanHost, kWanHost, 64, i)));
    b.enqueue(b.lan, lan_frame(ipv4(kLanHost, kWanAddr, kIcmp, icmp_echo(i), 64, i)));
    b.enqueue(b.lo_tap, eth(kLoTapMac, kLoTapMac, kEthIpv4, udp_to(kLoAddr, kRemote, 64, i)));
  }
  for (int i = 0; i < 100 && b.worker().run_once() > 0; ++i) {
  }

  std::map<std::pair<uint32_t, uint32_t>, std::vector<uint16_t>> ids;  // by (source, destination)
  std::map<uint32_t, uint64_t> last_seq;          // by SPI
  const auto wan = b.sent(b.wan);
  ASSERT_EQ(wan.size(), 3u * 2 * kRounds + kRounds);
  for (const Bytes& f : wan) {
    const Bytes ip = after_eth(f);
    if (ip[9] == kEsp || (ip[9] == kUdp && (ip[22] << 8 | ip[23]) == 4500)) {
      const size_t esp = ip[9] == kEsp ? 20 : 28;
      const uint32_t spi = be32(&ip[esp]);
      const uint32_t seq = be32(&ip[esp + 4]);
      EXPECT_GT(seq, last_seq[spi]) << "ESP sequence numbers in order, SPI " << spi;
      last_seq[spi] = seq;
      Bytes inner;
      ASSERT_TRUE(b.peer_decrypt(ip, &inner));
      ids[{src_of(inner), dst_of(inner)}].push_back(id_of(inner));
    } else {
      ids[{src_of(ip), dst_of(ip)}].push_back(id_of(ip));
    }
  }
  for (const Bytes& f : b.sent(b.wan_tap)) {
    const Bytes ip = after_eth(f);
    ids[{src_of(ip), dst_of(ip)}].push_back(id_of(ip));
  }
  auto expect_sequence = [&](uint32_t src, uint32_t dst, uint16_t first, uint16_t n) {
    const auto& v = ids[{src, dst}];
    ASSERT_EQ(v.size(), n) << std::hex << src << " -> " << dst;
    for (uint16_t i = 0; i < n; ++i) EXPECT_EQ(v[i], first + i) << std::hex << src << " -> " << dst;
  };
  expect_sequence(kLanHost, kRemote, 0, 2 * kRounds);
  expect_sequence(kLanHost, kRemote1, 0, 2 * kRounds);
  expect_sequence(kLanHost, kWanHost, 0, 2 * kRounds);
  expect_sequence(kLanHost, kWanAddr, 0, 2 * kRounds);
  expect_sequence(kLoAddr, kRemote, kRounds, kRounds);
  EXPECT_EQ(last_seq[kOut0], 3u * kRounds);
  EXPECT_EQ(last_seq[kOut1], 2u * kRounds);
  expect_conservation(b);
  EXPECT_EQ(b.worker().counters().drops(), 0u);
}

// A full burst to one port: the stage fills and is flushed mid-burst.
TEST(RouterOrder, FullBurstToOnePort) {
  RouterBed b;
  ASSERT_TRUE(b.ok());
  std::vector<Bytes> burst;
  for (uint16_t i = 0; i < dp::kMaxBurst; ++i)
    burst.push_back(lan_frame(udp_to(kLanHost, kWanHost, 64, i, 60)));
  b.send(b.lan, burst);
  const auto wan = b.sent(b.wan);
  ASSERT_EQ(wan.size(), dp::kMaxBurst);
  for (uint16_t i = 0; i < dp::kMaxBurst; ++i) EXPECT_EQ(id_of(after_eth(wan[i])), i);
  expect_conservation(b);
}

// ---------------------------------------------------------------- tables

TEST(RouterTables, LongestPrefixMatchAndReplacement) {
  static unsigned n = 0;
  std::string err;
  auto t = dp::RouteTable::create("rtt" + std::to_string(n++), 16, &err);
  ASSERT_TRUE(t) << err;
  NextHop a;
  a.kind = NextHop::Kind::kPort;
  a.port = 1;
  NextHop c = a;
  c.gateway = kGateway;
  NextHop tun;
  tun.kind = NextHop::Kind::kTunnel;
  tun.tunnel = 3;
  ASSERT_TRUE(t->add(ip4(10, 0, 0, 0), 8, a, &err)) << err;
  ASSERT_TRUE(t->add(ip4(10, 1, 0, 0), 16, tun, &err)) << err;
  ASSERT_TRUE(t->add(ip4(10, 1, 2, 3), 32, c, &err)) << err;
  ASSERT_TRUE(t->add(ip4(10, 1, 9, 77), 24, NextHop{}, &err)) << "host bits are ignored: " << err;
  EXPECT_EQ(t->lookup(ip4(10, 200, 0, 1)).kind, NextHop::Kind::kPort);
  EXPECT_EQ(t->lookup(ip4(10, 1, 7, 1)).tunnel, 3u);
  EXPECT_EQ(t->lookup(ip4(10, 1, 2, 3)).gateway, kGateway);
  EXPECT_EQ(t->lookup(ip4(10, 1, 2, 4)).kind, NextHop::Kind::kTunnel);
  EXPECT_EQ(t->lookup(ip4(10, 1, 9, 1)).kind, NextHop::Kind::kDrop);
  EXPECT_EQ(t->lookup(ip4(11, 0, 0, 1)).kind, NextHop::Kind::kDrop) << "no default route";
  EXPECT_EQ(t->routes(), 4u);
  // Added again: the last next hop wins, and it is still one route.
  ASSERT_TRUE(t->add(ip4(10, 1, 0, 0), 16, a, &err)) << err;
  EXPECT_EQ(t->lookup(ip4(10, 1, 7, 1)).kind, NextHop::Kind::kPort);
  EXPECT_EQ(t->routes(), 4u);
  // A default route.
  ASSERT_TRUE(t->add(0, 0, tun, &err)) << err;
  EXPECT_EQ(t->lookup(ip4(11, 0, 0, 1)).tunnel, 3u);
  EXPECT_EQ(t->routes(), 5u);
  ASSERT_TRUE(t->add(0, 0, NextHop{}, &err)) << err;
  EXPECT_EQ(t->lookup(ip4(11, 0, 0, 1)).kind, NextHop::Kind::kDrop);
  EXPECT_EQ(t->routes(), 5u);
  err.clear();
  EXPECT_FALSE(t->add(ip4(10, 0, 0, 0), 33, a, &err));
  EXPECT_FALSE(err.empty());
  // A port the worker's port map does not have.
  NextHop beyond = a;
  beyond.port = dp::kMaxPorts;
  err.clear();
  EXPECT_FALSE(t->add(ip4(10, 2, 0, 0), 16, beyond, &err));
  EXPECT_FALSE(err.empty());
  beyond.kind = NextHop::Kind::kLocal;
  EXPECT_FALSE(t->add(ip4(10, 2, 0, 0), 16, beyond, &err));
  EXPECT_EQ(t->lookup(ip4(10, 2, 0, 1)).kind, NextHop::Kind::kPort) << "10/8 still";
  EXPECT_EQ(t->routes(), 5u);
  // Bulk lookup agrees with single lookups, across its 64-address chunks.
  std::vector<uint32_t> ips;
  for (uint32_t i = 0; i < 150; ++i) ips.push_back(ip4(10, 1, 2, 0) + i * 3);
  std::vector<uint16_t> idx(ips.size());
  t->lookup(ips.data(), static_cast<uint16_t>(ips.size()), idx.data());
  for (size_t i = 0; i < ips.size(); ++i) {
    const NextHop& x = t->next_hop(idx[i]);
    const NextHop& y = t->lookup(ips[i]);
    EXPECT_EQ(&x, &y) << i;
  }
}

TEST(RouterTables, NeighboursAreKeyedByPortAndAddress) {
  static unsigned n = 0;
  std::string err;
  auto nb = dp::NeighborTable::create("rtn" + std::to_string(n++), 8, &err);
  ASSERT_TRUE(nb) << err;
  uint8_t mac[6];
  EXPECT_FALSE(nb->get(1, kPeer, mac));
  ASSERT_TRUE(nb->set(1, kPeer, kPeerMac.data()));
  ASSERT_TRUE(nb->get(1, kPeer, mac));
  EXPECT_EQ(std::to_array(mac), kPeerMac);
  EXPECT_FALSE(nb->get(2, kPeer, mac)) << "another port";
  const Mac ff{0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0xfa};
  ASSERT_TRUE(nb->set(1, kPeer, ff.data()));
  ASSERT_TRUE(nb->get(1, kPeer, mac));
  EXPECT_EQ(std::to_array(mac), ff) << "updated in place";
  EXPECT_EQ(nb->size(), 1u);
}

}  // namespace
}  // namespace keyway::test
