// CERTREQ payload bodies: what this router asks a peer for, and the
// structural check of what a peer asks for. The IKE code wraps the bodies
// in payload headers; nothing here knows about them.
//
// IKEv1, RFC 2408 3.10 (one payload per CA; RFC 4945 3.2.7.1):
//                      1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  ! Next Payload  !   RESERVED    !         Payload Length        !
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  !  Cert. Type   !                                               !
//  +-+-+-+-+-+-+-+-+                                               !
//  ~                    Certificate Authority                      ~
//  !          (DER of the CA's subject distinguished name)         !
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// IKEv2, RFC 7296 3.7 (one payload, one 20-byte SHA-1 per CA):
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  | Next Payload  |C|  RESERVED   |         Payload Length        |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  | Cert Encoding |                                               |
//  +-+-+-+-+-+-+-+-+                                               |
//  ~                    Certification Authority                    ~
//  |   (SHA-1 of each CA's SubjectPublicKeyInfo, concatenated)     |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Order: the trust-points are taken in the order given, which callers take
// from CertStore::trustpoints() (newest enrollment first). The peer's
// first-match rule makes this order decide which certificate it sends.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "pki/certificate.h"
#include "pki/log.h"
#include "pki/result.h"
#include "pki/trustpoint.h"

namespace keyway::pki {

// IKEv1 Certificate Type / IKEv2 Certificate Encoding 4: X.509
// Certificate - Signature.
constexpr uint8_t kX509Signature = 4;

struct CertReq {
  uint8_t type = kX509Signature;  // Cert. Type (IKEv1) or Cert Encoding (IKEv2)
  Bytes body;                     // the Certificate Authority field
};

// One CERTREQ per trust-point that has a CA certificate, in the order
// given; a CA shared by two trust-points is requested once. Logs
// "constructing CERT_REQ for issuer cn=CA1,o=cisco,o=com" for each.
std::vector<CertReq> build_certreq_ikev1(std::span<const Trustpoint> trustpoints,
                                         const LogSink& log = {});

// One CERTREQ whose body is the SHA-1 of every CA's SubjectPublicKeyInfo,
// in the order given, each CA once. Empty body when no trust-point has a
// CA (the caller then sends no CERTREQ). IOS logs nothing here.
CertReq build_certreq_ikev2(std::span<const Trustpoint> trustpoints);

// A received IKEv1 CERTREQ: the DN it names (DER; empty means "any CA").
// Fails for a type other than 4 and for a body that is not exactly one
// DER Name.
Result<Bytes> parse_certreq_ikev1(uint8_t type, std::span<const uint8_t> body);

// A received IKEv2 CERTREQ: the CA hashes, in order. Fails for an encoding
// other than 4 and for a body whose length is not a multiple of 20.
Result<std::vector<Sha1>> parse_certreq_ikev2(uint8_t encoding, std::span<const uint8_t> body);

}  // namespace keyway::pki
