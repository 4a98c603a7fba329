// Validation verdicts, each with its reason and IOS message: a valid
// chain, a CA not in the list, an impostor CA, expired and not-yet-valid
// certificates, revocation by CRL (and the revocation-check policies), and
// IKE IDs that the certificate does or does not carry.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>

#include "pki/certreq_match.h"
#include "pki/dn.h"
#include "pki/enroll.h"
#include "pki/validate.h"
#include "tests/pki/seed_pki.h"

namespace keyway::pki {
namespace {

using test::Captured;
using test::SeedPki;

// A world for these tests: CA3 (EC, so cheap) with R3 enrolled twice --
// one certificate stays good, one is revoked -- plus an expired and a
// future certificate, and an impostor CA with CA1's name.
struct World {
  std::optional<LabCa> ca3, impostor;
  Trustpoint tp3;        // CA3, with its CRL, revocation-check crl
  Certificate good, revoked, expired, future, impostor_cert, r2_ca1, r2_ca2;
  static World& get();
};

template <class T>
T must(Result<T> r) {
  if (!r) throw std::runtime_error(r.error());
  return r.take();
}

World& World::get() {
  static World* w = [] {
    SeedPki& pki = SeedPki::get();
    CaOptions o;
    o.name = "CA3";
    o.subject = "CN=CA3,O=lab";
    o.key_type = KeyType::kEcP256;
    o.not_before = test::kCaStart;
    LabCa ca3 = must(LabCa::create(pki.scratch("ca3"), o));
    o.name = "FAKE1";
    o.subject = "CN=CA1,O=cisco,O=com";  // CA1's name, another key
    LabCa impostor = must(LabCa::create(pki.scratch("impostor"), o));

    EnrollmentRequest req;
    req.subject_name = "CN=R3,OU=IT,O=lab";
    req.fqdn = "R3.lab.example";
    req.ip_address = "192.0.2.3";
    req.email = "r3@lab.example";
    req.not_before = test::kCaStart + 60;
    req.days = 730;  // outlives the CA's first CRL (CrlExpired)
    Certificate good = must(ca3.issue(req, pki.ec_key().get()));
    Certificate revoked = must(ca3.issue(req, pki.ec_key().get()));
    if (Status s = ca3.revoke(revoked.serial_hex(), test::kCaStart + 120); !s) throw std::runtime_error(s.error());
    EnrollmentRequest old = req;
    old.not_before = test::kCaStart - 86400 * 400;  // before the CA, ended before the seed
    old.not_after = test::kCaStart - 86400 * 30;
    Certificate expired = must(ca3.issue(old, pki.ec_key().get()));
    EnrollmentRequest later = req;
    later.not_before = test::kR1Initiates + 86400;  // starts the day after the seed's log
    Certificate future = must(ca3.issue(later, pki.ec_key().get()));
    Certificate fake = must(impostor.issue(req, pki.ec_key().get()));

    CertStore r2 = must(CertStore::open(pki.r2()));
    auto* world = new World{ca3, impostor, {}, good, revoked, expired, future, fake,
                            r2.trustpoint("IOSCA1")->certificates[0], r2.trustpoint("IOSCA2")->certificates[0]};
    world->tp3.name = "TP3";
    world->tp3.policy.name = "TP3";
    world->tp3.ca = ca3.certificate();
    world->tp3.crl = must(ca3.crl());
    return world;
  }();
  return *w;
}

Trustpoint seed_tp(const char* name) { return *must(CertStore::open(SeedPki::get().r1())).trustpoint(name); }

Trustpoint with_policy(Trustpoint tp, std::vector<RevocationMethod> methods, bool keep_crl = true) {
  tp.policy.revocation = std::move(methods);
  if (!keep_crl) tp.crl.reset();
  return tp;
}

struct VerdictCase {
  const char* name;
  std::function<Certificate(World&)> cert;
  std::function<std::vector<Trustpoint>(World&)> list;
  std::optional<PeerId> id;
  time_t at;
  Verdict verdict;
  const char* pki_line;  // the CRYPTO_PKI line (prefix of it)
  const char* syslog;    // prefix of the %PKI line; "" for none
};

class ValidationVerdict : public ::testing::TestWithParam<VerdictCase> {};

TEST_P(ValidationVerdict, CarriesItsReason) {
  const VerdictCase& c = GetParam();
  World& w = World::get();
  std::vector<Trustpoint> list = c.list(w);
  Captured log;
  ValidationResult r = validate(list, {c.cert(w), {}, c.id, c.at, "1F"}, log.sink());
  EXPECT_EQ(r.verdict, c.verdict) << verdict_name(r.verdict) << ": " << r.detail;
  std::vector<std::string> lines = log.rendered(0);
  ASSERT_GE(lines.size(), 5u);
  std::string want = std::string("CRYPTO_PKI: (1F) ") + c.pki_line;
  EXPECT_EQ(lines[4].substr(0, want.size()), want) << lines[4];
  if (*c.syslog) {
    ASSERT_EQ(lines.size(), 6u);
    EXPECT_EQ(lines[5].substr(0, std::strlen(c.syslog)), c.syslog) << lines[5];
    EXPECT_EQ(pki_syslog(r), lines[5]);
  } else {
    EXPECT_EQ(lines.size(), 5u);
  }
  EXPECT_EQ(r.ok(), c.verdict == Verdict::kValid);
  EXPECT_EQ(ikmp_invalid_cert(r, "192.0.2.3").empty(), r.ok());
}

constexpr time_t kAt = test::kR1Initiates;

INSTANTIATE_TEST_SUITE_P(
    Verdicts, ValidationVerdict,
    ::testing::Values(
        VerdictCase{"ValidChain", [](World& w) { return w.r2_ca1; },
                    [](World&) { return std::vector<Trustpoint>{seed_tp("IOSCA1")}; },
                    PeerId::fqdn("R2.cisco.com"), kAt, Verdict::kValid, "Certificate validation succeeded", ""},
        VerdictCase{"ValidAgainstAll", [](World& w) { return w.r2_ca2; },
                    [](World&) { return must(CertStore::open(SeedPki::get().r1())).trustpoints(); },
                    PeerId::ipv4("192.168.0.2"), kAt, Verdict::kValid, "Certificate validation succeeded", ""},
        VerdictCase{"WrongCa", [](World& w) { return w.r2_ca2; },
                    [](World&) { return std::vector<Trustpoint>{seed_tp("IOSCA1")}; }, std::nullopt, kAt,
                    Verdict::kNoSuitableTrustpoint, "No suitable trustpoints found", ""},
        VerdictCase{"ImpostorCaSameName", [](World& w) { return w.impostor_cert; },
                    [](World&) { return std::vector<Trustpoint>{seed_tp("IOSCA1")}; }, std::nullopt, kAt,
                    Verdict::kChainInvalid, "Certificate chain validation failed: ",
                    "%PKI-3-CERTIFICATE_INVALID: Certificate chain validation has failed."},
        VerdictCase{"Expired", [](World& w) { return w.expired; },
                    [](World& w) { return std::vector<Trustpoint>{w.tp3}; }, std::nullopt, kAt, Verdict::kExpired,
                    "Certificate has expired",
                    "%PKI-3-CERTIFICATE_INVALID_EXPIRED: Certificate chain validation has failed. The certificate "
                    "(SN: 04) has expired. Validity period ended on 12:00:00 UTC May 18 2013"},
        VerdictCase{"NotYetValid", [](World& w) { return w.future; },
                    [](World& w) { return std::vector<Trustpoint>{w.tp3}; }, std::nullopt, kAt,
                    Verdict::kNotYetValid, "Certificate is not yet valid",
                    "%PKI-3-CERTIFICATE_INVALID_NOT_YET_VALID: Certificate chain validation has failed. The "
                    "certificate (SN: 05) is not yet valid. Validity period starts on 13:00:37 UTC Jun 21 2013"},
        VerdictCase{"RevokedByCrl", [](World& w) { return w.revoked; },
                    [](World& w) { return std::vector<Trustpoint>{w.tp3}; }, std::nullopt, kAt, Verdict::kRevoked,
                    "Certificate is revoked",
                    "%PKI-3-CERTIFICATE_REVOKED: Certificate chain validation has failed. The certificate (SN: 03) "
                    "is revoked"},
        VerdictCase{"NotRevokedByCrl", [](World& w) { return w.good; },
                    [](World& w) { return std::vector<Trustpoint>{w.tp3}; }, PeerId::user_fqdn("R3@LAB.example"),
                    kAt, Verdict::kValid, "Certificate validation succeeded", ""},
        // revocation-check none: the CRL is not consulted.
        VerdictCase{"RevokedButPolicyNone", [](World& w) { return w.revoked; },
                    [](World& w) { return std::vector<Trustpoint>{with_policy(w.tp3, {RevocationMethod::kNone})}; },
                    std::nullopt, kAt, Verdict::kValid, "Certificate validation succeeded", ""},
        // revocation-check crl without a CRL: IOS fails closed ...
        VerdictCase{"CrlMissing", [](World& w) { return w.good; },
                    [](World& w) { return std::vector<Trustpoint>{with_policy(w.tp3, {RevocationMethod::kCrl}, false)}; },
                    std::nullopt, kAt, Verdict::kRevocationUnavailable, "Certificate revocation status unknown",
                    "%PKI-3-CRL_FETCH_FAIL: CRL fetch for trustpoint TP3 failed"},
        // ... unless `none` follows it.
        VerdictCase{"CrlMissingThenNone", [](World& w) { return w.good; },
                    [](World& w) {
                      return std::vector<Trustpoint>{
                          with_policy(w.tp3, {RevocationMethod::kCrl, RevocationMethod::kNone}, false)};
                    },
                    std::nullopt, kAt, Verdict::kValid, "Certificate validation succeeded", ""},
        // An expired CRL is no answer either (validated two years on).
        VerdictCase{"CrlExpired", [](World& w) { return w.good; },
                    [](World& w) { return std::vector<Trustpoint>{w.tp3}; }, std::nullopt,
                    test::kCaStart + 86400 * 366 - 3600, Verdict::kRevocationUnavailable,
                    "Certificate revocation status unknown", "%PKI-3-CRL_FETCH_FAIL"},
        VerdictCase{"OcspOnly", [](World& w) { return w.good; },
                    [](World& w) { return std::vector<Trustpoint>{with_policy(w.tp3, {RevocationMethod::kOcsp})}; },
                    std::nullopt, kAt, Verdict::kRevocationUnavailable, "Certificate revocation status unknown",
                    "%PKI-3-CRL_FETCH_FAIL"},
        // The IKE ID must be in the certificate.
        VerdictCase{"IdFqdnMismatch", [](World& w) { return w.r2_ca1; },
                    [](World&) { return std::vector<Trustpoint>{seed_tp("IOSCA1")}; },
                    PeerId::fqdn("R1.cisco.com"), kAt, Verdict::kIdMismatch,
                    "Certificate does not match the peer's identity: peer ID fqdn R1.cisco.com", ""},
        VerdictCase{"IdAddressMismatch", [](World& w) { return w.r2_ca1; },
                    [](World&) { return std::vector<Trustpoint>{seed_tp("IOSCA1")}; },
                    PeerId::ipv4("192.168.0.1"), kAt, Verdict::kIdMismatch,
                    "Certificate does not match the peer's identity", ""},
        VerdictCase{"IdEmailMismatch", [](World& w) { return w.r2_ca1; },
                    [](World&) { return std::vector<Trustpoint>{seed_tp("IOSCA1")}; },
                    PeerId::user_fqdn("r2@cisco.com"), kAt, Verdict::kIdMismatch,
                    "Certificate does not match the peer's identity", ""},
        VerdictCase{"IdDnMatches", [](World& w) { return w.r2_ca1; },
                    [](World&) { return std::vector<Trustpoint>{seed_tp("IOSCA1")}; },
                    PeerId::dn(name_der(must(name_from_text(
                        "serialNumber=101+ipaddress=192.168.0.2+hostname=R2.cisco.com,CN=R2,OU=IT,O=cisco,O=com")).get())),
                    kAt, Verdict::kValid, "Certificate validation succeeded", ""},
        VerdictCase{"IdDnMismatch", [](World& w) { return w.r2_ca1; },
                    [](World&) { return std::vector<Trustpoint>{seed_tp("IOSCA1")}; },
                    PeerId::dn(name_der(must(name_from_text("CN=R2,OU=IT,O=cisco,O=com")).get())), kAt,
                    Verdict::kIdMismatch, "Certificate does not match the peer's identity", ""}),
    [](const auto& p) { return p.param.name; });

// Where the ID may sit: SAN or the IOS subject attributes.
struct IdCase {
  const char* id;
  bool matches;
};

class IdInCertificate : public ::testing::TestWithParam<IdCase> {};

TEST_P(IdInCertificate, SanOrSubject) {
  auto id = parse_peer_id(GetParam().id);
  ASSERT_TRUE(id) << id.error();
  EXPECT_EQ(certificate_matches(World::get().good, *id), GetParam().matches);
}

INSTANTIATE_TEST_SUITE_P(
    Ids, IdInCertificate,
    ::testing::Values(IdCase{"fqdn:R3.lab.example", true}, IdCase{"fqdn:r3.LAB.example", true},
                      IdCase{"fqdn:R3", false}, IdCase{"ipv4:192.0.2.3", true}, IdCase{"address:192.0.2.4", false},
                      IdCase{"email:r3@lab.example", true}, IdCase{"email:r4@lab.example", false},
                      IdCase{"dn:serialNumber=0+CN=R3,OU=IT,O=lab", false},
                      IdCase{"dn:ipaddress=192.0.2.3+hostname=R3.lab.example,CN=R3,OU=IT,O=lab", true}));

TEST(IdText, Parses) {
  EXPECT_FALSE(parse_peer_id("R1.cisco.com"));
  EXPECT_FALSE(parse_peer_id("ipv4:192.168.0"));
  EXPECT_FALSE(parse_peer_id("fqdn:"));
  EXPECT_FALSE(parse_peer_id("keyid:abc"));
  EXPECT_FALSE(parse_peer_id("dn:nonsense"));
  EXPECT_EQ(describe(*parse_peer_id("dn:CN=R1,O=x")), "dn cn=R1,o=x");
}

// Chain order does not matter, extra certificates are harmless, and a
// list without the issuing CA fails however long the chain is.
TEST(Validation, PeerChainExtras) {
  World& w = World::get();
  ValidationInput in{w.good, {SeedPki::get().ca2().certificate(), w.ca3->certificate()}, std::nullopt, kAt, ""};
  EXPECT_TRUE(validate(std::vector<Trustpoint>{w.tp3}, in).ok());
  EXPECT_EQ(validate(std::vector<Trustpoint>{seed_tp("IOSCA1")}, in).verdict, Verdict::kNoSuitableTrustpoint);
  EXPECT_EQ(validate(std::vector<Trustpoint>{}, in).verdict, Verdict::kNoSuitableTrustpoint);
}

// A subordinate CA: the peer sends it along, or the trust-point is the
// subordinate CA itself (IOS allows both). The trust-point holds its own
// CA's CRL only, so with a root trust-point the leaf's revocation status
// is unknown unless `none` accepts that.
TEST(Validation, SubordinateCa) {
  World& w = World::get();
  SeedPki& pki = SeedPki::get();
  CaOptions o;
  o.name = "SUB3";
  o.subject = "CN=CA3 Sub,O=lab";
  o.key_type = KeyType::kEcP256;
  o.not_before = test::kCaStart;
  o.parent = &*w.ca3;
  auto sub = LabCa::create(pki.scratch("sub3"), o);
  ASSERT_TRUE(sub) << sub.error();
  EXPECT_EQ(format_dn(sub->certificate().issuer()), "cn=CA3,o=lab");
  EXPECT_TRUE(sub->certificate().signed_by(w.ca3->certificate()));
  EnrollmentRequest req;
  req.fqdn = "R4.lab.example";
  req.not_before = test::kCaStart + 60;
  auto leaf = sub->issue(req, pki.ec_key().get());
  ASSERT_TRUE(leaf) << leaf.error();

  Trustpoint root = with_policy(w.tp3, {RevocationMethod::kNone});
  ValidationInput with_chain{*leaf, {sub->certificate()}, PeerId::fqdn("R4.lab.example"), kAt, ""};
  EXPECT_TRUE(validate(std::vector<Trustpoint>{root}, with_chain).ok());
  EXPECT_EQ(validate(std::vector<Trustpoint>{w.tp3}, with_chain).verdict, Verdict::kRevocationUnavailable);
  ValidationInput alone{*leaf, {}, std::nullopt, kAt, ""};
  EXPECT_EQ(validate(std::vector<Trustpoint>{root}, alone).verdict, Verdict::kNoSuitableTrustpoint);

  Trustpoint sub_tp;
  sub_tp.name = "SUB3";
  sub_tp.ca = sub->certificate();
  sub_tp.crl = *sub->crl();
  ValidationResult r = validate(std::vector<Trustpoint>{sub_tp}, alone);
  EXPECT_TRUE(r.ok()) << r.detail;

  // Selected for signing, the subordinate CA goes along; a root never does.
  CertStore s = must(CertStore::open(pki.scratch("sub-store")));
  ASSERT_TRUE(s.add_ca("SUB3", sub->certificate()));
  ASSERT_TRUE(s.add_certificate("SUB3", *leaf, pki.ec_key()));
  std::vector<Bytes> requests{sub->certificate().subject_der()};
  Selection sel = choose_ikev1(requests, s.trustpoints(), nullptr);
  ASSERT_TRUE(sel.ok()) << sel.reason;
  ASSERT_EQ(sel.chain.size(), 2u);
  EXPECT_EQ(sel.chain[1], sub->certificate());
}

TEST(Validation, MessagesForEveryVerdict) {
  for (Verdict v : {Verdict::kValid, Verdict::kNoSuitableTrustpoint, Verdict::kChainInvalid, Verdict::kExpired,
                    Verdict::kNotYetValid, Verdict::kRevoked, Verdict::kRevocationUnavailable, Verdict::kIdMismatch}) {
    ValidationResult r;
    r.verdict = v;
    EXPECT_STRNE(verdict_name(v), "unknown");
    EXPECT_FALSE(pki_message(r).empty());
    EXPECT_EQ(isakmp_cert_error(r).empty(), v == Verdict::kValid);
  }
}

}  // namespace
}  // namespace keyway::pki
