// The SA payload (RFC 2408 3.4, RFC 2407 4.6.1) with its nested Proposal
// (3.5) and Transform (3.6) payloads; phase 1 and phase 2 alike.
//
//  SA body (after the generic header):
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  !              Domain of Interpretation  (DOI)                  !
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  !                           Situation                           !
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  ~               Proposal payloads (next payload 2, last 0)      ~
//
//  Proposal:
//  ! Next Payload  !   RESERVED    !         Payload Length        !
//  !  Proposal #   !  Protocol-Id  !    SPI Size   !# of Transforms!
//  ~                        SPI (variable)                         ~
//  ~              Transform payloads (next payload 3, last 0)      ~
//
//  Transform:
//  ! Next Payload  !   RESERVED    !         Payload Length        !
//  !  Transform #  !  Transform-Id !           RESERVED2           !
//  ~                        SA Attributes                          ~
//
// Several proposals with the same number form one AND-ed offer (RFC 2408
// 4.2); keyway keeps them as the list they are and leaves the meaning to
// the matcher. Only the IPsec DOI with SIT_IDENTITY_ONLY is accepted (the
// secrecy and integrity situations carry labels nobody sends).
#pragma once

#include "control/ikev1/attributes.h"

namespace keyway::ikev1 {

struct Transform {
  uint8_t number = 1;
  uint8_t id = 0;  // KEY_IKE (1) in phase 1; ESP_AES (12), ... in phase 2
  std::vector<Attribute> attributes;
  bool operator==(const Transform&) const = default;
};

struct Proposal {
  uint8_t number = 1;
  uint8_t protocol = 1;  // kProtoIsakmp, kProtoEsp, ...
  Bytes spi;             // empty in phase 1 (IOS), 4 octets for ESP/AH
  std::vector<Transform> transforms;
  bool operator==(const Proposal&) const = default;
};

struct SaPayload {
  uint32_t doi = 1;
  uint32_t situation = 1;
  std::vector<Proposal> proposals;
  bool operator==(const SaPayload&) const = default;
};

Result<SaPayload> parse_sa(ByteView body);
void write(const SaPayload& sa, Writer& w);  // the body, without the generic header

}  // namespace keyway::ikev1
