#include "control/ikev1/vendor_ids.h"

#include <algorithm>
#include <array>

namespace keyway::ikev1 {
namespace {

constexpr uint8_t kDpd[] = {0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9, 0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00};
constexpr uint8_t kRfc3947[] = {0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45, 0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f};
constexpr uint8_t kUnity[] = {0x12, 0xf5, 0xf2, 0x8c, 0x45, 0x71, 0x68, 0xa9, 0x70, 0x2d, 0x9f, 0xe2, 0x74, 0xcc, 0x01, 0x00};
constexpr uint8_t kXauth[] = {0x09, 0x00, 0x26, 0x89, 0xdf, 0xd6, 0xb7, 0x12};
constexpr uint8_t kCiscoIos[] = {0x1f, 0x07, 0xf7, 0x0e, 0xaa, 0x65, 0x14, 0xd3, 0xb0, 0xfa, 0x96, 0x54, 0x2a, 0x50, 0x01, 0x00};
// MD5("draft-ietf-ipsec-nat-t-ike-02\n"), MD5("draft-ietf-ipsec-nat-t-ike-03").
constexpr uint8_t kNatT02n[] = {0x90, 0xcb, 0x80, 0x91, 0x3e, 0xbb, 0x69, 0x6e, 0x08, 0x63, 0x81, 0xb5, 0xec, 0x42, 0x7b, 0x1f};
constexpr uint8_t kNatT03[] = {0x7d, 0x94, 0x19, 0xa6, 0x53, 0x10, 0xca, 0x6f, 0x2c, 0x17, 0x9d, 0x92, 0x15, 0x52, 0x9d, 0x56};

const std::array<VendorId, 7> kAll = {{
    {"RFC 3706 DPD", kDpd, false},
    {"RFC 3947 NAT-T", kRfc3947, false},
    {"CISCO-UNITY 1.0", kUnity, false},
    {"XAUTH", kXauth, false},
    {"Cisco IOS", kCiscoIos, false},
    {"draft-ietf-ipsec-nat-t-ike-02\\n", kNatT02n, false},
    {"draft-ietf-ipsec-nat-t-ike-03", kNatT03, false},
}};

}  // namespace

const VendorId& vid_dpd() { return kAll[0]; }
const VendorId& vid_nat_t_rfc3947() { return kAll[1]; }
const VendorId& vid_cisco_unity() { return kAll[2]; }
const VendorId& vid_xauth() { return kAll[3]; }
const VendorId& vid_cisco_ios() { return kAll[4]; }
std::span<const VendorId> known_vendor_ids() { return kAll; }

std::optional<std::string_view> vendor_name(ike::ByteView vid) {
  for (const VendorId& v : kAll) {
    bool match = v.prefix ? vid.size() >= v.bytes.size() && std::equal(v.bytes.begin(), v.bytes.end(), vid.begin())
                          : std::ranges::equal(v.bytes, vid);
    if (match) return v.name;
  }
  return std::nullopt;
}

}  // namespace keyway::ikev1
