// The IKEv2 codec: known messages round-trip byte for byte, a message
// built by hand from the RFC's diagrams parses, every truncation and
// thousands of random mutations are rejected with a reason (never a crash,
// which the ASan/UBSan build checks), and each strict check says why.
#include <gtest/gtest.h>

#include <random>

#include "control/ikev2/message.h"
#include "tests/ike/hex.h"
#include "tests/ike/samples.h"

namespace keyway::ikev2 {
namespace {

using test::hex;
using test::to_hex;

Bytes bytes_of(const Message& m) {
  auto b = serialize(m);
  if (!b) throw std::runtime_error(b.error());
  return b.take();
}

// The datagram with its header length set to its size (so that checks
// past the header are reached).
Bytes with_length(Bytes b) {
  if (b.size() >= kHeaderLen) {
    uint32_t n = static_cast<uint32_t>(b.size());
    b[24] = static_cast<uint8_t>(n >> 24);
    b[25] = static_cast<uint8_t>(n >> 16);
    b[26] = static_cast<uint8_t>(n >> 8);
    b[27] = static_cast<uint8_t>(n);
  }
  return b;
}

std::vector<Message> samples() {
  return {test::ike_sa_init_request(), test::ike_sa_init_response(), test::ike_auth_cleartext(),
          test::informational_delete()};
}

TEST(Codec, SamplesRoundTripByteForByte) {
  for (const Message& m : samples()) {
    Bytes b = bytes_of(m);
    auto parsed = parse_message(b);
    ASSERT_TRUE(parsed) << parsed.error();
    ASSERT_EQ(parsed->payloads.size(), m.payloads.size());
    for (size_t i = 0; i < m.payloads.size(); ++i) EXPECT_EQ(parsed->payloads[i].type, m.payloads[i].type);
    EXPECT_EQ(bytes_of(*parsed), b);
  }
}

// INFORMATIONAL with Delete(ESP, 2 SPIs) and Delete(IKE), written out by
// hand from RFC 7296 3.1, 3.2 and 3.11.
TEST(Codec, MatchesAMessageWrittenByHand) {
  Bytes expected = hex(
      "1122334455667788 99aabbccddeeff00"  // SPIi, SPIr
      "2a 20 25 08"                        // next D(42), version 2.0, INFORMATIONAL(37), flags I
      "00000002 00000034"                  // message ID 2, length 52
      "2a 00 0010 03 04 0002 c001d00d 12345678"  // D: next D, length 16, ESP, SPI size 4, 2 SPIs
      "00 00 0008 01 00 0000");                  // D: last, length 8, IKE, no SPI
  EXPECT_EQ(to_hex(bytes_of(test::informational_delete())), to_hex(expected));
  auto parsed = parse_message(expected);
  ASSERT_TRUE(parsed) << parsed.error();
  const auto* d = parsed->payloads[0].as<DeletePayload>();
  ASSERT_TRUE(d);
  EXPECT_EQ(d->spis, (std::vector<uint32_t>{0xc001d00d, 0x12345678}));
  EXPECT_EQ(parsed->header.message_id, 2u);
  EXPECT_TRUE(parsed->header.from_initiator());
  EXPECT_FALSE(parsed->header.is_response());
}

TEST(Codec, ParsedFieldsAreTheOnesWritten) {
  Bytes b = bytes_of(test::ike_sa_init_request());
  auto m = parse_message(b);
  ASSERT_TRUE(m) << m.error();
  const auto* sa = m->find(PayloadType::kSa)->as<SaPayload>();
  ASSERT_EQ(sa->proposals.size(), 2u);
  EXPECT_EQ(sa->proposals[0].transforms[0], (Transform{TransformType::kEncr, 20, 256, false}));
  EXPECT_EQ(sa->proposals[1].number, 2);
  EXPECT_EQ(m->find(PayloadType::kKe)->as<KePayload>()->group, 20);
  EXPECT_EQ(m->notifies(NotifyType::kIkev2FragmentationSupported).size(), 1u);
  auto hashes = signature_hashes(*m->notifies(NotifyType::kSignatureHashAlgorithms)[0]);
  EXPECT_EQ(hashes, (std::vector<SignatureHash>{SignatureHash::kSha256, SignatureHash::kSha384,
                                                SignatureHash::kSha512}));
  auto auth = parse_message(bytes_of(test::ike_auth_cleartext()));
  ASSERT_TRUE(auth) << auth.error();
  EXPECT_EQ(describe(*auth->find(PayloadType::kIdi)->as<IdPayload>()), "fqdn R1.cisco.com");
  EXPECT_EQ(describe(*auth->find(PayloadType::kIdr)->as<IdPayload>()), "ipv4 192.168.0.2");
  const auto* tsr = auth->find(PayloadType::kTsr)->as<TsPayload>();
  EXPECT_EQ(tsr->selectors[0], ipv4_range(0xc0a8c800, 0xc0a8c8ff, 6, 80, 443));
}

TEST(Codec, EveryTruncationIsRejectedWithAReason) {
  for (const Message& m : samples()) {
    Bytes b = bytes_of(m);
    for (size_t n = 0; n < b.size(); ++n) {
      Bytes cut(b.begin(), b.begin() + static_cast<ptrdiff_t>(n));
      auto as_is = parse_message(cut);
      ASSERT_FALSE(as_is) << n;
      EXPECT_FALSE(as_is.error().empty());
      // With the header's length made consistent, the payload chain must
      // notice. The only exception: a cut exactly between payloads whose
      // previous Next Payload is 0 cannot happen here, since a cut always
      // leaves a payload's declared length unmet or a Next Payload dangling.
      if (n >= kHeaderLen) {
        auto patched = parse_message(with_length(cut));
        ASSERT_FALSE(patched) << "truncated to " << n << " of " << b.size();
        EXPECT_FALSE(patched.error().empty());
      }
    }
  }
}

TEST(Codec, RandomMutationsNeverCrashAndAcceptedOnesAreStable) {
  std::mt19937 rng(7);
  size_t accepted = 0, rejected = 0;
  for (const Message& m : samples()) {
    Bytes b = bytes_of(m);
    for (int i = 0; i < 5000; ++i) {
      Bytes x = b;
      int flips = 1 + static_cast<int>(rng() % 4);
      for (int f = 0; f < flips; ++f) x[rng() % x.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
      if (rng() % 4 == 0) x.resize(rng() % x.size());
      if (rng() % 2) x = with_length(x);
      auto p = parse_message(x);
      if (!p) {
        ++rejected;
        EXPECT_FALSE(p.error().empty());
        continue;
      }
      ++accepted;
      // What parses re-serializes to something that parses to the same.
      auto again = serialize(*p);
      ASSERT_TRUE(again) << again.error();
      auto reparsed = parse_message(*again);
      ASSERT_TRUE(reparsed) << reparsed.error();
      EXPECT_EQ(bytes_of(*reparsed), *again);
    }
  }
  EXPECT_GT(rejected, 0u);
  EXPECT_GT(accepted, 0u);
}

// A message: the sample's header, then `payloads` (generic headers
// included) as raw bytes, first payload type `first`.
Bytes raw_message(uint8_t first, const Bytes& payloads, uint8_t version = 0x20) {
  Bytes b = hex("1122334455667788 0000000000000000");
  b.push_back(first);
  b.push_back(version);
  b.push_back(34);
  b.push_back(0x08);
  Bytes rest = hex("00000000 00000000");
  b.insert(b.end(), rest.begin(), rest.end());
  b.insert(b.end(), payloads.begin(), payloads.end());
  return with_length(b);
}

struct RejectCase {
  const char* name;
  uint8_t first;
  const char* payloads;
  const char* reason;  // a fragment the reason must contain
};

void PrintTo(const RejectCase& c, std::ostream* os) { *os << c.name; }

class Rejects : public ::testing::TestWithParam<RejectCase> {};

TEST_P(Rejects, WithAReasonNamingTheProblem) {
  const RejectCase& c = GetParam();
  auto p = parse_message(raw_message(c.first, hex(c.payloads)));
  ASSERT_FALSE(p) << c.name;
  EXPECT_NE(p.error().find(c.reason), std::string::npos) << p.error();
  EXPECT_EQ(p.rejection().notify, NotifyType::kInvalidSyntax);
}

INSTANTIATE_TEST_SUITE_P(Payloads, Rejects, ::testing::Values(
    RejectCase{"length_below_header", 40, "00 00 0003", "below the 4-byte header"},
    RejectCase{"length_past_end", 40, "00 00 0020 0102030405060708090a0b0c0d0e0f10", "runs past the end"},
    RejectCase{"trailing_bytes", 43, "00 00 0005 41 ff", "bytes after the last payload"},
    RejectCase{"nonce_short", 40, "00 00 0013 0102030405060708090a0b0c0d0e0f", "outside 16..256"},
    RejectCase{"ke_no_data", 34, "00 00 0008 0013 0000", "no key exchange data"},
    RejectCase{"sa_empty", 33, "00 00 0004", "no proposal"},
    RejectCase{"sa_first_number_2", 33, "00 00 000c 00 00 0008 02 01 00 00", "proposal number 2"},
    RejectCase{"sa_bad_last", 33, "00 00 000c 01 00 0008 01 01 00 00", "Last Substruc is 1"},
    RejectCase{"sa_not_last", 33, "00 00 000c 02 00 0008 01 01 00 00", "not marked last"},
    RejectCase{"sa_esp_spi_size", 33, "00 00 000c 00 00 0008 01 03 00 00", "SPI size 0 does not fit protocol 3"},
    RejectCase{"sa_transform_count", 33, "00 00 000c 00 00 0008 01 01 00 01", "transform 1 is truncated"},
    RejectCase{"sa_transform_len", 33, "00 00 0014 00 00 0010 01 01 00 01 00 00 0007 01 00 000c",
               "length 7 is below 8"},
    RejectCase{"sa_two_key_lengths", 33,
               "00 00 001c 00 00 0018 01 01 00 01 00 00 0010 01 00 000c 800e 0080 800e 0080",
               "two Key Length attributes"},
    RejectCase{"notify_nat_hash_19", 41, "00 00 001b 00 00 4004 0102030405060708090a0b0c0d0e0f10111213",
               "expected 20"},
    RejectCase{"notify_spi_past_end", 41, "00 00 0008 03 08 4009", "runs past the payload"},
    RejectCase{"notify_cookie_empty", 41, "00 00 0008 00 00 4006", "outside 1..64"},
    RejectCase{"certreq_not_sha1s", 38, "00 00 0009 04 01020304", "not a multiple of 20"},
    RejectCase{"id_ipv4_5_bytes", 35, "00 00 000d 01 000000 c0a8000102", "not 4"},
    RejectCase{"id_fqdn_blank", 35, "00 00 000a 02 000000 6120", "printable name"},
    RejectCase{"id_dn_garbage", 35, "00 00 000b 09 000000 300a02", "distinguished name"},
    RejectCase{"ts_zero_selectors", 44, "00 00 0008 00 000000", "no traffic selector"},
    RejectCase{"ts_bad_length", 44, "00 00 0018 01 000000 07 00 000f 0000 ffff 00000000 ffffffff",
               "length 15, expected 16"},
    RejectCase{"ts_type_9", 44, "00 00 0018 01 000000 09 00 0010 0000 ffff 00000000 ffffffff",
               "type 9"},
    RejectCase{"delete_ike_with_spi", 42, "00 00 000c 01 04 0001 01020304", "must carry no SPI"},
    RejectCase{"delete_esp_count", 42, "00 00 000c 03 04 0002 01020304", "2 SPIs need 8 bytes"},
    RejectCase{"sk_not_last", 46, "00 00 0008 01020304 2b 00 0005 41", "not the last payload"},
    RejectCase{"skf_number_0", 53, "00 00 000c 0000 0001 01020304", "not a valid position"},
    RejectCase{"skf_later_names_inner", 53, "23 00 000c 0002 0002 01020304", "only fragment 1"}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(Codec, UnknownCriticalPayloadAsksForUnsupportedCriticalPayload) {
  auto p = parse_message(raw_message(60, hex("00 80 0005 00")));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.rejection().notify, NotifyType::kUnsupportedCriticalPayload);
  EXPECT_EQ(p.rejection().notify_data, Bytes{60});
  EXPECT_NE(p.error().find("unsupported critical payload type 60"), std::string::npos);
}

TEST(Codec, UnknownNonCriticalPayloadIsKeptAndRoundTrips) {
  Bytes b = raw_message(60, hex("2b 00 0006 abcd 00 00 0005 41"));
  auto p = parse_message(b);
  ASSERT_TRUE(p) << p.error();
  ASSERT_EQ(p->payloads.size(), 2u);
  ASSERT_TRUE(p->payloads[0].as<UnknownPayload>());
  EXPECT_EQ(p->payloads[0].as<UnknownPayload>()->body, hex("abcd"));
  EXPECT_EQ(bytes_of(*p), b);
}

TEST(Codec, OtherMajorVersionsAskForInvalidMajorVersion) {
  auto p = parse_message(raw_message(43, hex("00 00 0005 41"), 0x30));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.rejection().notify, NotifyType::kInvalidMajorVersion);
  EXPECT_TRUE(parse_message(raw_message(43, hex("00 00 0005 41"), 0x21)));  // minor versions are ignored
}

TEST(Codec, HeaderLengthMustMatchTheDatagram) {
  Bytes b = bytes_of(test::informational_delete());
  b.push_back(0);
  auto p = parse_message(b);
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().find("differs from the datagram"), std::string::npos);
}

TEST(Codec, SerializeRefusesAnEncryptedPayloadBeforeOthers) {
  Message m = test::informational_delete();
  m.payloads.insert(m.payloads.begin(), make(EncryptedPayload{PayloadType::kNone, Bytes(8, 0), 0}));
  EXPECT_FALSE(serialize(m));
}

TEST(Notify, HelpersEncodeTheirData) {
  EXPECT_EQ(invalid_ke_group(invalid_ke(19)), 19);
  EXPECT_FALSE(invalid_ke_group(notify(NotifyType::kInvalidKePayload, Bytes{1})));
  NotifyPayload r = rekey_sa(Protocol::kEsp, 0xc001d00d);
  EXPECT_TRUE(verify_notify(r));
  EXPECT_EQ(r.spi, hex("c001d00d"));
  auto nat = nat_detection_hash(0x1122334455667788, 0, 0xc0a80001, 500);
  ASSERT_TRUE(nat);
  EXPECT_EQ(nat->size(), 20u);
  EXPECT_NE(*nat, *nat_detection_hash(0x1122334455667788, 0, 0xc0a80001, 4500));
}

TEST(Id, ConvertsToAndFromThePkiPeerId) {
  auto id = to_peer_id(id_ipv4(0xc0a80001));
  ASSERT_TRUE(id);
  EXPECT_EQ(id->value, "192.168.0.1");
  EXPECT_EQ(from_peer_id(*id), id_ipv4(0xc0a80001));
  EXPECT_EQ(from_peer_id(pki::PeerId::fqdn("R2.cisco.com")), id_fqdn("R2.cisco.com"));
  EXPECT_EQ(from_peer_id(pki::PeerId::user_fqdn("a@b.c")), id_rfc822("a@b.c"));
  EXPECT_FALSE(to_peer_id(id_key_id(hex("0102"))));
  EXPECT_EQ(id_body(id_fqdn("a.b")), hex("02000000 612e62"));
}

}  // namespace
}  // namespace keyway::ikev2
