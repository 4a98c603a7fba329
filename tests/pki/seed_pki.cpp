#include "tests/pki/seed_pki.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <stdexcept>

#include "pki/enroll.h"
#include "pki/log.h"

namespace keyway::pki::test {
namespace {

template <class T>
T must(Result<T> r, const char* what) {
  if (!r) throw std::runtime_error(std::string(what) + ": " + r.error());
  return r.take();
}

void must(const Status& s, const char* what) {
  if (!s) throw std::runtime_error(std::string(what) + ": " + s.error());
}

EnrollmentRequest router(const char* name, const char* ip, const char* serial, time_t at) {
  EnrollmentRequest r;
  r.subject_name = std::string("CN=") + name + ",OU=IT,O=cisco,O=com";
  r.fqdn = std::string(name) + ".cisco.com";
  r.ip_address = ip;
  r.serial_number = serial;
  r.not_before = at;
  r.days = 365;
  return r;
}

}  // namespace

const std::vector<PredefinedCa>& predefined_cas() {
  static const std::vector<PredefinedCa> kCas = {
      {"CISCO_VERISIGN_C3", "ou=Class 3 Public Primary Certification Authority,o=VeriSign, Inc.,c=US"},
      {"CISCO_SSCA2", "cn=Cisco SSCA2,o=Cisco Systems"},
      {"CISCO_MFG_CA", "cn=Cisco Manufacturing CA,o=Cisco Systems"},
      {"CISCO_ROOT_2048", "cn=Cisco Root CA 2048,o=Cisco Systems"},
      {"CISCO_ROOT_M1", "cn=Cisco Root CA M1,o=Cisco"},
  };
  return kCas;
}

void add_builtin(CertStore& store, const std::vector<LabCa>& builtin) {
  for (size_t i = 0; i < builtin.size(); ++i)
    must(store.add_ca(predefined_cas()[i].trustpoint, builtin[i].certificate(), true), "predefined CA");
}

SeedPki& SeedPki::get() {
  static SeedPki pki;
  return pki;
}

SeedPki::SeedPki() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "keyway-pki-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;

  ec_key_ = must(generate_key(KeyType::kEcP256), "EC key");
  CaOptions o;
  o.not_before = kCaStart;
  o.name = "CA1";
  o.subject = "CN=CA1,O=cisco,O=com";
  ca1_.push_back(must(LabCa::create(dir_ / "ca1", o), "CA1"));
  o.name = "CA2";
  o.subject = "CN=CA2,O=cisco,O=com";
  ca2_.push_back(must(LabCa::create(dir_ / "ca2", o), "CA2"));
  for (size_t i = 0; i < predefined_cas().size(); ++i) {
    CaOptions b;
    b.name = predefined_cas()[i].trustpoint;
    b.subject = predefined_cas()[i].subject;  // IOS spelling reads back as RFC 4514 text
    b.key_type = KeyType::kEcP256;
    b.not_before = kCaStart;
    builtin_.push_back(must(LabCa::create(dir_ / b.name, b), "built-in CA"));
  }

  CertStore s1 = must(CertStore::open(r1()), "R1 store");
  CertStore s2 = must(CertStore::open(r2()), "R2 store");
  add_builtin(s1, builtin_);
  add_builtin(s2, builtin_);
  // 13:23:49 and 13:25:01 are the seed's validity start times.
  must(enroll(s2, ca2(), "IOSCA2", router("R2", "192.168.0.2", "101", kCaStart + 4800)), "R2@CA2");
  must(enroll(s2, ca1(), "IOSCA1", router("R2", "192.168.0.2", "101", kCaStart + 5029)), "R2@CA1");
  must(enroll(s1, ca1(), "IOSCA1", router("R1", "192.168.0.1", "100", kCaStart + 5070)), "R1@CA1");
  must(enroll(s1, ca2(), "IOSCA2", router("R1", "192.168.0.1", "100", kCaStart + 5101)), "R1@CA2");
}

SeedPki::~SeedPki() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::filesystem::path SeedPki::scratch(const std::string& name) {
  std::filesystem::path p = dir_ / "scratch" / (name + "-" + std::to_string(++scratch_count_));
  std::filesystem::create_directories(p);
  return p;
}

std::filesystem::path SeedPki::copy_store(const std::filesystem::path& from, const std::string& name) {
  std::filesystem::path to = scratch(name);
  std::filesystem::copy(from, to, std::filesystem::copy_options::recursive |
                                      std::filesystem::copy_options::overwrite_existing);
  return to;
}

std::vector<std::string> Captured::rendered(uint32_t sa) const {
  std::vector<std::string> out;
  for (const LogLine& l : lines) out.push_back(render(l, sa));
  return out;
}

}  // namespace keyway::pki::test
