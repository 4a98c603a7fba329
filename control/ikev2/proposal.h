// Proposals: the configuration model's algorithms as SA payload
// transforms, and the responder's choice among what the initiator offers.
//
// The mapping between the model's enums (control/config/model.h) and the
// IANA transform IDs is one table (proposal.cpp), used both ways.
//
// Selection is what IOS does (and the proposal rule): the
// initiator's proposals are taken in the order received; for each, the
// responder's own proposals in configured order; the first pair that
// agrees on every transform type wins. Within a type the initiator's
// order decides: the first of its transforms the local proposal also has.
// A DH group equal to the KE payload's is preferred within the winning
// pair, so that an acceptable KE does not cost an INVALID_KE_PAYLOAD
// round trip. Transforms with unknown attributes, unknown transform types
// and AEAD/integrity mixes that cannot be honoured never match.
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "control/config/model.h"
#include "control/ikev2/keys.h"
#include "control/ikev2/sa_payload.h"

namespace keyway::ikev2 {

// IANA transform IDs (RFC 7296 3.3.2 and the IKEv2 registry).
namespace encr_id {
inline constexpr uint16_t k3des = 3, kNull = 11, kAesCbc = 12, kAesGcm16 = 20;
}
namespace prf_id {
inline constexpr uint16_t kHmacMd5 = 1, kHmacSha1 = 2, kHmacSha256 = 5, kHmacSha384 = 6, kHmacSha512 = 7;
}
namespace integ_id {
inline constexpr uint16_t kNone = 0, kHmacMd5_96 = 1, kHmacSha1_96 = 2, kHmacSha256_128 = 12, kHmacSha384_192 = 13,
                          kHmacSha512_256 = 14;
}

// One proposal (protocol IKE) with every algorithm of the configured
// proposal, in configured order. Fails for algorithms keyway cannot run
// (DES, unsupported DH groups), naming them.
ike::Result<Proposal> ike_proposal(const config::Ikev2Proposal& p, uint8_t number);

// An ESP child SA as negotiated.
struct EspSuite {
  config::EspCipher encr = config::EspCipher::kAesGcm256;
  config::EspAuth integ = config::EspAuth::kNone;  // kNone for AES-GCM
  std::optional<ike::DhGroup> pfs;
  bool esn = false;

  bool operator==(const EspSuite&) const = default;
};

// One ESP proposal from a transform set, with `spi` (our inbound SPI), the
// PFS group if any and the ESN choices offered.
ike::Result<Proposal> esp_proposal(const config::TransformSet& ts, uint8_t number, uint32_t spi,
                                   std::optional<ike::DhGroup> pfs, bool esn);

struct Selection {
  size_t offered_index = 0;  // in the initiator's list
  size_t local_index = 0;    // in the responder's list
  Proposal chosen;           // one transform per type, the initiator's proposal number and SPI
};

std::optional<Selection> select_proposal(std::span<const Proposal> offered, std::span<const Proposal> local,
                                         std::optional<uint16_t> ke_group = std::nullopt);

// The chosen (one-transform-per-type) proposal in the model's terms; fails
// if a type is missing or an ID is not one keyway knows.
ike::Result<IkeSuite> ike_suite(const Proposal& chosen);
ike::Result<EspSuite> esp_suite(const Proposal& chosen);

// The transform in the model's terms (Key Length included), for the other
// direction of the table.
std::optional<ike::IkeCipher> ike_cipher_of(const Transform& t);
std::optional<config::EspCipher> esp_cipher_of(const Transform& t);

}  // namespace keyway::ikev2
