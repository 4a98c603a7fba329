#include "control/daemon/ikev2_service.h"

#include "control/ikev2/engine.h"
#include "control/policy/trustpoints.h"
#include "pki/store.h"

namespace keyway::daemon {

// The engine's view of the daemon.
class Ikev2Service::Host : public ikev2::Host {
 public:
  Host(IkeSockets& sockets, ChildSaTable& children, LogFn log)
      : sockets_(sockets), children_(children), log_(std::move(log)) {}

  void send(const ikev2::Endpoint& local, const ikev2::Endpoint& remote,
            const ikev2::Bytes& message) override {
    std::string err;
    if (!sockets_.send({local.addr, local.port}, {remote.addr, remote.port}, message, &err))
      log_("IKEv2: " + err);
  }
  void send_keepalive(const ikev2::Endpoint& local, const ikev2::Endpoint& remote) override {
    std::string err;
    if (!sockets_.send_keepalive({local.addr, local.port}, {remote.addr, remote.port}, &err))
      log_("IKEv2: NAT keepalive: " + err);
  }
  bool install_child(uint32_t tunnel, const dp::SaSpec& in, const dp::SaSpec& out,
                     std::string* error) override {
    return children_.install(tunnel, ChildSaPair{in, out, "ikev2"}, Clock::now(), error);
  }
  void delete_child(uint32_t tunnel, uint32_t inbound_spi) override {
    children_.remove(tunnel, inbound_spi);
  }
  void log(std::string_view line) override { log_(std::string(line)); }

 private:
  IkeSockets& sockets_;
  ChildSaTable& children_;
  LogFn log_;
};

std::unique_ptr<Ikev2Service> Ikev2Service::create(std::shared_ptr<const config::Config> config,
                                                   const Plan& plan, const std::string& pki_store,
                                                   ChildSaTable& children, bool debug,
                                                   LogFn log, std::string* error) {
  std::vector<ikev2::TunnelConfig> tunnels;
  std::vector<bool> ike(plan.tunnels.size(), false);
  for (const TunnelPlan& t : plan.tunnels) {
    if (t.protection_profile.empty()) continue;
    const config::IpsecProfile* p = config->ipsec_profile(t.protection_profile);
    if (!p || !p->ikev2_profile) continue;  // IKEv1 (isakmp-profile) is not this service's
    tunnels.push_back({t.id, t.interface, t.source, t.destination, t.protection_profile});
    ike[t.id] = true;
  }
  if (tunnels.empty()) return nullptr;
  std::unique_ptr<Ikev2Service> s(new Ikev2Service());
  s->config_ = std::move(config);
  s->ike_tunnel_ = std::move(ike);
  std::vector<pki::Trustpoint> trustpoints;
  if (!s->config_->trustpoints.empty()) {
    auto store = pki::CertStore::open(pki_store, /*create=*/false);
    if (!store) {
      *error = "PKI store " + pki_store + ": " + store.error();
      return nullptr;
    }
    store->apply(policy::trustpoint_policies(*s->config_));
    trustpoints = store->trustpoints();
  }
  if (!s->sockets_.open(500, 4500, error)) return nullptr;
  s->host_ = std::make_unique<Host>(s->sockets_, children, log);
  ikev2::EngineOptions opt;
  opt.debug = debug;
  s->engine_ = std::make_unique<ikev2::Engine>(*s->config_, std::move(trustpoints), std::move(tunnels),
                                               *s->host_, opt);
  return s;
}

Ikev2Service::~Ikev2Service() = default;

bool Ikev2Service::handles(dp::TunnelId tunnel) const {
  return tunnel < ike_tunnel_.size() && ike_tunnel_[tunnel];
}

void Ikev2Service::poll(Clock::time_point now) {
  sockets_.receive([&](const UdpEndpoint& local, const UdpEndpoint& remote,
                       const std::vector<uint8_t>& message) {
    engine_->receive({local.addr, local.port}, {remote.addr, remote.port}, message, now);
  });
  engine_->tick(now);
}

void Ikev2Service::on_event(const dp::Event& ev, Clock::time_point now) {
  if (!handles(ev.tunnel)) return;
  switch (ev.type) {
    case dp::EventType::kNeedsSa:
      engine_->initiate(ev.tunnel, now);
      break;
    case dp::EventType::kSoftExpired:
    case dp::EventType::kHardExpired:
      engine_->child_expiring(ev.tunnel, ev.spi, ev.type == dp::EventType::kHardExpired, now);
      break;
    case dp::EventType::kNeedsNeighbor:
      break;
  }
}

std::string Ikev2Service::show_sa(bool detailed, bool json) const {
  return json ? engine_->show_sa_json() : engine_->show_sa(detailed);
}
std::string Ikev2Service::show_profiles() const { return engine_->show_profiles(); }
void Ikev2Service::clear(Clock::time_point now) { engine_->clear(now); }
void Ikev2Service::set_debug(bool on) { engine_->set_debug(on); }

}  // namespace keyway::daemon
