// Trust-points: what the configuration says about one CA relationship
// (TrustpointPolicy, plain values that control/ fills from the `crypto pki
// trustpoint` block) together with the PKI state behind it (Trustpoint: the
// CA certificate, this router's certificate and key, the CRL).
//
// The PKI layer does not read the configuration model; control/policy
// converts config::Trustpoint into TrustpointPolicy.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pki/certificate.h"

namespace keyway::pki {

enum class EnrollmentMethod : uint8_t { kNone, kUrl, kTerminal, kSelfSigned };
enum class RevocationMethod : uint8_t { kCrl, kNone, kOcsp };

struct TrustpointPolicy {
  std::string name;
  EnrollmentMethod enrollment = EnrollmentMethod::kNone;
  std::string enrollment_url;  // kUrl: a SCEP server, which keyway cannot talk to
  // Enrollment parameters: what goes into this router's certificate.
  bool serial_number = false;  // `serial-number`: include the router's serial number
  std::string fqdn;            // `fqdn`: hostname= RDN attribute and SAN dNSName
  std::string ip_address;      // `ip-address`: ipaddress= RDN attribute and SAN iPAddress
  std::string subject_name;    // `subject-name`, e.g. "CN=R1,OU=IT,O=cisco,O=com"
  // Tried in order; kNone accepts a certificate whose status cannot be
  // learned by the methods before it. IOS's default is crl alone.
  std::vector<RevocationMethod> revocation{RevocationMethod::kCrl};
};

// Whether the configured enrollment method can run in keyway, and what to
// tell the person who asked. SCEP (`enrollment url`) is never silently
// skipped: it is reported as not available, with the alternatives.
struct EnrollmentCheck {
  bool available = false;
  std::string message;
};
EnrollmentCheck check_enrollment(const TrustpointPolicy& policy);

struct Trustpoint {
  std::string name;
  TrustpointPolicy policy;  // policy.name == name
  // Predefined trust-points stand for IOS's built-in CAs (the Cisco and
  // VeriSign roots in the seed's CERTREQ lists): requested and trusted
  // like the others but listed after them and absent from `show crypto pki
  // certificates`.
  bool predefined = false;
  std::optional<Certificate> ca;
  std::vector<Certificate> certificates;  // this router's, issued by `ca`; the first signs
  Key key;                                // the private key of certificates[0]; may be null
  std::optional<Crl> crl;                 // the CA's CRL, for `revocation-check crl`

  bool authenticated() const { return ca.has_value(); }  // IOS: `crypto pki authenticate` done
  bool can_sign() const { return !certificates.empty() && key != nullptr; }
  bool checks_crl() const;  // the first revocation method is crl
  bool accepts_unknown_status() const;  // kNone appears in the revocation list
};

// Trust-point names become file names and index tokens: letters, digits
// and . _ - only, at most 64 characters.
bool valid_trustpoint_name(std::string_view name);

}  // namespace keyway::pki
