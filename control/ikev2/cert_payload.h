// The Certificate and Certificate Request payloads (RFC 7296 3.6, 3.7):
// an encoding octet and its data. Same shape, one struct.
//
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  | Cert Encoding |                                               |
//  +-+-+-+-+-+-+-+-+                                               |
//  ~          Certificate Data / Certification Authority           ~
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Structure only: the X.509 inside a CERT and the SHA-1 list inside a
// CERTREQ are read by the PKI layer (pki::Certificate::from_der,
// pki::parse_certreq_ikev2), where their errors are worded.
#pragma once

#include "control/ikev2/constants.h"
#include "control/ikev2/wire.h"

namespace keyway::ikev2 {

struct CertPayload {
  uint8_t encoding = kCertX509Signature;
  Bytes data;
};

// `request`: a CERTREQ rather than a CERT. A CERT must carry
// data; an empty CERTREQ authority list is legal (it asks for any CA).
ike::Result<CertPayload> parse_cert(ByteView body, bool request);
void write(const CertPayload& c, Writer& w);

}  // namespace keyway::ikev2
