// A peer's IKE identity (IKEv1 ID payload, IKEv2 IDi/IDr) and whether a
// certificate vouches for it. IOS and strongSwan both insist that the ID a
// peer claims be in its certificate; otherwise a peer holding any valid
// certificate of the CA could claim any name.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "pki/certificate.h"
#include "pki/result.h"

namespace keyway::pki {

enum class IdType : uint8_t { kIpv4, kFqdn, kUserFqdn, kDn };

struct PeerId {
  IdType type = IdType::kFqdn;
  std::string value;  // kIpv4 dotted, kFqdn, kUserFqdn; kDn: the DER bytes

  static PeerId ipv4(std::string a) { return {IdType::kIpv4, std::move(a)}; }
  static PeerId fqdn(std::string f) { return {IdType::kFqdn, std::move(f)}; }
  static PeerId user_fqdn(std::string e) { return {IdType::kUserFqdn, std::move(e)}; }
  static PeerId dn(const Bytes& der) { return {IdType::kDn, std::string(der.begin(), der.end())}; }
};

// "fqdn:R1.cisco.com", "ipv4:192.168.0.1" (or "address:"), "email:a@b",
// "dn:CN=R1,OU=IT,O=cisco,O=com" (DN text as for subject-name).
Result<PeerId> parse_peer_id(std::string_view text);
// The same spelling back ("fqdn R1.cisco.com", "dn cn=R1,...").
std::string describe(const PeerId& id);

// Where the certificate carries the identity:
//   kFqdn      subjectAltName dNSName, or the subject's hostname= (IOS
//              unstructuredName); case-insensitive
//   kIpv4      subjectAltName iPAddress, or the subject's ipaddress=
//   kUserFqdn  subjectAltName rfc822Name, or the subject's emailAddress
//   kDn        the subject (X.500 comparison: case and blanks folded)
bool certificate_matches(const Certificate& cert, const PeerId& id);

}  // namespace keyway::pki
