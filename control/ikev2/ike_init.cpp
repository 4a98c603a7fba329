// IKE_SA_INIT (RFC 7296 1.2), both roles: proposals and DH, nonces, NAT
// detection (2.23), INVALID_KE_PAYLOAD (1.2) and COOKIE (2.6) restarts,
// and the responder's CERTREQ for every trust-point in store order (the
// seed: "The responder answers with the certificate request payload ...
// and all of the CAs").
#include <algorithm>

#include "control/ike/prf.h"
#include "control/ikev2/engine_impl.h"
#include "control/ikev2/profile_select.h"
#include "pki/certreq.h"

namespace keyway::ikev2 {
namespace {

constexpr size_t kNonceLen = 32;
constexpr int kMaxInitRestarts = 3;
constexpr SignatureHash kOurHashes[] = {SignatureHash::kSha256, SignatureHash::kSha384, SignatureHash::kSha512};

// Whether any NAT_DETECTION notify of `type` carries `expected`. Absent
// notifies mean the peer does not do NAT detection: no NAT assumed.
bool nat_seen(const Message& m, NotifyType type, const Bytes& expected) {
  auto all = m.notifies(type);
  if (all.empty()) return false;
  return std::none_of(all.begin(), all.end(), [&](const NotifyPayload* n) { return n->data == expected; });
}

std::optional<uint16_t> first_group(const std::vector<Proposal>& props) {
  for (const Proposal& p : props)
    for (const Transform& t : p.transforms)
      if (t.type == TransformType::kDh) return t.id;
  return std::nullopt;
}

bool offers_group(const std::vector<Proposal>& props, uint16_t group) {
  for (const Proposal& p : props)
    for (const Transform& t : p.transforms)
      if (t.type == TransformType::kDh && t.id == group) return true;
  return false;
}

}  // namespace

Bytes Engine::Impl::cookie_for(const Bytes& ni, uint32_t addr, uint64_t spi_i, uint8_t version) const {
  Writer w;
  w.bytes(ni);
  w.be32(addr);
  w.be64(spi_i);
  auto mac = ike::prf(ike::IkeHash::kSha256, cookie_secret_, w.data());
  Bytes out(17, 0);
  out[0] = version;
  if (mac && mac->size() >= 16) std::copy_n(mac->data(), 16, out.data() + 1);
  return out;
}

// ---------------------------------------------------------------- initiator

void Engine::Impl::start_init(uint32_t tunnel_id, Clock::time_point now) {
  const TunnelConfig* t = tunnel(tunnel_id);
  const config::IpsecProfile* ipsec = cfg_.ipsec_profile(t->ipsec_profile);
  if (!ipsec || !ipsec->ikev2_profile) {
    debug(nullptr, t->interface + ": IPsec profile '" + t->ipsec_profile + "' names no IKEv2 profile");
    return;
  }
  const config::Ikev2Profile* profile = cfg_.ikev2_profile(ipsec->ikev2_profile->name);
  if (!profile) return;
  std::vector<Proposal> offered;
  for (const config::Ikev2Proposal& p : ike_proposals_for(cfg_, t->local)) {
    auto prop = ike_proposal(p, static_cast<uint8_t>(offered.size() + 1));
    if (!prop) {
      debug(nullptr, prop.error());
      continue;
    }
    offered.push_back(prop.take());
  }
  auto group = first_group(offered);
  if (!group) {
    debug(nullptr, t->interface + ": no usable IKEv2 proposal");
    return;
  }
  IkeSa& sa = new_sa(true, now);
  sa.state = SaState::kInitSent;
  sa.tunnel = tunnel_id;
  sa.profile = profile;
  sa.local = {t->local, opt_.ike_port};
  sa.remote = {t->peer, opt_.ike_port};
  sa.offered = std::move(offered);
  sa.ni = random(kNonceLen);
  auto ke = new_ke(*group);
  if (!ke) {
    remove_sa(sa, ke.error());
    return;
  }
  sa.ke = ke.take();
  debug(&sa, "Initiating IKE SA for " + t->interface + " with profile '" + profile->name + "' to " +
                 config::format_ipv4(t->peer));
  send_init_request(sa);
}

bool Engine::Impl::send_init_request(IkeSa& sa) {
  Message req{Header{sa.spi_i, 0, 2, 0, ExchangeType::kIkeSaInit, kFlagInitiator, 0}, {}};
  // RFC 7296 2.6: a COOKIE to return goes first.
  if (!sa.cookie.empty()) req.payloads.push_back(make(notify(NotifyType::kCookie, sa.cookie)));
  req.payloads.push_back(make(SaPayload{sa.offered}));
  req.payloads.push_back(make(KePayload{sa.ke->group(), sa.ke->public_value()}));
  req.payloads.push_back(make(NoncePayload{sa.ni}));
  auto src = nat_detection_hash(sa.spi_i, 0, sa.local.addr, sa.local.port);
  auto dst = nat_detection_hash(sa.spi_i, 0, sa.remote.addr, sa.remote.port);
  if (src && dst) {
    req.payloads.push_back(make(notify(NotifyType::kNatDetectionSourceIp, *src)));
    req.payloads.push_back(make(notify(NotifyType::kNatDetectionDestinationIp, *dst)));
  }
  if (opt_.fragmentation) req.payloads.push_back(make(notify(NotifyType::kIkev2FragmentationSupported)));
  req.payloads.push_back(make(signature_hash_algorithms(kOurHashes)));
  auto bytes = serialize(req);
  if (!bytes) {
    remove_sa(sa, bytes.error());
    return false;
  }
  sa.init_i = bytes.take();
  Request r;
  r.kind = RequestKind::kInit;
  r.exchange = ExchangeType::kIkeSaInit;
  r.datagrams = {sa.init_i};
  r.timeout = opt_.retransmit_timeout;
  r.next_send = now_ + r.timeout;
  sa.pending = std::move(r);
  sa.next_request_id = 1;
  log_packet(sa, true, req.header, req.payloads, sa.local, sa.remote);
  send_datagrams(sa, sa.pending->datagrams);
  return true;
}

void Engine::Impl::on_init_response(IkeSa& sa, const Message& m, ByteView raw, const Endpoint& local,
                                    const Endpoint& remote, Clock::time_point now) {
  log_packet(sa, false, m.header, m.payloads, local, remote);
  debug(&sa, "Processing IKE_SA_INIT message");
  sa.last_heard = now;
  if (auto cookies = m.notifies(NotifyType::kCookie); !cookies.empty()) {
    if (++sa.init_attempts > kMaxInitRestarts) return remove_sa(sa, "peer keeps asking for a COOKIE");
    sa.cookie = cookies.front()->data;
    debug(&sa, "Received COOKIE notify, resending IKE_SA_INIT with the cookie");
    send_init_request(sa);
    return;
  }
  if (auto ke = m.notifies(NotifyType::kInvalidKePayload); !ke.empty()) {
    auto group = invalid_ke_group(*ke.front());
    debug(&sa, "Received INVALID_KE_PAYLOAD notify, peer wants group " + (group ? std::to_string(*group) : "?"));
    if (!group || !offers_group(sa.offered, *group) || ++sa.init_attempts > kMaxInitRestarts)
      return remove_sa(sa, "peer asks for a DH group we did not offer");
    auto fresh = new_ke(*group);
    if (!fresh) return remove_sa(sa, fresh.error());
    sa.ke = fresh.take();
    send_init_request(sa);
    return;
  }
  for (const Payload& p : m.payloads)
    if (const NotifyPayload* n = p.as<NotifyPayload>(); n && is_error(n->type)) {
      debug(&sa, "Received " + notify_name(n->type) + " notify");
      return remove_sa(sa, "peer sent " + notify_name(n->type));
    }

  const Payload* sa_p = m.find(PayloadType::kSa);
  const Payload* ke_p = m.find(PayloadType::kKe);
  const Payload* nr_p = m.find(PayloadType::kNonce);
  if (!sa_p || !ke_p || !nr_p || m.header.spi_r == 0) return remove_sa(sa, "IKE_SA_INIT response lacks SA, KE or Nr");
  const SaPayload& chosen = *sa_p->as<SaPayload>();
  // The answer must be one proposal, one of ours narrowed to one
  // transform per type.
  if (chosen.proposals.size() != 1 || !select_proposal(chosen.proposals, sa.offered))
    return remove_sa(sa, "peer chose a proposal we did not offer");
  auto suite = ike_suite(chosen.proposals.front());
  if (!suite) return remove_sa(sa, suite.error());
  const KePayload& ke = *ke_p->as<KePayload>();
  if (suite->dh != sa.ke->group() || ke.group != sa.ke->group())
    return remove_sa(sa, "peer's KE does not use our group");
  auto g_ir = sa.ke->shared_secret(ke.data);
  if (!g_ir) return remove_sa(sa, "invalid KE from peer: " + g_ir.error());

  sa.spi_r = m.header.spi_r;
  sa.suite = *suite;
  sa.nr = nr_p->as<NoncePayload>()->data;
  auto seed = skeyseed(sa.suite.prf, sa.ni, sa.nr, *g_ir);
  if (!seed) return remove_sa(sa, seed.error());
  auto keys = derive_ike_keys(sa.suite, *seed, sa.ni, sa.nr, sa.spi_i, sa.spi_r);
  if (!keys) return remove_sa(sa, keys.error());
  sa.keys = keys.take();
  sa.init_r.assign(raw.begin(), raw.end());

  auto src = nat_detection_hash(sa.spi_i, sa.spi_r, remote.addr, remote.port);
  auto dst = nat_detection_hash(sa.spi_i, sa.spi_r, local.addr, local.port);
  if (src && dst) {
    sa.nat_remote = nat_seen(m, NotifyType::kNatDetectionSourceIp, *src);
    sa.nat_local = nat_seen(m, NotifyType::kNatDetectionDestinationIp, *dst);
  }
  sa.peer_fragmentation = !m.notifies(NotifyType::kIkev2FragmentationSupported).empty();
  for (const NotifyPayload* n : m.notifies(NotifyType::kSignatureHashAlgorithms))
    sa.peer_sig_hashes = signature_hashes(*n);
  sa.peer_certreq.clear();
  for (const Payload& p : m.payloads) {
    if (p.type != PayloadType::kCertReq) continue;
    const CertPayload& c = *p.as<CertPayload>();
    if (auto hashes = pki::parse_certreq_ikev2(c.encoding, c.data))
      sa.peer_certreq.insert(sa.peer_certreq.end(), hashes->begin(), hashes->end());
  }
  if (sa.nat_local) debug(&sa, "NAT INSIDE found");
  if (sa.nat_remote) debug(&sa, "NAT OUTSIDE found");
  if (sa.nat()) {
    sa.local.port = opt_.natt_port;
    sa.remote.port = opt_.natt_port;
    debug(&sa, "NAT detected float to init port " + std::to_string(sa.local.port) + ", resp port " +
                   std::to_string(sa.remote.port));
  }
  sa.pending.reset();
  start_auth(sa, now);
}

// ---------------------------------------------------------------- responder

void Engine::Impl::on_init_request(const Message& m, ByteView raw, const Endpoint& local, const Endpoint& remote,
                                   Clock::time_point now) {
  const Header& h = m.header;
  auto key = std::make_tuple(remote.addr, remote.port, h.spi_i);
  if (auto it = half_open_.find(key); it != half_open_.end()) {
    IkeSa* sa = find_sa(it->second);
    if (sa && sa->init_i.size() == raw.size() && std::equal(raw.begin(), raw.end(), sa->init_i.begin())) {
      counters_.rx_retransmit++;
      debug(sa, "Received retransmitted IKE_SA_INIT, resending response");
      host_.send(local, remote, sa->init_r);
    } else {
      counters_.rx_unexpected++;
    }
    return;
  }
  const Payload* sa_p = m.find(PayloadType::kSa);
  const Payload* ke_p = m.find(PayloadType::kKe);
  const Payload* ni_p = m.find(PayloadType::kNonce);
  if (!sa_p || !ke_p || !ni_p) {
    counters_.rx_invalid++;
    debug(nullptr, "Dropping IKE_SA_INIT without SA, KE or Ni from " + config::format_ipv4(remote.addr));
    return;
  }
  const Bytes& ni = ni_p->as<NoncePayload>()->data;

  // Answers that keep no state: COOKIE, NO_PROPOSAL_CHOSEN, INVALID_KE.
  auto stateless = [&](NotifyPayload n) {
    Message resp{Header{h.spi_i, 0, 2, 0, ExchangeType::kIkeSaInit, kFlagResponse, 0}, {make(std::move(n))}};
    if (auto bytes = serialize(resp)) host_.send(local, remote, *bytes);
  };

  size_t half_open = 0;
  for (const auto& [spi, sa] : sas_) half_open += sa->state == SaState::kInitDone;
  if (half_open >= opt_.cookie_threshold) {
    Bytes want = cookie_for(ni, remote.addr, h.spi_i, 0);
    const NotifyPayload* first = m.payloads.front().as<NotifyPayload>();
    if (!first || first->type != NotifyType::kCookie || first->data != want) {
      counters_.cookies_sent++;
      debug(nullptr, "Half-open SAs at the limit (" + std::to_string(half_open) + "): sending COOKIE to " +
                         config::format_ipv4(remote.addr));
      stateless(notify(NotifyType::kCookie, want));
      return;
    }
  }

  IkeSa& sa = new_sa(false, now);
  sa.state = SaState::kInitDone;
  sa.spi_i = h.spi_i;
  sa.local = local;
  sa.remote = remote;
  log_packet(sa, false, h, m.payloads, local, remote);
  debug(&sa, "Processing IKE_SA_INIT message");

  std::vector<Proposal> mine;
  for (const config::Ikev2Proposal& p : ike_proposals_for(cfg_, local.addr))
    if (auto prop = ike_proposal(p, static_cast<uint8_t>(mine.size() + 1))) mine.push_back(prop.take());
  const KePayload& ke = *ke_p->as<KePayload>();
  auto sel = select_proposal(sa_p->as<SaPayload>()->proposals, mine, ke.group);
  auto suite = sel ? ike_suite(sel->chosen) : ike::Result<IkeSuite>(ike::Error{"no proposal"});
  if (!sel || !suite) {
    debug(&sa, "Failed to find a matching policy");
    debug(&sa, "Sending no proposal chosen notify");
    stateless(notify(NotifyType::kNoProposalChosen));
    return remove_sa(sa, "no matching IKE proposal");
  }
  if (suite->dh != ke.group) {
    debug(&sa, "Sending invalid ke notify: peer's KE is group " + std::to_string(ke.group) + ", policy says group " +
                   std::to_string(suite->dh));
    stateless(invalid_ke(suite->dh));
    return remove_sa(sa, "KE group mismatch (INVALID_KE_PAYLOAD sent)");
  }
  auto my_ke = new_ke(suite->dh);
  if (!my_ke) return remove_sa(sa, my_ke.error());
  auto g_ir = my_ke->shared_secret(ke.data);
  if (!g_ir) {
    debug(&sa, "Invalid KE payload from peer: " + g_ir.error());
    return remove_sa(sa, "invalid KE from peer");
  }
  sa.ke = my_ke.take();
  sa.suite = *suite;
  sa.ni = ni;
  sa.nr = random(kNonceLen);
  auto seed = skeyseed(sa.suite.prf, sa.ni, sa.nr, *g_ir);
  auto keys = seed ? derive_ike_keys(sa.suite, *seed, sa.ni, sa.nr, sa.spi_i, sa.spi_r)
                   : ike::Result<IkeSaKeys>(ike::Error{seed.error()});
  if (!keys) return remove_sa(sa, keys.error());
  sa.keys = keys.take();
  sa.init_i.assign(raw.begin(), raw.end());

  auto src_seen = nat_detection_hash(h.spi_i, 0, remote.addr, remote.port);
  auto dst_seen = nat_detection_hash(h.spi_i, 0, local.addr, local.port);
  if (src_seen && dst_seen) {
    sa.nat_remote = nat_seen(m, NotifyType::kNatDetectionSourceIp, *src_seen);
    sa.nat_local = nat_seen(m, NotifyType::kNatDetectionDestinationIp, *dst_seen);
  }
  if (sa.nat_local) debug(&sa, "NAT INSIDE found");
  if (sa.nat_remote) debug(&sa, "NAT OUTSIDE found");
  sa.peer_fragmentation = !m.notifies(NotifyType::kIkev2FragmentationSupported).empty();
  for (const NotifyPayload* n : m.notifies(NotifyType::kSignatureHashAlgorithms))
    sa.peer_sig_hashes = signature_hashes(*n);

  Message resp{Header{sa.spi_i, sa.spi_r, 2, 0, ExchangeType::kIkeSaInit, kFlagResponse, 0}, {}};
  Proposal chosen = sel->chosen;
  resp.payloads.push_back(make(SaPayload{{chosen}}));
  resp.payloads.push_back(make(KePayload{sa.ke->group(), sa.ke->public_value()}));
  resp.payloads.push_back(make(NoncePayload{sa.nr}));
  auto src = nat_detection_hash(sa.spi_i, sa.spi_r, local.addr, local.port);
  auto dst = nat_detection_hash(sa.spi_i, sa.spi_r, remote.addr, remote.port);
  if (src && dst) {
    resp.payloads.push_back(make(notify(NotifyType::kNatDetectionSourceIp, *src)));
    resp.payloads.push_back(make(notify(NotifyType::kNatDetectionDestinationIp, *dst)));
  }
  // Every trust-point, in store order: the responder cannot know the
  // profile before IDi arrives.
  pki::CertReq req = pki::build_certreq_ikev2(trustpoints_);
  if (!req.body.empty()) resp.payloads.push_back(make(PayloadType::kCertReq, CertPayload{req.type, req.body}));
  if (opt_.fragmentation) resp.payloads.push_back(make(notify(NotifyType::kIkev2FragmentationSupported)));
  resp.payloads.push_back(make(signature_hash_algorithms(kOurHashes)));
  auto bytes = serialize(resp);
  if (!bytes) return remove_sa(sa, bytes.error());
  sa.init_r = bytes.take();
  sa.expected_request_id = 1;
  half_open_[key] = sa.spi_r;
  log_packet(sa, true, resp.header, resp.payloads, local, remote);
  host_.send(local, remote, sa.init_r);
}

}  // namespace keyway::ikev2
