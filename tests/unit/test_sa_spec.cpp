#include <gtest/gtest.h>

#include "dataplane/api/sa_spec.h"

namespace keyway::dp {
namespace {
TEST(SaSpec, placeholder_until_written) { EXPECT_FALSE(parse_sa_spec("").spec); }
}  // namespace
}  // namespace keyway::dp
