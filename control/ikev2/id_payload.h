// The Identification payloads IDi and IDr (RFC 7296 3.5).
//
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |   ID Type     |                 RESERVED                      |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  ~                   Identification Data                         ~
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Parse checks the data against its type: 4 bytes for ID_IPV4_ADDR, 16 for
// ID_IPV6_ADDR, non-empty text without NUL or blanks for ID_FQDN and
// ID_RFC822_ADDR, exactly one DER Name for ID_DER_ASN1_DN, non-empty for
// the rest. The conversions to and from pki::PeerId connect it to the
// certificate checks of the PKI layer.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "control/ikev2/constants.h"
#include "control/ikev2/wire.h"
#include "pki/peer_id.h"

namespace keyway::ikev2 {

struct IdPayload {
  IdType type = IdType::kFqdn;
  Bytes data;

  bool operator==(const IdPayload&) const = default;
};

ike::Result<IdPayload> parse_id(ByteView body);
void write(const IdPayload& id, Writer& w);

IdPayload id_ipv4(uint32_t address);  // host byte order, as the config model keeps it
IdPayload id_fqdn(std::string_view name);
IdPayload id_rfc822(std::string_view email);
IdPayload id_dn(ByteView der);
IdPayload id_key_id(ByteView key_id);

// The ID as the PKI layer compares it with a certificate; nullopt for the
// types it has no notion of (IPv6, KEY_ID, DER_ASN1_GN).
std::optional<pki::PeerId> to_peer_id(const IdPayload& id);
IdPayload from_peer_id(const pki::PeerId& id);

// "ipv4 192.168.0.1", "fqdn R1.cisco.com", "email a@b", "dn cn=R1,...",
// "key-id 0a0b" for log lines.
std::string describe(const IdPayload& id);

// The payload body (ID Type, three reserved bytes, data): what RFC 7296
// 2.15 feeds to prf(SK_p, ...) as RestOfInitIDPayload / RestOfRespIDPayload.
Bytes id_body(const IdPayload& id);

}  // namespace keyway::ikev2
