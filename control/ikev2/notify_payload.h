// The Notify payload (RFC 7296 3.10) and the data formats of the
// notifications keyway sends and reads.
//
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |  Protocol ID  |   SPI Size    |      Notify Message Type      |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  ~                Security Parameter Index (SPI)                 ~
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  ~                       Notification Data                       ~
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// parse_notify checks the structure; verify_notify the data of the types
// whose data has a defined form (NAT detection hashes of 20 bytes, a
// 2-byte group in INVALID_KE_PAYLOAD, a 1..64-byte COOKIE, an even-length
// hash list, no data for flags such as IKEV2_FRAGMENTATION_SUPPORTED, a
// 4-byte ESP/AH SPI in REKEY_SA). Unknown types pass: RFC 7296 says to
// ignore unknown status notifications.
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "control/ikev2/constants.h"
#include "control/ikev2/wire.h"

namespace keyway::ikev2 {

struct NotifyPayload {
  Protocol protocol = Protocol::kNone;
  Bytes spi;
  NotifyType type = NotifyType::kInitialContact;
  Bytes data;
};

ike::Result<NotifyPayload> parse_notify(ByteView body);
ike::Status verify_notify(const NotifyPayload& n);
void write(const NotifyPayload& n, Writer& w);

// A notification about the IKE SA (no SPI).
NotifyPayload notify(NotifyType type, Bytes data = {});

// INVALID_KE_PAYLOAD: the group the responder wants.
NotifyPayload invalid_ke(uint16_t group);
std::optional<uint16_t> invalid_ke_group(const NotifyPayload& n);

// NAT_DETECTION_*_IP data: SHA-1(SPIi | SPIr | IP address | port), the
// address (host byte order) and port of the packet's source or destination.
ike::Result<Bytes> nat_detection_hash(uint64_t spi_i, uint64_t spi_r, uint32_t address, uint16_t port);

// SIGNATURE_HASH_ALGORITHMS (RFC 7427 4): 2-byte identifiers. Unknown
// identifiers are kept (the caller picks among those it knows).
NotifyPayload signature_hash_algorithms(std::span<const SignatureHash> hashes);
std::vector<SignatureHash> signature_hashes(const NotifyPayload& n);

// REKEY_SA for the child SA with inbound SPI `spi` (RFC 7296 1.3.3).
NotifyPayload rekey_sa(Protocol protocol, uint32_t spi);

}  // namespace keyway::ikev2
