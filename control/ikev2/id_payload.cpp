#include "control/ikev2/id_payload.h"

#include <algorithm>
#include <cstdio>

#include "pki/dn.h"
#include "pki/ossl.h"

namespace keyway::ikev2 {
namespace {

using ike::Error;

bool is_name_text(ByteView data) {
  return !data.empty() && std::all_of(data.begin(), data.end(), [](uint8_t c) { return c > 0x20 && c < 0x7f; });
}

bool is_one_dn(ByteView data) {
  const unsigned char* p = data.data();
  pki::X509NamePtr name(d2i_X509_NAME(nullptr, &p, static_cast<long>(data.size())));
  if (!name) pki::openssl_error();  // empty the error queue
  return name && p == data.data() + data.size();
}

std::string text(const Bytes& b) { return std::string(b.begin(), b.end()); }

std::string hex(const Bytes& b) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (uint8_t c : b) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string dotted(const Bytes& b) {
  return std::to_string(b[0]) + "." + std::to_string(b[1]) + "." + std::to_string(b[2]) + "." + std::to_string(b[3]);
}

}  // namespace

ike::Result<IdPayload> parse_id(ByteView body) {
  Reader r(body);
  uint8_t type = 0;
  if (!r.read_u8(type) || !r.skip(3)) return Error{"ID payload: shorter than its 4-byte header"};
  ByteView data = r.rest();
  IdPayload id{static_cast<IdType>(type), Bytes(data.begin(), data.end())};
  std::string what = "ID payload: type " + std::to_string(type);
  switch (id.type) {
    case IdType::kIpv4:
      if (data.size() != 4) return Error{what + " (IPv4) carries " + std::to_string(data.size()) + " bytes, not 4"};
      break;
    case IdType::kIpv6:
      if (data.size() != 16) return Error{what + " (IPv6) carries " + std::to_string(data.size()) + " bytes, not 16"};
      break;
    case IdType::kFqdn:
    case IdType::kRfc822:
      if (!is_name_text(data)) return Error{what + " is not a non-empty printable name without blanks"};
      break;
    case IdType::kDerAsn1Dn:
      if (!is_one_dn(data)) return Error{what + " (DER_ASN1_DN) is not exactly one DER distinguished name"};
      break;
    default:
      if (data.empty()) return Error{what + " carries no data"};
      break;
  }
  return id;
}

void write(const IdPayload& id, Writer& w) {
  w.u8(static_cast<uint8_t>(id.type));
  w.zeros(3);
  w.bytes(id.data);
}

IdPayload id_ipv4(uint32_t a) {
  return {IdType::kIpv4,
          {static_cast<uint8_t>(a >> 24), static_cast<uint8_t>(a >> 16), static_cast<uint8_t>(a >> 8),
           static_cast<uint8_t>(a)}};
}
IdPayload id_fqdn(std::string_view name) { return {IdType::kFqdn, Bytes(name.begin(), name.end())}; }
IdPayload id_rfc822(std::string_view email) { return {IdType::kRfc822, Bytes(email.begin(), email.end())}; }
IdPayload id_dn(ByteView der) { return {IdType::kDerAsn1Dn, Bytes(der.begin(), der.end())}; }
IdPayload id_key_id(ByteView key_id) { return {IdType::kKeyId, Bytes(key_id.begin(), key_id.end())}; }

std::optional<pki::PeerId> to_peer_id(const IdPayload& id) {
  switch (id.type) {
    case IdType::kIpv4:
      if (id.data.size() != 4) return std::nullopt;
      return pki::PeerId::ipv4(dotted(id.data));
    case IdType::kFqdn: return pki::PeerId::fqdn(text(id.data));
    case IdType::kRfc822: return pki::PeerId::user_fqdn(text(id.data));
    case IdType::kDerAsn1Dn: return pki::PeerId::dn(id.data);
    default: return std::nullopt;
  }
}

IdPayload from_peer_id(const pki::PeerId& id) {
  Bytes value(id.value.begin(), id.value.end());
  switch (id.type) {
    case pki::IdType::kIpv4: {
      unsigned a = 0, b = 0, c = 0, d = 0;
      if (std::sscanf(id.value.c_str(), "%u.%u.%u.%u", &a, &b, &c, &d) != 4) return {IdType::kIpv4, {}};
      return id_ipv4(a << 24 | b << 16 | c << 8 | d);
    }
    case pki::IdType::kFqdn: return {IdType::kFqdn, value};
    case pki::IdType::kUserFqdn: return {IdType::kRfc822, value};
    case pki::IdType::kDn: return {IdType::kDerAsn1Dn, value};
  }
  return {IdType::kFqdn, value};
}

std::string describe(const IdPayload& id) {
  switch (id.type) {
    case IdType::kIpv4: return id.data.size() == 4 ? "ipv4 " + dotted(id.data) : "ipv4 ?";
    case IdType::kFqdn: return "fqdn " + text(id.data);
    case IdType::kRfc822: return "email " + text(id.data);
    case IdType::kDerAsn1Dn: {
      const unsigned char* p = id.data.data();
      pki::X509NamePtr name(d2i_X509_NAME(nullptr, &p, static_cast<long>(id.data.size())));
      if (!name) {
        pki::openssl_error();
        return "dn ?";
      }
      return "dn " + pki::format_dn(name.get());
    }
    case IdType::kKeyId: return "key-id " + hex(id.data);
    default: return "id type " + std::to_string(static_cast<unsigned>(id.type)) + " " + hex(id.data);
  }
}

Bytes id_body(const IdPayload& id) {
  Writer w;
  write(id, w);
  return w.take();
}

}  // namespace keyway::ikev2
