#include "control/ikev1/message.h"

#include "control/ikev1/payloads.h"

namespace keyway::ikev1 {

const Payload* Message::find(PayloadType type) const {
  for (const Payload& p : payloads)
    if (p.type == static_cast<uint8_t>(type)) return &p;
  return nullptr;
}

std::vector<const Payload*> Message::all(PayloadType type) const {
  std::vector<const Payload*> out;
  for (const Payload& p : payloads)
    if (p.type == static_cast<uint8_t>(type)) out.push_back(&p);
  return out;
}

namespace {

bool known_top_level(uint8_t t) {
  if (t >= 128) return true;  // private use: kept opaque
  switch (static_cast<PayloadType>(t)) {
    case PayloadType::kSa:
    case PayloadType::kKe:
    case PayloadType::kId:
    case PayloadType::kCert:
    case PayloadType::kCr:
    case PayloadType::kHash:
    case PayloadType::kSig:
    case PayloadType::kNonce:
    case PayloadType::kNotify:
    case PayloadType::kDelete:
    case PayloadType::kVendor:
    case PayloadType::kNatD:
    case PayloadType::kNatOa: return true;
    default: return false;
  }
}

}  // namespace

Parsed<std::vector<Payload>> parse_payloads(uint8_t first, ByteView chain, bool padding_allowed) {
  Reader r(chain);
  std::vector<Payload> out;
  uint8_t type = first;
  while (type != 0) {
    if (!known_top_level(type))
      return Rejection{"payload type " + std::to_string(type) + " (" + std::string(payload_name(type)) + ") not allowed here",
                       NotifyType::kInvalidPayloadType};
    uint8_t next = 0, reserved = 0;
    uint16_t len = 0;
    if (!r.read_u8(next) || !r.read_u8(reserved) || !r.read_be16(len))
      return Rejection{std::string(payload_name(type)) + " payload header truncated"};
    if (reserved != 0) return Rejection{std::string(payload_name(type)) + " payload reserved octet not zero"};
    if (len < 4) return Rejection{std::string(payload_name(type)) + " payload length " + std::to_string(len) + " below 4"};
    ByteView body;
    if (!r.read_bytes(len - 4u, body))
      return Rejection{std::string(payload_name(type)) + " payload length " + std::to_string(len) + " runs past the message"};
    if (auto st = check_payload(type, body); !st)
      return Rejection{std::string(payload_name(type)) + ": " + st.error(),
                       type == static_cast<uint8_t>(PayloadType::kSa) ? NotifyType::kBadProposalSyntax
                                                                      : NotifyType::kPayloadMalformed};
    out.push_back(Payload{type, Bytes(body.begin(), body.end())});
    type = next;
  }
  if (!r.empty() && !padding_allowed)
    return Rejection{std::to_string(r.remaining()) + " octets after the last payload", NotifyType::kUnequalPayloadLengths};
  return out;
}

Parsed<Message> parse_message(ByteView datagram) {
  Reader r(datagram);
  Message m;
  Header& h = m.header;
  uint8_t version = 0, exchange = 0;
  if (!r.read_be64(h.cky_i) || !r.read_be64(h.cky_r) || !r.read_u8(h.next) || !r.read_u8(version) ||
      !r.read_u8(exchange) || !r.read_u8(h.flags) || !r.read_be32(h.message_id) || !r.read_be32(h.length))
    return Rejection{"datagram of " + std::to_string(datagram.size()) + " octets shorter than the ISAKMP header", std::nullopt};
  h.major = version >> 4;
  h.minor = version & 0x0f;
  if (h.length != datagram.size())
    return Rejection{"header length " + std::to_string(h.length) + " but datagram of " + std::to_string(datagram.size()),
                     NotifyType::kUnequalPayloadLengths};
  if (h.major != 1) return Rejection{"major version " + std::to_string(h.major), NotifyType::kInvalidMajorVersion};
  if (h.minor != 0) return Rejection{"minor version " + std::to_string(h.minor), NotifyType::kInvalidMinorVersion};
  if (!is_known_exchange(exchange))
    return Rejection{"exchange type " + std::to_string(exchange), NotifyType::kInvalidExchangeType};
  h.exchange = static_cast<ExchangeType>(exchange);
  if ((h.flags & ~(kFlagEncryption | kFlagCommit | kFlagAuthOnly)) != 0)
    return Rejection{"flags 0x" + std::to_string(h.flags) + " has unknown bits", NotifyType::kInvalidFlags};
  if (h.cky_i == 0) return Rejection{"initiator cookie zero", NotifyType::kInvalidCookie};
  if (h.encrypted()) {
    ByteView c = r.rest();
    if (c.empty()) return Rejection{"encrypted message without a body"};
    m.encrypted.assign(c.begin(), c.end());
    return m;
  }
  auto chain = parse_payloads(h.next, r.rest(), /*padding_allowed=*/false);
  if (!chain) return chain.rejection();
  m.payloads = chain.take();
  return m;
}

Bytes serialize_payloads(const std::vector<Payload>& payloads) {
  Writer w;
  for (size_t i = 0; i < payloads.size(); ++i) {
    w.u8(i + 1 < payloads.size() ? payloads[i + 1].type : 0);
    w.u8(0);
    w.be16(static_cast<uint16_t>(payloads[i].body.size() + 4));
    w.bytes(payloads[i].body);
  }
  return w.take();
}

Bytes serialize(const Message& m) {
  const Header& h = m.header;
  Writer w;
  w.be64(h.cky_i);
  w.be64(h.cky_r);
  bool sealed = h.encrypted() && !m.encrypted.empty();
  w.u8(sealed ? h.next : (m.payloads.empty() ? 0 : m.payloads.front().type));
  w.u8(static_cast<uint8_t>((h.major << 4) | (h.minor & 0x0f)));
  w.u8(static_cast<uint8_t>(h.exchange));
  w.u8(h.flags);
  w.be32(h.message_id);
  w.be32(0);
  if (sealed)
    w.bytes(m.encrypted);
  else
    w.bytes(serialize_payloads(m.payloads));
  w.patch_be32(24, static_cast<uint32_t>(w.size()));
  return w.take();
}

}  // namespace keyway::ikev1
