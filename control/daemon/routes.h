// The routing table of a plan (plan.h): the local and connected routes of
// the interfaces the plan forwards, and the configuration's static routes,
// each resolved to an egress (recursively for next-hop-only routes), one
// route per prefix. Internal to make_plan().
#pragma once

#include <vector>

#include "control/config/diagnostics.h"
#include "control/config/model.h"
#include "control/daemon/plan.h"

namespace keyway::daemon {

// `plan` holds the ports, tunnels and loopbacks already; the static routes
// come from `config`. Static routes left out are reported as warnings.
std::vector<RoutePlan> plan_routes(const config::Config& config, const Plan& plan,
                                   config::Diagnostics& diags);

}  // namespace keyway::daemon
