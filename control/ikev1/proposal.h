// Phase-1 and phase-2 proposals: from the configuration model to SA
// payload transforms, back, and IOS's matching, as pure functions.
//
// Phase 1 (IOS): the responder takes its ISAKMP policies in priority order
// and, for each, the initiator's transforms in their order; the first pair
// with equal encryption (and key length), hash, authentication and group
// wins, provided the offered lifetime is not longer than the policy's
// (IOS then uses the offered, shorter one). No lifetime offered means
// RFC 2409's default, 28800 seconds.
// Phase 2: the initiator's proposals in order, each against the local
// transform sets in order; the ESP transform, the HMAC, the mode (UDP
// encapsulation counting as its mode) and the PFS group must agree.
#pragma once

#include <optional>
#include <span>

#include "control/config/model.h"
#include "control/ikev1/sa_payload.h"

namespace keyway::ikev1 {

struct Phase1Suite {
  config::IkeCipher cipher = config::IkeCipher::kAes256;
  config::IkeHash hash = config::IkeHash::kSha1;
  config::IkeAuthMethod auth = config::IkeAuthMethod::kRsaSig;
  config::DhGroup group = 14;
  uint32_t lifetime_s = 28800;
  bool operator==(const Phase1Suite&) const = default;
};

Transform phase1_transform(const config::IsakmpPolicy& p, uint8_t number);
// The initiator's SA: one proposal, one transform per policy, in priority order.
SaPayload phase1_sa(std::span<const config::IsakmpPolicy> policies);
Result<Phase1Suite> decode_phase1(const Transform& t);

struct Phase1Match {
  size_t policy = 0;       // index into the policies given
  uint8_t transform = 0;   // the chosen transform's number
  Phase1Suite suite;       // lifetime: the offered one
};
std::optional<Phase1Match> match_phase1(const SaPayload& offered, std::span<const config::IsakmpPolicy> policies);

struct Phase2Suite {
  config::EspCipher cipher = config::EspCipher::kAesCbc128;
  config::EspAuth auth = config::EspAuth::kSha1;
  config::IpsecMode mode = config::IpsecMode::kTunnel;
  bool udp_encap = false;
  config::DhGroup group = 0;  // 0: no PFS
  uint32_t lifetime_s = 0;    // 0: not offered
  bool operator==(const Phase2Suite&) const = default;
};
Result<Phase2Suite> decode_phase2(const Transform& t);

struct Phase2Match {
  size_t proposal = 0;       // index in offered.proposals
  size_t transform_set = 0;  // index into the sets given
  Phase2Suite suite;
};
std::optional<Phase2Match> match_phase2(const SaPayload& offered, std::span<const config::TransformSet> sets,
                                        config::DhGroup pfs_group);

}  // namespace keyway::ikev1
