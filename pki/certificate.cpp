#include "pki/certificate.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

namespace keyway::pki {
namespace {

bool looks_like_pem(std::span<const uint8_t> data) {
  std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  return text.find("-----BEGIN ") != std::string_view::npos;
}

BioPtr mem_bio(std::span<const uint8_t> data) {
  return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

std::string bio_text(BIO* bio) {
  char* p = nullptr;
  long n = BIO_get_mem_data(bio, &p);
  return std::string(p, static_cast<size_t>(n));
}

time_t asn1_time(const ASN1_TIME* t) {
  struct tm tm {};
  if (!t || !ASN1_TIME_to_tm(t, &tm)) return 0;
  return timegm(&tm);
}

std::vector<std::string> san_of(X509* x, int type) {
  std::vector<std::string> out;
  GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(x, NID_subject_alt_name, nullptr, nullptr)));
  if (!names) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names.get(), i);
    if (gn->type != type) continue;
    const ASN1_STRING* s = gn->d.ia5;  // dNSName, rfc822Name and iPAddress share the layout
    const unsigned char* p = ASN1_STRING_get0_data(s);
    int len = ASN1_STRING_length(s);
    if (type == GEN_IPADD) {
      if (len != 4) continue;  // IPv6 is not an IKE ID keyway matches yet
      char buf[16];
      std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", p[0], p[1], p[2], p[3]);
      out.emplace_back(buf);
    } else {
      out.emplace_back(reinterpret_cast<const char*>(p), static_cast<size_t>(len));
    }
  }
  return out;
}

}  // namespace

const char* usage_name(CertUsage u) {
  switch (u) {
    case CertUsage::kGeneralPurpose: return "General Purpose";
    case CertUsage::kSignature: return "Signature";
    case CertUsage::kEncryption: return "Encryption";
  }
  return "General Purpose";
}

// ------------------------------------------------------------ Certificate

Certificate Certificate::adopt(X509Ptr x509) {
  unsigned char* der = nullptr;
  int n = i2d_X509(x509.get(), &der);
  Bytes bytes;
  if (n > 0) bytes.assign(der, der + n);
  OPENSSL_free(der);
  return Certificate(std::shared_ptr<X509>(x509.release(), X509_free), std::move(bytes));
}

Result<Certificate> Certificate::from_der(std::span<const uint8_t> der) {
  const unsigned char* p = der.data();
  X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!x) return Error{"not a DER certificate: " + openssl_error()};
  if (p != der.data() + der.size()) return Error{"trailing bytes after the DER certificate"};
  return adopt(std::move(x));
}

Result<Certificate> Certificate::from_pem(std::string_view pem) {
  auto all = parse_all({reinterpret_cast<const uint8_t*>(pem.data()), pem.size()});
  if (!all) return Error{all.error()};
  return all->front();
}

Result<std::vector<Certificate>> Certificate::parse_all(std::span<const uint8_t> data) {
  std::vector<Certificate> out;
  if (!looks_like_pem(data)) {
    auto one = from_der(data);
    if (!one) return Error{one.error()};
    out.push_back(one.take());
    return out;
  }
  BioPtr bio = mem_bio(data);
  while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr))
    out.push_back(adopt(X509Ptr(x)));
  // The loop ends at the end of the input (PEM_R_NO_START_LINE) or at a
  // damaged block; only the latter is an error.
  unsigned long err = ERR_peek_last_error();
  bool clean_end = ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE;
  if (!clean_end && err != 0) return Error{"bad PEM certificate: " + openssl_error()};
  ERR_clear_error();
  if (out.empty()) return Error{"no PEM CERTIFICATE block"};
  return out;
}

Result<std::vector<Certificate>> Certificate::load_file(const std::filesystem::path& path) {
  auto data = read_file(path);
  if (!data) return Error{data.error()};
  auto all = parse_all(*data);
  if (!all) return Error{path.string() + ": " + all.error()};
  return all;
}

std::string Certificate::pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), x509_.get());
  return bio_text(bio.get());
}

std::string Certificate::serial_hex() const {
  BignumPtr bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(x509_.get()), nullptr));
  if (!bn) return "00";
  char* hex = BN_bn2hex(bn.get());
  std::string s = hex ? hex : "0";
  OPENSSL_free(hex);
  if (s.size() % 2) s.insert(0, "0");
  return s;
}

Bytes Certificate::spki_der() const {
  unsigned char* der = nullptr;
  int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x509_.get()), &der);
  Bytes out;
  if (n > 0) out.assign(der, der + n);
  OPENSSL_free(der);
  return out;
}

Sha1 Certificate::spki_sha1() const {
  Bytes spki = spki_der();
  Sha1 md{};
  unsigned int len = 0;
  EVP_Digest(spki.data(), spki.size(), md.data(), &len, EVP_sha1(), nullptr);
  return md;
}

time_t Certificate::not_before() const { return asn1_time(X509_get0_notBefore(x509_.get())); }
time_t Certificate::not_after() const { return asn1_time(X509_get0_notAfter(x509_.get())); }

bool Certificate::is_ca() const { return (X509_get_extension_flags(x509_.get()) & EXFLAG_CA) != 0; }

bool Certificate::self_issued() const { return X509_NAME_cmp(subject(), issuer()) == 0; }

CertUsage Certificate::usage() const {
  uint32_t ku = X509_get_key_usage(x509_.get());
  if (ku == UINT32_MAX) return CertUsage::kGeneralPurpose;  // no keyUsage extension
  bool sign = ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION | KU_KEY_CERT_SIGN | KU_CRL_SIGN);
  bool encrypt = ku & (KU_KEY_ENCIPHERMENT | KU_DATA_ENCIPHERMENT | KU_KEY_AGREEMENT);
  if (sign && encrypt) return CertUsage::kGeneralPurpose;
  return encrypt ? CertUsage::kEncryption : CertUsage::kSignature;
}

std::vector<std::string> Certificate::san_dns() const { return san_of(x509_.get(), GEN_DNS); }
std::vector<std::string> Certificate::san_ipv4() const { return san_of(x509_.get(), GEN_IPADD); }
std::vector<std::string> Certificate::san_email() const { return san_of(x509_.get(), GEN_EMAIL); }

bool Certificate::matches_key(EVP_PKEY* key) const {
  return key && EVP_PKEY_eq(X509_get0_pubkey(x509_.get()), key) == 1;
}

bool Certificate::signed_by(const Certificate& issuer) const {
  if (X509_check_issued(issuer.x509(), x509_.get()) != X509_V_OK) return false;
  bool ok = X509_verify(x509_.get(), X509_get0_pubkey(issuer.x509())) == 1;
  ERR_clear_error();
  return ok;
}

// ------------------------------------------------------------------- Crl

Crl Crl::adopt(X509CrlPtr crl) { return Crl(std::shared_ptr<X509_CRL>(crl.release(), X509_CRL_free)); }

Result<Crl> Crl::parse(std::span<const uint8_t> data) {
  X509_CRL* crl = nullptr;
  if (looks_like_pem(data)) {
    BioPtr bio = mem_bio(data);
    crl = PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr);
  } else {
    const unsigned char* p = data.data();
    crl = d2i_X509_CRL(nullptr, &p, static_cast<long>(data.size()));
  }
  if (!crl) return Error{"not a CRL (PEM or DER): " + openssl_error()};
  return adopt(X509CrlPtr(crl));
}

Result<Crl> Crl::load_file(const std::filesystem::path& path) {
  auto data = read_file(path);
  if (!data) return Error{data.error()};
  auto crl = parse(*data);
  if (!crl) return Error{path.string() + ": " + crl.error()};
  return crl;
}

std::string Crl::pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509_CRL(bio.get(), crl_.get());
  return bio_text(bio.get());
}

bool Crl::lists(const Certificate& cert) const {
  X509_REVOKED* rev = nullptr;
  return X509_CRL_get0_by_serial(crl_.get(), &rev,
                                 X509_get0_serialNumber(cert.x509())) == 1;
}

// ------------------------------------------------------------------- keys

Result<KeyType> parse_key_type(std::string_view text) {
  if (text == "rsa2048" || text == "rsa") return KeyType::kRsa2048;
  if (text == "ec256" || text == "ecdsa" || text == "p256") return KeyType::kEcP256;
  return Error{"unknown key type '" + std::string(text) + "' (rsa2048 or ec256)"};
}

Result<Key> generate_key(KeyType type) {
  EVP_PKEY* key = type == KeyType::kRsa2048
                      ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048})
                      : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (!key) return Error{"key generation failed: " + openssl_error()};
  return Key(key, EVP_PKEY_free);
}

Result<Key> parse_key(std::span<const uint8_t> data) {
  EVP_PKEY* key = nullptr;
  if (looks_like_pem(data)) {
    BioPtr bio = mem_bio(data);
    key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  } else {
    const unsigned char* p = data.data();
    key = d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(data.size()));
  }
  if (!key) return Error{"not a private key (PEM or DER, unencrypted): " + openssl_error()};
  return Key(key, EVP_PKEY_free);
}

Result<Key> load_key_file(const std::filesystem::path& path) {
  auto data = read_file(path);
  if (!data) return Error{data.error()};
  auto key = parse_key(*data);
  if (!key) return Error{path.string() + ": " + key.error()};
  return key;
}

std::string key_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  return bio_text(bio.get());
}

// ------------------------------------------------------------------ files

Result<Bytes> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{path.string() + ": cannot open: " + std::strerror(errno)};
  Bytes data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Error{path.string() + ": read error"};
  return data;
}

Status write_file(const std::filesystem::path& path, std::string_view data,
                  std::filesystem::perms perms) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                  static_cast<mode_t>(perms));
  if (fd < 0) return Error{tmp.string() + ": cannot create: " + std::strerror(errno)};
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::string why = std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return Error{tmp.string() + ": write failed: " + why};
    }
    done += static_cast<size_t>(n);
  }
  // The permissions of an existing temporary file are not changed by open().
  ::fchmod(fd, static_cast<mode_t>(perms));
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return Error{tmp.string() + ": cannot flush: " + std::strerror(errno)};
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    return Error{path.string() + ": cannot replace: " + why};
  }
  return ok_status();
}

// ------------------------------------------------------------------- time

std::string format_ios_time(time_t t) {
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%02d:%02d:%02d UTC %s %d %d", tm.tm_hour, tm.tm_min, tm.tm_sec,
                kMonths[tm.tm_mon], tm.tm_mday, tm.tm_year + 1900);
  return buf;
}

Result<time_t> parse_utc_time(std::string_view text) {
  struct tm tm {};
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  char tail = '\0';
  std::string str(text);
  int n = std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &s, &tail);
  bool date_only = n == 3 && str.size() == 10;
  if (!date_only && !(n == 7 && tail == 'Z' && str.size() == 20))
    return Error{"invalid time '" + str + "' (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)"};
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
    return Error{"invalid time '" + str + "'"};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return timegm(&tm);
}

}  // namespace keyway::pki
