// Child SAs: what a tunnel's IPsec profile offers and accepts, the traffic
// selectors of a VTI (0.0.0.0/0 both ways), KEYMAT into the data plane's
// SaSpecs, and the CREATE_CHILD_SA exchange (RFC 7296 1.3) for new child
// SAs, child rekeys (REKEY_SA, optional PFS) and IKE SA rekeys (1.3.2).
#include <algorithm>

#include "control/ikev2/engine_impl.h"
#include "control/ikev2/profile_select.h"

namespace keyway::ikev2 {
namespace {

constexpr size_t kNonceLen = 32;

uint32_t spi_of(const Bytes& s) {
  return s.size() == 4 ? uint32_t{s[0]} << 24 | uint32_t{s[1]} << 16 | uint32_t{s[2]} << 8 | s[3] : 0;
}

uint64_t spi64_of(const Bytes& s) {
  uint64_t v = 0;
  for (uint8_t b : s) v = v << 8 | b;
  return s.size() == 8 ? v : 0;
}

Bytes be32(uint32_t v) {
  Writer w;
  w.be32(v);
  return w.take();
}

Bytes be64(uint64_t v) {
  Writer w;
  w.be64(v);
  return w.take();
}

// IOS 15's transform sets for an IPsec profile that names none.
const std::vector<config::TransformSet>& default_transform_sets() {
  static const std::vector<config::TransformSet> kSets = [] {
    config::TransformSet aes;
    aes.name = "#$!default_transform_set_1";
    aes.cipher = config::EspCipher::kAesCbc128;
    aes.auth = config::EspAuth::kSha1;
    config::TransformSet des3;
    des3.name = "#$!default_transform_set_0";
    des3.cipher = config::EspCipher::k3des;
    des3.auth = config::EspAuth::kSha1;
    return std::vector<config::TransformSet>{aes, des3};
  }();
  return kSets;
}

bool covers_everything(const TsPayload& ts) {
  return std::any_of(ts.selectors.begin(), ts.selectors.end(), [](const TrafficSelector& s) {
    return s.type == TsType::kIpv4Range && s.ip_protocol == 0 && s.start_port == 0 && s.end_port == 0xffff &&
           s.start == Bytes{0, 0, 0, 0} && s.end == Bytes{255, 255, 255, 255};
  });
}

std::string ts_text(const Payload* p) {
  if (!p) return "none";
  std::string out;
  for (const TrafficSelector& s : p->as<TsPayload>()->selectors) {
    if (!out.empty()) out += " ";
    if (s.type != TsType::kIpv4Range || s.start.size() != 4 || s.end.size() != 4) {
      out += "(non-IPv4)";
      continue;
    }
    auto addr = [](const Bytes& b) {
      return config::format_ipv4(uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | b[3]);
    };
    out += addr(s.start) + "-" + addr(s.end);
    if (s.ip_protocol != 0 || s.start_port != 0 || s.end_port != 0xffff)
      out += " proto " + std::to_string(s.ip_protocol) + " ports " + std::to_string(s.start_port) + "-" +
             std::to_string(s.end_port);
  }
  return out.empty() ? "none" : out;
}

std::string transform_words(const config::TransformSet* ts, dp::Transform t) {
  if (ts && !ts->transforms.empty()) {
    std::string out;
    for (const std::string& w : ts->transforms) out += w + " ";
    return out;
  }
  return std::string(dp::transform_info(t).name) + " ";
}

}  // namespace

std::optional<dp::Transform> dp_transform(const EspSuite& s) {
  using config::EspAuth;
  using config::EspCipher;
  if (s.esn) return std::nullopt;
  switch (s.encr) {
    case EspCipher::kAesGcm128:
      return dp::Transform::kAes128Gcm;
    case EspCipher::kAesGcm256:
      return dp::Transform::kAes256Gcm;
    case EspCipher::kAesCbc128:
      if (s.integ == EspAuth::kSha256) return dp::Transform::kAes128CbcSha256;
      break;
    case EspCipher::kAesCbc256:
      if (s.integ == EspAuth::kSha256) return dp::Transform::kAes256CbcSha256;
      break;
    case EspCipher::k3des:
      if (s.integ == EspAuth::kSha1) return dp::Transform::kDes3CbcSha1;
      break;
    default:
      break;
  }
  return std::nullopt;
}

std::optional<Engine::Impl::ChildPolicy> Engine::Impl::child_policy(const IkeSa* sa, uint32_t tunnel_id) {
  const TunnelConfig* t = tunnel(tunnel_id);
  const config::IpsecProfile* ipsec = t ? cfg_.ipsec_profile(t->ipsec_profile) : nullptr;
  if (!ipsec) return std::nullopt;
  ChildPolicy p;
  p.ipsec = ipsec;
  std::vector<const config::TransformSet*> sets;
  if (ipsec->transform_sets.empty())
    for (const config::TransformSet& ts : default_transform_sets()) sets.push_back(&ts);
  for (const config::NameRef& ref : ipsec->transform_sets)
    if (const config::TransformSet* ts = cfg_.transform_set(ref.name)) sets.push_back(ts);
  for (const config::TransformSet* ts : sets) {
    if (dp_transform(EspSuite{ts->cipher, ts->auth, std::nullopt, false}))
      p.transform_sets.push_back(ts);
    else
      debug(sa, "Transform set " + ts->name + " is not run by the data plane; not proposed");
  }
  return p;
}

std::vector<Proposal> Engine::Impl::esp_proposals(const ChildPolicy& p, uint32_t spi, std::optional<ike::DhGroup> pfs) {
  std::vector<Proposal> out;
  for (const config::TransformSet* ts : p.transform_sets)
    if (auto prop = esp_proposal(*ts, static_cast<uint8_t>(out.size() + 1), spi, pfs, false))
      out.push_back(prop.take());
  return out;
}

ChildSa* Engine::Impl::install_child(IkeSa& sa, uint32_t tunnel_id, const Proposal& chosen, uint32_t spi_in,
                                     uint32_t spi_out, ByteView g_ir, ByteView ni, ByteView nr, bool we_initiated,
                                     Clock::time_point now) {
  auto suite = esp_suite(chosen);
  std::optional<dp::Transform> negotiated = suite ? dp_transform(*suite) : std::nullopt;
  auto policy = child_policy(&sa, tunnel_id);
  if (!negotiated || !policy) {
    debug(&sa, "Negotiated child SA cannot be run by the data plane");
    return nullptr;
  }
  const dp::Transform tr = *negotiated;
  const dp::TransformInfo& info = dp::transform_info(tr);
  size_t encr_len = info.cipher_key_len + info.salt_len, integ_len = info.auth_key_len;
  auto keymat = child_keymat(sa.suite.prf, sa.keys.sk_d, g_ir, ni, nr, 2 * (encr_len + integ_len));
  if (!keymat) {
    debug(&sa, "KEYMAT: " + keymat.error());
    return nullptr;
  }
  debug(&sa, "Load IPSEC key material");
  ChildKeys k = split_child_keymat(*keymat, encr_len, integ_len);
  // _i keys protect what the exchange's initiator sends.
  const ike::Secret& out_key = we_initiated ? k.encr_i : k.encr_r;
  const ike::Secret& out_auth = we_initiated ? k.integ_i : k.integ_r;
  const ike::Secret& in_key = we_initiated ? k.encr_r : k.encr_i;
  const ike::Secret& in_auth = we_initiated ? k.integ_r : k.integ_i;

  const config::IpsecProfile& ip = *policy->ipsec;
  double frac = we_initiated ? opt_.initiator_soft : opt_.responder_soft;
  uint64_t hard_bytes = ip.lifetime_kb * 1024;
  uint32_t soft_s = ip.lifetime_s ? std::max<uint32_t>(1, static_cast<uint32_t>(ip.lifetime_s * frac)) : 0;

  dp::SaSpec in, out;
  for (dp::SaSpec* s : {&in, &out}) {
    s->transform = tr;
    s->udp_encap = sa.nat();
    s->hard_seconds = ip.lifetime_s;
    s->soft_seconds = soft_s;
    s->hard_bytes = hard_bytes;
    s->soft_bytes = static_cast<uint64_t>(static_cast<double>(hard_bytes) * frac);
  }
  in.spi = spi_in;
  in.key.assign(in_key.begin(), in_key.end());
  in.auth_key.assign(in_auth.begin(), in_auth.end());
  in.src = sa.remote.addr;
  in.dst = sa.local.addr;
  in.encap_sport = sa.nat() ? sa.remote.port : dp::kNatTPort;
  in.encap_dport = sa.nat() ? sa.local.port : dp::kNatTPort;
  out.spi = spi_out;
  out.key.assign(out_key.begin(), out_key.end());
  out.auth_key.assign(out_auth.begin(), out_auth.end());
  out.src = sa.local.addr;
  out.dst = sa.remote.addr;
  out.encap_sport = sa.nat() ? sa.local.port : dp::kNatTPort;
  out.encap_dport = sa.nat() ? sa.remote.port : dp::kNatTPort;

  // Answering a rekey: the tunnel already has a live pair in this IKE SA
  // (ENGINE.md: the responder's switch waits until the peer has the pair).
  const bool answered_rekey = !we_initiated && std::any_of(sa.children.begin(), sa.children.end(), [&](const ChildSa& c) {
    return c.tunnel == tunnel_id && !c.replaced && !c.deleting;
  });
  std::string error;
  if (!(answered_rekey ? host_.install_answered_rekey(tunnel_id, in, out, &error)
                       : host_.install_child(tunnel_id, in, out, &error))) {
    debug(&sa, "Failed to install child SA: " + error);
    return nullptr;
  }
  sa.child_installed = true;
  holddown_.erase(tunnel_id);
  const config::TransformSet* ts = nullptr;
  for (const config::TransformSet* c : policy->transform_sets)
    if (dp_transform(EspSuite{c->cipher, c->auth, std::nullopt, false}) == tr) ts = c;
  for (const dp::SaSpec* s : {&in, &out}) {
    char spi[32];
    std::snprintf(spi, sizeof spi, "0x%X(%u)", s->spi, s->spi);
    debug_line("IPSEC(create_sa): sa created, (sa) sa_dest= " + config::format_ipv4(s->dst) +
               ", sa_proto= 50, sa_spi= " + spi + ", sa_trans= " + transform_words(ts, tr) +
               ", sa_conn_id= " + std::to_string(sa.id));
  }
  ChildSa c;
  c.tunnel = tunnel_id;
  c.spi_in = spi_in;
  c.spi_out = spi_out;
  c.suite = *suite;
  c.transform = tr;
  c.in = std::move(in);
  c.out = std::move(out);
  c.created_by_us = we_initiated;
  c.installed = now;
  c.hard_at = ip.lifetime_s ? now + std::chrono::seconds(ip.lifetime_s) : Clock::time_point::max();
  c.soft_at = soft_s ? now + std::chrono::seconds(soft_s) : Clock::time_point::max();
  sa.children.push_back(std::move(c));
  return &sa.children.back();
}

bool Engine::Impl::ts_acceptable(const Inbound& in) const {
  const Payload* tsi = in.find(PayloadType::kTsi);
  const Payload* tsr = in.find(PayloadType::kTsr);
  return tsi && tsr && covers_everything(*tsi->as<TsPayload>()) && covers_everything(*tsr->as<TsPayload>());
}

bool Engine::Impl::ts_narrowed_by_peer(IkeSa& sa, const Inbound& in) {
  if (ts_acceptable(in)) return false;
  debug(&sa, "Child SA not installed: traffic selectors narrowed by the peer: TSi " +
                 ts_text(in.find(PayloadType::kTsi)) + ", TSr " + ts_text(in.find(PayloadType::kTsr)) +
                 " (a VTI needs 0.0.0.0/0 both ways)");
  return true;
}

std::optional<uint32_t> Engine::Impl::responder_tunnel(IkeSa& sa, const Inbound& in) {
  // The tunnel to this peer whose IPsec profile binds the profile the peer
  // was matched to; a VTI's selectors are any/any.
  if (ts_acceptable(in))
    for (const TunnelConfig& t : tunnels_) {
      if (t.local != sa.local.addr || t.peer != sa.remote.addr) continue;
      const config::IpsecProfile* ip = cfg_.ipsec_profile(t.ipsec_profile);
      if (ip && ip->ikev2_profile && sa.profile && ip->ikev2_profile->name == sa.profile->name) return t.tunnel;
    }
  debug_line("map_db_check_isakmp_profile profile did not match");
  debug_line("map_db_find_best did not find matching map");
  debug_line("IPSEC(ipsec_process_proposal): proxy identities not supported");
  debug(&sa, "There was no IPSEC policy found for received TS");
  debug(&sa, "");
  debug(&sa, "Sending TS unacceptable notify");
  return std::nullopt;
}

// -------------------------------------------------- CREATE_CHILD_SA (child)

void Engine::Impl::start_create_child(IkeSa& sa, RequestKind kind, uint32_t old_spi_in, Clock::time_point now) {
  ChildSa* old = old_spi_in ? sa.child_by_in(old_spi_in) : nullptr;
  uint32_t tunnel_id = old ? old->tunnel : sa.tunnel.value_or(0);
  auto policy = (old || sa.tunnel) ? child_policy(&sa, tunnel_id) : std::nullopt;
  if (!policy) {
    if (old) old->rekeying = false;
    return;
  }
  Request r;
  r.kind = kind;
  r.exchange = ExchangeType::kCreateChildSa;
  r.tunnel = tunnel_id;
  r.old_spi_in = old_spi_in;
  r.child_spi_in = new_child_spi();
  r.nonce = random(kNonceLen);
  std::optional<ike::DhGroup> pfs = policy->ipsec->pfs_group;
  if (pfs) {
    auto ke = new_ke(*pfs);
    if (!ke) {
      debug(&sa, "PFS: " + ke.error());
      child_spis_.erase(r.child_spi_in);
      if (old) old->rekeying = false;
      return;
    }
    r.ke = ke.take();
  }
  r.proposals = esp_proposals(*policy, r.child_spi_in, pfs);
  std::vector<Payload> payloads;
  if (old) payloads.push_back(make(rekey_sa(Protocol::kEsp, old_spi_in)));
  payloads.push_back(make(SaPayload{r.proposals}));
  payloads.push_back(make(NoncePayload{r.nonce}));
  if (r.ke) payloads.push_back(make(KePayload{r.ke->group(), r.ke->public_value()}));
  payloads.push_back(make(PayloadType::kTsi, TsPayload{{ipv4_any()}}));
  payloads.push_back(make(PayloadType::kTsr, TsPayload{{ipv4_any()}}));
  debug(&sa,
        old ? "Rekeying child SA: inbound SPI 0x" + hex64(old_spi_in).substr(8) : std::string("Creating child SA"));
  (void)now;
  uint32_t spi = r.child_spi_in;
  if (!start_request(sa, std::move(r), std::move(payloads))) {
    child_spis_.erase(spi);
    if (old) old->rekeying = false;
  }
}

void Engine::Impl::on_create_child_request(IkeSa& sa, const Inbound& in) {
  debug(&sa, "Processing CREATE_CHILD_SA message");
  const Payload* sa_p = in.find(PayloadType::kSa);
  const Payload* n_p = in.find(PayloadType::kNonce);
  if (!sa_p || !n_p) return send_response(sa, in, {make(notify(NotifyType::kInvalidSyntax))});
  const SaPayload& offered = *sa_p->as<SaPayload>();
  if (!offered.proposals.empty() && offered.proposals.front().protocol == Protocol::kIke)
    return on_rekey_ike_request(sa, in);

  ChildSa* old = nullptr;
  std::optional<uint32_t> tunnel_id = sa.tunnel;
  if (const NotifyPayload* rk = in.notify(NotifyType::kRekeySa)) {
    old = sa.child_by_out(spi_of(rk->spi));
    if (!old || old->replaced) {
      debug(&sa, "Rekey request for an unknown child SA");
      return send_response(sa, in, {make(notify(NotifyType::kChildSaNotFound))});
    }
    // RFC 7296 2.25.1: a pair we are deleting is not rekeyed.
    if (old->deleting) return send_response(sa, in, {make(notify(NotifyType::kTemporaryFailure))});
    // Both ends rekey the same pair (2.8.1). Instead of making two pairs
    // and closing the redundant one, the request with the higher nonce
    // wins at once: its sender's peer answers it as usual, and the other
    // request gets TEMPORARY_FAILURE. Both ends compare the same two
    // nonces, so exactly one new pair is ever installed.
    if (old->rekeying && sa.pending && sa.pending->kind == RequestKind::kRekeyChild &&
        sa.pending->old_spi_in == old->spi_in) {
      const Bytes& theirs = n_p->as<NoncePayload>()->data;
      const Bytes& ours = sa.pending->nonce;
      if (std::lexicographical_compare(theirs.begin(), theirs.end(), ours.begin(), ours.end())) {
        debug(&sa, "Rekey collision: our rekey of inbound SPI 0x" + hex64(old->spi_in).substr(8) + " wins");
        return send_response(sa, in, {make(notify(NotifyType::kTemporaryFailure))});
      }
      debug(&sa, "Rekey collision: the peer's rekey of inbound SPI 0x" + hex64(old->spi_in).substr(8) + " wins");
    }
    tunnel_id = old->tunnel;
    if (!ts_acceptable(in)) tunnel_id.reset();
  } else {
    tunnel_id = responder_tunnel(sa, in);
  }
  if (!tunnel_id) return send_response(sa, in, {make(notify(NotifyType::kTsUnacceptable))});
  auto policy = child_policy(&sa, *tunnel_id);
  if (!policy) return send_response(sa, in, {make(notify(NotifyType::kNoProposalChosen))});

  std::optional<ike::DhGroup> pfs = policy->ipsec->pfs_group;
  const Payload* ke_p = in.find(PayloadType::kKe);
  std::optional<uint16_t> ke_group;
  if (ke_p) ke_group = ke_p->as<KePayload>()->group;
  uint32_t spi_in = new_child_spi();
  auto sel = select_proposal(offered.proposals, esp_proposals(*policy, spi_in, pfs), ke_group);
  auto suite = sel ? esp_suite(sel->chosen) : ike::Result<EspSuite>(ike::Error{"none"});
  if (!sel || !suite || sel->chosen.spi.size() != 4) {
    child_spis_.erase(spi_in);
    debug(&sa, "Failed to find a matching IPsec proposal");
    return send_response(sa, in, {make(notify(NotifyType::kNoProposalChosen))});
  }
  ike::Secret g_ir;
  std::optional<ike::KeyExchange> ke;
  if (suite->pfs) {
    if (!ke_p || ke_group != suite->pfs) {
      child_spis_.erase(spi_in);
      debug(&sa, "Sending invalid ke notify");
      return send_response(sa, in, {make(invalid_ke(*suite->pfs))});
    }
    auto mine = new_ke(*suite->pfs);
    auto shared = mine ? mine->shared_secret(ke_p->as<KePayload>()->data) : ike::Result<ike::Secret>(ike::Error{""});
    if (!shared) {
      child_spis_.erase(spi_in);
      return send_response(sa, in, {make(notify(NotifyType::kNoProposalChosen))});
    }
    g_ir = shared.take();
    ke = mine.take();
  }
  const Bytes& ni = n_p->as<NoncePayload>()->data;
  Bytes nr = random(kNonceLen);
  uint32_t old_in = old ? old->spi_in : 0;
  ChildSa* child =
      install_child(sa, *tunnel_id, sel->chosen, spi_in, spi_of(sel->chosen.spi), g_ir, ni, nr, false, in.now);
  if (!child) {
    child_spis_.erase(spi_in);
    return send_response(sa, in, {make(notify(NotifyType::kNoProposalChosen))});
  }
  // The old pair stays until the peer deletes it (RFC 7296 2.8).
  if (old_in)
    if (ChildSa* o = sa.child_by_in(old_in)) o->replaced = true;
  sa.tunnel = *tunnel_id;
  Proposal answer = sel->chosen;
  answer.spi = be32(spi_in);
  std::vector<Payload> resp;
  resp.push_back(make(SaPayload{{answer}}));
  resp.push_back(make(NoncePayload{nr}));
  if (ke) resp.push_back(make(KePayload{ke->group(), ke->public_value()}));
  resp.push_back(make(PayloadType::kTsi, TsPayload{{ipv4_any()}}));
  resp.push_back(make(PayloadType::kTsr, TsPayload{{ipv4_any()}}));
  send_response(sa, in, std::move(resp));
}

void Engine::Impl::on_create_child_response(IkeSa& sa, const Inbound& in) {
  debug(&sa, "Processing CREATE_CHILD_SA message");
  Request req = std::move(*sa.pending);
  sa.pending.reset();
  ChildSa* old = req.old_spi_in ? sa.child_by_in(req.old_spi_in) : nullptr;
  if (old) old->rekeying = false;
  // A failed rekey is tried again later, not at the next tick (the pair's
  // soft time has passed): soon after TEMPORARY_FAILURE (RFC 7296 2.25, a
  // collision or a busy peer), else after kRekeyRetry; the pair keeps
  // running meanwhile and dies at its hard lifetime if no rekey succeeds.
  auto give_up = [&](const std::string& why, Clock::duration retry = kRekeyRetry) {
    child_spis_.erase(req.child_spi_in);
    debug(&sa, "Child SA not created: " + why);
    if (old && !old->replaced && old->soft_at != Clock::time_point::max())
      old->soft_at = std::max(old->soft_at, in.now + retry);
    run_queue(sa);
  };
  if (const NotifyPayload* err = in.error())
    return give_up("peer sent " + notify_name(err->type),
                   err->type == NotifyType::kTemporaryFailure ? kRekeyRetryTemporary : kRekeyRetry);
  if (req.old_spi_in && (!old || old->replaced)) {
    // We took the peer's rekey of the same pair (a collision it won, or
    // a peer that answered ours too): the pair the peer just made for us
    // is redundant. It was never installed here; the peer deletes its
    // half when our Delete names the SPI it sends to.
    debug(&sa, "Rekey collision: dropping the redundant pair with inbound SPI 0x" + hex64(req.child_spi_in).substr(8));
    sa.queue.push_front({RequestKind::kDeleteChild, req.child_spi_in});
    run_queue(sa);
    return;
  }
  const Payload* sa_p = in.find(PayloadType::kSa);
  const Payload* n_p = in.find(PayloadType::kNonce);
  if (!sa_p || !n_p) return give_up("response lacks SA or Nr");
  const SaPayload& chosen = *sa_p->as<SaPayload>();
  if (chosen.proposals.size() != 1 || chosen.proposals.front().spi.size() != 4 ||
      !select_proposal(chosen.proposals, req.proposals))
    return give_up("peer chose a proposal we did not offer");
  auto suite = esp_suite(chosen.proposals.front());
  if (!suite) return give_up(suite.error());
  ike::Secret g_ir;
  if (suite->pfs) {
    const Payload* ke_p = in.find(PayloadType::kKe);
    if (!req.ke || !ke_p || ke_p->as<KePayload>()->group != req.ke->group()) return give_up("PFS KE missing");
    auto shared = req.ke->shared_secret(ke_p->as<KePayload>()->data);
    if (!shared) return give_up("invalid KE: " + shared.error());
    g_ir = shared.take();
  }
  if (ts_narrowed_by_peer(sa, in)) {
    // The peer installed the pair already: it is deleted (our inbound SPI
    // names it). A rekeyed pair keeps running to its hard lifetime without
    // another rekey; a tunnel left without a child SA loses its IKE SA
    // (ENGINE.md, Decisions).
    child_spis_.erase(req.child_spi_in);
    sa.queue.push_front({RequestKind::kDeleteChild, req.child_spi_in});
    if (old) {
      old->soft_at = Clock::time_point::max();
    } else if (!std::any_of(sa.children.begin(), sa.children.end(),
                            [&](const ChildSa& c) { return c.tunnel == req.tunnel && !c.deleting; })) {
      if (sa.close_reason.empty()) sa.close_reason = "traffic selectors narrowed by the peer";
      sa.queue.push_back({RequestKind::kDeleteIke, 0});
    }
    run_queue(sa);
    return;
  }
  ChildSa* child =
      install_child(sa, req.tunnel, chosen.proposals.front(), req.child_spi_in, spi_of(chosen.proposals.front().spi),
                    g_ir, req.nonce, n_p->as<NoncePayload>()->data, true, in.now);
  if (!child) return give_up("install failed");
  if (req.old_spi_in)
    if (ChildSa* o = sa.child_by_in(req.old_spi_in)) {
      o->replaced = true;
      sa.queue.push_front({RequestKind::kDeleteChild, req.old_spi_in});
    }
  run_queue(sa);
}

// ---------------------------------------------------- CREATE_CHILD_SA (IKE)

void Engine::Impl::start_rekey_ike(IkeSa& sa, Clock::time_point now) {
  Request r;
  r.kind = RequestKind::kRekeyIke;
  r.exchange = ExchangeType::kCreateChildSa;
  r.new_ike_spi = new_ike_spi();
  r.nonce = random(kNonceLen);
  auto ke = new_ke(sa.suite.dh);
  if (!ke) {
    sa.rekeying = false;
    return;
  }
  r.ke = ke.take();
  for (const config::Ikev2Proposal& p : ike_proposals_for(cfg_, sa.local.addr))
    if (auto prop = ike_proposal(p, static_cast<uint8_t>(r.proposals.size() + 1))) {
      prop->spi = be64(r.new_ike_spi);
      r.proposals.push_back(prop.take());
    }
  std::vector<Payload> payloads{make(SaPayload{r.proposals}), make(NoncePayload{r.nonce}),
                                make(KePayload{r.ke->group(), r.ke->public_value()})};
  debug(&sa, "Rekeying IKE SA");
  (void)now;
  if (!start_request(sa, std::move(r), std::move(payloads))) sa.rekeying = false;
}

IkeSa* Engine::Impl::adopt_rekeyed(IkeSa& old, bool initiator, uint64_t spi_i, uint64_t spi_r, const IkeSuite& suite,
                                   ByteView g_ir, const Bytes& ni, const Bytes& nr, Clock::time_point now) {
  auto seed = rekey_skeyseed(old.suite.prf, old.keys.sk_d, g_ir, ni, nr);
  if (!seed) return nullptr;
  auto keys = derive_ike_keys(suite, *seed, ni, nr, spi_i, spi_r);
  if (!keys) return nullptr;
  auto fresh = std::make_unique<IkeSa>();
  IkeSa& n = *fresh;
  n.id = next_sa_id_++;
  n.initiator = initiator;
  n.state = SaState::kEstablished;
  n.was_established = true;
  n.spi_i = spi_i;
  n.spi_r = spi_r;
  n.local = old.local;
  n.remote = old.remote;
  n.nat_local = old.nat_local;
  n.nat_remote = old.nat_remote;
  n.peer_fragmentation = old.peer_fragmentation;
  n.peer_sig_hashes = old.peer_sig_hashes;
  n.tunnel = old.tunnel;
  n.profile = old.profile;
  n.suite = suite;
  n.keys = keys.take();
  n.ni = ni;
  n.nr = nr;
  n.local_id = old.local_id;
  n.remote_id = old.remote_id;
  n.local_auth = old.local_auth;
  n.remote_auth = old.remote_auth;
  n.local_trustpoint = old.local_trustpoint;
  n.created = n.established = n.last_heard = now;
  uint32_t life = old.profile ? old.profile->lifetime_s : 86400;
  n.expires = now + std::chrono::seconds(life);
  n.rekey_at =
      initiator || opt_.responder_rekeys_ike
          ? now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(life * opt_.ike_soft))
          : Clock::time_point::max();
  n.child_installed = old.child_installed;
  n.children = std::move(old.children);
  old.children.clear();
  old.was_established = false;  // replaced, not down: no SA_DOWN for it
  uint64_t key = n.local_spi();
  sas_.emplace(key, std::move(fresh));
  debug(&n, "IKE SA rekeyed: SA ID " + std::to_string(old.id) + " -> " + std::to_string(n.id));
  return find_sa(key);
}

void Engine::Impl::on_rekey_ike_request(IkeSa& sa, const Inbound& in) {
  const SaPayload& offered = *in.find(PayloadType::kSa)->as<SaPayload>();
  const Payload* ke_p = in.find(PayloadType::kKe);
  if (!ke_p) return send_response(sa, in, {make(notify(NotifyType::kInvalidSyntax))});
  if (sa.lost_ike_rekey) return send_response(sa, in, {make(notify(NotifyType::kTemporaryFailure))});
  // Both ends rekey the IKE SA at once (RFC 7296 2.8.2): as for child SAs,
  // the request with the higher nonce wins and the other one is refused.
  if (sa.pending && sa.pending->kind == RequestKind::kRekeyIke) {
    const Bytes& theirs = in.find(PayloadType::kNonce)->as<NoncePayload>()->data;
    const Bytes& ours = sa.pending->nonce;
    if (std::lexicographical_compare(theirs.begin(), theirs.end(), ours.begin(), ours.end())) {
      debug(&sa, "IKE SA rekey collision: our rekey wins");
      return send_response(sa, in, {make(notify(NotifyType::kTemporaryFailure))});
    }
    debug(&sa, "IKE SA rekey collision: the peer's rekey wins");
  }
  const KePayload& ke = *ke_p->as<KePayload>();
  std::vector<Proposal> mine;
  for (const config::Ikev2Proposal& p : ike_proposals_for(cfg_, sa.local.addr))
    if (auto prop = ike_proposal(p, static_cast<uint8_t>(mine.size() + 1))) mine.push_back(prop.take());
  auto sel = select_proposal(offered.proposals, mine, ke.group);
  auto suite = sel ? ike_suite(sel->chosen) : ike::Result<IkeSuite>(ike::Error{"none"});
  if (!sel || !suite || sel->chosen.spi.size() != 8)
    return send_response(sa, in, {make(notify(NotifyType::kNoProposalChosen))});
  if (suite->dh != ke.group) return send_response(sa, in, {make(invalid_ke(suite->dh))});
  auto my_ke = new_ke(suite->dh);
  auto g_ir = my_ke ? my_ke->shared_secret(ke.data) : ike::Result<ike::Secret>(ike::Error{""});
  if (!g_ir) return send_response(sa, in, {make(notify(NotifyType::kNoProposalChosen))});
  Bytes nr = random(kNonceLen);
  uint64_t spi_r = new_ike_spi();
  const Bytes& ni = in.find(PayloadType::kNonce)->as<NoncePayload>()->data;
  Proposal answer = sel->chosen;
  answer.spi = be64(spi_r);
  send_response(
      sa, in,
      {make(SaPayload{{answer}}), make(NoncePayload{nr}), make(KePayload{my_ke->group(), my_ke->public_value()})});
  // The peer deletes the old IKE SA next.
  if (adopt_rekeyed(sa, false, spi64_of(sel->chosen.spi), spi_r, *suite, *g_ir, ni, nr, in.now))
    sa.lost_ike_rekey = true;
}

void Engine::Impl::on_rekey_ike_response(IkeSa& sa, const Inbound& in) {
  Request req = std::move(*sa.pending);
  sa.pending.reset();
  sa.rekeying = false;
  const Payload* sa_p = in.find(PayloadType::kSa);
  const Payload* n_p = in.find(PayloadType::kNonce);
  const Payload* ke_p = in.find(PayloadType::kKe);
  auto retry_later = [&](const std::string& why) {
    debug(&sa, "IKE SA rekey failed: " + why);
    sa.rekey_at = in.now + std::chrono::seconds(30);
    run_queue(sa);
  };
  if (const NotifyPayload* err = in.error()) return retry_later("peer sent " + notify_name(err->type));
  if (!sa_p || !n_p || !ke_p) return retry_later("response lacks SA, Nr or KE");
  const SaPayload& chosen = *sa_p->as<SaPayload>();
  if (chosen.proposals.size() != 1 || chosen.proposals.front().spi.size() != 8 ||
      !select_proposal(chosen.proposals, req.proposals))
    return retry_later("peer chose a proposal we did not offer");
  auto suite = ike_suite(chosen.proposals.front());
  if (!suite || suite->dh != req.ke->group() || ke_p->as<KePayload>()->group != req.ke->group())
    return retry_later("KE group mismatch");
  auto g_ir = req.ke->shared_secret(ke_p->as<KePayload>()->data);
  if (!g_ir) return retry_later(g_ir.error());
  IkeSa* fresh = adopt_rekeyed(sa, true, req.new_ike_spi, spi64_of(chosen.proposals.front().spi), *suite, *g_ir,
                               req.nonce, n_p->as<NoncePayload>()->data, in.now);
  if (!fresh) return retry_later("key derivation failed");
  if (sa.lost_ike_rekey) {
    // A peer that answered our colliding request too: the SA it made for
    // us carries nothing (the children moved to the peer's new SA) and is
    // closed; the peer closes the old one.
    fresh->was_established = false;
    start_delete_ike(*fresh, "redundant IKE SA after a rekey collision", in.now);
    return;
  }
  start_delete_ike(sa, "IKE SA rekeyed", in.now);
}

}  // namespace keyway::ikev2
