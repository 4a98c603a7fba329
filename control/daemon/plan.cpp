#include "control/daemon/plan.h"

#include <set>

#include "control/daemon/routes.h"

namespace keyway::daemon {
namespace {

using config::Diagnostics;
using config::Interface;
using config::InterfaceKind;

uint8_t prefix_len(const config::AddressMask& a) {
  return static_cast<uint8_t>(config::prefix_length(a.mask));
}

// `dataplane port` lines. A port forwards IP, so its interface needs an
// address; a shut interface keeps its port stopped, as IOS keeps it down.
void plan_ports(const config::Config& c, Plan& plan, Diagnostics& d) {
  std::set<std::string> bound;
  for (const config::DataplaneBinding& b : c.dataplane_ports) {
    const Interface& i = *c.interface(b.interface.name);
    bound.insert(i.name);
    if (i.shutdown) {
      d.warning(b.interface.at, "interface is shut down; its port is not started", i.name,
                "'no shutdown' on " + i.name + " to forward it");
    } else if (!i.address) {
      d.error(b.interface.at, "port bound to an interface without an address", i.name,
              "an 'ip address' on " + i.name);
    } else {
      plan.ports.push_back(PortPlan{i.name, b.device, i.address->addr, prefix_len(*i.address),
                                    b.mtu, b.rx_desc, b.tx_desc});
    }
  }
  for (const Interface& i : c.interfaces)
    if (i.kind == InterfaceKind::kEthernet && i.address && !i.shutdown && !bound.count(i.name))
      d.warning(i.at, "not bound to a data-plane port; not forwarded", i.name,
                "a 'dataplane port " + i.name + " DEVICE' line to forward it");
}

void plan_loopbacks(const config::Config& c, Plan& plan) {
  for (const Interface& i : c.interfaces)
    if (i.kind == InterfaceKind::kLoopback && i.address && !i.shutdown)
      plan.loopbacks.push_back(LoopbackPlan{i.name, i.address->addr, prefix_len(*i.address)});
}

// The tunnel's outer source: its `tunnel source` address, or the address of
// its `tunnel source` interface. 0 when there is none; nullopt after an
// error.
std::optional<uint32_t> tunnel_source(const config::Config& c, const Interface& t, Diagnostics& d) {
  if (t.tunnel_source_address) return t.tunnel_source_address->addr;
  if (!t.tunnel_source_interface) return 0;
  const config::NameRef& ref = *t.tunnel_source_interface;
  const Interface& src = *c.interface(ref.name);
  if (src.address) return src.address->addr;
  d.error(ref.at, "tunnel source interface has no address", ref.name,
          "an 'ip address' on " + ref.name + ", or 'tunnel source A.B.C.D'");
  return std::nullopt;
}

std::string_view direction_word(dp::Direction dir) {
  return dir == dp::Direction::kInbound ? "inbound" : "outbound";
}

// A tunnel's manual SAs as data-plane specs, outbound from source to
// destination and inbound the other way. Both directions are needed: a VTI
// that can only send or only receive is a half-configured tunnel.
void plan_manual_sas(const Interface& i, TunnelPlan& t, Diagnostics& d) {
  if (i.tunnel_protection) {
    d.error(i.tunnel_protection->at, "tunnel protection on a tunnel keyed by manual SAs",
            i.tunnel_protection->name, "either 'dataplane manual-sa' lines or 'tunnel protection'");
    return;
  }
  if (!t.source || !t.destination) {
    d.error(i.at,
            std::string("manual SAs on a tunnel without 'tunnel ") +
                (t.source ? "destination" : "source") + "'",
            i.name, "both 'tunnel source' and 'tunnel destination': they are the SAs' addresses");
    return;
  }
  if (i.manual_sas.size() != 2) {
    const config::ManualSa& only = i.manual_sas.front();
    d.error(only.at, "manual SA without its other direction", direction_word(only.dir),
            "one inbound and one outbound manual SA on " + i.name);
    return;
  }
  for (const config::ManualSa& sa : i.manual_sas) {
    ManualSaPlan m;
    m.dir = sa.dir;
    m.spec.spi = sa.spi;
    m.spec.transform = sa.transform;
    m.spec.key = sa.key;
    m.spec.auth_key = sa.auth_key;
    m.spec.esn = sa.esn;
    m.spec.replay_window = sa.replay_window;
    m.spec.udp_encap = sa.udp_encap;
    m.spec.encap_sport = sa.encap_sport;
    m.spec.encap_dport = sa.encap_dport;
    bool out = sa.dir == dp::Direction::kOutbound;
    m.spec.src = out ? t.source : t.destination;
    m.spec.dst = out ? t.destination : t.source;
    // The parser checked the line; this is the data plane's own word on it.
    if (auto err = dp::validate(m.spec)) {
      d.error(sa.at, "manual SA refused by the data plane (" + err->to_string() + ")",
              direction_word(sa.dir), "a manual SA the data plane accepts");
      continue;
    }
    t.manual_sas.push_back(std::move(m));
  }
}

// Tunnel interfaces, numbered densely in configuration order.
void plan_tunnels(const config::Config& c, Plan& plan, Diagnostics& d) {
  for (const Interface& i : c.interfaces) {
    if (i.kind != InterfaceKind::kTunnel) continue;
    if (i.shutdown) {
      d.warning(i.at, "tunnel is shut down; not planned", i.name,
                "'no shutdown' on " + i.name + " to run it");
      continue;
    }
    TunnelPlan t;
    t.interface = i.name;
    t.id = static_cast<uint32_t>(plan.tunnels.size());
    if (i.address) {
      t.address = i.address->addr;
      t.prefix_len = prefix_len(*i.address);
    }
    auto source = tunnel_source(c, i, d);
    t.source = source.value_or(0);
    if (i.tunnel_destination) t.destination = i.tunnel_destination->addr;
    if (i.tunnel_protection) t.protection_profile = i.tunnel_protection->name;
    if (!i.manual_sas.empty()) {
      if (source) plan_manual_sas(i, t, d);
    } else if (!t.destination) {
      d.warning(i.at, "tunnel without 'tunnel destination'; it carries no traffic", i.name,
                "a 'tunnel destination' address");
    }
    // IOS's default mode. keyway has no GRE encapsulation; an IOS peer left
    // in GRE mode expects a GRE header inside ESP and will not find one.
    if (i.tunnel_mode == config::TunnelMode::kGreIp) {
      bool written = i.tunnel_mode_at.line != 0;
      d.warning(written ? i.tunnel_mode_at : i.at,
                "GRE tunnel mode (" + std::string(written ? "as written" : "the IOS default") +
                    "): keyway carries the tunnel as a VTI ('tunnel mode ipsec ipv4'), with no "
                    "GRE header",
                written ? "gre" : i.name, "'tunnel mode ipsec ipv4' here and on the peer");
    }
    plan.tunnels.push_back(std::move(t));
  }
}

}  // namespace

std::optional<Plan> make_plan(const config::Config& config,
                              std::vector<config::Diagnostic>* diags) {
  Diagnostics d(config.source);
  Plan plan;
  plan.mbufs = config.dataplane_mbufs;
  plan_ports(config, plan, d);
  plan_loopbacks(config, plan);
  plan_tunnels(config, plan, d);
  plan.routes = plan_routes(config, plan, d);
  d.sort();
  if (diags) diags->insert(diags->end(), d.all().begin(), d.all().end());
  if (d.errors()) return std::nullopt;
  return plan;
}

}  // namespace keyway::daemon
