// Dispatch, sending, retransmission, timers, state changes, teardown and
// show output of the IKEv1 engine (engine.h).
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "control/ikev1/engine_impl.h"

namespace keyway::ikev1 {

namespace {

std::string ipv4(uint32_t a) { return config::format_ipv4(a); }

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out;
}

}  // namespace

std::string hex(ByteView b) {
  static const char* d = "0123456789ABCDEF";
  std::string s;
  for (uint8_t x : b) {
    s += d[x >> 4];
    s += d[x & 15];
  }
  return s;
}

const char* state_name(P1State s) {
  switch (s) {
    case P1State::kReady:
      return "IKE_READY";
    case P1State::kIMm1:
      return "IKE_I_MM1";
    case P1State::kIMm2:
      return "IKE_I_MM2";
    case P1State::kIMm3:
      return "IKE_I_MM3";
    case P1State::kIMm4:
      return "IKE_I_MM4";
    case P1State::kIMm5:
      return "IKE_I_MM5";
    case P1State::kIMm6:
      return "IKE_I_MM6";
    case P1State::kRMm1:
      return "IKE_R_MM1";
    case P1State::kRMm2:
      return "IKE_R_MM2";
    case P1State::kRMm3:
      return "IKE_R_MM3";
    case P1State::kRMm4:
      return "IKE_R_MM4";
    case P1State::kRMm5:
      return "IKE_R_MM5";
    case P1State::kRMm6:
      return "IKE_R_MM6";
    case P1State::kComplete:
      return "IKE_P1_COMPLETE";
    case P1State::kDead:
      return "IKE_DEST_SA";
  }
  return "?";
}

const char* show_state(P1State s) {
  switch (s) {
    case P1State::kReady:
    case P1State::kIMm1:
    case P1State::kIMm2:
    case P1State::kRMm1:
    case P1State::kRMm2:
      return "MM_NO_STATE";
    case P1State::kIMm3:
    case P1State::kIMm4:
    case P1State::kRMm3:
    case P1State::kRMm4:
      return "MM_SA_SETUP";
    case P1State::kIMm5:
    case P1State::kIMm6:
    case P1State::kRMm5:
    case P1State::kRMm6:
      return "MM_KEY_EXCH";
    case P1State::kComplete:
      return "QM_IDLE";
    case P1State::kDead:
      return "MM_NO_STATE";
  }
  return "?";
}

// ------------------------------------------------------------------ Engine

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
void Engine::set_debug(bool on) { impl_->debug_ = on; }
const EngineCounters& Engine::counters() const { return impl_->counters_; }
size_t Engine::established_count() const {
  return static_cast<size_t>(
      std::count_if(impl_->sas_.begin(), impl_->sas_.end(), [](const auto& s) { return s->established_p1(); }));
}
bool Engine::tunnel_up(uint32_t tunnel) const {
  return std::any_of(impl_->children_.begin(), impl_->children_.end(),
                     [&](const ChildSa& c) { return c.tunnel == tunnel; });
}

Engine::Impl::Impl(const config::Config& cfg, std::vector<pki::Trustpoint> tps, std::vector<TunnelConfig> tunnels,
                   Host& host, EngineOptions opt)
    : debug_(opt.debug), cfg_(cfg), tps_(std::move(tps)), host_(host), opt_(std::move(opt)) {
  for (TunnelConfig& t : tunnels) {
    const config::IpsecProfile* ip = cfg_.ipsec_profile(t.ipsec_profile);
    if (!ip || !ip->isakmp_profile) continue;  // not ours (IKEv2) or unknown
    if (!cfg_.isakmp_profile(ip->isakmp_profile->name))
      event("ISAKMP: " + t.interface + ": isakmp-profile " + ip->isakmp_profile->name + " is not configured");
    tunnels_.push_back(std::move(t));
  }
}

// ----------------------------------------------------------------- helpers

void Engine::Impl::random(uint8_t* out, size_t n) {
  if (opt_.random)
    opt_.random(out, n);
  else if (RAND_bytes(out, static_cast<int>(n)) != 1)
    std::fill(out, out + n, 0);  // not reached with a working OpenSSL
}

uint64_t Engine::Impl::random64() {
  uint8_t b[8];
  random(b, 8);
  uint64_t v = 0;
  for (uint8_t x : b) v = v << 8 | x;
  return v ? v : 1;
}

uint32_t Engine::Impl::random32() {
  uint32_t v = 0;
  while (v < 256) v = static_cast<uint32_t>(random64());  // SPIs 0..255 are reserved
  return v;
}

time_t Engine::Impl::wall_now() const { return opt_.wall_clock ? opt_.wall_clock() : time(nullptr); }

void Engine::Impl::debug(const IsakmpSa* sa, const std::string& text) {
  if (debug_) host_.log("ISAKMP:(" + std::to_string(sa ? sa->id : 0) + "):" + text);
}

void Engine::Impl::debug_line(const std::string& line) {
  if (debug_) host_.log(line);
}

void Engine::Impl::event(const std::string& line) { host_.log(line); }

pki::LogSink Engine::Impl::pki_sink(const IsakmpSa& sa) {
  uint32_t id = sa.id;
  return [this, id](const pki::LogLine& l) { debug_line(pki::render(l, id)); };
}

pki::LogSink Engine::Impl::cr_sink(const IsakmpSa& sa) {
  uint32_t id = sa.id;
  return [this, id](const pki::LogLine& l) {
    if (l.text == "peer wants a CT_X509_SIGNATURE cert")
      debug_line("ISAKMP:(" + std::to_string(id) + "): processing CERT_REQ payload. message ID = 0");
    debug_line(pki::render(l, id));
  };
}

void Engine::Impl::set_state(IsakmpSa& sa, P1State to) {
  debug(&sa, std::string("Old State = ") + state_name(sa.state) + "  New State = " + state_name(to));
  sa.state = to;
}

const TunnelConfig* Engine::Impl::tunnel(uint32_t id) const {
  for (const TunnelConfig& t : tunnels_)
    if (t.tunnel == id) return &t;
  return nullptr;
}

const config::IpsecProfile* Engine::Impl::tunnel_ipsec(const TunnelConfig& t) const {
  return cfg_.ipsec_profile(t.ipsec_profile);
}

const config::IsakmpProfile* Engine::Impl::tunnel_profile(const TunnelConfig& t) const {
  const config::IpsecProfile* ip = tunnel_ipsec(t);
  return ip && ip->isakmp_profile ? cfg_.isakmp_profile(ip->isakmp_profile->name) : nullptr;
}

IsakmpSa* Engine::Impl::find_sa(uint64_t cky_i, uint64_t cky_r) {
  for (auto& s : sas_)
    if (s->cky_i == cky_i && s->cky_r == cky_r && s->state != P1State::kDead) return s.get();
  return nullptr;
}

IsakmpSa* Engine::Impl::established_with(uint32_t peer) {
  IsakmpSa* best = nullptr;
  for (auto& s : sas_)
    if (s->established_p1() && !s->renewed && s->remote.addr == peer) best = s.get();  // the newest
  return best;
}

void Engine::Impl::send_raw(const IsakmpSa& sa, const Bytes& bytes) {
  if (debug_) {
    debug(&sa, " sending packet to " + ipv4(sa.remote.addr) + " my_port " + std::to_string(sa.local.port) +
                   " peer_port " + std::to_string(sa.remote.port) + (sa.initiator ? " (I) " : " (R) ") +
                   show_state(sa.state));
    debug(&sa, "Sending an IKE IPv4 Packet.");
  }
  host_.send(sa.local, sa.remote, bytes);
}

void Engine::Impl::send_mm(IsakmpSa& sa, Bytes bytes) {
  sa.last_sent = std::move(bytes);
  sa.retransmits = 0;
  sa.timeout = opt_.retransmit_timeout;
  sa.next_send = now_ + sa.timeout;
  send_raw(sa, sa.last_sent);
}

void Engine::Impl::fail(IsakmpSa& sa, const std::string& reason) {
  ++counters_.p1_failed;
  if (sa.initiator && opt_.holddown.count() > 0) {
    Holddown& h = holddown_[sa.tunnel];
    h.length = h.length.count() == 0 ? opt_.holddown : std::min(opt_.holddown_max, h.length * 2);
    h.until = now_ + h.length;
  }
  remove_sa(sa, reason);
}

void Engine::Impl::remove_sa(IsakmpSa& sa, const std::string& reason) {
  if (sa.state == P1State::kDead) return;
  if (sa.close_reason.empty()) sa.close_reason = reason;
  debug(&sa, "deleting SA reason \"" + sa.close_reason + "\" state (" + (sa.initiator ? "I" : "R") + ") " +
                 show_state(sa.state) + " (peer " + ipv4(sa.remote.addr) + ")");
  set_state(sa, P1State::kDead);
  sa.next_send = Clock::time_point::max();
}

void Engine::Impl::delete_child(ChildSa& c, bool tell_peer) {
  if (tell_peer)
    if (IsakmpSa* sa = established_with(c.peer)) send_delete_esp(*sa, c.spi_in);
  char spi[32];
  std::snprintf(spi, sizeof spi, "0x%X(%u)", c.spi_in, c.spi_in);
  debug_line(std::string("IPSEC(delete_sa): deleting SA, (sa) sa_dest= ") + ipv4(c.in.dst) +
             ", sa_proto= 50, sa_spi= " + spi);
  host_.delete_child(c.tunnel, c.spi_in);
  c.tunnel = UINT32_MAX;  // reaped below
}

void Engine::Impl::reap() {
  std::erase_if(children_, [](const ChildSa& c) { return c.tunnel == UINT32_MAX; });
  std::erase_if(sas_, [](const auto& s) { return s->state == P1State::kDead; });
}

// ---------------------------------------------------------------- initiate

void Engine::Impl::initiate(uint32_t id, Clock::time_point now) {
  now_ = now;
  const TunnelConfig* t = tunnel(id);
  if (!t) return;
  if (auto h = holddown_.find(id); h != holddown_.end() && now < h->second.until) {
    debug(nullptr, " tunnel " + t->interface + " is held down after a failed negotiation");
    return;
  }
  for (auto& s : sas_) {
    if (s->state == P1State::kDead || s->remote.addr != t->peer || s->renewed) continue;
    if (!s->established_p1()) return;  // being negotiated
    bool has_child = std::any_of(children_.begin(), children_.end(), [&](const ChildSa& c) { return c.tunnel == id; });
    bool qm_running = std::any_of(s->qms.begin(), s->qms.end(), [&](const auto& q) {
      return q.second.initiator && !q.second.done && q.second.tunnel == id;
    });
    if (!has_child && !qm_running) start_quick_mode(*s, id, 0);
    return;
  }
  start_main_mode(*t, now);
}

// ----------------------------------------------------------------- receive

void Engine::Impl::receive(const Endpoint& local, const Endpoint& remote, ByteView bytes, Clock::time_point now) {
  now_ = now;
  auto parsed = parse_message(bytes);
  if (!parsed) {
    ++counters_.rx_invalid;
    debug(nullptr, " dropping invalid packet from " + ipv4(remote.addr) + ": " + parsed.error());
    return;
  }
  const Message& m = *parsed;
  const Header& h = m.header;
  IsakmpSa* sa = nullptr;
  if (h.exchange == ExchangeType::kMainMode && h.cky_r == 0) {
    for (auto& s : sas_)
      if (s->cky_i == h.cky_i && !s->initiator && s->state != P1State::kDead) sa = s.get();
    if (!sa) {
      mm_responder_1(m, local, remote);
      reap();
      return;
    }
  } else if (h.exchange == ExchangeType::kMainMode) {
    sa = find_sa(h.cky_i, h.cky_r);
    if (!sa)
      for (auto& s : sas_)
        if (s->initiator && s->cky_i == h.cky_i && s->cky_r == 0 && s->state == P1State::kIMm1) sa = s.get();
  } else {
    sa = find_sa(h.cky_i, h.cky_r);
  }
  if (!sa) {
    ++counters_.rx_no_sa;
    // IOS's syslog line for this event (it rate-limits it; so do we: one
    // per 16 drops).
    if (counters_.rx_no_sa % 16 == 1)
      event("%CRYPTO-4-IKMP_NO_SA: IKE message from " + ipv4(remote.addr) +
            " has no SA and is not an initialization offer");
    debug(nullptr, " no SA for cookies " + hex(ByteView(bytes.data(), std::min<size_t>(16, bytes.size()))) + " from " +
                       ipv4(remote.addr));
    return;
  }
  if (h.exchange == ExchangeType::kMainMode) {
    Bytes raw(bytes.begin(), bytes.end());
    if (!sa->last_received.empty() && raw == sa->last_received) {
      // The responder answers a repeated request again; the initiator
      // drops a repeated answer (its own timer retransmits), so two
      // engines never bounce repeats between them.
      ++counters_.rx_retransmit;
      debug(sa, sa->initiator ? " duplicate packet ignored" : " retransmission detected, resending the last message");
      if (!sa->initiator && !sa->last_sent.empty()) send_raw(*sa, sa->last_sent);
      return;
    }
    if (debug_)
      debug_line("ISAKMP (" + std::to_string(sa->id) + "): received packet from " + ipv4(remote.addr) + " dport " +
                 std::to_string(local.port) + " sport " + std::to_string(remote.port) + " Global " +
                 (sa->initiator ? "(I) " : "(R) ") + show_state(sa->state));
    on_main_mode(sa, m, local, remote);
    if (sa->state != P1State::kDead && sa->state != P1State::kReady) sa->last_received = std::move(raw);
  } else if (!sa->established_p1() && h.exchange == ExchangeType::kInformational && !h.encrypted() && sa->initiator &&
             sa->state == P1State::kIMm1) {
    // The responder refused MM1 in clear (NO-PROPOSAL-CHOSEN): give up now
    // rather than retransmit an offer it will refuse again.
    for (const Payload* p : m.all(PayloadType::kNotify))
      if (auto n = parse_notify(p->body); n && n->type < 8192) {
        debug(sa, " received NOTIFY " + std::string(notify_name(n->type)) + " from " + ipv4(remote.addr));
        fail(*sa, "peer refused: " + std::string(notify_name(n->type)));
      }
    if (sa->state != P1State::kDead) ++counters_.rx_unexpected;
  } else if (!sa->established_p1()) {
    ++counters_.rx_unexpected;
    debug(sa, " exchange " + std::to_string(static_cast<int>(h.exchange)) + " before phase 1 completed; dropped");
  } else {
    if (!h.encrypted()) {
      ++counters_.rx_unexpected;
      debug(sa, " unencrypted phase-2 message dropped");
      return;
    }
    // The peer's address may move (NAT rebinding); follow authenticated
    // traffic only, which on_quick_mode/on_informational establish.
    if (h.exchange == ExchangeType::kQuickMode)
      on_quick_mode(*sa, m);
    else if (h.exchange == ExchangeType::kInformational)
      on_informational(*sa, m);
    else {
      ++counters_.rx_unexpected;
      debug(sa, " unsupported exchange " + std::to_string(static_cast<int>(h.exchange)));
    }
  }
  reap();
}

// ------------------------------------------------------------------ timers

void Engine::Impl::tick(Clock::time_point now) {
  now_ = now;
  std::vector<uint32_t> renew;
  for (size_t i = 0; i < sas_.size(); ++i) {
    IsakmpSa& sa = *sas_[i];
    if (sa.state == P1State::kDead) continue;
    if (!sa.established_p1()) {
      if (now >= sa.created + opt_.half_open_timeout) {
        fail(sa, "half-open timeout");
        continue;
      }
      if (now >= sa.next_send && !sa.last_sent.empty()) {
        if (sa.retransmits >= opt_.retransmit_tries) {
          debug(&sa, " peer not responding!");
          fail(sa, "Death by retransmission P1");
          continue;
        }
        ++sa.retransmits;
        ++counters_.tx_retransmit;
        debug(&sa, " retransmitting phase 1 " + std::string(show_state(sa.state)) + "...");
        debug(&sa, " incrementing error counter on sa, attempt " + std::to_string(sa.retransmits) + " of " +
                       std::to_string(opt_.retransmit_tries) + ": retransmit phase 1");
        sa.timeout = std::chrono::duration_cast<Clock::duration>(sa.timeout * opt_.retransmit_backoff);
        sa.next_send = now + sa.timeout;
        send_raw(sa, sa.last_sent);
      }
      continue;
    }
    // Quick Modes.
    for (auto it = sa.qms.begin(); it != sa.qms.end();) {
      QuickMode& qm = it->second;
      if (qm.done && now >= qm.expires) {
        it = sa.qms.erase(it);
        continue;
      }
      if (!qm.done && now >= qm.next_send) {
        if (qm.retransmits >= opt_.retransmit_tries) {
          ++counters_.p2_failed;
          debug(&sa, " peer not responding! Quick Mode " + std::to_string(qm.mid) + " given up");
          for (ChildSa& c : children_)
            if (c.spi_in == qm.replaces) c.rekeying = false;
          it = sa.qms.erase(it);
          continue;
        }
        ++qm.retransmits;
        ++counters_.tx_retransmit;
        debug(&sa, " retransmitting phase 2 QM_IDLE " + std::to_string(qm.mid) + " ...");
        qm.timeout = std::chrono::duration_cast<Clock::duration>(qm.timeout * opt_.retransmit_backoff);
        qm.next_send = now + qm.timeout;
        send_raw(sa, qm.last_sent);
      }
      ++it;
    }
    // DPD.
    if (opt_.dpd_interval.count() > 0) {
      if (sa.dpd_outstanding == 0 && now >= sa.last_heard + opt_.dpd_interval) {
        sa.dpd_outstanding = 1;
        send_dpd(sa, false, ++sa.dpd_seq);
        sa.dpd_next = now + opt_.dpd_retry;
      } else if (sa.dpd_outstanding > 0 && now >= sa.dpd_next) {
        if (sa.dpd_outstanding >= opt_.dpd_tries) {
          debug(&sa, "DPD: peer " + ipv4(sa.remote.addr) + " is dead");
          uint32_t peer = sa.remote.addr;
          remove_sa(sa, "peer dead (DPD)");
          for (ChildSa& c : children_)
            if (c.peer == peer) delete_child(c, false);
          continue;
        }
        ++sa.dpd_outstanding;
        send_dpd(sa, false, ++sa.dpd_seq);
        sa.dpd_next = now + opt_.dpd_retry;
      }
    }
    // NAT-T keepalives.
    if (sa.nat_local && opt_.nat_keepalive.count() > 0 && now >= sa.next_keepalive) {
      host_.send_keepalive(sa.local, sa.remote);
      sa.next_keepalive = now + opt_.nat_keepalive;
    }
    // Phase-1 lifetime.
    if (now >= sa.hard_at) {
      send_delete_isakmp(sa);
      remove_sa(sa, "lifetime expired");
      continue;
    }
    if (sa.initiator && !sa.renewed && now >= sa.soft_at) {
      sa.renewed = true;
      sa.soft_at = Clock::time_point::max();
      if (std::any_of(children_.begin(), children_.end(), [&](const ChildSa& c) { return c.tunnel == sa.tunnel; }))
        renew.push_back(sa.tunnel);
    }
  }
  for (uint32_t t : renew)
    if (const TunnelConfig* tc = tunnel(t)) start_main_mode(*tc, now);
  // IPsec SA lifetimes.
  for (size_t i = 0; i < children_.size(); ++i) {
    ChildSa& c = children_[i];
    if (c.tunnel == UINT32_MAX) continue;
    if (now >= c.hard_at) {
      delete_child(c, true);
      continue;
    }
    if (!c.rekeying && now >= c.soft_at) {
      if (IsakmpSa* sa = established_with(c.peer)) {
        c.rekeying = true;
        start_quick_mode(*sa, c.tunnel, c.spi_in);
      } else if (const TunnelConfig* tc = tunnel(c.tunnel)) {
        c.soft_at = now + opt_.retransmit_timeout;  // phase 1 first, then try again
        initiate(tc->tunnel, now);
      }
    }
  }
  reap();
}

Clock::time_point Engine::Impl::next_timer() const {
  Clock::time_point t = Clock::time_point::max();
  for (const auto& s : sas_) {
    if (s->state == P1State::kDead) continue;
    if (!s->established_p1()) {
      t = std::min({t, s->next_send, s->created + opt_.half_open_timeout});
      continue;
    }
    for (const auto& [mid, qm] : s->qms) t = std::min(t, qm.done ? qm.expires : qm.next_send);
    if (opt_.dpd_interval.count() > 0)
      t = std::min(t, s->dpd_outstanding ? s->dpd_next : s->last_heard + opt_.dpd_interval);
    if (s->nat_local && opt_.nat_keepalive.count() > 0) t = std::min(t, s->next_keepalive);
    t = std::min({t, s->hard_at, s->initiator && !s->renewed ? s->soft_at : Clock::time_point::max()});
  }
  for (const ChildSa& c : children_) t = std::min({t, c.hard_at, c.rekeying ? Clock::time_point::max() : c.soft_at});
  return t;
}

void Engine::Impl::child_expiring(uint32_t tunnel_id, uint32_t spi, bool hard, Clock::time_point now) {
  now_ = now;
  for (ChildSa& c : children_) {
    if (c.tunnel != tunnel_id || (c.spi_in != spi && c.spi_out != spi)) continue;
    if (hard)
      c.hard_at = now;
    else if (!c.rekeying)
      c.soft_at = now;
  }
  tick(now);
}

void Engine::Impl::clear(Clock::time_point now) {
  now_ = now;
  for (ChildSa& c : children_)
    if (c.tunnel != UINT32_MAX) delete_child(c, true);
  for (auto& s : sas_) {
    if (s->established_p1()) send_delete_isakmp(*s);
    remove_sa(*s, "clear crypto session");
  }
  holddown_.clear();
  reap();
}

// -------------------------------------------------------------------- show

std::string Engine::Impl::show_sa(bool detailed) const {
  std::string out;
  char line[256];
  if (detailed) {
    out +=
        "Codes: C - IKE configuration mode, D - Dead Peer Detection\n"
        "       K - Keepalives, N - NAT-traversal\n"
        "       T - cTCP encapsulation, X - IKE Extended Authentication\n"
        "       psk - Preshared key, rsig - RSA signature\n"
        "       renc - RSA encryption\n";
    out += "IPv4 Crypto ISAKMP SA\n\n";
    out +=
        "C-id  Local           Remote          I-VRF  Status Encr Hash   "
        "Auth DH Lifetime Cap.\n\n";
    for (const auto& s : sas_) {
      if (s->state == P1State::kDead) continue;
      const auto& ci = ike::cipher_info(s->suite.cipher);
      const auto& hi = ike::hash_info(s->suite.hash);
      std::string enc = s->suite.cipher == config::IkeCipher::k3des ? "3des"
                        : s->suite.cipher == config::IkeCipher::kAes128
                            ? "aes"
                            : std::string("aes") + std::to_string(ci.key_len * 8);
      std::string hash(hi.name);
      for (char& c : hash) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string life = "";
      if (s->established_p1() && s->hard_at != Clock::time_point::max()) {
        long left = std::chrono::duration_cast<std::chrono::seconds>(s->hard_at - now_).count();
        if (left < 0) left = 0;
        char b[32];  // hours can run to 19 digits (a lifetime far in the future)
        std::snprintf(b, sizeof b, "%02ld:%02ld:%02ld", left / 3600, left / 60 % 60, left % 60);
        life = b;
      }
      std::string cap = std::string(s->peer_dpd ? "D" : "") + (s->nat() ? "N" : "");
      std::snprintf(line, sizeof line, "%-5u %-15s %-15s        %-6s %-4s %-6s %-4s %-2u %-8s %s\n", s->id,
                    ipv4(s->local.addr).c_str(), ipv4(s->remote.addr).c_str(), "ACTIVE", enc.c_str(), hash.c_str(),
                    s->suite.auth == config::IkeAuthMethod::kPreShare ? "psk" : "rsig", s->suite.group, life.c_str(),
                    cap.c_str());
      out += line;
      out += "       Engine-id:Conn-id =  SW:" + std::to_string(s->id > 1000 ? s->id - 1000 : 0) + "\n\n";
    }
    out += "IPv6 Crypto ISAKMP SA\n";
    return out;
  }
  out += "IPv4 Crypto ISAKMP SA\n";
  out += "dst             src             state          conn-id status\n";
  for (const auto& s : sas_) {
    if (s->state == P1State::kDead) continue;
    uint32_t dst = s->initiator ? s->remote.addr : s->local.addr;
    uint32_t src = s->initiator ? s->local.addr : s->remote.addr;
    std::snprintf(line, sizeof line, "%-15s %-15s %-14s %7u %s\n", ipv4(dst).c_str(), ipv4(src).c_str(),
                  show_state(s->state), s->id, "ACTIVE");
    out += line;
  }
  out += "\nIPv6 Crypto ISAKMP SA\n";
  return out;
}

std::string Engine::Impl::show_sa_json() const {
  std::string o = "{\"isakmp_sas\": [";
  bool first = true;
  for (const auto& s : sas_) {
    if (s->state == P1State::kDead) continue;
    if (!first) o += ", ";
    first = false;
    o += "{\"conn_id\": " + std::to_string(s->id) + ", \"role\": \"" + (s->initiator ? "initiator" : "responder") +
         "\", \"local\": \"" + ipv4(s->local.addr) + ":" + std::to_string(s->local.port) + "\", \"remote\": \"" +
         ipv4(s->remote.addr) + ":" + std::to_string(s->remote.port) + "\", \"state\": \"" + show_state(s->state) +
         "\", \"ios_state\": \"" + state_name(s->state) + "\", \"profile\": \"" +
         json_escape(s->profile ? s->profile->name : "") + "\", \"peer_id\": \"" + json_escape(s->peer_id_text) +
         "\", \"trustpoint\": \"" + json_escape(s->chosen.trustpoint ? s->chosen.trustpoint->name : "") +
         "\", \"nat\": " + (s->nat() ? "true" : "false") + "}";
  }
  o += "], \"ipsec_sas\": [";
  first = true;
  for (const ChildSa& c : children_) {
    if (c.tunnel == UINT32_MAX) continue;
    if (!first) o += ", ";
    first = false;
    o += "{\"tunnel\": " + std::to_string(c.tunnel) + ", \"spi_in\": " + std::to_string(c.spi_in) +
         ", \"spi_out\": " + std::to_string(c.spi_out) + ", \"transform\": \"" +
         std::string(dp::transform_info(c.transform).name) +
         "\", \"udp_encap\": " + (c.in.udp_encap ? "true" : "false") + "}";
  }
  const EngineCounters& k = counters_;
  o += "], \"counters\": {\"rx_invalid\": " + std::to_string(k.rx_invalid) +
       ", \"rx_no_sa\": " + std::to_string(k.rx_no_sa) + ", \"rx_bad_hash\": " + std::to_string(k.rx_bad_hash) +
       ", \"rx_unexpected\": " + std::to_string(k.rx_unexpected) +
       ", \"rx_retransmit\": " + std::to_string(k.rx_retransmit) +
       ", \"tx_retransmit\": " + std::to_string(k.tx_retransmit) +
       ", \"rx_invalid_cert\": " + std::to_string(k.rx_invalid_cert) +
       ", \"p1_failed\": " + std::to_string(k.p1_failed) + ", \"p2_failed\": " + std::to_string(k.p2_failed) + "}}";
  return o;
}

}  // namespace keyway::ikev1
