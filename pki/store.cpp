#include "pki/store.h"

#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <sstream>

namespace keyway::pki {
namespace {

constexpr const char* kMagic = "keyway-pki-store 1";
constexpr const char* kIndex = "index";
constexpr const char* kDefaultKey = "default.key";

std::string bytes_text(const Bytes& b) { return std::string(b.begin(), b.end()); }

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t end = s.find(sep, start);
    out.emplace_back(s.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return out;
    start = end + 1;
  }
}

// IOS names certificate files after the issuing CA's common name without
// blanks and the serial number in hex: "CA1#2.cer", "CA1#1CA.cer".
std::string ios_file_stem(const Certificate& cert, bool ca) {
  const X509_NAME* name = ca ? cert.subject() : cert.issuer();
  std::string cn = dn_attribute(name, NID_commonName).value_or("cert");
  std::string stem;
  for (char c : cn)
    if ((std::isalnum(static_cast<unsigned char>(c)) && static_cast<unsigned char>(c) < 0x80) ||
        c == '-' || c == '_' || c == '.')
      stem += c;
  if (stem.empty() || stem[0] == '.') stem = "cert" + stem;
  std::string serial = cert.serial_hex();
  size_t nz = serial.find_first_not_of('0');
  serial = nz == std::string::npos ? "0" : serial.substr(nz);
  return stem + "#" + serial + (ca ? "CA" : "");
}

}  // namespace

Result<CertStore> CertStore::open(const std::filesystem::path& dir, bool create) {
  std::error_code ec;
  if (!create && !std::filesystem::is_directory(dir, ec))
    return Error{dir.string() + ": no certificate store here"};
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error{dir.string() + ": cannot create the store directory: " + ec.message()};
  CertStore store(dir);
  if (std::filesystem::exists(dir / kIndex)) {
    Status s = store.load();
    if (!s) return Error{s.error()};
  }
  return store;
}

Status CertStore::load() {
  auto text = read_file(dir_ / kIndex);
  if (!text) return Error{text.error()};
  std::istringstream in(bytes_text(*text));
  std::string line;
  int lineno = 0;
  auto bad = [&](const std::string& why) {
    return Error{(dir_ / kIndex).string() + ":" + std::to_string(lineno) + ": " + why};
  };
  while (std::getline(in, line)) {
    ++lineno;
    if (lineno == 1) {
      if (line != kMagic) return bad("not a keyway certificate store index");
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f = split(line, ' ');
    if (f[0] == "trustpoint" && f.size() >= 2) {
      if (!valid_trustpoint_name(f[1]) || find(f[1])) return bad("bad or repeated trust-point");
      TpRecord r;
      r.name = f[1];
      for (size_t i = 2; i < f.size(); ++i) {
        if (f[i] == "predefined") {
          r.predefined = true;
        } else if (f[i].rfind("key=", 0) == 0) {
          r.key_file = f[i].substr(4);
          auto key = load_key_file(dir_ / r.key_file);
          if (!key) return bad(key.error());
          r.key = key.take();
        } else if (f[i].rfind("crl=", 0) == 0) {
          r.crl_file = f[i].substr(4);
          auto crl = Crl::load_file(dir_ / r.crl_file);
          if (!crl) return bad(crl.error());
          r.crl = crl.take();
        } else {
          return bad("unknown trust-point attribute '" + f[i] + "'");
        }
      }
      tps_.push_back(std::move(r));
    } else if (f[0] == "cert" && f.size() == 5) {
      uint64_t seq = 0;
      try {
        seq = std::stoull(f[1]);
      } catch (const std::exception&) {
        return bad("bad sequence number '" + f[1] + "'");
      }
      if (f[2] != "ca" && f[2] != "own") return bad("certificate kind must be ca or own");
      auto der = read_file(dir_ / f[3]);
      if (!der) return bad(der.error());
      auto cert = Certificate::from_der(*der);
      if (!cert) return bad(f[3] + ": " + cert.error());
      Entry e{seq, f[2] == "ca" ? Entry::Kind::kCa : Entry::Kind::kOwn, cert.take(), f[3],
              split(f[4], ',')};
      for (const std::string& tp : e.trustpoints)
        if (!find(tp)) return bad("certificate for undeclared trust-point '" + tp + "'");
      if (!entries_.empty() && seq <= entries_.back().seq)
        return bad("certificates out of enrollment order");
      next_seq_ = seq + 1;
      entries_.push_back(std::move(e));
    } else {
      return bad("unrecognised record");
    }
  }
  if (lineno == 0) return bad("empty index");
  return ok_status();
}

Status CertStore::save() const {
  std::string out = std::string(kMagic) + "\n";
  for (const TpRecord& r : tps_) {
    out += "trustpoint " + r.name;
    if (r.predefined) out += " predefined";
    if (!r.key_file.empty()) out += " key=" + r.key_file;
    if (!r.crl_file.empty()) out += " crl=" + r.crl_file;
    out += "\n";
  }
  for (const Entry& e : entries_) {
    out += "cert " + std::to_string(e.seq) + (e.kind == Entry::Kind::kCa ? " ca " : " own ") +
           e.file + " ";
    for (size_t i = 0; i < e.trustpoints.size(); ++i) out += (i ? "," : "") + e.trustpoints[i];
    out += "\n";
  }
  return write_file(dir_ / kIndex, out);
}

CertStore::TpRecord* CertStore::find(std::string_view tp) {
  for (TpRecord& r : tps_)
    if (r.name == tp) return &r;
  return nullptr;
}

const CertStore::TpRecord* CertStore::find(std::string_view tp) const {
  for (const TpRecord& r : tps_)
    if (r.name == tp) return &r;
  return nullptr;
}

CertStore::TpRecord& CertStore::find_or_create(std::string_view tp, bool predefined) {
  if (TpRecord* r = find(tp)) return *r;
  TpRecord r;
  r.name = std::string(tp);
  r.predefined = predefined;
  tps_.push_back(std::move(r));
  return tps_.back();
}

std::string CertStore::unique_file_name(const Certificate& cert, bool ca) const {
  std::string stem = ios_file_stem(cert, ca);
  for (int i = 1;; ++i) {
    std::string name = stem + (i == 1 ? "" : "-" + std::to_string(i)) + ".cer";
    bool used = std::any_of(entries_.begin(), entries_.end(),
                            [&](const Entry& e) { return e.file == name; });
    if (!used && !std::filesystem::exists(dir_ / name)) return name;
  }
}

Status CertStore::add_ca(std::string_view tp, const Certificate& ca, bool predefined) {
  if (!valid_trustpoint_name(tp))
    return Error{"invalid trust-point name '" + std::string(tp) + "' (letters, digits, . _ -)"};
  if (X509_check_ca(ca.x509()) == 0)
    return Error{"the certificate for trust-point " + std::string(tp) + " is not a CA certificate"};
  if (const TpRecord* r = find(tp); r && r->predefined != predefined)
    return Error{"trust-point " + std::string(tp) + " is " +
                 (r->predefined ? "predefined" : "not predefined")};
  for (const Entry& e : entries_) {
    if (e.kind != Entry::Kind::kCa) continue;
    bool mine = std::find(e.trustpoints.begin(), e.trustpoints.end(), tp) != e.trustpoints.end();
    if (mine && e.cert == ca) return ok_status();  // already authenticated
    if (mine)
      return Error{"trust-point " + std::string(tp) +
                   " already has a different CA certificate (" + format_dn(e.cert.subject()) + ")"};
  }
  TpRecord& r = find_or_create(tp, predefined);
  for (Entry& e : entries_) {
    if (e.kind == Entry::Kind::kCa && e.cert == ca) {
      e.trustpoints.push_back(r.name);
      return save();
    }
  }
  std::string file = unique_file_name(ca, true);
  const Bytes& der = ca.der();
  Status w = write_file(dir_ / file, std::string_view(reinterpret_cast<const char*>(der.data()), der.size()));
  if (!w) return w;
  entries_.push_back(Entry{next_seq_++, Entry::Kind::kCa, ca, file, {r.name}});
  return save();
}

Status CertStore::add_certificate(std::string_view tp, const Certificate& cert, const Key& key) {
  TpRecord* r = find(tp);
  std::optional<Trustpoint> t = trustpoint(tp);
  if (!r || !t || !t->ca)
    return Error{"trust-point " + std::string(tp) + " has no CA certificate; add it first (--ca)"};
  if (r->predefined) return Error{"trust-point " + std::string(tp) + " is predefined (CA only)"};
  if (!cert.signed_by(*t->ca))
    return Error{"the certificate (issuer " + format_dn(cert.issuer()) +
                 ") is not issued by trust-point " + std::string(tp) + "'s CA (" +
                 format_dn(t->ca->subject()) + ")"};
  if (!key || !cert.matches_key(key.get()))
    return Error{"the private key does not match the certificate's public key"};

  // The key file first, then the certificate, then the index that names them.
  std::string key_file;
  if (default_key_ && EVP_PKEY_eq(default_key_.get(), key.get()) == 1) {
    key_file = kDefaultKey;
  } else {
    key_file = r->name + ".key";
    Status w = write_file(dir_ / key_file, key_pem(key.get()), std::filesystem::perms(0600));
    if (!w) return w;
  }
  std::string file = unique_file_name(cert, false);
  const Bytes& der = cert.der();
  Status w = write_file(dir_ / file, std::string_view(reinterpret_cast<const char*>(der.data()), der.size()));
  if (!w) return w;

  std::vector<std::string> replaced;
  std::erase_if(entries_, [&](const Entry& e) {
    bool old = e.kind == Entry::Kind::kOwn && e.trustpoints.size() == 1 && e.trustpoints[0] == tp;
    if (old) replaced.push_back(e.file);
    return old;
  });
  entries_.push_back(Entry{next_seq_++, Entry::Kind::kOwn, cert, file, {r->name}});
  r->key = key;
  r->key_file = key_file;
  Status s = save();
  if (!s) return s;
  for (const std::string& f : replaced) std::filesystem::remove(dir_ / f);
  return ok_status();
}

Status CertStore::set_crl(std::string_view tp, const Crl& crl) {
  std::optional<Trustpoint> t = trustpoint(tp);
  if (!t || !t->ca) return Error{"trust-point " + std::string(tp) + " has no CA certificate"};
  if (X509_NAME_cmp(crl.issuer(), t->ca->subject()) != 0 ||
      X509_CRL_verify(crl.x509_crl(), X509_get0_pubkey(t->ca->x509())) != 1) {
    openssl_error();
    return Error{"the CRL (issuer " + format_dn(crl.issuer()) + ") is not signed by trust-point " +
                 std::string(tp) + "'s CA"};
  }
  TpRecord* r = find(tp);
  std::string file = r->name + ".crl";
  Status w = write_file(dir_ / file, crl.pem());
  if (!w) return w;
  r->crl = crl;
  r->crl_file = file;
  return save();
}

Result<Key> CertStore::default_key(KeyType type) {
  if (default_key_) return default_key_;
  if (std::filesystem::exists(dir_ / kDefaultKey)) {
    auto key = load_key_file(dir_ / kDefaultKey);
    if (!key) return key;
    default_key_ = *key;
    return default_key_;
  }
  auto key = generate_key(type);
  if (!key) return key;
  Status w = write_file(dir_ / kDefaultKey, key_pem(key->get()), std::filesystem::perms(0600));
  if (!w) return Error{w.error()};
  default_key_ = *key;
  return default_key_;
}

void CertStore::apply(std::span<const TrustpointPolicy> policies) {
  policies_.assign(policies.begin(), policies.end());
}

std::vector<const CertStore::Entry*> CertStore::listing() const {
  std::vector<const Entry*> out;
  for (Entry::Kind kind : {Entry::Kind::kOwn, Entry::Kind::kCa}) {
    for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
      bool shown = it->kind == kind &&
                   std::any_of(it->trustpoints.begin(), it->trustpoints.end(), [&](const std::string& tp) {
                     const TpRecord* r = find(tp);
                     return r && !r->predefined;
                   });
      if (shown) out.push_back(&*it);
    }
  }
  return out;
}

Trustpoint CertStore::materialize(const TpRecord& r) const {
  Trustpoint t;
  t.name = r.name;
  t.policy.name = r.name;
  for (const TrustpointPolicy& p : policies_)
    if (p.name == r.name) t.policy = p;
  t.predefined = r.predefined;
  // Newest first, as listed.
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (std::find(it->trustpoints.begin(), it->trustpoints.end(), r.name) == it->trustpoints.end())
      continue;
    if (it->kind == Entry::Kind::kCa) {
      if (!t.ca) t.ca = it->cert;
    } else {
      t.certificates.push_back(it->cert);
    }
  }
  t.key = r.key;
  t.crl = r.crl;
  return t;
}

std::vector<Trustpoint> CertStore::trustpoints() const {
  std::vector<Trustpoint> out;
  std::vector<std::string> seen;
  auto take = [&](const std::string& name) {
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) return;
    seen.push_back(name);
    Trustpoint t = materialize(*find(name));
    if (t.ca) out.push_back(std::move(t));
  };
  for (const Entry* e : listing())
    for (const std::string& tp : e->trustpoints)
      if (!find(tp)->predefined) take(tp);
  for (const Entry& e : entries_)
    for (const std::string& tp : e.trustpoints)
      if (find(tp)->predefined) take(tp);
  return out;
}

std::vector<Trustpoint> CertStore::trustpoints(std::span<const std::string> names) const {
  std::vector<Trustpoint> out;
  for (Trustpoint& t : trustpoints())
    if (std::find(names.begin(), names.end(), t.name) != names.end()) out.push_back(std::move(t));
  return out;
}

std::optional<Trustpoint> CertStore::trustpoint(std::string_view name) const {
  const TpRecord* r = find(name);
  if (!r) return std::nullopt;
  return materialize(*r);
}

std::vector<std::string> CertStore::names() const {
  std::vector<std::string> out;
  for (const TpRecord& r : tps_) out.push_back(r.name);
  return out;
}

}  // namespace keyway::pki
