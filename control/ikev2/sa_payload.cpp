#include "control/ikev2/sa_payload.h"

#include <string>

namespace keyway::ikev2 {
namespace {

using ike::Error;
using ike::Result;

constexpr uint8_t kLastProposal = 0, kMoreProposals = 2;
constexpr uint8_t kLastTransform = 0, kMoreTransforms = 3;
constexpr uint16_t kAttrFormatTv = 0x8000;

Error bad(const std::string& what) { return Error{"SA payload: " + what}; }

std::string num(size_t v) { return std::to_string(v); }

Result<Transform> parse_transform(ByteView body, const std::string& where) {
  Reader r(body);
  Transform t;
  uint8_t type = 0, reserved = 0;
  uint16_t id = 0;
  if (!r.read_u8(type) || !r.read_u8(reserved) || !r.read_be16(id)) return bad(where + " is truncated");
  t.type = static_cast<TransformType>(type);
  t.id = id;
  while (!r.empty()) {
    uint16_t attr = 0, value = 0;
    if (!r.read_be16(attr) || !r.read_be16(value)) return bad(where + " has a truncated attribute");
    if (!(attr & kAttrFormatTv)) {
      // TLV: `value` is a length. No TLV attribute is defined for IKEv2.
      if (!r.skip(value)) return bad(where + " has an attribute longer than the transform");
      t.unknown_attribute = true;
    } else if ((attr & ~kAttrFormatTv) == kAttrKeyLength) {
      if (t.key_bits != 0) return bad(where + " has two Key Length attributes");
      if (value == 0) return bad(where + " has a Key Length of 0");
      t.key_bits = value;
    } else {
      t.unknown_attribute = true;
    }
  }
  return t;
}

bool spi_size_ok(Protocol p, size_t size) {
  switch (p) {
    case Protocol::kIke: return size == 0 || size == 8;
    case Protocol::kEsp:
    case Protocol::kAh: return size == 4;
    default: return false;
  }
}

Result<Proposal> parse_proposal(Reader& r, uint8_t& last) {
  uint8_t reserved = 0, protocol = 0, spi_size = 0, count = 0;
  uint16_t length = 0;
  if (!r.read_u8(last) || !r.read_u8(reserved) || !r.read_be16(length)) return bad("truncated proposal header");
  if (last != kLastProposal && last != kMoreProposals)
    return bad("proposal Last Substruc is " + num(last) + " (0 or 2 expected)");
  if (length < 8) return bad("proposal length " + num(length) + " is below the minimum of 8");
  ByteView rest;
  if (!r.read_bytes(length - 4u, rest))
    return bad("proposal length " + num(length) + " runs past the payload (" + num(r.remaining() + 4) + " left)");
  Reader p(rest);
  Proposal out;
  p.read_u8(out.number);
  p.read_u8(protocol);
  p.read_u8(spi_size);
  p.read_u8(count);
  out.protocol = static_cast<Protocol>(protocol);
  std::string where = "proposal " + num(out.number);
  if (!spi_size_ok(out.protocol, spi_size))
    return bad(where + ": SPI size " + num(spi_size) + " does not fit protocol " + num(protocol));
  ByteView spi;
  if (!p.read_bytes(spi_size, spi)) return bad(where + ": SPI runs past the proposal");
  out.spi.assign(spi.begin(), spi.end());
  uint8_t tlast = kMoreTransforms;
  for (unsigned i = 0; i < count; ++i) {
    std::string twhere = where + " transform " + num(i + 1);
    uint16_t tlen = 0;
    if (tlast != kMoreTransforms) return bad(twhere + " follows a transform marked last");
    if (!p.read_u8(tlast) || !p.read_u8(reserved) || !p.read_be16(tlen)) return bad(twhere + " is truncated");
    if (tlast != kLastTransform && tlast != kMoreTransforms)
      return bad(twhere + ": Last Substruc is " + num(tlast) + " (0 or 3 expected)");
    ByteView tbody;
    if (tlen < 8 || !p.read_bytes(tlen - 4u, tbody))
      return bad(twhere + ": length " + num(tlen) + " is below 8 or runs past the proposal");
    auto t = parse_transform(tbody, twhere);
    if (!t) return Error{t.error()};
    out.transforms.push_back(*t);
  }
  if (count != 0 && tlast != kLastTransform) return bad(where + ": last transform is not marked last");
  if (!p.empty()) return bad(where + ": " + num(p.remaining()) + " bytes after " + num(count) + " transforms");
  return out;
}

}  // namespace

Result<SaPayload> parse_sa(ByteView body) {
  Reader r(body);
  SaPayload sa;
  uint8_t last = kMoreProposals;
  while (!r.empty()) {
    if (last != kMoreProposals) return bad("data after the proposal marked last");
    auto p = parse_proposal(r, last);
    if (!p) return Error{p.error()};
    // RFC 7296 3.3: the first is 1; each next is the same (an AND with
    // the previous proposal, AH+ESP) or one more.
    bool first = sa.proposals.empty();
    unsigned prev = first ? 0 : sa.proposals.back().number;
    if (first ? p->number != 1 : p->number != prev && p->number != prev + 1)
      return bad("proposal number " + num(p->number) + (first ? " first (1 expected)" : " after " + num(prev)));
    sa.proposals.push_back(p.take());
  }
  if (sa.proposals.empty()) return bad("no proposal");
  if (last != kLastProposal) return bad("last proposal is not marked last");
  return sa;
}

void write(const SaPayload& sa, Writer& w) {
  for (size_t i = 0; i < sa.proposals.size(); ++i) {
    const Proposal& p = sa.proposals[i];
    size_t start = w.size();
    w.u8(i + 1 == sa.proposals.size() ? kLastProposal : kMoreProposals);
    w.u8(0);
    w.be16(0);  // length, patched below
    w.u8(p.number);
    w.u8(static_cast<uint8_t>(p.protocol));
    w.u8(static_cast<uint8_t>(p.spi.size()));
    w.u8(static_cast<uint8_t>(p.transforms.size()));
    w.bytes(p.spi);
    for (size_t j = 0; j < p.transforms.size(); ++j) {
      const Transform& t = p.transforms[j];
      w.u8(j + 1 == p.transforms.size() ? kLastTransform : kMoreTransforms);
      w.u8(0);
      w.be16(t.key_bits ? 12 : 8);
      w.u8(static_cast<uint8_t>(t.type));
      w.u8(0);
      w.be16(t.id);
      if (t.key_bits) {
        w.be16(kAttrFormatTv | kAttrKeyLength);
        w.be16(t.key_bits);
      }
    }
    w.patch_be16(start + 2, static_cast<uint16_t>(w.size() - start));
  }
}

}  // namespace keyway::ikev2
