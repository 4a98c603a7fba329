// `crypto pki certificate map` applied to a certificate: whether a peer's
// certificate matches a map named by an ISAKMP profile's `match
// certificate`. Pure functions of the configuration and the certificate;
// any thread.
#pragma once

#include <string>
#include <string_view>

#include "control/config/model.h"
#include "pki/certificate.h"

namespace keyway::policy {

// Whether `cert` matches certificate map `name` of `cfg`: one of its
// sequences (in sequence order) whose rules all match. The compared text
// is the subject or issuer as IOS prints it ("cn=R1,ou=IT,o=cisco,o=com"),
// case-insensitively and with blanks next to '=' and ',' ignored on both
// sides ("cn = R1" is "cn=R1"). No such map, or a sequence without rules:
// no match. `matched_sequence` (if given) receives the sequence that
// matched.
bool certificate_map_matches(const config::Config& cfg, std::string_view name, const pki::Certificate& cert,
                             uint32_t* matched_sequence = nullptr);

// One rule against the DN text `dn` (format_dn spelling).
bool certificate_map_rule_matches(const config::CertificateMapRule& rule, std::string_view dn);

}  // namespace keyway::policy
