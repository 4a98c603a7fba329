// The payloads other than SA (sa_payload.h): bodies after the generic
// header (RFC 2408 3.2). parse_X() checks the structure strictly and says
// why it rejects; write() appends the same bytes back.
//
//  KE (3.7), HASH (3.11), SIG (3.12), NONCE (3.13), VID (3.16), NAT-D
//  (RFC 3947 3.2): opaque data, KE/HASH/SIG/VID/NAT-D non-empty, NONCE
//  8..256 octets (RFC 2409 5).
//
//  ID (RFC 2407 4.6.2):
//  !   ID Type     !  Protocol ID  !             Port              !
//  ~                     Identification Data                       ~
//
//  CERT (3.9), CR (3.10):
//  ! Cert Encoding !   Certificate Data / Certificate Authority    ~
//
//  N (3.14):
//  !              Domain of Interpretation  (DOI)                  !
//  !  Protocol-ID  !   SPI Size    !      Notify Message Type      !
//  ~                Security Parameter Index (SPI)                 ~
//  ~                       Notification Data                       ~
//
//  D (3.15):
//  !              Domain of Interpretation  (DOI)                  !
//  !  Protocol-Id  !   SPI Size    !           # of SPIs           !
//  ~               Security Parameter Index(es) (SPI)              ~
//
//  NAT-OA (RFC 3947 5.2):
//  !   ID Type     !   RESERVED    !            RESERVED           !
//  ~           IPv4 (4 octets) or IPv6 address (16 octets)         ~
#pragma once

#include <cstdint>
#include <string>

#include "control/ikev1/attributes.h"
#include "control/ikev1/constants.h"

namespace keyway::ikev1 {

// KE, HASH, SIG, NONCE, VID, NAT-D: the data is the whole body.
Result<Bytes> parse_opaque(PayloadType type, ByteView body);

struct IdPayload {
  uint8_t type = static_cast<uint8_t>(IdType::kIpv4);
  uint8_t protocol = 0;  // phase 1: 0 or 17 (UDP); phase 2: the proxy's protocol
  uint16_t port = 0;     // phase 1: 0 or 500
  Bytes data;            // IPv4: 4 octets; subnet/range: 8; FQDN, USER_FQDN: text; DN: DER

  static IdPayload ipv4(uint32_t addr);
  static IdPayload ipv4_subnet(uint32_t addr, uint32_t mask, uint8_t protocol = 0, uint16_t port = 0);
  static IdPayload ipv4_range(uint32_t first, uint32_t last, uint8_t protocol = 0, uint16_t port = 0);
  static IdPayload text(IdType t, std::string_view s);  // FQDN, USER_FQDN
  static IdPayload der_dn(ByteView dn);
  bool operator==(const IdPayload&) const = default;
};
Result<IdPayload> parse_id(ByteView body);
void write(const IdPayload& id, Writer& w);

struct CertPayload {  // CERT and CR share the shape
  uint8_t encoding = kCertX509Signature;
  Bytes data;  // CERT: the DER certificate; CR: the CA's DER subject DN (may be empty: any CA)
  bool operator==(const CertPayload&) const = default;
};
Result<CertPayload> parse_cert(ByteView body);  // data non-empty
Result<CertPayload> parse_cr(ByteView body);
void write(const CertPayload& c, Writer& w);

struct NotifyPayload {
  uint32_t doi = kDoiIpsec;
  uint8_t protocol = kProtoIsakmp;
  uint16_t type = 0;  // NotifyType
  Bytes spi;          // phase 1: the two cookies (16) or empty; ESP: 4
  Bytes data;         // R-U-THERE(-ACK): the 4-octet sequence number
  bool operator==(const NotifyPayload&) const = default;
};
Result<NotifyPayload> parse_notify(ByteView body);
void write(const NotifyPayload& n, Writer& w);
// R-U-THERE / R-U-THERE-ACK (RFC 3706 5): SPI = CKY-I | CKY-R, data = sequence.
NotifyPayload dpd_notify(bool ack, uint64_t cky_i, uint64_t cky_r, uint32_t seq);

struct DeletePayload {
  uint32_t doi = kDoiIpsec;
  uint8_t protocol = kProtoIsakmp;
  uint8_t spi_size = 16;  // ISAKMP: 16 (the cookies); ESP/AH: 4
  std::vector<Bytes> spis;
  bool operator==(const DeletePayload&) const = default;
};
Result<DeletePayload> parse_delete(ByteView body);
void write(const DeletePayload& d, Writer& w);

struct NatOaPayload {
  uint8_t id_type = static_cast<uint8_t>(IdType::kIpv4);
  Bytes address;  // 4 or 16 octets
  bool operator==(const NatOaPayload&) const = default;
};
Result<NatOaPayload> parse_nat_oa(ByteView body);
void write(const NatOaPayload& n, Writer& w);

// Runs the typed parser of `type` over `body`: the message parser's
// structural check of every payload. Unknown types pass (kept opaque).
ike::Status check_payload(uint8_t type, ByteView body);

}  // namespace keyway::ikev1
