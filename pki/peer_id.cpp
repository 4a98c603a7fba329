#include "pki/peer_id.h"

#include <arpa/inet.h>
#include <strings.h>

#include <algorithm>

#include "pki/dn.h"

namespace keyway::pki {
namespace {

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

bool any_iequal(const std::vector<std::string>& list, std::string_view v) {
  return std::any_of(list.begin(), list.end(), [&](const std::string& s) { return iequal(s, v); });
}

}  // namespace

Result<PeerId> parse_peer_id(std::string_view text) {
  size_t colon = text.find(':');
  if (colon == std::string_view::npos)
    return Error{"invalid ID '" + std::string(text) + "' (fqdn:NAME, ipv4:ADDRESS, email:ADDRESS or dn:DN)"};
  std::string_view kind = text.substr(0, colon);
  std::string value(text.substr(colon + 1));
  if (value.empty()) return Error{"empty ID value in '" + std::string(text) + "'"};
  if (kind == "fqdn") return PeerId::fqdn(value);
  if (kind == "email" || kind == "user-fqdn") return PeerId::user_fqdn(value);
  if (kind == "ipv4" || kind == "address") {
    in_addr a{};
    if (inet_pton(AF_INET, value.c_str(), &a) != 1) return Error{"invalid IPv4 address '" + value + "'"};
    return PeerId::ipv4(value);
  }
  if (kind == "dn") {
    auto name = name_from_text(value);
    if (!name) return Error{name.error()};
    return PeerId::dn(name_der(name->get()));
  }
  return Error{"unknown ID type '" + std::string(kind) + "' (fqdn, ipv4, email or dn)"};
}

std::string describe(const PeerId& id) {
  switch (id.type) {
    case IdType::kIpv4: return "ipv4 " + id.value;
    case IdType::kFqdn: return "fqdn " + id.value;
    case IdType::kUserFqdn: return "email " + id.value;
    case IdType::kDn: {
      const auto* p = reinterpret_cast<const unsigned char*>(id.value.data());
      X509NamePtr name(d2i_X509_NAME(nullptr, &p, static_cast<long>(id.value.size())));
      if (!name) {
        openssl_error();
        return "dn (undecodable)";
      }
      return "dn " + format_dn(name.get());
    }
  }
  return "?";
}

bool certificate_matches(const Certificate& cert, const PeerId& id) {
  switch (id.type) {
    case IdType::kFqdn: {
      if (any_iequal(cert.san_dns(), id.value)) return true;
      auto h = dn_attribute(cert.subject(), NID_pkcs9_unstructuredName);
      return h && iequal(*h, id.value);
    }
    case IdType::kIpv4: {
      std::vector<std::string> ips = cert.san_ipv4();
      if (std::find(ips.begin(), ips.end(), id.value) != ips.end()) return true;
      auto a = dn_attribute(cert.subject(), NID_pkcs9_unstructuredAddress);
      return a && *a == id.value;
    }
    case IdType::kUserFqdn: {
      if (any_iequal(cert.san_email(), id.value)) return true;
      auto e = dn_attribute(cert.subject(), NID_pkcs9_emailAddress);
      return e && iequal(*e, id.value);
    }
    case IdType::kDn: {
      const auto* p = reinterpret_cast<const unsigned char*>(id.value.data());
      X509NamePtr name(d2i_X509_NAME(nullptr, &p, static_cast<long>(id.value.size())));
      if (!name) {
        openssl_error();
        return false;
      }
      return X509_NAME_cmp(cert.subject(), name.get()) == 0;
    }
  }
  return false;
}

}  // namespace keyway::pki
