#include "control/ikev2/message.h"

#include <string>

#include "pki/certreq.h"

namespace keyway::ikev2 {
namespace {

std::string num(size_t v) { return std::to_string(v); }

Rejection syntax(std::string reason) { return Rejection{std::move(reason)}; }

template <class T>
Parsed<PayloadBody> body_of(ike::Result<T> r) {
  if (!r) return syntax(r.error());
  return PayloadBody(r.take());
}

// The typed body of one payload, or why it is malformed.
Parsed<PayloadBody> parse_body(PayloadType type, PayloadType next, ByteView body, size_t offset) {
  switch (type) {
    case PayloadType::kSa: return body_of(parse_sa(body));
    case PayloadType::kKe: return body_of(parse_ke(body));
    case PayloadType::kIdi:
    case PayloadType::kIdr: return body_of(parse_id(body));
    case PayloadType::kCert: return body_of(parse_cert(body, false));
    case PayloadType::kCertReq: {
      auto c = parse_cert(body, true);
      // The hash list of an X.509 CERTREQ must be whole SHA-1 values.
      if (c && c->encoding == kCertX509Signature) {
        auto hashes = pki::parse_certreq_ikev2(c->encoding, c->data);
        if (!hashes) return syntax("CERTREQ payload: " + hashes.error());
      }
      return body_of(std::move(c));
    }
    case PayloadType::kAuth: return body_of(parse_auth(body));
    case PayloadType::kNonce: return body_of(parse_nonce(body));
    case PayloadType::kNotify: {
      auto n = parse_notify(body);
      if (n) {
        if (auto v = verify_notify(*n); !v) return syntax(v.error());
      }
      return body_of(std::move(n));
    }
    case PayloadType::kDelete: return body_of(parse_delete(body));
    case PayloadType::kVendor: return body_of(parse_vendor(body));
    case PayloadType::kTsi:
    case PayloadType::kTsr: return body_of(parse_ts(body));
    case PayloadType::kSk: return body_of(parse_sk(next, body, offset));
    case PayloadType::kSkf: return body_of(parse_skf(next, body, offset));
    default: return PayloadBody(UnknownPayload{Bytes(body.begin(), body.end())});
  }
}

bool is_known(PayloadType t) {
  switch (t) {
    case PayloadType::kSa:
    case PayloadType::kKe:
    case PayloadType::kIdi:
    case PayloadType::kIdr:
    case PayloadType::kCert:
    case PayloadType::kCertReq:
    case PayloadType::kAuth:
    case PayloadType::kNonce:
    case PayloadType::kNotify:
    case PayloadType::kDelete:
    case PayloadType::kVendor:
    case PayloadType::kTsi:
    case PayloadType::kTsr:
    case PayloadType::kSk:
    case PayloadType::kSkf: return true;
    default: return false;
  }
}

bool is_encrypted(PayloadType t) { return t == PayloadType::kSk || t == PayloadType::kSkf; }

Parsed<std::vector<Payload>> parse_chain(PayloadType first, ByteView data, size_t offset, bool outer) {
  std::vector<Payload> out;
  Reader r(data);
  PayloadType type = first;
  while (type != PayloadType::kNone) {
    size_t at = offset + (data.size() - r.remaining());
    std::string where = payload_name(type) + " payload at offset " + num(at);
    uint8_t next = 0, flags = 0;
    uint16_t length = 0;
    if (!r.read_u8(next) || !r.read_u8(flags) || !r.read_be16(length))
      return syntax(where + ": truncated generic header (" + num(r.remaining()) + " bytes left)");
    if (length < 4) return syntax(where + ": length " + num(length) + " is below the 4-byte header");
    ByteView body;
    if (!r.read_bytes(length - 4u, body))
      return syntax(where + ": length " + num(length) + " runs past the end (" + num(r.remaining() + 4) +
                    " bytes left)");
    bool critical = flags & 0x80;
    if (!is_known(type) && critical) {
      return Rejection{where + ": unsupported critical payload type " + num(static_cast<unsigned>(type)),
                       NotifyType::kUnsupportedCriticalPayload, Bytes{static_cast<uint8_t>(type)}};
    }
    if (is_encrypted(type)) {
      if (!outer) return syntax(where + ": an encrypted payload inside an encrypted payload");
      if (!r.empty()) return syntax(where + ": not the last payload (" + num(r.remaining()) + " bytes follow)");
    }
    auto parsed = parse_body(type, static_cast<PayloadType>(next), body, at + 4);
    if (!parsed) return parsed.rejection();
    out.push_back(Payload{type, critical, parsed.take()});
    // An encrypted payload's Next Payload names the first inner payload.
    type = is_encrypted(type) ? PayloadType::kNone : static_cast<PayloadType>(next);
  }
  if (!r.empty()) return syntax(num(r.remaining()) + " bytes after the last payload");
  return out;
}

PayloadType next_field(const Payload& p, const Payload* following) {
  if (const auto* sk = p.as<EncryptedPayload>()) return sk->first_inner;
  if (const auto* skf = p.as<FragmentPayload>()) return skf->first_inner;
  return following ? following->type : PayloadType::kNone;
}

}  // namespace

const Payload* Message::find(PayloadType type) const {
  for (const Payload& p : payloads)
    if (p.type == type) return &p;
  return nullptr;
}

std::vector<const NotifyPayload*> Message::notifies(NotifyType type) const {
  std::vector<const NotifyPayload*> out;
  for (const Payload& p : payloads)
    if (const auto* n = p.as<NotifyPayload>(); n && n->type == type) out.push_back(n);
  return out;
}

Parsed<Message> parse_message(ByteView datagram) {
  Reader r(datagram);
  Message m;
  uint8_t first = 0, version = 0, exchange = 0;
  uint32_t length = 0;
  if (!r.read_be64(m.header.spi_i) || !r.read_be64(m.header.spi_r) || !r.read_u8(first) || !r.read_u8(version) ||
      !r.read_u8(exchange) || !r.read_u8(m.header.flags) || !r.read_be32(m.header.message_id) || !r.read_be32(length))
    return syntax("message of " + num(datagram.size()) + " bytes is shorter than the 28-byte IKE header");
  m.header.major = version >> 4;
  m.header.minor = version & 0x0f;
  m.header.exchange = static_cast<ExchangeType>(exchange);
  if (m.header.major != 2)
    return Rejection{"IKE major version " + num(m.header.major) + " (2 expected)", NotifyType::kInvalidMajorVersion};
  if (length != datagram.size())
    return syntax("header length " + num(length) + " differs from the datagram's " + num(datagram.size()) + " bytes");
  auto payloads = parse_chain(static_cast<PayloadType>(first), r.rest(), kHeaderLen, true);
  if (!payloads) return payloads.rejection();
  m.payloads = payloads.take();
  return m;
}

Parsed<std::vector<Payload>> parse_payloads(PayloadType first, ByteView data, size_t offset) {
  return parse_chain(first, data, offset, false);
}

ike::Status write_payloads(std::span<const Payload> payloads, Writer& w) {
  for (size_t i = 0; i < payloads.size(); ++i) {
    const Payload& p = payloads[i];
    size_t start = w.size();
    w.u8(static_cast<uint8_t>(next_field(p, i + 1 < payloads.size() ? &payloads[i + 1] : nullptr)));
    w.u8(p.critical ? 0x80 : 0);
    w.be16(0);  // length, patched below
    std::visit(
        [&](const auto& body) {
          if constexpr (std::is_same_v<std::decay_t<decltype(body)>, UnknownPayload>)
            w.bytes(body.body);
          else
            write(body, w);
        },
        p.body);
    if (w.size() - start > 0xffff) return ike::Error{payload_name(p.type) + " payload exceeds 65535 bytes"};
    w.patch_be16(start + 2, static_cast<uint16_t>(w.size() - start));
  }
  return ike::ok_status();
}

void write_header(const Header& h, PayloadType first, uint32_t length, Writer& w) {
  w.be64(h.spi_i);
  w.be64(h.spi_r);
  w.u8(static_cast<uint8_t>(first));
  w.u8(static_cast<uint8_t>(h.major << 4 | (h.minor & 0x0f)));
  w.u8(static_cast<uint8_t>(h.exchange));
  w.u8(h.flags);
  w.be32(h.message_id);
  w.be32(length);
}

ike::Result<Bytes> serialize(const Message& m) {
  for (size_t i = 0; i + 1 < m.payloads.size(); ++i)
    if (is_encrypted(m.payloads[i].type))
      return ike::Error{payload_name(m.payloads[i].type) + " payload must be the last one"};
  Writer body;
  if (auto s = write_payloads(m.payloads, body); !s) return ike::Error{s.error()};
  Writer w;
  write_header(m.header, m.payloads.empty() ? PayloadType::kNone : m.payloads.front().type,
               static_cast<uint32_t>(kHeaderLen + body.size()), w);
  w.bytes(body.data());
  return w.take();
}

Payload make(PayloadType type, PayloadBody body) { return Payload{type, false, std::move(body)}; }

Payload make(PayloadBody body) {
  PayloadType type = std::visit(
      [](const auto& b) {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, SaPayload>)
          return PayloadType::kSa;
        else if constexpr (std::is_same_v<T, KePayload>)
          return PayloadType::kKe;
        else if constexpr (std::is_same_v<T, AuthPayload>)
          return PayloadType::kAuth;
        else if constexpr (std::is_same_v<T, NoncePayload>)
          return PayloadType::kNonce;
        else if constexpr (std::is_same_v<T, NotifyPayload>)
          return PayloadType::kNotify;
        else if constexpr (std::is_same_v<T, DeletePayload>)
          return PayloadType::kDelete;
        else if constexpr (std::is_same_v<T, VendorPayload>)
          return PayloadType::kVendor;
        else if constexpr (std::is_same_v<T, EncryptedPayload>)
          return PayloadType::kSk;
        else if constexpr (std::is_same_v<T, FragmentPayload>)
          return PayloadType::kSkf;
        else
          return PayloadType::kNone;  // IDi/IDr, TSi/TSr, CERT/CERTREQ, unknown: say which
      },
      body);
  return Payload{type, false, std::move(body)};
}

}  // namespace keyway::ikev2
