#include <gtest/gtest.h>

#include "dataplane/esp/replay.h"

namespace keyway::dp {
namespace {

TEST(Replay, placeholder_until_written) { ReplayWindow w; w.init(64, 0); EXPECT_EQ(w.check(1), ReplayVerdict::kOk); }

}  // namespace
}  // namespace keyway::dp
