// Semantic validation: the checks that need the whole file, run after
// parsing. Errors: references to objects that are not defined (in any order
// in the file: keyway does not require definition before use), conflicting
// definitions (overlapping interface subnets, two tunnels over the same
// source and destination, two bindings of one interface or one device, a
// port bound to anything but an Ethernet interface, two inbound manual SAs
// with one SPI). Warnings: what IOS accepts but what will not work or is
// discouraged (incomplete profiles, an IKEv2 initiator without a trust-point
// to sign with, overlapping `match identity`, deprecated default algorithms,
// tunnels keyed by manual SAs).
#pragma once

#include "control/config/diagnostics.h"
#include "control/config/model.h"

namespace keyway::config {

void validate(const Config& config, Diagnostics& diags);

}  // namespace keyway::config
