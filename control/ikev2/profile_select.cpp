#include "control/ikev2/profile_select.h"

#include <algorithm>
#include <cctype>

namespace keyway::ikev2 {
namespace {

using config::Ikev2Match;
using config::Ikev2Profile;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string text_of(const IdPayload& id) { return std::string(id.data.begin(), id.data.end()); }

std::optional<uint32_t> ipv4_of(const IdPayload& id) {
  if (id.type != IdType::kIpv4 || id.data.size() != 4) return std::nullopt;
  return uint32_t{id.data[0]} << 24 | uint32_t{id.data[1]} << 16 | uint32_t{id.data[2]} << 8 | id.data[3];
}

// `name` equals `domain` or ends with ".domain" (case-insensitive).
bool in_domain(std::string_view name, std::string_view domain) {
  std::string n = lower(name), d = lower(domain);
  if (n == d) return true;
  return n.size() > d.size() && n.compare(n.size() - d.size(), d.size(), d) == 0 && n[n.size() - d.size() - 1] == '.';
}

constexpr int kExact = 1000;
constexpr int kDomainBase = 100;

// Whether a keyring peer's `identity` is `id`.
bool identity_is(const config::Ikev2Identity& want, const IdPayload& id) {
  switch (want.kind) {
    case config::IdKind::kAddress:
      return ipv4_of(id) == want.address;
    case config::IdKind::kFqdn:
      return id.type == IdType::kFqdn && lower(text_of(id)) == lower(want.value);
    case config::IdKind::kUserFqdn:
      return id.type == IdType::kRfc822 && lower(text_of(id)) == lower(want.value);
    case config::IdKind::kKeyId:
      return id.type == IdType::kKeyId && text_of(id) == want.value;
    case config::IdKind::kDn:
      return false;
  }
  return false;
}

const config::Ikev2KeyringPeer* keyring_peer(const config::Config& cfg, const Ikev2Profile& p, uint32_t peer_addr,
                                             const IdPayload* peer_id) {
  if (!p.keyring) return nullptr;
  const config::Ikev2Keyring* ring = cfg.ikev2_keyring(p.keyring->name);
  if (!ring) return nullptr;
  if (peer_id)
    for (const auto& peer : ring->peers)
      if (peer.identity && identity_is(*peer.identity, *peer_id)) return &peer;
  const config::Ikev2KeyringPeer* best = nullptr;
  int best_len = -1;
  for (const auto& peer : ring->peers) {
    if (!peer.address || (peer_addr & peer.address->mask) != (peer.address->addr & peer.address->mask)) continue;
    int len = config::prefix_length(peer.address->mask);
    if (len > best_len) best = &peer, best_len = len;
  }
  if (best) return best;
  if (peer_id && peer_id->type == IdType::kFqdn)
    for (const auto& peer : ring->peers)
      if (!peer.hostname.empty() && lower(peer.hostname) == lower(text_of(*peer_id))) return &peer;
  return nullptr;
}

config::Ikev2Proposal default_proposal() {
  config::Ikev2Proposal p;
  p.name = "default";
  p.encryption = {config::IkeCipher::kAes256, config::IkeCipher::kAes192, config::IkeCipher::kAes128};
  p.integrity = {config::IkeHash::kSha512, config::IkeHash::kSha384, config::IkeHash::kSha256, config::IkeHash::kSha1};
  p.prf = p.integrity;
  p.groups = {19, 20, 14};
  return p;
}

}  // namespace

std::vector<const Ikev2Profile*> profiles_in_ios_order(const config::Config& cfg) {
  std::vector<const Ikev2Profile*> out;
  for (auto it = cfg.ikev2_profiles.rbegin(); it != cfg.ikev2_profiles.rend(); ++it) out.push_back(&*it);
  return out;
}

std::optional<int> match_specificity(const Ikev2Match& m, const IdPayload& id) {
  switch (m.kind) {
    case Ikev2Match::Kind::kAddress: {
      auto a = ipv4_of(id);
      if (!a || (*a & m.address.mask) != (m.address.addr & m.address.mask)) return std::nullopt;
      return config::prefix_length(m.address.mask);
    }
    case Ikev2Match::Kind::kFqdn:
      if (id.type == IdType::kFqdn && lower(text_of(id)) == lower(m.value)) return kExact;
      return std::nullopt;
    case Ikev2Match::Kind::kFqdnDomain:
      if (id.type == IdType::kFqdn && in_domain(text_of(id), m.value))
        return kDomainBase + static_cast<int>(m.value.size());
      return std::nullopt;
    case Ikev2Match::Kind::kEmail:
      if (id.type == IdType::kRfc822 && lower(text_of(id)) == lower(m.value)) return kExact;
      return std::nullopt;
    case Ikev2Match::Kind::kEmailDomain: {
      if (id.type != IdType::kRfc822) return std::nullopt;
      std::string email = text_of(id);
      size_t at = email.rfind('@');
      if (at == std::string::npos || !in_domain(email.substr(at + 1), m.value)) return std::nullopt;
      return kDomainBase + static_cast<int>(m.value.size());
    }
    case Ikev2Match::Kind::kKeyId:
      if (id.type == IdType::kKeyId && text_of(id) == m.value) return kExact;
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<int> profile_specificity(const Ikev2Profile& p, const IdPayload& id) {
  std::optional<int> best;
  for (const Ikev2Match& m : p.matches)
    if (auto s = match_specificity(m, id); s && (!best || *s > *best)) best = s;
  return best;
}

const Ikev2Profile* select_profile(const config::Config& cfg, const IdPayload& id) {
  const Ikev2Profile* best = nullptr;
  int best_score = -1;
  // Strictly greater: among equals the first in IOS order stays.
  for (const Ikev2Profile* p : profiles_in_ios_order(cfg))
    if (auto s = profile_specificity(*p, id); s && *s > best_score) best = p, best_score = *s;
  return best;
}

std::string ios_identity(const IdPayload& id) {
  std::string value, type;
  switch (id.type) {
    case IdType::kIpv4:
      value = ipv4_of(id) ? config::format_ipv4(*ipv4_of(id)) : "?";
      type = "IPv4 address";
      break;
    case IdType::kFqdn:
      value = text_of(id), type = "FQDN";
      break;
    case IdType::kRfc822:
      value = text_of(id), type = "email";
      break;
    case IdType::kKeyId:
      value = text_of(id), type = "key ID";
      break;
    case IdType::kDerAsn1Dn: {
      std::string d = describe(id);  // "dn cn=..."
      value = d.rfind("dn ", 0) == 0 ? d.substr(3) : d;
      type = "DER ASN1 DN";
      break;
    }
    default:
      value = describe(id), type = "other";
      break;
  }
  return "'" + value + "' of type '" + type + "'";
}

IdPayload local_identity(const Ikev2Profile& p, uint32_t local_addr, const pki::Certificate* cert) {
  if (p.identity_local) {
    const config::Ikev2Identity& i = *p.identity_local;
    switch (i.kind) {
      case config::IdKind::kAddress:
        return id_ipv4(i.address ? i.address : local_addr);
      case config::IdKind::kFqdn:
        return id_fqdn(i.value);
      case config::IdKind::kUserFqdn:
        return id_rfc822(i.value);
      case config::IdKind::kKeyId:
        return id_key_id(ByteView(reinterpret_cast<const uint8_t*>(i.value.data()), i.value.size()));
      case config::IdKind::kDn:
        if (cert) return id_dn(cert->subject_der());
        return id_ipv4(local_addr);
    }
  }
  bool signs = p.authentication_local && *p.authentication_local != config::IkeAuthMethod::kPreShare;
  if (signs && cert) return id_dn(cert->subject_der());
  return id_ipv4(local_addr);
}

std::string psk_local(const config::Config& cfg, const Ikev2Profile& p, uint32_t peer_addr, const IdPayload* peer_id) {
  if (!p.authentication_local_key.empty()) return p.authentication_local_key;
  const config::Ikev2KeyringPeer* peer = keyring_peer(cfg, p, peer_addr, peer_id);
  return peer ? peer->pre_shared_key_local : std::string();
}

std::string psk_remote(const config::Config& cfg, const Ikev2Profile& p, uint32_t peer_addr, const IdPayload* peer_id) {
  if (!p.authentication_remote_key.empty()) return p.authentication_remote_key;
  const config::Ikev2KeyringPeer* peer = keyring_peer(cfg, p, peer_addr, peer_id);
  return peer ? peer->pre_shared_key_remote : std::string();
}

std::vector<std::string> sign_trustpoints(const Ikev2Profile& p) {
  std::vector<std::string> out;
  for (const auto& t : p.trustpoints)
    if (t.sign) out.push_back(t.trustpoint.name);
  return out;
}

std::vector<std::string> verify_trustpoints(const Ikev2Profile& p) {
  std::vector<std::string> out;
  for (const auto& t : p.trustpoints)
    if (t.verify) out.push_back(t.trustpoint.name);
  return out;
}

std::vector<config::Ikev2Proposal> ike_proposals_for(const config::Config& cfg, uint32_t local_addr) {
  for (const config::Ikev2Policy& pol : cfg.ikev2_policies) {
    bool local_ok =
        pol.match_address_local.empty() ||
        std::any_of(pol.match_address_local.begin(), pol.match_address_local.end(),
                    [&](const config::AddressMask& a) { return (local_addr & a.mask) == (a.addr & a.mask); });
    if (!local_ok) continue;
    std::vector<config::Ikev2Proposal> out;
    for (const config::NameRef& ref : pol.proposals)
      if (const config::Ikev2Proposal* p = cfg.ikev2_proposal(ref.name)) {
        out.push_back(*p);
        // Without `prf`, IOS uses the integrity algorithms as PRFs.
        if (out.back().prf.empty()) out.back().prf = out.back().integrity;
      }
    if (!out.empty()) return out;
  }
  return {default_proposal()};
}

}  // namespace keyway::ikev2
