#include "control/config/validate.h"

#include <algorithm>
#include <map>
#include <string>
#include <tuple>

#include "control/config/algorithms.h"

namespace keyway::config {
namespace {

template <class Found>
void require(Diagnostics& d, const NameRef& ref, Found found, std::string_view kind,
             std::string_view defined_by) {
  if (found) return;
  d.error(ref.at, "undefined " + std::string(kind), ref.name,
          std::string(std::string_view("aeiou").find(kind.front()) != std::string_view::npos
                          ? "an "
                          : "a ") +
              std::string(kind) +
              " defined by '" + std::string(defined_by) + "'");
}

// ------------------------------------------------------------------- IKEv1

void check_isakmp_policy(const IsakmpPolicy& p, Diagnostics& d) {
  std::string key = std::to_string(p.priority);
  auto warn_default = [&](std::string_view what, std::string_view value,
                          const std::optional<Deprecation>& dep) {
    if (!dep) return;
    d.warning(p.at,
              "isakmp policy " + key + " has no '" + std::string(what) + "' and uses the IOS default " +
                  std::string(value) + " (" + std::string(dep->note) + ")",
              key, "an explicit '" + std::string(what) + " " + std::string(dep->instead) + "'");
  };
  if (!p.encryption_set) warn_default("encryption", "des", ike_cipher_deprecation(p.encryption));
  if (!p.hash_set) warn_default("hash", "sha", ike_hash_deprecation(p.hash, false));
  if (!p.group_set) warn_default("group", "1", dh_group_deprecation(p.group));
}

void check_isakmp_profile(const Config& c, const IsakmpProfile& p, Diagnostics& d) {
  for (const NameRef& tp : p.ca_trustpoints)
    require(d, tp, c.trustpoint(tp.name), "trust-point", "crypto pki trustpoint");
  if (p.keyring) require(d, *p.keyring, c.keyring(p.keyring->name), "keyring", "crypto keyring");
  if (p.local_address)
    require(d, *p.local_address, c.interface(p.local_address->name), "interface", "interface");
  for (const NameRef& m : p.match_certificates)
    require(d, m, !c.certificate_map(m.name).empty(), "certificate map", "crypto pki certificate map");
  if (p.matches.empty() && p.match_certificates.empty())
    d.warning(p.at, "isakmp profile has no 'match identity'; IOS treats it as incomplete and never "
                    "selects it",
              p.name, "at least one 'match identity' or 'match certificate' line");
  if (p.self_identity && p.self_identity->kind == IdKind::kFqdn && c.domain_name.empty())
    d.warning(p.self_identity->at,
              "'self-identity fqdn' without 'ip domain name': the ID sent is the bare host name '" +
                  c.hostname + "'",
              "fqdn", "an 'ip domain name' so that the ID is a full FQDN");
}

// crypto isakmp identity: `dn` names the certificate Main Mode signs with,
// which pre-shared-key authentication does not have. What IOS then sends
// (the address, most likely) is not documented in what keyway's authors
// could check, so keyway refuses the combination rather than guess.
void check_isakmp_identity(const Config& c, Diagnostics& d) {
  if (!c.isakmp_identity) return;
  const SelfIdentity& id = *c.isakmp_identity;
  if (id.kind == IdKind::kDn) {
    for (const IsakmpPolicy& p : c.isakmp_policies)
      if (p.authentication == IkeAuthMethod::kPreShare)
        d.error(id.at,
                "'crypto isakmp identity dn' with a pre-share isakmp policy (" + std::to_string(p.priority) +
                    ", line " + std::to_string(p.at.line) +
                    "): a pre-shared key has no certificate whose DN could be the ID, and keyway does "
                    "not guess what IOS sends instead",
                "dn", "'crypto isakmp identity address' (or hostname), or rsa-sig policies only");
  }
  if (id.kind == IdKind::kFqdn && c.domain_name.empty())
    d.warning(id.at,
              "'crypto isakmp identity hostname' without 'ip domain name': the ID sent is the bare host "
              "name '" + c.hostname + "'",
              "hostname", "an 'ip domain name' so that the ID is a full FQDN");
}

void check_certificate_map(const CertificateMap& m, Diagnostics& d) {
  if (m.rules.empty())
    d.warning(m.at,
              "certificate map " + m.name + " " + std::to_string(m.sequence) +
                  " has no rule; it matches no certificate",
              m.name, "a 'subject-name' or 'issuer-name' line");
}

std::string match_key(const IsakmpMatch& m) {
  return std::to_string(static_cast<int>(m.kind)) + ' ' +
         (m.kind == IsakmpMatch::Kind::kAddress ? format_prefix(m.address.addr, m.address.mask)
                                                 : m.value);
}

std::string match_key(const Ikev2Match& m) {
  return std::to_string(static_cast<int>(m.kind)) + ' ' +
         (m.kind == Ikev2Match::Kind::kAddress ? format_prefix(m.address.addr, m.address.mask)
                                                : m.value);
}

std::string match_text(const IsakmpMatch& m) {
  switch (m.kind) {
    case IsakmpMatch::Kind::kAddress:
      return "address " + format_prefix(m.address.addr, m.address.mask);
    case IsakmpMatch::Kind::kHost: return "host " + m.value;
    case IsakmpMatch::Kind::kHostDomain: return "host domain " + m.value;
    case IsakmpMatch::Kind::kUserFqdn: return "user-fqdn " + m.value;
    case IsakmpMatch::Kind::kUserFqdnDomain: return "user-fqdn domain " + m.value;
  }
  return {};
}

std::string match_text(const Ikev2Match& m) {
  switch (m.kind) {
    case Ikev2Match::Kind::kAddress:
      return "address " + format_prefix(m.address.addr, m.address.mask);
    case Ikev2Match::Kind::kFqdn: return "fqdn " + m.value;
    case Ikev2Match::Kind::kFqdnDomain: return "fqdn domain " + m.value;
    case Ikev2Match::Kind::kEmail: return "email " + m.value;
    case Ikev2Match::Kind::kEmailDomain: return "email domain " + m.value;
    case Ikev2Match::Kind::kKeyId: return "key-id " + m.value;
  }
  return {};
}

// Profiles whose `match identity` lines are identical all match the same
// peer; which one IOS binds is then hard to predict (the seed's IKEv2
// responder binds the last of three, not the one its tunnel uses).
template <class Profile>
void check_overlaps(const std::vector<Profile>& profiles, std::string_view kind, Diagnostics& d) {
  std::map<std::string, const Profile*> first;
  for (const Profile& p : profiles) {
    for (const auto& m : p.matches) {
      auto [it, fresh] = first.try_emplace(match_key(m), &p);
      if (fresh || it->second == &p) continue;
      d.warning(m.at,
                "'match identity' overlaps " + std::string(kind) + " '" + it->second->name +
                    "' (line " + std::to_string(it->second->at.line) +
                    "); IOS then binds the last matching profile in configuration order",
                match_text(m), "each peer identity matched by one profile");
    }
  }
}

// ------------------------------------------------------------------- IPsec

void check_ipsec_profile(const Config& c, const IpsecProfile& p, Diagnostics& d) {
  for (const NameRef& ts : p.transform_sets)
    require(d, ts, c.transform_set(ts.name), "transform-set", "crypto ipsec transform-set");
  if (p.isakmp_profile)
    require(d, *p.isakmp_profile, c.isakmp_profile(p.isakmp_profile->name), "isakmp profile",
            "crypto isakmp profile");
  if (p.ikev2_profile)
    require(d, *p.ikev2_profile, c.ikev2_profile(p.ikev2_profile->name), "ikev2 profile",
            "crypto ikev2 profile");
  if (p.transform_sets.empty())
    d.warning(p.at,
              "ipsec profile has no 'set transform-set'; IOS 15.x then offers its default sets "
              "esp-aes esp-sha-hmac and esp-3des esp-sha-hmac (RFC 8221: ENCR_3DES SHOULD NOT)",
              p.name, "an explicit 'set transform-set'");
}

// ------------------------------------------------------------------- IKEv2

bool is_aead(IkeCipher c) { return c == IkeCipher::kAesGcm128 || c == IkeCipher::kAesGcm256; }

void check_ikev2_proposal(const Ikev2Proposal& p, Diagnostics& d) {
  bool aead = std::any_of(p.encryption.begin(), p.encryption.end(), is_aead);
  bool plain = std::any_of(p.encryption.begin(), p.encryption.end(),
                           [](IkeCipher c) { return !is_aead(c); });
  std::string missing;
  if (p.encryption.empty()) missing = "encryption";
  else if (plain && p.integrity.empty()) missing = "integrity";
  else if (aead && !plain && p.prf.empty()) missing = "prf";
  else if (p.groups.empty()) missing = "group";
  if (!missing.empty())
    d.warning(p.at, "ikev2 proposal is incomplete (no '" + missing + "'); IOS does not use it",
              p.name, "encryption, integrity (or prf with GCM) and group");
}

void check_ikev2_policy(const Config& c, const Ikev2Policy& p, Diagnostics& d) {
  for (const NameRef& r : p.proposals)
    require(d, r, c.ikev2_proposal(r.name), "ikev2 proposal", "crypto ikev2 proposal");
  if (p.proposals.empty())
    d.warning(p.at, "ikev2 policy has no 'proposal'; IOS does not use it", p.name,
              "at least one 'proposal' line");
}

bool signs_with_certificate(const Ikev2Profile& p) {
  return p.authentication_local && (*p.authentication_local == IkeAuthMethod::kRsaSig ||
                                    *p.authentication_local == IkeAuthMethod::kEcdsaSig);
}

void check_ikev2_profile(const Config& c, const Ikev2Profile& p, Diagnostics& d) {
  for (const Ikev2Trustpoint& t : p.trustpoints)
    require(d, t.trustpoint, c.trustpoint(t.trustpoint.name), "trust-point",
            "crypto pki trustpoint");
  if (p.keyring)
    require(d, *p.keyring, c.ikev2_keyring(p.keyring->name), "ikev2 keyring",
            "crypto ikev2 keyring");
  std::string missing;
  if (p.matches.empty()) missing = "match identity remote";
  else if (!p.authentication_local) missing = "authentication local";
  else if (p.authentication_remote.empty()) missing = "authentication remote";
  if (!missing.empty())
    d.warning(p.at, "ikev2 profile is incomplete (no '" + missing + "'); IOS does not use it",
              p.name, "match identity remote, authentication local and authentication remote");
  bool can_sign = std::any_of(p.trustpoints.begin(), p.trustpoints.end(),
                              [](const Ikev2Trustpoint& t) { return t.sign; });
  if (signs_with_certificate(p) && !can_sign)
    d.warning(p.authentication_local_at,
              "ikev2 profile authenticates with a certificate but has no 'pki trustpoint' to sign "
              "with; as initiator IOS fails with 'Failed to build certificate payload'",
              "rsa-sig", "a 'pki trustpoint' line in the profile (mandatory for the initiator)");
}

// -------------------------------------------------------------- interfaces

void check_interfaces(const Config& c, Diagnostics& d) {
  // Overlapping subnets: IOS refuses the second ("% 192.168.0.0 overlaps
  // with Ethernet0/0"). Prefixes overlap only when one contains the other,
  // so after sorting by network address each needs comparing only with the
  // widest one still open.
  std::vector<const Interface*> addressed;
  for (const Interface& i : c.interfaces)
    if (i.address) addressed.push_back(&i);
  std::sort(addressed.begin(), addressed.end(), [](const Interface* a, const Interface* b) {
    uint32_t na = a->address->addr & a->address->mask, nb = b->address->addr & b->address->mask;
    return na != nb ? na < nb : a->address->mask < b->address->mask;
  });
  const Interface* open = nullptr;
  for (const Interface* i : addressed) {
    const AddressMask& a = *i->address;
    if (open) {
      const AddressMask& o = *open->address;
      uint64_t open_end = static_cast<uint64_t>(o.addr & o.mask) + (~o.mask) + 1;
      if ((a.addr & a.mask) < open_end) {
        const Interface* later = i->at.line >= open->at.line ? i : open;
        const Interface* earlier = later == i ? open : i;
        const AddressMask& e = *earlier->address;
        d.error(later->address->at,
                "address overlaps with " + earlier->name + " (" + format_prefix(e.addr & e.mask, e.mask) +
                    ", line " + std::to_string(e.at.line) + ")",
                format_ipv4(later->address->addr), "a subnet no other interface uses");
        continue;  // i lies inside open, which stays the widest
      }
    }
    open = i;
  }

  // Tunnels: references, and one tunnel per (source, destination, mode);
  // otherwise inbound traffic could not be told apart.
  std::map<std::tuple<std::string, uint32_t, int>, const Interface*> tunnels;
  for (const Interface& i : c.interfaces) {
    if (i.kind != InterfaceKind::kTunnel) continue;
    if (i.tunnel_source_interface) {
      require(d, *i.tunnel_source_interface, c.interface(i.tunnel_source_interface->name),
              "interface", "interface");
      if (i.tunnel_source_interface->name == i.name)
        d.error(i.tunnel_source_interface->at, "tunnel source is the tunnel itself", i.name,
                "another interface or a local address");
    }
    if (i.tunnel_protection)
      require(d, *i.tunnel_protection, c.ipsec_profile(i.tunnel_protection->name),
              "ipsec profile", "crypto ipsec profile");
    bool has_source = i.tunnel_source_interface || i.tunnel_source_address;
    if (i.tunnel_protection && (!has_source || !i.tunnel_destination))
      d.warning(i.at, "protected tunnel without 'tunnel " +
                          std::string(has_source ? "destination" : "source") + "'; it stays down",
                i.name, "both 'tunnel source' and 'tunnel destination'");
    if (!has_source || !i.tunnel_destination) continue;
    std::string src = i.tunnel_source_interface ? i.tunnel_source_interface->name
                                                : format_ipv4(i.tunnel_source_address->addr);
    auto key = std::make_tuple(src, i.tunnel_destination->addr, static_cast<int>(i.tunnel_mode));
    auto [it, fresh] = tunnels.try_emplace(key, &i);
    if (!fresh)
      d.error(i.tunnel_destination->at,
              "tunnel conflicts with " + it->second->name + " (line " +
                  std::to_string(it->second->at.line) + "): same source, destination and mode",
              format_ipv4(i.tunnel_destination->addr), "a source/destination pair no other tunnel uses");
  }
}

void check_routes(const Config& c, Diagnostics& d) {
  for (const Route& r : c.routes)
    if (r.interface) require(d, *r.interface, c.interface(r.interface->name), "interface", "interface");
}

// A port carries one Ethernet interface, and a DPDK device can be opened
// only once.
void check_bindings(const Config& c, Diagnostics& d) {
  std::map<std::string, const DataplaneBinding*> bound, devices;
  for (const DataplaneBinding& b : c.dataplane_ports) {
    const Interface* i = c.interface(b.interface.name);
    require(d, b.interface, i, "interface", "interface");
    if (i && (i->kind != InterfaceKind::kEthernet || i->name.find('.') != std::string::npos))
      d.error(b.interface.at, "not a physical Ethernet interface", b.interface.name,
              "an Ethernet interface such as Ethernet0/0 or GigabitEthernet0/1 (no subinterface)");
    auto [it, fresh] = bound.try_emplace(b.interface.name, &b);
    if (!fresh)
      d.error(b.interface.at,
              "interface already bound to a port (line " + std::to_string(it->second->at.line) + ")",
              b.interface.name, "one 'dataplane port' line per interface");
    auto [dev, dev_fresh] = devices.try_emplace(b.device, &b);
    if (!dev_fresh)
      d.error(b.device_at,
              "device already bound to " + dev->second->interface.name + " (line " +
                  std::to_string(dev->second->at.line) + ")",
              b.device, "one interface per DPDK device");
  }
}

// Manual SAs: the data plane finds an inbound SA by its SPI alone, so two
// inbound SAs must not share one; and every tunnel keyed by hand gets a
// warning, because static keys are for labs: nothing rekeys them, and each
// start of the daemon sends sequence number 1 again under the same key (for
// GCM, the same nonces).
void check_manual_sas(const Config& c, Diagnostics& d) {
  std::map<uint32_t, std::pair<const Interface*, const ManualSa*>> inbound;
  for (const Interface& i : c.interfaces) {
    if (i.manual_sas.empty()) continue;
    d.warning(i.at,
              "tunnel keyed by manual SAs: for labs only (static keys, no rekeying, sequence "
              "numbers and so GCM nonces start again under the same key at every start)",
              i.name, "IKE ('tunnel protection ipsec profile') outside a lab");
    for (const ManualSa& sa : i.manual_sas) {
      if (sa.dir != dp::Direction::kInbound) continue;
      auto [it, fresh] = inbound.try_emplace(sa.spi, &i, &sa);
      if (!fresh)
        d.error(sa.spi_at,
                "inbound SPI already used by " + it->second.first->name + " (line " +
                    std::to_string(it->second.second->at.line) + ")",
                std::to_string(sa.spi),
                "an SPI no other inbound manual SA uses (the data plane finds inbound SAs by SPI "
                "alone)");
    }
  }
}

}  // namespace

void validate(const Config& c, Diagnostics& d) {
  for (const IsakmpPolicy& p : c.isakmp_policies) check_isakmp_policy(p, d);
  check_isakmp_identity(c, d);
  for (const IsakmpProfile& p : c.isakmp_profiles) check_isakmp_profile(c, p, d);
  for (const CertificateMap& m : c.certificate_maps) check_certificate_map(m, d);
  check_overlaps(c.isakmp_profiles, "isakmp profile", d);
  for (const IpsecProfile& p : c.ipsec_profiles) check_ipsec_profile(c, p, d);
  for (const Ikev2Proposal& p : c.ikev2_proposals) check_ikev2_proposal(p, d);
  for (const Ikev2Policy& p : c.ikev2_policies) check_ikev2_policy(c, p, d);
  for (const Ikev2Profile& p : c.ikev2_profiles) check_ikev2_profile(c, p, d);
  check_overlaps(c.ikev2_profiles, "ikev2 profile", d);
  check_interfaces(c, d);
  check_routes(c, d);
  check_bindings(c, d);
  check_manual_sas(c, d);
}

}  // namespace keyway::config
