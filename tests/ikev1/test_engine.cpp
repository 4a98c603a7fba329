// The IKEv1 engine with pre-shared keys between two in-process routers:
// Main Mode + Quick Mode with matching keys and SPIs, PFS and GCM, NAT-T,
// Quick Mode rekey, DPD, delete, retransmission and give-up, hold-down,
// wrong keys, and bad input (mutated and truncated messages are counted,
// never crash).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "control/ikev1/message.h"
#include "control/ikev1/payloads.h"
#include "tests/ikev1/harness.h"

namespace keyway::ikev1::test {
namespace {

using namespace std::chrono_literals;

std::string psk_config(const std::string& me, const std::string& addr, const std::string& peer,
                       const std::string& key = "cisco123", const std::string& ipsec_extra = "",
                       const std::string& transform = "esp-aes 256 esp-sha256-hmac") {
  return "hostname " + me +
         "\n"
         "ip domain name cisco.com\n"
         "crypto isakmp policy 10\n"
         " encr aes 256\n"
         " hash sha256\n"
         " authentication pre-share\n"
         " group 14\n"
         "crypto isakmp key " +
         key + " address " + peer +
         "\n"
         "crypto isakmp profile prof1\n"
         " match identity address " +
         peer +
         " 255.255.255.255\n"
         "crypto ipsec transform-set TS " +
         transform +
         "\n"
         " mode tunnel\n"
         "crypto ipsec profile prof1\n"
         " set transform-set TS\n"
         " set isakmp-profile prof1\n" +
         ipsec_extra +
         "interface Ethernet0/0\n"
         " ip address " +
         addr +
         " 255.255.255.0\n"
         "interface Tunnel1\n"
         " ip address 10.0.0.1 255.255.255.0\n"
         " tunnel source Ethernet0/0\n"
         " tunnel destination " +
         peer +
         "\n"
         " tunnel protection ipsec profile prof1\n";
}

struct Pair {
  Net net;
  Router* r1;
  Router* r2;
  explicit Pair(EngineOptions o1 = {}, EngineOptions o2 = {}, const std::string& extra = "",
                const std::string& key2 = "cisco123", const std::string& transform = "esp-aes 256 esp-sha256-hmac") {
    o1.debug = o2.debug = true;
    r1 = &net.add("R1", load("r1", psk_config("R1", "192.168.0.1", "192.168.0.2", "cisco123", extra, transform)), {},
                  o1);
    r2 = &net.add("R2", load("r2", psk_config("R2", "192.168.0.2", "192.168.0.1", key2, extra, transform)), {}, o2);
  }
  void up() {
    r1->engine().initiate(1, net.now());
    net.run();
  }
};

void expect_mirrored(const Install& a, const Install& b) {
  EXPECT_EQ(a.out.spi, b.in.spi);
  EXPECT_EQ(a.out.key, b.in.key);
  EXPECT_EQ(a.out.auth_key, b.in.auth_key);
  EXPECT_EQ(a.in.spi, b.out.spi);
  EXPECT_EQ(a.in.key, b.out.key);
  EXPECT_EQ(a.in.auth_key, b.out.auth_key);
  EXPECT_EQ(a.out.transform, b.in.transform);
  EXPECT_EQ(a.out.src, b.in.src);
  EXPECT_EQ(a.out.dst, b.in.dst);
}

TEST(Ikev1Psk, MainModeAndQuickModeInstallMatchingPairs) {
  Pair p;
  p.up();
  ASSERT_EQ(p.r1->host().installs.size(), 1u);
  ASSERT_EQ(p.r2->host().installs.size(), 1u);
  const Install& a = p.r1->host().installs[0];
  const Install& b = p.r2->host().installs[0];
  expect_mirrored(a, b);
  EXPECT_EQ(a.out.transform, dp::Transform::kAes256CbcSha256);
  EXPECT_EQ(a.out.key.size(), 32u);
  EXPECT_EQ(a.out.auth_key.size(), 32u);
  EXPECT_NE(a.out.key, a.in.key);
  EXPECT_EQ(a.out.src, ip("192.168.0.1"));
  EXPECT_EQ(a.out.dst, ip("192.168.0.2"));
  EXPECT_FALSE(a.out.udp_encap);
  EXPECT_EQ(a.out.hard_seconds, 3600u);
  EXPECT_EQ(a.out.soft_seconds, 3240u);  // 90 % for the Quick Mode initiator
  EXPECT_EQ(b.out.soft_seconds, 3420u);  // 95 % for the responder
  EXPECT_EQ(p.r1->engine().established_count(), 1u);
  EXPECT_EQ(p.r2->engine().established_count(), 1u);
  EXPECT_TRUE(p.r1->engine().tunnel_up(1));
  EXPECT_TRUE(p.r2->engine().tunnel_up(1));
  // Six Main Mode messages and three Quick Mode messages.
  EXPECT_EQ(p.net.trace.size(), 9u);
  EXPECT_TRUE(p.r1->host().logged_in_order({"ISAKMP:(0):Old State = IKE_READY  New State = IKE_I_MM1",
                                            "ISAKMP:(0):Old State = IKE_I_MM1  New State = IKE_I_MM2",
                                            "ISAKMP:(0):Old State = IKE_I_MM2  New State = IKE_I_MM3",
                                            "ISAKMP:(1001):Old State = IKE_I_MM3  New State = IKE_I_MM4",
                                            "ISAKMP:(1001):Old State = IKE_I_MM4  New State = IKE_I_MM5",
                                            "ISAKMP:(1001):Old State = IKE_I_MM5  New State = IKE_I_MM6",
                                            "ISAKMP:(1001):Old State = IKE_I_MM6  New State = IKE_P1_COMPLETE"}));
  EXPECT_TRUE(p.r2->host().logged_in_order({"ISAKMP:(0):Old State = IKE_READY  New State = IKE_R_MM1",
                                            "ISAKMP:(0):Old State = IKE_R_MM1  New State = IKE_R_MM2",
                                            "ISAKMP:(1001):Old State = IKE_R_MM2  New State = IKE_R_MM3",
                                            "ISAKMP:(1001):Old State = IKE_R_MM3  New State = IKE_R_MM4",
                                            "ISAKMP:(1001):Old State = IKE_R_MM4  New State = IKE_R_MM5",
                                            "ISAKMP:(1001):Old State = IKE_R_MM5  New State = IKE_P1_COMPLETE"}));
  std::string show = p.r1->engine().show_sa();
  EXPECT_NE(show.find("192.168.0.2     192.168.0.1     QM_IDLE           1001 ACTIVE"), std::string::npos) << show;
  EXPECT_NE(p.r1->engine().show_sa(true).find("psk"), std::string::npos);
  EXPECT_NE(p.r1->engine().show_sa_json().find("\"state\": \"QM_IDLE\""), std::string::npos);
  // Nothing more to do on the wire but timers.
  EXPECT_NE(p.r1->engine().next_timer(), Clock::time_point::max());
}

TEST(Ikev1Psk, PfsAndGcm) {
  Pair p({}, {}, " set pfs group14\n", "cisco123", "esp-gcm 256");
  p.up();
  ASSERT_EQ(p.r1->host().installs.size(), 1u);
  ASSERT_EQ(p.r2->host().installs.size(), 1u);
  expect_mirrored(p.r1->host().installs[0], p.r2->host().installs[0]);
  EXPECT_EQ(p.r1->host().installs[0].out.transform, dp::Transform::kAes256Gcm);
  EXPECT_EQ(p.r1->host().installs[0].out.key.size(), 36u);  // key + salt
}

// Every DH group the configuration accepts works end to end, in Main Mode
// (the ISAKMP policy's group) and as Quick Mode's PFS group.
TEST(Ikev1Psk, EveryDhGroupTheConfigurationAccepts) {
  for (unsigned g : {1u, 2u, 5u, 14u, 15u, 16u, 19u, 20u, 21u, 31u}) {
    SCOPED_TRACE("group " + std::to_string(g));
    const std::string pfs = " set pfs group" + std::to_string(g) + "\n";
    auto config = [&](const std::string& me, const std::string& addr, const std::string& peer) {
      std::string c = psk_config(me, addr, peer, "cisco123", pfs, "esp-gcm 256");
      const std::string from = " group 14\n";
      c.replace(c.find(from), from.size(), " group " + std::to_string(g) + "\n");
      return c;
    };
    Net net;
    Router& r1 = net.add("R1", load("r1", config("R1", "192.168.0.1", "192.168.0.2")), {}, {});
    Router& r2 = net.add("R2", load("r2", config("R2", "192.168.0.2", "192.168.0.1")), {}, {});
    r1.engine().initiate(1, net.now());
    net.run();
    ASSERT_EQ(r1.host().installs.size(), 1u);
    ASSERT_EQ(r2.host().installs.size(), 1u);
    expect_mirrored(r1.host().installs[0], r2.host().installs[0]);
  }
}

TEST(Ikev1Psk, WrongKeyFailsAndHoldsDown) {
  EngineOptions o;
  o.holddown = 60s;
  Pair p(o, {}, "", "other-key");
  p.up();
  p.net.advance(150s, 2s);
  EXPECT_TRUE(p.r1->host().installs.empty());
  EXPECT_TRUE(p.r2->host().installs.empty());
  EXPECT_GE(p.r2->engine().counters().rx_bad_hash, 1u);
  EXPECT_EQ(p.r1->engine().established_count(), 0u);
  EXPECT_EQ(p.r1->engine().counters().p1_failed, 1u);
  // Hold-down: an immediate new initiate sends nothing.
  size_t sent = p.r1->host().sent;
  p.r1->engine().initiate(1, p.net.now());
  EXPECT_EQ(p.r1->host().sent, sent);
}

TEST(Ikev1Psk, NatTraversalMovesTo4500AndEncapsulates) {
  Pair p;
  p.net.add_nat(Nat{ip("192.168.0.1"), ip("192.168.0.1"), 30000});
  p.up();
  ASSERT_EQ(p.r1->host().installs.size(), 1u);
  ASSERT_EQ(p.r2->host().installs.size(), 1u);
  const Install& a = p.r1->host().installs[0];
  const Install& b = p.r2->host().installs[0];
  expect_mirrored(a, b);
  EXPECT_TRUE(a.out.udp_encap);
  EXPECT_TRUE(b.out.udp_encap);
  EXPECT_EQ(a.out.encap_sport, 4500);
  EXPECT_EQ(a.out.encap_dport, 4500);
  EXPECT_EQ(b.out.encap_sport, 4500);
  EXPECT_EQ(b.out.encap_dport, 30002);  // the NAT's mapping of R1's 4500
  EXPECT_TRUE(p.r1->host().logged("ISAKMP:(1001):NAT found, the node inside NAT"));
  EXPECT_TRUE(p.r2->host().logged("ISAKMP:(1001):NAT found, the peer is inside NAT"));
  // MM5 on: from 4500.
  size_t from_4500 = 0;
  for (const Datagram& d : p.net.trace) from_4500 += d.from.port == 4500;
  EXPECT_EQ(from_4500, 5u);  // MM5, MM6, QM1..QM3
  p.net.advance(25s, 1s);
  EXPECT_FALSE(p.r1->host().keepalives.empty());
  EXPECT_TRUE(p.r2->host().keepalives.empty());
}

TEST(Ikev1Psk, QuickModeRekeyIsMakeBeforeBreak) {
  Pair p;
  p.up();
  ASSERT_EQ(p.r1->host().installs.size(), 1u);
  uint32_t old_in = p.r1->host().installs[0].in.spi;
  p.r1->engine().child_expiring(1, old_in, false, p.net.now());
  p.net.run();
  ASSERT_EQ(p.r1->host().installs.size(), 2u);
  ASSERT_EQ(p.r2->host().installs.size(), 2u);
  expect_mirrored(p.r1->host().installs[1], p.r2->host().installs[1]);
  ASSERT_EQ(p.r1->host().live().size(), 1u);
  ASSERT_EQ(p.r2->host().live().size(), 1u);
  EXPECT_EQ(p.r1->host().live()[0].in.spi, p.r1->host().installs[1].in.spi);
  EXPECT_EQ(p.r2->host().live()[0].in.spi, p.r2->host().installs[1].in.spi);
  EXPECT_EQ(p.r1->engine().established_count(), 1u);
  // By time too: the new pair's soft lifetime (90 %) rekeys again.
  p.net.advance(3300s, 10s);
  EXPECT_EQ(p.r1->host().installs.size(), 3u);
  EXPECT_EQ(p.r1->host().live().size(), 1u);
  EXPECT_EQ(p.r2->host().live().size(), 1u);
}

TEST(Ikev1Psk, DeadPeerDetection) {
  EngineOptions o;
  o.dpd_interval = 10s;
  Pair p(o, o);
  p.up();
  p.net.advance(30s, 1s);
  EXPECT_TRUE(p.r1->host().logged_containing("DPD/R_U_THERE sequence 1"));
  EXPECT_TRUE(p.r2->host().logged_containing("received DPD/R_U_THERE sequence"));
  EXPECT_TRUE(p.r1->host().logged_containing("received DPD/R_U_THERE_ACK sequence 1"));
  EXPECT_EQ(p.r1->engine().established_count(), 1u);
  p.net.drop = [](const Datagram&) { return true; };
  p.net.advance(60s, 1s);
  EXPECT_EQ(p.r1->engine().established_count(), 0u);
  EXPECT_FALSE(p.r1->engine().tunnel_up(1));
  EXPECT_TRUE(p.r1->host().live().empty());
}

TEST(Ikev1Psk, ClearDeletesBothSides) {
  Pair p;
  p.up();
  p.r1->engine().clear(p.net.now());
  p.net.run();
  EXPECT_TRUE(p.r1->host().live().empty());
  EXPECT_TRUE(p.r2->host().live().empty());
  EXPECT_EQ(p.r1->engine().established_count(), 0u);
  EXPECT_EQ(p.r2->engine().established_count(), 0u);
  EXPECT_TRUE(p.r2->host().logged_containing("processing DELETE for IPsec SA"));
  EXPECT_TRUE(p.r2->host().logged_containing("processing DELETE for the ISAKMP SA"));
  // And it comes back.
  p.up();
  EXPECT_EQ(p.r1->host().live().size(), 1u);
  EXPECT_EQ(p.r2->host().live().size(), 1u);
}

TEST(Ikev1Psk, LostMessagesAreRetransmitted) {
  Pair p;
  int n = 0;
  // Lose the first MM2, the first MM5 and the first QM2.
  p.net.drop = [&](const Datagram&) {
    ++n;
    return n == 2 || n == 6 || n == 10;
  };
  p.up();
  p.net.advance(30s, 500ms);
  ASSERT_EQ(p.r1->host().live().size(), 1u);
  ASSERT_EQ(p.r2->host().live().size(), 1u);
  expect_mirrored(p.r1->host().live()[0], p.r2->host().live()[0]);
  EXPECT_GE(p.r1->engine().counters().tx_retransmit + p.r2->engine().counters().tx_retransmit, 3u);
}

TEST(Ikev1Psk, NoAnswerGivesUp) {
  Pair p;
  p.net.drop = [](const Datagram& d) { return d.from.addr == ip("192.168.0.2"); };
  p.up();
  p.net.advance(150s, 2s);
  EXPECT_EQ(p.r1->engine().counters().tx_retransmit, 5u);
  EXPECT_EQ(p.r1->engine().counters().p1_failed, 1u);
  EXPECT_TRUE(p.r1->host().logged("ISAKMP:(0): peer not responding!"));
  EXPECT_EQ(p.r1->engine().next_timer(), Clock::time_point::max());
}

// Every message of a good negotiation, mutated at random and truncated,
// delivered to fresh engines: no crash, each drop counted.
TEST(Ikev1Psk, BadInputIsCountedNeverCrashes) {
  Pair good;
  good.up();
  ASSERT_EQ(good.net.trace.size(), 9u);
  std::vector<Datagram> trace = good.net.trace;
  uint64_t state = 12345;
  auto rnd = [&]() {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<uint32_t>(state >> 33);
  };
  for (int round = 0; round < 60; ++round) {
    Pair p;
    size_t victim = rnd() % trace.size();
    size_t seen = 0;
    p.net.mutate = [&](const Datagram& d) {
      Bytes b = d.data;
      if (seen++ != victim || b.empty()) return b;
      if (rnd() % 3 == 0) {
        b.resize(rnd() % b.size());
      } else {
        for (int k = 0, n = 1 + rnd() % 4; k < n; ++k) b[rnd() % b.size()] ^= static_cast<uint8_t>(1 + rnd() % 255);
      }
      return b;
    };
    p.up();
    p.net.advance(8s, 2s);
  }
  // Truncations of each message straight into a responder.
  Pair t;
  for (const Datagram& d : trace)
    for (size_t len = 0; len < d.data.size(); len += 3)
      t.r2->engine().receive(d.to, d.from, ByteView(d.data.data(), len), t.net.now());
  const EngineCounters& c = t.r2->engine().counters();
  EXPECT_GT(c.rx_invalid + c.rx_no_sa + c.rx_unexpected, 100u);
}

// With KEYWAY_WRITE_FUZZ_SEEDS=DIR: the messages of a PSK negotiation and
// the first Main Mode messages of a certificate one, as the corpus of
// fuzz_isakmp (tests/ikev1/fuzz_seeds).
TEST(Ikev1Psk, WritesFuzzSeeds) {
  const char* dir = getenv("KEYWAY_WRITE_FUZZ_SEEDS");
  // Not a check but a generator, run by hand when the corpus is rewritten;
  // in the suite it has nothing to do (the corpus is committed).
  if (!dir) GTEST_SKIP() << "KEYWAY_WRITE_FUZZ_SEEDS not set";
  Pair p;
  p.up();
  ASSERT_EQ(p.net.trace.size(), 9u);
  const char* names[] = {"mm1", "mm2", "mm3", "mm4", "mm5", "mm6", "qm1", "qm2", "qm3"};
  for (size_t i = 0; i < 9; ++i) {
    std::ofstream out(std::string(dir) + "/" + names[i], std::ios::binary);
    out.write(reinterpret_cast<const char*>(p.net.trace[i].data.data()),
              static_cast<std::streamsize>(p.net.trace[i].data.size()));
  }
  Net n;
  auto c1 = load_file(seed_config("ikev1-multi-cert", "r1.cfg"));
  auto c2 = load_file(seed_config("ikev1-multi-cert", "r2.cfg"));
  Router& r1 = n.add("R1", c1, SeedPki::get().trustpoints("r1", *c1));
  n.add("R2", c2, SeedPki::get().trustpoints("r2", *c2));
  r1.engine().initiate(1, n.now());
  n.run();
  const char* cert_names[] = {"cert_mm3", "cert_mm4", "cert_mm5"};
  for (size_t i = 0; i < 3; ++i) {
    std::ofstream out(std::string(dir) + "/" + cert_names[i], std::ios::binary);
    out.write(reinterpret_cast<const char*>(n.trace[i + 2].data.data()),
              static_cast<std::streamsize>(n.trace[i + 2].data.size()));
  }
}

}  // namespace
}  // namespace keyway::ikev1::test

namespace keyway::ikev1::test {
namespace {

using namespace std::chrono_literals;

// A VTI's Quick Mode proposes any/any; other proxy identities are refused
// with IOS's words, the refusal is counted and nothing is installed.
TEST(Ikev1Psk, ProxyIdentitiesOtherThanAnyAreRefused) {
  EngineOptions o;
  o.test_edit_qm1 = [](std::vector<Payload>& payloads) {
    for (Payload& p : payloads)
      if (p.type == static_cast<uint8_t>(PayloadType::kId)) {
        p = make(PayloadType::kId, IdPayload::ipv4_subnet(ip("192.168.100.0"), 0xffffff00u));
        break;
      }
  };
  Pair p(o);
  p.up();
  p.net.advance(150s, 2s);
  EXPECT_TRUE(p.r1->host().installs.empty());
  EXPECT_TRUE(p.r2->host().installs.empty());
  EXPECT_TRUE(p.r2->host().logged("IPSEC(validate_transform_proposal): proxy identities not supported"));
  EXPECT_TRUE(p.r2->host().logged_containing("phase 2 SA policy not acceptable!"));
  EXPECT_GE(p.r2->engine().counters().p2_failed, 1u);
  EXPECT_EQ(p.r1->engine().counters().p2_failed, 1u);  // QM1 ended by the notification
  EXPECT_TRUE(p.r1->host().logged("ISAKMP:(1001): received NOTIFY INVALID-ID-INFORMATION protocol 3"));
  EXPECT_EQ(p.r1->engine().counters().tx_retransmit, 0u);
  EXPECT_EQ(p.r1->engine().established_count(), 1u);  // phase 1 stays
}

// No common ISAKMP policy: the responder refuses MM1 in clear, the
// initiator stops at once.
TEST(Ikev1Psk, NoCommonPolicyIsRefusedAtMm1) {
  Net net;
  EngineOptions o;
  o.debug = true;
  std::string c2 = psk_config("R2", "192.168.0.2", "192.168.0.1");
  c2.replace(c2.find("encr aes 256"), 12, "encr aes 128");
  Router& r1 = net.add("R1", load("r1", psk_config("R1", "192.168.0.1", "192.168.0.2")), {}, o);
  Router& r2 = net.add("R2", load("r2", c2), {}, o);
  r1.engine().initiate(1, net.now());
  net.run();
  EXPECT_TRUE(r2.host().logged_containing("phase 1 SA policy not acceptable!"));
  EXPECT_TRUE(r1.host().logged("ISAKMP:(0): received NOTIFY NO-PROPOSAL-CHOSEN from 192.168.0.2"));
  EXPECT_EQ(r1.engine().counters().p1_failed, 1u);
  EXPECT_EQ(r1.engine().counters().tx_retransmit, 0u);
  EXPECT_EQ(r1.engine().next_timer(), Clock::time_point::max());
}

// ID types: R1 sends ID_USER_FQDN (self-identity user-fqdn), R2 sends
// ID_FQDN (self-identity fqdn = hostname.domain); each responder binds its
// profile by `match identity user-fqdn` / `host`.
TEST(Ikev1Psk, UserFqdnAndFqdnIdentities) {
  auto edit = [](std::string c, const std::string& self, const std::string& match) {
    c.replace(c.find(" match identity address"),
              c.find("\n", c.find(" match identity address")) - c.find(" match identity address"),
              " self-identity " + self + "\n " + match);
    return c;
  };
  std::string c1 = edit(psk_config("R1", "192.168.0.1", "192.168.0.2"), "user-fqdn r1@cisco.com",
                        "match identity host R2.cisco.com");
  std::string c2 =
      edit(psk_config("R2", "192.168.0.2", "192.168.0.1"), "fqdn", "match identity user-fqdn r1@cisco.com");
  for (bool r1_first : {true, false}) {
    Net net;
    EngineOptions o;
    o.debug = true;
    Router& r1 = net.add("R1", load("r1", c1), {}, o);
    Router& r2 = net.add("R2", load("r2", c2), {}, o);
    (r1_first ? r1 : r2).engine().initiate(1, net.now());
    net.run();
    ASSERT_EQ(r1.host().installs.size(), 1u) << r1_first;
    ASSERT_EQ(r2.host().installs.size(), 1u);
    Router& resp = r1_first ? r2 : r1;
    EXPECT_TRUE(resp.host().logged("ISAKMP:(0):: peer matches prof1 profile"));
    EXPECT_TRUE(r1.host().logged_containing("using id type ID_USER_FQDN"));
    EXPECT_TRUE(r2.host().logged_containing("using id type ID_FQDN"));
    EXPECT_TRUE(r1.host().logged("\tFQDN name    : R2.cisco.com"));
    EXPECT_TRUE(r2.host().logged("\tuser FQDN    : r1@cisco.com"));
  }
}

// Phase-1 lifetime: the initiator negotiates a new ISAKMP SA at 90 % and
// the old one goes at the lifetime; the IPsec SAs are untouched.
TEST(Ikev1Psk, Phase1LifetimeRenegotiates) {
  Pair p({}, {}, "");
  p.up();
  ASSERT_EQ(p.r1->host().installs.size(), 1u);
  p.net.advance(90000s, 60s);  // past the default 86400 s
  EXPECT_EQ(p.r1->engine().established_count(), 1u);
  EXPECT_EQ(p.r2->engine().established_count(), 1u);
  EXPECT_TRUE(p.r1->host().logged_containing("lifetime expired"));
  EXPECT_TRUE(p.r1->host().logged("ISAKMP:(1002):Old State = IKE_I_MM6  New State = IKE_P1_COMPLETE"));
  // IPsec SAs lived on and were rekeyed on their own schedule, one live pair.
  EXPECT_EQ(p.r1->host().live().size(), 1u);
  EXPECT_EQ(p.r2->host().live().size(), 1u);
  EXPECT_TRUE(p.r1->engine().tunnel_up(1));
}

// A peer that lost its state (R1 cleared without R2 hearing it) comes back
// with INITIAL-CONTACT in MM5: R2 drops its old ISAKMP and IPsec SAs.
TEST(Ikev1Psk, InitialContactReplacesStaleSas) {
  Pair p;
  p.up();
  p.net.drop = [](const Datagram&) { return true; };
  p.r1->engine().clear(p.net.now());
  p.net.run();
  p.net.drop = nullptr;
  EXPECT_EQ(p.r2->host().live().size(), 1u);  // stale
  p.up();
  EXPECT_TRUE(p.r2->host().logged_containing("received INITIAL-CONTACT"));
  EXPECT_EQ(p.r1->host().live().size(), 1u);
  ASSERT_EQ(p.r2->host().live().size(), 1u);
  EXPECT_EQ(p.r2->engine().established_count(), 1u);
  EXPECT_EQ(p.r1->host().live()[0].out.spi, p.r2->host().live()[0].in.spi);
}

// The seed's algorithms (3des, md5, group 2) and esp-3des esp-sha-hmac
// with PFS group 2, with debug off: each side logs one warning per ISAKMP SA and
// one per IPsec SA pair, in the config loader's RFC words; a rekey's new
// pair gets its own; aes/sha256/group 14 and GCM get none.
TEST(Ikev1Psk, DeprecatedAlgorithmsAreWarnedOncePerSa) {
  auto weak = [](std::string c) {
    for (auto [from, to] : {std::pair<std::string, std::string>{" encr aes 256\n", " encr 3des\n"},
                            {" hash sha256\n", " hash md5\n"}, {" group 14\n", " group 2\n"}}) {
      size_t at = c.find(from);
      if (at == std::string::npos) throw std::runtime_error("no " + from);
      c.replace(at, from.size(), to);
    }
    return c;
  };
  Net net;
  Router& r1 = net.add("R1", load("r1", weak(psk_config("R1", "192.168.0.1", "192.168.0.2", "cisco123",
                                                          " set pfs group2\n", "esp-3des esp-sha-hmac"))));
  Router& r2 = net.add("R2", load("r2", weak(psk_config("R2", "192.168.0.2", "192.168.0.1", "cisco123",
                                                          " set pfs group2\n", "esp-3des esp-sha-hmac"))));
  r1.engine().initiate(1, net.now());
  net.run();
  ASSERT_TRUE(r1.engine().tunnel_up(1));
  ASSERT_TRUE(r2.engine().tunnel_up(1));
  const std::string p1 =
      " negotiated deprecated 3des (RFC 8247: ENCR_3DES is MAY, kept for interoperability only (64-bit block)), "
      "md5 (RFC 8247: AUTH_HMAC_MD5_96 is MUST NOT), group 2 (RFC 8247: DH group 2 (1024-bit MODP) is SHOULD NOT)";
  EXPECT_TRUE(r1.host().logged("%KEYWAY-4-DEPRECATED_ALG: ISAKMP SA 1001 with 192.168.0.2" + p1));
  EXPECT_TRUE(r2.host().logged("%KEYWAY-4-DEPRECATED_ALG: ISAKMP SA 1001 with 192.168.0.1" + p1));
  const Install& pair = r1.host().installs.at(0);
  char spis[64];
  std::snprintf(spis, sizeof spis, "0x%X/0x%X", pair.in.spi, pair.out.spi);
  EXPECT_TRUE(r1.host().logged(
      "%KEYWAY-4-DEPRECATED_ALG: IPsec SA pair " + std::string(spis) +
      " (in/out) with 192.168.0.2 on Tunnel1 negotiated deprecated esp-3des (RFC 8221: ENCR_3DES is SHOULD NOT), "
      "esp-sha-hmac (RFC 8221: AUTH_HMAC_SHA1_96 is MUST-, expected to be phased out), pfs group 2 (RFC 8247: DH "
      "group 2 (1024-bit MODP) is SHOULD NOT)"))
      << testing::PrintToString(r1.host().logs);
  auto count = [](const TestHost& h, const std::string& part) {
    size_t n = 0;
    for (const std::string& l : h.logs) n += l.find(part) != std::string::npos;
    return n;
  };
  for (const TestHost* h : {&r1.host(), &r2.host()}) {
    EXPECT_EQ(count(*h, "DEPRECATED_ALG: ISAKMP SA"), 1u);
    EXPECT_EQ(count(*h, "DEPRECATED_ALG: IPsec SA pair"), 1u);
  }
  r1.engine().child_expiring(1, pair.in.spi, false, net.now());
  net.run();
  ASSERT_EQ(r1.host().installs.size(), 2u);
  for (const TestHost* h : {&r1.host(), &r2.host()}) {
    EXPECT_EQ(count(*h, "DEPRECATED_ALG: ISAKMP SA"), 1u);
    EXPECT_EQ(count(*h, "DEPRECATED_ALG: IPsec SA pair"), 2u);
  }

  Pair strong({}, {}, " set pfs group14\n", "cisco123", "esp-gcm 256");
  strong.up();
  ASSERT_TRUE(strong.r1->engine().tunnel_up(1));
  EXPECT_FALSE(strong.r1->host().logged_containing("DEPRECATED_ALG"));
  EXPECT_FALSE(strong.r2->host().logged_containing("DEPRECATED_ALG"));
}

}  // namespace
}  // namespace keyway::ikev1::test
