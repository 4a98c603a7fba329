// The seed's configuration listings as test data (seed_blocks.cpp).
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace keyway::config::test {

struct SeedBlock {
  std::string_view name;     // e.g. "ikev1_r1"
  std::string_view section;  // the seed section and what the listing is
  std::string_view lines;    // seed line ranges, e.g. "218-222, 226-239"
  std::string_view text;
};

inline constexpr size_t kNumSeedBlocks = 9;
extern const std::array<SeedBlock, kNumSeedBlocks> kSeedBlocks;

inline const SeedBlock& seed_block(std::string_view name) {
  for (const SeedBlock& b : kSeedBlocks)
    if (b.name == name) return b;
  return kSeedBlocks[0];  // unreachable in the tests: names are fixed
}

}  // namespace keyway::config::test
