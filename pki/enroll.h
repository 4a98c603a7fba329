// Enrollment with a lab CA: what `crypto pki authenticate` followed by
// `crypto pki enroll` does on a router whose CA answers, done in one step
// against a LabCa directory instead of a SCEP server.
#pragma once

#include <string_view>

#include "pki/lab_ca.h"
#include "pki/store.h"

namespace keyway::pki {

struct EnrollOptions {
  KeyType key_type = KeyType::kRsa2048;
  // false: use the router's general-purpose key pair (the store's default
  // key, created on first use), as IOS does without `rsakeypair`. true, or
  // a default key of another type: a key pair of the trust-point's own.
  bool own_key = false;
};

// Adds the CA certificate to trust-point `tp` (if not there yet), has the
// CA issue a certificate for the router's key, stores it (newest in the
// store's order) and installs the CA's current CRL. Returns the new
// certificate.
Result<Certificate> enroll(CertStore& store, LabCa& ca, std::string_view tp,
                           const EnrollmentRequest& req, const EnrollOptions& options = {});

}  // namespace keyway::pki
