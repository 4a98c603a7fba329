// The words for validation verdicts. Strings marked (seed) are verbatim
// from the seed's logs; the rest follow the IOS messages for the same
// events.
#include "pki/certificate.h"
#include "pki/validate.h"

namespace keyway::pki {

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::kValid: return "valid";
    case Verdict::kNoSuitableTrustpoint: return "no-suitable-trustpoint";
    case Verdict::kChainInvalid: return "chain-invalid";
    case Verdict::kExpired: return "expired";
    case Verdict::kNotYetValid: return "not-yet-valid";
    case Verdict::kRevoked: return "revoked";
    case Verdict::kRevocationUnavailable: return "revocation-unavailable";
    case Verdict::kIdMismatch: return "id-mismatch";
  }
  return "unknown";
}

std::string pki_message(const ValidationResult& r) {
  switch (r.verdict) {
    case Verdict::kValid: return "Certificate validation succeeded";  // (seed)
    case Verdict::kNoSuitableTrustpoint: return "No suitable trustpoints found";  // (seed)
    case Verdict::kChainInvalid: return "Certificate chain validation failed: " + r.detail;
    case Verdict::kExpired: return "Certificate has expired";
    case Verdict::kNotYetValid: return "Certificate is not yet valid";
    case Verdict::kRevoked: return "Certificate is revoked";
    case Verdict::kRevocationUnavailable: return "Certificate revocation status unknown: " + r.detail;
    case Verdict::kIdMismatch: return "Certificate does not match the peer's identity: " + r.detail;
  }
  return "Certificate validation failed";
}

std::string pki_syslog(const ValidationResult& r) {
  const std::string sn = "The certificate (SN: " + r.serial + ")";
  switch (r.verdict) {
    case Verdict::kValid:
    case Verdict::kNoSuitableTrustpoint:  // the seed shows no %PKI line for it
    case Verdict::kIdMismatch:            // an IKE check, not a PKI one
      return "";
    case Verdict::kChainInvalid:
      return "%PKI-3-CERTIFICATE_INVALID: Certificate chain validation has failed.";
    case Verdict::kExpired:
      return "%PKI-3-CERTIFICATE_INVALID_EXPIRED: Certificate chain validation has failed. " + sn +
             " has expired. Validity period ended on " + format_ios_time(r.when);
    case Verdict::kNotYetValid:
      return "%PKI-3-CERTIFICATE_INVALID_NOT_YET_VALID: Certificate chain validation has failed. " + sn +
             " is not yet valid. Validity period starts on " + format_ios_time(r.when);
    case Verdict::kRevoked:
      return "%PKI-3-CERTIFICATE_REVOKED: Certificate chain validation has failed. " + sn + " is revoked";
    case Verdict::kRevocationUnavailable:
      return "%PKI-3-CRL_FETCH_FAIL: CRL fetch for trustpoint " + r.trustpoint + " failed";
  }
  return "";
}

std::string ikmp_invalid_cert(const ValidationResult& r, std::string_view peer) {
  const char* why = nullptr;
  switch (r.verdict) {
    case Verdict::kValid: return "";
    case Verdict::kNoSuitableTrustpoint: why = "unknown error returned in certificate validation"; break;  // (seed)
    case Verdict::kRevoked: why = "certificate revoked"; break;
    case Verdict::kIdMismatch: why = "certificate does not match peer identity"; break;
    case Verdict::kChainInvalid:
    case Verdict::kExpired:
    case Verdict::kNotYetValid:
    case Verdict::kRevocationUnavailable: why = "certificate invalid"; break;
  }
  return "%CRYPTO-5-IKMP_INVALID_CERT: Certificate received from " + std::string(peer) + " is bad: " + why;
}

std::string isakmp_cert_error(const ValidationResult& r) {
  if (r.ok()) return "";
  if (r.verdict == Verdict::kNoSuitableTrustpoint) return "Unknown error in cert validation, -1";  // (seed)
  return std::string("Certificate validation failed (") + verdict_name(r.verdict) + ")";
}

}  // namespace keyway::pki
