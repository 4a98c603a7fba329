// Validation of a peer's certificate: chain to one of a given list of
// trust-points (a profile's `ca trust-point` / `pki trustpoint` list, or
// every trust-point), validity period, revocation by CRL, and the peer's
// IKE ID against the certificate.
//
// The steps and their debug lines follow IOS (`debug crypto pki
// validation`), e.g. the seed's failure on R1:
//   ISAKMP:(0): Creating CERT validation list: IOSCA1,
//   CRYPTO_PKI:ip-ext-val:IP extension validation not required
//   CRYPTO_PKI: (900C5) Check for identical certs
//   CRYPTO_PKI: (900C5) Create a list of suitable trustpoints
//   CRYPTO_PKI: (900C5) No suitable trustpoints found
// A trust-point is suitable when its CA issued the peer's certificate (or
// one of the CA certificates the peer sent along). Only suitable
// trust-points' CAs are trusted anchors; each is tried with its own
// revocation policy, and the first that validates wins.
//
// Synchronous and self-contained: reads only its arguments, so the IKE
// code may run it on another thread and hand the result back by SA handle.
#pragma once

#include <ctime>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "pki/certificate.h"
#include "pki/log.h"
#include "pki/peer_id.h"
#include "pki/trustpoint.h"

namespace keyway::pki {

enum class Verdict : uint8_t {
  kValid,
  kNoSuitableTrustpoint,   // no trust-point in the list has the issuing CA
  kChainInvalid,           // bad signature, not a CA, path cannot be built
  kExpired,                // a certificate's notAfter has passed
  kNotYetValid,            // a certificate's notBefore is in the future
  kRevoked,                // listed in the trust-point's CRL
  kRevocationUnavailable,  // revocation-check crl, and no usable CRL
  kIdMismatch,             // the peer's IKE ID is not in its certificate
};

struct ValidationInput {
  Certificate cert;                  // the peer's end-entity certificate
  std::vector<Certificate> chain;    // CA certificates the peer sent too, any order
  std::optional<PeerId> id;          // the peer's IKE ID; unset: not checked
  time_t at = 0;                     // the time to validate at; 0: now
  std::string handle;                // shown as "(900C5)" in CRYPTO_PKI lines; may be empty
};

struct ValidationResult {
  Verdict verdict = Verdict::kNoSuitableTrustpoint;
  std::string trustpoint;  // the one that validated, or that the failure belongs to
  std::string detail;      // OpenSSL's reason, the ID, ...: for people, not for matching
  std::string serial;      // serial (hex) of the certificate the verdict is about
  time_t when = 0;         // kExpired: notAfter; kNotYetValid: notBefore
  bool ok() const { return verdict == Verdict::kValid; }
};

ValidationResult validate(std::span<const Trustpoint> list, const ValidationInput& input,
                          const LogSink& log = {});

// Texts for a verdict. The seed shows three of them verbatim ("Certificate
// validation succeeded", "No suitable trustpoints found" and its
// %CRYPTO-5-IKMP_INVALID_CERT / "Unknown error in cert validation, -1");
// the others follow the IOS messages of the same events.
const char* verdict_name(Verdict v);  // "valid", "no-suitable-trustpoint", ...
// The CRYPTO_PKI line: "Certificate validation succeeded", "No suitable
// trustpoints found", "Certificate is revoked", ...
std::string pki_message(const ValidationResult& r);
// The syslog line IOS raises for the failure, "" for kValid:
// "%PKI-3-CERTIFICATE_INVALID_EXPIRED: Certificate chain validation has
// failed. The certificate (SN: 03) has expired. Validity period ended on
// 13:25:01 UTC Jun 17 2014".
std::string pki_syslog(const ValidationResult& r);
// "%CRYPTO-5-IKMP_INVALID_CERT: Certificate received from 192.168.0.2 is
// bad: unknown error returned in certificate validation"; "" for kValid.
std::string ikmp_invalid_cert(const ValidationResult& r, std::string_view peer);
// The ISAKMP line after it: "Unknown error in cert validation, -1".
std::string isakmp_cert_error(const ValidationResult& r);

}  // namespace keyway::pki
