// The anti-replay window (RFC 4303 3.4.3, Appendix A) and ESN inference
// (Appendix A2.2): fixed cases per window size, a comparison against a
// plain reference model over a long random sequence, and an engine-level
// test of ESN across the 2^32 boundary.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "dataplane/esp/replay.h"
#include "tests/support/test_env.h"

namespace keyway::dp {
namespace {

using V = ReplayVerdict;

std::string name(V v) {
  switch (v) {
    case V::kOk: return "ok";
    case V::kDuplicate: return "duplicate";
    case V::kTooOld: return "too-old";
  }
  return "?";
}

// What RFC 4303 3.4.3 asks, written as plainly as possible: a set of the
// numbers received and the highest one.
class Model {
 public:
  Model(uint32_t size, uint64_t highest) : size_(size), top_(highest) {
    for (uint64_t i = 0; i < size && i < highest; ++i) seen_.insert(highest - i);
  }
  V check(uint64_t seq) const {
    if (seq == 0) return V::kTooOld;
    if (seq > top_) return V::kOk;
    if (top_ - seq >= size_) return V::kTooOld;
    return seen_.count(seq) ? V::kDuplicate : V::kOk;
  }
  V commit(uint64_t seq) {
    V v = check(seq);
    if (v != V::kOk) return v;
    seen_.insert(seq);
    top_ = std::max(top_, seq);
    // Forget what can never matter again, so the set stays small.
    while (!seen_.empty() && top_ - *seen_.begin() >= size_) seen_.erase(seen_.begin());
    return v;
  }
  uint64_t top() const { return top_; }

 private:
  uint64_t size_;
  uint64_t top_;
  std::set<uint64_t> seen_;
};

class Window : public ::testing::TestWithParam<uint32_t> {};

TEST_P(Window, InOrderAcceptsEachOnce) {
  const uint32_t w = GetParam();
  ReplayWindow r;
  r.init(w, 0);
  for (uint64_t s = 1; s <= 3ull * w + 100; ++s) {
    ASSERT_EQ(r.check(s), V::kOk) << s;
    ASSERT_EQ(r.commit(s), V::kOk) << s;
    ASSERT_EQ(r.check(s), V::kDuplicate) << s;
    ASSERT_EQ(r.highest(), s);
  }
}

TEST_P(Window, DuplicatesAreRejectedAndChangeNothing) {
  const uint32_t w = GetParam();
  ReplayWindow r;
  r.init(w, 0);
  for (uint64_t s = 1; s <= 10; ++s) ASSERT_EQ(r.commit(s), V::kOk);
  for (uint64_t s = 1; s <= 10; ++s) {
    EXPECT_EQ(r.check(s), V::kDuplicate) << s;
    EXPECT_EQ(r.commit(s), V::kDuplicate) << s;
  }
  EXPECT_EQ(r.highest(), 10u);
  EXPECT_EQ(r.check(11), V::kOk);
}

TEST_P(Window, ReorderingWithinTheWindowIsAccepted) {
  const uint32_t w = GetParam();
  ReplayWindow r;
  r.init(w, 0);
  const uint64_t top = 3ull * w + 5;
  ASSERT_EQ(r.commit(top), V::kOk);
  std::vector<uint64_t> order;
  for (uint64_t s = top - w + 1; s < top; ++s) order.push_back(s);
  std::mt19937 rng(7);
  std::shuffle(order.begin(), order.end(), rng);
  for (uint64_t s : order) ASSERT_EQ(r.commit(s), V::kOk) << s;
  for (uint64_t s : order) ASSERT_EQ(r.check(s), V::kDuplicate) << s;
  EXPECT_EQ(r.highest(), top);
}

TEST_P(Window, LeftEdgeIsInsideAndOneBeyondIsTooOld) {
  const uint32_t w = GetParam();
  for (uint64_t top : std::initializer_list<uint64_t>{uint64_t{w}, uint64_t{w} + 1, 5ull * w + 17, 64ull * 1000 + 63, 1ull << 40}) {
    ReplayWindow r;
    r.init(w, 0);
    ASSERT_EQ(r.commit(top), V::kOk);
    const uint64_t left = top - w + 1;
    EXPECT_EQ(r.check(left), V::kOk) << "left edge, top " << top;
    if (top > w) {
      EXPECT_EQ(r.check(left - 1), V::kTooOld) << "one beyond, top " << top;
      EXPECT_EQ(r.commit(left - 1), V::kTooOld);
    }
    EXPECT_EQ(r.commit(left), V::kOk);
    EXPECT_EQ(r.check(left), V::kDuplicate);
    EXPECT_EQ(r.highest(), top);
  }
}

TEST_P(Window, BigJumpsClearTheOldBits) {
  const uint32_t w = GetParam();
  // Jumps of every size class: inside one bucket, a bucket, the window, the
  // whole ring (and its multiples, which alias onto the same buckets), and
  // far beyond.
  for (uint64_t jump : std::initializer_list<uint64_t>{uint64_t{1}, uint64_t{63}, uint64_t{64}, uint64_t{w} - 1, uint64_t{w},
                        uint64_t{w} + 1, uint64_t{w} + 64, 64ull * 128, 64ull * 256, 64ull * 16,
                        64ull * 32, 64ull * 64, 1ull << 20, 1ull << 40}) {
    ReplayWindow r;
    r.init(w, 0);
    for (uint64_t s = 1; s <= 2ull * w; ++s) ASSERT_EQ(r.commit(s), V::kOk);
    const uint64_t old_top = 2ull * w;
    const uint64_t top = old_top + jump;
    ASSERT_EQ(r.commit(top), V::kOk);
    for (uint64_t s = top > w ? top - w + 1 : 1; s < top; ++s) {
      V want = s <= old_top ? V::kDuplicate : V::kOk;
      ASSERT_EQ(r.check(s), want) << "jump " << jump << ", seq " << s << ": got " << name(r.check(s));
    }
    if (top >= w) {
      EXPECT_EQ(r.check(top - w), V::kTooOld) << "jump " << jump;
    }
  }
}

TEST_P(Window, SequenceNumberZeroIsNeverAccepted) {
  const uint32_t w = GetParam();
  ReplayWindow r;
  r.init(w, 0);
  EXPECT_EQ(r.check(0), V::kTooOld);
  EXPECT_EQ(r.commit(0), V::kTooOld);
  EXPECT_EQ(r.highest(), 0u);
  EXPECT_EQ(r.commit(1), V::kOk);
  EXPECT_EQ(r.check(0), V::kTooOld);
}

TEST_P(Window, InitCountsTheStartingPointAsReceived) {
  const uint32_t w = GetParam();
  for (uint64_t h : std::initializer_list<uint64_t>{uint64_t{1}, uint64_t{63}, uint64_t{64}, uint64_t{w} - 1, uint64_t{w},
                     uint64_t{w} + 1, uint64_t{1000003}, 0xFFFFFFFFull, 0x1234567890ull}) {
    ReplayWindow r;
    r.init(w, h);
    EXPECT_EQ(r.highest(), h);
    EXPECT_EQ(r.check(h), V::kDuplicate) << "init(" << w << ", " << h << ") accepts " << h;
    for (uint64_t i = 0; i < w && i < h; ++i) ASSERT_EQ(r.check(h - i), V::kDuplicate) << h - i;
    if (h > w) {
      EXPECT_EQ(r.check(h - w), V::kTooOld);
    }
    EXPECT_EQ(r.check(h + 1), V::kOk);
    EXPECT_EQ(r.commit(h + 1), V::kOk);
  }
}

TEST_P(Window, WorksAtTheTopOfTheSequenceSpace) {
  const uint32_t w = GetParam();
  const uint64_t top = UINT64_MAX - 3;
  ReplayWindow r;
  r.init(w, 0);
  ASSERT_EQ(r.commit(top), V::kOk);
  EXPECT_EQ(r.check(top - 1), V::kOk) << "in the window, never received";
  EXPECT_EQ(r.check(top - w + 1), V::kOk);
  EXPECT_EQ(r.check(top - w), V::kTooOld);
  EXPECT_EQ(r.check(top), V::kDuplicate);
  EXPECT_EQ(r.commit(UINT64_MAX), V::kOk);
  EXPECT_EQ(r.check(UINT64_MAX), V::kDuplicate);
  EXPECT_EQ(r.check(top), V::kDuplicate);
  EXPECT_EQ(r.commit(top - 2), V::kOk);
  EXPECT_EQ(r.check(top - 2), V::kDuplicate);
}

TEST_P(Window, MatchesTheReferenceModelOnALongRandomSequence) {
  const uint32_t w = GetParam();
  std::mt19937_64 rng(0x5EED0000u + w);
  for (uint64_t start : std::initializer_list<uint64_t>{uint64_t{0}, uint64_t{12345}, 0xFFFFF000ull}) {
    ReplayWindow r;
    r.init(w, start);
    Model m(w, start);
    uint64_t next = start;
    std::map<std::string, int> kinds;
    for (int i = 0; i < 60000; ++i) {
      uint64_t seq;
      const uint64_t top = m.top();
      switch (rng() % 10) {
        case 0: case 1: case 2: case 3:  // the next few
          seq = top + 1 + rng() % 3;
          break;
        case 4: case 5: case 6:  // reordered, mostly inside the window, some just outside
          seq = top - std::min<uint64_t>(top, rng() % (w + w / 2 + 2));
          break;
        case 7:  // an old one again
          seq = next > 0 ? next - std::min<uint64_t>(next, rng() % 8) : 0;
          break;
        case 8:  // a jump of up to three windows
          seq = top + 1 + rng() % (3ull * w);
          break;
        default:  // a jump that crosses the whole ring, or a bucket boundary
          seq = top + (rng() % 2 ? 64ull * (1 + rng() % 300) : 1 + rng() % 64);
          break;
      }
      next = seq;
      V want = m.check(seq);
      ASSERT_EQ(name(r.check(seq)), name(want)) << "op " << i << " seq " << seq << " top " << top;
      ASSERT_EQ(name(r.commit(seq)), name(m.commit(seq))) << "op " << i << " seq " << seq;
      ASSERT_EQ(r.highest(), m.top());
      ++kinds[name(want)];
    }
    // The sequence exercised every verdict.
    EXPECT_GT(kinds["ok"], 1000);
    EXPECT_GT(kinds["duplicate"], 1000);
    EXPECT_GT(kinds["too-old"], 100);
  }
}

INSTANTIATE_TEST_SUITE_P(Sizes, Window, ::testing::Values(64u, 100u, 128u, 1000u, 4096u),
                         [](const ::testing::TestParamInfo<uint32_t>& i) {
                           std::string n = "w";
                           n += std::to_string(i.param);
                           return n;
                         });

TEST(Window, SizeZeroAcceptsEverything) {
  ReplayWindow r;
  r.init(0, 100);
  EXPECT_EQ(r.check(100), V::kOk);
  EXPECT_EQ(r.check(1), V::kOk);
  EXPECT_EQ(r.commit(50), V::kOk);
  EXPECT_EQ(r.commit(50), V::kOk);
  EXPECT_EQ(r.commit(200), V::kOk);
  EXPECT_EQ(r.highest(), 200u);
}

// ------------------------------------------------ RFC 4303 Appendix A2.2

uint64_t esn(uint32_t hi, uint32_t lo) { return uint64_t{hi} << 32 | lo; }

struct EsnCase {
  const char* name;
  uint32_t window;
  uint64_t top;
  uint32_t seq_low;
  bool ok;
  uint64_t want;
};

const EsnCase kEsnCases[] = {
    // Case A: the window lies within one subspace (Tl >= W - 1).
    {"A_inside_window", 64, esn(5, 1000), 990, true, esn(5, 990)},
    {"A_ahead", 64, esn(5, 1000), 2000, true, esn(5, 2000)},
    {"A_at_bottom", 64, esn(5, 1000), 937, true, esn(5, 937)},
    {"A_below_bottom_means_next_subspace", 64, esn(5, 1000), 936, true, esn(6, 936)},
    {"A_zero_low_is_next_subspace", 64, esn(5, 1000), 0, true, esn(6, 0)},
    {"A_boundary_tl_is_w_minus_1", 64, esn(5, 63), 0, true, esn(5, 0)},
    {"A_wrap_th_increments", 64, esn(5, 0xFFFFFFF0), 3, true, esn(6, 3)},
    {"A_wrap_top_at_end_of_subspace", 64, esn(5, 0xFFFFFFFF), 0, true, esn(6, 0)},
    {"A_large_window", 4096, esn(9, 100000), 100000 - 4095, true, esn(9, 100000 - 4095)},
    {"A_large_window_below", 4096, esn(9, 100000), 100000 - 4096, true, esn(10, 100000 - 4096)},
    // Case B: the window spans two subspaces (Tl < W - 1).
    {"B_previous_subspace", 64, esn(5, 10), 0xFFFFFFF0, true, esn(4, 0xFFFFFFF0)},
    {"B_previous_subspace_at_bottom", 64, esn(5, 10), 0xFFFFFFCB, true, esn(4, 0xFFFFFFCB)},
    {"B_current_subspace", 64, esn(5, 10), 5, true, esn(5, 5)},
    {"B_ahead", 64, esn(5, 10), 11, true, esn(5, 11)},
    {"B_below_bottom_is_ahead", 64, esn(5, 10), 0xFFFFFFCA, true, esn(5, 0xFFFFFFCA)},
    {"B_first_subspace_old_is_refused", 64, esn(0, 10), 0xFFFFFFF0, false, 0},
    {"B_first_subspace_current", 64, esn(0, 10), 3, true, esn(0, 3)},
    {"B_fresh_sa", 64, 0, 1, true, 1},
    // Replay checking off: the guess still uses a 4096-packet window.
    {"off_uses_4096", 0, esn(3, 100000), 100000 - 4000, true, esn(3, 100000 - 4000)},
    {"off_beyond_4096_is_next", 0, esn(3, 100000), 100000 - 5000, true, esn(4, 100000 - 5000)},
};

class InferEsn : public ::testing::TestWithParam<EsnCase> {};

TEST_P(InferEsn, ReconstructsTheHighHalf) {
  const EsnCase& c = GetParam();
  ReplayWindow r;
  r.init(c.window, c.top);
  uint64_t got = 0xDEADBEEF;
  EXPECT_EQ(r.infer_esn(c.seq_low, &got), c.ok);
  if (c.ok) {
    EXPECT_EQ(got, c.want) << std::hex << "got 0x" << got << ", want 0x" << c.want;
  }
}

void PrintTo(const EsnCase& c, std::ostream* os) { *os << c.name; }

INSTANTIATE_TEST_SUITE_P(Rfc4303A2, InferEsn, ::testing::ValuesIn(kEsnCases),
                         [](const ::testing::TestParamInfo<EsnCase>& i) { return i.param.name; });

// ------------------------------------------------------------- engine level

TEST(EngineEsn, AcceptsAcrossTheWrapAndRejectsReplaysOnBothSides) {
  using test::Bytes;
  for (Transform t : {Transform::kAes128Gcm, Transform::kAes128CbcSha256}) {
    SaSpec spec = test::spec_for(t, 0x5000, false, true);
    spec.seq = 0xFFFFFFF0ull;  // the next packet is 0xFFFFFFF1; low 32 bits wrap after 15
    std::string err;
    auto out = Sa::create(spec, Direction::kOutbound, test::control_mgr(), &err);
    ASSERT_TRUE(out) << err;
    auto in = Sa::create(spec, Direction::kInbound, test::control_mgr(), &err);
    ASSERT_TRUE(in) << err;
    SpiTable table;
    ASSERT_TRUE(table.insert(in.get()));
    EspCtx& ctx = test::esp_ctx();

    constexpr uint16_t kN = 40;
    Bytes inner[kN], wire[kN];
    rte_mbuf* pkts[kN];
    for (uint16_t i = 0; i < kN; ++i) {
      inner[i] = test::make_ipv4_udp(0x0A000001, 0x0A000002, 60 + i, 0, 64, false, static_cast<uint8_t>(i));
      pkts[i] = test::to_mbuf(inner[i]);
    }
    ASSERT_EQ(esp_outbound(ctx, *out, {pkts, kN}), kN);
    for (uint16_t i = 0; i < kN; ++i) {
      wire[i] = test::to_bytes(pkts[i]);
      rte_pktmbuf_free(pkts[i]);
      const uint8_t* e = wire[i].data() + 20;
      uint32_t low = uint32_t{e[4]} << 24 | uint32_t{e[5]} << 16 | uint32_t{e[6]} << 8 | e[7];
      EXPECT_EQ(low, static_cast<uint32_t>(0xFFFFFFF1ull + i)) << "only the low half is sent";
    }
    EXPECT_EQ(out->seq(), 0xFFFFFFF0ull + kN);

    // Delivered in reverse: the first one (above 2^32) sets the window; the
    // rest, from both sides of the wrap, are inside it.
    for (int i = kN - 1; i >= 0; --i) pkts[i] = test::to_mbuf(wire[i]);
    std::vector<rte_mbuf*> rev(pkts, pkts + kN);
    std::reverse(rev.begin(), rev.end());
    ASSERT_EQ(esp_inbound(ctx, table, {rev.data(), kN}), kN);
    for (uint16_t i = 0; i < kN; ++i) {
      EXPECT_EQ(test::to_bytes(rev[i]), inner[kN - 1 - i]);
      rte_pktmbuf_free(rev[i]);
    }
    EXPECT_EQ(in->replay_highest(), 0xFFFFFFF0ull + kN);

    // Every one of them again: replays, before and after the wrap alike.
    auto before = ctx.counters;
    for (uint16_t i = 0; i < kN; ++i) pkts[i] = test::to_mbuf(wire[i]);
    EXPECT_EQ(esp_inbound(ctx, table, {pkts, kN}), 0);
    for (uint16_t i = 0; i < kN; ++i) {
      EXPECT_EQ(ctx.drop_reason[i], EspCounter::kReplay) << i;
      rte_pktmbuf_free(pkts[i]);
    }
    EXPECT_EQ(ctx.counters.by_name("replay") - before.by_name("replay"), kN);
    EXPECT_EQ(ctx.counters.drops() - before.drops(), kN);
  }
}

TEST(EngineEsn, APacketFromTheWrongSubspaceFailsTheIcv) {
  // The same low 32 bits, but sent 2^32 packets earlier: the receiver
  // reconstructs the current high half, and the ICV (which covers it) fails.
  SaSpec spec = test::spec_for(Transform::kAes256Gcm, 0x5001, false, true);
  spec.seq = 0x100000000ull;  // sender: the next packet is 2^32 + 1
  std::string err;
  auto out = Sa::create(spec, Direction::kOutbound, test::control_mgr(), &err);
  ASSERT_TRUE(out) << err;
  SaSpec rx = spec;
  rx.seq = 0x200000000ull;  // receiver: already at 2^33, so low 1 means 2^33 + 1
  auto in = Sa::create(rx, Direction::kInbound, test::control_mgr(), &err);
  ASSERT_TRUE(in) << err;
  SpiTable table;
  ASSERT_TRUE(table.insert(in.get()));
  rte_mbuf* m = test::to_mbuf(test::make_ipv4_udp(1, 2, 100));
  ASSERT_EQ(esp_outbound(test::esp_ctx(), *out, {&m, 1}), 1);
  auto before = test::esp_ctx().counters;
  EXPECT_EQ(esp_inbound(test::esp_ctx(), table, {&m, 1}), 0);
  EXPECT_EQ(test::esp_ctx().drop_reason[0], EspCounter::kBadIcv);
  EXPECT_EQ(test::esp_ctx().counters.by_name("bad_icv") - before.by_name("bad_icv"), 1u);
  EXPECT_EQ(in->replay_highest(), 0x200000000ull) << "a failed ICV must not move the window";
  rte_pktmbuf_free(m);
}

}  // namespace
}  // namespace keyway::dp
