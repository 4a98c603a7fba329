// Every ESP transform, and the names and parameter grids the engine's
// parameterised tests share (test_esp_*, test_sa_spec).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <tuple>

#include "dataplane/api/sa_spec.h"

namespace keyway::test {

inline constexpr dp::Transform kAllTransforms[] = {
    dp::Transform::kAes128Gcm, dp::Transform::kAes256Gcm, dp::Transform::kAes128CbcSha256,
    dp::Transform::kAes256CbcSha256, dp::Transform::kDes3CbcSha1};

// A transform's name as a test name may spell it ("aes128cbc_sha256").
inline std::string test_name_of(dp::Transform t) {
  std::string n(dp::transform_info(t).name);
  for (char& c : n)
    if (c == '-') c = '_';
  return n;
}

// Transform x UDP encapsulation x ESN: the full grid, named
// "aes128gcm_udp_esn", "3des_sha1_esp", ...
using EspParam = std::tuple<dp::Transform, bool /*udp*/, bool /*esn*/>;

inline auto all_esp_params() {
  return ::testing::Combine(::testing::ValuesIn(kAllTransforms), ::testing::Bool(), ::testing::Bool());
}

inline std::string esp_param_name(const ::testing::TestParamInfo<EspParam>& info) {
  return test_name_of(std::get<0>(info.param)) + (std::get<1>(info.param) ? "_udp" : "_esp") +
         (std::get<2>(info.param) ? "_esn" : "");
}

}  // namespace keyway::test
