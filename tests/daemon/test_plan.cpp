// make_plan(): the seed's R1 and a two-port lab router as plans, route
// resolution (recursion, depth, loops, distances), and every error and
// warning of the plan with its exact message.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "control/config/load.h"
#include "control/daemon/plan.h"

namespace keyway::daemon {
namespace {

using config::format_ipv4;

struct PlanRun {
  std::optional<Plan> plan;
  std::vector<std::string> errors;
  std::vector<std::string> warnings;
};

PlanRun run(const config::Config& c) {
  std::vector<config::Diagnostic> diags;
  PlanRun r;
  r.plan = make_plan(c, &diags);
  config::Diagnostics fmt("t.cfg");
  for (const config::Diagnostic& d : diags)
    (d.severity == config::Severity::kError ? r.errors : r.warnings).push_back(fmt.format(d));
  return r;
}

std::shared_ptr<const config::Config> load(std::string_view text) {
  config::LoadResult r = config::load_text("t.cfg", text);
  EXPECT_TRUE(r.ok()) << r.diagnostics.format(r.diagnostics.all().front());
  return r.config;
}

PlanRun run(std::string_view text) {
  auto c = load(text);
  return c ? run(*c) : PlanRun{};
}

std::string str(const RoutePlan& r) {
  static constexpr const char* kKinds[] = {"port", "tunnel", "local", "drop"};
  static constexpr const char* kSources[] = {"connected", "local", "static"};
  std::string out = format_ipv4(r.prefix) + "/" + std::to_string(r.prefix_len) + " " +
                    kKinds[static_cast<int>(r.kind)] + " " + r.interface;
  if (r.gateway) out += " via " + format_ipv4(r.gateway);
  return out + " (" + kSources[static_cast<int>(r.source)] + ")";
}

std::vector<std::string> routes(const Plan& p) {
  std::vector<std::string> out;
  for (const RoutePlan& r : p.routes) out.push_back(str(r));
  return out;
}

std::vector<std::string> static_routes(const Plan& p) {
  std::vector<std::string> out;
  for (const RoutePlan& r : p.routes)
    if (r.source == RoutePlan::Source::kStatic) out.push_back(str(r));
  return out;
}

std::string read_config(const std::string& relative) {
  const char* dir = std::getenv("KEYWAY_CONFIGS_DIR");
  std::ifstream in(std::filesystem::path(dir ? dir : "configs") / relative);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_FALSE(text.str().empty()) << relative;
  return text.str();
}

// One port on 192.168.0.0/24, the base of the routing tests.
const std::string kPort =
    "interface Ethernet0/0\n ip address 192.168.0.1 255.255.255.0\n"
    "dataplane port Ethernet0/0 net_af_packet0\n";

const std::string kGcm128Key(40, 'a');

// ------------------------------------------------------------ whole plans

// The seed's R1 with its Ethernet0/0 on a port: the route to R2's LAN goes
// through the tunnel's subnet, so into Tunnel1.
TEST(Plan, SeedR1) {
  PlanRun r =
      run(read_config("ikev1-multi-cert/r1.cfg") + "dataplane port Ethernet0/0 net_af_packet0\n");
  ASSERT_TRUE(r.plan) << testing::PrintToString(r.errors);
  const Plan& p = *r.plan;
  ASSERT_EQ(p.ports.size(), 1u);
  EXPECT_EQ(p.ports[0].interface, "Ethernet0/0");
  EXPECT_EQ(p.ports[0].device, "net_af_packet0");
  EXPECT_EQ(format_ipv4(p.ports[0].address), "192.168.0.1");
  EXPECT_EQ(p.ports[0].prefix_len, 24);
  EXPECT_EQ(p.ports[0].mtu, 1500);
  EXPECT_EQ(p.ports[0].rx_desc, 1024);
  EXPECT_EQ(p.ports[0].tx_desc, 1024);
  ASSERT_EQ(p.loopbacks.size(), 1u);
  EXPECT_EQ(p.loopbacks[0].interface, "Loopback0");
  EXPECT_EQ(format_ipv4(p.loopbacks[0].address), "192.168.100.1");
  EXPECT_EQ(p.loopbacks[0].prefix_len, 24);
  ASSERT_EQ(p.tunnels.size(), 1u);
  const TunnelPlan& t = p.tunnels[0];
  EXPECT_EQ(t.interface, "Tunnel1");
  EXPECT_EQ(t.id, 0u);
  EXPECT_EQ(format_ipv4(t.address), "10.0.0.1");
  EXPECT_EQ(t.prefix_len, 24);
  EXPECT_EQ(format_ipv4(t.source), "192.168.0.1");
  EXPECT_EQ(format_ipv4(t.destination), "192.168.0.2");
  EXPECT_EQ(t.protection_profile, "prof1");
  EXPECT_TRUE(t.manual_sas.empty());
  EXPECT_EQ(routes(p), (std::vector<std::string>{
                           "10.0.0.1/32 local Tunnel1 (local)",
                           "192.168.0.1/32 local Ethernet0/0 (local)",
                           "192.168.100.1/32 local Loopback0 (local)",
                           "10.0.0.0/24 tunnel Tunnel1 (connected)",
                           "192.168.0.0/24 port Ethernet0/0 (connected)",
                           "192.168.100.0/24 local Loopback0 (connected)",
                           "192.168.200.0/24 tunnel Tunnel1 (static)",
                       }));
  EXPECT_EQ(p.mbufs, 16384u);
  // The seed sets no tunnel mode: IOS runs GRE, keyway a VTI.
  ASSERT_EQ(r.warnings.size(), 1u) << testing::PrintToString(r.warnings);
  EXPECT_NE(r.warnings[0].find(":37:11: warning: GRE tunnel mode (the IOS default): keyway "
                               "carries the tunnel as a VTI"),
            std::string::npos)
      << r.warnings[0];
}

// A lab router: WAN and LAN ports, a tunnel keyed by hand, a route to the
// remote LAN through the tunnel and a default route out of the WAN.
TEST(Plan, TwoPortLabWithManualSas) {
  std::string aes256_key(72, '1');
  std::string cbc_key(32, '2'), hmac_key(64, '3');
  PlanRun r =
      run("hostname R1\n"
          "interface Ethernet0/0\n ip address 198.51.100.1 255.255.255.0\n"
          "interface Ethernet0/1\n ip address 192.168.1.1 255.255.255.0\n"
          "interface Tunnel1\n ip address 10.0.0.1 255.255.255.252\n"
          " tunnel source Ethernet0/0\n tunnel destination 198.51.100.2\n tunnel mode ipsec ipv4\n"
          " dataplane manual-sa outbound spi 0x1001 transform aes256gcm key " +
          aes256_key +
          " esn udp-encap 4501 4500\n"
          " dataplane manual-sa inbound spi 0x2001 transform aes128cbc-sha256 key " +
          cbc_key + " auth-key " + hmac_key +
          " replay-window off\n"
          "ip route 192.168.2.0 255.255.255.0 10.0.0.2\n"
          "ip route 0.0.0.0 0.0.0.0 198.51.100.254\n"
          "dataplane port Ethernet0/0 net_af_packet0 mtu 1400 rx-desc 512\n"
          "dataplane port Ethernet0/1 net_af_packet1\n"
          "dataplane mbufs 8192\n");
  ASSERT_TRUE(r.plan) << testing::PrintToString(r.errors);
  EXPECT_EQ(r.warnings, std::vector<std::string>{});
  const Plan& p = *r.plan;
  ASSERT_EQ(p.ports.size(), 2u);
  EXPECT_EQ(p.ports[0].interface, "Ethernet0/0");
  EXPECT_EQ(p.ports[0].mtu, 1400);
  EXPECT_EQ(p.ports[0].rx_desc, 512);
  EXPECT_EQ(p.ports[0].tx_desc, 1024);
  EXPECT_EQ(p.ports[1].interface, "Ethernet0/1");
  EXPECT_EQ(p.ports[1].device, "net_af_packet1");
  EXPECT_EQ(format_ipv4(p.ports[1].address), "192.168.1.1");
  EXPECT_EQ(p.mbufs, 8192u);

  ASSERT_EQ(p.tunnels.size(), 1u);
  const TunnelPlan& t = p.tunnels[0];
  EXPECT_EQ(format_ipv4(t.source), "198.51.100.1");
  EXPECT_EQ(format_ipv4(t.destination), "198.51.100.2");
  EXPECT_EQ(t.protection_profile, "");
  ASSERT_EQ(t.manual_sas.size(), 2u);
  EXPECT_EQ(t.manual_sas[0].dir, dp::Direction::kOutbound);
  EXPECT_EQ(dp::format_sa_spec(t.manual_sas[0].spec),
            "spi=0x00001001,transform=aes256gcm,key=" + std::string(72, '1') +
                ",src=198.51.100.1,dst=198.51.100.2,encap=udp:4501:4500,esn=on");
  EXPECT_EQ(t.manual_sas[1].dir, dp::Direction::kInbound);
  EXPECT_EQ(dp::format_sa_spec(t.manual_sas[1].spec),
            "spi=0x00002001,transform=aes128cbc-sha256,key=" + std::string(32, '2') + ",auth-key=" +
                std::string(64, '3') + ",src=198.51.100.2,dst=198.51.100.1,replay-window=off");

  EXPECT_EQ(routes(p), (std::vector<std::string>{
                           "10.0.0.1/32 local Tunnel1 (local)",
                           "192.168.1.1/32 local Ethernet0/1 (local)",
                           "198.51.100.1/32 local Ethernet0/0 (local)",
                           "10.0.0.0/30 tunnel Tunnel1 (connected)",
                           "192.168.1.0/24 port Ethernet0/1 (connected)",
                           "192.168.2.0/24 tunnel Tunnel1 (static)",
                           "198.51.100.0/24 port Ethernet0/0 (connected)",
                           "0.0.0.0/0 port Ethernet0/0 via 198.51.100.254 (static)",
                       }));
}

TEST(Plan, NullDiagnosticsAreAllowed) {
  auto c = load(kPort + "interface Ethernet0/1\n ip address 10.0.0.1 255.0.0.0\n");
  ASSERT_TRUE(c);
  EXPECT_TRUE(make_plan(*c, nullptr));
}

// ------------------------------------------------------------------ routes

// Gateways: through a connected (or interface) route with no gateway the
// next hop itself; through a route with a gateway, that gateway. Order in
// the file does not matter.
TEST(PlanRoutes, RecursiveGateways) {
  PlanRun r = run(kPort +
                  "ip route 10.2.0.0 255.255.0.0 10.1.5.5\n"
                  "ip route 10.1.0.0 255.255.0.0 192.168.0.2\n"
                  "ip route 10.3.0.0 255.255.0.0 Ethernet0/0\n"
                  "ip route 10.4.0.0 255.255.0.0 10.3.0.9\n"
                  "ip route 10.5.0.0 255.255.0.0 Ethernet0/0 192.168.0.3\n"
                  "ip route 10.6.0.0 255.255.0.0 10.5.1.1\n");
  ASSERT_TRUE(r.plan);
  EXPECT_EQ(r.warnings, std::vector<std::string>{});
  EXPECT_EQ(static_routes(*r.plan), (std::vector<std::string>{
                                        "10.1.0.0/16 port Ethernet0/0 via 192.168.0.2 (static)",
                                        "10.2.0.0/16 port Ethernet0/0 via 192.168.0.2 (static)",
                                        "10.3.0.0/16 port Ethernet0/0 (static)",
                                        "10.4.0.0/16 port Ethernet0/0 via 10.3.0.9 (static)",
                                        "10.5.0.0/16 port Ethernet0/0 via 192.168.0.3 (static)",
                                        "10.6.0.0/16 port Ethernet0/0 via 192.168.0.3 (static)",
                                    }));
}

// Longest prefix first: a /24 inside a /16 takes the lookups it covers.
TEST(PlanRoutes, LongestPrefixResolvesTheNextHop) {
  PlanRun r = run(kPort +
                  "interface Tunnel1\n ip address 10.0.0.1 255.255.255.0\n tunnel mode ipsec ipv4\n"
                  " tunnel destination 192.168.0.2\n tunnel source Ethernet0/0\n"
                  "ip route 172.16.0.0 255.255.0.0 192.168.0.2\n"
                  "ip route 172.16.9.0 255.255.255.0 10.0.0.2\n"
                  "ip route 10.20.0.0 255.255.0.0 172.16.9.1\n"
                  "ip route 10.21.0.0 255.255.0.0 172.16.8.1\n");
  ASSERT_TRUE(r.plan);
  EXPECT_EQ(static_routes(*r.plan), (std::vector<std::string>{
                                        "172.16.9.0/24 tunnel Tunnel1 (static)",
                                        "10.20.0.0/16 tunnel Tunnel1 (static)",
                                        "10.21.0.0/16 port Ethernet0/0 via 192.168.0.2 (static)",
                                        "172.16.0.0/16 port Ethernet0/0 via 192.168.0.2 (static)",
                                    }));
}

// A tunnel without an address (unnumbered) is reached by naming it.
TEST(PlanRoutes, UnnumberedTunnelByName) {
  PlanRun r = run(kPort +
                  "interface Tunnel7\n tunnel source 192.168.0.1\n tunnel destination 192.168.0.2\n"
                  " tunnel mode ipsec ipv4\n"
                  "ip route 10.7.0.0 255.255.0.0 Tunnel7 10.99.0.1\n"
                  "ip route 10.8.0.0 255.255.0.0 10.7.0.1\n");
  ASSERT_TRUE(r.plan);
  EXPECT_EQ(static_routes(*r.plan), (std::vector<std::string>{
                                        "10.7.0.0/16 tunnel Tunnel7 (static)",
                                        "10.8.0.0/16 tunnel Tunnel7 (static)",
                                    }));
  EXPECT_EQ(r.plan->tunnels[0].address, 0u);
}

// Routes that need 1..N lookups: route k's next hop is in route k-1's
// prefix, route 1's in the port's subnet.
std::string chain(int n, bool reversed) {
  std::string lines;
  for (int i = 1; i <= n; ++i) {
    std::string line =
        "ip route 10.0." + std::to_string(i) + ".0 255.255.255.0 " +
        (i == 1 ? std::string("192.168.0.2") : "10.0." + std::to_string(i - 1) + ".1") + "\n";
    lines = reversed ? line + lines : lines + line;
  }
  return kPort + lines;
}

class DepthTest : public ::testing::TestWithParam<bool> {};

TEST_P(DepthTest, EightLookupsResolveNineDoNot) {
  PlanRun r = run(chain(9, GetParam()));
  ASSERT_TRUE(r.plan);
  std::vector<std::string> expected;
  for (int i = 1; i <= 8; ++i)
    expected.push_back("10.0." + std::to_string(i) +
                       ".0/24 port Ethernet0/0 via 192.168.0.2 (static)");
  EXPECT_EQ(static_routes(*r.plan), expected);
  EXPECT_EQ(r.warnings,
            std::vector<std::string>{
                "t.cfg:" + std::to_string(GetParam() ? 4 : 12) +
                ":10: warning: static route left out: next hop 10.0.8.1 needs more than 8 "
                "recursive lookups; got '10.0.9.0', expected a shorter chain of static routes"});
}

INSTANTIATE_TEST_SUITE_P(PlanRoutes, DepthTest, ::testing::Bool(),
                         [](const auto& p) { return p.param ? "Reversed" : "InOrder"; });

TEST(PlanRoutes, LoopsAreLeftOut) {
  PlanRun r = run(kPort +
                  "ip route 10.1.0.0 255.255.0.0 10.2.0.1\n"
                  "ip route 10.2.0.0 255.255.0.0 10.1.0.1\n"
                  "ip route 10.9.0.0 255.255.0.0 10.9.0.1\n");
  ASSERT_TRUE(r.plan);
  EXPECT_EQ(static_routes(*r.plan), std::vector<std::string>{});
  EXPECT_EQ(r.warnings,
            (std::vector<std::string>{
                "t.cfg:4:10: warning: static route left out: next hop 10.2.0.1 resolves only "
                "through a loop of static routes; got '10.1.0.0', expected a next hop that "
                "resolves without coming back to this route",
                "t.cfg:5:10: warning: static route left out: next hop 10.1.0.1 resolves only "
                "through a loop of static routes; got '10.2.0.0', expected a next hop that "
                "resolves without coming back to this route",
                "t.cfg:6:10: warning: static route left out: next hop 10.9.0.1 resolves only "
                "through a loop of static routes; got '10.9.0.0', expected a next hop that "
                "resolves without coming back to this route"}));
}

// A route is never its own next hop's route: the lookup goes on to the
// next shorter prefix, here a default route.
TEST(PlanRoutes, LoopFallsBackToShorterPrefix) {
  PlanRun r = run(kPort +
                  "ip route 0.0.0.0 0.0.0.0 192.168.0.254\n"
                  "ip route 10.1.0.0 255.255.0.0 10.2.0.1\n"
                  "ip route 10.2.0.0 255.255.0.0 10.1.0.1\n");
  ASSERT_TRUE(r.plan);
  EXPECT_EQ(r.warnings, std::vector<std::string>{});
  EXPECT_EQ(static_routes(*r.plan), (std::vector<std::string>{
                                        "10.1.0.0/16 port Ethernet0/0 via 192.168.0.254 (static)",
                                        "10.2.0.0/16 port Ethernet0/0 via 192.168.0.254 (static)",
                                        "0.0.0.0/0 port Ethernet0/0 via 192.168.0.254 (static)",
                                    }));
}

TEST(PlanRoutes, LowestDistanceWinsFirstConfiguredOnTies) {
  PlanRun r = run(kPort +
                  "ip route 10.1.0.0 255.255.0.0 192.168.0.2 20\n"
                  "ip route 10.1.0.0 255.255.0.0 192.168.0.3 10\n"
                  "ip route 10.2.0.0 255.255.0.0 192.168.0.4\n"
                  "ip route 10.2.0.0 255.255.0.0 192.168.0.5 1\n"
                  // Connected (distance 0) beats static.
                  "ip route 192.168.0.0 255.255.255.0 192.168.0.9\n");
  ASSERT_TRUE(r.plan);
  EXPECT_EQ(r.warnings, std::vector<std::string>{});
  EXPECT_EQ(static_routes(*r.plan), (std::vector<std::string>{
                                        "10.1.0.0/16 port Ethernet0/0 via 192.168.0.3 (static)",
                                        "10.2.0.0/16 port Ethernet0/0 via 192.168.0.4 (static)",
                                    }));
  EXPECT_EQ(routes(*r.plan)[1], "192.168.0.0/24 port Ethernet0/0 (connected)");
}

// A better route that cannot be resolved leaves its prefix to a worse one
// (a floating static), and is reported.
TEST(PlanRoutes, FloatingStaticTakesOver) {
  PlanRun r = run(kPort +
                  "ip route 10.1.0.0 255.255.0.0 172.16.0.1\n"
                  "ip route 10.1.0.0 255.255.0.0 192.168.0.2 200\n");
  ASSERT_TRUE(r.plan);
  EXPECT_EQ(static_routes(*r.plan),
            std::vector<std::string>{"10.1.0.0/16 port Ethernet0/0 via 192.168.0.2 (static)"});
  EXPECT_EQ(r.warnings,
            std::vector<std::string>{
                "t.cfg:4:10: warning: static route left out: next hop 172.16.0.1 is covered by no "
                "connected or other static route; IOS keeps such a route inactive; got "
                "'10.1.0.0', expected a next hop in a forwarded subnet"});
}

TEST(PlanRoutes, LocalNextHopsAreLeftOut) {
  PlanRun r = run(kPort +
                  "interface Loopback0\n ip address 172.16.0.1 255.255.255.0\n"
                  "ip route 10.1.0.0 255.255.0.0 192.168.0.1\n"
                  "ip route 10.2.0.0 255.255.0.0 172.16.0.7\n");
  ASSERT_TRUE(r.plan);
  EXPECT_EQ(static_routes(*r.plan), std::vector<std::string>{});
  ASSERT_EQ(r.warnings.size(), 2u);
  EXPECT_EQ(r.warnings[0],
            "t.cfg:6:10: warning: static route left out: next hop 192.168.0.1 is local (an "
            "address of this router or a loopback subnet); got '10.1.0.0', expected a next hop "
            "on a neighbouring router");
  EXPECT_NE(r.warnings[1].find("t.cfg:7:10: warning: static route left out: next hop "
                               "172.16.0.7 is local"),
            std::string::npos);
}

// An interface the data plane does not forward carries no route, and its
// subnet resolves no next hop.
TEST(PlanRoutes, UnforwardedInterfaces) {
  PlanRun r = run(kPort +
                  "interface Ethernet0/1\n ip address 172.16.0.1 255.255.255.0\n"
                  "interface Vlan10\n ip address 172.17.0.1 255.255.255.0\n"
                  "ip route 10.1.0.0 255.255.0.0 Ethernet0/1\n"
                  "ip route 10.2.0.0 255.255.0.0 172.16.0.2\n"
                  "ip route 10.3.0.0 255.255.0.0 Vlan10 172.17.0.2\n");
  ASSERT_TRUE(r.plan);
  EXPECT_EQ(static_routes(*r.plan), std::vector<std::string>{});
  for (const std::string& route : routes(*r.plan))
    EXPECT_EQ(route.find("172.1"), std::string::npos);
  EXPECT_EQ(r.warnings,
            (std::vector<std::string>{
                "t.cfg:4:11: warning: not bound to a data-plane port; not forwarded; got "
                "'Ethernet0/1', expected a 'dataplane port Ethernet0/1 DEVICE' line to forward "
                "it",
                "t.cfg:8:10: warning: static route left out: interface Ethernet0/1 is not "
                "forwarded by the data plane; got '10.1.0.0', expected a port, a tunnel or a "
                "loopback that is up and, for a port, has an address",
                "t.cfg:9:10: warning: static route left out: next hop 172.16.0.2 is covered by "
                "no connected or other static route; IOS keeps such a route inactive; got "
                "'10.2.0.0', expected a next hop in a forwarded subnet",
                "t.cfg:10:10: warning: static route left out: interface Vlan10 is not forwarded "
                "by the data plane; got '10.3.0.0', expected a port, a tunnel or a loopback that "
                "is up and, for a port, has an address"}));
}

// A /32 interface address is one route: delivered locally.
TEST(PlanRoutes, HostAddressIsLocal) {
  PlanRun r = run(kPort + "interface Loopback1\n ip address 10.255.0.1 255.255.255.255\n");
  ASSERT_TRUE(r.plan);
  int count = 0;
  for (const RoutePlan& route : r.plan->routes)
    if (format_ipv4(route.prefix) == "10.255.0.1") {
      ++count;
      EXPECT_EQ(route.source, RoutePlan::Source::kLocal);
      EXPECT_EQ(route.kind, RouteKind::kLocal);
      EXPECT_EQ(route.interface, "Loopback1");
    }
  EXPECT_EQ(count, 1);
}

// --------------------------------------------------------------- tunnels

TEST(PlanTunnels, IdsDenseInConfigurationOrderShutOnesLeftOut) {
  PlanRun r = run(kPort +
                  "interface Tunnel5\n tunnel source Ethernet0/0\n tunnel destination 192.168.0.5\n"
                  " tunnel mode ipsec ipv4\n"
                  "interface Tunnel2\n tunnel source 192.168.0.1\n tunnel destination 192.168.0.6\n"
                  " tunnel mode ipsec ipv4\n shutdown\n"
                  "interface Tunnel3\n tunnel source 192.168.0.1\n tunnel destination 192.168.0.7\n"
                  " tunnel mode ipsec ipv4\n");
  ASSERT_TRUE(r.plan);
  ASSERT_EQ(r.plan->tunnels.size(), 2u);
  EXPECT_EQ(r.plan->tunnels[0].interface, "Tunnel5");
  EXPECT_EQ(r.plan->tunnels[0].id, 0u);
  EXPECT_EQ(format_ipv4(r.plan->tunnels[0].source), "192.168.0.1");
  EXPECT_EQ(r.plan->tunnels[1].interface, "Tunnel3");
  EXPECT_EQ(r.plan->tunnels[1].id, 1u);
  EXPECT_EQ(r.warnings,
            std::vector<std::string>{"t.cfg:8:11: warning: tunnel is shut down; not planned; got "
                                     "'Tunnel2', expected 'no shutdown' on Tunnel2 to run it"});
}

TEST(PlanTunnels, WithoutDestinationStillPlanned) {
  PlanRun r =
      run(kPort + "interface Tunnel1\n tunnel source Ethernet0/0\n tunnel mode ipsec ipv4\n");
  ASSERT_TRUE(r.plan);
  ASSERT_EQ(r.plan->tunnels.size(), 1u);
  EXPECT_EQ(r.plan->tunnels[0].destination, 0u);
  EXPECT_EQ(r.warnings, std::vector<std::string>{
                            "t.cfg:4:11: warning: tunnel without 'tunnel destination'; it "
                            "carries no traffic; got 'Tunnel1', expected a 'tunnel destination' "
                            "address"});
}

TEST(PlanTunnels, GreModeWarnsWhereItIsWritten) {
  PlanRun r =
      run(kPort +
          "interface Tunnel1\n tunnel source Ethernet0/0\n tunnel destination 192.168.0.2\n"
          " tunnel mode gre ip\n"
          "interface Tunnel2\n tunnel source Ethernet0/0\n tunnel destination 192.168.0.3\n");
  ASSERT_TRUE(r.plan);
  EXPECT_EQ(r.plan->tunnels.size(), 2u);
  EXPECT_EQ(r.warnings,
            (std::vector<std::string>{
                "t.cfg:7:14: warning: GRE tunnel mode (as written): keyway carries the tunnel as "
                "a VTI ('tunnel mode ipsec ipv4'), with no GRE header; got 'gre', expected "
                "'tunnel mode ipsec ipv4' here and on the peer",
                "t.cfg:8:11: warning: GRE tunnel mode (the IOS default): keyway carries the "
                "tunnel as a VTI ('tunnel mode ipsec ipv4'), with no GRE header; got 'Tunnel2', "
                "expected 'tunnel mode ipsec ipv4' here and on the peer"}));
}

// ------------------------------------------------------------------ ports

TEST(PlanPorts, ShutInterfaceKeepsItsPortStopped) {
  PlanRun r =
      run("interface Ethernet0/0\n ip address 192.168.0.1 255.255.255.0\n shutdown\n"
          "dataplane port Ethernet0/0 net_af_packet0\n");
  ASSERT_TRUE(r.plan);
  EXPECT_TRUE(r.plan->ports.empty());
  EXPECT_TRUE(r.plan->routes.empty());
  EXPECT_EQ(r.warnings, std::vector<std::string>{
                            "t.cfg:4:16: warning: interface is shut down; its port is not "
                            "started; got 'Ethernet0/0', expected 'no shutdown' on Ethernet0/0 "
                            "to forward it"});
}

// ----------------------------------------------------------------- errors

struct PlanError {
  const char* name;
  std::string text;
  std::string error;
};

void PrintTo(const PlanError& e, std::ostream* os) { *os << e.name; }

class PlanErrorTest : public ::testing::TestWithParam<PlanError> {};

TEST_P(PlanErrorTest, RefusedWithExactMessage) {
  PlanRun r = run(GetParam().text);
  EXPECT_FALSE(r.plan);
  EXPECT_EQ(r.errors, std::vector<std::string>{GetParam().error});
}

const std::string kSa = "spi 300 transform aes128gcm key " + kGcm128Key + "\n";
const std::string kSaPair =
    " dataplane manual-sa outbound " + kSa + " dataplane manual-sa inbound " + kSa;

const PlanError kErrors[] = {
    {"port_without_address", "interface Ethernet0/0\ndataplane port Ethernet0/0 d0\n",
     "t.cfg:2:16: error: port bound to an interface without an address; got 'Ethernet0/0', "
     "expected an 'ip address' on Ethernet0/0"},
    {"tunnel_source_without_address",
     "interface Loopback0\ninterface Tunnel1\n tunnel source Loopback0\n"
     " tunnel destination 192.168.0.2\n tunnel mode ipsec ipv4\n",
     "t.cfg:3:16: error: tunnel source interface has no address; got 'Loopback0', expected an "
     "'ip address' on Loopback0, or 'tunnel source A.B.C.D'"},
    {"manual_sas_and_protection",
     kPort +
         "crypto ipsec transform-set TS esp-gcm\ncrypto ipsec profile P\n set transform-set TS\n"
         "interface Tunnel1\n tunnel source Ethernet0/0\n tunnel destination 192.168.0.2\n"
         " tunnel mode ipsec ipv4\n tunnel protection ipsec profile P\n" +
         kSaPair,
     "t.cfg:11:34: error: tunnel protection on a tunnel keyed by manual SAs; got 'P', expected "
     "either 'dataplane manual-sa' lines or 'tunnel protection'"},
    {"manual_sas_without_destination",
     kPort + "interface Tunnel1\n tunnel source Ethernet0/0\n tunnel mode ipsec ipv4\n" + kSaPair,
     "t.cfg:4:11: error: manual SAs on a tunnel without 'tunnel destination'; got 'Tunnel1', "
     "expected both 'tunnel source' and 'tunnel destination': they are the SAs' addresses"},
    {"manual_sas_without_source",
     kPort + "interface Tunnel1\n tunnel destination 192.168.0.2\n tunnel mode ipsec ipv4\n" +
         kSaPair,
     "t.cfg:4:11: error: manual SAs on a tunnel without 'tunnel source'; got 'Tunnel1', "
     "expected both 'tunnel source' and 'tunnel destination': they are the SAs' addresses"},
    {"manual_sa_one_direction",
     kPort +
         "interface Tunnel1\n tunnel source Ethernet0/0\n tunnel destination 192.168.0.2\n"
         " tunnel mode ipsec ipv4\n dataplane manual-sa inbound " +
         kSa,
     "t.cfg:8:22: error: manual SA without its other direction; got 'inbound', expected one "
     "inbound and one outbound manual SA on Tunnel1"},
};

INSTANTIATE_TEST_SUITE_P(Plan, PlanErrorTest, ::testing::ValuesIn(kErrors),
                         [](const auto& p) { return std::string(p.param.name); });

// The parser checks key lengths; a Config built otherwise still meets the
// data plane's own check.
TEST(PlanErrors, DataPlaneValidatesTheSpec) {
  auto c = load(kPort +
                "interface Tunnel1\n tunnel source Ethernet0/0\n tunnel destination 192.168.0.2\n"
                " tunnel mode ipsec ipv4\n" +
                kSaPair);
  ASSERT_TRUE(c);
  config::Config bad = *c;
  bad.interfaces[1].manual_sas[1].key.resize(16);
  PlanRun r = run(bad);
  EXPECT_FALSE(r.plan);
  EXPECT_EQ(r.errors, std::vector<std::string>{
                          "t.cfg:9:22: error: manual SA refused by the data plane (field 'key': "
                          "expected 40 hex digits (16-byte key + 4-byte salt) for aes128gcm, got "
                          "32); got 'inbound', expected a manual SA the data plane accepts"});
  EXPECT_TRUE(run(*c).plan);
}

// Every problem of a plan is reported, not only the first.
TEST(PlanErrors, AllReportedInFileOrder) {
  PlanRun r =
      run("interface Ethernet0/0\ninterface Ethernet0/1\n"
          "dataplane port Ethernet0/1 d1\ndataplane port Ethernet0/0 d0\n");
  EXPECT_FALSE(r.plan);
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].substr(0, 11), "t.cfg:3:16:");
  EXPECT_EQ(r.errors[1].substr(0, 11), "t.cfg:4:16:");
}

}  // namespace
}  // namespace keyway::daemon
