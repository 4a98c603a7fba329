// `show crypto ikev2 sa [detailed]`, its JSON form, and `show crypto ikev2
// profile`, in the shape IOS 15 prints them.
#include <algorithm>
#include <chrono>
#include <cstdio>

#include "control/config/algorithms.h"
#include "control/ikev2/engine_impl.h"
#include "control/ikev2/profile_select.h"

namespace keyway::ikev2 {
namespace {

using config::IkeCipher;
using config::IkeHash;

std::string encr_name(IkeCipher c) {
  switch (c) {
    case IkeCipher::kDes:
      return "DES";
    case IkeCipher::k3des:
      return "3DES";
    case IkeCipher::kAes128:
      return "AES-CBC, keysize: 128";
    case IkeCipher::kAes192:
      return "AES-CBC, keysize: 192";
    case IkeCipher::kAes256:
      return "AES-CBC, keysize: 256";
    case IkeCipher::kAesGcm128:
      return "AES-GCM, keysize: 128";
    case IkeCipher::kAesGcm256:
      return "AES-GCM, keysize: 256";
  }
  return "?";
}

std::string prf_name(IkeHash h) {
  switch (h) {
    case IkeHash::kMd5:
      return "MD5";
    case IkeHash::kSha1:
      return "SHA1";
    case IkeHash::kSha256:
      return "SHA256";
    case IkeHash::kSha384:
      return "SHA384";
    case IkeHash::kSha512:
      return "SHA512";
  }
  return "?";
}

std::string integ_name(const std::optional<IkeHash>& h) {
  if (!h) return "None";
  switch (*h) {
    case IkeHash::kMd5:
      return "MD596";
    case IkeHash::kSha1:
      return "SHA96";
    default:
      return prf_name(*h);
  }
}

std::string auth_name(AuthMethod m) {
  switch (m) {
    case AuthMethod::kPsk:
      return "PSK";
    case AuthMethod::kRsaSig:
      return "RSA";
    case AuthMethod::kDigitalSignature:
      return "RFC7427";
    default:
      return "ECDSA";
  }
}

std::string endpoint(const Endpoint& e) { return config::format_ipv4(e.addr) + "/" + std::to_string(e.port); }

std::string pad(std::string s, size_t n) {
  if (s.size() < n) s.append(n - s.size(), ' ');
  return s;
}

std::string spi32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", v);
  return buf;
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
      continue;
    }
    out += c;
  }
  return out;
}

std::string q(const std::string& s) { return "\"" + json_escape(s) + "\""; }

long long secs(Clock::duration d) { return std::chrono::duration_cast<std::chrono::seconds>(d).count(); }

std::string id_text(const IdPayload& id) {
  if (id.data.empty()) return "none";
  std::string s = ios_identity(id);  // "'x' of type 'y'"
  return s.substr(1, s.find('\'', 1) - 1);
}

std::string match_text(const config::Ikev2Match& m) {
  using K = config::Ikev2Match::Kind;
  switch (m.kind) {
    case K::kAddress:
      return "address " + config::format_ipv4(m.address.addr) + " " + config::format_ipv4(m.address.mask);
    case K::kFqdn:
      return "fqdn " + m.value;
    case K::kFqdnDomain:
      return "fqdn domain " + m.value;
    case K::kEmail:
      return "email " + m.value;
    case K::kEmailDomain:
      return "email domain " + m.value;
    case K::kKeyId:
      return "key-id " + m.value;
  }
  return "?";
}

std::string method_text(config::IkeAuthMethod m) {
  switch (m) {
    case config::IkeAuthMethod::kRsaSig:
      return "rsa-sig";
    case config::IkeAuthMethod::kPreShare:
      return "pre-share";
    case config::IkeAuthMethod::kRsaEncr:
      return "rsa-encr";
    case config::IkeAuthMethod::kEcdsaSig:
      return "ecdsa-sig";
  }
  return "?";
}

}  // namespace

std::string Engine::Impl::show_sa(bool detailed) const {
  std::vector<const IkeSa*> list;
  for (const auto& [spi, sa] : sas_) list.push_back(sa.get());
  std::sort(list.begin(), list.end(), [](const IkeSa* a, const IkeSa* b) { return a->id < b->id; });
  std::string out = " IPv4 Crypto IKEv2  SA \n\n";
  out += "Tunnel-id Local                 Remote                fvrf/ivrf            Status \n";
  for (const IkeSa* sa : list) {
    out += pad(std::to_string(sa->id), 10) + pad(endpoint(sa->local), 22) + pad(endpoint(sa->remote), 22) +
           pad("none/none", 21) + state_name(sa->state) + "\n";
    bool keyed = sa->state != SaState::kInitSent;
    if (keyed)
      out += "      Encr: " + encr_name(sa->suite.encr) + ", PRF: " + prf_name(sa->suite.prf) +
             ", Hash: " + integ_name(sa->suite.integ) + ", DH Grp:" + std::to_string(sa->suite.dh) +
             ", Auth sign: " + auth_name(sa->local_auth) + ", Auth verify: " + auth_name(sa->remote_auth) + "\n";
    uint32_t life = sa->profile ? sa->profile->lifetime_s : 86400;
    long long active = sa->was_established ? secs(now_ - sa->established) : 0;
    out += "      Life/Active Time: " + std::to_string(life) + "/" + std::to_string(active) + " sec\n";
    if (!detailed) continue;
    out += "      CE id: 0, Session-id: " + std::to_string(sa->id) + "\n";
    out += std::string("      Status Description: ") +
           (sa->state == SaState::kEstablished ? "Negotiation done"
            : sa->state == SaState::kDeleting  ? "Deleting"
                                               : "Negotiation in progress") +
           "\n";
    out += "      Local spi: " + hex64(sa->local_spi()) + "       Remote spi: " + hex64(sa->remote_spi()) + "\n";
    out += "      Local id: " + id_text(sa->local_id) + "\n";
    out += "      Remote id: " + id_text(sa->remote_id) + "\n";
    out += "      Local req msg id:  " + pad(std::to_string(sa->next_request_id ? sa->next_request_id - 1 : 0), 14) +
           "Remote req msg id:  " + std::to_string(sa->expected_request_id ? sa->expected_request_id - 1 : 0) + "\n";
    out += "      Local next msg id: " + pad(std::to_string(sa->next_request_id), 14) +
           "Remote next msg id: " + std::to_string(sa->expected_request_id) + "\n";
    out += "      Local window:      1             Remote window:      1\n";
    if (sa->profile && sa->profile->dpd)
      out += "      DPD configured for " + std::to_string(sa->profile->dpd->interval_s) + " seconds, retry " +
             std::to_string(sa->profile->dpd->retry_s) + "\n";
    else
      out += "      DPD configured for 0 seconds, retry 0\n";
    out += std::string("      Fragmentation ") +
           (opt_.fragmentation && sa->peer_fragmentation ? "is enabled." : "not configured.") + "\n";
    out += std::string("      NAT-T is ") +
           (sa->nat_local    ? "detected inside"
            : sa->nat_remote ? "detected  outside"
                             : "not detected") +
           "\n";
    out += std::string("      Initiator of SA : ") + (sa->initiator ? "Yes" : "No") + "\n";
    if (sa->profile) out += "      Profile: " + sa->profile->name + "\n";
    if (!sa->local_trustpoint.empty()) out += "      Signing trustpoint: " + sa->local_trustpoint + "\n";
    for (const ChildSa& c : sa->children) {
      const TunnelConfig* t = nullptr;
      for (const TunnelConfig& x : tunnels_)
        if (x.tunnel == c.tunnel) t = &x;
      out += "      Child sa: " + (t ? t->interface : "tunnel " + std::to_string(c.tunnel)) +
             " local selector  0.0.0.0/0 - 255.255.255.255/65535\n";
      out += "          remote selector 0.0.0.0/0 - 255.255.255.255/65535\n";
      out += "          ESP spi in/out: " + spi32(c.spi_in) + "/" + spi32(c.spi_out) +
             "  transform: " + std::string(dp::transform_info(c.transform).name) +
             (c.in.udp_encap ? "  UDP-encaps" : "") + (c.replaced ? "  (rekeyed)" : "") + "\n";
    }
  }
  out += "\n IPv6 Crypto IKEv2  SA \n\n";
  if (detailed) {
    const EngineCounters& k = counters_;
    out += "Dropped: rx_invalid " + std::to_string(k.rx_invalid) + ", rx_no_sa " + std::to_string(k.rx_no_sa) +
           ", rx_bad_icv " + std::to_string(k.rx_bad_icv) + ", rx_unexpected " + std::to_string(k.rx_unexpected) +
           "; answered from cache: rx_retransmit " + std::to_string(k.rx_retransmit) + "; tx_retransmit " +
           std::to_string(k.tx_retransmit) + ", cookies_sent " + std::to_string(k.cookies_sent) + "\n";
  }
  return out;
}

std::string Engine::Impl::show_sa_json() const {
  std::vector<const IkeSa*> list;
  for (const auto& [spi, sa] : sas_) list.push_back(sa.get());
  std::sort(list.begin(), list.end(), [](const IkeSa* a, const IkeSa* b) { return a->id < b->id; });
  std::string out = "{\"ike_sas\":[";
  bool first = true;
  for (const IkeSa* sa : list) {
    out += first ? "" : ",";
    first = false;
    out += "{\"id\":" + std::to_string(sa->id) + ",\"local\":" + q(endpoint(sa->local)) +
           ",\"remote\":" + q(endpoint(sa->remote)) + ",\"status\":" + q(state_name(sa->state)) +
           ",\"initiator\":" + (sa->initiator ? "true" : "false") + ",\"local_spi\":" + q(hex64(sa->local_spi())) +
           ",\"remote_spi\":" + q(hex64(sa->remote_spi())) + ",\"profile\":" + q(sa->profile ? sa->profile->name : "") +
           ",\"local_id\":" + q(id_text(sa->local_id)) + ",\"remote_id\":" + q(id_text(sa->remote_id));
    if (sa->state != SaState::kInitSent)
      out += ",\"encryption\":" + q(std::string(ike::cipher_info(sa->suite.encr).name)) +
             ",\"prf\":" + q(prf_name(sa->suite.prf)) + ",\"integrity\":" + q(integ_name(sa->suite.integ)) +
             ",\"dh_group\":" + std::to_string(sa->suite.dh) + ",\"auth_sign\":" + q(auth_name(sa->local_auth)) +
             ",\"auth_verify\":" + q(auth_name(sa->remote_auth));
    out += ",\"nat_inside\":" + std::string(sa->nat_local ? "true" : "false") +
           ",\"nat_outside\":" + (sa->nat_remote ? "true" : "false") +
           ",\"lifetime\":" + std::to_string(sa->profile ? sa->profile->lifetime_s : 86400) +
           ",\"active\":" + std::to_string(sa->was_established ? secs(now_ - sa->established) : 0) + ",\"children\":[";
    bool cf = true;
    for (const ChildSa& c : sa->children) {
      out += cf ? "" : ",";
      cf = false;
      out += "{\"tunnel\":" + std::to_string(c.tunnel) + ",\"spi_in\":" + q(spi32(c.spi_in)) +
             ",\"spi_out\":" + q(spi32(c.spi_out)) +
             ",\"transform\":" + q(std::string(dp::transform_info(c.transform).name)) +
             ",\"udp_encap\":" + (c.in.udp_encap ? "true" : "false") +
             ",\"rekeyed\":" + (c.replaced ? "true" : "false") + "}";
    }
    out += "]}";
  }
  const EngineCounters& k = counters_;
  out += "],\"counters\":{\"rx_invalid\":" + std::to_string(k.rx_invalid) +
         ",\"rx_no_sa\":" + std::to_string(k.rx_no_sa) + ",\"rx_bad_icv\":" + std::to_string(k.rx_bad_icv) +
         ",\"rx_unexpected\":" + std::to_string(k.rx_unexpected) +
         ",\"rx_retransmit\":" + std::to_string(k.rx_retransmit) +
         ",\"tx_retransmit\":" + std::to_string(k.tx_retransmit) +
         ",\"cookies_sent\":" + std::to_string(k.cookies_sent) + "}}";
  return out;
}

std::string Engine::Impl::show_profiles() const {
  std::string out;
  for (const config::Ikev2Profile* p : profiles_in_ios_order(cfg_)) {
    out += "IKEv2 profile: " + p->name + "\n";
    out += " Ref Count: 1\n";
    out += " Match criteria: \n";
    out += "  Fvrf: " +
           (p->match_fvrf_any       ? std::string("any")
            : p->match_fvrf.empty() ? std::string("global")
                                    : p->match_fvrf) +
           "\n";
    out += "  Local address/interface: none\n";
    out += "  Identities: " + std::string(p->matches.empty() ? "none" : "") + "\n";
    for (const config::Ikev2Match& m : p->matches) out += "   " + match_text(m) + "\n";
    out += "  Certificate maps: none\n";
    std::string local = "none";
    if (p->identity_local) {
      const config::Ikev2Identity& i = *p->identity_local;
      switch (i.kind) {
        case config::IdKind::kAddress:
          local = "address " + config::format_ipv4(i.address);
          break;
        case config::IdKind::kFqdn:
          local = "fqdn " + i.value;
          break;
        case config::IdKind::kUserFqdn:
          local = "email " + i.value;
          break;
        case config::IdKind::kKeyId:
          local = "key-id " + i.value;
          break;
        case config::IdKind::kDn:
          local = "dn";
          break;
      }
    }
    out += " Local identity: " + local + "\n";
    out += " Remote identity: none\n";
    out += " Local authentication method: " +
           (p->authentication_local ? method_text(*p->authentication_local) : std::string("none")) + "\n";
    std::string remote;
    for (config::IkeAuthMethod m : p->authentication_remote) remote += (remote.empty() ? "" : ", ") + method_text(m);
    out += " Remote authentication method(s): " + (remote.empty() ? std::string("none") : remote) + "\n";
    out += " EAP options: none\n";
    out += " Keyring: " + (p->keyring ? p->keyring->name : std::string("none")) + "\n";
    std::string tps;
    for (const config::Ikev2Trustpoint& t : p->trustpoints) tps += (tps.empty() ? "" : ", ") + t.trustpoint.name;
    out += " Trustpoint(s): " + (tps.empty() ? std::string("none") : tps) + "\n";
    out += " Lifetime: " + std::to_string(p->lifetime_s) + " seconds\n";
    if (p->dpd)
      out += " DPD: interval " + std::to_string(p->dpd->interval_s) + ", retry " + std::to_string(p->dpd->retry_s) +
             (p->dpd->periodic ? ", periodic" : ", on-demand") + "\n";
    else
      out += " DPD: disabled\n";
    out += " NAT-keepalive: disabled\n";
    out += " Ivrf: none\n";
    out += " Virtual-template: none\n";
    out += " AAA EAP authentication: none\n";
    out += " AAA Accounting: none\n";
    out += " AAA group authorization: none\n";
    out += " AAA user authorization: none\n";
    out += "\n";
  }
  return out;
}

}  // namespace keyway::ikev2
