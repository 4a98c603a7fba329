#include "control/ikev2/cert_payload.h"

namespace keyway::ikev2 {

ike::Result<CertPayload> parse_cert(ByteView body, bool request) {
  const char* what = request ? "CERTREQ payload" : "CERT payload";
  Reader r(body);
  CertPayload c;
  if (!r.read_u8(c.encoding)) return ike::Error{std::string(what) + ": no encoding octet"};
  if (!request && r.empty()) return ike::Error{std::string(what) + ": no certificate data"};
  ByteView data = r.rest();
  c.data.assign(data.begin(), data.end());
  return c;
}

void write(const CertPayload& c, Writer& w) {
  w.u8(c.encoding);
  w.bytes(c.data);
}

}  // namespace keyway::ikev2
