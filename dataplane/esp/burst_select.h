// Chooses the burst function for an SA at install time.
#pragma once

#include "dataplane/esp/sa.h"

namespace keyway::dp {

EspBurstFn select_burst(Transform t, Direction dir, bool udp_encap, bool esn);

}  // namespace keyway::dp
