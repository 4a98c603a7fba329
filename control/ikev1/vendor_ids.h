// Vendor ID payload contents (RFC 2408 3.16) keyway sends and recognizes:
// the ones in the seed's captures (IOS 15 sends DPD, Cisco Unity, XAUTH
// and an IOS-specific one Wireshark calls "Unknown") and RFC 3947 NAT-T.
//
//   RFC 3706 DPD      afcad71368a1f1c96b8696fc77570100 (vendor-chosen, with version 1.0)
//   RFC 3947          MD5("RFC 3947")
//   CISCO-UNITY 1.0   MD5("CISCO-UNITY") first 14 octets | 01 00
//   XAUTH             09002689dfd6b712
//   Cisco IOS         1f07f70eaa6514d3b0fa96542a500100 (sent by IOS 12.4+/15, undocumented)
//   draft NAT-T 02/02n/03 (older peers): MD5 of the draft names
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "control/ike/types.h"

namespace keyway::ikev1 {

struct VendorId {
  std::string_view name;
  std::span<const uint8_t> bytes;
  bool prefix;  // match when the payload starts with these bytes
};

const VendorId& vid_dpd();
const VendorId& vid_nat_t_rfc3947();
const VendorId& vid_cisco_unity();
const VendorId& vid_xauth();
const VendorId& vid_cisco_ios();
std::span<const VendorId> known_vendor_ids();

// The name of a received VID, or nullopt ("Unknown Vendor ID").
std::optional<std::string_view> vendor_name(ike::ByteView vid);

}  // namespace keyway::ikev1
