#include "control/ikev1/sa_payload.h"

#include <string>

#include "control/ikev1/constants.h"

namespace keyway::ikev1 {
namespace {

using ike::Error;

// One nested payload: generic header checked, body returned.
Result<ByteView> nested(Reader& r, uint8_t expected_next, uint8_t& next, const char* what) {
  uint8_t reserved = 0;
  uint16_t len = 0;
  if (!r.read_u8(next) || !r.read_u8(reserved) || !r.read_be16(len)) return Error{std::string(what) + " header truncated"};
  if (next != expected_next && next != 0)
    return Error{std::string(what) + " followed by payload " + std::to_string(next)};
  if (reserved != 0) return Error{std::string(what) + " reserved octet not zero"};
  if (len < 4) return Error{std::string(what) + " length " + std::to_string(len) + " shorter than its header"};
  ByteView body;
  if (!r.read_bytes(len - 4u, body)) return Error{std::string(what) + " length runs past the SA payload"};
  return body;
}

Result<Transform> parse_transform(ByteView body) {
  Reader r(body);
  Transform t;
  uint16_t reserved2 = 0;
  if (!r.read_u8(t.number) || !r.read_u8(t.id) || !r.read_be16(reserved2)) return Error{"transform truncated"};
  if (reserved2 != 0) return Error{"transform RESERVED2 not zero"};
  auto attrs = parse_attributes(r.rest());
  if (!attrs) return Error{"transform " + std::to_string(t.number) + ": " + attrs.error()};
  t.attributes = attrs.take();
  return t;
}

Result<Proposal> parse_proposal(ByteView body) {
  Reader r(body);
  Proposal p;
  uint8_t spi_size = 0, count = 0;
  if (!r.read_u8(p.number) || !r.read_u8(p.protocol) || !r.read_u8(spi_size) || !r.read_u8(count))
    return Error{"proposal truncated"};
  if (p.protocol == kProtoIsakmp && spi_size != 0 && spi_size != 16)
    return Error{"ISAKMP proposal SPI size " + std::to_string(spi_size)};
  if ((p.protocol == kProtoEsp || p.protocol == kProtoAh) && spi_size != 4)
    return Error{"ESP/AH proposal SPI size " + std::to_string(spi_size)};
  ByteView spi;
  if (!r.read_bytes(spi_size, spi)) return Error{"proposal SPI runs past the proposal"};
  p.spi.assign(spi.begin(), spi.end());
  if (count == 0) return Error{"proposal " + std::to_string(p.number) + " has no transforms"};
  uint8_t next = static_cast<uint8_t>(PayloadType::kTransform);
  for (unsigned i = 0; i < count; ++i) {
    if (next == 0) return Error{"proposal declares " + std::to_string(count) + " transforms, chain ends after " + std::to_string(i)};
    auto tb = nested(r, static_cast<uint8_t>(PayloadType::kTransform), next, "transform");
    if (!tb) return Error{tb.error()};
    auto t = parse_transform(*tb);
    if (!t) return Error{t.error()};
    p.transforms.push_back(t.take());
  }
  if (next != 0) return Error{"proposal declares " + std::to_string(count) + " transforms, chain goes on"};
  if (!r.empty()) return Error{"bytes after the last transform"};
  return p;
}

}  // namespace

Result<SaPayload> parse_sa(ByteView body) {
  Reader r(body);
  SaPayload sa;
  if (!r.read_be32(sa.doi) || !r.read_be32(sa.situation)) return Error{"SA payload truncated"};
  if (sa.doi != kDoiIpsec) return Error{"DOI " + std::to_string(sa.doi) + " not supported"};
  if (sa.situation != kSituationIdentityOnly) return Error{"situation " + std::to_string(sa.situation) + " not supported"};
  if (r.empty()) return Error{"SA payload without a proposal"};
  uint8_t next = static_cast<uint8_t>(PayloadType::kProposal);
  while (next != 0) {
    if (r.empty()) return Error{"proposal chain ends early"};
    auto pb = nested(r, static_cast<uint8_t>(PayloadType::kProposal), next, "proposal");
    if (!pb) return Error{pb.error()};
    auto p = parse_proposal(*pb);
    if (!p) return Error{p.error()};
    sa.proposals.push_back(p.take());
  }
  if (!r.empty()) return Error{"bytes after the last proposal"};
  return sa;
}

void write(const SaPayload& sa, Writer& w) {
  w.be32(sa.doi);
  w.be32(sa.situation);
  for (size_t i = 0; i < sa.proposals.size(); ++i) {
    const Proposal& p = sa.proposals[i];
    size_t start = w.size();
    w.u8(i + 1 < sa.proposals.size() ? static_cast<uint8_t>(PayloadType::kProposal) : 0);
    w.u8(0);
    w.be16(0);
    w.u8(p.number);
    w.u8(p.protocol);
    w.u8(static_cast<uint8_t>(p.spi.size()));
    w.u8(static_cast<uint8_t>(p.transforms.size()));
    w.bytes(p.spi);
    for (size_t j = 0; j < p.transforms.size(); ++j) {
      const Transform& t = p.transforms[j];
      size_t ts = w.size();
      w.u8(j + 1 < p.transforms.size() ? static_cast<uint8_t>(PayloadType::kTransform) : 0);
      w.u8(0);
      w.be16(0);
      w.u8(t.number);
      w.u8(t.id);
      w.be16(0);
      write_attributes(t.attributes, w);
      w.patch_be16(ts + 2, static_cast<uint16_t>(w.size() - ts));
    }
    w.patch_be16(start + 2, static_cast<uint16_t>(w.size() - start));
  }
}

}  // namespace keyway::ikev1
