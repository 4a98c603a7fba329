// The seed's CERTREQ lists and "Choosing trustpoint" outcomes, from the
// enrollment orders it shows: R1 enrolled with CA2 last, R2 with CA1 last.
// Expected lines are the seed's log lines (timestamps dropped, line
// wrapping undone, OCR damage "IOSCAI"/"IOSCAL" read as IOSCA1).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include <openssl/sha.h>

#include "pki/certreq.h"
#include "pki/certreq_match.h"
#include "pki/dn.h"
#include "pki/enroll.h"
#include "pki/validate.h"
#include "tests/pki/seed_pki.h"

namespace keyway::pki {
namespace {

using test::Captured;
using test::SeedPki;

CertStore open_store(const std::filesystem::path& dir) {
  auto s = CertStore::open(dir);
  if (!s) throw std::runtime_error(s.error());
  return s.take();
}

const std::vector<std::string> kSevenIssuers = {
    "cn=CA1,o=cisco,o=com",
    "cn=CA2,o=cisco,o=com",
    "ou=Class 3 Public Primary Certification Authority,o=VeriSign, Inc.,c=US",
    "cn=Cisco SSCA2,o=Cisco Systems",
    "cn=Cisco Manufacturing CA,o=Cisco Systems",
    "cn=Cisco Root CA 2048,o=Cisco Systems",
    "cn=Cisco Root CA M1,o=Cisco",
};

std::vector<std::string> swap_first_two(std::vector<std::string> v) {
  std::swap(v[0], v[1]);
  return v;
}

std::vector<std::string> constructing(const std::vector<std::string>& issuers, uint32_t sa) {
  std::vector<std::string> out;
  for (const std::string& i : issuers)
    out.push_back("ISAKMP (" + std::to_string(sa) + "): constructing CERT_REQ for issuer " + i);
  return out;
}

// ----------------------------------------------------------- CERTREQ lists

struct CertReqCase {
  const char* name;
  bool r1;                                  // whose store
  std::vector<std::string> profile;         // `ca trust-point` list; empty: all (responder, or R2)
  uint32_t sa;
  std::vector<std::string> expected;        // the seed's "constructing CERT_REQ" lines
};

class SeedCertReq : public ::testing::TestWithParam<CertReqCase> {};

TEST_P(SeedCertReq, ListsTheSeedsIssuersInTheSeedsOrder) {
  const CertReqCase& c = GetParam();
  CertStore store = open_store(c.r1 ? SeedPki::get().r1() : SeedPki::get().r2());
  std::vector<Trustpoint> tps = c.profile.empty() ? store.trustpoints() : store.trustpoints(c.profile);
  Captured log;
  std::vector<CertReq> reqs = build_certreq_ikev1(tps, log.sink());
  EXPECT_EQ(log.rendered(c.sa), c.expected);
  // One payload per CA, type 4, the body the CA's DER subject.
  ASSERT_EQ(reqs.size(), c.expected.size());
  for (size_t i = 0; i < reqs.size(); ++i) {
    EXPECT_EQ(reqs[i].type, 4);
    EXPECT_EQ(reqs[i].body, tps[i].ca->subject_der());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Seed, SeedCertReq,
    ::testing::Values(
        // "R1 as the IKEv1 Initiator": MM3 asks only for the profile's CA.
        CertReqCase{"R1InitiatorMM3", true, {"IOSCA1"}, 0, constructing({kSevenIssuers[0]}, 0)},
        // R2 as responder: MM4 asks for every trust-point, CA1 first.
        CertReqCase{"R2ResponderMM4", false, {}, 1010, constructing(kSevenIssuers, 1010)},
        // "R2 as the IKEv1 Initiator": R2's profile has no ca trust-point.
        CertReqCase{"R2InitiatorMM3", false, {}, 0, constructing(kSevenIssuers, 0)},
        // R1 as responder: every trust-point, CA2 first (its newest certificate).
        CertReqCase{"R1ResponderMM4", true, {}, 1099, constructing(swap_first_two(kSevenIssuers), 1099)}),
    [](const auto& p) { return p.param.name; });

// The payload the seed's capture shows: "Payload length: 51", "rdnSequence:
// 3 items (id-at-commonName=CA1,id-at-organizationName=cisco,
// id-at-organizationName=com)": a 4-byte header, the type byte and a
// 46-byte DN.
TEST(SeedCertReqPayload, MatchesTheCapturedLength) {
  CertStore r1 = open_store(SeedPki::get().r1());
  std::vector<std::string> profile{"IOSCA1"};
  std::vector<CertReq> reqs = build_certreq_ikev1(r1.trustpoints(profile));
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(4 + 1 + reqs[0].body.size(), 51u);
  auto dn = parse_certreq_ikev1(reqs[0].type, reqs[0].body);
  ASSERT_TRUE(dn) << dn.error();
}

// ------------------------------------------------------- first-match rule

struct ChooseCase {
  const char* name;
  bool chooser_r1;                      // who answers
  std::vector<std::string> peer_profile;  // restricts the peer's CERTREQs; empty: all
  std::vector<std::string> profile;       // restricts the chooser; empty: none
  uint32_t sa;
  std::vector<std::string> expected_log;
  const char* chosen;
  const char* cert_subject;  // "constructing CERT payload for ..."
};

std::vector<std::string> wants(const std::vector<std::string>& issuers, uint32_t sa, size_t insert_after,
                               const std::vector<std::string>& insert) {
  std::vector<std::string> out;
  std::string p = "ISAKMP:(" + std::to_string(sa) + "): ";
  for (size_t i = 0; i < issuers.size(); ++i) {
    out.push_back(p + "peer wants a CT_X509_SIGNATURE cert");
    out.push_back(p + "peer wants cert issued by " + issuers[i]);
    if (i == insert_after) out.insert(out.end(), insert.begin(), insert.end());
  }
  return out;
}

constexpr const char* kR1Subject =
    "serialNumber=100+ipaddress=192.168.0.1+hostname=R1.cisco.com,cn=R1,ou=IT,o=cisco,o=com";
constexpr const char* kR2Subject =
    "serialNumber=101+ipaddress=192.168.0.2+hostname=R2.cisco.com,cn=R2,ou=IT,o=cisco,o=com";

class SeedChoose : public ::testing::TestWithParam<ChooseCase> {};

TEST_P(SeedChoose, FirstMatchPicksTheSeedsTrustpoint) {
  const ChooseCase& c = GetParam();
  SeedPki& pki = SeedPki::get();
  CertStore chooser = open_store(c.chooser_r1 ? pki.r1() : pki.r2());
  CertStore peer = open_store(c.chooser_r1 ? pki.r2() : pki.r1());
  std::vector<Trustpoint> peer_tps = c.peer_profile.empty() ? peer.trustpoints() : peer.trustpoints(c.peer_profile);
  std::vector<Bytes> requests;
  for (const CertReq& r : build_certreq_ikev1(peer_tps)) {
    auto dn = parse_certreq_ikev1(r.type, r.body);  // as the receiver reads them
    ASSERT_TRUE(dn) << dn.error();
    requests.push_back(*dn);
  }
  Captured log;
  Selection s = choose_ikev1(requests, chooser.trustpoints(), c.profile.empty() ? nullptr : &c.profile, log.sink());
  ASSERT_TRUE(s.ok()) << s.reason;
  EXPECT_EQ(s.trustpoint->name, c.chosen);
  EXPECT_EQ(s.request, 0u);
  ASSERT_EQ(s.chain.size(), 1u);  // the CAs are roots: only the router's certificate is sent
  EXPECT_EQ(format_dn(s.chain[0].subject()), c.cert_subject);
  EXPECT_EQ(log.rendered(c.sa), c.expected_log);
}

INSTANTIATE_TEST_SUITE_P(
    Seed, SeedChoose,
    ::testing::Values(
        // R1 initiates. R2 reads MM3 (CA1 only) and answers with IOSCA1.
        ChooseCase{"R1Initiates_R2ReadsMM3", false, {"IOSCA1"}, {}, 1010,
                   wants({kSevenIssuers[0]}, 1010, 0, {"Choosing trustpoint IOSCA1 as issuer"}),
                   "IOSCA1", kR2Subject},
        // R1 reads R2's MM4 (CA1 first) against its profile's IOSCA1.
        ChooseCase{"R1Initiates_R1ReadsMM4", true, {}, {"IOSCA1"}, 1010,
                   wants(kSevenIssuers, 1010, 0,
                         {"ISAKMP: Examining profile list for trustpoint IOSCA1",
                          "ISAKMP: Found matching profile for IOSCA1", "Choosing trustpoint IOSCA1 as issuer"}),
                   "IOSCA1", kR1Subject},
        // R2 initiates. R1 reads MM3 (all seven, CA1 first): IOSCA1.
        ChooseCase{"R2Initiates_R1ReadsMM3", true, {}, {}, 1099,
                   wants(kSevenIssuers, 1099, 0, {"Choosing trustpoint IOSCA1 as issuer"}), "IOSCA1", kR1Subject},
        // R2 reads R1's MM4 (CA2 first): IOSCA2 -- the certificate R1 will reject.
        ChooseCase{"R2Initiates_R2ReadsMM4", false, {}, {}, 1100,
                   wants(swap_first_two(kSevenIssuers), 1100, 0, {"Choosing trustpoint IOSCA2 as issuer"}),
                   "IOSCA2", kR2Subject}),
    [](const auto& p) { return p.param.name; });

// ------------------------------------------- the outcome of each exchange

struct OutcomeCase {
  const char* name;
  bool validator_r1;
  const char* peer_trustpoint;        // the certificate the peer chose (SeedChoose)
  std::vector<std::string> list;      // validation list; empty: all trust-points
  time_t at;
  const char* handle;
  Verdict verdict;
  std::vector<std::string> expected_log;
};

class SeedOutcome : public ::testing::TestWithParam<OutcomeCase> {};

TEST_P(SeedOutcome, ValidationEndsAsInTheSeed) {
  const OutcomeCase& c = GetParam();
  SeedPki& pki = SeedPki::get();
  CertStore validator = open_store(c.validator_r1 ? pki.r1() : pki.r2());
  CertStore peer = open_store(c.validator_r1 ? pki.r2() : pki.r1());
  ValidationInput in{peer.trustpoint(c.peer_trustpoint)->certificates.front(), {},
                     PeerId::fqdn(c.validator_r1 ? "R2.cisco.com" : "R1.cisco.com"), c.at, c.handle};
  std::vector<Trustpoint> list = c.list.empty() ? validator.trustpoints() : validator.trustpoints(c.list);
  Captured log;
  ValidationResult r = validate(list, in, log.sink());
  EXPECT_EQ(r.verdict, c.verdict) << r.detail;
  std::vector<std::string> lines = log.rendered(1100);
  // The seed elides lines ("....."): compare the ones it shows, in order.
  size_t at = 0;
  for (const std::string& want : c.expected_log) {
    while (at < lines.size() && lines[at] != want) ++at;
    EXPECT_LT(at, lines.size()) << "missing, or out of order: " << want;
  }
  if (c.verdict == Verdict::kNoSuitableTrustpoint) {
    EXPECT_EQ(ikmp_invalid_cert(r, "192.168.0.2"),
              "%CRYPTO-5-IKMP_INVALID_CERT: Certificate received from 192.168.0.2 is bad: "
              "unknown error returned in certificate validation");
    EXPECT_EQ(isakmp_cert_error(r), "Unknown error in cert validation, -1");
  }
}

INSTANTIATE_TEST_SUITE_P(
    Seed, SeedOutcome,
    ::testing::Values(
        // R1 initiates: R2 (no ca trust-point) validates R1's IOSCA1 certificate.
        OutcomeCase{"R1Initiates_R2ValidatesMM5", false, "IOSCA1", {}, test::kR1Initiates, "A0013", Verdict::kValid,
                    {"CRYPTO_PKI: (A0013) Certificate validation succeeded"}},
        // ... and R1 validates R2's IOSCA1 certificate against IOSCA1.
        OutcomeCase{"R1Initiates_R1ValidatesMM6", true, "IOSCA1", {"IOSCA1"}, test::kR1Initiates, "80013", Verdict::kValid,
                    {"ISAKMP:(0): Creating CERT validation list: IOSCA1,",
                     "CRYPTO_PKI: (80013) Certificate validation succeeded"}},
        // R2 initiates: R1 validates R2's IOSCA2 certificate against IOSCA1 only.
        OutcomeCase{"R2Initiates_R1ValidatesMM5", true, "IOSCA2", {"IOSCA1"}, test::kR2Initiates, "900C5",
                    Verdict::kNoSuitableTrustpoint,
                    {"ISAKMP:(0): Creating CERT validation list: IOSCA1,",
                     "CRYPTO_PKI:ip-ext-val:IP extension validation not required",
                     "CRYPTO_PKI: (900C5) Check for identical certs",
                     "CRYPTO_PKI: (900C5) Create a list of suitable trustpoints",
                     "CRYPTO_PKI: (900C5) No suitable trustpoints found"}}),
    [](const auto& p) { return p.param.name; });

// "This configuration works if the order of the certificate enrollment on
// R1 is different": after R1 re-enrolls with CA1 (now its newest), its MM4
// asks for CA1 first, R2 answers with IOSCA1 and R1 accepts it.
TEST(SeedEnrollmentOrder, ReenrollingWithCa1LetsR2Initiate) {
  SeedPki& pki = SeedPki::get();
  CertStore r1 = open_store(pki.copy_store(pki.r1(), "r1-reenrolled"));
  EnrollmentRequest req;
  req.subject_name = "CN=R1,OU=IT,O=cisco,O=com";
  req.fqdn = "R1.cisco.com";
  req.ip_address = "192.168.0.1";
  req.serial_number = "100";
  req.not_before = test::kCaStart + 6000;
  ASSERT_TRUE(enroll(r1, pki.ca1(), "IOSCA1", req));
  Captured mm4;
  build_certreq_ikev1(r1.trustpoints(), mm4.sink());
  EXPECT_EQ(mm4.rendered(1100), constructing(kSevenIssuers, 1100));

  CertStore r2 = open_store(pki.r2());
  std::vector<Bytes> requests;
  for (const CertReq& r : build_certreq_ikev1(r1.trustpoints())) requests.push_back(r.body);
  Selection s = choose_ikev1(requests, r2.trustpoints(), nullptr);
  ASSERT_TRUE(s.ok()) << s.reason;
  EXPECT_EQ(s.trustpoint->name, "IOSCA1");
  std::vector<std::string> profile{"IOSCA1"};
  ValidationResult v = validate(r1.trustpoints(profile), {s.chain[0], {}, PeerId::fqdn("R2.cisco.com"), test::kR2Initiates, ""});
  EXPECT_TRUE(v.ok()) << v.detail;
}

// With `ca trust-point IOSCA2` on R1 instead, R1's profile list has no
// trust-point for CA1, so the first match falls to the next request.
TEST(SeedChooseProfile, SkipsTrustpointsOutsideTheProfile) {
  SeedPki& pki = SeedPki::get();
  CertStore r1 = open_store(pki.r1());
  CertStore r2 = open_store(pki.r2());
  std::vector<Bytes> requests;
  for (const CertReq& r : build_certreq_ikev1(r2.trustpoints())) requests.push_back(r.body);
  std::vector<std::string> profile{"IOSCA2"};
  Captured log;
  Selection s = choose_ikev1(requests, r1.trustpoints(), &profile, log.sink());
  ASSERT_TRUE(s.ok()) << s.reason;
  EXPECT_EQ(s.trustpoint->name, "IOSCA2");
  EXPECT_EQ(s.request, 1u);
  std::vector<std::string> lines = log.rendered(7);
  EXPECT_EQ(lines[2], "ISAKMP: Examining profile list for trustpoint IOSCA1");
  EXPECT_EQ(lines[3], "ISAKMP:(7): peer wants a CT_X509_SIGNATURE cert");
  EXPECT_EQ(lines[6], "ISAKMP: Found matching profile for IOSCA2");

  std::vector<std::string> nothing{"NOSUCH"};
  Selection none = choose_ikev1(requests, r1.trustpoints(), &nothing);
  EXPECT_FALSE(none.ok());
  EXPECT_NE(none.reason.find("none of the 7 requested CAs"), std::string::npos) << none.reason;
}

TEST(SeedChooseProfile, NoCertReqUsesTheFirstTrustpointThatCanSign) {
  CertStore r1 = open_store(SeedPki::get().r1());
  Selection s = choose_ikev1({}, r1.trustpoints(), nullptr);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s.trustpoint->name, "IOSCA2");
  std::vector<Bytes> any{Bytes{}};  // an empty CA field: any CA
  Selection a = choose_ikev1(any, r1.trustpoints(), nullptr);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a.trustpoint->name, "IOSCA2");
}

// ------------------------------------------------------------------ IKEv2

// "R2 as the IKEv2 Initiator": R1 (TP2 certificate listed first) answers
// IKE_SA_INIT with CERTREQ hashes for all its trust-points, TP2 first; R2
// (pki trustpoint TP1, TP2) retrieves TP2; R1 validates against TP1 only.
class SeedIkev2 : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    SeedPki& pki = SeedPki::get();
    r1_dir_ = new std::filesystem::path(pki.scratch("ikev2-r1"));
    r2_dir_ = new std::filesystem::path(pki.scratch("ikev2-r2"));
    CertStore r1 = open_store(*r1_dir_);
    CertStore r2 = open_store(*r2_dir_);
    EnrollmentRequest req;
    req.ip_address = "192.168.0.1";
    req.not_before = test::kCaStart + 7200;
    EnrollOptions ec{KeyType::kEcP256, false};  // the key type is not what this is about
    ASSERT_TRUE(enroll(r1, pki.ca1(), "TP1", req, ec));
    ASSERT_TRUE(enroll(r1, pki.ca2(), "TP2", req, ec));  // R1's first certificate is TP2's
    req.ip_address = "192.168.0.2";
    ASSERT_TRUE(enroll(r2, pki.ca2(), "TP2", req, ec));
    ASSERT_TRUE(enroll(r2, pki.ca1(), "TP1", req, ec));
  }
  static void TearDownTestSuite() {
    delete r1_dir_;
    delete r2_dir_;
  }
  static std::filesystem::path* r1_dir_;
  static std::filesystem::path* r2_dir_;
};
std::filesystem::path* SeedIkev2::r1_dir_ = nullptr;
std::filesystem::path* SeedIkev2::r2_dir_ = nullptr;

TEST_F(SeedIkev2, R2RetrievesTp2AndR1RejectsIt) {
  CertStore r1 = open_store(*r1_dir_);
  CertStore r2 = open_store(*r2_dir_);
  CertReq req = build_certreq_ikev2(r1.trustpoints());
  ASSERT_EQ(req.body.size(), 40u);
  auto hashes = parse_certreq_ikev2(req.type, req.body);
  ASSERT_TRUE(hashes);
  EXPECT_EQ((*hashes)[0], SeedPki::get().ca2().certificate().spki_sha1());

  std::vector<std::string> profile{"TP1", "TP2"};
  Captured log;
  Selection s = choose_ikev2(*hashes, r2.trustpoints(), &profile, log.sink());
  ASSERT_TRUE(s.ok()) << s.reason;
  EXPECT_EQ(s.trustpoint->name, "TP2");
  EXPECT_EQ(log.rendered(1), (std::vector<std::string>{
                                 "IKEv2:(SA ID = 1):[IKEv2 -> PKI] Retrieving trustpoint(s) from received certificate hash(es)",
                                 "IKEv2:(SA ID = 1):[PKI -> IKEv2] Retrieved trustpoint(s): 'TP2'",
                                 "IKEv2:(SA ID = 1):[IKEv2 -> PKI] Getting cert chain for the trustpoint TP2",
                                 "IKEv2:(SA ID = 1):[PKI -> IKEv2] Getting of cert chain for the trustpoint PASSED"}));
  std::vector<std::string> tp1{"TP1"};
  ValidationResult v = validate(r1.trustpoints(tp1), {s.chain[0], {}, PeerId::ipv4("192.168.0.2"), test::kR2Initiates, ""});
  EXPECT_EQ(v.verdict, Verdict::kNoSuitableTrustpoint);

  // The recommended symmetric configuration: R1 trusts TP1 and TP2.
  ValidationResult sym = validate(r1.trustpoints(profile), {s.chain[0], {}, PeerId::ipv4("192.168.0.2"), test::kR2Initiates, ""});
  EXPECT_TRUE(sym.ok()) << sym.detail;
}

// "IKEv2 Mandatory Trust-point for the Initiator": no pki trustpoint in the
// initiator's profile, nothing to sign with.
TEST_F(SeedIkev2, InitiatorWithoutTrustpointCannotSign) {
  CertStore r1 = open_store(*r1_dir_);
  CertStore r2 = open_store(*r2_dir_);
  CertReq req = build_certreq_ikev2(r2.trustpoints());
  auto hashes = parse_certreq_ikev2(req.type, req.body);
  ASSERT_TRUE(hashes);
  std::vector<std::string> none;
  Selection s = choose_ikev2(*hashes, r1.trustpoints(), &none);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.reason.find("mandatory"), std::string::npos) << s.reason;
}

// --------------------------------------- the IKEv2 hash, computed elsewhere

std::string hex(const uint8_t* p, size_t n) {
  std::string out;
  char buf[3];
  for (size_t i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", p[i]);
    out += buf;
  }
  return out;
}

// SHA-1 of the SubjectPublicKeyInfo through another OpenSSL path (the
// EVP_PKEY, re-encoded with i2d_PUBKEY, hashed with the one-shot SHA1).
TEST(Ikev2Hash, IsSha1OfSubjectPublicKeyInfo) {
  SeedPki& pki = SeedPki::get();
  for (const LabCa* ca : std::initializer_list<const LabCa*>{&pki.ca1(), &pki.ca2(), &pki.builtin()[0]}) {
    X509* x = ca->certificate().x509();
    unsigned char* der = nullptr;
    int n = i2d_PUBKEY(X509_get0_pubkey(x), &der);
    ASSERT_GT(n, 0);
    unsigned char md[SHA_DIGEST_LENGTH];
    SHA1(der, static_cast<size_t>(n), md);
    OPENSSL_free(der);
    Sha1 ours = ca->certificate().spki_sha1();
    EXPECT_EQ(hex(ours.data(), ours.size()), hex(md, sizeof md));
    // Not the subjectKeyIdentifier-style hash of the key bits alone.
    unsigned char bits[SHA_DIGEST_LENGTH];
    unsigned int len = 0;
    ASSERT_EQ(X509_pubkey_digest(x, EVP_sha1(), bits, &len), 1);
    EXPECT_NE(hex(ours.data(), ours.size()), hex(bits, len));
  }
}

// ... and with the openssl command line (scripts/install-deps.sh installs
// it; without it this test fails rather than passing quietly).
TEST(Ikev2Hash, MatchesTheOpensslCommand) {
  const char* openssl = std::getenv("KEYWAY_OPENSSL");
  ASSERT_TRUE(openssl && *openssl) << "openssl command not found at configure time";
  SeedPki& pki = SeedPki::get();
  for (const LabCa* ca : {&pki.ca1(), &pki.ca2()}) {
    std::string cmd = std::string(openssl) + " x509 -in '" + (ca->dir() / "ca.pem").string() +
                      "' -noout -pubkey | " + openssl + " pkey -pubin -outform DER | " + openssl +
                      " dgst -sha1 -r";
    std::unique_ptr<FILE, int (*)(FILE*)> p(popen(cmd.c_str(), "r"), pclose);
    ASSERT_TRUE(p);
    char buf[128] = {};
    ASSERT_TRUE(std::fgets(buf, sizeof buf, p.get()));
    Sha1 ours = ca->certificate().spki_sha1();
    EXPECT_EQ(std::string(buf).substr(0, 40), hex(ours.data(), ours.size()));
  }
}

// ------------------------------------------------ received CERTREQ bodies

struct BodyCase {
  const char* name;
  bool ikev2;
  uint8_t type;
  Bytes body;
  bool ok;
};

class CertReqBody : public ::testing::TestWithParam<BodyCase> {};

TEST_P(CertReqBody, StructuralCheck) {
  const BodyCase& c = GetParam();
  if (c.ikev2) {
    auto r = parse_certreq_ikev2(c.type, c.body);
    EXPECT_EQ(r.ok(), c.ok) << (r ? "" : r.error());
    if (r) {
      EXPECT_EQ(r->size(), c.body.size() / 20);
    }
  } else {
    auto r = parse_certreq_ikev1(c.type, c.body);
    EXPECT_EQ(r.ok(), c.ok) << (r ? "" : r.error());
  }
}

// Built without the seed PKI: the table is made before main().
Bytes ca1_dn() { return name_der(name_from_text("CN=CA1,O=cisco,O=com")->get()); }
Bytes with(Bytes b, std::initializer_list<uint8_t> more) {
  b.insert(b.end(), more);
  return b;
}
Bytes cut(const Bytes& b, size_t n) {
  size_t keep = b.size() > n ? b.size() - n : 0;
  return Bytes(b.begin(), b.begin() + static_cast<ptrdiff_t>(keep));
}

INSTANTIATE_TEST_SUITE_P(
    Mutations, CertReqBody,
    ::testing::Values(BodyCase{"V2Empty", true, 4, {}, true}, BodyCase{"V2One", true, 4, Bytes(20, 0xab), true},
                      BodyCase{"V2Three", true, 4, Bytes(60, 1), true},
                      BodyCase{"V2Short", true, 4, Bytes(19, 1), false},
                      BodyCase{"V2Long", true, 4, Bytes(41, 1), false},
                      BodyCase{"V2WrongEncoding", true, 12, Bytes(20, 1), false},
                      BodyCase{"V1AnyCa", false, 4, {}, true}, BodyCase{"V1Dn", false, 4, ca1_dn(), true},
                      BodyCase{"V1Trailing", false, 4, with(ca1_dn(), {0}), false},
                      BodyCase{"V1Truncated", false, 4, cut(ca1_dn(), 1), false},
                      BodyCase{"V1Garbage", false, 4, Bytes{0x30, 0x82, 0xff, 0xff, 0x01}, false},
                      BodyCase{"V1WrongType", false, 1, ca1_dn(), false}),
    [](const auto& p) { return p.param.name; });

}  // namespace
}  // namespace keyway::pki
