// interface NAME and its sub-mode: addresses, shutdown and the tunnel
// commands of a VTI.
#include <cctype>

#include "control/config/command_table.h"
#include "control/config/handler_util.h"

namespace keyway::config {
namespace {

// interface NAME, where NAME may be split ("interface Tunnel 1").
void interface(Session& s, Args& a) {
  Loc at = a.here();
  auto n = a.interface_name();
  if (!n) return s.enter_scratch(Mode::kInterface);
  a.end();
  s.enter(Mode::kInterface, s.config.interfaces, n->canonical, at, [&] {
    Interface i;
    i.name = n->canonical;
    i.kind = n->kind;
    i.at = at;
    return i;
  });
}

void description(Session& s, Args& a) {
  auto d = read_description(a);
  if (!d || !a.end()) return;
  s.interface().description = std::move(*d);
}

// Why `addr` cannot be an interface address with `mask`, or empty.
std::string bad_host_address(uint32_t addr, uint32_t mask) {
  uint32_t first = addr >> 24;
  if (addr == 0) return "an unspecified address (0.0.0.0)";
  if (first == 127) return "a loopback address (127.0.0.0/8)";
  if (first >= 224 && first < 240) return "a multicast address";
  if (first >= 240) return "a reserved address (240.0.0.0/4)";
  if (prefix_length(mask) <= 30) {
    if ((addr & ~mask) == 0) return "the network address of " + format_prefix(addr, mask);
    if ((addr & ~mask) == ~mask) return "the broadcast address of " + format_prefix(addr, mask);
  }
  return {};
}

// ip address ADDRESS MASK. IOS refuses the subnet's own network and
// broadcast addresses ("% Bad mask /24 for address 192.168.0.0").
void ip_address(Session& s, Args& a) {
  AddressMask am;
  am.at = a.here();
  std::string_view addr_text = a.peek();
  auto addr = a.address("an IPv4 address such as 192.168.0.1");
  auto mask = a.mask("a network mask such as 255.255.255.0");
  if (!addr || !mask) return;
  if (a.peek() == "secondary")
    return a.fail("secondary addresses are not supported", "end of line");
  if (!a.end()) return;
  if (std::string why = bad_host_address(*addr, *mask); !why.empty())
    return a.fail_at(am.at, addr_text, "bad address (" + why + ")",
                     "a host address for mask " + format_ipv4(*mask));
  am.addr = *addr;
  am.mask = *mask;
  s.interface().address = am;
}

void no_ip_address(Session& s, Args& a) {
  if (!a.end()) return;
  s.interface().address.reset();
}

void shutdown(Session& s, Args& a) {
  if (!a.end()) return;
  s.interface().shutdown = true;
}

void no_shutdown(Session& s, Args& a) {
  if (!a.end()) return;
  s.interface().shutdown = false;
}

// tunnel source {INTERFACE | ADDRESS}
void tunnel_source(Session& s, Args& a) {
  if (!on_tunnel(s, a, "tunnel command")) return;
  Loc at = a.here();
  std::string_view v = a.peek();
  if (!v.empty() && std::isdigit(static_cast<unsigned char>(v.front()))) {
    auto addr = a.address("a local IPv4 address or an interface name");
    if (!addr || !a.end()) return;
    s.interface().tunnel_source_interface.reset();
    s.interface().tunnel_source_address = AddressMask{*addr, 0xffffffffu, at};
    return;
  }
  auto n = a.interface_name();
  if (!n || !a.end()) return;
  s.interface().tunnel_source_address.reset();
  s.interface().tunnel_source_interface = NameRef{n->canonical, at};
}

void tunnel_destination(Session& s, Args& a) {
  if (!on_tunnel(s, a, "tunnel command")) return;
  Loc at = a.here();
  auto addr = a.address("the peer's IPv4 address");
  if (!addr || !a.end()) return;
  s.interface().tunnel_destination = AddressMask{*addr, 0xffffffffu, at};
}

// tunnel mode {ipsec ipv4 | gre ip}. Unset, IOS runs GRE (and the seed's
// tunnels set no mode: GRE over IPsec).
void tunnel_mode(Session& s, Args& a) {
  if (!on_tunnel(s, a, "tunnel command")) return;
  Loc at = a.here();
  auto k = a.keyword({"ipsec", "gre"});
  if (!k) return;
  if (!a.keyword({*k == 0 ? "ipv4" : "ip"}) || !a.end()) return;
  s.interface().tunnel_mode = *k == 0 ? TunnelMode::kIpsecIpv4 : TunnelMode::kGreIp;
  s.interface().tunnel_mode_at = at;
}

// tunnel protection ipsec profile NAME [shared]
void tunnel_protection(Session& s, Args& a) {
  if (!on_tunnel(s, a, "tunnel command")) return;
  auto name = a.name("an ipsec profile name");
  if (!name) return;
  bool shared = a.accept("shared");
  if (!a.end()) return;
  s.interface().tunnel_protection = std::move(*name);
  s.interface().tunnel_protection_shared = shared;
}

constexpr Command kCommands[] = {
    {Mode::kGlobal, {"interface"}, interface},
    {Mode::kInterface, {"description"}, description},
    {Mode::kInterface, {"ip", "address"}, ip_address},
    {Mode::kInterface, {"no", "ip", "address"}, no_ip_address},
    {Mode::kInterface, {"shutdown"}, shutdown},
    {Mode::kInterface, {"no", "shutdown"}, no_shutdown},
    {Mode::kInterface, {"tunnel", "source"}, tunnel_source},
    {Mode::kInterface, {"tunnel", "destination"}, tunnel_destination},
    {Mode::kInterface, {"tunnel", "mode"}, tunnel_mode},
    {Mode::kInterface, {"tunnel", "protection", "ipsec", "profile"}, tunnel_protection},
};

}  // namespace

std::span<const Command> interface_commands() { return kCommands; }

}  // namespace keyway::config
