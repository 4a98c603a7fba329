// Bad input for the ESP engine: every named drop counter is reached and
// asserted by name (exactly one counter moves per dropped packet, and
// ctx.drop_reason says the same), then robustness: truncations at every
// length, random mutations and random garbage, with no packet uncounted and
// no mbuf leaked.
//
// Packets whose ICV must be valid but whose content is wrong (padding, next
// header, inner packet) are built with OpenSSL (EVP AES-GCM with AAD = SPI ||
// seq, EVP CBC + HMAC), an implementation independent of the engine.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "dataplane/eal/eal.h"
#include "tests/support/packet_util.h"
#include "tests/support/test_env.h"
#include "tests/support/transforms.h"

namespace keyway::test {
namespace {

using dp::Direction;
using dp::EspCounter;
using dp::Sa;
using dp::Transform;


// ---------------------------------------------------------------- helpers

// Recomputes the checksum of the IPv4 header at the front of `pkt`.
void fix_ip_checksum(Bytes& pkt) {
  size_t ihl = size_t{pkt[0] & 15u} * 4;
  pkt[10] = pkt[11] = 0;
  put16(&pkt[10], ~ones_sum(pkt.data(), ihl) & 0xffff);
}
// Makes the outer IPv4 total length (and the UDP length, if any) match the
// bytes present, and the checksum right.
void fix_lengths(Bytes& pkt) {
  if (pkt.size() < 20) return;
  size_t ihl = size_t{pkt[0] & 15u} * 4;
  put16(&pkt[2], static_cast<uint32_t>(pkt.size()));
  if (pkt[9] == 17 && pkt.size() >= ihl + 8) put16(&pkt[ihl + 4], static_cast<uint32_t>(pkt.size() - ihl));
  if (ihl >= 20 && ihl <= pkt.size()) fix_ip_checksum(pkt);
}


Bytes udp_header(size_t payload_len) {
  Bytes u(8);
  put16(&u[0], 4500);
  put16(&u[2], 4500);
  put16(&u[4], static_cast<uint32_t>(8 + payload_len));
  return u;
}
// Outer IPv4 (and UDP) around an ESP packet.
Bytes wrap(const Bytes& esp, bool udp) {
  if (!udp) return cat(outer_ipv4(0xC0A80002, 0xC0A80001, esp.size()), esp);
  return cat(cat(outer_ipv4(0xC0A80002, 0xC0A80001, esp.size() + 8, 17), udp_header(esp.size())), esp);
}

// ESP packet (SPI .. ICV) made by OpenSSL from a payload with its trailer.
Bytes ossl_seal(const dp::SaSpec& s, uint64_t seq, const Bytes& payload) {
  const dp::TransformInfo& t = dp::transform_info(s.transform);
  Bytes iv(t.iv_len);
  for (size_t i = 0; i < iv.size(); ++i) iv[i] = static_cast<uint8_t>(0xA0 + i + seq);
  Bytes esp = cat(cat(be32_bytes(s.spi), be32_bytes(static_cast<uint32_t>(seq))), iv);
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  Bytes ct(payload.size() + 32);
  int n = 0, nf = 0;
  bool ok;
  if (t.aead) {
    Bytes nonce(s.key.begin() + t.cipher_key_len, s.key.end());
    nonce.insert(nonce.end(), iv.begin(), iv.end());
    Bytes aad(esp.begin(), esp.begin() + 8);
    ok = EVP_EncryptInit_ex(c, t.cipher_key_len == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm(), nullptr,
                            nullptr, nullptr) == 1 &&
         EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, 12, nullptr) == 1 &&
         EVP_EncryptInit_ex(c, nullptr, nullptr, s.key.data(), nonce.data()) == 1 &&
         EVP_EncryptUpdate(c, nullptr, &n, aad.data(), 8) == 1 &&
         EVP_EncryptUpdate(c, ct.data(), &n, payload.data(), static_cast<int>(payload.size())) == 1 &&
         EVP_EncryptFinal_ex(c, ct.data() + n, &nf) == 1;
    ct.resize(static_cast<size_t>(n + nf));
    Bytes tag(16);
    ok = ok && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag.data()) == 1;
    esp = cat(cat(esp, ct), tag);
  } else {
    const EVP_CIPHER* cipher = s.transform == Transform::kAes128CbcSha256   ? EVP_aes_128_cbc()
                               : s.transform == Transform::kAes256CbcSha256 ? EVP_aes_256_cbc()
                                                                           : EVP_des_ede3_cbc();
    ok = EVP_EncryptInit_ex(c, cipher, nullptr, s.key.data(), iv.data()) == 1 &&
         EVP_CIPHER_CTX_set_padding(c, 0) == 1 &&
         EVP_EncryptUpdate(c, ct.data(), &n, payload.data(), static_cast<int>(payload.size())) == 1 &&
         EVP_EncryptFinal_ex(c, ct.data() + n, &nf) == 1;
    ct.resize(static_cast<size_t>(n + nf));
    esp = cat(esp, ct);
    uint8_t mac[EVP_MAX_MD_SIZE];
    unsigned mac_len = 0;
    ok = ok && HMAC(s.transform == Transform::kDes3CbcSha1 ? EVP_sha1() : EVP_sha256(), s.auth_key.data(),
                    static_cast<int>(s.auth_key.size()), esp.data(), esp.size(), mac, &mac_len) != nullptr;
    esp.insert(esp.end(), mac, mac + t.icv_len);
  }
  EVP_CIPHER_CTX_free(c);
  EXPECT_TRUE(ok) << "OpenSSL failed";
  return esp;
}

// payload = body || padding || pad length || next header, padded to the block.
Bytes with_trailer(const Bytes& body, uint32_t block, uint8_t next_header) {
  Bytes p = body;
  uint32_t pad = (block - (static_cast<uint32_t>(body.size()) + 2) % block) % block;
  for (uint32_t i = 1; i <= pad; ++i) p.push_back(static_cast<uint8_t>(i));
  p.push_back(static_cast<uint8_t>(pad));
  p.push_back(next_header);
  return p;
}

// "text" + std::to_string(n), without the GCC 12 -Wrestrict false positive.
template <class T>
std::string str(std::string text, T n) {
  text += std::to_string(n);
  return text;
}

std::string nm(EspCounter c) { return std::string(dp::counter_name(c)); }

uint64_t total(const dp::EspCounters& c) {
  uint64_t sum = 0;
  for (uint64_t v : c.v) sum += v;
  return sum;
}

// Runs one inbound packet (an mbuf the caller built) and expects it dropped
// under `name`, counted there once and nowhere else.
void expect_in_drop_mbuf(const dp::SpiTable& table, rte_mbuf* m, std::string_view name,
                         const std::string& what = "") {
  dp::EspCtx& ctx = esp_ctx();
  auto before = ctx.counters;
  uint16_t n = dp::esp_inbound(ctx, table, {&m, 1});
  EXPECT_EQ(n, 0) << what;
  if (n == 0) {
    EXPECT_EQ(nm(ctx.drop_reason[0]), name) << what;
  }
  EXPECT_EQ(ctx.counters.by_name(name) - before.by_name(name), 1u) << what;
  EXPECT_EQ(total(ctx.counters) - total(before), 1u) << what << ": more than one counter moved";
  rte_pktmbuf_free(m);
}
void expect_in_drop(const dp::SpiTable& table, const Bytes& pkt, std::string_view name,
                    const std::string& what = "") {
  expect_in_drop_mbuf(table, to_mbuf(pkt), name, what);
}
void expect_out_drop_mbuf(Sa& sa, rte_mbuf* m, std::string_view name, const std::string& what = "") {
  dp::EspCtx& ctx = esp_ctx();
  auto before = ctx.counters;
  uint16_t n = dp::esp_outbound(ctx, sa, {&m, 1});
  EXPECT_EQ(n, 0) << what;
  if (n == 0) {
    EXPECT_EQ(nm(ctx.drop_reason[0]), name) << what;
  }
  EXPECT_EQ(ctx.counters.by_name(name) - before.by_name(name), 1u) << what;
  EXPECT_EQ(total(ctx.counters) - total(before), 1u) << what << ": more than one counter moved";
  rte_pktmbuf_free(m);
}
void expect_out_drop(Sa& sa, const Bytes& inner, std::string_view name, const std::string& what = "") {
  expect_out_drop_mbuf(sa, to_mbuf(inner), name, what);
}

// Runs one packet through and returns whether it was accepted; the bytes
// afterwards in *out.
bool in_ok(const dp::SpiTable& table, const Bytes& pkt, Bytes* out = nullptr) {
  rte_mbuf* m = to_mbuf(pkt);
  bool ok = dp::esp_inbound(esp_ctx(), table, {&m, 1}) == 1;
  if (out) *out = to_bytes(m);
  rte_pktmbuf_free(m);
  return ok;
}
std::optional<Bytes> out_ok(Sa& sa, const Bytes& inner) {
  rte_mbuf* m = to_mbuf(inner);
  bool ok = dp::esp_outbound(esp_ctx(), sa, {&m, 1}) == 1;
  Bytes b = to_bytes(m);
  rte_pktmbuf_free(m);
  if (!ok) return std::nullopt;
  return b;
}

struct Pair {
  dp::SaSpec spec;
  std::unique_ptr<Sa> out, in;
  dp::SpiTable table;
};
std::unique_ptr<Pair> make_pair(dp::SaSpec spec) {
  auto p = std::make_unique<Pair>();
  p->spec = spec;
  std::string err;
  p->out = Sa::create(spec, Direction::kOutbound, control_mgr(), &err);
  EXPECT_TRUE(p->out) << err;
  p->in = Sa::create(spec, Direction::kInbound, control_mgr(), &err);
  EXPECT_TRUE(p->in) << err;
  if (p->in) {
    EXPECT_TRUE(p->table.insert(p->in.get()));
  }
  return p;
}

Bytes inner_v4(uint32_t len, uint8_t seed = 0) {
  return make_ipv4_udp(0x0A000001, 0x0A000002, len, 0, 64, false, seed);
}


// ============================================ per-transform drop reasons

class Drops : public ::testing::TestWithParam<Transform> {
 protected:
  const dp::TransformInfo& info() const { return dp::transform_info(GetParam()); }
  std::unique_ptr<Pair> pair(bool udp = false, uint32_t spi = 0x7000) {
    return make_pair(spec_for(GetParam(), spi, udp));
  }
};

TEST_P(Drops, UnknownSpi) {
  auto a = pair(false, 0x7001);
  auto b = pair(false, 0x7002);
  auto pkt = out_ok(*a->out, inner_v4(100));
  ASSERT_TRUE(pkt);
  expect_in_drop(b->table, *pkt, "unknown_spi");
  // An outbound SA found under the SPI is not an inbound one.
  dp::SpiTable wrong;
  ASSERT_TRUE(wrong.insert(a->out.get()));
  expect_in_drop(wrong, *pkt, "unknown_spi", "outbound SA in the table");
  // And an inbound SA cannot send.
  expect_out_drop(*a->in, inner_v4(100), "unknown_spi", "esp_outbound on an inbound SA");
  EXPECT_TRUE(in_ok(a->table, *pkt)) << "the packet itself is fine";
}

TEST_P(Drops, TooShort) {
  for (bool udp : {false, true}) {
    auto p = pair(udp);
    const uint32_t min = 8u + info().iv_len + info().block_len + info().icv_len;
    for (uint32_t len = 0; len < min; ++len) {
      Bytes esp(len, 0x33);
      if (len >= 4) put32(esp.data(), p->spec.spi);
      expect_in_drop(p->table, wrap(esp, udp), "too_short", str("ESP length ", len));
    }
  }
  // A UDP datagram too short for its own header.
  auto p = pair(true);
  Bytes pkt = cat(outer_ipv4(1, 2, 4, 17), Bytes{0x11, 0x94, 0x11, 0x94});
  expect_in_drop(p->table, pkt, "too_short", "UDP header cut");
}

TEST_P(Drops, BadLength) {
  for (bool udp : {false, true}) {
    auto p = pair(udp);
    auto good = out_ok(*p->out, inner_v4(200));
    ASSERT_TRUE(good);
    Bytes pkt = *good;
    put16(&pkt[2], static_cast<uint32_t>(pkt.size() + 1));  // IPv4 length beyond the bytes
    fix_ip_checksum(pkt);
    expect_in_drop(p->table, pkt, "bad_length", "IPv4 total length > bytes");
    pkt = *good;
    pkt.pop_back();  // bytes cut, header untouched
    expect_in_drop(p->table, pkt, "bad_length", "packet shorter than its header says");
    if (udp) {
      for (int delta : {-1, 1, -8, 100}) {
        pkt = *good;
        put16(&pkt[24], static_cast<uint32_t>(static_cast<int>(pkt.size()) - 20 + delta));
        expect_in_drop(p->table, pkt, "bad_length", str("UDP length lies by ", delta));
      }
    }
  }
}

TEST_P(Drops, NotBlockAligned) {
  auto p = pair();
  auto good = out_ok(*p->out, inner_v4(100));
  ASSERT_TRUE(good);
  for (uint32_t extra = 1; extra < info().block_len; ++extra) {
    Bytes pkt = *good;
    pkt.insert(pkt.end() - info().icv_len, extra, 0x00);
    fix_lengths(pkt);
    expect_in_drop(p->table, pkt, "not_block_aligned", str("+", extra));
  }
}

TEST_P(Drops, BadIcvForEveryBitOfTheEspPacket) {
  auto p = pair();
  auto good = out_ok(*p->out, inner_v4(61));
  ASSERT_TRUE(good);
  const size_t esp_len = good->size() - 20;
  dp::EspCtx& ctx = esp_ctx();
  std::vector<Bytes> pkts;
  std::vector<std::string> want;
  for (size_t pos = 0; pos < esp_len; ++pos) {
    for (int bit = 0; bit < 8; ++bit) {
      Bytes pkt = *good;
      pkt[20 + pos] ^= static_cast<uint8_t>(1u << bit);
      uint32_t seq = uint32_t{pkt[24]} << 24 | uint32_t{pkt[25]} << 16 | uint32_t{pkt[26]} << 8 | pkt[27];
      want.push_back(pos < 4 ? "unknown_spi" : (pos < 8 && seq == 0) ? "replay_old" : "bad_icv");
      pkts.push_back(std::move(pkt));
    }
  }
  auto before = ctx.counters;
  for (size_t first = 0; first < pkts.size(); first += dp::kMaxBurst) {
    size_t n = std::min<size_t>(dp::kMaxBurst, pkts.size() - first);
    rte_mbuf* m[dp::kMaxBurst];
    for (size_t i = 0; i < n; ++i) m[i] = to_mbuf(pkts[first + i]);
    ASSERT_EQ(dp::esp_inbound(ctx, p->table, {m, n}), 0) << "a tampered packet was accepted";
    for (size_t i = 0; i < n; ++i) {
      size_t k = first + i;
      EXPECT_EQ(nm(ctx.drop_reason[i]), want[k]) << "byte " << k / 8 << " bit " << k % 8;
      rte_pktmbuf_free(m[i]);
    }
  }
  size_t icv_fails = 0;
  for (const auto& w : want) icv_fails += w == "bad_icv";
  EXPECT_EQ(ctx.counters.by_name("bad_icv") - before.by_name("bad_icv"), icv_fails);
  EXPECT_EQ(total(ctx.counters) - total(before), pkts.size());
  EXPECT_GT(icv_fails, pkts.size() - 40);
  // Nothing of that moved the window: the original still gets in.
  EXPECT_TRUE(in_ok(p->table, *good));
}

TEST_P(Drops, Replay) {
  auto p = pair();
  auto a = out_ok(*p->out, inner_v4(80));
  auto b = out_ok(*p->out, inner_v4(81));
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(in_ok(p->table, *a));
  expect_in_drop(p->table, *a, "replay", "same packet, next burst");
  // Two copies in one burst: the first gets in, the second is the replay
  // (the commit after the ICV re-checks).
  dp::EspCtx& ctx = esp_ctx();
  auto before = ctx.counters;
  rte_mbuf* m[2] = {to_mbuf(*b), to_mbuf(*b)};
  ASSERT_EQ(dp::esp_inbound(ctx, p->table, {m, 2}), 1);
  EXPECT_EQ(nm(ctx.drop_reason[0]), "replay");
  EXPECT_EQ(ctx.counters.by_name("replay") - before.by_name("replay"), 1u);
  EXPECT_EQ(ctx.counters.by_name("in_ok") - before.by_name("in_ok"), 1u);
  EXPECT_EQ(total(ctx.counters) - total(before), 2u);
  rte_pktmbuf_free(m[0]);
  rte_pktmbuf_free(m[1]);
}

TEST_P(Drops, ReplayOld) {
  dp::SaSpec rx = spec_for(GetParam(), 0x7003);
  rx.seq = 1000;
  dp::SaSpec tx = rx;
  tx.seq = 899;  // sends 900, 100 behind a 64-packet window
  auto in = make_pair(rx);
  auto out = make_pair(tx);
  auto pkt = out_ok(*out->out, inner_v4(100));
  ASSERT_TRUE(pkt);
  expect_in_drop(in->table, *pkt, "replay_old");
}

// Every pad length a sender may use (the minimum, and up to 255 with whole
// blocks more, RFC 4303 2.4) is accepted when the bytes are 1, 2, 3, ...,
// and a single wrong byte anywhere in them drops the packet: the engine
// checks up to 8 bytes in one word and longer padding byte by byte, and
// both ways must see every byte.
TEST_P(Drops, EveryPadLengthAndEveryPadByte) {
  auto p = pair();
  const uint32_t block = info().block_len;
  const Bytes inner = inner_v4(57);
  const uint32_t min_pad = (block - (static_cast<uint32_t>(inner.size()) + 2) % block) % block;
  uint64_t seq = 0;
  int lengths = 0;
  for (uint32_t pad = min_pad; pad <= 255; pad += block) {
    if (pad > 40 && pad < 240) continue;  // the ends and the word/byte switch are what matter
    ++lengths;
    Bytes payload = inner;
    for (uint32_t i = 1; i <= pad; ++i) payload.push_back(static_cast<uint8_t>(i));
    payload.push_back(static_cast<uint8_t>(pad));
    payload.push_back(4);
    Bytes out;
    EXPECT_TRUE(in_ok(p->table, wrap(ossl_seal(p->spec, ++seq, payload), false), &out))
        << "pad " << pad;
    EXPECT_EQ(out, inner) << "pad " << pad;
    for (uint32_t j = 0; j < pad; ++j) {
      Bytes bad = payload;
      bad[inner.size() + j] ^= 0x01;
      expect_in_drop(p->table, wrap(ossl_seal(p->spec, ++seq, bad), false), "bad_padding",
                     str("pad " + std::to_string(pad) + ", byte ", j));
    }
  }
  EXPECT_GE(lengths, 4);
}

TEST_P(Drops, PaddingNextHeaderAndInnerUnderAValidIcv) {
  auto p = pair();
  const uint32_t block = info().block_len;
  const Bytes inner = inner_v4(57);
  uint64_t seq = 0;
  auto send = [&](const Bytes& payload, std::string_view name, const std::string& what) {
    ++seq;
    Bytes pkt = wrap(ossl_seal(p->spec, seq, payload), false);
    if (name == "in_ok") {
      Bytes out;
      EXPECT_TRUE(in_ok(p->table, pkt, &out)) << what;
      EXPECT_EQ(out, inner) << what;
    } else {
      expect_in_drop(p->table, pkt, name, what);
    }
  };
  // The control: a well-formed payload made by OpenSSL gets in.
  send(with_trailer(inner, block, 4), "in_ok", "well-formed");

  // Padding: the bytes must be 1, 2, 3, ... and the length must fit.
  {
    Bytes payload = inner;
    uint32_t pad = (block - (static_cast<uint32_t>(inner.size()) + 2) % block) % block;
    if (pad < 2) pad += block;
    for (uint32_t i = 1; i <= pad; ++i) payload.push_back(static_cast<uint8_t>(i));
    payload.push_back(static_cast<uint8_t>(pad));
    payload.push_back(4);
    Bytes bad = payload;
    bad[inner.size() + pad - 1] ^= 0x40;  // the last pad byte
    send(bad, "bad_padding", "last pad byte wrong");
    bad = payload;
    bad[inner.size()] = 0;  // the first pad byte
    send(bad, "bad_padding", "first pad byte wrong");
    bad = payload;
    for (uint32_t i = 0; i < pad; ++i) bad[inner.size() + i] = 0;
    send(bad, "bad_padding", "zero padding");
  }
  {
    // A pad length longer than the whole payload.
    Bytes payload(block * 2, 0);
    payload[payload.size() - 2] = static_cast<uint8_t>(payload.size() - 1);
    payload[payload.size() - 1] = 4;
    send(payload, "bad_padding", "pad length > payload");
    payload[payload.size() - 2] = 255;
    send(payload, "bad_padding", "pad length 255");
  }
  // Next header.
  for (uint8_t nh : {uint8_t{0}, uint8_t{1}, uint8_t{6}, uint8_t{17}, uint8_t{50}, uint8_t{255}})
    send(with_trailer(inner, block, nh), "bad_next_header", str("next header ", nh));
  send(with_trailer(Bytes{}, block, 59), "tfc_dummy", "empty TFC dummy");
  send(with_trailer(Bytes(40, 0xEE), block, 59), "tfc_dummy", "TFC dummy with junk");
  // Inner packet: next header 4 or 41, but not the packet it promises.
  send(with_trailer(make_ipv6_udp(60), block, 4), "bad_inner", "IPv6 under next header 4");
  send(with_trailer(inner, block, 41), "bad_inner", "IPv4 under next header 41");
  send(with_trailer(Bytes{}, block, 4), "bad_inner", "nothing under next header 4");
  {
    Bytes longer = inner;
    put16(&longer[2], static_cast<uint32_t>(inner.size() + 1));
    send(with_trailer(longer, block, 4), "bad_inner", "inner IPv4 total length > bytes");
    Bytes short_ihl = inner;
    short_ihl[0] = 0x44;
    send(with_trailer(short_ihl, block, 4), "bad_inner", "inner IHL < 5");
    send(with_trailer(Bytes(19, 0x45), block, 4), "bad_inner", "19 bytes of IPv4");
    Bytes v6 = make_ipv6_udp(60);
    put16(&v6[4], 21);  // payload length one more than present
    send(with_trailer(v6, block, 41), "bad_inner", "inner IPv6 payload length > bytes");
    send(with_trailer(Bytes(39, 0x60), block, 41), "bad_inner", "39 bytes of IPv6");
  }
  // Bytes after the inner packet (inside the padding's reach) are cut off:
  // an inner packet shorter than the payload is fine.
  {
    Bytes padded = cat(inner, Bytes(7, 0xAB));
    Bytes payload = with_trailer(padded, block, 4);
    ++seq;
    Bytes out;
    EXPECT_TRUE(in_ok(p->table, wrap(ossl_seal(p->spec, seq, payload), false), &out));
    EXPECT_EQ(out, inner);
  }
}

TEST_P(Drops, OuterHeader) {
  auto p = pair();
  auto good = out_ok(*p->out, inner_v4(100));
  ASSERT_TRUE(good);
  Bytes pkt = *good;
  pkt[10] ^= 0x01;
  expect_in_drop(p->table, pkt, "bad_outer", "checksum");
  {
    // A receiver that found the checksum bad (or did not look) does not
    // stop the engine checking it; one that verified it spares the engine
    // the sum (the header here is otherwise valid, so the packet decrypts).
    // A packet of its own: decrypting `good` would use up its number.
    auto fresh = out_ok(*p->out, inner_v4(100));
    ASSERT_TRUE(fresh);
    Bytes flagged = *fresh;
    flagged[10] ^= 0x01;
    rte_mbuf* m = to_mbuf(flagged);
    m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_BAD;
    expect_in_drop_mbuf(p->table, m, "bad_outer", "checksum flagged bad");
    m = to_mbuf(flagged);
    m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD;
    EXPECT_EQ(dp::esp_inbound(esp_ctx(), p->table, {&m, 1}), 1) << "checksum flagged good";
    rte_pktmbuf_free(m);
  }
  pkt = *good;
  pkt[0] = 0x44;  // IHL 4
  fix_ip_checksum(pkt);
  expect_in_drop(p->table, pkt, "bad_outer", "IHL < 5");
  pkt = *good;
  pkt[0] = 0x65;  // version 6
  fix_ip_checksum(pkt);
  expect_in_drop(p->table, pkt, "bad_outer", "version 6");
  pkt = *good;
  pkt[0] = 0x4F;  // IHL 15: 60 bytes of header
  expect_in_drop(p->table, Bytes(pkt.begin(), pkt.begin() + 40), "bad_outer", "IHL beyond the bytes");
  expect_in_drop(p->table, Bytes(good->begin(), good->begin() + 19), "bad_outer", "19 bytes");
  expect_in_drop(p->table, Bytes{}, "bad_outer", "empty");

  // Fragments are reassembled before the engine.
  for (uint32_t frag : {0x2000u, 0x0001u, 0x1fffu, 0x2001u}) {
    pkt = *good;
    put16(&pkt[6], frag);
    fix_ip_checksum(pkt);
    expect_in_drop(p->table, pkt, "fragment", str("flags/offset ", frag));
  }
  // Not ESP.
  pkt = *good;
  pkt[9] = 6;
  fix_ip_checksum(pkt);
  expect_in_drop(p->table, pkt, "not_esp", "TCP");

  // DF is fine, and so are IPv4 options in the outer header.
  pkt = *good;
  put16(&pkt[6], 0x4000);
  fix_ip_checksum(pkt);
  Bytes out;
  EXPECT_TRUE(in_ok(p->table, pkt, &out));
  EXPECT_EQ(out, inner_v4(100));
  auto again = out_ok(*p->out, inner_v4(100));
  ASSERT_TRUE(again);
  Bytes with_opts(again->begin(), again->begin() + 20);
  with_opts.insert(with_opts.end(), {1, 1, 1, 0});  // NOP NOP NOP EOL
  with_opts.insert(with_opts.end(), again->begin() + 20, again->end());
  with_opts[0] = 0x46;
  fix_lengths(with_opts);
  EXPECT_TRUE(in_ok(p->table, with_opts, &out)) << "outer IPv4 options";
  EXPECT_EQ(out, inner_v4(100));
  // Ethernet padding after the outer packet is trimmed, not an error.
  auto third = out_ok(*p->out, inner_v4(100));
  ASSERT_TRUE(third);
  EXPECT_TRUE(in_ok(p->table, cat(*third, Bytes(9, 0)), &out)) << "trailing bytes after the IP packet";
  EXPECT_EQ(out, inner_v4(100));
}

TEST_P(Drops, UdpEncapsulation) {
  auto plain = pair(false, 0x7010);
  auto udp = pair(true, 0x7011);
  // NAT-keepalive and the non-ESP marker (RFC 3948 2.2, 2.3).
  Bytes ka = cat(cat(outer_ipv4(1, 2, 9, 17), udp_header(1)), Bytes{0xFF});
  expect_in_drop(udp->table, ka, "nat_keepalive");
  Bytes ike = cat(Bytes{0, 0, 0, 0}, Bytes(40, 0x21));
  expect_in_drop(udp->table, wrap(ike, true), "not_esp", "non-ESP marker");
  // Encapsulation must match the SA.
  auto u = out_ok(*udp->out, inner_v4(100));
  auto e = out_ok(*plain->out, inner_v4(100));
  ASSERT_TRUE(u && e);
  dp::SpiTable both;
  ASSERT_TRUE(both.insert(udp->in.get()));
  ASSERT_TRUE(both.insert(plain->in.get()));
  Bytes u_as_plain = wrap(Bytes(u->begin() + 28, u->end()), false);
  Bytes e_as_udp = wrap(Bytes(e->begin() + 20, e->end()), true);
  expect_in_drop(both, u_as_plain, "encap_mismatch", "plain ESP for a UDP SA");
  expect_in_drop(both, e_as_udp, "encap_mismatch", "ESP in UDP for a plain SA");
  EXPECT_TRUE(in_ok(both, *u));
  EXPECT_TRUE(in_ok(both, *e));
}

TEST_P(Drops, MultiSegment) {
  auto p = pair();
  auto good = out_ok(*p->out, inner_v4(300));
  ASSERT_TRUE(good);
  auto chain = [](const Bytes& b) {
    size_t half = b.size() / 2;
    rte_mbuf* a = to_mbuf(Bytes(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(half)));
    rte_mbuf* c = to_mbuf(Bytes(b.begin() + static_cast<std::ptrdiff_t>(half), b.end()));
    EXPECT_EQ(rte_pktmbuf_chain(a, c), 0);
    return a;
  };
  expect_in_drop_mbuf(p->table, chain(*good), "multi_segment");
  expect_out_drop_mbuf(*p->out, chain(inner_v4(300)), "multi_segment");
}

TEST_P(Drops, HardLifetimes) {
  dp::SaSpec s = spec_for(GetParam(), 0x7020);
  s.soft_packets = 1;
  s.hard_packets = 2;
  auto p = make_pair(s);
  auto a = out_ok(*p->out, inner_v4(100));
  EXPECT_TRUE(p->out->soft_expired());
  EXPECT_FALSE(p->out->hard_expired());
  auto b = out_ok(*p->out, inner_v4(100));
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(p->out->hard_expired());
  expect_out_drop(*p->out, inner_v4(100), "sa_expired", "outbound after hard-packets");
  EXPECT_EQ(p->out->packets(), 2u);
  // Inbound counts its own packets.
  EXPECT_TRUE(in_ok(p->table, *a));
  EXPECT_TRUE(p->in->soft_expired());
  EXPECT_TRUE(in_ok(p->table, *b));
  EXPECT_TRUE(p->in->hard_expired());
  dp::SaSpec unlimited = s;
  unlimited.soft_packets = unlimited.hard_packets = 0;
  auto c = make_pair(unlimited);  // a fresh sender for a third, valid packet (seq 3)
  ASSERT_TRUE(out_ok(*c->out, inner_v4(100)));
  ASSERT_TRUE(out_ok(*c->out, inner_v4(100)));
  auto third = out_ok(*c->out, inner_v4(100));
  ASSERT_TRUE(third);
  expect_in_drop(p->table, *third, "sa_expired", "inbound after hard-packets");

  // Inside one burst: the packets after the one that reaches the limit are dropped.
  {
    dp::SaSpec sl = spec_for(GetParam(), 0x7022);
    sl.hard_packets = 3;
    auto l = make_pair(sl);
    dp::EspCtx& ctx = esp_ctx();
    rte_mbuf* m[5];
    for (auto& x : m) x = to_mbuf(inner_v4(100));
    auto before = ctx.counters;
    ASSERT_EQ(dp::esp_outbound(ctx, *l->out, {m, 5}), 3);
    EXPECT_EQ(nm(ctx.drop_reason[0]), "sa_expired");
    EXPECT_EQ(nm(ctx.drop_reason[1]), "sa_expired");
    EXPECT_EQ(ctx.counters.by_name("sa_expired") - before.by_name("sa_expired"), 2u);
    EXPECT_EQ(l->out->packets(), 3u);
    // The three sent, plus two more from an unlimited sender, in one inbound burst.
    dp::SaSpec su = sl;
    su.hard_packets = 0;
    su.seq = 3;
    auto u = make_pair(su);
    for (int i = 3; i < 5; ++i) {
      rte_pktmbuf_free(m[i]);
      m[i] = to_mbuf(inner_v4(100));
    }
    ASSERT_EQ(dp::esp_outbound(ctx, *u->out, {m + 3, 2}), 2);
    before = ctx.counters;
    ASSERT_EQ(dp::esp_inbound(ctx, l->table, {m, 5}), 3);
    EXPECT_EQ(nm(ctx.drop_reason[0]), "sa_expired");
    EXPECT_EQ(nm(ctx.drop_reason[1]), "sa_expired");
    EXPECT_EQ(l->in->packets(), 3u);
    EXPECT_EQ(l->in->replay_highest(), 3u) << "dropped packets do not move the window";
    EXPECT_EQ(total(ctx.counters) - total(before), 5u);
    for (auto* x : m) rte_pktmbuf_free(x);
  }

  // Bytes, likewise.
  dp::SaSpec sb = spec_for(GetParam(), 0x7021);
  sb.hard_bytes = 150;
  auto q = make_pair(sb);
  ASSERT_TRUE(out_ok(*q->out, inner_v4(100)));
  EXPECT_FALSE(q->out->hard_expired());
  ASSERT_TRUE(out_ok(*q->out, inner_v4(100)));
  EXPECT_TRUE(q->out->hard_expired());
  EXPECT_EQ(q->out->bytes(), 200u);
  expect_out_drop(*q->out, inner_v4(20), "sa_expired", "outbound after hard-bytes");
}

TEST_P(Drops, SequenceNumberOverflow) {
  for (bool esn : {false, true}) {
    dp::SaSpec s = spec_for(GetParam(), 0x7030, false, esn);
    s.seq = esn ? UINT64_MAX - 1 : 0xFFFFFFFEull;
    auto p = make_pair(s);
    auto last = out_ok(*p->out, inner_v4(100));
    ASSERT_TRUE(last) << "the last sequence number is still sent";
    EXPECT_EQ(p->out->seq(), esn ? UINT64_MAX : 0xFFFFFFFFull);
    expect_out_drop(*p->out, inner_v4(100), "seq_overflow", esn ? "ESN" : "32-bit");
    EXPECT_TRUE(p->out->hard_expired()) << "the SA is finished";
    EXPECT_EQ(p->out->seq(), esn ? UINT64_MAX : 0xFFFFFFFFull) << "no number was used twice";
    expect_out_drop(*p->out, inner_v4(100), "sa_expired", "after the overflow");
  }
}

TEST_P(Drops, HeadroomAndTailroom) {
  for (bool udp : {false, true}) {
    auto p = pair(udp);
    const Bytes inner = inner_v4(101);
    const uint32_t header = (udp ? 28u : 20u) + 8 + info().iv_len;
    const uint32_t block = info().block_len;
    const uint32_t pad = (block - (101 + 2) % block) % block;
    const uint32_t trailer = pad + 2 + info().icv_len;
    auto at = [&](uint16_t data_off, const Bytes& bytes) {
      rte_mbuf* m = rte_pktmbuf_alloc(pool());
      EXPECT_NE(m, nullptr);
      m->data_off = data_off;
      char* d = rte_pktmbuf_append(m, static_cast<uint16_t>(bytes.size()));
      EXPECT_NE(d, nullptr);
      std::memcpy(d, bytes.data(), bytes.size());
      return m;
    };
    auto accepted = [&](rte_mbuf* m) {
      bool ok = dp::esp_outbound(esp_ctx(), *p->out, {&m, 1}) == 1;
      rte_pktmbuf_free(m);
      return ok;
    };
    expect_out_drop_mbuf(*p->out, at(0, inner), "no_headroom", "no headroom at all");
    expect_out_drop_mbuf(*p->out, at(static_cast<uint16_t>(header - 1), inner), "no_headroom",
                         "one byte short");
    EXPECT_TRUE(accepted(at(static_cast<uint16_t>(header), inner))) << "exactly enough headroom";
    rte_mbuf* probe = rte_pktmbuf_alloc(pool());
    const uint16_t buf_len = probe->buf_len;
    rte_pktmbuf_free(probe);
    const auto end = static_cast<uint16_t>(buf_len - inner.size());
    expect_out_drop_mbuf(*p->out, at(end, inner), "no_tailroom", "no tailroom at all");
    expect_out_drop_mbuf(*p->out, at(static_cast<uint16_t>(end - trailer + 1), inner), "no_tailroom",
                         "one byte short");
    EXPECT_TRUE(accepted(at(static_cast<uint16_t>(end - trailer), inner))) << "exactly enough tailroom";
    // Bytes after the inner packet (Ethernet padding) count as tailroom.
    Bytes padded = cat(inner, Bytes(trailer, 0xEE));
    EXPECT_TRUE(accepted(at(static_cast<uint16_t>(buf_len - padded.size()), padded)));
  }
}

TEST_P(Drops, TooBig) {
  std::string err;
  static rte_mempool* big = dp::make_pktmbuf_pool("big_pool", 3, &err, 65535);
  ASSERT_NE(big, nullptr) << err;
  auto p = pair();
  const uint32_t header = 20 + 8 + info().iv_len;
  // The largest inner packet that fits, and one byte more.
  auto fits = [&](uint32_t len) {
    uint32_t b = info().block_len;
    return header + (len + 2 + b - 1) / b * b + info().icv_len <= 65535;
  };
  uint32_t max = 65535 - header - info().icv_len;
  while (!fits(max)) --max;
  for (uint32_t len : {max, max + 1}) {
    rte_mbuf* m = rte_pktmbuf_alloc(big);
    ASSERT_NE(m, nullptr);
    m->data_off = static_cast<uint16_t>(header);
    Bytes inner = make_ipv4_udp(0x0A000001, 0x0A000002, std::min<uint32_t>(len, 65535));
    char* d = rte_pktmbuf_append(m, static_cast<uint16_t>(inner.size()));
    ASSERT_NE(d, nullptr) << "the big pool's mbufs hold " << m->buf_len << " bytes";
    std::memcpy(d, inner.data(), inner.size());
    if (len == max + 1) {
      expect_out_drop_mbuf(*p->out, m, "too_big", str("inner ", len));
    } else {
      ASSERT_EQ(dp::esp_outbound(esp_ctx(), *p->out, {&m, 1}), 1) << "the largest packet that fits";
      EXPECT_EQ(m->data_len, (rte_pktmbuf_mtod(m, const uint8_t*)[2] << 8 | rte_pktmbuf_mtod(m, const uint8_t*)[3]));
      EXPECT_GT(m->data_len, 65535 - info().block_len);
      rte_pktmbuf_free(m);
    }
  }
}

TEST_P(Drops, BadInnerOutbound) {
  auto p = pair();
  Bytes v4 = inner_v4(100);
  Bytes b = v4;
  put16(&b[2], 101);
  expect_out_drop(*p->out, b, "bad_inner", "IPv4 total length > data");
  b = v4;
  b[0] = 0x44;
  expect_out_drop(*p->out, b, "bad_inner", "IHL < 5");
  b = v4;
  put16(&b[2], 19);
  expect_out_drop(*p->out, b, "bad_inner", "IPv4 total length < IHL");
  expect_out_drop(*p->out, Bytes(100, 0x00), "bad_inner", "version 0 garbage");
  expect_out_drop(*p->out, Bytes(100, 0xFF), "bad_inner", "version 15 garbage");
  expect_out_drop(*p->out, Bytes(19, 0x45), "bad_inner", "19 bytes");
  expect_out_drop(*p->out, Bytes{}, "bad_inner", "empty");
  Bytes v6 = make_ipv6_udp(100);
  put16(&v6[4], 61);
  expect_out_drop(*p->out, v6, "bad_inner", "IPv6 payload length > data");
  expect_out_drop(*p->out, Bytes(39, 0x60), "bad_inner", "39 bytes of IPv6");
  // Bytes after a well-formed inner packet are not part of it.
  auto sent = out_ok(*p->out, cat(v4, Bytes(30, 0x99)));
  ASSERT_TRUE(sent);
  Bytes out;
  EXPECT_TRUE(in_ok(p->table, *sent, &out));
  EXPECT_EQ(out, v4);
}

// One burst with the packets of two SAs interleaved, with an unknown SPI
// and a broken outer header among them: the engine runs each SA's packets
// through that SA's burst function, and what is accepted must still come
// back in arrival order, each packet counted once. Then the same with the
// broken packet first.
TEST_P(Drops, MixedSaBurstKeepsArrivalOrder) {
  auto a = pair(false, 0x7301);
  auto b = pair(false, 0x7302);
  auto stranger = pair(false, 0x7303);  // its inbound SA is not in the table
  dp::SpiTable table;
  ASSERT_TRUE(table.insert(a->in.get()));
  ASSERT_TRUE(table.insert(b->in.get()));
  for (bool broken_first : {false, true}) {
    SCOPED_TRACE(broken_first ? "broken packet first" : "SA B first");
    const std::string order = broken_first ? "xABAB" : "BxABuAB";
    std::vector<Bytes> sent;
    std::vector<Bytes> expected;  // the inner packets to accept, in order
    for (size_t k = 0; k < order.size(); ++k) {
      Bytes inner = inner_v4(static_cast<uint32_t>(90 + k), static_cast<uint8_t>(k));
      Pair& from = order[k] == 'A' ? *a : order[k] == 'u' ? *stranger : *b;
      auto esp = out_ok(*from.out, inner);
      ASSERT_TRUE(esp);
      if (order[k] == 'x') (*esp)[10] ^= 0xff;  // outer checksum
      if (order[k] == 'A' || order[k] == 'B') expected.push_back(inner);
      sent.push_back(*esp);
    }
    dp::EspCtx& ctx = esp_ctx();
    rte_mbuf* m[16];
    for (size_t k = 0; k < sent.size(); ++k) m[k] = to_mbuf(sent[k]);
    const auto before = ctx.counters;
    const uint64_t a_before = a->in->packets(), b_before = b->in->packets();
    const uint16_t good = dp::esp_inbound(ctx, table, {m, sent.size()});
    ASSERT_EQ(good, expected.size());
    for (uint16_t k = 0; k < good; ++k) EXPECT_EQ(to_bytes(m[k]), expected[k]) << "packet " << k;
    EXPECT_EQ(ctx.counters.by_name("in_ok") - before.by_name("in_ok"), good);
    EXPECT_EQ(ctx.counters.by_name("bad_outer") - before.by_name("bad_outer"), 1u);
    EXPECT_EQ(ctx.counters.by_name("unknown_spi") - before.by_name("unknown_spi"), broken_first ? 0u : 1u);
    EXPECT_EQ(total(ctx.counters) - total(before), sent.size()) << "every packet counted once";
    EXPECT_EQ(a->in->packets() - a_before, 2u);
    EXPECT_EQ(b->in->packets() - b_before, broken_first ? 2u : 3u);
    for (size_t k = 0; k < sent.size(); ++k) rte_pktmbuf_free(m[k]);
  }
}

INSTANTIATE_TEST_SUITE_P(AllTransforms, Drops, ::testing::ValuesIn(kAllTransforms),
                         [](const ::testing::TestParamInfo<Transform>& i) { return test_name_of(i.param); });

// Every drop counter of the engine is reached by some test above, except
// crypto_error (intel-ipsec-mb rejecting a well-formed job). This pins the
// list, so that a new counter gets a test.
TEST(DropCounters, EveryNameIsCovered) {
  const std::vector<std::string_view> covered = {
      "multi_segment", "sa_expired",   "bad_inner",      "seq_overflow",   "no_headroom",
      "no_tailroom",   "too_big",      "not_esp",        "nat_keepalive",  "bad_outer",
      "fragment",      "too_short",    "bad_length",     "not_block_aligned", "unknown_spi",
      "encap_mismatch", "replay",      "replay_old",     "bad_icv",        "bad_padding",
      "bad_next_header", "tfc_dummy"};
  std::vector<std::string_view> names(dp::kEspCounterNames.begin() + 2, dp::kEspCounterNames.end());
  for (auto n : names) {
    bool found = n == "crypto_error";
    for (auto c : covered) found |= c == n;
    EXPECT_TRUE(found) << "drop counter " << n << " has no test";
  }
  EXPECT_EQ(names.size(), covered.size() + 1);
}

// ============================================================ robustness

using RobustParam = std::tuple<Transform, bool /*udp*/>;
class Robustness : public ::testing::TestWithParam<RobustParam> {
 protected:
  // Runs a batch of inbound packets; each is either accepted (and then must
  // equal expected[i], when given) or counted under exactly one drop.
  void run_in(const dp::SpiTable& table, const std::vector<Bytes>& pkts,
              const std::vector<const Bytes*>& expected, uint64_t* accepted) {
    dp::EspCtx& ctx = esp_ctx();
    for (size_t first = 0; first < pkts.size(); first += dp::kMaxBurst) {
      size_t n = std::min<size_t>(dp::kMaxBurst, pkts.size() - first);
      rte_mbuf* m[dp::kMaxBurst];
      for (size_t i = 0; i < n; ++i) m[i] = to_mbuf(pkts[first + i]);
      auto before = ctx.counters;
      uint16_t good = dp::esp_inbound(ctx, table, {m, n});
      ASSERT_EQ(total(ctx.counters) - total(before), n) << "every packet counted once";
      ASSERT_EQ(ctx.counters.by_name("in_ok") - before.by_name("in_ok"), good);
      ASSERT_EQ(ctx.counters.by_name("crypto_error"), before.by_name("crypto_error"));
      *accepted += good;
      // Good ones are at the front in their original order; find each one's
      // source by matching the order of accepted indices is not possible
      // without the index, so check good ones against every expectation
      // they may have come from.
      for (uint16_t i = 0; i < good; ++i) {
        Bytes got = to_bytes(m[i]);
        bool match = false;
        for (size_t k = 0; k < n && !match; ++k)
          match = expected[first + k] != nullptr && *expected[first + k] == got;
        EXPECT_TRUE(match) << "an accepted packet decrypted to bytes no sender sent";
      }
      for (size_t i = 0; i < n; ++i) rte_pktmbuf_free(m[i]);
    }
  }
};

TEST_P(Robustness, TruncationsAtEveryLength) {
  auto [t, udp] = GetParam();
  const unsigned avail = rte_mempool_avail_count(pool());
  auto p = make_pair(spec_for(t, 0x7100, udp));
  for (uint32_t inner_len : {20u, 77u, 300u}) {
    auto good = out_ok(*p->out, inner_v4(inner_len, 3));
    ASSERT_TRUE(good);
    std::vector<Bytes> raw, fixed;
    for (size_t len = 0; len < good->size(); ++len) {
      raw.emplace_back(good->begin(), good->begin() + static_cast<std::ptrdiff_t>(len));
      Bytes f = raw.back();
      fix_lengths(f);
      fixed.push_back(std::move(f));
    }
    std::vector<const Bytes*> none(raw.size(), nullptr);
    uint64_t accepted = 0;
    run_in(p->table, raw, none, &accepted);
    run_in(p->table, fixed, none, &accepted);
    EXPECT_EQ(accepted, 0u) << "a truncated packet was accepted";
    Bytes out;
    EXPECT_TRUE(in_ok(p->table, *good, &out)) << "the whole packet still is";
    EXPECT_EQ(out, inner_v4(inner_len, 3));
  }
  EXPECT_EQ(rte_mempool_avail_count(pool()), avail) << "mbufs leaked";
}

TEST_P(Robustness, RandomMutations) {
  auto [t, udp] = GetParam();
  const unsigned avail = rte_mempool_avail_count(pool());
  dp::SaSpec s = spec_for(t, 0x7200, udp);
  s.replay_window = 0;  // so that an unharmed copy gets in every time
  auto p = make_pair(s);
  // Sources: valid packets of assorted sizes, IPv4 and IPv6.
  std::vector<Bytes> inner, wire;
  for (uint32_t i = 0; i < 48; ++i) {
    inner.push_back(i % 4 == 3 ? make_ipv6_udp(48 + i * 29, static_cast<uint8_t>(i))
                               : inner_v4(20 + i * 31, static_cast<uint8_t>(i)));
    auto w = out_ok(*p->out, inner.back());
    ASSERT_TRUE(w);
    wire.push_back(*w);
  }
  std::mt19937 rng(0xE5B0u + static_cast<unsigned>(t) * 2 + udp);
  const size_t outer = udp ? 28 : 20;
  std::vector<Bytes> pkts;
  std::vector<const Bytes*> expected;
  uint64_t accepted = 0;
  constexpr int kMutations = 20000;
  for (int i = 0; i < kMutations; ++i) {
    size_t src = rng() % wire.size();
    Bytes pkt = wire[src];
    const Bytes* exp = &inner[src];
    switch (rng() % 8) {
      case 0:  // a few random bytes anywhere, header left as it is
        for (unsigned k = 1 + rng() % 4; k; --k) pkt[rng() % pkt.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
        break;
      case 1:  // a few random bytes in the ESP part, outer header made consistent
      case 2:
        for (unsigned k = 1 + rng() % 4; k; --k)
          pkt[outer + rng() % (pkt.size() - outer)] ^= static_cast<uint8_t>(1 + rng() % 255);
        fix_lengths(pkt);
        break;
      case 3:  // a random length: cut or grown with random bytes
        pkt.resize(rng() % (pkt.size() + 64));
        for (size_t k = std::min(pkt.size(), wire[src].size()); k < pkt.size(); ++k)
          pkt[k] = static_cast<uint8_t>(rng());
        if (rng() % 2) fix_lengths(pkt);
        break;
      case 4:  // random bytes behind a valid outer header with the SA's SPI
        pkt.resize(outer + 8 + rng() % 200);
        for (size_t k = outer + 4; k < pkt.size(); ++k) pkt[k] = static_cast<uint8_t>(rng());
        fix_lengths(pkt);
        break;
      case 5:  // entirely random
        pkt.resize(rng() % 200);
        for (auto& b : pkt) b = static_cast<uint8_t>(rng());
        if (rng() % 2 && pkt.size() >= 20) {
          pkt[0] = 0x45;
          pkt[9] = udp ? 17 : 50;
          put16(&pkt[6], 0);
          fix_lengths(pkt);
        }
        break;
      case 6:  // outer fields the ICV does not cover: still accepted
        pkt[1] = static_cast<uint8_t>(rng());
        pkt[4] = static_cast<uint8_t>(rng());
        pkt[8] = static_cast<uint8_t>(rng());
        fix_ip_checksum(pkt);
        break;
      default:  // untouched
        break;
    }
    // Whatever got in must decrypt to the inner packet of its source: the
    // ICV covers everything that decides the inner bytes.
    pkts.push_back(std::move(pkt));
    expected.push_back(exp);
  }
  run_in(p->table, pkts, expected, &accepted);
  // Roughly the untouched and outer-only quarter gets in, and the rest not.
  EXPECT_GT(accepted, kMutations / 8u);
  EXPECT_LT(accepted, kMutations / 2u);
  EXPECT_EQ(rte_mempool_avail_count(pool()), avail) << "mbufs leaked";
}

// The length of the IP packet at the front of `b`, as RFC 791 / 8200 define
// it, or 0 when it is not one: written independently of the engine.
size_t ip_len(const Bytes& b) {
  if (b.empty()) return 0;
  if (b[0] >> 4 == 4) {
    if (b.size() < 20) return 0;
    size_t ihl = size_t{b[0] & 15u} * 4, tot = size_t{b[2]} << 8 | b[3];
    return ihl >= 20 && tot >= ihl && tot <= b.size() ? tot : 0;
  }
  if (b[0] >> 4 == 6) {
    if (b.size() < 40) return 0;
    size_t tot = 40 + (size_t{b[4]} << 8 | b[5]);
    return tot <= b.size() ? tot : 0;
  }
  return 0;
}

TEST_P(Robustness, RandomGarbageOutbound) {
  auto [t, udp] = GetParam();
  const unsigned avail = rte_mempool_avail_count(pool());
  auto p = make_pair(spec_for(t, 0x7300, udp));
  std::mt19937 rng(0x0B0Bu + static_cast<unsigned>(t) * 2 + udp);
  dp::EspCtx& ctx = esp_ctx();
  uint64_t sent = 0, back = 0;
  constexpr int kPackets = 8000;
  for (int first = 0; first < kPackets; first += dp::kMaxBurst) {
    const size_t n = std::min<size_t>(dp::kMaxBurst, static_cast<size_t>(kPackets - first));
    std::vector<Bytes> in(n);
    for (auto& b : in) {
      b.resize(rng() % 1600);
      for (auto& x : b) x = static_cast<uint8_t>(rng());
      if (b.size() >= 40 && rng() % 2) {
        // Look like an IP packet, with a total length that may or may not fit.
        bool v6 = rng() % 3 == 0;
        b[0] = v6 ? 0x60 : static_cast<uint8_t>(0x40 | (rng() % 16));
        uint32_t len = rng() % 3 ? static_cast<uint32_t>(rng() % (b.size() + 1)) : static_cast<uint32_t>(rng() % 65536);
        if (v6) put16(&b[4], len >= 40 ? len - 40 : len);
        else put16(&b[2], len);
      }
    }
    rte_mbuf* m[dp::kMaxBurst];
    for (size_t i = 0; i < n; ++i) m[i] = to_mbuf(in[i]);
    auto before = ctx.counters;
    uint16_t good = dp::esp_outbound(ctx, *p->out, {m, n});
    ASSERT_EQ(total(ctx.counters) - total(before), n) << "every packet counted once";
    // Exactly the well-formed ones are sent (good ones first, in order).
    std::vector<Bytes> want;
    for (const Bytes& b : in)
      if (size_t l = ip_len(b)) want.emplace_back(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(l));
    ASSERT_EQ(good, want.size());
    for (size_t i = good; i < n; ++i) EXPECT_EQ(nm(ctx.drop_reason[i - good]), "bad_inner");
    sent += good;
    // What was sent comes back intact.
    if (good) {
      ASSERT_EQ(dp::esp_inbound(ctx, p->table, {m, good}), good);
      for (uint16_t i = 0; i < good; ++i) {
        EXPECT_EQ(to_bytes(m[i]), want[i]);
        ++back;
      }
    }
    for (size_t i = 0; i < n; ++i) rte_pktmbuf_free(m[i]);
  }
  EXPECT_GT(sent, kPackets / 20u);
  EXPECT_EQ(back, sent);
  EXPECT_EQ(rte_mempool_avail_count(pool()), avail) << "mbufs leaked";
}

INSTANTIATE_TEST_SUITE_P(AllTransforms, Robustness,
                         ::testing::Combine(::testing::ValuesIn(kAllTransforms), ::testing::Bool()),
                         [](const ::testing::TestParamInfo<RobustParam>& i) {
                           return test_name_of(std::get<0>(i.param)) + (std::get<1>(i.param) ? "_udp" : "_esp");
                         });

}  // namespace
}  // namespace keyway::test
