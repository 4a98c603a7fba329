// The certificate store: enrollment order, persistence, the IOS `show`
// layout, import of PEM and DER files, and what it refuses.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include <openssl/pem.h>

#include "pki/dn.h"
#include "pki/enroll.h"
#include "pki/show.h"
#include "tests/pki/seed_pki.h"

namespace keyway::pki {
namespace {

using test::SeedPki;

CertStore open_store(const std::filesystem::path& dir) {
  auto s = CertStore::open(dir);
  if (!s) throw std::runtime_error(s.error());
  return s.take();
}

struct Listed {
  std::string kind_serial_issuer;  // "own 03 CA2"
  std::string trustpoints;
  bool operator==(const Listed&) const = default;
};

std::vector<Listed> listing(const CertStore& store) {
  std::vector<Listed> out;
  for (const CertStore::Entry* e : store.listing()) {
    std::string tps;
    for (const std::string& t : e->trustpoints) tps += (tps.empty() ? "" : " ") + t;
    out.push_back({std::string(e->kind == CertStore::Entry::Kind::kOwn ? "own " : "ca ") + e->cert.serial_hex() +
                       " " + *dn_attribute(e->cert.issuer(), NID_commonName),
                   tps});
  }
  return out;
}

std::vector<std::string> names(const std::vector<Trustpoint>& tps) {
  std::vector<std::string> out;
  for (const Trustpoint& t : tps) out.push_back(t.name);
  return out;
}

const std::vector<std::string> kBuiltin = {"CISCO_VERISIGN_C3", "CISCO_SSCA2", "CISCO_MFG_CA", "CISCO_ROOT_2048",
                                           "CISCO_ROOT_M1"};
std::vector<std::string> then_builtin(std::vector<std::string> v) {
  v.insert(v.end(), kBuiltin.begin(), kBuiltin.end());
  return v;
}

// R1's `show crypto pki certificates` starts with serial 03 from CA2 and
// goes on with "1 more R1 cert signed by CA1, 2 more CA certs"; R2's starts
// with serial 02 from CA1. The built-in CAs are not listed.
TEST(StoreOrder, SeedListings) {
  CertStore r1 = open_store(SeedPki::get().r1());
  CertStore r2 = open_store(SeedPki::get().r2());
  EXPECT_EQ(listing(r1), (std::vector<Listed>{{"own 03 CA2", "IOSCA2"}, {"own 03 CA1", "IOSCA1"},
                                              {"ca 01 CA2", "IOSCA2"}, {"ca 01 CA1", "IOSCA1"}}));
  EXPECT_EQ(listing(r2), (std::vector<Listed>{{"own 02 CA1", "IOSCA1"}, {"own 02 CA2", "IOSCA2"},
                                              {"ca 01 CA1", "IOSCA1"}, {"ca 01 CA2", "IOSCA2"}}));
  EXPECT_EQ(names(r1.trustpoints()), then_builtin({"IOSCA2", "IOSCA1"}));
  EXPECT_EQ(names(r2.trustpoints()), then_builtin({"IOSCA1", "IOSCA2"}));
  std::vector<std::string> subset{"CISCO_SSCA2", "IOSCA1"};
  EXPECT_EQ(names(r1.trustpoints(subset)), (std::vector<std::string>{"IOSCA1", "CISCO_SSCA2"}));
}

// A restart keeps the order: a new CertStore over the same directory, and
// the index in it, list what the first one listed.
TEST(StoreOrder, SurvivesReopening) {
  SeedPki& pki = SeedPki::get();
  std::filesystem::path dir = pki.copy_store(pki.r1(), "reopen");
  std::vector<Listed> before = listing(open_store(dir));
  {
    CertStore s = open_store(dir);
    EnrollmentRequest req;
    req.fqdn = "R1.cisco.com";
    req.not_before = test::kCaStart + 9000;
    ASSERT_TRUE(enroll(s, pki.ca1(), "IOSCA1", req));  // re-enrollment: IOSCA1 becomes the newest
  }
  CertStore again = open_store(dir);
  std::vector<Listed> after = listing(again);
  ASSERT_EQ(after.size(), before.size());
  EXPECT_EQ(after[0], (Listed{"own 04 CA1", "IOSCA1"}));
  EXPECT_EQ(after[1], before[0]);
  EXPECT_EQ(names(again.trustpoints()), then_builtin({"IOSCA1", "IOSCA2"}));
  // The replaced certificate is gone, from the index and the directory.
  EXPECT_FALSE(std::filesystem::exists(dir / "CA1#3.cer"));
  EXPECT_TRUE(std::filesystem::exists(dir / "CA1#4.cer"));
  // Both trust-points share the router's general-purpose key.
  EXPECT_EQ(EVP_PKEY_eq(again.trustpoint("IOSCA1")->key.get(), again.trustpoint("IOSCA2")->key.get()), 1);
  struct stat st {};
  ASSERT_EQ(stat((dir / "default.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(StoreOrder, PoliciesApplyInMemoryOnly) {
  CertStore s = open_store(SeedPki::get().r1());
  TrustpointPolicy p;
  p.name = "IOSCA1";
  p.revocation = {RevocationMethod::kNone};
  s.apply(std::vector<TrustpointPolicy>{p});
  EXPECT_FALSE(s.trustpoint("IOSCA1")->checks_crl());
  EXPECT_TRUE(s.trustpoint("IOSCA2")->checks_crl());  // IOS's default: crl
  EXPECT_TRUE(open_store(SeedPki::get().r1()).trustpoint("IOSCA1")->checks_crl());
}

// The seed's R2 listing, entry for entry; keyway prints UTC and names the
// store instead of nvram.
TEST(StoreShow, SeedLayout) {
  CertStore r2 = open_store(SeedPki::get().r2());
  std::string out = show_certificates(r2);
  const std::string first =
      "Certificate\n"
      "  Status: Available\n"
      "  Certificate Serial Number (hex): 02\n"
      "  Certificate Usage: General Purpose\n"
      "  Issuer:\n"
      "    cn=CA1\n"
      "    o=cisco\n"
      "    o=com\n"
      "  Subject:\n"
      "    Name: R2.cisco.com\n"
      "    IP Address: 192.168.0.2\n"
      "    Serial Number: 101\n"
      "    serialNumber=101+ipaddress=192.168.0.2+hostname=R2.cisco.com\n"
      "    cn=R2\n"
      "    ou=IT\n"
      "    o=cisco\n"
      "    o=com\n"
      "  Validity Date:\n"
      "    start date: 13:23:49 UTC Jun 17 2013\n"
      "    end   date: 13:23:49 UTC Jun 17 2014\n"
      "  Associated Trustpoints: IOSCA1\n"
      "  Storage: store:CA1#2.cer\n";
  ASSERT_GE(out.size(), first.size());
  EXPECT_EQ(out.substr(0, first.size()), first);
  const std::string ca =
      "CA Certificate\n"
      "  Status: Available\n"
      "  Certificate Serial Number (hex): 01\n"
      "  Certificate Usage: Signature\n"
      "  Issuer:\n"
      "    cn=CA1\n"
      "    o=cisco\n"
      "    o=com\n"
      "  Subject:\n"
      "    cn=CA1\n"
      "    o=cisco\n"
      "    o=com\n"
      "  Validity Date:\n"
      "    start date: 12:00:00 UTC Jun 17 2013\n"
      "    end   date: 12:00:00 UTC Jun 15 2023\n"
      "  Associated Trustpoints: IOSCA1\n"
      "  Storage: store:CA1#1CA.cer\n";
  EXPECT_NE(out.find("\n\n" + ca + "\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("VeriSign"), std::string::npos);  // built-in CAs are not listed
  // Four entries, separated by blank lines.
  size_t entries = 0;
  for (size_t at = 0; (at = out.find("Status: Available", at)) != std::string::npos; ++at) ++entries;
  EXPECT_EQ(entries, 4u);
}

TEST(StoreShow, SharedCaListsBothTrustpoints) {
  SeedPki& pki = SeedPki::get();
  CertStore s = open_store(pki.scratch("shared"));
  ASSERT_TRUE(s.add_ca("TP1", pki.ca1().certificate()));
  ASSERT_TRUE(s.add_ca("TP2", pki.ca1().certificate()));
  ASSERT_TRUE(s.add_ca("TP1", pki.ca1().certificate()));  // again: nothing changes
  ASSERT_EQ(s.listing().size(), 1u);
  EXPECT_EQ(s.listing()[0]->trustpoints, (std::vector<std::string>{"TP1", "TP2"}));
  EXPECT_NE(show_certificates(s).find("  Associated Trustpoints: TP1 TP2\n"), std::string::npos);
}

// -------------------------------------------------------------- import

enum class Format { kPem, kDer };

void write_cert(const std::filesystem::path& p, const Certificate& c, Format f) {
  std::ofstream out(p, std::ios::binary);
  if (f == Format::kPem) {
    out << c.pem();
  } else {
    out.write(reinterpret_cast<const char*>(c.der().data()), static_cast<std::streamsize>(c.der().size()));
  }
}

void write_key(const std::filesystem::path& p, EVP_PKEY* key, Format f) {
  std::ofstream out(p, std::ios::binary);
  if (f == Format::kPem) {
    out << key_pem(key);
    return;
  }
  unsigned char* der = nullptr;
  int n = i2d_PrivateKey(key, &der);
  out.write(reinterpret_cast<const char*>(der), n);
  OPENSSL_free(der);
}

void write_crl(const std::filesystem::path& p, const Crl& crl, Format f) {
  std::ofstream out(p, std::ios::binary);
  if (f == Format::kPem) {
    out << crl.pem();
    return;
  }
  unsigned char* der = nullptr;
  int n = i2d_X509_CRL(crl.x509_crl(), &der);
  out.write(reinterpret_cast<const char*>(der), n);
  OPENSSL_free(der);
}

class StoreImport : public ::testing::TestWithParam<Format> {};

// `keyway pki import TP --ca FILE --cert FILE --key FILE --crl FILE`, the
// files in either encoding.
TEST_P(StoreImport, ReadsPemAndDer) {
  SeedPki& pki = SeedPki::get();
  std::filesystem::path files = pki.scratch("import-files");
  CertStore r1 = open_store(pki.r1());
  Trustpoint tp = *r1.trustpoint("IOSCA2");
  write_cert(files / "ca", *tp.ca, GetParam());
  write_cert(files / "cert", tp.certificates[0], GetParam());
  write_key(files / "key", tp.key.get(), GetParam());
  write_crl(files / "crl", *tp.crl, GetParam());

  auto ca = Certificate::load_file(files / "ca");
  auto cert = Certificate::load_file(files / "cert");
  auto key = load_key_file(files / "key");
  auto crl = Crl::load_file(files / "crl");
  ASSERT_TRUE(ca) << ca.error();
  ASSERT_TRUE(cert) << cert.error();
  ASSERT_TRUE(key) << key.error();
  ASSERT_TRUE(crl) << crl.error();
  EXPECT_EQ(ca->front(), *tp.ca);
  EXPECT_EQ(cert->front(), tp.certificates[0]);

  CertStore fresh = open_store(pki.scratch("import-store"));
  ASSERT_TRUE(fresh.add_ca("IOSCA2", ca->front()));
  ASSERT_TRUE(fresh.add_certificate("IOSCA2", cert->front(), *key));
  ASSERT_TRUE(fresh.set_crl("IOSCA2", *crl));
  CertStore reopened = open_store(fresh.dir());
  std::optional<Trustpoint> back = reopened.trustpoint("IOSCA2");
  ASSERT_TRUE(back && back->can_sign() && back->crl);
  EXPECT_EQ(back->certificates[0], tp.certificates[0]);
  EXPECT_TRUE(back->certificates[0].matches_key(back->key.get()));
}

INSTANTIATE_TEST_SUITE_P(Formats, StoreImport, ::testing::Values(Format::kPem, Format::kDer),
                         [](const auto& p) { return p.param == Format::kPem ? "Pem" : "Der"; });

TEST(StoreImport, PemBundleGivesEveryCertificate) {
  SeedPki& pki = SeedPki::get();
  std::string bundle = pki.ca1().certificate().pem() + pki.ca2().certificate().pem();
  auto all = Certificate::parse_all({reinterpret_cast<const uint8_t*>(bundle.data()), bundle.size()});
  ASSERT_TRUE(all) << all.error();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[1], pki.ca2().certificate());
  std::string junk = "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n";
  EXPECT_FALSE(Certificate::parse_all({reinterpret_cast<const uint8_t*>(junk.data()), junk.size()}));
  Bytes der = pki.ca1().certificate().der();
  der.push_back(0);
  EXPECT_FALSE(Certificate::from_der(der));
}

// -------------------------------------------------------------- refusals

TEST(StoreRefuses, InconsistentCertificates) {
  SeedPki& pki = SeedPki::get();
  CertStore r1 = open_store(pki.r1());
  Trustpoint ca1 = *r1.trustpoint("IOSCA1");
  Trustpoint ca2 = *r1.trustpoint("IOSCA2");
  CertStore s = open_store(pki.scratch("refuse"));

  Status no_ca = s.add_certificate("TP", ca1.certificates[0], ca1.key);
  EXPECT_NE(no_ca.error().find("has no CA certificate"), std::string::npos) << no_ca.error();
  ASSERT_TRUE(s.add_ca("TP", *ca1.ca));
  Status other_ca = s.add_certificate("TP", ca2.certificates[0], ca2.key);
  EXPECT_NE(other_ca.error().find("not issued by"), std::string::npos) << other_ca.error();
  Status wrong_key = s.add_certificate("TP", ca1.certificates[0], pki.ec_key());
  EXPECT_NE(wrong_key.error().find("does not match"), std::string::npos) << wrong_key.error();
  Status second_ca = s.add_ca("TP", *ca2.ca);
  EXPECT_NE(second_ca.error().find("already has a different CA"), std::string::npos) << second_ca.error();
  Status not_ca = s.add_ca("TP9", ca1.certificates[0]);
  EXPECT_NE(not_ca.error().find("not a CA"), std::string::npos) << not_ca.error();
  Status bad_name = s.add_ca("has space", *ca1.ca);
  EXPECT_NE(bad_name.error().find("invalid trust-point name"), std::string::npos) << bad_name.error();
  Status wrong_crl = s.set_crl("TP", *ca2.crl);
  EXPECT_NE(wrong_crl.error().find("not signed by"), std::string::npos) << wrong_crl.error();
  ASSERT_TRUE(s.add_ca("BUILTIN", *ca2.ca, true));
  Status predefined_cert = s.add_certificate("BUILTIN", ca2.certificates[0], ca2.key);
  EXPECT_FALSE(predefined_cert);
  // Nothing of the refused attempts reached the disk.
  EXPECT_EQ(listing(open_store(s.dir())).size(), 1u);
}

class DamagedIndex : public ::testing::TestWithParam<const char*> {};

TEST_P(DamagedIndex, IsRefusedNamingTheLine) {
  SeedPki& pki = SeedPki::get();
  std::filesystem::path dir = pki.copy_store(pki.r1(), "damaged");
  {
    std::ifstream in(dir / "index");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream out(dir / "index", std::ios::trunc);
    out << (std::string(GetParam()).find("%s") == 0 ? text + (GetParam() + 2) : std::string(GetParam()));
  }
  auto s = CertStore::open(dir);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().find("index:"), std::string::npos) << s.error();
}

INSTANTIATE_TEST_SUITE_P(
    Bad, DamagedIndex,
    ::testing::Values("not a store\n", "",
                      "%scert 99 own missing.cer IOSCA1\n",              // a file that is not there
                      "%scert 1 own CA1#3.cer IOSCA1\n",                 // out of order
                      "%scert 100 own CA1#3.cer NOSUCH\n",               // undeclared trust-point
                      "%scert x own CA1#3.cer IOSCA1\n",                 // bad sequence
                      "%scert 100 mine CA1#3.cer IOSCA1\n",              // bad kind
                      "%strustpoint IOSCA1\n",                           // repeated
                      "%strustpoint X key=index\n",                      // not a key
                      "%sfrobnicate\n"));

}  // namespace
}  // namespace keyway::pki
