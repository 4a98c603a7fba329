#include "control/ikev2/notify_payload.h"

#include <openssl/evp.h>

#include <string>

#include "pki/ossl.h"

namespace keyway::ikev2 {
namespace {

using ike::Error;

Error bad(const NotifyPayload& n, const std::string& what) {
  return Error{"Notify payload " + notify_name(n.type) + ": " + what};
}

}  // namespace

ike::Result<NotifyPayload> parse_notify(ByteView body) {
  Reader r(body);
  uint8_t protocol = 0, spi_size = 0;
  uint16_t type = 0;
  if (!r.read_u8(protocol) || !r.read_u8(spi_size) || !r.read_be16(type))
    return Error{"Notify payload: shorter than its 4-byte header"};
  NotifyPayload n;
  n.protocol = static_cast<Protocol>(protocol);
  n.type = static_cast<NotifyType>(type);
  ByteView spi;
  if (!r.read_bytes(spi_size, spi)) return bad(n, "SPI size " + std::to_string(spi_size) + " runs past the payload");
  n.spi.assign(spi.begin(), spi.end());
  ByteView data = r.rest();
  n.data.assign(data.begin(), data.end());
  return n;
}

ike::Status verify_notify(const NotifyPayload& n) {
  auto size = [&](size_t want) -> ike::Status {
    if (n.data.size() != want)
      return bad(n, "data is " + std::to_string(n.data.size()) + " bytes, expected " + std::to_string(want));
    return ike::ok_status();
  };
  if (n.spi.size() != 0 && n.spi.size() != 4 && n.spi.size() != 8)
    return bad(n, "SPI size " + std::to_string(n.spi.size()) + " is not 0, 4 or 8");
  switch (n.type) {
    case NotifyType::kNatDetectionSourceIp:
    case NotifyType::kNatDetectionDestinationIp: return size(20);
    case NotifyType::kInvalidKePayload: return size(2);
    case NotifyType::kCookie:
      if (n.data.empty() || n.data.size() > 64)
        return bad(n, "data is " + std::to_string(n.data.size()) + " bytes, outside 1..64");
      return ike::ok_status();
    case NotifyType::kSignatureHashAlgorithms:
      if (n.data.size() % 2 != 0) return bad(n, "odd data length " + std::to_string(n.data.size()));
      return ike::ok_status();
    case NotifyType::kIkev2FragmentationSupported:
    case NotifyType::kInitialContact:
    case NotifyType::kUseTransportMode:
    case NotifyType::kEspTfcPaddingNotSupported:
    case NotifyType::kNonFirstFragmentsAlso: return size(0);
    case NotifyType::kRekeySa:
      if ((n.protocol != Protocol::kEsp && n.protocol != Protocol::kAh) || n.spi.size() != 4)
        return bad(n, "needs protocol ESP or AH and a 4-byte SPI");
      return ike::ok_status();
    default: return ike::ok_status();
  }
}

void write(const NotifyPayload& n, Writer& w) {
  w.u8(static_cast<uint8_t>(n.protocol));
  w.u8(static_cast<uint8_t>(n.spi.size()));
  w.be16(static_cast<uint16_t>(n.type));
  w.bytes(n.spi);
  w.bytes(n.data);
}

NotifyPayload notify(NotifyType type, Bytes data) {
  NotifyPayload n;
  n.type = type;
  n.data = std::move(data);
  return n;
}

NotifyPayload invalid_ke(uint16_t group) {
  return notify(NotifyType::kInvalidKePayload, {static_cast<uint8_t>(group >> 8), static_cast<uint8_t>(group)});
}

std::optional<uint16_t> invalid_ke_group(const NotifyPayload& n) {
  if (n.type != NotifyType::kInvalidKePayload || n.data.size() != 2) return std::nullopt;
  return static_cast<uint16_t>(n.data[0] << 8 | n.data[1]);
}

ike::Result<Bytes> nat_detection_hash(uint64_t spi_i, uint64_t spi_r, uint32_t address, uint16_t port) {
  Writer w;
  w.be64(spi_i);
  w.be64(spi_r);
  w.be32(address);
  w.be16(port);
  Bytes out(20);
  unsigned n = 0;
  if (EVP_Digest(w.data().data(), w.size(), out.data(), &n, EVP_sha1(), nullptr) != 1 || n != 20)
    return Error{"NAT detection hash: SHA-1 failed: " + pki::openssl_error()};
  return out;
}

NotifyPayload signature_hash_algorithms(std::span<const SignatureHash> hashes) {
  Writer w;
  for (SignatureHash h : hashes) w.be16(static_cast<uint16_t>(h));
  return notify(NotifyType::kSignatureHashAlgorithms, w.take());
}

std::vector<SignatureHash> signature_hashes(const NotifyPayload& n) {
  std::vector<SignatureHash> out;
  Reader r(n.data);
  uint16_t h = 0;
  while (r.read_be16(h)) out.push_back(static_cast<SignatureHash>(h));
  return out;
}

NotifyPayload rekey_sa(Protocol protocol, uint32_t spi) {
  NotifyPayload n;
  n.protocol = protocol;
  n.type = NotifyType::kRekeySa;
  n.spi = {static_cast<uint8_t>(spi >> 24), static_cast<uint8_t>(spi >> 16), static_cast<uint8_t>(spi >> 8),
           static_cast<uint8_t>(spi)};
  return n;
}

}  // namespace keyway::ikev2
