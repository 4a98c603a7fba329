// ConfigStore: a reload swaps the snapshot only when the new file is valid.
#include <gtest/gtest.h>

#include "control/config/store.h"
#include "tests/config/helpers.h"

namespace keyway::config::test {
namespace {

TEST(ConfigStore, StartsEmpty) {
  ConfigStore store;
  EXPECT_EQ(store.current(), nullptr);
  EXPECT_EQ(store.generation(), 0u);
}

TEST(ConfigStore, SwapsOnlyValidSnapshots) {
  ConfigStore store;
  LoadResult first = store.reload_text("a.cfg", "hostname R1\n");
  ASSERT_TRUE(first.ok());
  auto held = store.current();
  ASSERT_NE(held, nullptr);
  EXPECT_EQ(held->hostname, "R1");
  EXPECT_EQ(store.generation(), 1u);

  // An invalid file: diagnostics come back, the snapshot stays.
  LoadResult bad = store.reload_text("b.cfg", "hostname R2\nbogus\n");
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(errors(bad.diagnostics).size(), 1u);
  EXPECT_EQ(store.current(), held);
  EXPECT_EQ(store.generation(), 1u);

  LoadResult good = store.reload_text("c.cfg", "hostname R3\n");
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(store.current()->hostname, "R3");
  EXPECT_EQ(store.current()->source, "c.cfg");
  EXPECT_EQ(store.generation(), 2u);
  // Whoever held the old snapshot still sees it, unchanged.
  EXPECT_EQ(held->hostname, "R1");
}

TEST(ConfigStore, UnreadableFileKeepsSnapshot) {
  ConfigStore store;
  ASSERT_TRUE(store.reload_text("a.cfg", "hostname R1\n").ok());
  EXPECT_FALSE(store.reload("/nonexistent/keyway.cfg").ok());
  EXPECT_EQ(store.current()->hostname, "R1");
}

}  // namespace
}  // namespace keyway::config::test
