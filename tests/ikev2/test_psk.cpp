// Two engines with pre-shared keys: establishment and the child SAs they
// install, negotiation failures, lost and duplicated messages, rekeys,
// deletes, DPD, NAT traversal and cookies.
#include <gtest/gtest.h>

#include <algorithm>

#include "control/ikev2/engine_impl.h"
#include "control/ikev2/exchange_rules.h"
#include "tests/ikev2/harness.h"

namespace keyway::ikev2::test {
namespace {

using namespace std::chrono_literals;

struct Opts {
  std::string encryption = "aes-cbc-256";
  std::string integrity = "integrity sha256";
  std::string prf;
  std::string groups = "14";
  std::string transform = "esp-aes 256 esp-sha256-hmac";
  std::string psk_local = "cisco123";
  std::string psk_remote = "cisco123";
  std::string ipsec_extra;    // lines under `crypto ipsec profile`
  std::string profile_extra;  // lines under `crypto ikev2 profile`
};

// R1 is 192.168.0.1, R2 192.168.0.2; each has Tunnel1 to the other.
std::string psk_config(int self, const Opts& o) {
  std::string me = "192.168.0." + std::to_string(self), peer = "192.168.0." + std::to_string(3 - self);
  return "hostname R" + std::to_string(self) +
         "\n"
         "crypto ikev2 proposal prop\n"
         " encryption " +
         o.encryption + "\n" + (o.integrity.empty() ? "" : " " + o.integrity + "\n") +
         (o.prf.empty() ? "" : " prf " + o.prf + "\n") + " group " + o.groups +
         "\n"
         "crypto ikev2 policy pol\n"
         " proposal prop\n"
         "crypto ikev2 keyring keys\n"
         " peer other\n"
         "  address " +
         peer +
         "\n"
         "  pre-shared-key local " +
         o.psk_local +
         "\n"
         "  pre-shared-key remote " +
         o.psk_remote +
         "\n"
         "crypto ikev2 profile prof\n"
         " match identity remote address " +
         peer +
         " 255.255.255.255\n"
         " identity local address " +
         me +
         "\n"
         " authentication remote pre-share\n"
         " authentication local pre-share\n"
         " keyring local keys\n" +
         o.profile_extra + "crypto ipsec transform-set ts " + o.transform +
         "\n"
         " mode tunnel\n"
         "crypto ipsec profile vti\n"
         " set transform-set ts\n"
         " set ikev2-profile prof\n" +
         o.ipsec_extra +
         "interface Ethernet0/0\n"
         " ip address " +
         me +
         " 255.255.255.0\n"
         "interface Tunnel1\n"
         " ip address 10.0.0." +
         std::to_string(self) +
         " 255.255.255.0\n"
         " tunnel source Ethernet0/0\n"
         " tunnel destination " +
         peer +
         "\n"
         " tunnel mode ipsec ipv4\n"
         " tunnel protection ipsec profile vti\n"
         "end\n";
}

EngineOptions debug_on() {
  EngineOptions o;
  o.debug = true;
  return o;
}

// A's outbound SA is B's inbound SA, and the other way round.
void expect_mirrored(const Install& a, const Install& b) {
  EXPECT_EQ(a.out.spi, b.in.spi);
  EXPECT_EQ(a.out.key, b.in.key);
  EXPECT_EQ(a.out.auth_key, b.in.auth_key);
  EXPECT_EQ(a.out.transform, b.in.transform);
  EXPECT_EQ(a.out.src, b.in.src);
  EXPECT_EQ(a.out.dst, b.in.dst);
  EXPECT_EQ(a.in.spi, b.out.spi);
  EXPECT_EQ(a.in.key, b.out.key);
  EXPECT_EQ(a.in.auth_key, b.out.auth_key);
  EXPECT_EQ(a.in.src, b.out.src);
  EXPECT_EQ(a.in.dst, b.out.dst);
  EXPECT_NE(a.in.key, a.out.key);
  EXPECT_NE(a.in.spi, a.out.spi);
}

struct Pair {
  Net net;
  Router* a = nullptr;
  Router* b = nullptr;
  Pair(const Opts& oa, const Opts& ob, EngineOptions ea = debug_on(), EngineOptions eb = debug_on()) {
    a = &net.add("R1", psk_config(1, oa), {}, std::move(ea));
    b = &net.add("R2", psk_config(2, ob), {}, std::move(eb));
  }
  void up() {
    a->engine().initiate(1, net.now());
    net.run();
  }
};

TEST(Psk, EstablishesAndInstallsMirroredChildSas) {
  Pair p({}, {});
  p.up();
  EXPECT_TRUE(p.a->engine().tunnel_up(1));
  EXPECT_TRUE(p.b->engine().tunnel_up(1));
  ASSERT_EQ(p.a->host().installs.size(), 1u);
  ASSERT_EQ(p.b->host().installs.size(), 1u);
  const Install& ia = p.a->host().installs[0];
  const Install& ib = p.b->host().installs[0];
  EXPECT_EQ(ia.tunnel, 1u);
  expect_mirrored(ia, ib);
  EXPECT_EQ(ia.out.transform, dp::Transform::kAes256CbcSha256);
  EXPECT_EQ(ia.out.key.size(), 32u);
  EXPECT_EQ(ia.out.auth_key.size(), 32u);
  EXPECT_EQ(ia.out.src, ip("192.168.0.1"));
  EXPECT_EQ(ia.out.dst, ip("192.168.0.2"));
  EXPECT_FALSE(ia.out.udp_encap);
  // Lifetimes from the IPsec profile (IOS defaults: 3600 s, 4608000 kB);
  // the initiator's soft limits come before the responder's.
  EXPECT_EQ(ia.out.hard_seconds, 3600u);
  EXPECT_EQ(ia.out.soft_seconds, 3240u);
  EXPECT_EQ(ib.out.soft_seconds, 3420u);
  EXPECT_EQ(ia.out.hard_bytes, 4608000ull * 1024);
  EXPECT_EQ(ia.out.soft_bytes, 4608000ull * 1024 * 9 / 10);
  EXPECT_TRUE(p.a->host().logged_containing("%IKEV2-5-SA_UP: SA UP: Local 192.168.0.1/500 Remote 192.168.0.2/500"));
  EXPECT_TRUE(p.b->host().logged_in_order({
      "IKEv2:(SA ID = 1):Processing IKE_AUTH message",
      "IKEv2:(SA ID = 1):Searching policy based on peer's identity '192.168.0.1' of type 'IPv4 address'",
      "IKEv2:found matching IKEv2 profile 'prof'",
      "IKEv2:(SA ID = 1):Peer's authentication method is 'PSK'",
  }));
  std::string show = p.a->engine().show_sa(false);
  EXPECT_NE(show.find("192.168.0.1/500       192.168.0.2/500       none/none            READY"), std::string::npos)
      << show;
  EXPECT_NE(show.find("Encr: AES-CBC, keysize: 256, PRF: SHA256, Hash: SHA256, DH Grp:14, Auth sign: PSK, Auth "
                      "verify: PSK"),
            std::string::npos)
      << show;
  std::string detailed = p.b->engine().show_sa(true);
  EXPECT_NE(detailed.find("Initiator of SA : No"), std::string::npos) << detailed;
  EXPECT_NE(detailed.find("Remote id: 192.168.0.1"), std::string::npos) << detailed;
  std::string json = p.a->engine().show_sa_json();
  EXPECT_NE(json.find("\"status\":\"READY\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"transform\":\"aes256cbc-sha256\""), std::string::npos) << json;
}

TEST(Psk, GcmKeysCarryTheirSalt) {
  Opts o;
  o.encryption = "aes-gcm-256";
  o.integrity = "";
  o.prf = "sha384";
  o.groups = "19";
  o.transform = "esp-gcm 256";
  Pair p(o, o);
  p.up();
  ASSERT_EQ(p.a->host().installs.size(), 1u);
  ASSERT_EQ(p.b->host().installs.size(), 1u);
  const Install& ia = p.a->host().installs[0];
  expect_mirrored(ia, p.b->host().installs[0]);
  EXPECT_EQ(ia.out.transform, dp::Transform::kAes256Gcm);
  EXPECT_EQ(ia.out.key.size(), 36u);  // key || 4-byte salt
  EXPECT_TRUE(ia.out.auth_key.empty());
  EXPECT_NE(p.a->engine().show_sa(false).find("Encr: AES-GCM, keysize: 256, PRF: SHA384, Hash: None, DH Grp:19"),
            std::string::npos);
}

TEST(Psk, WrongKeyIsAuthenticationFailed) {
  Opts wrong;
  wrong.psk_remote = "not-the-key";
  Pair p({}, wrong);
  p.up();
  EXPECT_TRUE(p.b->host().logged_in_order({
      "IKEv2:(SA ID = 1):Verification of peer's authentication data FAILED",
      "IKEv2:(SA ID = 1):Sending authentication failure notify",
      "Payload contents: NOTIFY(AUTHENTICATION_FAILED)",
  }));
  EXPECT_TRUE(p.a->host().logged("IKEv2:(SA ID = 1):Received AUTHENTICATION_FAILED notify"));
  EXPECT_TRUE(p.a->host().installs.empty());
  EXPECT_TRUE(p.b->host().installs.empty());
  EXPECT_EQ(p.a->engine().established_count(), 0u);
  EXPECT_EQ(p.b->engine().established_count(), 0u);
  EXPECT_EQ(p.a->engine().show_sa(false).find("READY"), std::string::npos);
}

TEST(Psk, InitiatorRejectingTheResponderTearsItsSaDown) {
  Opts a;
  a.psk_remote = "not-what-B-uses";  // A cannot verify B's AUTH
  Pair p(a, {});
  p.up();
  // B verified A and installed its child SA before A's verdict arrived.
  EXPECT_TRUE(p.b->host().logged("IKEv2:(SA ID = 1):Peer's authentication method is 'PSK'"));
  EXPECT_TRUE(p.a->host().logged_in_order({"IKEv2:(SA ID = 1):Verification of peer's authentication data FAILED",
                                           "IKEv2:(SA ID = 1):Sending authentication failure notify"}));
  EXPECT_TRUE(p.b->host().logged("IKEv2:(SA ID = 1):Received AUTHENTICATION_FAILED notify"));
  EXPECT_EQ(p.b->host().installs.size(), 1u);
  EXPECT_TRUE(p.b->host().live().empty());
  EXPECT_EQ(p.b->engine().established_count(), 0u);
  EXPECT_TRUE(p.a->host().installs.empty());
}

TEST(Psk, InvalidKeRetriesWithThePeersGroup) {
  Opts a;
  a.groups = "19 14";  // the KE goes out for group 19
  Opts b;
  b.groups = "14";
  Pair p(a, b);
  p.up();
  EXPECT_TRUE(p.b->host().logged_containing("Sending invalid ke notify"));
  EXPECT_TRUE(p.a->host().logged("IKEv2:(SA ID = 1):Received INVALID_KE_PAYLOAD notify, peer wants group 14"));
  EXPECT_TRUE(p.a->engine().tunnel_up(1));
  EXPECT_NE(p.a->engine().show_sa(false).find("DH Grp:14"), std::string::npos);
  // The INVALID_KE answer kept no state: the second IKE_SA_INIT made the SA.
  EXPECT_EQ(p.b->engine().established_count(), 1u);
  ASSERT_EQ(p.a->host().installs.size(), 1u);
  expect_mirrored(p.a->host().installs[0], p.b->host().installs[0]);
}

// Every DH group the configuration accepts establishes an IKE SA.
TEST(Psk, EveryDhGroupTheConfigurationAccepts) {
  for (const char* g : {"1", "2", "5", "14", "15", "16", "19", "20", "21", "31"}) {
    SCOPED_TRACE(std::string("group ") + g);
    Opts o;
    o.groups = g;
    Pair p(o, o);
    p.up();
    EXPECT_TRUE(p.a->engine().tunnel_up(1));
    EXPECT_NE(p.a->engine().show_sa(false).find(std::string("DH Grp:") + g + ","), std::string::npos);
    ASSERT_EQ(p.a->host().installs.size(), 1u);
    ASSERT_EQ(p.b->host().installs.size(), 1u);
    expect_mirrored(p.a->host().installs[0], p.b->host().installs[0]);
  }
}

TEST(Psk, NoCommonIkeProposal) {
  Opts a;
  a.encryption = "aes-cbc-128";
  Opts b;
  b.encryption = "aes-cbc-256";
  Pair p(a, b);
  p.up();
  EXPECT_TRUE(p.b->host().logged_in_order(
      {"IKEv2:(SA ID = 1):Failed to find a matching policy", "IKEv2:(SA ID = 1):Sending no proposal chosen notify"}));
  EXPECT_TRUE(p.a->host().logged("IKEv2:(SA ID = 1):Received NO_PROPOSAL_CHOSEN notify"));
  EXPECT_EQ(p.a->engine().show_sa(false).find("IN-NEG"), std::string::npos);
  EXPECT_EQ(p.b->engine().established_count(), 0u);
  EXPECT_EQ(p.b->engine().show_sa(false).find("IN-NEG"), std::string::npos);  // no half-open state kept
}

TEST(Psk, NoCommonEspProposalTearsTheIkeSaDown) {
  Opts a;
  Opts b;
  b.transform = "esp-gcm 128";
  Pair p(a, b);
  p.up();
  EXPECT_TRUE(p.b->host().logged("IKEv2:(SA ID = 1):Failed to find a matching IPsec proposal"));
  EXPECT_TRUE(p.a->host().logged("IKEv2:(SA ID = 1):Received NO_PROPOSAL_CHOSEN notify: no child SA"));
  EXPECT_TRUE(p.a->host().installs.empty());
  EXPECT_TRUE(p.b->host().installs.empty());
  EXPECT_EQ(p.a->engine().established_count(), 0u);
  EXPECT_EQ(p.b->engine().established_count(), 0u);  // A's Delete arrived
}

TEST(Psk, LostMessagesAreRetransmitted) {
  Pair p({}, {});
  int init_requests = 0, auth_responses = 0;
  p.net.drop = [&](const Datagram& d) {
    WireInfo w = wire_info(d.data);
    if (w.exchange == 34 && !w.response && init_requests++ == 0) return true;  // first IKE_SA_INIT request
    if (w.exchange == 35 && w.response && auth_responses++ == 0) return true;  // first IKE_AUTH response
    return false;
  };
  p.up();
  EXPECT_FALSE(p.a->engine().tunnel_up(1));
  p.net.advance(10s);
  EXPECT_TRUE(p.a->engine().tunnel_up(1));
  EXPECT_EQ(p.a->engine().counters().tx_retransmit, 2u);
  // The repeated IKE_AUTH request was answered from the response cache,
  // not processed twice.
  EXPECT_EQ(p.b->engine().counters().rx_retransmit, 1u);
  EXPECT_EQ(p.b->host().installs.size(), 1u);
  ASSERT_EQ(p.a->host().installs.size(), 1u);
  expect_mirrored(p.a->host().installs[0], p.b->host().installs[0]);
  EXPECT_TRUE(p.a->host().logged("IKEv2:(SA ID = 1):Retransmitting packet"));
  EXPECT_NE(p.b->engine().show_sa(true).find("answered from cache: rx_retransmit 1;"), std::string::npos)
      << p.b->engine().show_sa(true);
  EXPECT_NE(p.a->engine().show_sa_json().find("\"tx_retransmit\":2"), std::string::npos);
}

TEST(Psk, DuplicatedMessagesAreAnsweredFromTheCache) {
  Pair p({}, {});
  p.net.copies = [](const Datagram&) { return 2; };
  p.up();
  EXPECT_TRUE(p.a->engine().tunnel_up(1));
  EXPECT_EQ(p.a->host().installs.size(), 1u);
  EXPECT_EQ(p.b->host().installs.size(), 1u);
  EXPECT_EQ(p.b->engine().established_count(), 1u);
  // IKE_SA_INIT and IKE_AUTH requests each arrived twice.
  EXPECT_EQ(p.b->engine().counters().rx_retransmit, 2u);
  // Duplicated responses find no request waiting for them.
  EXPECT_GE(p.a->engine().counters().rx_unexpected + p.a->engine().counters().rx_no_sa, 1u);
}

TEST(Psk, GivesUpWhenThePeerNeverAnswers) {
  Pair p({}, {});
  p.net.drop = [](const Datagram&) { return true; };
  p.up();
  p.net.advance(60s);
  EXPECT_NE(p.a->engine().show_sa(false).find("IN-NEG"), std::string::npos);
  p.net.advance(70s);  // 2 + 4 + 8 + 16 + 32 + 64 = 126 s
  EXPECT_EQ(p.a->engine().counters().tx_retransmit, 5u);
  EXPECT_TRUE(p.a->host().logged("IKEv2:(SA ID = 1):Maximum number of retransmissions reached"));
  EXPECT_EQ(p.a->engine().show_sa(false).find("IN-NEG"), std::string::npos);
  EXPECT_EQ(p.a->engine().next_timer(), Clock::time_point::max());
}

TEST(Psk, ChildRekeyOnSoftExpiryReplacesThePair) {
  Pair p({}, {});
  p.up();
  ASSERT_EQ(p.a->host().installs.size(), 1u);
  Install old_a = p.a->host().installs[0], old_b = p.b->host().installs[0];
  p.a->engine().child_expiring(1, old_a.out.spi, false, p.net.now());
  p.net.run();
  ASSERT_EQ(p.a->host().installs.size(), 2u);
  ASSERT_EQ(p.b->host().installs.size(), 2u);
  expect_mirrored(p.a->host().installs[1], p.b->host().installs[1]);
  EXPECT_NE(p.a->host().installs[1].out.key, old_a.out.key);
  // The old pair is deleted on both sides after the rekey.
  EXPECT_EQ(p.a->host().deletes, (std::vector<std::pair<uint32_t, uint32_t>>{{1, old_a.in.spi}}));
  EXPECT_EQ(p.b->host().deletes, (std::vector<std::pair<uint32_t, uint32_t>>{{1, old_b.in.spi}}));
  EXPECT_EQ(p.a->host().live().size(), 1u);
  EXPECT_EQ(p.b->host().live().size(), 1u);
  EXPECT_TRUE(p.a->host().logged("Payload contents: NOTIFY(REKEY_SA) SA N TSi TSr"));
  // The rekeyed pair's soft limit is the initiator's (A rekeyed it).
  EXPECT_EQ(p.a->host().installs[1].out.soft_seconds, 3240u);
}

TEST(Psk, LostRekeyResponseIsAnsweredFromTheCache) {
  Pair p({}, {});
  p.up();
  int responses = 0;
  p.net.drop = [&](const Datagram& d) {
    WireInfo w = wire_info(d.data);
    return w.exchange == 36 && w.response && responses++ == 0;  // the first CREATE_CHILD_SA response
  };
  p.a->engine().child_expiring(1, p.a->host().installs[0].out.spi, false, p.net.now());
  p.net.run();
  EXPECT_EQ(p.a->host().installs.size(), 1u);
  EXPECT_EQ(p.b->host().installs.size(), 2u);
  p.net.advance(3s);
  // B answered the retransmission from its cache: no third pair.
  EXPECT_EQ(p.b->host().installs.size(), 2u);
  EXPECT_EQ(p.b->engine().counters().rx_retransmit, 1u);
  ASSERT_EQ(p.a->host().installs.size(), 2u);
  expect_mirrored(p.a->host().installs[1], p.b->host().installs[1]);
  EXPECT_EQ(p.a->host().live().size(), 1u);
  EXPECT_EQ(p.b->host().live().size(), 1u);
}

TEST(Psk, LostDeleteIsRetransmitted) {
  Pair p({}, {});
  p.up();
  int deletes = 0;
  p.net.drop = [&](const Datagram& d) {
    WireInfo w = wire_info(d.data);
    return w.exchange == 37 && !w.response && deletes++ == 0;
  };
  uint32_t a_in = p.a->host().installs[0].in.spi;
  p.a->engine().child_expiring(1, a_in, true, p.net.now());
  p.net.run();
  EXPECT_EQ(p.b->host().live().size(), 1u);  // B has not heard yet
  p.net.advance(3s);
  EXPECT_TRUE(p.b->host().live().empty());
  EXPECT_EQ(p.a->engine().counters().tx_retransmit, 1u);
}

TEST(Psk, ChildRekeyWithPfsSendsKe) {
  Opts o;
  o.ipsec_extra = " set pfs group14\n";
  Pair p(o, o);
  p.up();
  ASSERT_EQ(p.a->host().installs.size(), 1u);
  // IKE_AUTH carries no KE even with PFS configured.
  EXPECT_TRUE(p.a->host().logged_containing("Payload contents: IDi AUTH NOTIFY(INITIAL_CONTACT) SA TSi TSr"));
  p.b->engine().child_expiring(1, p.b->host().installs[0].in.spi, false, p.net.now());
  p.net.run();
  EXPECT_TRUE(p.b->host().logged("Payload contents: NOTIFY(REKEY_SA) SA N KE TSi TSr"));
  EXPECT_TRUE(p.a->host().logged("Payload contents: SA N KE TSi TSr"));
  ASSERT_EQ(p.a->host().installs.size(), 2u);
  expect_mirrored(p.a->host().installs[1], p.b->host().installs[1]);
  EXPECT_EQ(p.a->host().live().size(), 1u);
  EXPECT_EQ(p.b->host().live().size(), 1u);
}

TEST(Psk, PfsMismatchLeavesTheOldPair) {
  Opts a;
  a.ipsec_extra = " set pfs group14\n";
  Pair p(a, {});
  p.up();
  ASSERT_EQ(p.a->host().installs.size(), 1u);
  p.a->engine().child_expiring(1, p.a->host().installs[0].in.spi, false, p.net.now());
  p.net.run();
  EXPECT_TRUE(p.a->host().logged("IKEv2:(SA ID = 1):Child SA not created: peer sent NO_PROPOSAL_CHOSEN"));
  EXPECT_EQ(p.a->host().installs.size(), 1u);
  EXPECT_TRUE(p.a->host().deletes.empty());
  EXPECT_TRUE(p.a->engine().tunnel_up(1));
}

TEST(Psk, RefusedRekeyIsRetriedLaterNotAtEveryTick) {
  // B refuses every rekey (no PFS there). A's time-driven rekey at 90 % of
  // 3600 s fails; the pair's soft time has passed, but A asks again only
  // after 30 s, not at each tick, and the pair keeps working.
  Opts a;
  a.ipsec_extra = " set pfs group14\n";
  Pair p(a, {}, debug_on());
  p.up();
  const std::string refused = "IKEv2:(SA ID = 1):Child SA not created: peer sent NO_PROPOSAL_CHOSEN";
  auto refusals = [&] {
    return std::count(p.a->host().logs.begin(), p.a->host().logs.end(), refused);
  };
  p.net.advance(3241s, 1s);
  ASSERT_EQ(refusals(), 1);
  size_t sent = p.a->host().sent;
  p.net.advance(10s);
  EXPECT_EQ(p.a->host().sent, sent);
  EXPECT_EQ(refusals(), 1);
  p.net.advance(21s);
  EXPECT_EQ(refusals(), 2);
  EXPECT_EQ(p.a->host().installs.size(), 1u);
  EXPECT_TRUE(p.a->engine().tunnel_up(1));
}

TEST(Psk, ChildRekeyByTime) {
  Opts o;
  o.ipsec_extra = " set security-association lifetime seconds 200\n";
  Pair p(o, o);
  p.up();
  ASSERT_EQ(p.a->host().installs.size(), 1u);
  EXPECT_EQ(p.a->host().installs[0].out.hard_seconds, 200u);
  EXPECT_EQ(p.a->host().installs[0].out.soft_seconds, 180u);
  p.net.advance(170s);
  EXPECT_EQ(p.a->host().installs.size(), 1u);
  p.net.advance(15s);  // A's soft limit (180 s) passes; B's (190 s) not yet
  ASSERT_EQ(p.a->host().installs.size(), 2u);
  ASSERT_EQ(p.b->host().installs.size(), 2u);
  expect_mirrored(p.a->host().installs[1], p.b->host().installs[1]);
  EXPECT_EQ(p.a->host().live().size(), 1u);
  EXPECT_EQ(p.b->host().live().size(), 1u);
  p.net.advance(400s);  // and again, each time before the hard limit
  EXPECT_GE(p.a->host().installs.size(), 4u);
  EXPECT_EQ(p.a->host().live().size(), 1u);
  EXPECT_TRUE(p.a->engine().tunnel_up(1));
}

TEST(Psk, HardExpiryDeletesThePairOnBothSides) {
  Pair p({}, {});
  p.up();
  ASSERT_EQ(p.b->host().installs.size(), 1u);
  uint32_t a_in = p.a->host().installs[0].in.spi, b_in = p.b->host().installs[0].in.spi;
  p.a->engine().child_expiring(1, a_in, true, p.net.now());
  p.net.run();
  EXPECT_EQ(p.a->host().deletes, (std::vector<std::pair<uint32_t, uint32_t>>{{1, a_in}}));
  EXPECT_EQ(p.b->host().deletes, (std::vector<std::pair<uint32_t, uint32_t>>{{1, b_in}}));
  EXPECT_FALSE(p.a->engine().tunnel_up(1));
  EXPECT_EQ(p.a->engine().established_count(), 1u);
  // Traffic brings a new child SA over the same IKE SA.
  p.a->engine().initiate(1, p.net.now());
  p.net.run();
  EXPECT_TRUE(p.a->engine().tunnel_up(1));
  ASSERT_EQ(p.a->host().installs.size(), 2u);
  expect_mirrored(p.a->host().installs[1], p.b->host().installs[1]);
}

TEST(Psk, ClearDeletesEverythingAndTellsThePeer) {
  Pair p({}, {});
  p.up();
  ASSERT_TRUE(p.b->engine().tunnel_up(1));
  p.b->engine().clear(p.net.now());
  EXPECT_EQ(p.b->engine().established_count(), 0u);
  EXPECT_EQ(p.b->host().deletes.size(), 1u);
  p.net.run();
  EXPECT_TRUE(p.a->host().logged("IKEv2:(SA ID = 1):Received DELETE for the IKE SA"));
  EXPECT_EQ(p.a->engine().established_count(), 0u);
  EXPECT_EQ(p.a->host().deletes.size(), 1u);
  EXPECT_TRUE(p.a->host().logged_containing("%IKEV2-5-SA_DOWN: SA DOWN"));
  EXPECT_TRUE(p.b->host().logged_containing("cleared by clear crypto ikev2 sa"));
}

TEST(Psk, InitialContactReplacesStaleState) {
  Pair p({}, {});
  p.up();
  ASSERT_EQ(p.b->host().installs.size(), 1u);
  // A restarts: its state is gone and B never heard of it.
  p.net.drop = [](const Datagram&) { return true; };
  p.a->engine().clear(p.net.now());
  p.net.run();
  p.net.drop = nullptr;
  EXPECT_EQ(p.b->engine().established_count(), 1u);
  p.a->engine().initiate(1, p.net.now());
  p.net.run();
  EXPECT_TRUE(p.a->host().logged_containing("NOTIFY(INITIAL_CONTACT)"));
  EXPECT_TRUE(p.b->host().logged_containing("INITIAL_CONTACT from the peer"));
  EXPECT_EQ(p.b->engine().established_count(), 1u);
  ASSERT_EQ(p.b->host().installs.size(), 2u);
  EXPECT_EQ(p.b->host().live().size(), 1u);  // the stale pair is gone
  expect_mirrored(p.a->host().installs.back(), p.b->host().live()[0]);
}

TEST(Psk, DpdDetectsADeadPeer) {
  Opts o;
  o.profile_extra = " dpd 10 2 periodic\n";
  Pair p(o, o);
  p.up();
  ASSERT_TRUE(p.a->engine().tunnel_up(1));
  p.net.advance(11s);
  EXPECT_TRUE(p.a->host().logged("IKEv2:(SA ID = 1):Sending DPD/liveness query"));
  EXPECT_TRUE(p.b->host().logged("IKEv2:(SA ID = 1):Received DPD/liveness query"));
  EXPECT_TRUE(p.a->engine().tunnel_up(1));
  p.net.drop = [](const Datagram&) { return true; };
  p.net.advance(200s);
  EXPECT_FALSE(p.a->engine().tunnel_up(1));
  EXPECT_TRUE(p.a->host().logged_containing("peer not responding (DPD)"));
  EXPECT_EQ(p.a->host().live().size(), 0u);
}

TEST(Psk, NatMovesToPort4500AndEncapsulates) {
  Net net;
  Opts o;
  // R1 sits behind a NAT: 10.1.1.1 inside, 192.168.0.1 outside.
  std::string r1 = psk_config(1, o);
  auto cfg1 = load("R1", r1);
  std::vector<TunnelConfig> t1{{1, "Tunnel1", ip("10.1.1.1"), ip("192.168.0.2"), "vti"}};
  Router& a = net.add("R1", cfg1, {}, debug_on(), t1);
  Router& b = net.add("R2", psk_config(2, o), {}, debug_on());
  net.add_nat({ip("10.1.1.1"), ip("192.168.0.1"), 30000});
  a.engine().initiate(1, net.now());
  net.run();
  ASSERT_TRUE(a.engine().tunnel_up(1));
  EXPECT_TRUE(a.host().logged("IKEv2:(SA ID = 1):NAT INSIDE found"));
  EXPECT_TRUE(b.host().logged("IKEv2:(SA ID = 1):NAT OUTSIDE found"));
  EXPECT_TRUE(a.host().logged("IKEv2:(SA ID = 1):NAT detected float to init port 4500, resp port 4500"));
  const Install& ia = a.host().installs.at(0);
  const Install& ib = b.host().installs.at(0);
  EXPECT_TRUE(ia.out.udp_encap);
  EXPECT_EQ(ia.out.encap_sport, 4500);
  EXPECT_EQ(ia.out.encap_dport, 4500);
  EXPECT_EQ(ia.out.src, ip("10.1.1.1"));
  EXPECT_TRUE(ib.out.udp_encap);
  EXPECT_EQ(ib.out.encap_sport, 4500);
  EXPECT_EQ(ib.out.encap_dport, 30002);  // the NAT's mapping of A's 4500
  EXPECT_EQ(ib.in.encap_sport, 30002);
  EXPECT_EQ(ib.out.dst, ip("192.168.0.1"));
  EXPECT_EQ(ia.out.spi, ib.in.spi);
  EXPECT_EQ(ia.out.key, ib.in.key);
  EXPECT_NE(b.engine().show_sa(false).find("192.168.0.2/4500      192.168.0.1/30002"), std::string::npos)
      << b.engine().show_sa(false);
  // The end behind the NAT keeps the mapping alive, every 20 s.
  net.advance(45s);
  ASSERT_GE(a.host().keepalives.size(), 2u);
  EXPECT_LE(a.host().keepalives.size(), 3u);
  EXPECT_EQ(a.host().keepalives[0].from, (Endpoint{ip("10.1.1.1"), 4500}));
  EXPECT_EQ(a.host().keepalives[0].to, (Endpoint{ip("192.168.0.2"), 4500}));
  EXPECT_TRUE(b.host().keepalives.empty());
  // Later exchanges follow: a rekey works through the NAT.
  a.engine().child_expiring(1, ia.out.spi, false, net.now());
  net.run();
  EXPECT_EQ(a.host().installs.size(), 2u);
  EXPECT_EQ(b.host().live().size(), 1u);
}

TEST(Psk, IkeSaRekeyKeepsTheChildSas) {
  Opts o;
  o.profile_extra = " lifetime 300\n";
  Pair p(o, o);
  p.up();
  ASSERT_TRUE(p.a->engine().tunnel_up(1));
  p.net.advance(280s);  // A rekeys the IKE SA at 90%: 270 s
  EXPECT_TRUE(p.a->host().logged("IKEv2:(SA ID = 2):IKE SA rekeyed: SA ID 1 -> 2"));
  EXPECT_TRUE(p.b->host().logged("IKEv2:(SA ID = 2):IKE SA rekeyed: SA ID 1 -> 2"));
  EXPECT_EQ(p.a->engine().established_count(), 1u);
  EXPECT_EQ(p.b->engine().established_count(), 1u);
  EXPECT_TRUE(p.a->engine().tunnel_up(1));
  EXPECT_TRUE(p.b->engine().tunnel_up(1));
  EXPECT_TRUE(p.a->host().deletes.empty());
  EXPECT_TRUE(p.b->host().deletes.empty());
  EXPECT_FALSE(p.a->host().logged_containing("SA DOWN"));  // replaced, never down
  EXPECT_FALSE(p.b->host().logged_containing("SA DOWN"));
  // The new IKE SA works: a child rekey over it.
  p.a->engine().child_expiring(1, p.a->host().installs[0].in.spi, false, p.net.now());
  p.net.run();
  ASSERT_EQ(p.a->host().installs.size(), 2u);
  expect_mirrored(p.a->host().installs[1], p.b->host().installs[1]);
  EXPECT_NE(p.a->engine().show_sa(false).find("\n2         192.168.0.1/500"), std::string::npos)
      << p.a->engine().show_sa(false);
}

TEST(Psk, SimultaneousIkeRekeyMakesOneSa) {
  Opts o;
  o.profile_extra = " lifetime 300\n";
  EngineOptions eb = debug_on();
  eb.responder_rekeys_ike = true;  // B rekeys the IKE SA too, at the same time as A
  Pair p(o, o, debug_on(), eb);
  p.up();
  ASSERT_TRUE(p.a->engine().tunnel_up(1));
  p.net.advance(275s);
  EXPECT_TRUE(p.a->host().logged_containing("IKE SA rekey collision: ") &&
              p.b->host().logged_containing("IKE SA rekey collision: "));
  EXPECT_EQ(p.a->engine().established_count(), 1u);
  EXPECT_EQ(p.b->engine().established_count(), 1u);
  EXPECT_TRUE(p.a->engine().tunnel_up(1));
  EXPECT_TRUE(p.b->engine().tunnel_up(1));
  EXPECT_TRUE(p.a->host().deletes.empty());
  EXPECT_TRUE(p.b->host().deletes.empty());
  // The surviving IKE SA carries a child rekey.
  p.b->engine().child_expiring(1, p.b->host().installs[0].in.spi, false, p.net.now());
  p.net.run();
  ASSERT_EQ(p.a->host().installs.size(), 2u);
  expect_mirrored(p.a->host().installs[1], p.b->host().installs[1]);
  EXPECT_EQ(p.a->host().live().size(), 1u);
}

TEST(Psk, CookieUnderHalfOpenLoad) {
  EngineOptions eb = debug_on();
  eb.cookie_threshold = 0;  // every IKE_SA_INIT must return a cookie
  Pair p({}, {}, debug_on(), eb);
  p.up();
  EXPECT_EQ(p.b->engine().counters().cookies_sent, 1u);
  EXPECT_TRUE(p.a->host().logged("IKEv2:(SA ID = 1):Received COOKIE notify, resending IKE_SA_INIT with the cookie"));
  EXPECT_TRUE(p.a->engine().tunnel_up(1));
  EXPECT_TRUE(p.b->engine().tunnel_up(1));
}

TEST(Psk, ResponderInitiatesOverAnEstablishedSa) {
  Pair p({}, {});
  p.up();
  ASSERT_EQ(p.b->host().installs.size(), 1u);
  // B's tunnel needs an SA again after a hard expiry on B's side.
  uint32_t b_in = p.b->host().installs[0].in.spi;
  p.b->engine().child_expiring(1, b_in, true, p.net.now());
  p.net.run();
  EXPECT_FALSE(p.b->engine().tunnel_up(1));
  p.b->engine().initiate(1, p.net.now());
  p.net.run();
  EXPECT_TRUE(p.b->engine().tunnel_up(1));
  EXPECT_EQ(p.b->engine().established_count(), 1u);  // the same IKE SA
  ASSERT_EQ(p.b->host().installs.size(), 2u);
  expect_mirrored(p.b->host().installs[1], p.a->host().installs[1]);
}

TEST(Psk, SimultaneousInitiationLeavesOneTunnel) {
  Pair p({}, {});
  p.a->engine().initiate(1, p.net.now());
  p.b->engine().initiate(1, p.net.now());
  p.net.run();
  p.net.advance(5s);
  EXPECT_TRUE(p.a->engine().tunnel_up(1));
  EXPECT_TRUE(p.b->engine().tunnel_up(1));
  EXPECT_EQ(p.a->engine().established_count(), 1u);
  EXPECT_EQ(p.b->engine().established_count(), 1u);
  // Exactly one side refused the other's child SA, and only one pair was
  // ever installed on each side.
  EXPECT_NE(p.a->host().logged_containing("Simultaneous initiation"),
            p.b->host().logged_containing("Simultaneous initiation"));
  ASSERT_EQ(p.a->host().installs.size(), 1u);
  ASSERT_EQ(p.b->host().installs.size(), 1u);
  expect_mirrored(p.a->host().installs[0], p.b->host().installs[0]);
}

TEST(Psk, SimultaneousChildRekeyMakesOnePair) {
  Pair p({}, {});
  p.up();
  ASSERT_EQ(p.a->host().installs.size(), 1u);
  Install old_a = p.a->host().installs[0], old_b = p.b->host().installs[0];
  // Both soft lifetimes fire at once (a byte limit, say): the requests cross.
  p.a->engine().child_expiring(1, old_a.out.spi, false, p.net.now());
  p.b->engine().child_expiring(1, old_b.out.spi, false, p.net.now());
  p.net.run();
  p.net.advance(3s);
  EXPECT_TRUE(p.a->host().logged_containing("Rekey collision: ") && p.b->host().logged_containing("Rekey collision: "));
  EXPECT_NE(p.a->host().logged_containing("wins") && p.a->host().logged_containing("our rekey"),
            p.b->host().logged_containing("our rekey"));
  // One new pair, installed once on each side; the old pair deleted.
  ASSERT_EQ(p.a->host().installs.size(), 2u);
  ASSERT_EQ(p.b->host().installs.size(), 2u);
  expect_mirrored(p.a->host().installs[1], p.b->host().installs[1]);
  ASSERT_EQ(p.a->host().live().size(), 1u);
  ASSERT_EQ(p.b->host().live().size(), 1u);
  EXPECT_EQ(p.a->host().live()[0].in.spi, p.a->host().installs[1].in.spi);
  EXPECT_TRUE(p.a->engine().tunnel_up(1));
  EXPECT_TRUE(p.b->engine().tunnel_up(1));
}

TEST(Psk, DebugOffLogsOnlyEvents) {
  Pair p({}, {}, EngineOptions{}, EngineOptions{});
  p.up();
  ASSERT_TRUE(p.a->engine().tunnel_up(1));
  for (const std::string& l : p.a->host().logs) EXPECT_EQ(l.rfind("%IKEV2-5-", 0), 0u) << l;
  EXPECT_EQ(p.a->host().logs.size(), 1u);
  p.a->engine().set_debug(true);
  p.a->engine().child_expiring(1, p.a->host().installs[0].in.spi, false, p.net.now());
  p.net.run();
  EXPECT_TRUE(p.a->host().logged_containing("Rekeying child SA"));
}

TEST(Psk, InstallRefusedByTheDataPlane) {
  Pair p({}, {});
  p.b->host().refuse_installs = true;
  p.up();
  EXPECT_TRUE(p.b->host().logged("IKEv2:(SA ID = 1):Failed to install child SA: refused by the test"));
  EXPECT_FALSE(p.a->engine().tunnel_up(1));
  EXPECT_EQ(p.a->engine().established_count(), 0u);
}

}  // namespace
}  // namespace keyway::ikev2::test

namespace keyway::ikev2::test {
namespace {

TEST(ExchangeRules, RequiredAndUniquePayloads) {
  std::vector<Payload> init{make(SaPayload{}), make(NoncePayload{Bytes(32, 1)})};
  EXPECT_EQ(check_payloads(ExchangeType::kIkeSaInit, false, init), "IKE_SA_INIT request without KE");
  init.push_back(make(KePayload{14, Bytes(256, 2)}));
  EXPECT_EQ(check_payloads(ExchangeType::kIkeSaInit, false, init), std::nullopt);
  init.push_back(make(NoncePayload{Bytes(32, 3)}));
  EXPECT_EQ(check_payloads(ExchangeType::kIkeSaInit, false, init), "IKE_SA_INIT request with more than one NONCE");
  // Error answers carry only a notification.
  EXPECT_EQ(check_payloads(ExchangeType::kIkeSaInit, true, {make(invalid_ke(19))}), std::nullopt);
  std::vector<Payload> auth{make(PayloadType::kIdr, id_ipv4(1)), make(AuthPayload{}), make(AuthPayload{})};
  EXPECT_EQ(check_payloads(ExchangeType::kIkeAuth, true, auth), "IKE_AUTH response with more than one AUTH");
  EXPECT_EQ(check_payloads(ExchangeType::kIkeAuth, false, {make(PayloadType::kIdi, id_ipv4(1))}),
            "IKE_AUTH request without AUTH");
  EXPECT_EQ(check_payloads(ExchangeType::kInformational, false, {}), std::nullopt);
}

TEST(ExchangeRules, IkeSaInitWithoutKeIsDroppedWithoutState) {
  Pair p({}, {});
  Message m{Header{0x1122334455667788ULL, 0, 2, 0, ExchangeType::kIkeSaInit, kFlagInitiator, 0},
            {make(SaPayload{}), make(NoncePayload{Bytes(32, 1)})}};
  auto bytes = serialize(m);
  ASSERT_TRUE(bytes);
  p.b->engine().receive({ip("192.168.0.2"), 500}, {ip("192.168.0.1"), 500}, *bytes, p.net.now());
  EXPECT_EQ(p.b->engine().counters().rx_invalid, 1u);
  EXPECT_EQ(p.b->host().sent, 0u);
  EXPECT_EQ(p.b->engine().show_sa(false).find("IN-NEG"), std::string::npos);
}

}  // namespace
}  // namespace keyway::ikev2::test

namespace keyway::ikev2::test {
namespace {

// Every message of an establishment and a rekey, with random bytes changed,
// replayed into both engines: nothing crashes, nothing is installed or
// torn down, and the tunnel still rekeys afterwards.
TEST(Robustness, MutatedMessagesChangeNothing) {
  Pair p({}, {});
  p.up();
  p.a->engine().child_expiring(1, p.a->host().installs[0].in.spi, false, p.net.now());
  p.net.run();
  ASSERT_EQ(p.a->host().installs.size(), 2u);
  std::vector<Datagram> seen = p.net.trace;
  size_t installs_a = p.a->host().installs.size(), installs_b = p.b->host().installs.size();
  size_t deletes_a = p.a->host().deletes.size(), deletes_b = p.b->host().deletes.size();
  auto rng = seeded_random(7);
  for (int i = 0; i < 4000; ++i) {
    uint8_t r[4];
    rng(r, sizeof r);
    Datagram d = seen[r[0] % seen.size()];
    int flips = 1 + r[1] % 4;
    for (int f = 0; f < flips; ++f) {
      uint8_t pos[3];
      rng(pos, sizeof pos);
      size_t at = (size_t{pos[0]} << 8 | pos[1]) % d.data.size();
      d.data[at] ^= static_cast<uint8_t>(pos[2] | 1);
    }
    if (r[2] % 8 == 0) d.data.resize(r[3] % d.data.size());
    Router* to = d.to.addr == p.a->address() ? p.a : p.b;
    to->engine().receive(d.to, d.from, d.data, p.net.now());
  }
  // Changed messages were dropped (responses to changed IKE_SA_INIT
  // requests may have started half-open SAs, which time out).
  p.net.run();
  p.net.advance(35s);
  EXPECT_EQ(p.a->host().installs.size(), installs_a);
  EXPECT_EQ(p.b->host().installs.size(), installs_b);
  EXPECT_EQ(p.a->host().deletes.size(), deletes_a);
  EXPECT_EQ(p.b->host().deletes.size(), deletes_b);
  EXPECT_EQ(p.a->engine().established_count(), 1u);
  EXPECT_EQ(p.b->engine().established_count(), 1u);
  EXPECT_GT(p.b->engine().counters().rx_invalid + p.b->engine().counters().rx_bad_icv, 100u);
  p.b->engine().child_expiring(1, p.b->host().live().at(0).in.spi, false, p.net.now());
  p.net.run();
  EXPECT_EQ(p.b->host().installs.size(), installs_b + 1);
  EXPECT_EQ(p.a->host().live().size(), 1u);
  expect_mirrored(p.a->host().live()[0], p.b->host().live()[0]);
}

// IKE_SA_INIT requests `r` put on the wire.
size_t init_requests(const Net& net, const Router& r) {
  return static_cast<size_t>(std::count_if(net.trace.begin(), net.trace.end(), [&](const Datagram& d) {
    WireInfo w = wire_info(d.data);
    return d.from.addr == r.address() && w.exchange == 34 && !w.response;
  }));
}

size_t logged_count(const TestHost& h, const std::string& part) {
  return static_cast<size_t>(std::count_if(h.logs.begin(), h.logs.end(),
                                           [&](const std::string& l) { return l.find(part) != std::string::npos; }));
}

// needs_sa every 100 ms for `d`, as the daemon forwards them.
void poke(Pair& p, Clock::duration d) {
  for (Clock::time_point end = p.net.now() + d; p.net.now() < end;) {
    p.net.advance(100ms, 100ms);
    p.a->engine().initiate(1, p.net.now());
    p.net.run();
  }
}

TEST(HoldDown, FailedNegotiationIsNotRetriedAtOnceAndBacksOff) {
  Opts wrong;
  wrong.psk_remote = "not-the-key";
  Pair p({}, wrong);
  p.up();
  ASSERT_TRUE(p.a->host().logged("IKEv2:(SA ID = 1):Received AUTHENTICATION_FAILED notify"));
  EXPECT_EQ(init_requests(p.net, *p.a), 1u);
  EXPECT_TRUE(p.a->host().logged("IKEv2:(SA ID = 1):Negotiation for Tunnel1 failed: no new negotiation for 5 s"));
  poke(p, 4900ms);
  EXPECT_EQ(init_requests(p.net, *p.a), 1u);  // held down, and logged once
  EXPECT_EQ(logged_count(p.a->host(), "no new negotiation for"), 1u);
  poke(p, 200ms);
  EXPECT_EQ(init_requests(p.net, *p.a), 2u);  // 5 s later: one new attempt, which fails again
  EXPECT_TRUE(p.a->host().logged_containing("failed: no new negotiation for 10 s"));
  poke(p, 9800ms);
  EXPECT_EQ(init_requests(p.net, *p.a), 2u);
  poke(p, 300ms);
  EXPECT_EQ(init_requests(p.net, *p.a), 3u);
  EXPECT_TRUE(p.a->host().logged_containing("failed: no new negotiation for 20 s"));
  poke(p, 110s);  // 40 s, then the 60 s cap
  EXPECT_EQ(init_requests(p.net, *p.a), 5u);
  EXPECT_TRUE(p.a->host().logged_containing("failed: no new negotiation for 60 s"));
  EXPECT_FALSE(p.a->host().logged_containing("failed: no new negotiation for 80 s"));
}

TEST(HoldDown, ClearResetsItAndSuccessArmsNothing) {
  Pair p({}, {});
  p.up();
  ASSERT_TRUE(p.a->engine().tunnel_up(1));
  EXPECT_FALSE(p.a->host().logged_containing("no new negotiation"));
  p.a->engine().clear(p.net.now());
  p.net.run();
  p.a->engine().initiate(1, p.net.now());
  p.net.run();
  EXPECT_EQ(init_requests(p.net, *p.a), 2u);
  EXPECT_TRUE(p.a->engine().tunnel_up(1));
}

TEST(HoldDown, GivenUpNegotiationIsHeldDown) {
  Pair p({}, {});
  p.net.drop = [](const Datagram&) { return true; };
  p.up();
  p.net.advance(130s);
  ASSERT_TRUE(p.a->host().logged("IKEv2:(SA ID = 1):Maximum number of retransmissions reached"));
  EXPECT_TRUE(p.a->host().logged_containing("failed: no new negotiation for 5 s"));
  size_t before = init_requests(p.net, *p.a);
  p.a->engine().initiate(1, p.net.now());
  EXPECT_EQ(init_requests(p.net, *p.a), before);
}

// A responder that narrows the traffic selectors it returns.
EngineOptions narrowing(ExchangeType which) {
  EngineOptions o = debug_on();
  o.test_edit_response = [which](ExchangeType x, std::vector<Payload>& payloads) {
    if (x != which) return;
    for (Payload& pl : payloads)
      if (pl.type == PayloadType::kTsr) pl.body = TsPayload{{ipv4_range(ip("10.1.1.0"), ip("10.1.1.255"))}};
  };
  return o;
}

TEST(NarrowedTs, InitiatorRefusesTheChildInIkeAuth) {
  Pair p({}, {}, debug_on(), narrowing(ExchangeType::kIkeAuth));
  p.up();
  EXPECT_TRUE(p.a->host().installs.empty());
  EXPECT_TRUE(
      p.a->host().logged("IKEv2:(SA ID = 1):Child SA not installed: traffic selectors narrowed by the peer: TSi "
                         "0.0.0.0-255.255.255.255, TSr 10.1.1.0-10.1.1.255 (a VTI needs 0.0.0.0/0 both ways)"));
  // The peer's half is deleted (an ESP Delete), then the IKE SA.
  EXPECT_TRUE(p.a->host().logged_in_order({"Payload contents: DELETE", "Payload contents: DELETE"}));
  EXPECT_EQ(p.b->host().installs.size(), 1u);
  EXPECT_TRUE(p.b->host().live().empty());
  EXPECT_EQ(p.a->engine().established_count(), 0u);
  EXPECT_EQ(p.b->engine().established_count(), 0u);
  EXPECT_FALSE(p.a->engine().tunnel_up(1));
  EXPECT_TRUE(p.a->host().logged_containing("Negotiation for Tunnel1 failed: no new negotiation for 5 s"));
}

TEST(NarrowedTs, InitiatorRefusesARekeyedChild) {
  Pair p({}, {}, debug_on(), narrowing(ExchangeType::kCreateChildSa));
  p.up();
  ASSERT_EQ(p.a->host().installs.size(), 1u);
  Install old_a = p.a->host().installs[0];
  p.a->engine().child_expiring(1, old_a.out.spi, false, p.net.now());
  p.net.run();
  EXPECT_TRUE(
      p.a->host().logged_containing("traffic selectors narrowed by the peer: TSi 0.0.0.0-255.255.255.255, TSr "
                                    "10.1.1.0-10.1.1.255"));
  EXPECT_EQ(p.a->host().installs.size(), 1u);  // the new pair is not installed here
  EXPECT_EQ(p.b->host().installs.size(), 2u);
  // The peer's new pair is deleted; the old one and the IKE SA stay.
  ASSERT_EQ(p.b->host().live().size(), 1u);
  EXPECT_EQ(p.b->host().live()[0].in.spi, old_a.out.spi);
  ASSERT_EQ(p.a->host().live().size(), 1u);
  EXPECT_TRUE(p.a->engine().tunnel_up(1));
  EXPECT_EQ(p.a->engine().established_count(), 1u);
  // No rekey loop: the old pair runs to its hard lifetime.
  size_t sent = p.a->host().sent;
  p.net.advance(10s);
  EXPECT_EQ(p.a->host().sent, sent);
}

TEST(PayloadList, NotifyTypesAreNamedOnce) {
  std::vector<Payload> pl{make(notify(NotifyType::kMultipleAuthSupported)),
                          make(notify(NotifyType::kChildlessIkev2Supported)),
                          make(notify(static_cast<NotifyType>(40000)))};
  EXPECT_EQ(payload_list(pl), "NOTIFY(MULTIPLE_AUTH_SUPPORTED) NOTIFY(CHILDLESS_IKEV2_SUPPORTED) NOTIFY(40000)");
}

}  // namespace
}  // namespace keyway::ikev2::test
