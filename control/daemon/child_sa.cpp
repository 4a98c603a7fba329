#include "control/daemon/child_sa.h"

#include <algorithm>

#include "dataplane/esp/sa.h"
#include "dataplane/runtime/sa_control.h"

namespace keyway::daemon {

ChildSaTable::ChildSaTable(dp::SaControl& control, IMB_MGR* key_mgr, Clock::duration grace,
                           Clock::duration switch_limit)
    : control_(control), key_mgr_(key_mgr), grace_(grace), switch_limit_(switch_limit) {}

ChildSaTable::~ChildSaTable() = default;

ChildSaTable::Tunnel& ChildSaTable::at(dp::TunnelId t) {
  if (tunnels_.size() <= t) tunnels_.resize(t + 1);
  return tunnels_[t];
}

bool ChildSaTable::install(dp::TunnelId tunnel, const ChildSaPair& pair, Clock::time_point now,
                           std::string* error, bool deferred) {
  auto in = dp::Sa::create(pair.in, dp::Direction::kInbound, key_mgr_, error);
  if (!in) return false;
  auto out = dp::Sa::create(pair.out, dp::Direction::kOutbound, key_mgr_, error);
  if (!out) return false;
  const unsigned worker = control_.owner(tunnel);
  if (control_.has_inbound(worker, pair.in.spi)) {
    *error = "inbound SPI " + std::to_string(pair.in.spi) + " is already installed";
    return false;
  }
  Tunnel& t = at(tunnel);
  // One switch at a time: a pair still waiting for its switch takes it now.
  if (t.deferred) switch_outbound(tunnel, now);
  if (deferred && up(tunnel)) {
    if (!control_.install_inbound(worker, std::move(in), tunnel)) {
      *error = "the data plane refused the inbound SA";
      return false;
    }
    t.deferred = std::make_unique<Deferred>(Deferred{pair, std::move(out), now, now + switch_limit_});
    ++switch_stats_.deferred;
    return true;
  }
  if (!control_.rekey(worker, tunnel, std::move(in), std::move(out))) {
    *error = "the data plane refused the SAs";
    return false;
  }
  make_current(t, pair, now, now);
  return true;
}

void ChildSaTable::make_current(Tunnel& t, const ChildSaPair& pair, Clock::time_point installed,
                                Clock::time_point now) {
  // The old outbound SA was replaced by the switch; the old inbound one
  // still receives what the peer sent before it switched too.
  std::erase_if(t.sas, [](const ChildSa& s) { return s.current && s.dir == dp::Direction::kOutbound; });
  for (ChildSa& s : t.sas) {
    if (!s.current) continue;
    s.current = false;
    s.delete_at = now + grace_;
  }
  ChildSa in_sa{pair.in.spi, dp::Direction::kInbound, pair.in.transform, pair.keying, installed, true, {}};
  ChildSa out_sa{pair.out.spi, dp::Direction::kOutbound, pair.out.transform, pair.keying, now, true, {}};
  for (ChildSa* c : {&in_sa, &out_sa}) {
    c->udp_encap = pair.out.udp_encap;
    c->peer_port = pair.out.encap_dport;
  }
  t.sas.insert(t.sas.begin(), {in_sa, out_sa});
}

void ChildSaTable::switch_outbound(dp::TunnelId tunnel, Clock::time_point now) {
  Tunnel& t = at(tunnel);
  std::unique_ptr<Deferred> d = std::move(t.deferred);
  if (!d) return;
  if (!control_.install_outbound(control_.owner(tunnel), std::move(d->out), tunnel)) {
    // Not reached with a valid SA: the tunnel keeps the old outbound SA,
    // and the new inbound one stays until deleted with its pair.
    return;
  }
  make_current(t, d->pair, d->installed, now);
}

size_t ChildSaTable::clear(dp::TunnelId tunnel) {
  if (tunnel >= tunnels_.size()) return 0;
  Tunnel& t = tunnels_[tunnel];
  size_t n = 0;
  if (t.deferred) {
    n += control_.delete_inbound(control_.owner(tunnel), t.deferred->pair.in.spi) ? 1 : 0;
    t.deferred.reset();
  }
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
  if (t.deferred && t.deferred->pair.in.spi == inbound_spi) {
    // The pair that waited for its switch goes before it was used.
    t.deferred.reset();
    return control_.delete_inbound(control_.owner(tunnel), inbound_spi) ? 1 : 0;
  }
  // The peer deletes the pair we still send with: it has the new one.
  if (t.deferred && std::any_of(t.sas.begin(), t.sas.end(), [&](const ChildSa& s) {
        return s.current && s.dir == dp::Direction::kInbound && s.spi == inbound_spi;
      })) {
    ++switch_stats_.on_delete;
    switch_outbound(tunnel, Clock::now());
  }
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
    if (t.deferred) {
      const dp::Sa* in = control_.inbound(control_.owner(tunnel), t.deferred->pair.in.spi);
      if (in && in->packets() > 0) {
        ++switch_stats_.on_traffic;
        switch_outbound(tunnel, now);
      } else if (now >= t.deferred->switch_by) {
        ++switch_stats_.on_time;
        switch_outbound(tunnel, now);
      }
    }
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
  if (const Deferred* d = tunnels_[tunnel].deferred.get()) {
    // Receiving already, not yet sending with its outbound twin.
    ChildSa in{d->pair.in.spi, dp::Direction::kInbound, d->pair.in.transform, d->pair.keying, d->installed, true,
               Clock::time_point::max()};
    in.udp_encap = d->pair.out.udp_encap;
    in.peer_port = d->pair.out.encap_dport;
    out.insert(out.begin(), in);
  }
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
