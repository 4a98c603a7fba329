// The runtime plan: what `keyway run` needs from a configuration, resolved
// and flattened so that the daemon never looks at IOS syntax. Interfaces
// bound to data-plane ports, tunnels with their endpoints and (lab-only)
// manual SAs, loopbacks, and a routing table in which every route is
// already resolved to an egress (connected, static and recursive routes,
// the router's own addresses as /32 "local" routes).
//
// Plain values, no DPDK: make_plan() is unit-tested without EAL, and the
// daemon turns a Plan into ports, TAPs, FIB entries and SA installs.
//
// Interfaces that are `shutdown` take no part: no port, tunnel, loopback or
// route comes from them (as IOS removes a shut interface's connected
// routes).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "control/config/diagnostics.h"
#include "control/config/model.h"
#include "dataplane/api/sa_spec.h"

namespace keyway::daemon {

// `dataplane port INTERFACE DEVICE [mtu N] [rx-desc N] [tx-desc N]`
struct PortPlan {
  std::string interface;  // canonical IOS name, "Ethernet0/0"
  std::string device;     // DPDK ethdev name, e.g. "net_af_packet0" or "0000:01:00.0"
  uint32_t address = 0;   // host byte order; a bound interface must have an `ip address`
  uint8_t prefix_len = 0;
  uint16_t mtu = 1500;  // IP MTU of the port
  uint16_t rx_desc = 1024;
  uint16_t tx_desc = 1024;
};

struct LoopbackPlan {
  std::string interface;  // "Loopback0"
  uint32_t address = 0;
  uint8_t prefix_len = 0;
};

// `dataplane manual-sa {inbound|outbound} spi SPI transform NAME key HEX
//  [auth-key HEX] [esn] [replay-window N|off] [udp-encap [SPORT DPORT]]`
// under `interface TunnelN`. The spec's src/dst are the tunnel's endpoints
// (outbound: source -> destination; inbound: destination -> source).
struct ManualSaPlan {
  dp::Direction dir = dp::Direction::kOutbound;
  dp::SaSpec spec;
};

// Every Tunnel interface that is not shut down, in configuration order. The
// data plane carries each as a VTI (`tunnel mode ipsec ipv4`), whatever its
// tunnel mode says.
struct TunnelPlan {
  std::string interface;  // "Tunnel1"
  uint32_t id = 0;        // dense, 0..tunnels.size()-1, the data plane's TunnelId
  uint32_t address = 0;   // the tunnel's own `ip address` (0: none)
  uint8_t prefix_len = 0;
  // `tunnel source`: the address, or the address of the interface named;
  // 0: none.
  uint32_t source = 0;
  uint32_t destination = 0;  // 0: no `tunnel destination` (the tunnel carries nothing)
  std::string protection_profile;  // `tunnel protection ipsec profile NAME`; empty: none
  std::vector<ManualSaPlan> manual_sas;  // empty, or exactly one inbound and one outbound
};

enum class RouteKind : uint8_t {
  // Out of port `interface` (a PortPlan) to `gateway`, or to the
  // destination itself when gateway is 0.
  kPort,
  // Into tunnel `interface` (a TunnelPlan).
  kTunnel,
  // One of the router's own addresses, or a loopback's subnet: deliver to
  // `interface`'s kernel side.
  kLocal,
  // `ip route ... Null0`. Not produced yet: the configuration language has
  // no Null0 interface.
  kDrop,
};

struct RoutePlan {
  uint32_t prefix = 0;  // host byte order, masked
  uint8_t prefix_len = 0;
  RouteKind kind = RouteKind::kDrop;
  std::string interface;  // egress interface name (kPort, kTunnel, kLocal)
  uint32_t gateway = 0;   // kPort: next hop address; 0: the destination is on the link
  enum class Source : uint8_t { kConnected, kLocal, kStatic } source = Source::kStatic;
};

struct Plan {
  std::vector<PortPlan> ports;
  std::vector<TunnelPlan> tunnels;
  std::vector<LoopbackPlan> loopbacks;
  // One route per prefix (the lowest administrative distance wins; connected
  // beats static), sorted by prefix length, longest first, then prefix.
  std::vector<RoutePlan> routes;
  uint32_t mbufs = 16384;  // `dataplane mbufs N`
};

// Builds the plan from a configuration that loaded (config::load_*: every
// reference resolves). Errors (a tunnel with manual SAs and tunnel
// protection, manual SAs without a tunnel source or destination or without
// both directions, a tunnel source interface without an address, a port
// line for an interface with no address) are appended to *diags with the
// line they come from and make it return nullopt; warnings (a static route
// whose next hop does not resolve, which IOS keeps inactive; a port on a
// shut interface; an Ethernet interface with an address but no port; a
// shut tunnel; a tunnel without destination; a GRE-mode tunnel, carried
// as a VTI) are appended too and do not. Diagnostics come in file order;
// diags may be null.
//
// Routes: local /32s and connected subnets of the planned interfaces
// (ports, tunnels, loopbacks), then every `ip route`: with an interface it
// goes out of that interface directly; with a next hop only, the next hop
// is looked up (longest prefix) among the other routes, recursively, at
// most 8 lookups deep and never through a loop. A static route that cannot
// be resolved is left out with a warning; for one prefix, the route with
// the lowest distance that resolves wins (connected and local are 0), the
// first configured on a tie.
std::optional<Plan> make_plan(const config::Config& config, std::vector<config::Diagnostic>* diags);

}  // namespace keyway::daemon
