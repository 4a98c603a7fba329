#include "control/ikev1/payloads.h"

#include "control/ikev1/sa_payload.h"

namespace keyway::ikev1 {

using ike::Error;

namespace {
void put_be32(Bytes& b, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(v >> s));
}
void put_be64(Bytes& b, uint64_t v) {
  for (int s = 56; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(v >> s));
}
}  // namespace

Result<Bytes> parse_opaque(PayloadType type, ByteView body) {
  if (type == PayloadType::kNonce && (body.size() < 8 || body.size() > 256))
    return Error{"NONCE of " + std::to_string(body.size()) + " octets (8..256)"};
  if (body.empty()) return Error{std::string(payload_name(static_cast<uint8_t>(type))) + " payload empty"};
  return Bytes(body.begin(), body.end());
}

IdPayload IdPayload::ipv4(uint32_t addr) {
  IdPayload id;
  put_be32(id.data, addr);
  return id;
}
IdPayload IdPayload::ipv4_subnet(uint32_t addr, uint32_t mask, uint8_t protocol, uint16_t port) {
  IdPayload id{static_cast<uint8_t>(IdType::kIpv4Subnet), protocol, port, {}};
  put_be32(id.data, addr);
  put_be32(id.data, mask);
  return id;
}
IdPayload IdPayload::ipv4_range(uint32_t first, uint32_t last, uint8_t protocol, uint16_t port) {
  IdPayload id{static_cast<uint8_t>(IdType::kIpv4Range), protocol, port, {}};
  put_be32(id.data, first);
  put_be32(id.data, last);
  return id;
}
IdPayload IdPayload::text(IdType t, std::string_view s) {
  return IdPayload{static_cast<uint8_t>(t), 0, 0, Bytes(s.begin(), s.end())};
}
IdPayload IdPayload::der_dn(ByteView dn) {
  return IdPayload{static_cast<uint8_t>(IdType::kDerAsn1Dn), 0, 0, Bytes(dn.begin(), dn.end())};
}

Result<IdPayload> parse_id(ByteView body) {
  Reader r(body);
  IdPayload id;
  if (!r.read_u8(id.type) || !r.read_u8(id.protocol) || !r.read_be16(id.port)) return Error{"ID payload truncated"};
  ByteView d = r.rest();
  id.data.assign(d.begin(), d.end());
  size_t want = 0;
  switch (static_cast<IdType>(id.type)) {
    case IdType::kIpv4: want = 4; break;
    case IdType::kIpv4Subnet:
    case IdType::kIpv4Range: want = 8; break;
    case IdType::kIpv6: want = 16; break;
    case IdType::kIpv6Subnet:
    case IdType::kIpv6Range: want = 32; break;
    case IdType::kFqdn:
    case IdType::kUserFqdn:
    case IdType::kDerAsn1Dn:
    case IdType::kDerAsn1Gn:
    case IdType::kKeyId:
      if (id.data.empty()) return Error{std::string(id_type_name(id.type)) + " with no data"};
      return id;
    default: return Error{"ID type " + std::to_string(id.type) + " unknown"};
  }
  if (id.data.size() != want)
    return Error{std::string(id_type_name(id.type)) + " of " + std::to_string(id.data.size()) + " octets, not " +
                 std::to_string(want)};
  return id;
}

void write(const IdPayload& id, Writer& w) {
  w.u8(id.type);
  w.u8(id.protocol);
  w.be16(id.port);
  w.bytes(id.data);
}

Result<CertPayload> parse_cr(ByteView body) {
  Reader r(body);
  CertPayload c;
  if (!r.read_u8(c.encoding)) return Error{"certificate payload without its encoding octet"};
  ByteView d = r.rest();
  c.data.assign(d.begin(), d.end());
  return c;
}
Result<CertPayload> parse_cert(ByteView body) {
  auto c = parse_cr(body);
  if (c && c->data.empty()) return Error{"CERT payload without a certificate"};
  return c;
}
void write(const CertPayload& c, Writer& w) {
  w.u8(c.encoding);
  w.bytes(c.data);
}

Result<NotifyPayload> parse_notify(ByteView body) {
  Reader r(body);
  NotifyPayload n;
  uint8_t spi_size = 0;
  if (!r.read_be32(n.doi) || !r.read_u8(n.protocol) || !r.read_u8(spi_size) || !r.read_be16(n.type))
    return Error{"NOTIFY payload truncated"};
  // DOI 0 is allowed in notifications (RFC 2408 3.14: "ISAKMP" DOI).
  if (n.doi != kDoiIpsec && n.doi != 0) return Error{"NOTIFY DOI " + std::to_string(n.doi) + " not supported"};
  ByteView spi;
  if (!r.read_bytes(spi_size, spi)) return Error{"NOTIFY SPI runs past the payload"};
  n.spi.assign(spi.begin(), spi.end());
  ByteView d = r.rest();
  n.data.assign(d.begin(), d.end());
  if ((n.type == static_cast<uint16_t>(NotifyType::kRUThere) || n.type == static_cast<uint16_t>(NotifyType::kRUThereAck)) &&
      (n.spi.size() != 16 || n.data.size() != 4))
    return Error{"R-U-THERE without 16-octet SPI and 4-octet sequence"};
  return n;
}

void write(const NotifyPayload& n, Writer& w) {
  w.be32(n.doi);
  w.u8(n.protocol);
  w.u8(static_cast<uint8_t>(n.spi.size()));
  w.be16(n.type);
  w.bytes(n.spi);
  w.bytes(n.data);
}

NotifyPayload dpd_notify(bool ack, uint64_t cky_i, uint64_t cky_r, uint32_t seq) {
  NotifyPayload n;
  n.type = static_cast<uint16_t>(ack ? NotifyType::kRUThereAck : NotifyType::kRUThere);
  put_be64(n.spi, cky_i);
  put_be64(n.spi, cky_r);
  put_be32(n.data, seq);
  return n;
}

Result<DeletePayload> parse_delete(ByteView body) {
  Reader r(body);
  DeletePayload d;
  uint16_t count = 0;
  if (!r.read_be32(d.doi) || !r.read_u8(d.protocol) || !r.read_u8(d.spi_size) || !r.read_be16(count))
    return Error{"DELETE payload truncated"};
  if (d.doi != kDoiIpsec) return Error{"DELETE DOI " + std::to_string(d.doi) + " not supported"};
  if (d.spi_size == 0 || count == 0) return Error{"DELETE with no SPI"};
  if (r.remaining() != size_t{d.spi_size} * count)
    return Error{"DELETE of " + std::to_string(count) + " SPIs of " + std::to_string(d.spi_size) + " octets in " +
                 std::to_string(r.remaining())};
  for (unsigned i = 0; i < count; ++i) {
    ByteView s;
    (void)r.read_bytes(d.spi_size, s);
    d.spis.emplace_back(s.begin(), s.end());
  }
  return d;
}

void write(const DeletePayload& d, Writer& w) {
  w.be32(d.doi);
  w.u8(d.protocol);
  w.u8(d.spi_size);
  w.be16(static_cast<uint16_t>(d.spis.size()));
  for (const Bytes& s : d.spis) w.bytes(s);
}

Result<NatOaPayload> parse_nat_oa(ByteView body) {
  Reader r(body);
  NatOaPayload n;
  uint8_t r1 = 0;
  uint16_t r2 = 0;
  if (!r.read_u8(n.id_type) || !r.read_u8(r1) || !r.read_be16(r2)) return Error{"NAT-OA truncated"};
  if (r1 != 0 || r2 != 0) return Error{"NAT-OA reserved octets not zero"};
  size_t want = n.id_type == static_cast<uint8_t>(IdType::kIpv4) ? 4 : n.id_type == static_cast<uint8_t>(IdType::kIpv6) ? 16 : 0;
  if (want == 0) return Error{"NAT-OA ID type " + std::to_string(n.id_type)};
  if (r.remaining() != want) return Error{"NAT-OA address of " + std::to_string(r.remaining()) + " octets"};
  ByteView a = r.rest();
  n.address.assign(a.begin(), a.end());
  return n;
}

void write(const NatOaPayload& n, Writer& w) {
  w.u8(n.id_type);
  w.zeros(3);
  w.bytes(n.address);
}

ike::Status check_payload(uint8_t type, ByteView body) {
  auto status = [](const auto& r) -> ike::Status {
    if (!r) return Error{r.error()};
    return ike::ok_status();
  };
  switch (static_cast<PayloadType>(type)) {
    case PayloadType::kSa: return status(parse_sa(body));
    case PayloadType::kKe:
    case PayloadType::kHash:
    case PayloadType::kSig:
    case PayloadType::kNonce:
    case PayloadType::kVendor:
    case PayloadType::kNatD: return status(parse_opaque(static_cast<PayloadType>(type), body));
    case PayloadType::kId: return status(parse_id(body));
    case PayloadType::kCert: return status(parse_cert(body));
    case PayloadType::kCr: return status(parse_cr(body));
    case PayloadType::kNotify: return status(parse_notify(body));
    case PayloadType::kDelete: return status(parse_delete(body));
    case PayloadType::kNatOa: return status(parse_nat_oa(body));
    default: return ike::ok_status();
  }
}

}  // namespace keyway::ikev1
