#include "control/ikev1/proposal.h"

#include "control/ikev1/constants.h"

namespace keyway::ikev1 {

using config::EspAuth;
using config::EspCipher;
using config::IkeAuthMethod;
using config::IkeCipher;
using config::IkeHash;
using ike::Error;

namespace {

std::pair<uint16_t, uint16_t> p1_cipher(IkeCipher c) {  // (attribute value, key length or 0)
  switch (c) {
    case IkeCipher::kDes: return {p1::kEncDes, 0};
    case IkeCipher::k3des: return {p1::kEnc3des, 0};
    case IkeCipher::kAes128: return {p1::kEncAes, 128};
    case IkeCipher::kAes192: return {p1::kEncAes, 192};
    default: return {p1::kEncAes, 256};
  }
}
uint16_t p1_hash(IkeHash h) {
  switch (h) {
    case IkeHash::kMd5: return p1::kHashMd5;
    case IkeHash::kSha1: return p1::kHashSha1;
    case IkeHash::kSha256: return p1::kHashSha256;
    case IkeHash::kSha384: return p1::kHashSha384;
    case IkeHash::kSha512: return p1::kHashSha512;
  }
  return 0;
}
uint16_t p1_auth(IkeAuthMethod a) {
  switch (a) {
    case IkeAuthMethod::kPreShare: return p1::kAuthPsk;
    case IkeAuthMethod::kRsaEncr: return p1::kAuthRsaEnc;
    case IkeAuthMethod::kEcdsaSig: return p1::kAuthEcdsa256;
    case IkeAuthMethod::kRsaSig: return p1::kAuthRsaSig;
  }
  return 0;
}

std::optional<uint64_t> attr(const Transform& t, uint16_t type) {
  const Attribute* a = find_attribute(t.attributes, type);
  return a ? a->value() : std::nullopt;
}

}  // namespace

Transform phase1_transform(const config::IsakmpPolicy& p, uint8_t number) {
  Transform t{number, kKeyIke, {}};
  auto [enc, keylen] = p1_cipher(p.encryption);
  t.attributes.push_back(Attribute::basic(p1::kEncryption, enc));
  if (keylen != 0) t.attributes.push_back(Attribute::basic(p1::kKeyLength, keylen));
  t.attributes.push_back(Attribute::basic(p1::kHash, p1_hash(p.hash)));
  t.attributes.push_back(Attribute::basic(p1::kAuthMethod, p1_auth(p.authentication)));
  t.attributes.push_back(Attribute::basic(p1::kGroupDescription, p.group));
  t.attributes.push_back(Attribute::basic(p1::kLifeType, p1::kLifeSeconds));
  t.attributes.push_back(Attribute::variable(p1::kLifeDuration, p.lifetime_s));
  return t;
}

SaPayload phase1_sa(std::span<const config::IsakmpPolicy> policies) {
  Proposal p{1, kProtoIsakmp, {}, {}};
  for (const auto& pol : policies) p.transforms.push_back(phase1_transform(pol, static_cast<uint8_t>(p.transforms.size() + 1)));
  return SaPayload{kDoiIpsec, kSituationIdentityOnly, {p}};
}

Result<Phase1Suite> decode_phase1(const Transform& t) {
  if (t.id != kKeyIke) return Error{"transform ID " + std::to_string(t.id) + " is not KEY_IKE"};
  Phase1Suite s;
  auto enc = attr(t, p1::kEncryption), hash = attr(t, p1::kHash), auth = attr(t, p1::kAuthMethod),
       group = attr(t, p1::kGroupDescription), keylen = attr(t, p1::kKeyLength);
  if (!enc || !hash || !auth || !group) return Error{"transform lacks encryption, hash, authentication or group"};
  if (*enc == p1::kEncDes) s.cipher = IkeCipher::kDes;
  else if (*enc == p1::kEnc3des) s.cipher = IkeCipher::k3des;
  else if (*enc == p1::kEncAes) {
    if (!keylen) return Error{"AES without a key length"};
    if (*keylen == 128) s.cipher = IkeCipher::kAes128;
    else if (*keylen == 192) s.cipher = IkeCipher::kAes192;
    else if (*keylen == 256) s.cipher = IkeCipher::kAes256;
    else return Error{"AES key length " + std::to_string(*keylen)};
  } else return Error{"encryption algorithm " + std::to_string(*enc)};
  switch (*hash) {
    case p1::kHashMd5: s.hash = IkeHash::kMd5; break;
    case p1::kHashSha1: s.hash = IkeHash::kSha1; break;
    case p1::kHashSha256: s.hash = IkeHash::kSha256; break;
    case p1::kHashSha384: s.hash = IkeHash::kSha384; break;
    case p1::kHashSha512: s.hash = IkeHash::kSha512; break;
    default: return Error{"hash algorithm " + std::to_string(*hash)};
  }
  switch (*auth) {
    case p1::kAuthPsk: s.auth = IkeAuthMethod::kPreShare; break;
    case p1::kAuthRsaSig: s.auth = IkeAuthMethod::kRsaSig; break;
    case p1::kAuthRsaEnc: s.auth = IkeAuthMethod::kRsaEncr; break;
    case p1::kAuthEcdsa256: s.auth = IkeAuthMethod::kEcdsaSig; break;
    default: return Error{"authentication method " + std::to_string(*auth)};
  }
  s.group = static_cast<config::DhGroup>(*group);
  auto ltype = attr(t, p1::kLifeType), ldur = attr(t, p1::kLifeDuration);
  if (ltype && *ltype == p1::kLifeSeconds && ldur) s.lifetime_s = static_cast<uint32_t>(std::min<uint64_t>(*ldur, UINT32_MAX));
  return s;
}

std::optional<Phase1Match> match_phase1(const SaPayload& offered, std::span<const config::IsakmpPolicy> policies) {
  if (offered.proposals.empty() || offered.proposals[0].protocol != kProtoIsakmp) return std::nullopt;
  const Proposal& prop = offered.proposals[0];
  for (size_t i = 0; i < policies.size(); ++i) {
    const auto& pol = policies[i];
    for (const Transform& t : prop.transforms) {
      auto s = decode_phase1(t);
      if (!s) continue;
      if (s->cipher == pol.encryption && s->hash == pol.hash && s->auth == pol.authentication && s->group == pol.group &&
          s->lifetime_s <= pol.lifetime_s)
        return Phase1Match{i, t.number, *s};
    }
  }
  return std::nullopt;
}

Result<Phase2Suite> decode_phase2(const Transform& t) {
  Phase2Suite s;
  auto keylen = attr(t, p2::kKeyLength);
  switch (t.id) {
    case kEsp3des: s.cipher = EspCipher::k3des; break;
    case kEspNull: s.cipher = EspCipher::kNull; break;
    case kEspAes:
      if (!keylen || *keylen == 128) s.cipher = EspCipher::kAesCbc128;
      else if (*keylen == 192) s.cipher = EspCipher::kAesCbc192;
      else if (*keylen == 256) s.cipher = EspCipher::kAesCbc256;
      else return Error{"ESP_AES key length " + std::to_string(*keylen)};
      break;
    case kEspAesGcm16:  // RFC 4106 with IKEv1 (RFC 4106 8.1): no authentication attribute
      if (!keylen || *keylen == 128) s.cipher = EspCipher::kAesGcm128;
      else if (*keylen == 192) s.cipher = EspCipher::kAesGcm192;
      else if (*keylen == 256) s.cipher = EspCipher::kAesGcm256;
      else return Error{"ESP_AES_GCM_16 key length " + std::to_string(*keylen)};
      break;
    default: return Error{"ESP transform " + std::to_string(t.id)};
  }
  auto auth = attr(t, p2::kAuthAlgorithm);
  switch (auth.value_or(0)) {
    case 0: s.auth = EspAuth::kNone; break;
    case p2::kAuthHmacMd5: s.auth = EspAuth::kMd5; break;
    case p2::kAuthHmacSha1: s.auth = EspAuth::kSha1; break;
    case p2::kAuthHmacSha256: s.auth = EspAuth::kSha256; break;
    case p2::kAuthHmacSha384: s.auth = EspAuth::kSha384; break;
    case p2::kAuthHmacSha512: s.auth = EspAuth::kSha512; break;
    default: return Error{"authentication algorithm " + std::to_string(*auth)};
  }
  switch (attr(t, p2::kEncapsulationMode).value_or(p2::kModeTunnel)) {
    case p2::kModeTunnel: break;
    case p2::kModeTransport: s.mode = config::IpsecMode::kTransport; break;
    case p2::kModeUdpTunnel:
    case p2::kModeUdpTunnelDraft: s.udp_encap = true; break;
    case p2::kModeUdpTransport:
    case p2::kModeUdpTransportDraft: s.udp_encap = true, s.mode = config::IpsecMode::kTransport; break;
    default: return Error{"encapsulation mode unknown"};
  }
  s.group = static_cast<config::DhGroup>(attr(t, p2::kGroupDescription).value_or(0));
  auto ltype = attr(t, p2::kLifeType), ldur = attr(t, p2::kLifeDuration);
  if (ltype && *ltype == p2::kLifeSeconds && ldur) s.lifetime_s = static_cast<uint32_t>(std::min<uint64_t>(*ldur, UINT32_MAX));
  return s;
}

std::optional<Phase2Match> match_phase2(const SaPayload& offered, std::span<const config::TransformSet> sets,
                                        config::DhGroup pfs_group) {
  for (size_t p = 0; p < offered.proposals.size(); ++p) {
    const Proposal& prop = offered.proposals[p];
    if (prop.protocol != kProtoEsp) continue;
    for (const Transform& t : prop.transforms) {
      auto s = decode_phase2(t);
      if (!s || s->group != pfs_group) continue;
      for (size_t i = 0; i < sets.size(); ++i)
        if (sets[i].cipher == s->cipher && sets[i].auth == s->auth && sets[i].mode == s->mode)
          return Phase2Match{p, i, *s};
    }
  }
  return std::nullopt;
}

}  // namespace keyway::ikev1
