#include "control/daemon/child_sa.h"

#include <algorithm>

#include "dataplane/esp/sa.h"
#include "dataplane/runtime/sa_control.h"

namespace keyway::daemon {

ChildSaTable::Tunnel& ChildSaTable::at(dp::TunnelId t) {
  if (tunnels_.size() <= t) tunnels_.resize(t + 1);
  return tunnels_[t];
}

bool ChildSaTable::install(dp::TunnelId tunnel, const ChildSaPair& pair, Clock::time_point now,
                           std::string* error) {
  auto in = dp::Sa::create(pair.in, dp::Direction::kInbound, key_mgr_, error);
  if (!in) return false;
  auto out = dp::Sa::create(pair.out, dp::Direction::kOutbound, key_mgr_, error);
  if (!out) return false;
  if (control_.has_inbound(control_.owner(tunnel), pair.in.spi)) {
    *error = "inbound SPI " + std::to_string(pair.in.spi) + " is already installed";
    return false;
  }
  if (!control_.rekey(control_.owner(tunnel), tunnel, std::move(in), std::move(out))) {
    *error = "the data plane refused the SAs";
    return false;
  }
  Tunnel& t = at(tunnel);
  // The old outbound SA was replaced by the switch; the old inbound one
  // still receives what the peer sent before it switched too.
  std::erase_if(t.sas, [](const ChildSa& s) { return s.current && s.dir == dp::Direction::kOutbound; });
  for (ChildSa& s : t.sas) {
    if (!s.current) continue;
    s.current = false;
    s.delete_at = now + grace_;
  }
  ChildSa in_sa{pair.in.spi, dp::Direction::kInbound, pair.in.transform, pair.keying, now, true, {}};
  ChildSa out_sa{pair.out.spi, dp::Direction::kOutbound, pair.out.transform, pair.keying, now, true, {}};
  for (ChildSa* c : {&in_sa, &out_sa}) {
    c->udp_encap = pair.out.udp_encap;
    c->peer_port = pair.out.encap_dport;
  }
  t.sas.insert(t.sas.begin(), {in_sa, out_sa});
  return true;
}

size_t ChildSaTable::clear(dp::TunnelId tunnel) {
  if (tunnel >= tunnels_.size()) return 0;
  Tunnel& t = tunnels_[tunnel];
  size_t n = 0;
  for (const ChildSa& s : t.sas) {
    if (s.dir == dp::Direction::kOutbound)
      n += control_.delete_outbound(control_.owner(tunnel), tunnel) ? 1 : 0;
    else
      n += control_.delete_inbound(control_.owner(tunnel), s.spi) ? 1 : 0;
  }
  t.sas.clear();
  return n;
}

size_t ChildSaTable::remove(dp::TunnelId tunnel, uint32_t inbound_spi) {
  if (tunnel >= tunnels_.size()) return 0;
  Tunnel& t = tunnels_[tunnel];
  auto in = std::find_if(t.sas.begin(), t.sas.end(), [&](const ChildSa& s) {
    return s.dir == dp::Direction::kInbound && s.spi == inbound_spi;
  });
  if (in == t.sas.end()) return 0;
  const bool current = in->current;
  size_t n = control_.delete_inbound(control_.owner(tunnel), inbound_spi) ? 1 : 0;
  t.sas.erase(in);
  if (current) {
    n += control_.delete_outbound(control_.owner(tunnel), tunnel) ? 1 : 0;
    std::erase_if(t.sas, [](const ChildSa& s) { return s.current; });
  }
  return n;
}

void ChildSaTable::poll(Clock::time_point now) {
  for (dp::TunnelId tunnel = 0; tunnel < tunnels_.size(); ++tunnel) {
    Tunnel& t = tunnels_[tunnel];
    std::erase_if(t.sas, [&](const ChildSa& s) {
      if (s.current || now < s.delete_at) return false;
      control_.delete_inbound(control_.owner(tunnel), s.spi);
      return true;
    });
  }
}

std::vector<ChildSa> ChildSaTable::sas(dp::TunnelId tunnel) const {
  if (tunnel >= tunnels_.size()) return {};
  std::vector<ChildSa> out = tunnels_[tunnel].sas;
  for (ChildSa& c : out) {
    const dp::Sa* sa = c.dir == dp::Direction::kInbound ? control_.inbound(control_.owner(tunnel), c.spi)
                       : c.current                      ? control_.outbound(control_.owner(tunnel), tunnel)
                                                        : nullptr;
    if (!sa || sa->spi() != c.spi) continue;
    c.packets = sa->packets();
    c.bytes = sa->bytes();
  }
  return out;
}

bool ChildSaTable::up(dp::TunnelId tunnel) const {
  if (tunnel >= tunnels_.size()) return false;
  return std::any_of(tunnels_[tunnel].sas.begin(), tunnels_[tunnel].sas.end(),
                     [](const ChildSa& s) { return s.current && s.dir == dp::Direction::kOutbound; });
}

}  // namespace keyway::daemon
