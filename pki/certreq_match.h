// The first-match rule: which of this router's certificates answers a
// peer's CERTREQs. IOS walks the received requests in the order they
// arrived and takes the first one it can satisfy; later requests are
// read (and logged) but change nothing. This is why the peer's store order
// decides the outcome in the seed: R1's MM4 asks for CA2 first, so R2
// signs with IOSCA2 even though it could have used IOSCA1.
//
// `local` is this router's trust-points in store order
// (CertStore::trustpoints()). `profile` is the list the IKE profile
// restricts signing to (`ca trust-point`, `pki trustpoint ... sign`), or
// nullptr when any trust-point may be used (an IKEv1 responder before MM5,
// a profile without the command). An empty list allows nothing: the
// seed's IKEv2 initiator without `pki trustpoint` ("Failed to build
// certificate payload").
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "pki/certificate.h"
#include "pki/log.h"
#include "pki/trustpoint.h"

namespace keyway::pki {

struct Selection {
  std::optional<Trustpoint> trustpoint;  // the chosen one; unset when none fits
  // What to send: [0] this router's certificate, then any CA certificates
  // below a root (a root is never sent).
  std::vector<Certificate> chain;
  size_t request = 0;  // index of the received CERTREQ entry that matched
  std::string reason;  // why none fits, when !trustpoint
  bool ok() const { return trustpoint.has_value(); }
};

// IKEv1: `requests` are the received CERTREQ bodies in order (DER DNs as
// parse_certreq_ikev1 returns them; empty = any CA). With no requests at
// all, the first trust-point allowed that can sign is used. Logs, per
// request, "peer wants a CT_X509_SIGNATURE cert" and "peer wants cert
// issued by <dn>"; with a profile, "Examining profile list for trustpoint
// X" and "Found matching profile for X"; then "Choosing trustpoint X as
// issuer".
Selection choose_ikev1(std::span<const Bytes> requests, std::span<const Trustpoint> local,
                       const std::vector<std::string>* profile, const LogSink& log = {});

// IKEv2: `hashes` are the received CA hashes in order (all CERTREQ
// payloads concatenated). Logs the "[IKEv2 -> PKI] Retrieving trustpoint(s)
// from received certificate hash(es)" exchange the seed shows.
Selection choose_ikev2(std::span<const Sha1> hashes, std::span<const Trustpoint> local,
                       const std::vector<std::string>* profile, const LogSink& log = {});

}  // namespace keyway::pki
