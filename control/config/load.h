// Loading a configuration: tokenise, parse, validate, publish. This is the
// entry point for everything outside control/config.
//
// A configuration is a transaction: the text is checked completely and every
// problem is reported; a file with any error yields no Config at all (IOS
// would apply the good lines of a pasted configuration one by one; keyway
// deliberately does not, so a daemon never runs half a configuration).
// Warnings do not prevent loading.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "control/config/diagnostics.h"
#include "control/config/model.h"

namespace keyway::config {

struct LoadResult {
  std::shared_ptr<const Config> config;  // nullptr when any error was found
  Diagnostics diagnostics;               // every error and warning, in file order
  bool ok() const { return config != nullptr; }
};

// `file_name` is only used in messages and Config::source.
LoadResult load_text(std::string_view file_name, std::string_view text);
// Reads `path` (at most kMaxFileSize bytes) and loads it; a file that cannot
// be read is one error at line 0.
LoadResult load_file(const std::string& path);

}  // namespace keyway::config
