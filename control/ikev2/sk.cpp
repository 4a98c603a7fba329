#include "control/ikev2/sk.h"

#include <algorithm>
#include <string>

#include "control/ike/cipher.h"
#include "control/ike/prf.h"

namespace keyway::ikev2 {
namespace {

using ike::cipher_info;
using ike::Error;
using ike::Result;

size_t icv_len(const SkKeys& k) {
  return cipher_info(k.encr).aead ? cipher_info(k.encr).icv_len : ike::hash_info(*k.integ).icv_len;
}

// Inner payloads, padding and the pad-length octet; the padding is the
// least that fills the cipher's block (none needed for GCM).
Bytes pad(ByteView plain, size_t block) {
  size_t pad_len = (block - (plain.size() + 1) % block) % block;
  Bytes out(plain.begin(), plain.end());
  out.insert(out.end(), pad_len, 0);
  out.push_back(static_cast<uint8_t>(pad_len));
  return out;
}

ike::Status check_keys(const SkKeys& k) {
  const ike::CipherInfo& c = cipher_info(k.encr);
  if (!c.supported) return Error{std::string(c.name) + " is not supported"};
  if (k.encr_key.size() != c.key_len + c.salt_len)
    return Error{std::string(c.name) + ": SK_e is " + std::to_string(k.encr_key.size()) + " bytes, expected " +
                 std::to_string(c.key_len + c.salt_len)};
  if (c.aead != !k.integ) return Error{std::string(c.name) + (c.aead ? " takes no" : " needs an") + " integrity key"};
  if (k.integ && k.integ_key.size() != ike::hash_info(*k.integ).integ_key_len)
    return Error{std::string(ike::hash_info(*k.integ).integ_name) + ": SK_a is " + std::to_string(k.integ_key.size()) +
                 " bytes"};
  return ike::ok_status();
}

// IV || ciphertext || ICV for a payload whose preceding bytes (IKE header
// through the payload's own header) are `head`.
Result<Bytes> seal_body(const SkKeys& k, ByteView head, ByteView plain) {
  const ike::CipherInfo& c = cipher_info(k.encr);
  auto iv = ike::random_bytes(c.iv_len);
  if (!iv) return Error{iv.error()};
  Bytes padded = pad(plain, c.block_len);
  if (c.aead) {
    ByteView key(k.encr_key.data(), c.key_len);
    ByteView salt(k.encr_key.data() + c.key_len, c.salt_len);
    auto sealed = ike::gcm_seal(k.encr, key, ike::concat({salt, *iv}), head, padded);
    if (!sealed) return Error{sealed.error()};
    return ike::concat({*iv, *sealed});
  }
  auto ct = ike::cbc_encrypt(k.encr, k.encr_key, *iv, padded);
  if (!ct) return Error{ct.error()};
  Bytes body = ike::concat({*iv, *ct});
  auto icv = ike::integrity_icv(*k.integ, k.integ_key, ike::concat({head, body}));
  if (!icv) return Error{icv.error()};
  body.insert(body.end(), icv->begin(), icv->end());
  return body;
}

Result<Bytes> open_gcm(const SkKeys& k, ByteView head, ByteView body) {
  const ike::CipherInfo& c = cipher_info(k.encr);
  ByteView key(k.encr_key.data(), c.key_len);
  ByteView salt(k.encr_key.data() + c.key_len, c.salt_len);
  return ike::gcm_open(k.encr, key, ike::concat({salt, body.first(c.iv_len)}), head, body.subspan(c.iv_len));
}

Result<Bytes> open_cbc(const SkKeys& k, ByteView head, ByteView body) {
  const ike::CipherInfo& c = cipher_info(k.encr);
  size_t icv = icv_len(k);
  // Integrity first: nothing unauthenticated reaches the decryption.
  if (!ike::integrity_ok(*k.integ, k.integ_key, ike::concat({head, body.first(body.size() - icv)}), body.last(icv)))
    return Error{"integrity check failed (" + std::string(ike::hash_info(*k.integ).integ_name) + ")"};
  ByteView ct = body.subspan(c.iv_len, body.size() - c.iv_len - icv);
  if (ct.size() % c.block_len != 0)
    return Error{"ciphertext of " + std::to_string(ct.size()) + " bytes is not whole " + std::string(c.name) +
                 " blocks"};
  return ike::cbc_decrypt(k.encr, k.encr_key, body.first(c.iv_len), ct);
}

// The inverse of seal_body: the inner payloads without padding.
Result<Bytes> open_body(const SkKeys& k, ByteView head, ByteView body) {
  if (auto s = check_keys(k); !s) return Error{s.error()};
  const ike::CipherInfo& c = cipher_info(k.encr);
  if (body.size() < c.iv_len + icv_len(k) + 1)
    return Error{"encrypted payload of " + std::to_string(body.size()) + " bytes is shorter than IV and ICV"};
  auto plain = c.aead ? open_gcm(k, head, body) : open_cbc(k, head, body);
  if (!plain) return Error{plain.error()};
  Bytes out = plain.take();
  if (out.empty()) return Error{"no pad-length octet"};
  size_t pad_len = out.back();
  if (pad_len + 1 > out.size())
    return Error{"pad length " + std::to_string(pad_len) + " exceeds the " + std::to_string(out.size()) +
                 " decrypted bytes"};
  out.resize(out.size() - pad_len - 1);
  return out;
}

Result<Bytes> serialize_inner(std::span<const Payload> inner) {
  for (const Payload& p : inner)
    if (p.type == PayloadType::kSk || p.type == PayloadType::kSkf)
      return Error{"an encrypted payload cannot be sealed inside another"};
  Writer w;
  if (auto s = write_payloads(inner, w); !s) return Error{s.error()};
  return w.take();
}

// Writes the header and an encrypted payload's generic header (plus the
// fragment fields) for a body of `body_len`, and returns those bytes.
Bytes head_bytes(const Header& h, PayloadType type, PayloadType next, size_t body_len, const FragmentPayload* f) {
  size_t fields = f ? 4 : 0;
  size_t payload_len = 4 + fields + body_len;
  Writer w;
  write_header(h, type, static_cast<uint32_t>(kHeaderLen + payload_len), w);
  w.u8(static_cast<uint8_t>(next));
  w.u8(0);
  w.be16(static_cast<uint16_t>(payload_len));
  if (f) {
    w.be16(f->number);
    w.be16(f->total);
  }
  return w.take();
}

size_t sealed_len(const SkKeys& k, size_t plain_len) {
  const ike::CipherInfo& c = cipher_info(k.encr);
  size_t padded = plain_len + 1;
  padded += (c.block_len - padded % c.block_len) % c.block_len;
  return c.iv_len + padded + icv_len(k);
}

}  // namespace

size_t sk_overhead(const SkKeys& keys, size_t plain_len) { return 4 + sealed_len(keys, plain_len) - plain_len; }

Result<Bytes> seal_message(const Header& h, std::span<const Payload> inner, const SkKeys& keys) {
  if (auto s = check_keys(keys); !s) return Error{s.error()};
  auto plain = serialize_inner(inner);
  if (!plain) return Error{plain.error()};
  size_t body_len = sealed_len(keys, plain->size());
  if (4 + body_len > 0xffff) return Error{"SK payload would exceed 65535 bytes; fragment the message"};
  PayloadType first = inner.empty() ? PayloadType::kNone : inner.front().type;
  Bytes head = head_bytes(h, PayloadType::kSk, first, body_len, nullptr);
  auto body = seal_body(keys, head, *plain);
  if (!body) return Error{body.error()};
  return ike::concat({head, *body});
}

Parsed<std::vector<Payload>> open_message(ByteView datagram, const Message& m, const SkKeys& keys) {
  const EncryptedPayload* sk = m.payloads.empty() ? nullptr : m.payloads.back().as<EncryptedPayload>();
  if (!sk) return Rejection{"message has no SK payload"};
  if (sk->body_offset + sk->body.size() != datagram.size() || sk->body_offset < kHeaderLen + 4)
    return Rejection{"SK payload does not belong to this datagram"};
  // Head and body both come from the datagram, the bytes that arrived.
  auto plain = open_body(keys, datagram.first(sk->body_offset), datagram.subspan(sk->body_offset));
  if (!plain) return Rejection{"SK payload: " + plain.error(), std::nullopt};
  return parse_payloads(sk->first_inner, *plain);
}

Result<std::vector<Bytes>> seal_fragments(const Header& h, std::span<const Payload> inner, const SkKeys& keys,
                                          size_t max_message) {
  if (auto s = check_keys(keys); !s) return Error{s.error()};
  auto plain = serialize_inner(inner);
  if (!plain) return Error{plain.error()};
  // The largest slice whose sealed fragment fits: overhead is the header,
  // the SKF header with its two fields, IV, worst-case padding and ICV.
  const ike::CipherInfo& c = cipher_info(keys.encr);
  size_t overhead = kHeaderLen + 8 + c.iv_len + c.block_len + icv_len(keys);
  if (max_message <= overhead) return Error{"fragment size " + std::to_string(max_message) + " leaves no room"};
  size_t chunk = max_message - overhead;
  size_t total = std::max<size_t>(1, (plain->size() + chunk - 1) / chunk);
  if (total > 0xffff) return Error{"message needs more than 65535 fragments"};
  std::vector<Bytes> out;
  for (size_t i = 0; i < total; ++i) {
    ByteView slice = ByteView(*plain).subspan(i * chunk, std::min(chunk, plain->size() - i * chunk));
    FragmentPayload f;
    f.number = static_cast<uint16_t>(i + 1);
    f.total = static_cast<uint16_t>(total);
    PayloadType next = i == 0 && !inner.empty() ? inner.front().type : PayloadType::kNone;
    Bytes head = head_bytes(h, PayloadType::kSkf, next, sealed_len(keys, slice.size()), &f);
    auto body = seal_body(keys, head, slice);
    if (!body) return Error{body.error()};
    out.push_back(ike::concat({head, *body}));
  }
  return out;
}

Result<Bytes> open_fragment(ByteView datagram, const FragmentPayload& f, const SkKeys& keys) {
  if (f.body_offset + f.body.size() != datagram.size() || f.body_offset < kHeaderLen + 8)
    return Error{"SKF payload does not belong to this datagram"};
  auto plain = open_body(keys, datagram.first(f.body_offset), datagram.subspan(f.body_offset));
  if (!plain)
    return Error{"SKF payload " + std::to_string(f.number) + "/" + std::to_string(f.total) + ": " + plain.error()};
  return plain;
}

}  // namespace keyway::ikev2
