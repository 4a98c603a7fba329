#include "pki/lab_ca.h"

#include <arpa/inet.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <sstream>

#include "pki/dn.h"

namespace keyway::pki {
namespace {

constexpr const char* kMagic = "keyway-lab-ca 1";

bool hostname_chars(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (std::isalnum(static_cast<unsigned char>(c)) && static_cast<unsigned char>(c) < 0x80) ||
           c == '.' || c == '-' || c == '_';
  });
}

bool valid_ipv4(const std::string& s) {
  in_addr a{};
  return inet_pton(AF_INET, s.c_str(), &a) == 1;
}

// Upper-case hex, an even number of digits: the spelling of
// Certificate::serial_hex(), so "revoke 03" finds 03.pem.
std::string serial_text(uint64_t serial) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%llX", static_cast<unsigned long long>(serial));
  std::string s = buf;
  if (s.size() % 2) s.insert(0, "0");
  return s;
}

Status add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext || !X509_add_ext(cert, ext.get(), -1))
    return Error{std::string("cannot add extension ") + OBJ_nid2sn(nid) + " = " + value + ": " +
                 openssl_error()};
  return ok_status();
}

Status set_validity(X509* x, time_t not_before, time_t not_after) {
  if (not_after <= not_before) return Error{"the validity period ends before it starts"};
  if (!ASN1_TIME_set(X509_getm_notBefore(x), not_before) ||
      !ASN1_TIME_set(X509_getm_notAfter(x), not_after))
    return Error{"cannot set the validity period: " + openssl_error()};
  return ok_status();
}

// Signs and returns the certificate as it reads back from its DER, so that
// in-memory and stored copies look alike (OpenSSL sorts the attributes of
// a multi-valued RDN only when encoding).
Result<Certificate> sign(X509Ptr x, EVP_PKEY* key) {
  if (!X509_sign(x.get(), key, EVP_sha256())) return Error{"cannot sign: " + openssl_error()};
  return Certificate::from_der(Certificate::adopt(std::move(x)).der());
}

std::vector<std::string> split_words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

}  // namespace

EnrollmentRequest request_from_policy(const TrustpointPolicy& p, std::string router_serial) {
  EnrollmentRequest r;
  r.subject_name = p.subject_name;
  r.fqdn = p.fqdn;
  r.ip_address = p.ip_address;
  if (p.serial_number) r.serial_number = std::move(router_serial);
  return r;
}

Result<X509NamePtr> enrollment_subject(const EnrollmentRequest& req) {
  std::vector<Rdn> rdns;
  if (!req.subject_name.empty()) {
    auto parsed = parse_dn(req.subject_name);
    if (!parsed) return Error{parsed.error()};
    rdns = parsed.take();
  }
  Rdn ios;
  if (!req.serial_number.empty()) ios.push_back({NID_serialNumber, req.serial_number});
  if (!req.ip_address.empty()) ios.push_back({NID_pkcs9_unstructuredAddress, req.ip_address});
  if (!req.fqdn.empty()) ios.push_back({NID_pkcs9_unstructuredName, req.fqdn});
  if (!ios.empty()) rdns.push_back(std::move(ios));
  if (rdns.empty()) return Error{"empty subject: give a subject name, an FQDN or an address"};
  return build_name(rdns);
}

Result<LabCa> LabCa::create(const std::filesystem::path& dir, const CaOptions& o) {
  if (o.name.empty() || !hostname_chars(o.name))
    return Error{"invalid CA name '" + o.name + "' (letters, digits, . _ -)"};
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error{dir.string() + ": " + ec.message()};
  if (std::filesystem::exists(dir / "state"))
    return Error{dir.string() + ": a CA already exists here"};

  auto subject = name_from_text(o.subject.empty() ? "CN=" + o.name : o.subject);
  if (!subject) return Error{subject.error()};
  Key key = o.key;
  if (!key) {
    auto k = generate_key(o.key_type);
    if (!k) return Error{k.error()};
    key = k.take();
  }
  X509Ptr x(X509_new());
  X509_set_version(x.get(), X509_VERSION_3);
  uint64_t serial = 1;
  if (o.parent) {
    auto s = o.parent->take_serial();
    if (!s) return Error{s.error()};
    serial = *s;
  }
  ASN1_INTEGER_set_uint64(X509_get_serialNumber(x.get()), serial);
  X509_set_subject_name(x.get(), subject->get());
  X509_set_issuer_name(x.get(), o.parent ? X509_get_subject_name(o.parent->cert_->x509()) : subject->get());
  X509_set_pubkey(x.get(), key.get());
  time_t start = o.not_before ? o.not_before : time(nullptr);
  if (Status s = set_validity(x.get(), start, start + time_t{86400} * o.days); !s) return Error{s.error()};
  X509* issuer = o.parent ? o.parent->cert_->x509() : x.get();
  for (auto [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:TRUE"},
                            std::pair{NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature"},
                            std::pair{NID_subject_key_identifier, "hash"},
                            std::pair{NID_authority_key_identifier, "keyid:always"}}) {
    if (Status s = add_ext(x.get(), issuer, nid, value); !s) return Error{s.error()};
  }
  auto cert = sign(std::move(x), o.parent ? o.parent->key_.get() : key.get());
  if (!cert) return Error{cert.error()};
  if (o.parent) {
    Status s = write_file(o.parent->dir_ / (serial_text(serial) + ".pem"), cert->pem());
    if (!s) return Error{s.error()};
  }

  LabCa ca;
  ca.dir_ = dir;
  ca.name_ = o.name;
  ca.cert_ = cert.take();
  ca.key_ = key;
  ca.crl_days_ = o.crl_days;
  if (Status s = write_file(dir / "ca.key", key_pem(key.get()), std::filesystem::perms(0600)); !s)
    return Error{s.error()};
  if (Status s = write_file(dir / "ca.pem", ca.cert_->pem()); !s) return Error{s.error()};
  if (Status s = ca.publish_crl(start); !s) return Error{s.error()};
  if (Status s = ca.save_state(); !s) return Error{s.error()};
  return ca;
}

Result<LabCa> LabCa::open(const std::filesystem::path& dir) {
  auto state = read_file(dir / "state");
  if (!state) return Error{dir.string() + ": not a lab CA directory (" + state.error() + ")"};
  LabCa ca;
  ca.dir_ = dir;
  std::istringstream in(std::string(state->begin(), state->end()));
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    std::vector<std::string> w = split_words(line);
    auto bad = [&] { return Error{(dir / "state").string() + ":" + std::to_string(lineno) + ": bad line"}; };
    try {
      if (lineno == 1) {
        if (line != kMagic) return bad();
      } else if (w.size() == 2 && w[0] == "name") {
        ca.name_ = w[1];
      } else if (w.size() == 2 && w[0] == "next-serial") {
        ca.next_serial_ = std::stoull(w[1]);
      } else if (w.size() == 2 && w[0] == "crl-days") {
        ca.crl_days_ = std::stoi(w[1]);
      } else if (w.size() == 3 && w[0] == "revoked") {
        ca.revoked_.push_back({w[1], static_cast<time_t>(std::stoll(w[2]))});
      } else if (!w.empty()) {
        return bad();
      }
    } catch (const std::exception&) {
      return bad();
    }
  }
  auto certs = Certificate::load_file(dir / "ca.pem");
  if (!certs) return Error{certs.error()};
  ca.cert_ = certs->front();
  auto key = load_key_file(dir / "ca.key");
  if (!key) return Error{key.error()};
  ca.key_ = key.take();
  if (!ca.cert_->matches_key(ca.key_.get()))
    return Error{dir.string() + ": ca.key does not belong to ca.pem"};
  return ca;
}

Status LabCa::save_state() const {
  std::string out = std::string(kMagic) + "\nname " + name_ + "\nnext-serial " +
                    std::to_string(next_serial_) + "\ncrl-days " + std::to_string(crl_days_) + "\n";
  for (const Revoked& r : revoked_) out += "revoked " + r.serial_hex + " " + std::to_string(r.when) + "\n";
  return write_file(dir_ / "state", out);
}

Result<Certificate> LabCa::issue(const EnrollmentRequest& req, EVP_PKEY* public_key) {
  if (!public_key) return Error{"no key to certify"};
  if (!req.fqdn.empty() && !hostname_chars(req.fqdn))
    return Error{"invalid FQDN '" + req.fqdn + "'"};
  if (!req.ip_address.empty() && !valid_ipv4(req.ip_address))
    return Error{"invalid IPv4 address '" + req.ip_address + "'"};
  if (!req.email.empty() && (req.email.find_first_of(", ") != std::string::npos ||
                             req.email.find('@') == std::string::npos))
    return Error{"invalid e-mail address '" + req.email + "'"};
  auto subject = enrollment_subject(req);
  if (!subject) return Error{subject.error()};

  X509Ptr x(X509_new());
  X509_set_version(x.get(), X509_VERSION_3);
  X509_set_subject_name(x.get(), subject->get());
  X509_set_issuer_name(x.get(), X509_get_subject_name(cert_->x509()));
  X509_set_pubkey(x.get(), public_key);
  time_t start = req.not_before ? req.not_before : time(nullptr);
  time_t end = req.not_after ? req.not_after : start + time_t{86400} * req.days;
  if (Status s = set_validity(x.get(), start, end); !s) return Error{s.error()};

  bool rsa = EVP_PKEY_get_base_id(public_key) == EVP_PKEY_RSA;
  std::string san;
  auto add_san = [&](const std::string& part) { san += (san.empty() ? "" : ",") + part; };
  if (!req.fqdn.empty()) add_san("DNS:" + req.fqdn);
  if (!req.ip_address.empty()) add_san("IP:" + req.ip_address);
  if (!req.email.empty()) add_san("email:" + req.email);
  std::vector<std::pair<int, std::string>> exts = {
      {NID_basic_constraints, "critical,CA:FALSE"},
      {NID_key_usage, rsa ? "critical,digitalSignature,keyEncipherment" : "critical,digitalSignature"},
      {NID_subject_key_identifier, "hash"},
      {NID_authority_key_identifier, "keyid:always"},
  };
  if (!san.empty()) exts.emplace_back(NID_subject_alt_name, san);
  for (const auto& [nid, value] : exts)
    if (Status s = add_ext(x.get(), cert_->x509(), nid, value); !s) return Error{s.error()};

  auto serial = take_serial();
  if (!serial) return Error{serial.error()};
  ASN1_INTEGER_set_uint64(X509_get_serialNumber(x.get()), *serial);
  auto cert = sign(std::move(x), key_.get());
  if (!cert) return cert;
  if (Status s = write_file(dir_ / (cert->serial_hex() + ".pem"), cert->pem()); !s) return Error{s.error()};
  return cert;
}

Result<uint64_t> LabCa::take_serial() {
  uint64_t serial = next_serial_++;
  if (Status s = save_state(); !s) return Error{s.error()};
  return serial;
}

Status LabCa::revoke(std::string_view serial_hex, time_t when) {
  std::string serial(serial_hex);
  for (char& c : serial) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  serial.erase(0, std::min(serial.find_first_not_of('0'), serial.size()));
  if (serial.empty() || serial.find_first_not_of("0123456789ABCDEF") != std::string::npos)
    return Error{"invalid serial number '" + std::string(serial_hex) + "' (hex)"};
  if (serial.size() % 2) serial.insert(0, "0");
  if (!std::filesystem::exists(dir_ / (serial + ".pem")))
    return Error{"this CA has issued no certificate with serial number " + serial};
  if (when == 0) when = time(nullptr);
  if (std::none_of(revoked_.begin(), revoked_.end(), [&](const Revoked& r) { return r.serial_hex == serial; }))
    revoked_.push_back({serial, when});
  if (Status s = save_state(); !s) return s;
  return publish_crl(when);
}

Status LabCa::publish_crl(time_t this_update) {
  X509CrlPtr crl(X509_CRL_new());
  X509_CRL_set_version(crl.get(), 1);  // v2
  X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(cert_->x509()));
  Asn1TimePtr last(ASN1_TIME_set(nullptr, this_update));
  Asn1TimePtr next(ASN1_TIME_set(nullptr, this_update + time_t{86400} * crl_days_));
  X509_CRL_set1_lastUpdate(crl.get(), last.get());
  X509_CRL_set1_nextUpdate(crl.get(), next.get());
  for (const Revoked& r : revoked_) {
    X509RevokedPtr rev(X509_REVOKED_new());
    BIGNUM* bn = nullptr;
    if (!BN_hex2bn(&bn, r.serial_hex.c_str())) return Error{"bad serial " + r.serial_hex};
    BignumPtr owned(bn);
    Asn1IntegerPtr serial(BN_to_ASN1_INTEGER(bn, nullptr));
    Asn1TimePtr at(ASN1_TIME_set(nullptr, r.when));
    X509_REVOKED_set_serialNumber(rev.get(), serial.get());
    X509_REVOKED_set_revocationDate(rev.get(), at.get());
    if (!X509_CRL_add0_revoked(crl.get(), rev.get())) return Error{openssl_error()};
    rev.release();  // owned by the CRL now
  }
  X509_CRL_sort(crl.get());
  if (!X509_CRL_sign(crl.get(), key_.get(), EVP_sha256())) return Error{"cannot sign the CRL: " + openssl_error()};
  return write_file(dir_ / "crl.pem", Crl::adopt(std::move(crl)).pem());
}

Result<Crl> LabCa::crl() const { return Crl::load_file(dir_ / "crl.pem"); }

}  // namespace keyway::pki
