#include "control/ikev2/encrypted_payload.h"

#include <string>

namespace keyway::ikev2 {

ike::Result<EncryptedPayload> parse_sk(PayloadType next, ByteView body, size_t offset) {
  // An IV and at least the pad-length octet; the exact minimum depends on
  // the cipher, which sk.h checks.
  if (body.size() < 2) return ike::Error{"SK payload: " + std::to_string(body.size()) + " bytes of encrypted data"};
  return EncryptedPayload{next, Bytes(body.begin(), body.end()), offset};
}

ike::Result<FragmentPayload> parse_skf(PayloadType next, ByteView body, size_t offset) {
  Reader r(body);
  FragmentPayload f;
  if (!r.read_be16(f.number) || !r.read_be16(f.total)) return ike::Error{"SKF payload: shorter than its header"};
  std::string what = "SKF payload: fragment " + std::to_string(f.number) + " of " + std::to_string(f.total);
  if (f.number == 0 || f.total == 0 || f.number > f.total) return ike::Error{what + " is not a valid position"};
  if (f.number != 1 && next != PayloadType::kNone)
    return ike::Error{what + " names a first inner payload; only fragment 1 may"};
  if (f.number == 1 && next == PayloadType::kNone) return ike::Error{what + " names no first inner payload"};
  if (r.remaining() < 2) return ike::Error{what + " carries " + std::to_string(r.remaining()) + " bytes"};
  f.first_inner = next;
  ByteView rest = r.rest();
  f.body.assign(rest.begin(), rest.end());
  f.body_offset = offset + 4;
  return f;
}

void write(const EncryptedPayload& sk, Writer& w) { w.bytes(sk.body); }

void write(const FragmentPayload& skf, Writer& w) {
  w.be16(skf.number);
  w.be16(skf.total);
  w.bytes(skf.body);
}

}  // namespace keyway::ikev2
