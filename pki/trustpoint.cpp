#include "pki/trustpoint.h"

#include <algorithm>
#include <cctype>

namespace keyway::pki {

EnrollmentCheck check_enrollment(const TrustpointPolicy& p) {
  switch (p.enrollment) {
    case EnrollmentMethod::kUrl:
      return {false, "trustpoint " + p.name + ": enrollment url " + p.enrollment_url +
                         " (SCEP) is not available: keyway does not implement SCEP. "
                         "Import the CA and router certificates with `keyway pki import " +
                         p.name + " --ca FILE --cert FILE --key FILE`, or enroll with a lab "
                         "CA: `keyway pki enroll --ca DIR --trustpoint " + p.name + "`"};
    case EnrollmentMethod::kSelfSigned:
      return {false, "trustpoint " + p.name +
                         ": enrollment selfsigned is not available in keyway; use a lab CA "
                         "(`keyway pki ca create`)"};
    case EnrollmentMethod::kTerminal:
      return {true, "trustpoint " + p.name + ": enrollment terminal: import the certificates "
                    "with `keyway pki import " + p.name + "`"};
    case EnrollmentMethod::kNone:
      return {true, "trustpoint " + p.name + ": no enrollment method configured: import the "
                    "certificates with `keyway pki import " + p.name + "`"};
  }
  return {false, "unknown enrollment method"};
}

bool Trustpoint::checks_crl() const {
  return !policy.revocation.empty() && policy.revocation.front() == RevocationMethod::kCrl;
}

bool Trustpoint::accepts_unknown_status() const {
  return std::find(policy.revocation.begin(), policy.revocation.end(), RevocationMethod::kNone) !=
         policy.revocation.end();
}

bool valid_trustpoint_name(std::string_view name) {
  if (name.empty() || name.size() > 64 || name == "." || name == "..") return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (std::isalnum(static_cast<unsigned char>(c)) && static_cast<unsigned char>(c) < 0x80) ||
           c == '.' || c == '_' || c == '-';
  });
}

}  // namespace keyway::pki
