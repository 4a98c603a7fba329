// IKE_AUTH (RFC 7296 1.2, 2.15), both roles, with IOS's certificate and
// profile rules from the seed:
//   - the initiator signs with the trust-point of its profile's `pki
//     trustpoint` list that matches the first CERTREQ hash it can satisfy
//     (pki::choose_ikev2); without `pki trustpoint` it cannot sign: "Failed
//     to build certificate payload";
//   - the responder binds its profile after IDi (profile_select.h), signs
//     with a trust-point matching the initiator's CERTREQ (any of its
//     trust-points when the profile lists none), and validates the peer's
//     certificate against the profile's trust-points (all of them when the
//     profile lists none); failure answers AUTHENTICATION_FAILED;
//   - a profile that is not the one the tunnel's IPsec profile binds makes
//     the child SA fail with TS_UNACCEPTABLE (child_create.cpp).
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <algorithm>

#include "control/ikev2/auth.h"
#include "control/ikev2/engine_impl.h"
#include "control/ikev2/profile_select.h"
#include "pki/certreq.h"
#include "pki/certreq_match.h"
#include "pki/validate.h"

namespace keyway::ikev2 {
namespace {

using config::IkeAuthMethod;

std::vector<pki::Trustpoint> restrict(const std::vector<pki::Trustpoint>& all, const std::vector<std::string>& names) {
  if (names.empty()) return all;
  std::vector<pki::Trustpoint> out;
  for (const pki::Trustpoint& tp : all)
    if (std::find(names.begin(), names.end(), tp.name) != names.end()) out.push_back(tp);
  return out;
}

// With no CERTREQ from the peer, any CA will do: the trust-points' own CA
// hashes in store order, so the first usable one is taken.
std::vector<pki::Sha1> hashes_or_any(const std::vector<pki::Sha1>& requested, const std::vector<pki::Trustpoint>& tps) {
  if (!requested.empty()) return requested;
  std::vector<pki::Sha1> out;
  for (const pki::Trustpoint& tp : tps)
    if (tp.ca) out.push_back(tp.ca->spki_sha1());
  return out;
}

bool is_ec(EVP_PKEY* key) { return key && EVP_PKEY_base_id(key) == EVP_PKEY_EC; }

// The IOS word for the peer's method, and the configuration method that
// must be among the profile's `authentication remote` ones.
struct PeerMethod {
  const char* name;
  IkeAuthMethod config;
};

PeerMethod peer_method(AuthMethod m, EVP_PKEY* cert_key) {
  switch (m) {
    case AuthMethod::kPsk:
      return {"PSK", IkeAuthMethod::kPreShare};
    case AuthMethod::kRsaSig:
      return {"RSA", IkeAuthMethod::kRsaSig};
    case AuthMethod::kEcdsa256:
    case AuthMethod::kEcdsa384:
    case AuthMethod::kEcdsa521:
      return {"ECDSA", IkeAuthMethod::kEcdsaSig};
    default:
      return is_ec(cert_key) ? PeerMethod{"ECDSA", IkeAuthMethod::kEcdsaSig}
                             : PeerMethod{"RSA", IkeAuthMethod::kRsaSig};
  }
}

Bytes spi_bytes(uint32_t spi) {
  Writer w;
  w.be32(spi);
  return w.take();
}

}  // namespace

namespace {

// Signs or MACs our signed octets. `sel` is the chosen trust-point for
// signatures (unset for PSK).
ike::Result<AuthPayload> make_auth(const config::Config& cfg, const EngineOptions& opt, const IkeSa& sa,
                                   const pki::Selection* sel, const Bytes& octets) {
  const config::Ikev2Profile& p = *sa.profile;
  if (*p.authentication_local == IkeAuthMethod::kPreShare) {
    std::string key = psk_local(cfg, p, sa.remote.addr, sa.initiator ? nullptr : &sa.remote_id);
    if (key.empty()) return ike::Error{"no pre-shared key for " + config::format_ipv4(sa.remote.addr)};
    auto data = psk_auth(sa.suite.prf, ByteView(reinterpret_cast<const uint8_t*>(key.data()), key.size()), octets);
    if (!data) return ike::Error{data.error()};
    return AuthPayload{AuthMethod::kPsk, data.take()};
  }
  EVP_PKEY* key = sel->trustpoint->key.get();
  bool peer_sha256 = std::find(sa.peer_sig_hashes.begin(), sa.peer_sig_hashes.end(), SignatureHash::kSha256) !=
                     sa.peer_sig_hashes.end();
  AuthMethod method =
      is_ec(key) || (opt.rfc7427_for_rsa && peer_sha256) ? AuthMethod::kDigitalSignature : AuthMethod::kRsaSig;
  auto data = sign(method, SignatureHash::kSha256, key, octets);
  if (!data) return ike::Error{data.error()};
  return AuthPayload{method, data.take()};
}

}  // namespace

// --------------------------------------------------------------- initiator

void Engine::Impl::start_auth(IkeSa& sa, Clock::time_point now) {
  const config::Ikev2Profile& p = *sa.profile;
  if (!p.authentication_local) return remove_sa(sa, "profile " + p.name + " has no `authentication local`");
  bool psk = *p.authentication_local == IkeAuthMethod::kPreShare;
  std::optional<pki::Selection> sel;
  if (!psk) {
    std::vector<std::string> signs = sign_trustpoints(p);
    std::vector<pki::Sha1> hashes = hashes_or_any(sa.peer_certreq, trustpoints_);
    if (signs.empty()) {
      // The seed's "IKEv2 Mandatory Trust-point for the Initiator": the
      // requested CAs are looked up, but nothing may sign.
      for (const pki::Sha1& h : hashes)
        for (const pki::Trustpoint& tp : trustpoints_) {
          if (!tp.ca || tp.ca->spki_sha1() != h) continue;
          debug(&sa, "[IKEv2 -> PKI] Retrieving trustpoint(s) from received certificate hash(es)");
          debug(&sa, "[PKI -> IKEv2] Retrieved trustpoint(s): '" + tp.name + "'");
          debug_line("CRYPTO_PKI: Trust-Point " + tp.name + " picked up");
          debug_line("CRYPTO_PKI: 1 matching trustpoints found");
        }
      debug(&sa, "Failed to build certificate payload");
      return remove_sa(sa, "profile " + p.name + " has no pki trustpoint to sign with");
    }
    sel = pki::choose_ikev2(hashes, trustpoints_, &signs, pki_sink(sa));
    if (!sel->ok()) {
      debug(&sa, "Failed to build certificate payload");
      return remove_sa(sa, sel->reason);
    }
    sa.local_trustpoint = sel->trustpoint->name;
  }
  sa.local_id = local_identity(p, sa.local.addr, sel ? &sel->chain.front() : nullptr);

  auto policy = child_policy(&sa, *sa.tunnel);
  if (!policy) return remove_sa(sa, "no usable IPsec profile for the tunnel");
  uint32_t spi_in = new_child_spi();
  std::vector<Proposal> esp = esp_proposals(*policy, spi_in, std::nullopt);
  if (esp.empty()) {
    child_spis_.erase(spi_in);
    return remove_sa(sa, "the IPsec profile has no transform set the data plane runs");
  }

  auto octets = signed_octets(sa.init_i, sa.nr, sa.suite.prf, sa.keys.sk_pi, sa.local_id);
  auto auth = octets ? make_auth(cfg_, opt_, sa, sel ? &*sel : nullptr, *octets)
                     : ike::Result<AuthPayload>(ike::Error{octets.error()});
  if (!auth) {
    child_spis_.erase(spi_in);
    debug(&sa, "Failed to compute AUTH: " + auth.error());
    return remove_sa(sa, auth.error());
  }
  sa.local_auth = auth->method;

  std::vector<Payload> payloads;
  payloads.push_back(make(PayloadType::kIdi, sa.local_id));
  if (sel)
    for (const pki::Certificate& c : sel->chain)
      payloads.push_back(make(PayloadType::kCert, CertPayload{kCertX509Signature, c.der()}));
  bool wants_cert = std::any_of(p.authentication_remote.begin(), p.authentication_remote.end(),
                                [](IkeAuthMethod m) { return m != IkeAuthMethod::kPreShare; });
  if (wants_cert) {
    pki::CertReq req = pki::build_certreq_ikev2(restrict(trustpoints_, verify_trustpoints(p)));
    if (!req.body.empty()) payloads.push_back(make(PayloadType::kCertReq, CertPayload{req.type, req.body}));
  }
  payloads.push_back(make(auth.take()));
  bool other = std::any_of(sas_.begin(), sas_.end(), [&](const auto& e) {
    return e.second.get() != &sa && e.second->remote.addr == sa.remote.addr && e.second->was_established;
  });
  if (!other) payloads.push_back(make(notify(NotifyType::kInitialContact)));
  payloads.push_back(make(SaPayload{esp}));
  payloads.push_back(make(PayloadType::kTsi, TsPayload{{ipv4_any()}}));
  payloads.push_back(make(PayloadType::kTsr, TsPayload{{ipv4_any()}}));

  Request r;
  r.kind = RequestKind::kAuth;
  r.exchange = ExchangeType::kIkeAuth;
  r.child_spi_in = spi_in;
  r.tunnel = *sa.tunnel;
  r.proposals = std::move(esp);
  set_state(sa, SaState::kAuthSent);
  (void)now;
  if (!start_request(sa, std::move(r), std::move(payloads))) remove_sa(sa, "could not send IKE_AUTH");
}

// Checks the peer's AUTH (and certificate) for `sa` under `sa.profile`.
// Logs the seed's lines; false when the peer is not who it claims.
static bool verify_peer(Engine::Impl& e, IkeSa& sa, const Inbound& in) {
  const config::Ikev2Profile& p = *sa.profile;
  const AuthPayload& auth = *in.find(PayloadType::kAuth)->as<AuthPayload>();
  std::vector<pki::Certificate> certs;
  for (const Payload& pl : in.msg.payloads)
    if (pl.type == PayloadType::kCert) {
      const CertPayload& c = *pl.as<CertPayload>();
      if (c.encoding != kCertX509Signature) continue;
      auto cert = pki::Certificate::from_der(c.data);
      if (!cert) {
        e.debug(&sa, "Bad certificate from peer: " + cert.error());
        return false;
      }
      certs.push_back(cert.take());
    }
  EVP_PKEY* peer_key = certs.empty() ? nullptr : X509_get0_pubkey(certs.front().x509());

  e.debug(&sa, "Get peer's authentication method");
  PeerMethod m = peer_method(auth.method, peer_key);
  e.debug(&sa, std::string("Peer's authentication method is '") + m.name + "'");
  if (std::find(p.authentication_remote.begin(), p.authentication_remote.end(), m.config) ==
      p.authentication_remote.end()) {
    e.debug(&sa, "Peer's authentication method is not allowed by profile " + p.name);
    return false;
  }
  bool peer_is_initiator = !sa.initiator;
  auto octets = peer_is_initiator ? signed_octets(sa.init_i, sa.nr, sa.suite.prf, sa.keys.sk_pi, sa.remote_id)
                                  : signed_octets(sa.init_r, sa.ni, sa.suite.prf, sa.keys.sk_pr, sa.remote_id);
  if (!octets) return false;
  sa.remote_auth = auth.method;

  if (auth.method == AuthMethod::kPsk) {
    std::string key = psk_remote(e.cfg_, p, sa.remote.addr, &sa.remote_id);
    if (key.empty()) {
      e.debug(&sa, "Failed to locate the pre-shared key for the peer");
      return false;
    }
    return psk_auth_ok(sa.suite.prf, ByteView(reinterpret_cast<const uint8_t*>(key.data()), key.size()), *octets,
                       auth.data);
  }
  if (certs.empty()) {
    e.debug(&sa, "Peer sent no certificate");
    return false;
  }
  pki::ValidationInput vin{certs.front(), std::vector<pki::Certificate>(certs.begin() + 1, certs.end()),
                           to_peer_id(sa.remote_id), e.opt_.wall_clock ? e.opt_.wall_clock() : 0, ""};
  e.debug(&sa, "[IKEv2 -> PKI] Validating certificate chain");
  pki::ValidationResult v = pki::validate(restrict(e.trustpoints_, verify_trustpoints(p)), vin, e.pki_sink(sa));
  if (!v.ok()) {
    e.debug(&sa, "[PKI -> IKEv2] Validation of certificate chain FAILED");
    return false;
  }
  e.debug(&sa, "[PKI -> IKEv2] Validation of certificate chain PASSED");
  if (auto s = verify_signature(auth.method, peer_key, *octets, auth.data); !s) {
    e.debug(&sa, "Signature check failed: " + s.error());
    return false;
  }
  return true;
}

void Engine::Impl::on_auth_response(IkeSa& sa, const Inbound& in) {
  debug(&sa, "Processing IKE_AUTH message");
  Request req = std::move(*sa.pending);
  sa.pending.reset();
  if (in.notify(NotifyType::kAuthenticationFailed)) {
    child_spis_.erase(req.child_spi_in);
    debug(&sa, "Received AUTHENTICATION_FAILED notify");
    debug(&sa, "Auth exchange failed");
    return remove_sa(sa, "peer sent AUTHENTICATION_FAILED");
  }
  const Payload* idr = in.find(PayloadType::kIdr);
  const Payload* auth = in.find(PayloadType::kAuth);
  if (!idr || !auth) {
    child_spis_.erase(req.child_spi_in);
    const NotifyPayload* err = in.error();
    debug(&sa, "Auth exchange failed" + (err ? ": peer sent " + notify_name(err->type) : std::string()));
    return remove_sa(sa, err ? "peer sent " + notify_name(err->type) : "IKE_AUTH response without IDr or AUTH");
  }
  sa.remote_id = *idr->as<IdPayload>();
  if (!profile_specificity(*sa.profile, sa.remote_id)) {
    child_spis_.erase(req.child_spi_in);
    debug(&sa, "Peer's identity " + ios_identity(sa.remote_id) + " does not match profile '" + sa.profile->name + "'");
    debug(&sa, "Auth exchange failed");
    // The responder has its SA up already: RFC 7296 2.21.2 tells it so.
    debug(&sa, "Sending authentication failure notify");
    send_oneshot(sa, {make(notify(NotifyType::kAuthenticationFailed))});
    return remove_sa(sa, "peer's identity does not match the profile");
  }
  if (!verify_peer(*this, sa, in)) {
    child_spis_.erase(req.child_spi_in);
    debug(&sa, "Verification of peer's authentication data FAILED");
    debug(&sa, "Auth exchange failed");
    debug(&sa, "Sending authentication failure notify");
    send_oneshot(sa, {make(notify(NotifyType::kAuthenticationFailed))});
    return remove_sa(sa, "peer's authentication failed");
  }
  set_state(sa, SaState::kEstablished);
  sa.was_established = true;
  sa.established = in.now;
  sa.expires = in.now + std::chrono::seconds(sa.profile->lifetime_s);
  sa.rekey_at = in.now + std::chrono::duration_cast<Clock::duration>(
                             std::chrono::duration<double>(sa.profile->lifetime_s * opt_.ike_soft));
  event("%IKEV2-5-SA_UP: SA UP: Local " + config::format_ipv4(sa.local.addr) + "/" + std::to_string(sa.local.port) +
        " Remote " + config::format_ipv4(sa.remote.addr) + "/" + std::to_string(sa.remote.port) +
        " (SA ID = " + std::to_string(sa.id) + ")");

  const Payload* sa_p = in.find(PayloadType::kSa);
  const NotifyPayload* err = in.error();
  if (err || !sa_p || !in.find(PayloadType::kTsi) || !in.find(PayloadType::kTsr)) {
    child_spis_.erase(req.child_spi_in);
    std::string why = err ? notify_name(err->type) : std::string("no SA payload");
    debug(&sa, "Received " + why + " notify: no child SA");
    // IOS tears an IKE SA without its tunnel's child SA down again.
    start_delete_ike(sa, "child SA refused by peer (" + why + ")", in.now);
    return;
  }
  const SaPayload& chosen = *sa_p->as<SaPayload>();
  if (chosen.proposals.size() != 1 || chosen.proposals.front().spi.size() != 4 ||
      !select_proposal(chosen.proposals, req.proposals)) {
    child_spis_.erase(req.child_spi_in);
    start_delete_ike(sa, "peer chose an ESP proposal we did not offer", in.now);
    return;
  }
  if (ts_narrowed_by_peer(sa, in)) {
    // As IOS does for a VTI: the child SA is not installed, the peer's half
    // is deleted (our inbound SPI names the pair), then the IKE SA, which
    // has no child SA for its tunnel (ENGINE.md, Decisions).
    sa.close_reason = "traffic selectors narrowed by the peer";
    child_spis_.erase(req.child_spi_in);
    sa.queue.push_front({RequestKind::kDeleteChild, req.child_spi_in});
    sa.queue.push_back({RequestKind::kDeleteIke, 0});
    run_queue(sa);
    return;
  }
  const Bytes& s = chosen.proposals.front().spi;
  uint32_t spi_out = uint32_t{s[0]} << 24 | uint32_t{s[1]} << 16 | uint32_t{s[2]} << 8 | s[3];
  if (!install_child(sa, req.tunnel, chosen.proposals.front(), req.child_spi_in, spi_out, {}, sa.ni, sa.nr, true,
                     in.now)) {
    start_delete_ike(sa, "child SA could not be installed", in.now);
    return;
  }
  run_queue(sa);
}

// --------------------------------------------------------------- responder

void Engine::Impl::on_auth_request(IkeSa& sa, const Inbound& in) {
  debug(&sa, "Processing IKE_AUTH message");
  const Payload* idi = in.find(PayloadType::kIdi);
  const Payload* auth = in.find(PayloadType::kAuth);
  if (!idi || !auth) {
    send_response(sa, in, {make(notify(NotifyType::kInvalidSyntax))});
    return remove_sa(sa, "IKE_AUTH request without IDi or AUTH");
  }
  sa.remote_id = *idi->as<IdPayload>();
  auto fail = [&](const std::string& why) {
    debug(&sa, "Verification of peer's authentication data FAILED");
    debug(&sa, "Sending authentication failure notify");
    send_response(sa, in, {make(notify(NotifyType::kAuthenticationFailed))});
    remove_sa(sa, why);
  };

  debug(&sa, "Searching policy based on peer's identity " + ios_identity(sa.remote_id));
  const config::Ikev2Profile* profile = select_profile(cfg_, sa.remote_id);
  if (!profile) {
    debug(&sa, "Failed to locate an item in the database");
    debug(&sa, "There is no IKEv2 profile matching the peer's identity");
    return fail("no IKEv2 profile matches the peer's identity");
  }
  debug_line("IKEv2:found matching IKEv2 profile '" + profile->name + "'");
  sa.profile = profile;
  if (!profile->authentication_local) return fail("profile " + profile->name + " has no `authentication local`");

  sa.peer_certreq.clear();
  for (const Payload& p : in.msg.payloads) {
    if (p.type != PayloadType::kCertReq) continue;
    const CertPayload& c = *p.as<CertPayload>();
    if (auto hashes = pki::parse_certreq_ikev2(c.encoding, c.data))
      sa.peer_certreq.insert(sa.peer_certreq.end(), hashes->begin(), hashes->end());
  }
  // Our own certificate first (IOS's order in the seed), then the peer's.
  std::optional<pki::Selection> sel;
  if (*profile->authentication_local != IkeAuthMethod::kPreShare) {
    std::vector<std::string> signs = sign_trustpoints(*profile);
    sel = pki::choose_ikev2(hashes_or_any(sa.peer_certreq, trustpoints_), trustpoints_,
                            signs.empty() ? nullptr : &signs, pki_sink(sa));
    if (!sel->ok()) {
      debug(&sa, "Failed to build certificate payload");
      return fail("no certificate to answer with: " + sel->reason);
    }
    sa.local_trustpoint = sel->trustpoint->name;
  }
  if (!verify_peer(*this, sa, in)) return fail("peer's authentication failed");

  sa.local_id = local_identity(*profile, sa.local.addr, sel ? &sel->chain.front() : nullptr);
  auto octets = signed_octets(sa.init_r, sa.ni, sa.suite.prf, sa.keys.sk_pr, sa.local_id);
  auto own = octets ? make_auth(cfg_, opt_, sa, sel ? &*sel : nullptr, *octets)
                    : ike::Result<AuthPayload>(ike::Error{octets.error()});
  if (!own) {
    debug(&sa, "Failed to compute AUTH: " + own.error());
    return fail(own.error());
  }
  sa.local_auth = own->method;

  set_state(sa, SaState::kEstablished);
  sa.was_established = true;
  sa.established = in.now;
  sa.expires = in.now + std::chrono::seconds(profile->lifetime_s);
  sa.rekey_at = opt_.responder_rekeys_ike
                    ? in.now + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(profile->lifetime_s * opt_.ike_soft))
                    : Clock::time_point::max();
  for (auto it = half_open_.begin(); it != half_open_.end();)
    it = it->second == sa.spi_r ? half_open_.erase(it) : std::next(it);

  if (in.notify(NotifyType::kInitialContact)) {
    // The peer starts afresh: what we still hold from it is stale.
    std::vector<IkeSa*> stale;
    for (auto& [spi, other] : sas_)
      if (other.get() != &sa && other->state == SaState::kEstablished && other->remote.addr == sa.remote.addr &&
          other->remote_id == sa.remote_id)
        stale.push_back(other.get());
    for (IkeSa* o : stale) remove_sa(*o, "INITIAL_CONTACT from the peer");
  }

  std::vector<Payload> resp;
  resp.push_back(make(PayloadType::kIdr, sa.local_id));
  if (sel)
    for (const pki::Certificate& c : sel->chain)
      resp.push_back(make(PayloadType::kCert, CertPayload{kCertX509Signature, c.der()}));
  resp.push_back(make(own.take()));

  // The first child SA.
  const Payload* sa_p = in.find(PayloadType::kSa);
  std::optional<uint32_t> t = responder_tunnel(sa, in);
  // Both ends initiated at once: each side then has one IKE SA it started
  // and one it answers. Both keep the one whose initiator SPI is lower
  // (the same two numbers on both sides), so one tunnel survives.
  const IkeSa* ours = nullptr;
  for (const auto& [spi, other] : sas_)
    if (t && other.get() != &sa && other->initiator && other->tunnel == *t && other->state != SaState::kDeleting)
      ours = other.get();
  if (ours && ours->spi_i < sa.spi_i) {
    debug(&sa, "Simultaneous initiation: keeping the IKE SA we initiated (SA ID = " + std::to_string(ours->id) + ")");
    resp.push_back(make(notify(NotifyType::kTemporaryFailure)));
  } else if (!t) {
    resp.push_back(make(notify(NotifyType::kTsUnacceptable)));
  } else if (!sa_p) {
    resp.push_back(make(notify(NotifyType::kNoProposalChosen)));
  } else {
    sa.tunnel = *t;
    auto policy = child_policy(&sa, *t);
    uint32_t spi_in = new_child_spi();
    // IKE_AUTH carries no KE: DH transforms offered here are ignored
    // (RFC 7296 1.2).
    std::vector<Proposal> offered = sa_p->as<SaPayload>()->proposals;
    for (Proposal& p : offered)
      std::erase_if(p.transforms, [](const Transform& x) { return x.type == TransformType::kDh; });
    auto chosen = policy ? select_proposal(offered, esp_proposals(*policy, spi_in, std::nullopt)) : std::nullopt;
    ChildSa* child = nullptr;
    if (chosen && chosen->chosen.spi.size() == 4) {
      const Bytes& s = chosen->chosen.spi;
      uint32_t spi_out = uint32_t{s[0]} << 24 | uint32_t{s[1]} << 16 | uint32_t{s[2]} << 8 | s[3];
      child = install_child(sa, *t, chosen->chosen, spi_in, spi_out, {}, sa.ni, sa.nr, false, in.now);
    } else {
      debug(&sa, "Failed to find a matching IPsec proposal");
    }
    if (!child) {
      child_spis_.erase(spi_in);
      resp.push_back(make(notify(NotifyType::kNoProposalChosen)));
    } else {
      Proposal answer = chosen->chosen;
      answer.spi = spi_bytes(spi_in);
      resp.push_back(make(SaPayload{{answer}}));
      resp.push_back(make(PayloadType::kTsi, TsPayload{{ipv4_any()}}));
      resp.push_back(make(PayloadType::kTsr, TsPayload{{ipv4_any()}}));
    }
  }
  send_response(sa, in, std::move(resp));
  event("%IKEV2-5-SA_UP: SA UP: Local " + config::format_ipv4(sa.local.addr) + "/" + std::to_string(sa.local.port) +
        " Remote " + config::format_ipv4(sa.remote.addr) + "/" + std::to_string(sa.remote.port) +
        " (SA ID = " + std::to_string(sa.id) + ")");
}

}  // namespace keyway::ikev2
