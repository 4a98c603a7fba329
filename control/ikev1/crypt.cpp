#include "control/ikev1/crypt.h"

#include "control/ike/cipher.h"

namespace keyway::ikev1 {
namespace {

Result<IvChain> cut(Result<Bytes> h, IkeCipher c) {
  if (!h) return ike::Error{h.error()};
  size_t block = ike::cipher_info(c).block_len;
  if (h->size() < block) return ike::Error{"hash shorter than the cipher block"};
  h->resize(block);
  return IvChain{h.take()};
}

}  // namespace

Result<IvChain> phase1_iv(IkeHash h, IkeCipher c, ByteView gxi, ByteView gxr) {
  return cut(digest(h, ike::concat({gxi, gxr})), c);
}

Result<IvChain> phase2_iv(IkeHash h, IkeCipher c, ByteView last_phase1_iv, uint32_t message_id) {
  uint8_t mid[4] = {static_cast<uint8_t>(message_id >> 24), static_cast<uint8_t>(message_id >> 16),
                    static_cast<uint8_t>(message_id >> 8), static_cast<uint8_t>(message_id)};
  return cut(digest(h, ike::concat({last_phase1_iv, ByteView(mid, 4)})), c);
}

Result<Bytes> seal(const Message& m, IkeCipher c, ByteView key, IvChain& iv) {
  const auto& ci = ike::cipher_info(c);
  if (ci.aead || !ci.supported) return ike::Error{std::string(ci.name) + " is not a phase-1 cipher"};
  if (m.payloads.empty()) return ike::Error{"nothing to encrypt"};
  Bytes plain = serialize_payloads(m.payloads);
  size_t pad = (ci.block_len - plain.size() % ci.block_len) % ci.block_len;
  plain.insert(plain.end(), pad, 0);
  if (pad > 0) plain.back() = static_cast<uint8_t>(pad);
  auto ct = ike::cbc_encrypt(c, key, iv.iv, plain);
  if (!ct) return ike::Error{ct.error()};
  Message out;
  out.header = m.header;
  out.header.flags |= kFlagEncryption;
  out.header.next = m.payloads.front().type;
  out.encrypted = *ct;
  iv.iv.assign(ct->end() - static_cast<ptrdiff_t>(ci.block_len), ct->end());
  return serialize(out);
}

Parsed<Message> open(const Message& m, IkeCipher c, ByteView key, IvChain& iv) {
  const auto& ci = ike::cipher_info(c);
  if (ci.aead || !ci.supported) return Rejection{std::string(ci.name) + " is not a phase-1 cipher", std::nullopt};
  if (!m.header.encrypted()) return Rejection{"message is not encrypted", std::nullopt};
  if (m.encrypted.empty() || m.encrypted.size() % ci.block_len != 0)
    return Rejection{"ciphertext of " + std::to_string(m.encrypted.size()) + " octets is not whole " +
                         std::to_string(ci.block_len) + "-octet blocks",
                     std::nullopt};
  auto plain = ike::cbc_decrypt(c, key, iv.iv, m.encrypted);
  if (!plain) return Rejection{plain.error(), std::nullopt};
  // A wrong key decrypts to garbage: the chain check rejects it, and no
  // notification goes back (the peer would learn nothing useful).
  auto chain = parse_payloads(m.header.next, *plain, /*padding_allowed=*/true);
  if (!chain) return Rejection{"after decryption: " + chain.error(), std::nullopt};
  Message out;
  out.header = m.header;
  out.payloads = chain.take();
  iv.iv.assign(m.encrypted.end() - static_cast<ptrdiff_t>(ci.block_len), m.encrypted.end());
  return out;
}

}  // namespace keyway::ikev1
