// The configuration's trust-points as the PKI layer takes them. pki/ does
// not read the configuration model; this is the one place that converts.
#pragma once

#include <vector>

#include "control/config/model.h"
#include "pki/trustpoint.h"

namespace keyway::policy {

// What `crypto pki trustpoint NAME` says, as a pki::TrustpointPolicy:
// - fqdn: the `fqdn` value, else the router's hostname.domain (IOS puts
//   the router's FQDN in every enrollment unless told otherwise);
// - ip-address: an address as written; an interface name is resolved to
//   that interface's address (empty if it has none);
// - enrollment and revocation-check methods one for one.
pki::TrustpointPolicy trustpoint_policy(const config::Trustpoint& tp, const config::Config& cfg);

// Every trust-point of the configuration, in configuration order.
std::vector<pki::TrustpointPolicy> trustpoint_policies(const config::Config& cfg);

}  // namespace keyway::policy
