#include "control/daemon/ike_service.h"

#include "control/ikev1/engine.h"
#include "control/ikev2/engine.h"
#include "control/policy/trustpoints.h"
#include "pki/store.h"

namespace keyway::daemon {

// The engines' view of the daemon: one Host for both.
class IkeService::Host : public ike::Host {
 public:
  Host(IkeSockets& sockets, ChildSaTable& children, LogFn log)
      : sockets_(sockets), children_(children), log_(std::move(log)) {}

  void send(const ike::Endpoint& local, const ike::Endpoint& remote, const ike::Bytes& message) override {
    std::string err;
    if (!sockets_.send({local.addr, local.port}, {remote.addr, remote.port}, message, &err)) log_("IKE: " + err);
  }
  void send_keepalive(const ike::Endpoint& local, const ike::Endpoint& remote) override {
    std::string err;
    if (!sockets_.send_keepalive({local.addr, local.port}, {remote.addr, remote.port}, &err))
      log_("IKE: NAT keepalive: " + err);
  }
  bool install_child(uint32_t tunnel, const dp::SaSpec& in, const dp::SaSpec& out, std::string* error) override {
    // The ChildSaTable names the origin in `show crypto ipsec sa`.
    return children_.install(tunnel, ChildSaPair{in, out, origin_of(tunnel)}, Clock::now(), error);
  }
  bool install_answered_rekey(uint32_t tunnel, const dp::SaSpec& in, const dp::SaSpec& out,
                              std::string* error) override {
    return children_.install(tunnel, ChildSaPair{in, out, origin_of(tunnel)}, Clock::now(), error,
                             /*deferred=*/true);
  }
  void delete_child(uint32_t tunnel, uint32_t inbound_spi) override { children_.remove(tunnel, inbound_spi); }
  void log(std::string_view line) override { log_(std::string(line)); }

  std::vector<uint8_t>* versions = nullptr;

 private:
  std::string origin_of(uint32_t tunnel) const {
    return versions && tunnel < versions->size() && (*versions)[tunnel] == 1 ? "ikev1" : "ikev2";
  }

  IkeSockets& sockets_;
  ChildSaTable& children_;
  LogFn log_;
};

std::unique_ptr<IkeService> IkeService::create(std::shared_ptr<const config::Config> config, const Plan& plan,
                                               const IkeOptions& opt, ChildSaTable& children, LogFn log,
                                               std::string* error) {
  std::vector<ikev1::TunnelConfig> v1_tunnels;
  std::vector<ikev2::TunnelConfig> v2_tunnels;
  std::vector<uint8_t> version(plan.tunnels.size(), 0);
  for (const TunnelPlan& t : plan.tunnels) {
    if (t.protection_profile.empty()) continue;
    const config::IpsecProfile* p = config->ipsec_profile(t.protection_profile);
    if (!p) continue;
    if (p->ikev2_profile) {
      v2_tunnels.push_back({t.id, t.interface, t.source, t.destination, t.protection_profile});
      version[t.id] = 2;
    } else if (p->isakmp_profile) {
      v1_tunnels.push_back({t.id, t.interface, t.source, t.destination, t.protection_profile});
      version[t.id] = 1;
    }
  }
  if (v1_tunnels.empty() && v2_tunnels.empty()) return nullptr;

  std::unique_ptr<IkeService> s(new IkeService());
  s->config_ = std::move(config);
  s->version_ = std::move(version);
  std::vector<pki::Trustpoint> trustpoints;
  if (!s->config_->trustpoints.empty()) {
    auto store = pki::CertStore::open(opt.pki_store, /*create=*/false);
    if (!store) {
      *error = "PKI store " + opt.pki_store + ": " + store.error();
      return nullptr;
    }
    store->apply(policy::trustpoint_policies(*s->config_));
    trustpoints = store->trustpoints();
  }
  if (!s->sockets_.open(500, 4500, error)) return nullptr;
  s->host_ = std::make_unique<Host>(s->sockets_, children, std::move(log));
  s->host_->versions = &s->version_;
  if (!v1_tunnels.empty()) {
    ikev1::EngineOptions o;
    o.debug = opt.debug_isakmp;
    s->v1_ = std::make_unique<ikev1::Engine>(*s->config_, trustpoints, std::move(v1_tunnels), *s->host_, o);
  }
  if (!v2_tunnels.empty()) {
    ikev2::EngineOptions o;
    o.debug = opt.debug_ikev2;
    s->v2_ = std::make_unique<ikev2::Engine>(*s->config_, std::move(trustpoints), std::move(v2_tunnels), *s->host_,
                                             o);
  }
  return s;
}

IkeService::~IkeService() = default;

bool IkeService::handles(dp::TunnelId tunnel) const { return tunnel < version_.size() && version_[tunnel] != 0; }

void IkeService::dispatch(const UdpEndpoint& local, const UdpEndpoint& remote, const std::vector<uint8_t>& message,
                          Clock::time_point now) {
  // The version octet: major version in the high nibble (RFC 2408 3.1,
  // RFC 7296 3.1). A message too short to carry it is the engines' to
  // count as invalid; give it to whichever runs.
  const int major = message.size() > 17 ? message[17] >> 4 : 0;
  const ike::Endpoint l{local.addr, local.port}, r{remote.addr, remote.port};
  if (major == 1 || (major == 0 && !v2_)) {
    if (v1_) return v1_->receive(l, r, message, now);
    ++rx_no_engine_;
  } else if (major == 2 || major == 0) {
    if (v2_) return v2_->receive(l, r, message, now);
    ++rx_no_engine_;
  } else {
    ++rx_unknown_version_;
  }
}

void IkeService::poll(Clock::time_point now) {
  sockets_.receive([&](const UdpEndpoint& local, const UdpEndpoint& remote, const std::vector<uint8_t>& message) {
    dispatch(local, remote, message, now);
  });
  if (v1_) v1_->tick(now);
  if (v2_) v2_->tick(now);
}

void IkeService::on_event(const dp::Event& ev, Clock::time_point now) {
  if (!handles(ev.tunnel)) return;
  const bool v1 = version_[ev.tunnel] == 1;
  switch (ev.type) {
    case dp::EventType::kNeedsSa:
      if (v1) v1_->initiate(ev.tunnel, now);
      else v2_->initiate(ev.tunnel, now);
      break;
    case dp::EventType::kSoftExpired:
    case dp::EventType::kHardExpired: {
      const bool hard = ev.type == dp::EventType::kHardExpired;
      if (v1) v1_->child_expiring(ev.tunnel, ev.spi, hard, now);
      else v2_->child_expiring(ev.tunnel, ev.spi, hard, now);
      break;
    }
    default:
      break;
  }
}

std::string IkeService::show_isakmp_sa(bool detailed, bool json) const {
  return json ? v1_->show_sa_json() : v1_->show_sa(detailed);
}
std::string IkeService::show_ikev2_sa(bool detailed, bool json) const {
  return json ? v2_->show_sa_json() : v2_->show_sa(detailed);
}
std::string IkeService::show_ikev2_profiles() const { return v2_->show_profiles(); }

void IkeService::clear_isakmp(Clock::time_point now) {
  if (v1_) v1_->clear(now);
}
void IkeService::clear_ikev2(Clock::time_point now) {
  if (v2_) v2_->clear(now);
}
void IkeService::clear_all(Clock::time_point now) {
  clear_isakmp(now);
  clear_ikev2(now);
}
void IkeService::set_debug_isakmp(bool on) {
  if (v1_) v1_->set_debug(on);
}
void IkeService::set_debug_ikev2(bool on) {
  if (v2_) v2_->set_debug(on);
}

std::vector<std::pair<std::string, uint64_t>> IkeService::counters() const {
  std::vector<std::pair<std::string, uint64_t>> out{{"rx_unknown_version", rx_unknown_version_},
                                                    {"rx_no_engine", rx_no_engine_},
                                                    {"rx_natt_not_ike", sockets_.dropped()}};
  if (v1_) {
    const ikev1::EngineCounters& k = v1_->counters();
    out.insert(out.end(), {{"isakmp_rx_invalid", k.rx_invalid},
                           {"isakmp_rx_no_sa", k.rx_no_sa},
                           {"isakmp_rx_bad_hash", k.rx_bad_hash},
                           {"isakmp_rx_unexpected", k.rx_unexpected},
                           {"isakmp_rx_invalid_cert", k.rx_invalid_cert},
                           {"isakmp_p1_failed", k.p1_failed},
                           {"isakmp_p2_failed", k.p2_failed}});
  }
  if (v2_) {
    const ikev2::EngineCounters& k = v2_->counters();
    out.insert(out.end(), {{"ikev2_rx_invalid", k.rx_invalid},
                           {"ikev2_rx_no_sa", k.rx_no_sa},
                           {"ikev2_rx_bad_icv", k.rx_bad_icv},
                           {"ikev2_rx_unexpected", k.rx_unexpected}});
  }
  return out;
}

}  // namespace keyway::daemon
