// The seed's IKEv2 scenarios (configs/ikev2-*), run from the configuration
// files with certificates from the lab CA, each ending as configs/README.md
// says, with the seed's `debug crypto ikev2` lines. Plus certificate cases
// around them: RFC 7427 signatures, ECDSA, an ID the certificate does not
// carry, and a fragmented IKE_AUTH with a lost fragment.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tests/ikev2/harness.h"

namespace keyway::ikev2::test {
namespace {

using namespace std::chrono_literals;

EngineOptions debug_on() {
  EngineOptions o;
  o.debug = true;
  return o;
}

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

void expect_mirrored(const Install& a, const Install& b) {
  EXPECT_EQ(a.out.spi, b.in.spi);
  EXPECT_EQ(a.out.key, b.in.key);
  EXPECT_EQ(a.out.auth_key, b.in.auth_key);
  EXPECT_EQ(a.in.spi, b.out.spi);
  EXPECT_EQ(a.in.key, b.out.key);
  EXPECT_EQ(a.in.auth_key, b.out.auth_key);
  EXPECT_EQ(a.out.transform, b.in.transform);
}

size_t count_exchange(const Net& net, uint8_t exchange, bool response) {
  size_t n = 0;
  for (const Datagram& d : net.trace) {
    WireInfo w = wire_info(d.data);
    n += w.exchange == exchange && w.response == response;
  }
  return n;
}

// One scenario: the initiator's and responder's configuration (from files
// or text) and certificate stores.
struct Scenario {
  Net net;
  Router* init = nullptr;
  Router* resp = nullptr;
  Scenario(const std::string& init_name, std::shared_ptr<const config::Config> ci, const std::string& init_store,
           const std::string& resp_name, std::shared_ptr<const config::Config> cr, const std::string& resp_store,
           EngineOptions oi = debug_on(), EngineOptions orr = debug_on()) {
    auto ti = SeedPki::get().trustpoints(init_store, *ci);
    auto tr = SeedPki::get().trustpoints(resp_store, *cr);
    init = &net.add(init_name, ci, std::move(ti), std::move(oi));
    resp = &net.add(resp_name, cr, std::move(tr), std::move(orr));
  }
  void run() {
    init->engine().initiate(1, net.now());
    net.run();
  }
};

std::shared_ptr<const config::Config> seed(const std::string& dir, const std::string& file) {
  return load_file(seed_config(dir, file));
}

// ------------------------------------------------ IKEv2 profile overlap

TEST(SeedOverlap, ResponderBindsProfile3AndRefusesTheTs) {
  Scenario s("R1", seed("ikev2-overlap", "r1-initiator.cfg"), "r1_tp1", "R2", seed("ikev2-overlap", "r2-responder.cfg"),
             "r2_tp1");
  s.run();
  EXPECT_TRUE(s.resp->host().logged_in_order({
      "IKEv2:(SA ID = 1):Searching policy based on peer's identity '192.168.0.1' of type 'IPv4 address'",
      "IKEv2:found matching IKEv2 profile 'profile3'",
      "map_db_check_isakmp_profile profile did not match",
      "map_db_find_best did not find matching map",
      "IPSEC(ipsec_process_proposal): proxy identities not supported",
      "IKEv2:(SA ID = 1):There was no IPSEC policy found for received TS",
      "IKEv2:(SA ID = 1):",
      "IKEv2:(SA ID = 1):Sending TS unacceptable notify",
  }));
  EXPECT_TRUE(s.resp->host().logged("Payload contents: IDr CERT AUTH NOTIFY(TS_UNACCEPTABLE)"));
  EXPECT_TRUE(s.init->host().logged("IKEv2:(SA ID = 1):Received TS_UNACCEPTABLE notify: no child SA"));
  // Authentication itself succeeded; no tunnel, and the IKE SA is gone.
  EXPECT_TRUE(s.init->host().logged("IKEv2:(SA ID = 1):[PKI -> IKEv2] Validation of certificate chain PASSED"));
  EXPECT_TRUE(s.init->host().installs.empty());
  EXPECT_TRUE(s.resp->host().installs.empty());
  EXPECT_EQ(s.init->engine().established_count(), 0u);
  EXPECT_EQ(s.resp->engine().established_count(), 0u);
}

TEST(SeedOverlap, RecommendedConfigurationComesUp) {
  Scenario s("R1", seed("ikev2-overlap-recommended", "r1-initiator.cfg"), "r1_tp1", "R2",
             seed("ikev2-overlap-recommended", "r2-responder.cfg"), "r2_tp1");
  s.run();
  EXPECT_TRUE(s.resp->host().logged("IKEv2:found matching IKEv2 profile 'profile1'"));
  EXPECT_TRUE(s.resp->host().logged("IKEv2:(SA ID = 1):Peer's authentication method is 'RSA'"));
  EXPECT_TRUE(s.init->engine().tunnel_up(1));
  EXPECT_TRUE(s.resp->engine().tunnel_up(1));
  ASSERT_EQ(s.init->host().installs.size(), 1u);
  ASSERT_EQ(s.resp->host().installs.size(), 1u);
  expect_mirrored(s.init->host().installs[0], s.resp->host().installs[0]);
  // The seed's algorithms: esp-3des esp-sha-hmac; 3DES/MD5/group 2 for IKE.
  EXPECT_EQ(s.init->host().installs[0].out.transform, dp::Transform::kDes3CbcSha1);
  std::string show = s.init->engine().show_sa(false);
  EXPECT_NE(show.find("Encr: 3DES, PRF: MD5, Hash: MD596, DH Grp:2, Auth sign: RSA, Auth verify: RSA"),
            std::string::npos)
      << show;
  // The seed's payload lists (less the VIDs and Cisco-only notifies).
  EXPECT_TRUE(s.resp->host().logged(
      "Payload contents: SA KE N NOTIFY(NAT_DETECTION_SOURCE_IP) NOTIFY(NAT_DETECTION_DESTINATION_IP) CERTREQ "
      "NOTIFY(IKEV2_FRAGMENTATION_SUPPORTED) NOTIFY(SIGNATURE_HASH_ALGORITHMS)"));
  EXPECT_TRUE(s.init->host().logged("Payload contents: IDi CERT CERTREQ AUTH NOTIFY(INITIAL_CONTACT) SA TSi TSr"));
  EXPECT_TRUE(s.resp->host().logged("Payload contents: IDr CERT AUTH SA TSi TSr"));
}

// ------------------------------------ mandatory trust-point for the initiator

TEST(SeedNoInitiatorTrustpoint, InitiatorCannotBuildItsCertificatePayload) {
  Scenario s("R1", seed("ikev2-no-initiator-trustpoint", "r1-initiator.cfg"), "r1_both", "R2",
             seed("ikev2-no-initiator-trustpoint", "r2-responder.cfg"), "r2_both");
  s.run();
  EXPECT_TRUE(s.init->host().logged_in_order({
      "IKEv2:(SA ID = 1):[IKEv2 -> PKI] Retrieving trustpoint(s) from received certificate hash(es)",
      "IKEv2:(SA ID = 1):[PKI -> IKEv2] Retrieved trustpoint(s): 'TP1'",
      "CRYPTO_PKI: Trust-Point TP1 picked up",
      "CRYPTO_PKI: 1 matching trustpoints found",
      "IKEv2:(SA ID = 1):[IKEv2 -> PKI] Retrieving trustpoint(s) from received certificate hash(es)",
      "IKEv2:(SA ID = 1):[PKI -> IKEv2] Retrieved trustpoint(s): 'TP2'",
      "CRYPTO_PKI: Trust-Point TP2 picked up",
      "IKEv2:(SA ID = 1):Failed to build certificate payload",
  }));
  EXPECT_EQ(count_exchange(s.net, 35, false), 0u);  // no IKE_AUTH was sent
  EXPECT_EQ(s.init->engine().show_sa(false).find("IN-NEG"), std::string::npos);
  // The responder's half-open SA times out.
  EXPECT_NE(s.resp->engine().show_sa(false).find("IN-NEG"), std::string::npos);
  s.net.advance(31s);
  EXPECT_EQ(s.resp->engine().show_sa(false).find("IN-NEG"), std::string::npos);
  EXPECT_TRUE(s.init->host().installs.empty());
}

TEST(SeedNoInitiatorTrustpoint, RecommendedConfigurationComesUp) {
  Scenario s("R1", seed("ikev2-no-initiator-trustpoint-recommended", "r1-initiator.cfg"), "r1_both", "R2",
             seed("ikev2-no-initiator-trustpoint-recommended", "r2-responder.cfg"), "r2_both");
  s.run();
  EXPECT_TRUE(s.init->host().logged_in_order({
      "IKEv2:(SA ID = 1):[IKEv2 -> PKI] Retrieving trustpoint(s) from received certificate hash(es)",
      "IKEv2:(SA ID = 1):[PKI -> IKEv2] Retrieved trustpoint(s): 'TP1'",
      "IKEv2:(SA ID = 1):[IKEv2 -> PKI] Getting cert chain for the trustpoint TP1",
      "IKEv2:(SA ID = 1):[PKI -> IKEv2] Getting of cert chain for the trustpoint PASSED",
  }));
  EXPECT_TRUE(s.init->engine().tunnel_up(1));
  ASSERT_EQ(s.resp->host().installs.size(), 1u);
  expect_mirrored(s.init->host().installs.at(0), s.resp->host().installs[0]);
}

// ------------------------------------------------ R2 as the IKEv2 initiator

TEST(SeedAsymmetricTrustpoints, ResponderRejectsTheTp2Certificate) {
  Scenario s("R2", seed("ikev2-asymmetric-trustpoints", "r2-initiator.cfg"), "r2_both", "R1",
             seed("ikev2-asymmetric-trustpoints", "r1-responder.cfg"), "r1_both");
  s.run();
  // R1's CERTREQ names TP2's CA first (its newest certificate): R2 signs
  // with TP2.
  EXPECT_TRUE(s.init->host().logged_in_order({
      "IKEv2:(SA ID = 1):Processing IKE_SA_INIT message",
      "IKEv2:(SA ID = 1):[IKEv2 -> PKI] Retrieving trustpoint(s) from received certificate hash(es)",
      "IKEv2:(SA ID = 1):[PKI -> IKEv2] Retrieved trustpoint(s): 'TP2'",
      "IKEv2:(SA ID = 1):[IKEv2 -> PKI] Getting cert chain for the trustpoint TP2",
      "IKEv2:(SA ID = 1):[PKI -> IKEv2] Getting of cert chain for the trustpoint PASSED",
  }));
  // R1 validates against TP1 only.
  EXPECT_TRUE(s.resp->host().logged_in_order({
      "IKEv2:(SA ID = 1):[IKEv2 -> PKI] Retrieving trustpoint(s) from received certificate hash(es)",
      "IKEv2:(SA ID = 1):[PKI -> IKEv2] Retrieved trustpoint(s): 'TP1'",
      "IKEv2:(SA ID = 1):[IKEv2 -> PKI] Getting cert chain for the trustpoint TP1",
      "IKEv2:(SA ID = 1):[PKI -> IKEv2] Getting of cert chain for the trustpoint PASSED",
      "IKEv2:(SA ID = 1):Get peer's authentication method",
      "IKEv2:(SA ID = 1):Peer's authentication method is 'RSA'",
      "IKEv2:(SA ID = 1):[IKEv2 -> PKI] Validating certificate chain",
      "IKEv2:(SA ID = 1):[PKI -> IKEv2] Validation of certificate chain FAILED",
      "IKEv2:(SA ID = 1):Verification of peer's authentication data FAILED",
      "IKEv2:(SA ID = 1):Sending authentication failure notify",
      "IKEv2:(SA ID = 1):Building packet for encryption.",
      "Payload contents: NOTIFY(AUTHENTICATION_FAILED)",
  }));
  EXPECT_TRUE(s.resp->host().logged("CRYPTO_PKI: No suitable trustpoints found") ||
              s.resp->host().logged_containing("No suitable trustpoints found"));
  EXPECT_TRUE(s.init->host().logged_in_order(
      {"IKEv2:(SA ID = 1):Received AUTHENTICATION_FAILED notify", "IKEv2:(SA ID = 1):Auth exchange failed"}));
  EXPECT_TRUE(s.init->host().installs.empty());
  EXPECT_TRUE(s.resp->host().installs.empty());
  EXPECT_EQ(s.init->engine().established_count(), 0u);
  EXPECT_EQ(s.resp->engine().established_count(), 0u);
}

// "the tunnel might initiate from only one side": from R1 it comes up.
TEST(SeedAsymmetricTrustpoints, WorksWhenR1Initiates) {
  Scenario s("R1", seed("ikev2-asymmetric-trustpoints", "r1-responder.cfg"), "r1_both", "R2",
             seed("ikev2-asymmetric-trustpoints", "r2-initiator.cfg"), "r2_both");
  s.run();
  EXPECT_TRUE(s.init->engine().tunnel_up(1));
  EXPECT_TRUE(s.resp->engine().tunnel_up(1));
  EXPECT_NE(s.init->engine().show_sa(true).find("Signing trustpoint: TP1"), std::string::npos);
}

TEST(SeedSymmetricTrustpoints, ComesUpWithTp2) {
  Scenario s("R2", seed("ikev2-symmetric-trustpoints", "r2-initiator.cfg"), "r2_both", "R1",
             seed("ikev2-symmetric-trustpoints", "r1-responder.cfg"), "r1_both");
  s.run();
  EXPECT_TRUE(s.init->host().logged("IKEv2:(SA ID = 1):[PKI -> IKEv2] Retrieved trustpoint(s): 'TP2'"));
  EXPECT_TRUE(s.resp->host().logged("IKEv2:(SA ID = 1):[PKI -> IKEv2] Validation of certificate chain PASSED"));
  EXPECT_TRUE(s.init->engine().tunnel_up(1));
  EXPECT_TRUE(s.resp->engine().tunnel_up(1));
  ASSERT_EQ(s.init->host().installs.size(), 1u);
  expect_mirrored(s.init->host().installs[0], s.resp->host().installs.at(0));
  std::string detailed = s.init->engine().show_sa(true);
  EXPECT_NE(detailed.find("Signing trustpoint: TP2"), std::string::npos) << detailed;
  EXPECT_NE(detailed.find("Remote id: 192.168.0.1"), std::string::npos) << detailed;
}

// ---------------------------------------------------- certificates, more

// Certificate chains make IKE_AUTH exceed 1280 bytes: RFC 7383 fragments,
// one of them lost once.
TEST(Certificates, FragmentedIkeAuthSurvivesALostFragment) {
  Scenario s("R2", seed("ikev2-symmetric-trustpoints", "r2-initiator.cfg"), "r2_both", "R1",
             seed("ikev2-symmetric-trustpoints", "r1-responder.cfg"), "r1_both");
  int auth_fragments = 0;
  size_t biggest = 0;
  s.net.drop = [&](const Datagram& d) {
    WireInfo w = wire_info(d.data);
    if (w.exchange == 35) biggest = std::max(biggest, d.data.size());
    return w.exchange == 35 && !w.response && ++auth_fragments == 2;  // the second fragment, once
  };
  s.run();
  EXPECT_FALSE(s.init->engine().tunnel_up(1));
  s.net.advance(5s);
  EXPECT_TRUE(s.init->engine().tunnel_up(1));
  EXPECT_TRUE(s.init->host().logged_containing("Fragmenting packet, Fragment MTU: 1280, Number of fragments: "));
  EXPECT_TRUE(s.resp->host().logged_containing("Reassembled "));
  EXPECT_LE(biggest + 28, 1280u);
  EXPECT_GT(auth_fragments, 2);
  EXPECT_NE(s.init->engine().show_sa(true).find("Fragmentation is enabled."), std::string::npos);
}

TEST(Certificates, Rfc7427SignaturesWithRsa) {
  EngineOptions o = debug_on();
  o.rfc7427_for_rsa = true;
  Scenario s("R1", seed("ikev2-overlap-recommended", "r1-initiator.cfg"), "r1_tp1", "R2",
             seed("ikev2-overlap-recommended", "r2-responder.cfg"), "r2_tp1", o, o);
  s.run();
  EXPECT_TRUE(s.init->engine().tunnel_up(1));
  EXPECT_NE(s.init->engine().show_sa(false).find("Auth sign: RFC7427, Auth verify: RFC7427"), std::string::npos)
      << s.init->engine().show_sa(false);
  EXPECT_TRUE(s.resp->host().logged("IKEv2:(SA ID = 1):Peer's authentication method is 'RSA'"));
}

TEST(Certificates, EcdsaSignaturesUseRfc7427) {
  auto ecdsa = [](const std::string& file) {
    return load(file, replace_all(read(seed_config("ikev2-overlap-recommended", file)), "rsa-sig", "ecdsa-sig"));
  };
  Scenario s("R1", ecdsa("r1-initiator.cfg"), "r1_ec", "R2", ecdsa("r2-responder.cfg"), "r2_ec");
  s.run();
  EXPECT_TRUE(s.resp->host().logged("IKEv2:(SA ID = 1):Peer's authentication method is 'ECDSA'"));
  EXPECT_TRUE(s.init->host().logged("IKEv2:(SA ID = 1):Peer's authentication method is 'ECDSA'"));
  EXPECT_TRUE(s.init->engine().tunnel_up(1));
  EXPECT_NE(s.init->engine().show_sa(false).find("Auth sign: RFC7427, Auth verify: RFC7427"), std::string::npos);
  ASSERT_EQ(s.resp->host().installs.size(), 1u);
  expect_mirrored(s.init->host().installs.at(0), s.resp->host().installs[0]);
}

TEST(Certificates, RsaSigProfileRefusesAnEcdsaPeer) {
  // R1 signs with ECDSA, R2's profile accepts rsa-sig only.
  auto r1 = load("R1", replace_all(read(seed_config("ikev2-overlap-recommended", "r1-initiator.cfg")),
                                   "authentication local rsa-sig", "authentication local ecdsa-sig"));
  Scenario s("R1", r1, "r1_ec", "R2", seed("ikev2-overlap-recommended", "r2-responder.cfg"), "r2_tp1");
  s.run();
  EXPECT_TRUE(s.resp->host().logged("IKEv2:(SA ID = 1):Peer's authentication method is 'ECDSA'"));
  EXPECT_TRUE(
      s.resp->host().logged("IKEv2:(SA ID = 1):Peer's authentication method is not allowed by profile profile1"));
  EXPECT_FALSE(s.init->engine().tunnel_up(1));
}

TEST(Certificates, IdentityNotInTheCertificateFails) {
  // R1 claims an address its certificate does not carry.
  std::string text = replace_all(read(seed_config("ikev2-overlap-recommended", "r1-initiator.cfg")),
                                 "identity local address 192.168.0.1", "identity local address 192.168.0.9");
  auto r2 = replace_all(read(seed_config("ikev2-overlap-recommended", "r2-responder.cfg")),
                        "match identity remote address 192.168.0.1 255.255.255.255",
                        "match identity remote address 192.168.0.0 255.255.255.0");
  Scenario s("R1", load("R1", text), "r1_tp1", "R2", load("R2", r2), "r2_tp1");
  s.run();
  EXPECT_TRUE(s.resp->host().logged("IKEv2:(SA ID = 1):[PKI -> IKEv2] Validation of certificate chain FAILED"));
  EXPECT_TRUE(s.init->host().logged("IKEv2:(SA ID = 1):Received AUTHENTICATION_FAILED notify"));
  EXPECT_FALSE(s.init->engine().tunnel_up(1));
}

TEST(Certificates, ProfileWithoutMatchingIdentityFails) {
  auto r2 = replace_all(read(seed_config("ikev2-overlap-recommended", "r2-responder.cfg")),
                        "match identity remote address 192.168.0.1 255.255.255.255",
                        "match identity remote address 10.9.9.9 255.255.255.255");
  Scenario s("R1", seed("ikev2-overlap-recommended", "r1-initiator.cfg"), "r1_tp1", "R2", load("R2", r2), "r2_tp1");
  s.run();
  EXPECT_TRUE(s.resp->host().logged("IKEv2:(SA ID = 1):Failed to locate an item in the database"));
  EXPECT_TRUE(s.resp->host().logged("IKEv2:(SA ID = 1):Sending authentication failure notify"));
  EXPECT_TRUE(s.init->host().logged("IKEv2:(SA ID = 1):Received AUTHENTICATION_FAILED notify"));
}

TEST(Certificates, PeerMethodMustBeAllowed) {
  // R2 accepts only pre-shared keys from its peer; R1 signs.
  auto r2 = replace_all(read(seed_config("ikev2-overlap-recommended", "r2-responder.cfg")),
                        "authentication remote rsa-sig", "authentication remote pre-share key abc");
  Scenario s("R1", seed("ikev2-overlap-recommended", "r1-initiator.cfg"), "r1_tp1", "R2", load("R2", r2), "r2_tp1");
  s.run();
  EXPECT_TRUE(
      s.resp->host().logged("IKEv2:(SA ID = 1):Peer's authentication method is not allowed by profile profile1"));
  EXPECT_FALSE(s.init->engine().tunnel_up(1));
}

}  // namespace
}  // namespace keyway::ikev2::test
