// The worker's SPI -> inbound SA record: insert, find, erase against a
// std::unordered_map model under random operations, capacity and
// duplicates.
#include <gtest/gtest.h>

#include <random>
#include <unordered_map>

#include "dataplane/runtime/inbound_index.h"

namespace keyway::test {
namespace {

using dp::InboundIndex;

// The index never dereferences the SA; any distinct non-null pointers do.
dp::Sa* fake_sa(uintptr_t i) { return reinterpret_cast<dp::Sa*>((i + 1) * 64); }

TEST(InboundIndex, InsertFindErase) {
  InboundIndex idx(8);
  EXPECT_EQ(idx.find(1), nullptr);
  auto* e = idx.insert(fake_sa(1), 0x1000);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->spi, 0x1000u);
  EXPECT_EQ(e->tunnel, dp::kNoTunnel);
  EXPECT_FALSE(e->first_use_pending);
  EXPECT_EQ(idx.find(0x1000), e);
  EXPECT_EQ(idx.insert(fake_sa(2), 0x1000), nullptr) << "duplicate SPI";
  EXPECT_TRUE(idx.erase(0x1000));
  EXPECT_FALSE(idx.erase(0x1000));
  EXPECT_EQ(idx.find(0x1000), nullptr);
  EXPECT_EQ(idx.size(), 0u);
}

TEST(InboundIndex, HoldsExactlyMaxEntries) {
  InboundIndex idx(100);
  for (uint32_t i = 0; i < 100; ++i) {
    ASSERT_NE(idx.insert(fake_sa(i), 7 * i + 1), nullptr) << i;
  }
  EXPECT_EQ(idx.insert(fake_sa(100), 0xFFFF), nullptr) << "full";
  EXPECT_EQ(idx.size(), 100u);
  for (uint32_t i = 0; i < 100; ++i) {
    ASSERT_EQ(idx.find(7 * i + 1)->sa, fake_sa(i));
  }
  EXPECT_TRUE(idx.erase(1));
  EXPECT_NE(idx.insert(fake_sa(100), 0xFFFF), nullptr) << "room again after an erase";
}

TEST(InboundIndex, RandomOperationsMatchAMap) {
  // SPIs from a small range so that chains collide and erase has to shift.
  InboundIndex idx(600);
  std::unordered_map<uint32_t, dp::Sa*> model;
  std::mt19937 rng(42);
  for (int op = 0; op < 200000; ++op) {
    const uint32_t spi = rng() % 2048 + 256;
    if (rng() % 2) {
      auto* e = idx.insert(fake_sa(spi), spi);
      const bool expect = !model.count(spi) && model.size() < 600;
      ASSERT_EQ(e != nullptr, expect) << "op " << op;
      if (e) model[spi] = fake_sa(spi);
    } else {
      ASSERT_EQ(idx.erase(spi), model.erase(spi) == 1) << "op " << op;
    }
    if (op % 1000 == 0) {
      ASSERT_EQ(idx.size(), model.size());
      for (uint32_t s = 256; s < 256 + 2048; ++s) {
        auto* e = idx.find(s);
        auto it = model.find(s);
        ASSERT_EQ(e != nullptr, it != model.end()) << "spi " << s << " op " << op;
        if (e) {
          ASSERT_EQ(e->sa, it->second);
        }
      }
    }
  }
}

}  // namespace
}  // namespace keyway::test
