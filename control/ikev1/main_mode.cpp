// Main Mode (RFC 2409 5), both roles:
//
//   Initiator                          Responder
//   MM1  HDR, SA, VID                  ->
//                                      <- MM2  HDR, SA, VID
//   MM3  HDR, KE, Ni, [CR...], NAT-D   ->
//                                      <- MM4  HDR, KE, Nr, [CR...], NAT-D
//   MM5  HDR*, IDii, [CERT, SIG | HASH_I], [N(INITIAL-CONTACT)] ->
//                                      <- MM6  HDR*, IDir, [CERT, SIG | HASH_R]
//
// The seed's rules live here: which CRs MM3 and MM4 carry, the first-match
// choice of our certificate, the responder's profile binding from IDii and
// validation against the bound profile's trust-points only.
#include <arpa/inet.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <algorithm>

#include "control/ikev1/engine_impl.h"
#include "control/ikev1/vendor_ids.h"
#include "control/policy/certificate_map.h"
#include "pki/certreq.h"
#include "pki/dn.h"
#include "pki/validate.h"

namespace keyway::ikev1 {

namespace {

Bytes body_of(const SaPayload& sa) {
  Writer w;
  write(sa, w);
  return w.take();
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool ends_with_domain(std::string_view name, std::string_view domain) {
  if (domain.empty() || name.size() < domain.size()) return false;
  return iequals(name.substr(name.size() - domain.size()), domain);
}

std::string id_text(const IdPayload& id) {
  if (id.type == static_cast<uint8_t>(IdType::kIpv4) && id.data.size() == 4)
    return config::format_ipv4(uint32_t{id.data[0]} << 24 | uint32_t{id.data[1]} << 16 | uint32_t{id.data[2]} << 8 |
                               id.data[3]);
  if (id.type == static_cast<uint8_t>(IdType::kDerAsn1Dn)) {
    const uint8_t* p = id.data.data();
    X509_NAME* n = d2i_X509_NAME(nullptr, &p, static_cast<long>(id.data.size()));
    if (!n) return "<bad DN>";
    std::string s = pki::format_dn(n);
    X509_NAME_free(n);
    return s;
  }
  return std::string(id.data.begin(), id.data.end());
}

const char* id_type_word(uint8_t t) {
  switch (static_cast<IdType>(t)) {
    case IdType::kIpv4:
      return "ID_IPV4_ADDR";
    case IdType::kFqdn:
      return "ID_FQDN";
    case IdType::kUserFqdn:
      return "ID_USER_FQDN";
    case IdType::kDerAsn1Dn:
      return "ID_DER_ASN1_DN";
    default:
      return "ID_UNKNOWN";
  }
}

// The label of the ID's value in the "ID payload" debug block, padded as
// the block's other labels are. IOS's words for IPv4 and FQDN; the other
// types are not in the seed and say what they carry.
std::string id_value_label(uint8_t t) {
  switch (static_cast<IdType>(t)) {
    case IdType::kFqdn:
      return "FQDN name    : ";
    case IdType::kUserFqdn:
      return "user FQDN    : ";
    case IdType::kDerAsn1Dn:
      return "Dist. name   : ";
    default:
      return "addr         : ";
  }
}

// The CAs a peer's CERT_REQ payloads name, in the order they came (DER
// DNs; empty: any CA); unparsable ones are skipped.
std::vector<Bytes> cert_requests(const Message& m) {
  std::vector<Bytes> crs;
  for (const Payload* p : m.all(PayloadType::kCr)) {
    auto cr = parse_cr(p->body);
    if (!cr) continue;
    auto dn = pki::parse_certreq_ikev1(cr->encoding, cr->data);
    if (dn) crs.push_back(dn.take());
  }
  return crs;
}

// The peer's end-entity certificate: the first X.509 CERT payload that
// parses (the order verify_auth validates them in); nullopt if none does.
std::optional<pki::Certificate> end_entity_certificate(const Message& m) {
  for (const Payload* p : m.all(PayloadType::kCert)) {
    auto c = parse_cert(p->body);
    if (!c || c->encoding != kCertX509Signature) continue;
    auto cert = pki::Certificate::from_der(c->data);
    if (cert) return cert.take();
  }
  return std::nullopt;
}

}  // namespace

Bytes natd_hash(ike::IkeHash h, uint64_t cky_i, uint64_t cky_r, uint32_t addr, uint16_t port) {
  Bytes in;
  for (int i = 7; i >= 0; --i) in.push_back(static_cast<uint8_t>(cky_i >> (8 * i)));
  for (int i = 7; i >= 0; --i) in.push_back(static_cast<uint8_t>(cky_r >> (8 * i)));
  for (int i = 3; i >= 0; --i) in.push_back(static_cast<uint8_t>(addr >> (8 * i)));
  in.push_back(static_cast<uint8_t>(port >> 8));
  in.push_back(static_cast<uint8_t>(port));
  auto d = digest(h, in);
  return d ? d.take() : Bytes{};
}

ike::Result<Bytes> rsa_sign_hash(EVP_PKEY* key, ByteView hash) {
  if (!key || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) return ike::Error{"IKEv1 rsa-sig needs an RSA key"};
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key, nullptr);
  Bytes out;
  size_t len = 0;
  bool ok = ctx && EVP_PKEY_sign_init(ctx) == 1 && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
            EVP_PKEY_sign(ctx, nullptr, &len, hash.data(), hash.size()) == 1;
  if (ok) {
    out.resize(len);
    ok = EVP_PKEY_sign(ctx, out.data(), &len, hash.data(), hash.size()) == 1;
    out.resize(len);
  }
  EVP_PKEY_CTX_free(ctx);
  if (!ok) return ike::Error{"RSA signing failed"};
  return out;
}

bool rsa_verify_hash(EVP_PKEY* key, ByteView hash, ByteView sig) {
  if (!key || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) return false;
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key, nullptr);
  bool ok = ctx && EVP_PKEY_verify_init(ctx) == 1 && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
            EVP_PKEY_verify(ctx, sig.data(), sig.size(), hash.data(), hash.size()) == 1;
  EVP_PKEY_CTX_free(ctx);
  return ok;
}

// ------------------------------------------------------------- start (MM1)

void Engine::Impl::start_main_mode(const TunnelConfig& t, Clock::time_point now) {
  const config::IsakmpProfile* profile = tunnel_profile(t);
  if (!profile) {
    debug(nullptr, " " + t.interface + ": no ISAKMP profile; not initiating");
    return;
  }
  if (cfg_.isakmp_policies.empty()) {
    debug(nullptr, " no ISAKMP policy configured; not initiating");
    return;
  }
  auto sa = std::make_unique<IsakmpSa>();
  sa->initiator = true;
  sa->tunnel = t.tunnel;
  sa->local = {t.local, opt_.ike_port};
  sa->remote = {t.peer, opt_.ike_port};
  sa->cky_i = random64();
  sa->created = now;
  sa->profile = profile;
  IsakmpSa& s = *sa;
  sas_.push_back(std::move(sa));
  debug(&s, " SA request profile is " + profile->name);
  SaPayload offer = phase1_sa(cfg_.isakmp_policies);
  s.sai_b = body_of(offer);
  Message m;
  m.header.cky_i = s.cky_i;
  m.header.exchange = ExchangeType::kMainMode;
  m.payloads.push_back(Payload{static_cast<uint8_t>(PayloadType::kSa), s.sai_b});
  add_vendor_ids(m.payloads, false);
  debug(&s, " beginning Main Mode exchange");
  set_state(s, P1State::kIMm1);
  send_mm(s, serialize(m));
}

void Engine::Impl::add_vendor_ids(std::vector<Payload>& out, bool responder) {
  out.push_back(make_opaque(PayloadType::kVendor, vid_nat_t_rfc3947().bytes));
  out.push_back(make_opaque(PayloadType::kVendor, vid_dpd().bytes));
  out.push_back(make_opaque(PayloadType::kVendor, vid_cisco_ios().bytes));
  if (responder) out.push_back(make_opaque(PayloadType::kVendor, vid_cisco_unity().bytes));
}

void Engine::Impl::read_vendor_ids(IsakmpSa& sa, const Message& m) {
  for (const Payload* p : m.all(PayloadType::kVendor)) {
    auto name = vendor_name(p->body);
    if (!name) {
      debug(&sa, " processing vendor id payload");
      continue;
    }
    debug(&sa, " vendor ID is " + std::string(*name));
    if (*name == vid_nat_t_rfc3947().name) sa.peer_natt = true;
    if (*name == vid_dpd().name) sa.peer_dpd = true;
  }
}

void Engine::Impl::on_main_mode(IsakmpSa* sa, const Message& m, const Endpoint& local, const Endpoint& remote) {
  if (m.header.message_id != 0) {
    ++counters_.rx_unexpected;
    return;
  }
  switch (sa->state) {
    case P1State::kIMm1:
      mm_initiator_2(*sa, m);
      break;
    case P1State::kRMm2:
      mm_responder_3(*sa, m);
      break;
    case P1State::kIMm3:
      mm_initiator_4(*sa, m);
      break;
    case P1State::kRMm4:
    case P1State::kRMm5:
      // MM5 may come from the NAT-T port now (RFC 3947 4).
      if (m.header.encrypted()) {
        IsakmpSa& s = *sa;
        s.local = local;
        s.remote = remote;
        mm_responder_5(s, m);
      } else {
        ++counters_.rx_unexpected;
      }
      break;
    case P1State::kIMm5:
      mm_initiator_6(*sa, m);
      break;
    default:
      ++counters_.rx_unexpected;
      debug(sa, " unexpected Main Mode message in state " + std::string(state_name(sa->state)));
  }
}

// ----------------------------------------------------- responder: MM1, MM2

void Engine::Impl::mm_responder_1(const Message& m, const Endpoint& local, const Endpoint& remote) {
  const Payload* sap = m.find(PayloadType::kSa);
  if (!sap || m.header.encrypted()) {
    ++counters_.rx_unexpected;
    return;
  }
  auto offered = parse_sa(sap->body);
  if (!offered) {
    ++counters_.rx_invalid;
    return;
  }
  auto match = match_phase1(*offered, cfg_.isakmp_policies);
  auto sa = std::make_unique<IsakmpSa>();
  sa->cky_i = m.header.cky_i;
  sa->local = local;
  sa->remote = remote;
  sa->created = now_;
  IsakmpSa& s = *sa;
  debug(&s, " processing SA payload. message ID = 0");
  if (!match ||
      (match->suite.auth != config::IkeAuthMethod::kPreShare && match->suite.auth != config::IkeAuthMethod::kRsaSig)) {
    ++counters_.p1_failed;
    debug(&s, "atts are not acceptable. Next payload is 0");
    debug(&s, "phase 1 SA policy not acceptable! (local " + config::format_ipv4(local.addr) + " remote " +
                  config::format_ipv4(remote.addr) + ")");
    Message n;
    n.header.cky_i = m.header.cky_i;
    n.header.exchange = ExchangeType::kInformational;
    NotifyPayload np;
    np.type = static_cast<uint16_t>(NotifyType::kNoProposalChosen);
    n.payloads.push_back(make(PayloadType::kNotify, np));
    host_.send(local, remote, serialize(n));
    return;
  }
  debug(&s, "Checking ISAKMP transform " + std::to_string(match->transform) + " against priority " +
                std::to_string(cfg_.isakmp_policies[match->policy].priority) + " policy");
  debug(&s, "atts are acceptable. Next payload is 0");
  sa->cky_r = random64();
  sa->suite = match->suite;
  sa->sai_b = sap->body;
  sas_.push_back(std::move(sa));
  read_vendor_ids(s, m);
  set_state(s, P1State::kRMm1);
  Proposal chosen{offered->proposals[0].number, kProtoIsakmp, {}, {}};
  for (const Transform& t : offered->proposals[0].transforms)
    if (t.number == match->transform) chosen.transforms.push_back(t);
  SaPayload reply{kDoiIpsec, kSituationIdentityOnly, {chosen}};
  Message r;
  r.header.cky_i = s.cky_i;
  r.header.cky_r = s.cky_r;
  r.header.exchange = ExchangeType::kMainMode;
  r.payloads.push_back(make(PayloadType::kSa, reply));
  add_vendor_ids(r.payloads, false);
  set_state(s, P1State::kRMm2);
  send_mm(s, serialize(r));
}

// ---------------------------------------------------- initiator: MM2, MM3

void Engine::Impl::mm_initiator_2(IsakmpSa& sa, const Message& m) {
  const Payload* sap = m.find(PayloadType::kSa);
  auto chosen = sap ? parse_sa(sap->body) : Result<SaPayload>(ike::Error{"no SA payload"});
  std::optional<Phase1Match> match;
  if (chosen && chosen->proposals.size() == 1 && chosen->proposals[0].transforms.size() == 1)
    match = match_phase1(*chosen, cfg_.isakmp_policies);
  if (!match) {
    ++counters_.rx_unexpected;
    debug(&sa, " MM2 does not choose one of our transforms; dropped");
    return;
  }
  sa.cky_r = m.header.cky_r;
  sa.suite = match->suite;
  debug(&sa, " processing SA payload. message ID = 0");
  debug(&sa, "atts are acceptable. Next payload is 0");
  read_vendor_ids(sa, m);
  set_state(sa, P1State::kIMm2);
  if (sa.suite.auth == config::IkeAuthMethod::kPreShare) {
    auto psk = find_psk(sa.remote.addr, sa.profile);
    if (!psk) {
      debug(&sa, "No pre-shared key with " + config::format_ipv4(sa.remote.addr) + "!");
      fail(sa, "no pre-shared key");
      return;
    }
    sa.psk = *psk;
  }
  Message r;
  r.header.cky_i = sa.cky_i;
  r.header.cky_r = sa.cky_r;
  r.header.exchange = ExchangeType::kMainMode;
  r.payloads = ke_nonce_payloads(sa, true);
  if (sa.suite.auth == config::IkeAuthMethod::kRsaSig) {
    // The initiator knows its profile: `ca trust-point` narrows the CRs.
    std::vector<pki::Trustpoint> list;
    if (sa.profile && !sa.profile->ca_trustpoints.empty()) {
      for (const pki::Trustpoint& tp : tps_)
        for (const config::NameRef& n : sa.profile->ca_trustpoints)
          if (n.name == tp.name) list.push_back(tp);
    } else {
      list = tps_;
    }
    for (const pki::CertReq& cr : pki::build_certreq_ikev1(list, pki_sink(sa)))
      r.payloads.push_back(make(PayloadType::kCr, CertPayload{cr.type, cr.body}));
  }
  r.payloads.push_back(make_opaque(PayloadType::kVendor, vid_dpd().bytes));
  r.payloads.push_back(make_opaque(PayloadType::kVendor, vid_cisco_ios().bytes));
  r.payloads.push_back(make_opaque(PayloadType::kVendor, vid_xauth().bytes));
  add_natd(sa, r.payloads);
  set_state(sa, P1State::kIMm3);
  send_mm(sa, serialize(r));
}

std::vector<Payload> Engine::Impl::ke_nonce_payloads(IsakmpSa& sa, bool initiator) {
  auto kex = ike::KeyExchange::generate(sa.suite.group);
  std::vector<Payload> out;
  if (!kex) return out;
  sa.kex = kex.take();
  Bytes nonce(32);
  random(nonce.data(), nonce.size());
  (initiator ? sa.gxi : sa.gxr) = sa.kex->public_value();
  (initiator ? sa.ni : sa.nr) = nonce;
  out.push_back(make_opaque(PayloadType::kKe, sa.kex->public_value()));
  out.push_back(make_opaque(PayloadType::kNonce, nonce));
  return out;
}

void Engine::Impl::add_natd(const IsakmpSa& sa, std::vector<Payload>& out) {
  if (!sa.peer_natt) return;
  out.push_back(
      make_opaque(PayloadType::kNatD, natd_hash(sa.suite.hash, sa.cky_i, sa.cky_r, sa.remote.addr, sa.remote.port)));
  out.push_back(
      make_opaque(PayloadType::kNatD, natd_hash(sa.suite.hash, sa.cky_i, sa.cky_r, sa.local.addr, sa.local.port)));
}

void Engine::Impl::check_natd(IsakmpSa& sa, const Message& m) {
  auto natd = m.all(PayloadType::kNatD);
  if (!sa.peer_natt || natd.size() < 2) return;
  Bytes me = natd_hash(sa.suite.hash, sa.cky_i, sa.cky_r, sa.local.addr, sa.local.port);
  Bytes peer = natd_hash(sa.suite.hash, sa.cky_i, sa.cky_r, sa.remote.addr, sa.remote.port);
  sa.nat_local = natd[0]->body != me;
  sa.nat_remote = std::none_of(natd.begin() + 1, natd.end(), [&](const Payload* p) { return p->body == peer; });
  if (sa.nat_local) debug(&sa, "NAT found, the node inside NAT");
  if (sa.nat_remote) debug(&sa, "NAT found, the peer is inside NAT");
  if (!sa.nat()) debug(&sa, "NAT not found, local and remote addresses match");
}

bool Engine::Impl::ke_nonce(IsakmpSa& sa, const Message& m) {
  const Payload* ke = m.find(PayloadType::kKe);
  const Payload* nonce = m.find(PayloadType::kNonce);
  if (!ke || !nonce || !sa.kex || ke->body.size() != sa.kex->public_value().size()) {
    ++counters_.rx_unexpected;
    debug(&sa, " KE or NONCE missing or of the wrong size; dropped");
    return false;
  }
  (sa.initiator ? sa.gxr : sa.gxi) = ke->body;
  (sa.initiator ? sa.nr : sa.ni) = nonce->body;
  auto gxy = sa.kex->shared_secret(ke->body);
  if (!gxy) {
    ++counters_.rx_unexpected;
    debug(&sa, " DH: " + gxy.error());
    return false;
  }
  auto skeyid = sa.suite.auth == config::IkeAuthMethod::kPreShare ? skeyid_psk(sa.suite.hash, sa.psk, sa.ni, sa.nr)
                                                                  : skeyid_signature(sa.suite.hash, sa.ni, sa.nr, *gxy);
  if (!skeyid) return false;
  auto keys = derive_phase1(sa.suite.hash, sa.suite.cipher, skeyid.take(), *gxy, sa.cky_i, sa.cky_r);
  auto iv = phase1_iv(sa.suite.hash, sa.suite.cipher, sa.gxi, sa.gxr);
  if (!keys || !iv) {
    debug(&sa, " key derivation failed");
    return false;
  }
  sa.keys = keys.take();
  sa.iv = iv.take();
  sa.id = next_id_++;
  if (sa.suite.auth == config::IkeAuthMethod::kPreShare) debug(&sa, "Found ADDRESS key in keyring");
  debug(&sa, "SKEYID state generated");
  return true;
}

// ---------------------------------------------------- responder: MM3, MM4

void Engine::Impl::mm_responder_3(IsakmpSa& sa, const Message& m) {
  if (m.header.encrypted()) {
    ++counters_.rx_unexpected;
    return;
  }
  if (sa.suite.auth == config::IkeAuthMethod::kPreShare) {
    // No ID yet: the key is found by the peer's address (IOS keyrings).
    auto psk = find_psk(sa.remote.addr, nullptr);
    if (!psk) {
      debug(&sa, "No pre-shared key with " + config::format_ipv4(sa.remote.addr) + "!");
      fail(sa, "no pre-shared key");
      return;
    }
    sa.psk = *psk;
  }
  std::vector<Payload> reply = ke_nonce_payloads(sa, false);
  if (reply.empty() || !ke_nonce(sa, m)) return;
  set_state(sa, P1State::kRMm3);
  read_vendor_ids(sa, m);
  check_natd(sa, m);
  if (sa.suite.auth == config::IkeAuthMethod::kRsaSig) {
    std::vector<Bytes> crs = cert_requests(m);
    sa.peer_crs = crs;
    // The profile is not known before MM5: any trust-point may answer.
    sa.chosen = pki::choose_ikev1(crs, tps_, nullptr, cr_sink(sa));
  }
  Message r;
  r.header.cky_i = sa.cky_i;
  r.header.cky_r = sa.cky_r;
  r.header.exchange = ExchangeType::kMainMode;
  r.payloads = std::move(reply);
  if (sa.suite.auth == config::IkeAuthMethod::kRsaSig)
    for (const pki::CertReq& cr : pki::build_certreq_ikev1(tps_, pki_sink(sa)))
      r.payloads.push_back(make(PayloadType::kCr, CertPayload{cr.type, cr.body}));
  r.payloads.push_back(make_opaque(PayloadType::kVendor, vid_cisco_unity().bytes));
  r.payloads.push_back(make_opaque(PayloadType::kVendor, vid_dpd().bytes));
  r.payloads.push_back(make_opaque(PayloadType::kVendor, vid_cisco_ios().bytes));
  r.payloads.push_back(make_opaque(PayloadType::kVendor, vid_xauth().bytes));
  add_natd(sa, r.payloads);
  debug(&sa, "Input = IKE_MESG_INTERNAL, IKE_PROCESS_COMPLETE");
  set_state(sa, P1State::kRMm4);
  send_mm(sa, serialize(r));
}

// ---------------------------------------------------- initiator: MM4, MM5

void Engine::Impl::mm_initiator_4(IsakmpSa& sa, const Message& m) {
  if (m.header.encrypted() || !ke_nonce(sa, m)) {
    if (m.header.encrypted()) ++counters_.rx_unexpected;
    return;
  }
  set_state(sa, P1State::kIMm4);
  read_vendor_ids(sa, m);
  check_natd(sa, m);
  if (sa.nat()) {
    // RFC 3947 4: everything from MM5 on goes between the NAT-T ports.
    sa.local.port = opt_.natt_port;
    sa.remote.port = opt_.natt_port;
    sa.next_keepalive = now_ + opt_.nat_keepalive;
  }
  if (sa.suite.auth == config::IkeAuthMethod::kRsaSig) {
    if (!choose_within_profile(sa, cert_requests(m))) {
      fail(sa, "no certificate");
      return;
    }
  }
  std::vector<Payload> payloads = auth_payloads(sa);
  if (payloads.empty()) {
    fail(sa, "cannot build MM5");
    return;
  }
  bool first_contact =
      std::none_of(
          sas_.begin(), sas_.end(),
          [&](const auto& o) { return o.get() != &sa && o->established_p1() && o->remote.addr == sa.remote.addr; }) &&
      std::none_of(children_.begin(), children_.end(), [&](const ChildSa& c) { return c.peer == sa.remote.addr; });
  if (first_contact) {
    NotifyPayload ic;
    ic.type = static_cast<uint16_t>(NotifyType::kInitialContact);
    for (uint64_t c : {sa.cky_i, sa.cky_r})
      for (int i = 7; i >= 0; --i) ic.spi.push_back(static_cast<uint8_t>(c >> (8 * i)));
    payloads.push_back(make(PayloadType::kNotify, ic));
  }
  Message r;
  r.header.cky_i = sa.cky_i;
  r.header.cky_r = sa.cky_r;
  r.header.exchange = ExchangeType::kMainMode;
  r.payloads = std::move(payloads);
  auto sealed = seal(r, sa.suite.cipher, sa.keys.enc_key, sa.iv);
  if (!sealed) {
    fail(sa, "cannot encrypt MM5");
    return;
  }
  set_state(sa, P1State::kIMm5);
  send_mm(sa, sealed.take());
}

// The profile's `self-identity`, else the global `crypto isakmp identity`,
// else the address (IOS: the profile overrides the global command).
IdPayload Engine::Impl::own_id(const IsakmpSa& sa) const {
  const config::SelfIdentity* self = nullptr;
  if (sa.profile && sa.profile->self_identity)
    self = &*sa.profile->self_identity;
  else if (cfg_.isakmp_identity)
    self = &*cfg_.isakmp_identity;
  IdPayload id = IdPayload::ipv4(sa.local.addr);
  if (self) {
    switch (self->kind) {
      case config::IdKind::kFqdn:
        id = IdPayload::text(IdType::kFqdn, cfg_.fqdn());
        break;
      case config::IdKind::kUserFqdn:
        id = IdPayload::text(IdType::kUserFqdn, self->value);
        break;
      case config::IdKind::kDn:
        // The subject of the certificate we sign with. Without one (a
        // pre-shared key, which `keyway check` refuses with `dn`) the
        // address stays.
        if (sa.chosen.ok() && !sa.chosen.chain.empty()) id = IdPayload::der_dn(sa.chosen.chain[0].subject_der());
        break;
      default:
        break;
    }
  }
  id.protocol = 17;
  id.port = 500;
  if (opt_.test_edit_id) opt_.test_edit_id(id);
  return id;
}

std::vector<Payload> Engine::Impl::auth_payloads(IsakmpSa& sa) {
  IdPayload id = own_id(sa);
  Payload idp = make(PayloadType::kId, id);
  bool rsa = sa.suite.auth == config::IkeAuthMethod::kRsaSig;
  debug(&sa, std::string("SA is doing ") + (rsa ? "RSA signature" : "pre-shared key") +
                 " authentication using id type " + id_type_word(id.type));
  if (debug_) {
    debug_line("ISAKMP (" + std::to_string(sa.id) + "): ID payload");
    debug_line("\tnext-payload : " + std::to_string(rsa ? 6 : 8));
    debug_line("\ttype         : " + std::to_string(id.type));
    debug_line("\t" + id_value_label(id.type) + id_text(id));
    debug_line("\tprotocol     : " + std::to_string(id.protocol));
    debug_line("\tport         : " + std::to_string(id.port));
    debug_line("\tlength       : " + std::to_string(idp.body.size() + 4));
  }
  auto h = sa.initiator ? hash_i(sa.suite.hash, sa.keys.skeyid, sa.gxi, sa.gxr, sa.cky_i, sa.cky_r, sa.sai_b, idp.body)
                        : hash_r(sa.suite.hash, sa.keys.skeyid, sa.gxi, sa.gxr, sa.cky_i, sa.cky_r, sa.sai_b, idp.body);
  if (!h) return {};
  std::vector<Payload> out{idp};
  if (!rsa) {
    out.push_back(make_opaque(PayloadType::kHash, *h));
    return out;
  }
  if (!sa.chosen.ok() || sa.chosen.chain.empty()) {
    debug(&sa, " no certificate to send: " + sa.chosen.reason);
    return {};
  }
  for (const pki::Certificate& c : sa.chosen.chain) {
    debug_line("ISAKMP (" + std::to_string(sa.id) + "): constructing CERT payload for " + pki::format_dn(c.subject()));
    out.push_back(make(PayloadType::kCert, CertPayload{kCertX509Signature, c.der()}));
  }
  debug(&sa, " using the " + sa.chosen.trustpoint->name + " trustpoint's keypair to sign");
  auto sig = rsa_sign_hash(sa.chosen.trustpoint->key.get(), *h);
  if (!sig) {
    debug(&sa, " " + sig.error());
    return {};
  }
  out.push_back(make_opaque(PayloadType::kSig, *sig));
  return out;
}

std::optional<Bytes> Engine::Impl::find_psk(uint32_t peer, const config::IsakmpProfile* profile) const {
  std::vector<const config::PresharedKey*> keys;
  const config::Keyring* kr = profile && profile->keyring ? cfg_.keyring(profile->keyring->name) : nullptr;
  if (kr) {
    for (const auto& k : kr->keys) keys.push_back(&k);
  } else {
    for (const auto& k : cfg_.isakmp_keys) keys.push_back(&k);
    if (!profile)
      for (const auto& r : cfg_.keyrings)
        for (const auto& k : r.keys) keys.push_back(&k);
  }
  const config::PresharedKey* best = nullptr;
  for (const config::PresharedKey* k : keys) {
    if (k->kind != config::PresharedKey::Kind::kAddress) continue;
    if ((peer & k->address.mask) != (k->address.addr & k->address.mask)) continue;
    if (!best || config::prefix_length(k->address.mask) > config::prefix_length(best->address.mask)) best = k;
  }
  if (!best) return std::nullopt;
  return Bytes(best->key.begin(), best->key.end());
}

// A `match identity` or `match certificate` line of a profile matches the
// first profile in configuration order that has one; `host domain` and
// `user-fqdn domain` only when nothing else did.
const config::IsakmpProfile* Engine::Impl::match_profile(const IdPayload& id, const pki::Certificate* cert) {
  std::string text = id_text(id);
  bool v4 = id.type == static_cast<uint8_t>(IdType::kIpv4) && id.data.size() == 4;
  uint32_t addr =
      v4 ? uint32_t{id.data[0]} << 24 | uint32_t{id.data[1]} << 16 | uint32_t{id.data[2]} << 8 | id.data[3] : 0;
  const config::IsakmpProfile* domain_match = nullptr;
  for (const config::IsakmpProfile& p : cfg_.isakmp_profiles) {
    for (const config::IsakmpMatch& mt : p.matches) {
      using K = config::IsakmpMatch::Kind;
      switch (mt.kind) {
        case K::kHost:
          if (id.type == static_cast<uint8_t>(IdType::kFqdn) && iequals(text, mt.value)) return &p;
          break;
        case K::kHostDomain:
          if (id.type == static_cast<uint8_t>(IdType::kFqdn) && ends_with_domain(text, mt.value) && !domain_match)
            domain_match = &p;
          break;
        case K::kAddress:
          if (v4 && (addr & mt.address.mask) == (mt.address.addr & mt.address.mask)) return &p;
          break;
        case K::kUserFqdn:
          if (id.type == static_cast<uint8_t>(IdType::kUserFqdn) && iequals(text, mt.value)) return &p;
          break;
        case K::kUserFqdnDomain:
          if (id.type == static_cast<uint8_t>(IdType::kUserFqdn) && ends_with_domain(text, mt.value) && !domain_match)
            domain_match = &p;
          break;
      }
    }
    if (!cert) continue;
    for (const config::NameRef& map : p.match_certificates) {
      uint32_t seq = 0;
      if (!policy::certificate_map_matches(cfg_, map.name, *cert, &seq)) continue;
      debug_line("ISAKMP:(0):: certificate map " + map.name + " sequence " + std::to_string(seq) +
                 " matches the peer's certificate " + pki::format_dn(cert->subject()));
      return &p;
    }
  }
  return domain_match;
}

std::vector<pki::Trustpoint> Engine::Impl::validation_list(const IsakmpSa& sa) const {
  if (!sa.profile || sa.profile->ca_trustpoints.empty()) return tps_;
  std::vector<pki::Trustpoint> out;
  for (const config::NameRef& n : sa.profile->ca_trustpoints)
    for (const pki::Trustpoint& tp : tps_)
      if (tp.name == n.name) out.push_back(tp);
  return out;
}

std::optional<Message> Engine::Impl::open_mm(IsakmpSa& sa, const Message& m, const char* which) {
  Parsed<Message> opened = m.header.encrypted() ? open(m, sa.suite.cipher, sa.keys.enc_key, sa.iv)
                                                : Parsed<Message>(Rejection{"not encrypted", std::nullopt});
  if (opened) return opened.take();
  ++counters_.rx_bad_hash;
  debug(&sa, std::string(" ") + which + " does not decrypt: " + opened.error());
  return std::nullopt;
}

bool Engine::Impl::verify_auth(IsakmpSa& sa, const Message& m) {
  const Payload* idp = m.find(PayloadType::kId);
  auto id = idp ? parse_id(idp->body) : Result<IdPayload>(ike::Error{"no ID"});
  if (!id) {
    ++counters_.rx_unexpected;
    debug(&sa, " MM5/MM6 without a valid ID payload");
    return false;
  }
  debug(&sa, " processing ID payload. message ID = 0");
  sa.peer_id_text = id_text(*id);
  if (debug_) {
    debug_line("ISAKMP (" + std::to_string(sa.id) + "): ID payload");
    debug_line("\ttype         : " + std::to_string(id->type));
    debug_line("\t" + id_value_label(id->type) + sa.peer_id_text);
    debug_line("\tprotocol     : " + std::to_string(id->protocol));
    debug_line("\tport         : " + std::to_string(id->port));
  }
  if (!sa.initiator) {
    // The responder binds the profile now, from the peer's ID (and, for
    // `match certificate`, from its certificate, checked further down).
    std::optional<pki::Certificate> cert;
    if (sa.suite.auth == config::IkeAuthMethod::kRsaSig) cert = end_entity_certificate(m);
    sa.profile = match_profile(*id, cert ? &*cert : nullptr);
    debug_line(sa.profile ? "ISAKMP:(0):: peer matches " + sa.profile->name + " profile"
                          : std::string("ISAKMP:(0):: peer matches *none* of the profiles"));
  }
  switch (static_cast<IdType>(id->type)) {
    case IdType::kIpv4:
      sa.peer_id = pki::PeerId::ipv4(sa.peer_id_text);
      break;
    case IdType::kFqdn:
      sa.peer_id = pki::PeerId::fqdn(sa.peer_id_text);
      break;
    case IdType::kUserFqdn:
      sa.peer_id = pki::PeerId::user_fqdn(sa.peer_id_text);
      break;
    case IdType::kDerAsn1Dn:
      sa.peer_id = pki::PeerId::dn(id->data);
      break;
    default:
      sa.peer_id.reset();
  }
  auto expected = sa.initiator
                      ? hash_r(sa.suite.hash, sa.keys.skeyid, sa.gxi, sa.gxr, sa.cky_i, sa.cky_r, sa.sai_b, idp->body)
                      : hash_i(sa.suite.hash, sa.keys.skeyid, sa.gxi, sa.gxr, sa.cky_i, sa.cky_r, sa.sai_b, idp->body);
  if (!expected) return false;
  if (sa.suite.auth == config::IkeAuthMethod::kPreShare) {
    const Payload* hp = m.find(PayloadType::kHash);
    if (!hp || hp->body.size() != expected->size() ||
        CRYPTO_memcmp(hp->body.data(), expected->data(), expected->size()) != 0) {
      ++counters_.rx_bad_hash;
      debug(&sa, "Hash payload is not correct; pre-shared keys may not match");
      return false;
    }
  } else {
    auto certs = m.all(PayloadType::kCert);
    const Payload* sig = m.find(PayloadType::kSig);
    if (certs.empty() || !sig) {
      ++counters_.rx_unexpected;
      debug(&sa, " no CERT or SIG payload");
      return false;
    }
    std::vector<pki::Certificate> parsed;
    for (const Payload* p : certs) {
      debug(&sa, " processing CERT payload. message ID = 0");
      auto c = parse_cert(p->body);
      if (!c || c->encoding != kCertX509Signature) continue;
      debug(&sa, " processing a CT_X509_SIGNATURE cert");
      auto cert = pki::Certificate::from_der(c->data);
      if (cert) parsed.push_back(cert.take());
    }
    if (parsed.empty()) {
      ++counters_.rx_unexpected;
      return false;
    }
    pki::ValidationInput in{parsed[0], {parsed.begin() + 1, parsed.end()}, sa.peer_id, wall_now(), ""};
    char handle[16];
    std::snprintf(handle, sizeof handle, "%X", 0x90000u + sa.id);
    in.handle = handle;
    std::vector<pki::Trustpoint> list = validation_list(sa);
    pki::ValidationResult r = pki::validate(list, in, pki_sink(sa));
    if (!r.ok()) {
      ++counters_.rx_invalid_cert;
      event(pki::ikmp_invalid_cert(r, config::format_ipv4(sa.remote.addr)));
      debug(&sa, " " + pki::isakmp_cert_error(r));
      return false;
    }
    if (!rsa_verify_hash(X509_get0_pubkey(parsed[0].x509()), *expected, sig->body)) {
      ++counters_.rx_bad_hash;
      debug(&sa, " signature verification failed");
      return false;
    }
  }
  debug(&sa, "SA authentication status:");
  debug_line("\tauthenticated");
  debug(&sa, "SA has been authenticated with " + config::format_ipv4(sa.remote.addr));
  return true;
}

// ---------------------------------------------------- responder: MM5, MM6

void Engine::Impl::mm_responder_5(IsakmpSa& sa, const Message& m) {
  auto opened = open_mm(sa, m, "MM5");
  if (!opened) return;
  debug(&sa, "Input = IKE_MSG_FROM_PEER, IKE_MM_EXCH");
  set_state(sa, P1State::kRMm5);
  if (!verify_auth(sa, *opened)) return;  // IOS answers nothing; MM4 keeps being retransmitted
  // An initiator that is not IOS (strongSwan) sends its CERT_REQs in MM5,
  // not MM3. With none in MM3, the certificate is chosen again from these,
  // now within the bound profile's `ca trust-point`s.
  if (sa.suite.auth == config::IkeAuthMethod::kRsaSig && sa.peer_crs.empty()) {
    std::vector<Bytes> crs = cert_requests(*opened);
    if (!crs.empty()) {
      if (!choose_within_profile(sa, std::move(crs))) {
        fail(sa, "cannot build MM6");
        return;
      }
    }
  }
  for (const Payload* p : opened->all(PayloadType::kNotify)) {
    auto n = parse_notify(p->body);
    if (!n || n->type != static_cast<uint16_t>(NotifyType::kInitialContact)) continue;
    debug(&sa, " received INITIAL-CONTACT: deleting the old SAs with " + config::format_ipv4(sa.remote.addr));
    for (auto& o : sas_)
      if (o.get() != &sa && o->remote.addr == sa.remote.addr && o->state != P1State::kDead)
        remove_sa(*o, "INITIAL-CONTACT");
    for (ChildSa& c : children_)
      if (c.peer == sa.remote.addr && c.tunnel != UINT32_MAX) delete_child(c, false);
  }
  // The tunnel: the one to this peer whose profile was bound, else any.
  for (const TunnelConfig& t : tunnels_)
    if (t.peer == sa.remote.addr && (!sa.tunnel || tunnel_profile(t) == sa.profile)) sa.tunnel = t.tunnel;
  std::vector<Payload> payloads = auth_payloads(sa);
  if (payloads.empty()) {
    fail(sa, "cannot build MM6");
    return;
  }
  Message r;
  r.header.cky_i = sa.cky_i;
  r.header.cky_r = sa.cky_r;
  r.header.exchange = ExchangeType::kMainMode;
  r.payloads = std::move(payloads);
  auto sealed = seal(r, sa.suite.cipher, sa.keys.enc_key, sa.iv);
  if (!sealed) {
    fail(sa, "cannot encrypt MM6");
    return;
  }
  sa.last_sent = sealed.take();
  send_raw(sa, sa.last_sent);
  phase1_complete(sa);
}

// The certificate to sign with, from the peer's CERT_REQs `crs`, among the
// bound profile's `ca trust-point`s (all trust-points without them). False
// (logged) when none fits.
bool Engine::Impl::choose_within_profile(IsakmpSa& sa, std::vector<Bytes> crs) {
  sa.peer_crs = std::move(crs);
  std::vector<std::string> names;
  if (sa.profile)
    for (const config::NameRef& n : sa.profile->ca_trustpoints) names.push_back(n.name);
  sa.chosen = pki::choose_ikev1(sa.peer_crs, tps_, names.empty() ? nullptr : &names, cr_sink(sa));
  if (sa.chosen.ok()) return true;
  debug(&sa, " no trustpoint to sign with: " + sa.chosen.reason);
  return false;
}

// --------------------------------------------------------- initiator: MM6

void Engine::Impl::mm_initiator_6(IsakmpSa& sa, const Message& m) {
  auto opened = open_mm(sa, m, "MM6");
  if (!opened) return;
  set_state(sa, P1State::kIMm6);
  if (!verify_auth(sa, *opened)) {
    fail(sa, "peer authentication failed");
    return;
  }
  phase1_complete(sa);
  bool has_child = std::any_of(children_.begin(), children_.end(),
                               [&](const ChildSa& c) { return c.tunnel == sa.tunnel && !c.rekeying; });
  // A phase-1 renewal needs no new pair; the first phase 1 does.
  if (!has_child) start_quick_mode(sa, sa.tunnel, 0);
}

void Engine::Impl::phase1_complete(IsakmpSa& sa) {
  set_state(sa, P1State::kComplete);
  warn_deprecated_phase1(sa);
  sa.p1_last_iv = sa.iv.iv;
  sa.established = now_;
  sa.last_heard = now_;
  sa.next_send = Clock::time_point::max();
  uint32_t life = sa.suite.lifetime_s ? sa.suite.lifetime_s : 86400;
  sa.hard_at = now_ + std::chrono::seconds(life);
  sa.soft_at =
      now_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(life * opt_.phase1_soft));
  if (sa.nat_local) sa.next_keepalive = now_ + opt_.nat_keepalive;
  // Older SAs with this peer of ours (phase-1 renewal) give way.
  for (auto& o : sas_)
    if (o.get() != &sa && o->established_p1() && o->remote.addr == sa.remote.addr) o->renewed = true;
}

}  // namespace keyway::ikev1
