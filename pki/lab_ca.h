// LabCa: a small certificate authority in a directory, for demos and
// tests: creates a CA, issues router certificates with the subject layout
// IOS enrollment produces, revokes them and publishes a CRL. It stands in
// for the seed's SCEP CAs (IOSCA1 at 192.168.0.3, IOSCA2 at 192.168.0.4),
// so the seed's two-CA PKI can be built from nothing. It is not meant to
// run a production PKI (no CSR policy, no audit trail).
//
// On disk (DIR):
//   ca.pem      the CA certificate (serial 01)
//   ca.key      its private key (PKCS#8 PEM, mode 0600)
//   state       "keyway-lab-ca 1", "name N", "next-serial N",
//               "crl-days N", "revoked HEX EPOCH" lines
//   crl.pem     the current CRL, reissued on every revocation
//   HEX.pem     every certificate issued, by serial number
//
// Not synchronised: one process uses a CA directory at a time.
#pragma once

#include <ctime>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "pki/certificate.h"
#include "pki/result.h"
#include "pki/trustpoint.h"

namespace keyway::pki {

class LabCa;

struct CaOptions {
  std::string name;     // a label ("CA1"); also the default subject CN
  std::string subject;  // DN text, e.g. "CN=CA1,O=cisco,O=com"; empty: "CN=<name>"
  KeyType key_type = KeyType::kRsa2048;
  Key key;              // use this key pair instead of generating one
  time_t not_before = 0;  // 0: now
  int days = 3650;
  int crl_days = 365;   // nextUpdate of every CRL this CA issues
  // A subordinate CA: `parent` issues its certificate (the next serial of
  // the parent) instead of it being self-signed.
  LabCa* parent = nullptr;
};

// What a router asks for, as IOS builds it from the trust-point's
// enrollment parameters:
//   subject  = subject_name's RDNs, then one multi-valued RDN
//              serialNumber=SERIAL+ipaddress=IP+hostname=FQDN (the parts
//              that are set), printed first: "serialNumber=100+ipaddress=
//              192.168.0.1+hostname=R1.cisco.com,cn=R1,ou=IT,o=cisco,o=com"
//   subjectAltName = dNSName FQDN, iPAddress IP, rfc822Name EMAIL
struct EnrollmentRequest {
  std::string subject_name;
  std::string fqdn;
  std::string ip_address;     // dotted IPv4
  std::string serial_number;  // the router's serial number (IOS `serial-number`)
  std::string email;          // keyway extra, for user-FQDN IDs
  time_t not_before = 0;      // 0: now
  int days = 365;
  time_t not_after = 0;       // if set, overrides days
};

// The request a trust-point's configuration describes. IOS takes the
// serial number from the hardware; keyway takes it from the caller.
// An `ip-address` naming an interface must be resolved by the caller.
EnrollmentRequest request_from_policy(const TrustpointPolicy& policy, std::string router_serial);

// The subject name for a request (see EnrollmentRequest).
Result<X509NamePtr> enrollment_subject(const EnrollmentRequest& req);

class LabCa {
 public:
  static Result<LabCa> create(const std::filesystem::path& dir, const CaOptions& options);
  static Result<LabCa> open(const std::filesystem::path& dir);

  const std::string& name() const { return name_; }
  const Certificate& certificate() const { return *cert_; }
  const std::filesystem::path& dir() const { return dir_; }

  // Issues the next serial number to `public_key` (a key pair; only its
  // public half is used). Keys: digitalSignature+keyEncipherment for RSA
  // (IOS "General Purpose"), digitalSignature for EC.
  Result<Certificate> issue(const EnrollmentRequest& req, EVP_PKEY* public_key);

  // Adds `serial_hex` to the revocation list and reissues the CRL with
  // thisUpdate `when` (0: now).
  Status revoke(std::string_view serial_hex, time_t when = 0);

  // The current CRL (crl.pem).
  Result<Crl> crl() const;

 private:
  struct Revoked {
    std::string serial_hex;
    time_t when = 0;
  };
  LabCa() = default;
  Result<uint64_t> take_serial();  // the next serial number, persisted before use
  Status save_state() const;
  Status publish_crl(time_t this_update);

  std::filesystem::path dir_;
  std::string name_;
  std::optional<Certificate> cert_;  // set once created or opened
  Key key_;
  uint64_t next_serial_ = 2;
  int crl_days_ = 365;
  std::vector<Revoked> revoked_;
};

}  // namespace keyway::pki
