#include "control/ikev2/delete_payload.h"

#include <string>

namespace keyway::ikev2 {

ike::Result<DeletePayload> parse_delete(ByteView body) {
  Reader r(body);
  uint8_t protocol = 0, spi_size = 0;
  uint16_t count = 0;
  if (!r.read_u8(protocol) || !r.read_u8(spi_size) || !r.read_be16(count))
    return ike::Error{"Delete payload: shorter than its 4-byte header"};
  DeletePayload d;
  d.protocol = static_cast<Protocol>(protocol);
  std::string what = "Delete payload: protocol " + std::to_string(protocol);
  if (d.protocol == Protocol::kIke) {
    if (spi_size != 0 || count != 0 || !r.empty())
      return ike::Error{what + " (IKE) must carry no SPI (size " + std::to_string(spi_size) + ", count " +
                        std::to_string(count) + ")"};
    return d;
  }
  if (d.protocol != Protocol::kEsp && d.protocol != Protocol::kAh) return ike::Error{what + " is not IKE, AH or ESP"};
  if (spi_size != 4) return ike::Error{what + ": SPI size " + std::to_string(spi_size) + ", expected 4"};
  if (count == 0) return ike::Error{what + ": no SPI"};
  if (r.remaining() != count * size_t{4})
    return ike::Error{what + ": " + std::to_string(count) + " SPIs need " + std::to_string(count * 4) + " bytes, " +
                      std::to_string(r.remaining()) + " present"};
  uint32_t spi = 0;
  while (r.read_be32(spi)) d.spis.push_back(spi);
  return d;
}

void write(const DeletePayload& d, Writer& w) {
  bool ike = d.protocol == Protocol::kIke;
  w.u8(static_cast<uint8_t>(d.protocol));
  w.u8(ike ? 0 : 4);
  w.be16(ike ? 0 : static_cast<uint16_t>(d.spis.size()));
  if (ike) return;
  for (uint32_t spi : d.spis) w.be32(spi);
}

}  // namespace keyway::ikev2
