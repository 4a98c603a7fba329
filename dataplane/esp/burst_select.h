// Chooses the burst function for an SA at install time.
#pragma once

#include "dataplane/esp/sa.h"

namespace keyway::dp {

EspBurstFn select_burst(Transform t, Direction dir, bool udp_encap, bool esn);
// Outbound, no encapsulation, no ESN, the IV in SaKeys::test_iv.
EspBurstFn select_fixed_iv_burst_for_test(Transform t);

}  // namespace keyway::dp
