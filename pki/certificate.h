// Certificate: one X.509 certificate, immutable, cheap to copy (shared).
// Also the CRL and private-key file formats keyway reads (PEM or DER).
//
// Thread-safety: a Certificate, Crl or Key never changes after it is
// built, so copies may be read concurrently.
#pragma once

#include <array>
#include <ctime>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pki/ossl.h"
#include "pki/result.h"

namespace keyway::pki {

using Sha1 = std::array<uint8_t, 20>;

// What IOS prints as "Certificate Usage": derived from keyUsage.
enum class CertUsage : uint8_t { kGeneralPurpose, kSignature, kEncryption };
const char* usage_name(CertUsage u);  // "General Purpose", "Signature", "Encryption"

class Certificate {
 public:
  static Certificate adopt(X509Ptr x509);
  static Result<Certificate> from_der(std::span<const uint8_t> der);
  // One PEM "CERTIFICATE" block; the first if there are several.
  static Result<Certificate> from_pem(std::string_view pem);
  // Every certificate in `data`: PEM (one or more blocks) or a single DER
  // certificate, whichever it is.
  static Result<std::vector<Certificate>> parse_all(std::span<const uint8_t> data);
  // parse_all on a file's content; the file must hold at least one.
  static Result<std::vector<Certificate>> load_file(const std::filesystem::path& path);

  X509* x509() const { return x509_.get(); }  // never null; do not modify
  const Bytes& der() const { return der_; }
  std::string pem() const;

  const X509_NAME* subject() const { return X509_get_subject_name(x509_.get()); }
  const X509_NAME* issuer() const { return X509_get_issuer_name(x509_.get()); }
  Bytes subject_der() const { return name_der(subject()); }
  Bytes issuer_der() const { return name_der(issuer()); }

  // The serial number in upper-case hex, an even number of digits ("03"),
  // as IOS prints it.
  std::string serial_hex() const;
  // DER of the SubjectPublicKeyInfo, and its SHA-1 (the IKEv2 CERTREQ and
  // "Hash and URL" identifier of a CA, RFC 7296 3.7).
  Bytes spki_der() const;
  Sha1 spki_sha1() const;

  time_t not_before() const;
  time_t not_after() const;
  bool is_ca() const;           // basicConstraints cA
  bool self_issued() const;     // subject == issuer
  CertUsage usage() const;

  // subjectAltName entries of each kind; addresses as dotted text.
  std::vector<std::string> san_dns() const;
  std::vector<std::string> san_ipv4() const;
  std::vector<std::string> san_email() const;

  // Whether `key` is the private key for this certificate's public key.
  bool matches_key(EVP_PKEY* key) const;
  // Whether `issuer` signed this certificate.
  bool signed_by(const Certificate& issuer) const;

  friend bool operator==(const Certificate& a, const Certificate& b) { return a.der_ == b.der_; }

 private:
  Certificate(std::shared_ptr<X509> x509, Bytes der) : x509_(std::move(x509)), der_(std::move(der)) {}
  std::shared_ptr<X509> x509_;
  Bytes der_;
};

// A certificate revocation list.
class Crl {
 public:
  static Result<Crl> parse(std::span<const uint8_t> data);  // PEM or DER
  static Result<Crl> load_file(const std::filesystem::path& path);
  static Crl adopt(X509CrlPtr crl);

  X509_CRL* x509_crl() const { return crl_.get(); }
  const X509_NAME* issuer() const { return X509_CRL_get_issuer(crl_.get()); }
  std::string pem() const;
  // Whether `cert`'s serial number is listed.
  bool lists(const Certificate& cert) const;

 private:
  explicit Crl(std::shared_ptr<X509_CRL> crl) : crl_(std::move(crl)) {}
  std::shared_ptr<X509_CRL> crl_;
};

enum class KeyType : uint8_t { kRsa2048, kEcP256 };
Result<KeyType> parse_key_type(std::string_view text);  // "rsa2048" | "ec256"

Result<Key> generate_key(KeyType type);
Result<Key> parse_key(std::span<const uint8_t> data);  // PEM (PKCS#8 or traditional) or DER
Result<Key> load_key_file(const std::filesystem::path& path);
std::string key_pem(EVP_PKEY* key);  // unencrypted PKCS#8

// Whole-file helpers. write_file replaces atomically (temporary + rename)
// with the given permissions.
Result<Bytes> read_file(const std::filesystem::path& path);
Status write_file(const std::filesystem::path& path, std::string_view data,
                  std::filesystem::perms perms = std::filesystem::perms(0644));

// Times as IOS prints them: "13:25:01 UTC Jun 17 2013".
std::string format_ios_time(time_t t);
// "2013-06-17T13:25:01Z" or "2013-06-17" (midnight UTC).
Result<time_t> parse_utc_time(std::string_view text);

}  // namespace keyway::pki
