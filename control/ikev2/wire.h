// The bounded Reader/Writer moved to control/ike/wire.h (shared with
// IKEv1); these names keep the IKEv2 payload code unchanged.
#pragma once

#include "control/ike/wire.h"

namespace keyway::ikev2 {

using ike::Bytes;
using ike::ByteView;
using ike::Reader;
using ike::Writer;

}  // namespace keyway::ikev2
