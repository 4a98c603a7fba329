// The parser: tokenised lines -> a Config, driven by the mode stack and the
// command table. It checks syntax and the values of arguments; relations
// between objects (references, overlaps) are validation's job (validate.h),
// so that a block of the seed can be parsed on its own.
#pragma once

#include <string_view>

#include "control/config/diagnostics.h"
#include "control/config/model.h"

namespace keyway::config {

// Parses `text` into `config`, reporting every problem to `diags`. The
// resulting Config may be incomplete when errors were reported; it is never
// published in that case.
void parse(std::string_view text, Config& config, Diagnostics& diags);

}  // namespace keyway::config
