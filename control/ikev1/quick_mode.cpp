// Quick Mode (RFC 2409 5.5) and the Informational exchange (RFC 2409 5.7),
// both under an established ISAKMP SA:
//
//   QM1  HDR*, HASH(1), SA, Ni [, KE] [, IDci, IDcr]  ->
//                        <- QM2  HDR*, HASH(2), SA, Nr [, KE] [, IDci, IDcr]
//   QM3  HDR*, HASH(3)                                ->
//
//   INFO HDR*, HASH(1), N/D   (DELETE, R-U-THERE, R-U-THERE-ACK)
//
// Each SA pair's keys come from KEYMAT with that direction's SPI (the one
// its receiver chose): prf(SKEYID_d, [g(qm)^xy |] protocol | SPI | Ni_b |
// Nr_b), expanded, encryption key first, then the integrity key.
#include <openssl/crypto.h>

#include <algorithm>
#include <cstdio>

#include "control/ikev1/engine_impl.h"

namespace keyway::ikev1 {

namespace {

Bytes be32(uint32_t v) {
  return {static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 8),
          static_cast<uint8_t>(v)};
}

uint32_t get_be32(ByteView b) {
  return b.size() < 4 ? 0 : uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | b[3];
}

// The proxy identities of a VTI: 0.0.0.0/0 (or the whole range).
bool any_any(const IdPayload& id) {
  bool zero = std::all_of(id.data.begin(), id.data.end(), [](uint8_t b) { return b == 0; });
  if (id.type == static_cast<uint8_t>(IdType::kIpv4Subnet) && id.data.size() == 8 && zero) return true;
  if (id.type == static_cast<uint8_t>(IdType::kIpv4Range) && id.data.size() == 8)
    return get_be32(ByteView(id.data).subspan(0, 4)) == 0 && get_be32(ByteView(id.data).subspan(4, 4)) == 0xffffffffu;
  return false;
}

std::string id_words(const IdPayload& id) {
  if (id.data.size() == 8)
    return config::format_ipv4(get_be32(ByteView(id.data).subspan(0, 4))) + "/" +
           config::format_ipv4(get_be32(ByteView(id.data).subspan(4, 4)));
  if (id.data.size() == 4) return config::format_ipv4(get_be32(id.data));
  return "type " + std::to_string(id.type);
}

std::optional<Transform> esp_transform(const config::TransformSet& ts, uint8_t number, bool udp, uint32_t life_s,
                                       uint64_t life_kb, config::DhGroup pfs) {
  Transform t{number, 0, {}};
  uint16_t keylen = 0;
  switch (ts.cipher) {
    case config::EspCipher::k3des:
      t.id = kEsp3des;
      break;
    case config::EspCipher::kAesCbc128:
      t.id = kEspAes, keylen = 128;
      break;
    case config::EspCipher::kAesCbc256:
      t.id = kEspAes, keylen = 256;
      break;
    case config::EspCipher::kAesGcm128:
      t.id = kEspAesGcm16, keylen = 128;
      break;
    case config::EspCipher::kAesGcm256:
      t.id = kEspAesGcm16, keylen = 256;
      break;
    default:
      return std::nullopt;
  }
  t.attributes.push_back(Attribute::basic(p2::kLifeType, p2::kLifeSeconds));
  t.attributes.push_back(Attribute::variable(p2::kLifeDuration, life_s));
  if (life_kb) {
    t.attributes.push_back(Attribute::basic(p2::kLifeType, p2::kLifeKilobytes));
    t.attributes.push_back(Attribute::variable(p2::kLifeDuration, life_kb));
  }
  if (pfs) t.attributes.push_back(Attribute::basic(p2::kGroupDescription, pfs));
  t.attributes.push_back(Attribute::basic(p2::kEncapsulationMode, udp ? p2::kModeUdpTunnel : p2::kModeTunnel));
  switch (ts.auth) {
    case config::EspAuth::kSha1:
      t.attributes.push_back(Attribute::basic(p2::kAuthAlgorithm, p2::kAuthHmacSha1));
      break;
    case config::EspAuth::kSha256:
      t.attributes.push_back(Attribute::basic(p2::kAuthAlgorithm, p2::kAuthHmacSha256));
      break;
    default:
      break;
  }
  if (keylen) t.attributes.push_back(Attribute::basic(p2::kKeyLength, keylen));
  return t;
}

}  // namespace

std::optional<dp::Transform> dp_transform(config::EspCipher c, config::EspAuth a) {
  using C = config::EspCipher;
  using A = config::EspAuth;
  if (c == C::kAesCbc128 && a == A::kSha256) return dp::Transform::kAes128CbcSha256;
  if (c == C::kAesCbc256 && a == A::kSha256) return dp::Transform::kAes256CbcSha256;
  if (c == C::kAesGcm128 && a == A::kNone) return dp::Transform::kAes128Gcm;
  if (c == C::kAesGcm256 && a == A::kNone) return dp::Transform::kAes256Gcm;
  if (c == C::k3des && a == A::kSha1) return dp::Transform::kDes3CbcSha1;
  return std::nullopt;
}

std::vector<const config::TransformSet*> Engine::Impl::transform_sets(const config::IpsecProfile& ip) const {
  std::vector<const config::TransformSet*> out;
  for (const config::NameRef& ref : ip.transform_sets)
    if (const config::TransformSet* ts = cfg_.transform_set(ref.name); ts && dp_transform(ts->cipher, ts->auth))
      out.push_back(ts);
  return out;
}

// ---------------------------------------------------------------- sending

void Engine::Impl::send_qm(IsakmpSa& sa, QuickMode& qm, std::vector<Payload> payloads, bool retransmit) {
  Message m;
  m.header.cky_i = sa.cky_i;
  m.header.cky_r = sa.cky_r;
  m.header.exchange = ExchangeType::kQuickMode;
  m.header.message_id = qm.mid;
  m.payloads = std::move(payloads);
  auto sealed = seal(m, sa.suite.cipher, sa.keys.enc_key, qm.iv);
  if (!sealed) return;
  qm.last_sent = sealed.take();
  qm.retransmits = 0;
  qm.timeout = opt_.retransmit_timeout;
  qm.next_send = retransmit ? now_ + qm.timeout : Clock::time_point::max();
  send_raw(sa, qm.last_sent);
}

void Engine::Impl::send_informational(IsakmpSa& sa, std::vector<Payload> payloads) {
  uint32_t mid = random32();
  auto h = info_hash(sa.suite.hash, sa.keys.skeyid_a, mid, serialize_payloads(payloads));
  auto iv = phase2_iv(sa.suite.hash, sa.suite.cipher, sa.p1_last_iv, mid);
  if (!h || !iv) return;
  payloads.insert(payloads.begin(), make_opaque(PayloadType::kHash, *h));
  Message m;
  m.header.cky_i = sa.cky_i;
  m.header.cky_r = sa.cky_r;
  m.header.exchange = ExchangeType::kInformational;
  m.header.message_id = mid;
  m.payloads = std::move(payloads);
  IvChain chain = iv.take();
  auto sealed = seal(m, sa.suite.cipher, sa.keys.enc_key, chain);
  if (sealed) send_raw(sa, *sealed);
}

void Engine::Impl::send_delete_esp(IsakmpSa& sa, uint32_t spi_in) {
  debug(&sa, " sending DELETE for IPsec SA spi " + hex(be32(spi_in)));
  send_informational(sa, {make(PayloadType::kDelete, DeletePayload{kDoiIpsec, kProtoEsp, 4, {be32(spi_in)}})});
}

void Engine::Impl::send_delete_isakmp(IsakmpSa& sa) {
  Bytes ck;
  for (uint64_t c : {sa.cky_i, sa.cky_r})
    for (int i = 7; i >= 0; --i) ck.push_back(static_cast<uint8_t>(c >> (8 * i)));
  debug(&sa, " sending DELETE for ISAKMP SA");
  send_informational(sa, {make(PayloadType::kDelete, DeletePayload{kDoiIpsec, kProtoIsakmp, 16, {ck}})});
}

void Engine::Impl::send_dpd(IsakmpSa& sa, bool ack, uint32_t seq) {
  debug(&sa, std::string("DPD/R_U_THERE") + (ack ? "_ACK" : "") + " sequence " + std::to_string(seq) + " to " +
                 config::format_ipv4(sa.remote.addr));
  send_informational(sa, {make(PayloadType::kNotify, dpd_notify(ack, sa.cky_i, sa.cky_r, seq))});
}

// ------------------------------------------------------- initiator: QM1

void Engine::Impl::start_quick_mode(IsakmpSa& sa, uint32_t tunnel_id, uint32_t replaces) {
  const TunnelConfig* t = tunnel(tunnel_id);
  const config::IpsecProfile* ip = t ? tunnel_ipsec(*t) : nullptr;
  if (!ip) return;
  auto sets = transform_sets(*ip);
  if (sets.empty()) {
    debug(&sa, " no transform set of " + ip->name + " is run by the data plane; no Quick Mode");
    return;
  }
  QuickMode qm;
  do qm.mid = random32();
  while (sa.qms.count(qm.mid));
  qm.initiator = true;
  qm.tunnel = tunnel_id;
  qm.spi_in = random32();
  qm.replaces = replaces;
  qm.ni.resize(32);
  random(qm.ni.data(), qm.ni.size());
  config::DhGroup pfs = ip->pfs_group.value_or(0);
  if (pfs) {
    auto kex = ike::KeyExchange::generate(pfs);
    if (!kex) {
      debug(&sa, " PFS group " + std::to_string(pfs) + ": " + kex.error() + "; no Quick Mode");
      return;
    }
    qm.kex = kex.take();
  }
  Proposal prop{1, kProtoEsp, be32(qm.spi_in), {}};
  for (const config::TransformSet* ts : sets)
    if (auto tr = esp_transform(*ts, static_cast<uint8_t>(prop.transforms.size() + 1), sa.nat(), ip->lifetime_s,
                                ip->lifetime_kb, pfs))
      prop.transforms.push_back(*tr);
  std::vector<Payload> payloads;
  payloads.push_back(make(PayloadType::kSa, SaPayload{kDoiIpsec, kSituationIdentityOnly, {prop}}));
  payloads.push_back(make_opaque(PayloadType::kNonce, qm.ni));
  if (qm.kex) payloads.push_back(make_opaque(PayloadType::kKe, qm.kex->public_value()));
  payloads.push_back(make(PayloadType::kId, IdPayload::ipv4_subnet(0, 0)));
  payloads.push_back(make(PayloadType::kId, IdPayload::ipv4_subnet(0, 0)));
  if (opt_.test_edit_qm1) opt_.test_edit_qm1(payloads);
  auto h = qm_hash1(sa.suite.hash, sa.keys.skeyid_a, qm.mid, serialize_payloads(payloads));
  auto iv = phase2_iv(sa.suite.hash, sa.suite.cipher, sa.p1_last_iv, qm.mid);
  if (!h || !iv) return;
  payloads.insert(payloads.begin(), make_opaque(PayloadType::kHash, *h));
  qm.iv = iv.take();
  debug(&sa, " beginning Quick Mode exchange, M-ID of " + std::to_string(qm.mid));
  debug(&sa, "QM Initiator gets spi");
  QuickMode& stored = sa.qms[qm.mid] = std::move(qm);
  send_qm(sa, stored, std::move(payloads), true);
  debug(&sa, "Node " + std::to_string(stored.mid) + ", Input = IKE_MESG_INTERNAL, IKE_INIT_QM");
  debug(&sa, "Old State = IKE_QM_READY  New State = IKE_QM_I_QM1");
}

// ------------------------------------------------------------- dispatch

void Engine::Impl::on_quick_mode(IsakmpSa& sa, const Message& m) {
  uint32_t mid = m.header.message_id;
  Bytes raw = serialize(m);
  auto it = sa.qms.find(mid);
  if (it != sa.qms.end() && !it->second.last_received.empty() && it->second.last_received == raw) {
    // A repeated QM1 gets QM2 again, a repeated QM2 gets QM3 again; a
    // repeated QM3 needs nothing.
    ++counters_.rx_retransmit;
    bool answer = it->second.initiator || !it->second.done;
    if (answer && !it->second.last_sent.empty()) send_raw(sa, it->second.last_sent);
    return;
  }
  if (mid == 0 || (it != sa.qms.end() && it->second.done)) {
    ++counters_.rx_unexpected;
    return;
  }
  IvChain iv;
  if (it != sa.qms.end()) {
    iv = it->second.iv;
  } else {
    auto first = phase2_iv(sa.suite.hash, sa.suite.cipher, sa.p1_last_iv, mid);
    if (!first) return;
    iv = first.take();
  }
  auto opened = open(m, sa.suite.cipher, sa.keys.enc_key, iv);
  if (!opened || opened->payloads.empty() || opened->payloads[0].type != static_cast<uint8_t>(PayloadType::kHash)) {
    ++counters_.rx_bad_hash;
    debug(&sa, " Quick Mode message " + std::to_string(mid) +
                   " does not decrypt: " + (opened ? std::string("no HASH first") : opened.error()));
    return;
  }
  const std::vector<Payload>& pl = opened->payloads;
  std::vector<Payload> rest(pl.begin() + 1, pl.end());
  const Bytes& got = pl[0].body;
  auto hash_ok = [&](const ike::Result<Bytes>& want) {
    return want && want->size() == got.size() && CRYPTO_memcmp(want->data(), got.data(), got.size()) == 0;
  };
  auto find = [&](PayloadType t, size_t nth = 0) -> const Payload* {
    for (const Payload& p : rest)
      if (p.type == static_cast<uint8_t>(t) && nth-- == 0) return &p;
    return nullptr;
  };

  if (it == sa.qms.end()) {
    // Responder: QM1.
    if (!hash_ok(qm_hash1(sa.suite.hash, sa.keys.skeyid_a, mid, serialize_payloads(rest)))) {
      ++counters_.rx_bad_hash;
      debug(&sa, " phase 2 HASH(1) is not correct");
      return;
    }
    sa.last_heard = now_;
    QuickMode qm;
    qm.mid = mid;
    qm.iv = iv;
    qm.last_received = raw;
    const Payload* sap = find(PayloadType::kSa);
    const Payload* nonce = find(PayloadType::kNonce);
    const Payload* ke = find(PayloadType::kKe);
    const Payload* idci = find(PayloadType::kId, 0);
    const Payload* idcr = find(PayloadType::kId, 1);
    auto offered = sap ? parse_sa(sap->body) : Result<SaPayload>(ike::Error{"no SA"});
    const TunnelConfig* t = tunnel(sa.tunnel);
    if (!t)
      for (const TunnelConfig& c : tunnels_)
        if (c.peer == sa.remote.addr) t = &c;
    const config::IpsecProfile* ip = t ? tunnel_ipsec(*t) : nullptr;
    auto refuse = [&](const std::string& why, NotifyType n) {
      ++counters_.p2_failed;
      debug(&sa, " phase 2 SA policy not acceptable! (local " + config::format_ipv4(sa.local.addr) + " remote " +
                     config::format_ipv4(sa.remote.addr) + "): " + why);
      NotifyPayload np;
      np.protocol = kProtoEsp;
      np.type = static_cast<uint16_t>(n);
      send_informational(sa, {make(PayloadType::kNotify, np)});
    };
    if (!offered || !nonce || !ip) {
      refuse(ip ? "malformed Quick Mode" : "no tunnel for this peer", NotifyType::kNoProposalChosen);
      return;
    }
    if (idci || idcr) {
      auto ci = idci ? parse_id(idci->body) : Result<IdPayload>(ike::Error{""});
      auto cr = idcr ? parse_id(idcr->body) : Result<IdPayload>(ike::Error{""});
      if (!ci || !cr || !any_any(*ci) || !any_any(*cr)) {
        debug_line(
            "IPSEC(validate_transform_proposal): proxy identities not "
            "supported");
        debug(&sa, " IPSec policy invalidated proposal with error 32");
        refuse("proxy identities " + (ci ? id_words(*ci) : std::string("?")) + " -> " +
                   (cr ? id_words(*cr) : std::string("?")) + " are not any/any (a VTI)",
               NotifyType::kInvalidIdInformation);
        return;
      }
    }
    std::vector<config::TransformSet> sets;
    for (const config::TransformSet* ts : transform_sets(*ip)) sets.push_back(*ts);
    config::DhGroup pfs = ip->pfs_group.value_or(0);
    auto match = match_phase2(*offered, sets, pfs);
    if (!match || (pfs && !ke)) {
      refuse("no transform set matches", NotifyType::kNoProposalChosen);
      return;
    }
    const Proposal& op = offered->proposals[match->proposal];
    if (op.spi.size() != 4) {
      refuse("bad SPI", NotifyType::kInvalidSpi);
      return;
    }
    qm.tunnel = t->tunnel;
    qm.spi_out = get_be32(op.spi);
    qm.spi_in = random32();
    qm.suite = match->suite;
    qm.ni = nonce->body;
    qm.nr.resize(32);
    random(qm.nr.data(), qm.nr.size());
    if (pfs) {
      auto kex = ike::KeyExchange::generate(pfs);
      if (!kex) return;
      qm.kex = kex.take();
      auto g = qm.kex->shared_secret(ke->body);
      if (!g) {
        refuse("bad KE", NotifyType::kInvalidKeyInformation);
        return;
      }
      qm.gqm.assign(g->begin(), g->end());
    }
    // The chosen transform as offered, under our SPI.
    Proposal reply{op.number, kProtoEsp, be32(qm.spi_in), {}};
    for (const Transform& tr : op.transforms) {
      auto s = decode_phase2(tr);
      if (s && s->cipher == match->suite.cipher && s->auth == match->suite.auth && s->group == match->suite.group) {
        reply.transforms.push_back(tr);
        break;
      }
    }
    std::vector<Payload> payloads;
    payloads.push_back(make(PayloadType::kSa, SaPayload{kDoiIpsec, kSituationIdentityOnly, {reply}}));
    payloads.push_back(make_opaque(PayloadType::kNonce, qm.nr));
    if (qm.kex) payloads.push_back(make_opaque(PayloadType::kKe, qm.kex->public_value()));
    if (idci) payloads.push_back(*idci);
    if (idcr) payloads.push_back(*idcr);
    auto h = qm_hash2(sa.suite.hash, sa.keys.skeyid_a, mid, qm.ni, serialize_payloads(payloads));
    if (!h) return;
    payloads.insert(payloads.begin(), make_opaque(PayloadType::kHash, *h));
    debug(&sa, " processing SA payload. message ID = " + std::to_string(mid));
    debug(&sa, "atts are acceptable.");
    debug(&sa, "Old State = IKE_QM_READY  New State = IKE_QM_SPI_STARVE");
    QuickMode& stored = sa.qms[mid] = std::move(qm);
    send_qm(sa, stored, std::move(payloads), true);
    debug(&sa, "Old State = IKE_QM_SPI_STARVE  New State = IKE_QM_R_QM2");
    return;
  }

  QuickMode& qm = it->second;
  if (qm.initiator) {
    // Initiator: QM2.
    if (!hash_ok(qm_hash2(sa.suite.hash, sa.keys.skeyid_a, mid, qm.ni, serialize_payloads(rest)))) {
      ++counters_.rx_bad_hash;
      debug(&sa, " phase 2 HASH(2) is not correct");
      return;
    }
    sa.last_heard = now_;
    qm.iv = iv;
    const Payload* sap = find(PayloadType::kSa);
    const Payload* nonce = find(PayloadType::kNonce);
    const Payload* ke = find(PayloadType::kKe);
    auto chosen = sap ? parse_sa(sap->body) : Result<SaPayload>(ike::Error{"no SA"});
    std::optional<Phase2Suite> suite;
    if (chosen && chosen->proposals.size() == 1 && chosen->proposals[0].transforms.size() == 1 &&
        chosen->proposals[0].spi.size() == 4)
      if (auto s = decode_phase2(chosen->proposals[0].transforms[0])) suite = *s;
    const TunnelConfig* t = tunnel(qm.tunnel);
    const config::IpsecProfile* ip = t ? tunnel_ipsec(*t) : nullptr;
    bool ours = false;
    if (suite && ip)
      for (const config::TransformSet* ts : transform_sets(*ip))
        if (ts->cipher == suite->cipher && ts->auth == suite->auth) ours = true;
    if (!nonce || !ours || (qm.kex && !ke) || (suite && suite->group != (qm.kex ? qm.kex->group() : 0))) {
      ++counters_.p2_failed;
      debug(&sa, " QM2 does not answer our proposal; Quick Mode " + std::to_string(mid) + " failed");
      sa.qms.erase(it);
      return;
    }
    qm.suite = *suite;
    qm.spi_out = get_be32(chosen->proposals[0].spi);
    qm.nr = nonce->body;
    if (qm.kex) {
      auto g = qm.kex->shared_secret(ke->body);
      if (!g) return;
      qm.gqm.assign(g->begin(), g->end());
    }
    qm.last_received = raw;
    auto h3 = qm_hash3(sa.suite.hash, sa.keys.skeyid_a, mid, qm.ni, qm.nr);
    if (!h3) return;
    bool installed = install(sa, qm);
    send_qm(sa, qm, {make_opaque(PayloadType::kHash, *h3)}, false);
    qm.done = true;
    qm.expires = now_ + opt_.retransmit_timeout * 8;
    debug(&sa, "Old State = IKE_QM_I_QM1  New State = IKE_QM_PHASE2_COMPLETE");
    if (installed && qm.replaces) {
      // Make-before-break: the new pair carries traffic; the old one goes.
      for (ChildSa& c : children_)
        if (c.spi_in == qm.replaces && c.tunnel != UINT32_MAX) delete_child(c, true);
    }
    return;
  }
  // Responder: QM3.
  if (!hash_ok(qm_hash3(sa.suite.hash, sa.keys.skeyid_a, mid, qm.ni, qm.nr))) {
    ++counters_.rx_bad_hash;
    debug(&sa, " phase 2 HASH(3) is not correct");
    return;
  }
  sa.last_heard = now_;
  qm.iv = iv;
  qm.last_received = raw;
  install(sa, qm);
  qm.done = true;
  qm.next_send = Clock::time_point::max();
  qm.expires = now_ + opt_.retransmit_timeout * 8;
  debug(&sa, "Old State = IKE_QM_R_QM2  New State = IKE_QM_PHASE2_COMPLETE");
}

// ----------------------------------------------------------------- install

bool Engine::Impl::install(IsakmpSa& sa, QuickMode& qm) {
  const TunnelConfig* t = tunnel(qm.tunnel);
  const config::IpsecProfile* ip = t ? tunnel_ipsec(*t) : nullptr;
  auto tr = dp_transform(qm.suite.cipher, qm.suite.auth);
  if (!ip || !tr) {
    ++counters_.p2_failed;
    return false;
  }
  const dp::TransformInfo& info = dp::transform_info(*tr);
  size_t enc_len = info.cipher_key_len + info.salt_len, integ_len = info.auth_key_len;
  auto kin =
      keymat(sa.suite.hash, sa.keys.skeyid_d, qm.gqm, kProtoEsp, be32(qm.spi_in), qm.ni, qm.nr, enc_len + integ_len);
  auto kout =
      keymat(sa.suite.hash, sa.keys.skeyid_d, qm.gqm, kProtoEsp, be32(qm.spi_out), qm.ni, qm.nr, enc_len + integ_len);
  if (!kin || !kout) {
    ++counters_.p2_failed;
    return false;
  }
  double frac = qm.initiator ? opt_.initiator_soft : opt_.responder_soft;
  uint32_t life_s = ip->lifetime_s;
  if (qm.suite.lifetime_s && qm.suite.lifetime_s < life_s) life_s = qm.suite.lifetime_s;
  uint64_t hard_bytes = ip->lifetime_kb * 1024;
  uint32_t soft_s = life_s ? std::max<uint32_t>(1, static_cast<uint32_t>(life_s * frac)) : 0;
  dp::SaSpec in, out;
  for (dp::SaSpec* s : {&in, &out}) {
    s->transform = *tr;
    s->udp_encap = sa.nat();
    s->hard_seconds = life_s;
    s->soft_seconds = soft_s;
    s->hard_bytes = hard_bytes;
    s->soft_bytes = static_cast<uint64_t>(static_cast<double>(hard_bytes) * frac);
  }
  in.spi = qm.spi_in;
  in.key.assign(kin->begin(), kin->begin() + static_cast<ptrdiff_t>(enc_len));
  in.auth_key.assign(kin->begin() + static_cast<ptrdiff_t>(enc_len), kin->end());
  in.src = sa.remote.addr;
  in.dst = sa.local.addr;
  in.encap_sport = sa.nat() ? sa.remote.port : dp::kNatTPort;
  in.encap_dport = sa.nat() ? sa.local.port : dp::kNatTPort;
  out.spi = qm.spi_out;
  out.key.assign(kout->begin(), kout->begin() + static_cast<ptrdiff_t>(enc_len));
  out.auth_key.assign(kout->begin() + static_cast<ptrdiff_t>(enc_len), kout->end());
  out.src = sa.local.addr;
  out.dst = sa.remote.addr;
  out.encap_sport = sa.nat() ? sa.local.port : dp::kNatTPort;
  out.encap_dport = sa.nat() ? sa.remote.port : dp::kNatTPort;
  std::string error;
  if (!host_.install_child(qm.tunnel, in, out, &error)) {
    ++counters_.p2_failed;
    debug(&sa, " failed to install IPsec SAs: " + error);
    return false;
  }
  holddown_.erase(qm.tunnel);
  warn_deprecated_phase2(sa, qm);
  for (const dp::SaSpec* s : {&in, &out}) {
    char spi[32];
    std::snprintf(spi, sizeof spi, "0x%X(%u)", s->spi, s->spi);
    debug_line("IPSEC(create_sa): sa created, (sa) sa_dest= " + config::format_ipv4(s->dst) +
               ", sa_proto= 50, sa_spi= " + spi + ", sa_trans= " + std::string(info.name) +
               ", sa_conn_id= " + std::to_string(sa.id));
  }
  ChildSa c;
  c.tunnel = qm.tunnel;
  c.spi_in = qm.spi_in;
  c.spi_out = qm.spi_out;
  c.peer = sa.remote.addr;
  c.transform = *tr;
  c.in = std::move(in);
  c.out = std::move(out);
  c.created_by_us = qm.initiator;
  c.installed = now_;
  c.hard_at = life_s ? now_ + std::chrono::seconds(life_s) : Clock::time_point::max();
  c.soft_at = soft_s ? now_ + std::chrono::seconds(soft_s) : Clock::time_point::max();
  children_.push_back(std::move(c));
  return true;
}

// ----------------------------------------------------------- Informational

void Engine::Impl::on_informational(IsakmpSa& sa, const Message& m) {
  auto iv = phase2_iv(sa.suite.hash, sa.suite.cipher, sa.p1_last_iv, m.header.message_id);
  if (!iv) return;
  IvChain chain = iv.take();
  auto opened = open(m, sa.suite.cipher, sa.keys.enc_key, chain);
  if (!opened || opened->payloads.empty() || opened->payloads[0].type != static_cast<uint8_t>(PayloadType::kHash)) {
    ++counters_.rx_bad_hash;
    debug(&sa, " Informational does not decrypt");
    return;
  }
  std::vector<Payload> rest(opened->payloads.begin() + 1, opened->payloads.end());
  auto want = info_hash(sa.suite.hash, sa.keys.skeyid_a, m.header.message_id, serialize_payloads(rest));
  const Bytes& got = opened->payloads[0].body;
  if (!want || want->size() != got.size() || CRYPTO_memcmp(want->data(), got.data(), got.size()) != 0) {
    ++counters_.rx_bad_hash;
    debug(&sa, " Informational HASH(1) is not correct");
    return;
  }
  sa.last_heard = now_;
  for (const Payload& p : rest) {
    if (p.type == static_cast<uint8_t>(PayloadType::kNotify)) {
      auto n = parse_notify(p.body);
      if (!n) continue;
      uint32_t seq = get_be32(n->data);
      if (n->type == static_cast<uint16_t>(NotifyType::kRUThere)) {
        debug(&sa, "received DPD/R_U_THERE sequence " + std::to_string(seq));
        send_dpd(sa, true, seq);
      } else if (n->type == static_cast<uint16_t>(NotifyType::kRUThereAck)) {
        debug(&sa, "received DPD/R_U_THERE_ACK sequence " + std::to_string(seq));
        if (seq == sa.dpd_seq) sa.dpd_outstanding = 0;
      } else if (n->type < 8192) {
        // An error about our Quick Mode (NO-PROPOSAL-CHOSEN,
        // INVALID-ID-INFORMATION): the notification names no message ID, so
        // it ends our oldest pending Quick Mode instead of retransmitting it.
        debug(&sa,
              " received NOTIFY " + std::string(notify_name(n->type)) + " protocol " + std::to_string(n->protocol));
        for (auto it = sa.qms.begin(); it != sa.qms.end(); ++it)
          if (it->second.initiator && !it->second.done) {
            ++counters_.p2_failed;
            for (ChildSa& c : children_)
              if (c.spi_in == it->second.replaces) c.rekeying = false;
            sa.qms.erase(it);
            break;
          }
      } else {
        debug(&sa, " processing NOTIFY " + std::string(notify_name(n->type)));
      }
    } else if (p.type == static_cast<uint8_t>(PayloadType::kDelete)) {
      auto d = parse_delete(p.body);
      if (!d) continue;
      if (d->protocol == kProtoIsakmp) {
        debug(&sa, " processing DELETE for the ISAKMP SA");
        remove_sa(sa, "Receive initial contact or delete notify");
        return;
      }
      if (d->protocol != kProtoEsp) continue;
      for (const Bytes& spi : d->spis) {
        uint32_t v = get_be32(spi);
        debug(&sa, " processing DELETE for IPsec SA spi " + hex(spi));
        for (ChildSa& c : children_)
          if (c.spi_out == v && c.peer == sa.remote.addr && c.tunnel != UINT32_MAX) delete_child(c, false);
      }
    }
  }
}

}  // namespace keyway::ikev1
