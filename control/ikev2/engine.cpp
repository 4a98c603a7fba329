// The engine's dispatcher: from a datagram to the exchange handler that
// owns it (message IDs, response cache, decryption, reassembly), and the
// timers that drive retransmissions, liveness checks and lifetimes.
#include "control/ikev2/engine.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "control/ike/cipher.h"
#include "control/ikev2/engine_impl.h"
#include "control/ikev2/exchange_rules.h"
#include "control/ikev2/sk.h"

namespace keyway::ikev2 {

namespace {

Clock::duration seconds_d(double s) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

constexpr uint16_t kMaxFragments = 64;

}  // namespace

const char* state_name(SaState s) {
  switch (s) {
    case SaState::kInitSent:
    case SaState::kInitDone:
    case SaState::kAuthSent:
      return "IN-NEG";
    case SaState::kEstablished:
      return "READY";
    case SaState::kDeleting:
      return "DELETE";
  }
  return "?";
}

std::string hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llX", static_cast<unsigned long long>(v));
  return buf;
}

ChildSa* IkeSa::child_by_in(uint32_t spi) {
  for (ChildSa& c : children)
    if (c.spi_in == spi) return &c;
  return nullptr;
}

ChildSa* IkeSa::child_by_out(uint32_t spi) {
  for (ChildSa& c : children)
    if (c.spi_out == spi) return &c;
  return nullptr;
}

const NotifyPayload* Inbound::notify(NotifyType t) const {
  auto all = msg.notifies(t);
  return all.empty() ? nullptr : all.front();
}

const NotifyPayload* Inbound::error() const {
  for (const Payload& p : msg.payloads)
    if (const NotifyPayload* n = p.as<NotifyPayload>(); n && is_error(n->type)) return n;
  return nullptr;
}

std::string payload_list(const std::vector<Payload>& payloads) {
  std::string out;
  for (const Payload& p : payloads) {
    std::string name;
    switch (p.type) {
      case PayloadType::kNonce:
        name = "N";
        break;
      case PayloadType::kSk:
      case PayloadType::kSkf:
        name = "ENCR";
        break;
      case PayloadType::kNotify: {
        // notify_name() already says "NOTIFY(n)" for a type it has no name for.
        std::string n = notify_name(p.as<NotifyPayload>()->type);
        name = n.starts_with("NOTIFY(") ? n : "NOTIFY(" + n + ")";
        break;
      }
      default:
        name = payload_name(p.type);
        break;
    }
    out += (out.empty() ? "" : " ") + name;
  }
  return out;
}

// ------------------------------------------------------------ construction

Engine::Impl::Impl(const config::Config& cfg, std::vector<pki::Trustpoint> trustpoints,
                   std::vector<TunnelConfig> tunnels, Host& host, EngineOptions opt)
    : cfg_(cfg),
      trustpoints_(std::move(trustpoints)),
      tunnels_(std::move(tunnels)),
      host_(host),
      opt_(std::move(opt)),
      debug_(opt_.debug) {
  cookie_secret_ = random(32);
}

Engine::Engine(const config::Config& cfg, std::vector<pki::Trustpoint> trustpoints, std::vector<TunnelConfig> tunnels,
               Host& host, EngineOptions opt)
    : impl_(std::make_unique<Impl>(cfg, std::move(trustpoints), std::move(tunnels), host, std::move(opt))) {}

Engine::~Engine() = default;

void Engine::initiate(uint32_t tunnel, Clock::time_point now) { impl_->initiate(tunnel, now); }
void Engine::receive(const Endpoint& local, const Endpoint& remote, ByteView message, Clock::time_point now) {
  impl_->receive(local, remote, message, now);
}
void Engine::tick(Clock::time_point now) { impl_->tick(now); }
Clock::time_point Engine::next_timer() const { return impl_->next_timer(); }
void Engine::child_expiring(uint32_t tunnel, uint32_t spi, bool hard, Clock::time_point now) {
  impl_->child_expiring(tunnel, spi, hard, now);
}
void Engine::clear(Clock::time_point now) { impl_->clear(now); }
std::string Engine::show_sa(bool detailed) const { return impl_->show_sa(detailed); }
std::string Engine::show_sa_json() const { return impl_->show_sa_json(); }
std::string Engine::show_profiles() const { return impl_->show_profiles(); }
void Engine::set_debug(bool on) { impl_->debug_ = on; }
const EngineCounters& Engine::counters() const { return impl_->counters_; }

size_t Engine::established_count() const {
  size_t n = 0;
  for (const auto& [spi, sa] : impl_->sas_) n += sa->state == SaState::kEstablished;
  return n;
}

bool Engine::tunnel_up(uint32_t tunnel) const {
  for (const auto& [spi, sa] : impl_->sas_) {
    if (sa->state != SaState::kEstablished) continue;
    for (const ChildSa& c : sa->children)
      if (c.tunnel == tunnel && !c.replaced && !c.deleting) return true;
  }
  return false;
}

// ------------------------------------------------------------------- state

IkeSa& Engine::Impl::new_sa(bool initiator, Clock::time_point now) {
  auto sa = std::make_unique<IkeSa>();
  sa->id = next_sa_id_++;
  sa->initiator = initiator;
  sa->created = sa->last_heard = now;
  uint64_t spi = new_ike_spi();
  if (initiator)
    sa->spi_i = spi;
  else
    sa->spi_r = spi;
  IkeSa& ref = *sa;
  sas_.emplace(spi, std::move(sa));
  return ref;
}

IkeSa* Engine::Impl::find_sa(uint64_t local_spi) {
  auto it = sas_.find(local_spi);
  return it == sas_.end() ? nullptr : it->second.get();
}

void Engine::Impl::set_state(IkeSa& sa, SaState to) {
  if (sa.state == to) return;
  // Nothing leaves kDeleting but removal, and nothing goes back to
  // negotiating once established.
  bool legal = sa.state != SaState::kDeleting && !(sa.state == SaState::kEstablished && to != SaState::kDeleting);
  if (!legal) {
    debug(&sa, std::string("Refused state change ") + state_name(sa.state) + " -> " + state_name(to));
    return;
  }
  static constexpr const char* kNames[] = {"INIT_SENT", "INIT_DONE", "AUTH_SENT", "ESTABLISHED", "DELETING"};
  debug(&sa, std::string("SA state ") + kNames[static_cast<int>(sa.state)] + " -> " + kNames[static_cast<int>(to)]);
  sa.state = to;
}

void Engine::Impl::negotiation_failed(const IkeSa& sa) {
  if (!sa.initiator || !sa.tunnel || sa.child_installed || opt_.holddown <= Clock::duration::zero()) return;
  // The tunnel may be up through another IKE SA (simultaneous initiation).
  for (const auto& [spi, other] : sas_)
    if (other.get() != &sa && std::any_of(other->children.begin(), other->children.end(),
                                          [&](const ChildSa& c) { return c.tunnel == *sa.tunnel && !c.deleting; }))
      return;
  HoldDown& h = holddown_[*sa.tunnel];
  h.length = h.length == Clock::duration{} ? opt_.holddown : std::min(h.length * 2, opt_.holddown_max);
  h.until = now_ + h.length;
  const TunnelConfig* t = tunnel(*sa.tunnel);
  debug(&sa, "Negotiation for " + (t ? t->interface : "tunnel " + std::to_string(*sa.tunnel)) +
                 " failed: no new negotiation for " +
                 std::to_string(std::chrono::duration_cast<std::chrono::seconds>(h.length).count()) + " s");
}

void Engine::Impl::remove_sa(IkeSa& sa, const std::string& reason) {
  if (sa.close_reason.empty()) sa.close_reason = reason;
  negotiation_failed(sa);
  for (const ChildSa& c : sa.children) {
    host_.delete_child(c.tunnel, c.spi_in);
    child_spis_.erase(c.spi_in);
    debug(&sa, "Deleting child SA: inbound SPI 0x" + hex64(c.spi_in).substr(8) + ", outbound SPI 0x" +
                   hex64(c.spi_out).substr(8));
  }
  sa.children.clear();
  if (sa.pending && sa.pending->child_spi_in) child_spis_.erase(sa.pending->child_spi_in);
  bool was_up = sa.was_established;
  if (was_up)
    event("%IKEV2-5-SA_DOWN: SA DOWN: Local " + config::format_ipv4(sa.local.addr) + "/" +
          std::to_string(sa.local.port) + " Remote " + config::format_ipv4(sa.remote.addr) + "/" +
          std::to_string(sa.remote.port) + " (SA ID = " + std::to_string(sa.id) + "): " + sa.close_reason);
  else
    debug(&sa, "Deleting SA: " + sa.close_reason);
  for (auto it = half_open_.begin(); it != half_open_.end();)
    it = it->second == sa.local_spi() ? half_open_.erase(it) : std::next(it);
  sas_.erase(sa.local_spi());
}

const TunnelConfig* Engine::Impl::tunnel(uint32_t id) const {
  for (const TunnelConfig& t : tunnels_)
    if (t.tunnel == id) return &t;
  return nullptr;
}

IkeSa* Engine::Impl::sa_for_tunnel(uint32_t tunnel_id) {
  IkeSa* found = nullptr;
  for (auto& [spi, sa] : sas_) {
    if (sa->state == SaState::kDeleting || sa->tunnel != tunnel_id) continue;
    if (!found || sa->state == SaState::kEstablished) found = sa.get();
  }
  return found;
}

// -------------------------------------------------------------- randomness

Bytes Engine::Impl::random(size_t n) {
  Bytes out(n);
  if (opt_.random) {
    opt_.random(out.data(), n);
    return out;
  }
  auto r = ike::random_bytes(n);
  if (r) return r.take();
  // OpenSSL's RNG does not fail on a working system; if it does, nothing
  // secret can be made, and an all-zero value would be worse than aborting.
  std::abort();
}

uint32_t Engine::Impl::new_child_spi() {
  for (;;) {
    Bytes b = random(4);
    uint32_t spi = uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | b[3];
    // 1..255 are reserved (RFC 4303 2.1).
    if (spi < 256 || child_spis_.count(spi)) continue;
    child_spis_.insert(spi);
    return spi;
  }
}

uint64_t Engine::Impl::new_ike_spi() {
  for (;;) {
    Bytes b = random(8);
    uint64_t spi = 0;
    for (uint8_t x : b) spi = spi << 8 | x;
    if (spi != 0 && !sas_.count(spi)) return spi;
  }
}

ike::Result<ike::KeyExchange> Engine::Impl::new_ke(ike::DhGroup group) {
  if (!opt_.random) return ike::KeyExchange::generate(group);
  auto info = ike::dh_info(group);
  if (!info) return ike::Error{"DH group " + std::to_string(group) + " is not supported"};
  // A private value from the test generator: 32 bytes for MODP and X25519,
  // the order's size (top bit clear, so below the order) for ECP.
  size_t n = info->kind == ike::DhKind::kEcp ? info->secret_len : 32;
  Bytes priv = random(n);
  if (info->kind == ike::DhKind::kEcp) priv[0] &= 0x7f;
  priv[n - 1] |= 1;
  auto ke = ike::KeyExchange::from_private(group, priv);
  if (ke) return ke;
  return ike::KeyExchange::generate(group);
}

// ----------------------------------------------------------------- logging

void Engine::Impl::debug(const IkeSa* sa, const std::string& text) {
  if (!debug_) return;
  host_.log(sa ? "IKEv2:(SA ID = " + std::to_string(sa->id) + "):" + text : "IKEv2:" + text);
}

void Engine::Impl::debug_line(const std::string& line) {
  if (debug_) host_.log(line);
}

void Engine::Impl::event(const std::string& line) { host_.log(line); }

pki::LogSink Engine::Impl::pki_sink(const IkeSa& sa) {
  uint32_t id = sa.id;
  return [this, id](const pki::LogLine& l) { debug_line(pki::render(l, id)); };
}

void Engine::Impl::log_packet(const IkeSa& sa, bool sending, const Header& h, const std::vector<Payload>& payloads,
                              const Endpoint& local, const Endpoint& remote) {
  if (!debug_) return;
  auto ep = [](const Endpoint& e) { return config::format_ipv4(e.addr) + ":" + std::to_string(e.port); };
  debug(&sa, sending ? "Sending Packet [To " + ep(remote) + "/From " + ep(local) + "/VRF i0:f0]"
                     : "Received Packet [From " + ep(remote) + "/To " + ep(local) + "/VRF i0:f0]");
  debug_line("Initiator SPI : " + hex64(h.spi_i) + " - Responder SPI : " + hex64(h.spi_r) +
             " Message id: " + std::to_string(h.message_id));
  debug_line("IKEv2 " + exchange_name(h.exchange) + " Exchange " + (h.is_response() ? "RESPONSE" : "REQUEST"));
  debug_line("Payload contents: " + payload_list(payloads));
}

// ----------------------------------------------------------------- sending

void Engine::Impl::send_datagrams(const IkeSa& sa, const std::vector<Bytes>& datagrams) {
  for (const Bytes& d : datagrams) host_.send(sa.local, sa.remote, d);
}

ike::Result<std::vector<Bytes>> Engine::Impl::seal(IkeSa& sa, const Header& h, const std::vector<Payload>& payloads) {
  SkKeys keys = sk_keys(sa.suite, sa.keys, sa.initiator);
  auto whole = seal_message(h, payloads, keys);
  if (!whole) return ike::Error{whole.error()};
  // IPv4 and UDP headers, and the non-ESP marker on the NAT-T port.
  size_t overhead = 28 + (sa.local.port == opt_.natt_port ? 4 : 0);
  if (opt_.fragmentation && sa.peer_fragmentation && whole->size() + overhead > opt_.fragment_mtu &&
      h.exchange != ExchangeType::kIkeSaInit) {
    auto frags = seal_fragments(h, payloads, keys, opt_.fragment_mtu - overhead);
    if (!frags) return ike::Error{frags.error()};
    debug(&sa, "Fragmenting packet, Fragment MTU: " + std::to_string(opt_.fragment_mtu) +
                   ", Number of fragments: " + std::to_string(frags->size()));
    return frags;
  }
  return std::vector<Bytes>{whole.take()};
}

bool Engine::Impl::start_request(IkeSa& sa, Request req, std::vector<Payload> payloads) {
  req.message_id = sa.next_request_id;
  Header h{sa.spi_i,      sa.spi_r, 2, 0, req.exchange, static_cast<uint8_t>(sa.initiator ? kFlagInitiator : 0),
           req.message_id};
  debug(&sa, "Building packet for encryption.");
  debug_line("Payload contents: " + payload_list(payloads));
  auto datagrams = seal(sa, h, payloads);
  if (!datagrams) {
    debug(&sa, "Failed to build " + exchange_name(req.exchange) + " request: " + datagrams.error());
    return false;
  }
  sa.next_request_id++;
  req.datagrams = datagrams.take();
  if (req.timeout == Clock::duration{}) req.timeout = opt_.retransmit_timeout;
  req.next_send = now_ + req.timeout;
  req.retransmits = 0;
  log_packet(sa, true, h, {make(EncryptedPayload{})}, sa.local, sa.remote);
  sa.pending = std::move(req);
  send_datagrams(sa, sa.pending->datagrams);
  return true;
}

void Engine::Impl::send_response(IkeSa& sa, const Inbound& in, std::vector<Payload> payloads) {
  Header h{sa.spi_i,
           sa.spi_r,
           2,
           0,
           in.header().exchange,
           static_cast<uint8_t>(kFlagResponse | (sa.initiator ? kFlagInitiator : 0)),
           in.header().message_id};
  if (opt_.test_edit_response) opt_.test_edit_response(h.exchange, payloads);
  debug(&sa, "Building packet for encryption.");
  debug_line("Payload contents: " + payload_list(payloads));
  auto datagrams = seal(sa, h, payloads);
  if (!datagrams) {
    debug(&sa, "Failed to build " + exchange_name(h.exchange) + " response: " + datagrams.error());
    return;
  }
  sa.cached_id = h.message_id;
  sa.cached_response = datagrams.take();
  sa.expected_request_id = h.message_id + 1;
  log_packet(sa, true, h, {make(EncryptedPayload{})}, in.local, in.remote);
  for (const Bytes& d : sa.cached_response) host_.send(in.local, in.remote, d);
}

void Engine::Impl::send_oneshot(IkeSa& sa, const std::vector<Payload>& payloads) {
  Header h{sa.spi_i,
           sa.spi_r,
           2,
           0,
           ExchangeType::kInformational,
           static_cast<uint8_t>(sa.initiator ? kFlagInitiator : 0),
           sa.next_request_id++};
  debug(&sa, "Building packet for encryption.");
  debug_line("Payload contents: " + payload_list(payloads));
  if (auto d = seal(sa, h, payloads)) send_datagrams(sa, *d);
}

void Engine::Impl::request_done(IkeSa& sa) {
  sa.pending.reset();
  run_queue(sa);
}

void Engine::Impl::queue_work(IkeSa& sa, QueuedWork w) {
  sa.queue.push_back(w);
  run_queue(sa);
}

void Engine::Impl::run_queue(IkeSa& sa) {
  uint64_t spi = sa.local_spi();
  while (find_sa(spi) && !sa.pending && !sa.queue.empty() &&
         (sa.state == SaState::kEstablished || sa.queue.front().kind == RequestKind::kDeleteIke)) {
    QueuedWork w = sa.queue.front();
    sa.queue.pop_front();
    switch (w.kind) {
      case RequestKind::kRekeyChild: {
        ChildSa* c = sa.child_by_in(w.spi);
        if (c && !c->replaced && !c->deleting) start_create_child(sa, RequestKind::kRekeyChild, w.spi, now_);
        break;
      }
      case RequestKind::kCreateChild:
        start_create_child(sa, RequestKind::kCreateChild, 0, now_);
        break;
      case RequestKind::kDeleteChild:
        start_delete_child(sa, w.spi, now_);
        break;
      case RequestKind::kRekeyIke:
        start_rekey_ike(sa, now_);
        break;
      case RequestKind::kDpd:
        start_dpd(sa, now_);
        break;
      case RequestKind::kDeleteIke:
        start_delete_ike(sa, sa.close_reason, now_);
        return;
      case RequestKind::kInit:
      case RequestKind::kAuth:
        break;
    }
  }
}

// --------------------------------------------------------------- receiving

void Engine::Impl::receive(const Endpoint& local, const Endpoint& remote, ByteView message, Clock::time_point now) {
  now_ = now;
  auto parsed = parse_message(message);
  if (!parsed) {
    counters_.rx_invalid++;
    debug(nullptr, "Dropping invalid message from " + config::format_ipv4(remote.addr) + ": " + parsed.error());
    return;
  }
  const Message& m = *parsed;
  const Header& h = m.header;

  if (h.exchange == ExchangeType::kIkeSaInit) {
    if (auto bad = check_payloads(h.exchange, h.is_response(), m.payloads)) {
      counters_.rx_invalid++;
      debug(nullptr, "Dropping message from " + config::format_ipv4(remote.addr) + ": " + *bad);
      return;
    }
    if (!h.is_response()) {
      if (!h.from_initiator() || h.spi_r != 0 || h.message_id != 0) {
        counters_.rx_unexpected++;
        return;
      }
      on_init_request(m, message, local, remote, now);
      return;
    }
    IkeSa* sa = find_sa(h.spi_i);
    if (!sa || !sa->initiator || sa->state != SaState::kInitSent || !sa->pending || h.message_id != 0) {
      counters_.rx_no_sa++;
      return;
    }
    on_init_response(*sa, m, message, local, remote, now);
    return;
  }

  bool from_initiator = h.from_initiator();
  IkeSa* sa = find_sa(from_initiator ? h.spi_r : h.spi_i);
  if (!sa || sa->initiator == from_initiator || sa->remote_spi() != (from_initiator ? h.spi_i : h.spi_r) ||
      sa->state == SaState::kInitSent) {
    counters_.rx_no_sa++;
    debug(nullptr, "Dropping " + exchange_name(h.exchange) + " for an unknown IKE SA (" + hex64(h.spi_i) + "/" +
                       hex64(h.spi_r) + ")");
    return;
  }

  bool response = h.is_response();
  bool retransmitted = false;
  if (response) {
    if (!sa->pending || sa->pending->message_id != h.message_id) {
      counters_.rx_unexpected++;
      return;
    }
  } else if (h.message_id != sa->expected_request_id) {
    if (!sa->cached_id || h.message_id != *sa->cached_id) {
      counters_.rx_unexpected++;
      debug(sa, "Dropping request with message ID " + std::to_string(h.message_id) + ", expected " +
                    std::to_string(sa->expected_request_id));
      return;
    }
    retransmitted = true;
  }

  // Everything after IKE_SA_INIT is protected; the peer's keys open it.
  SkKeys keys = sk_keys(sa->suite, sa->keys, from_initiator);
  if (m.payloads.empty()) {
    counters_.rx_invalid++;
    return;
  }
  std::vector<Payload> inner;
  if (m.payloads.back().type == PayloadType::kSk) {
    auto opened = open_message(message, m, keys);
    if (!opened) {
      if (opened.rejection().notify)
        counters_.rx_invalid++;
      else
        counters_.rx_bad_icv++;
      debug(sa, "Dropping message: " + opened.error());
      return;
    }
    inner = opened.take();
  } else if (const FragmentPayload* f = m.payloads.back().as<FragmentPayload>()) {
    auto plain = open_fragment(message, *f, keys);
    if (!plain) {
      counters_.rx_bad_icv++;
      debug(sa, "Dropping fragment: " + plain.error());
      return;
    }
    if (retransmitted) {
      // One answer per retransmitted request, not one per fragment.
      if (f->number == 1) {
        counters_.rx_retransmit++;
        debug(sa, "Received retransmitted request, resending response");
        for (const Bytes& d : sa->cached_response) host_.send(local, remote, d);
      }
      return;
    }
    if (f->total == 0 || f->total > kMaxFragments || f->number == 0 || f->number > f->total) {
      counters_.rx_invalid++;
      return;
    }
    if (!sa->frags || sa->frags->message_id != h.message_id || sa->frags->response != response ||
        sa->frags->total != f->total) {
      sa->frags = Reassembly{h.message_id, response, f->total, PayloadType::kNone, {}, 0};
      sa->frags->parts.resize(f->total);
    }
    Reassembly& r = *sa->frags;
    if (r.parts[f->number - 1]) return;  // a duplicate fragment
    r.parts[f->number - 1] = plain.take();
    if (f->number == 1) r.first = f->first_inner;
    if (++r.have < r.total) return;
    Bytes whole;
    for (const auto& part : r.parts) whole.insert(whole.end(), part->begin(), part->end());
    PayloadType first = r.first;
    sa->frags.reset();
    auto payloads = parse_payloads(first, whole);
    if (!payloads) {
      counters_.rx_invalid++;
      debug(sa, "Dropping reassembled message: " + payloads.error());
      return;
    }
    debug(sa, "Reassembled " + std::to_string(f->total) + " fragments");
    inner = payloads.take();
  } else {
    counters_.rx_invalid++;
    return;
  }

  if (retransmitted) {
    counters_.rx_retransmit++;
    debug(sa, "Received retransmitted request, resending response");
    for (const Bytes& d : sa->cached_response) host_.send(local, remote, d);
    return;
  }

  Inbound in{Message{h, std::move(inner)}, local, remote, now};
  sa->last_heard = now;
  log_packet(*sa, false, h, in.msg.payloads, local, remote);
  if (auto bad = check_payloads(h.exchange, response, in.msg.payloads)) {
    counters_.rx_invalid++;
    debug(sa, "Dropping message: " + *bad);
    if (response) return;
    send_response(*sa, in, {make(notify(NotifyType::kInvalidSyntax))});
    if (h.exchange == ExchangeType::kIkeAuth) remove_sa(*sa, *bad);
    return;
  }
  // RFC 7296 2.23: behind a NAT, follow the peer to the address and port
  // its latest authenticated request came from.
  if (!response && (sa->nat() || local.port == opt_.natt_port)) {
    sa->local = local;
    sa->remote = remote;
  }

  if (!response) {
    switch (h.exchange) {
      case ExchangeType::kIkeAuth:
        if (!sa->initiator && sa->state == SaState::kInitDone) return on_auth_request(*sa, in);
        break;
      case ExchangeType::kCreateChildSa:
        if (sa->state == SaState::kEstablished) return on_create_child_request(*sa, in);
        break;
      case ExchangeType::kInformational:
        if (sa->state == SaState::kEstablished || sa->state == SaState::kDeleting)
          return on_informational_request(*sa, in);
        break;
      default:
        break;
    }
    counters_.rx_unexpected++;
    debug(sa, "Dropping unexpected " + exchange_name(h.exchange) + " request");
    return;
  }
  switch (sa->pending->kind) {
    case RequestKind::kAuth:
      if (h.exchange == ExchangeType::kIkeAuth) return on_auth_response(*sa, in);
      break;
    case RequestKind::kCreateChild:
    case RequestKind::kRekeyChild:
      if (h.exchange == ExchangeType::kCreateChildSa) return on_create_child_response(*sa, in);
      break;
    case RequestKind::kRekeyIke:
      if (h.exchange == ExchangeType::kCreateChildSa) return on_rekey_ike_response(*sa, in);
      break;
    case RequestKind::kDeleteChild:
    case RequestKind::kDeleteIke:
    case RequestKind::kDpd:
      if (h.exchange == ExchangeType::kInformational) return on_informational_response(*sa, in);
      break;
    case RequestKind::kInit:
      break;
  }
  counters_.rx_unexpected++;
}

// ------------------------------------------------------------------ timers

void Engine::Impl::tick(Clock::time_point now) {
  now_ = now;
  std::vector<uint64_t> spis;
  for (const auto& [spi, sa] : sas_) spis.push_back(spi);
  for (uint64_t spi : spis) {
    IkeSa* sa = find_sa(spi);
    if (!sa) continue;

    if (sa->pending && now >= sa->pending->next_send) {
      Request& r = *sa->pending;
      if (r.retransmits >= opt_.retransmit_tries) {
        debug(sa, "Maximum number of retransmissions reached");
        std::string why =
            r.kind == RequestKind::kDpd ? "peer not responding (DPD)" : "no response to " + exchange_name(r.exchange);
        remove_sa(*sa, why);
        continue;
      }
      r.retransmits++;
      counters_.tx_retransmit++;
      debug(sa, "Retransmitting packet");
      r.timeout = seconds_d(std::chrono::duration<double>(r.timeout).count() * opt_.retransmit_backoff);
      r.next_send = now + r.timeout;
      send_datagrams(*sa, r.datagrams);
    }

    if (sa->state == SaState::kInitDone && now - sa->created >= opt_.half_open_timeout) {
      remove_sa(*sa, "half-open SA timed out");
      continue;
    }
    if (sa->state != SaState::kEstablished) continue;

    if (now >= sa->expires) {
      start_delete_ike(*sa, "IKE SA lifetime expired", now);
      continue;
    }
    if (!sa->rekeying && now >= sa->rekey_at) {
      sa->rekeying = true;
      queue_work(*sa, {RequestKind::kRekeyIke, 0});
      if (!find_sa(spi)) continue;
    }
    if (sa->nat_local && opt_.nat_keepalive > Clock::duration::zero() &&
        now - sa->last_keepalive >= opt_.nat_keepalive) {
      sa->last_keepalive = now;
      host_.send_keepalive(sa->local, sa->remote);
    }
    if (sa->profile && sa->profile->dpd && sa->profile->dpd->interval_s > 0 && !sa->pending &&
        now - sa->last_heard >= std::chrono::seconds(sa->profile->dpd->interval_s)) {
      start_dpd(*sa, now);
      if (!find_sa(spi)) continue;
    }
    std::vector<uint32_t> hard, soft;
    for (const ChildSa& c : sa->children) {
      if (now >= c.hard_at)
        hard.push_back(c.spi_in);
      else if (now >= c.soft_at && !c.rekeying && !c.replaced && !c.deleting)
        soft.push_back(c.spi_in);
    }
    for (uint32_t s : hard) {
      ChildSa* c = sa->child_by_in(s);
      if (!c) continue;
      debug(sa, "Child SA lifetime expired: inbound SPI 0x" + hex64(s).substr(8));
      bool tell = !c->deleting;
      delete_child_local(*sa, s);
      if (tell) queue_work(*sa, {RequestKind::kDeleteChild, s});
      if (!find_sa(spi)) break;
    }
    if (!find_sa(spi)) continue;
    for (uint32_t s : soft) {
      ChildSa* c = sa->child_by_in(s);
      if (!c) continue;
      c->rekeying = true;
      queue_work(*sa, {RequestKind::kRekeyChild, s});
      if (!find_sa(spi)) break;
    }
  }
}

Clock::time_point Engine::Impl::next_timer() const {
  Clock::time_point next = Clock::time_point::max();
  for (const auto& [spi, sa] : sas_) {
    if (sa->pending) next = std::min(next, sa->pending->next_send);
    if (sa->state == SaState::kInitDone) next = std::min(next, sa->created + opt_.half_open_timeout);
    if (sa->state != SaState::kEstablished) continue;
    next = std::min(next, sa->expires);
    if (!sa->rekeying) next = std::min(next, sa->rekey_at);
    if (sa->nat_local && opt_.nat_keepalive > Clock::duration::zero())
      next = std::min(next, sa->last_keepalive + opt_.nat_keepalive);
    if (sa->profile && sa->profile->dpd && sa->profile->dpd->interval_s > 0 && !sa->pending)
      next = std::min(next, sa->last_heard + std::chrono::seconds(sa->profile->dpd->interval_s));
    for (const ChildSa& c : sa->children) {
      next = std::min(next, c.hard_at);
      if (!c.rekeying && !c.replaced && !c.deleting) next = std::min(next, c.soft_at);
    }
  }
  return next;
}

// ---------------------------------------------------- daemon-driven events

void Engine::Impl::initiate(uint32_t tunnel_id, Clock::time_point now) {
  now_ = now;
  const TunnelConfig* t = tunnel(tunnel_id);
  if (!t) return;
  if (IkeSa* sa = sa_for_tunnel(tunnel_id)) {
    if (sa->state != SaState::kEstablished) return;
    bool has_child = std::any_of(sa->children.begin(), sa->children.end(),
                                 [&](const ChildSa& c) { return c.tunnel == tunnel_id && !c.deleting; });
    bool creating = (sa->pending && sa->pending->kind == RequestKind::kCreateChild) ||
                    std::any_of(sa->queue.begin(), sa->queue.end(),
                                [](const QueuedWork& w) { return w.kind == RequestKind::kCreateChild; });
    if (!has_child && !creating) queue_work(*sa, {RequestKind::kCreateChild, 0});
    return;
  }
  // The peer may be negotiating with us already; its IKE SA binds to the
  // tunnel once IKE_AUTH has arrived.
  for (const auto& [spi, sa] : sas_)
    if (!sa->initiator && sa->state == SaState::kInitDone && sa->remote.addr == t->peer && sa->local.addr == t->local)
      return;
  if (auto h = holddown_.find(tunnel_id); h != holddown_.end() && now < h->second.until) return;
  start_init(tunnel_id, now);
}

void Engine::Impl::child_expiring(uint32_t tunnel_id, uint32_t spi, bool hard, Clock::time_point now) {
  now_ = now;
  for (auto& [key, sa] : sas_) {
    for (ChildSa& c : sa->children) {
      if (c.tunnel != tunnel_id || (c.spi_in != spi && c.spi_out != spi)) continue;
      if (hard) {
        uint32_t in = c.spi_in;
        bool tell = !c.deleting && sa->state == SaState::kEstablished;
        debug(sa.get(), "Child SA hard lifetime reached: inbound SPI 0x" + hex64(in).substr(8));
        delete_child_local(*sa, in);
        if (tell) queue_work(*sa, {RequestKind::kDeleteChild, in});
        return;
      }
      if (c.rekeying || c.replaced || c.deleting || sa->state != SaState::kEstablished) return;
      c.rekeying = true;
      queue_work(*sa, {RequestKind::kRekeyChild, c.spi_in});
      return;
    }
  }
}

void Engine::Impl::clear(Clock::time_point now) {
  now_ = now;
  std::vector<uint64_t> spis;
  for (const auto& [spi, sa] : sas_) spis.push_back(spi);
  for (uint64_t spi : spis) {
    IkeSa* sa = find_sa(spi);
    if (!sa) continue;
    // One Delete, not retransmitted: the SA is gone here whatever the
    // peer answers.
    if (sa->state == SaState::kEstablished) send_oneshot(*sa, {make(DeletePayload{Protocol::kIke, {}})});
    remove_sa(*sa, "cleared by clear crypto ikev2 sa");
  }
  holddown_.clear();  // an operator's clear starts afresh
}

}  // namespace keyway::ikev2
