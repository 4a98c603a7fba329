// ConfigStore: the current configuration snapshot and its replacement.
//
// Owned by the control thread, which is the only caller of reload();
// current() hands out a shared_ptr, so whoever holds a snapshot keeps it
// alive across reloads and never sees it change. A reload that finds any
// error leaves the current snapshot in place (the first load leaves none).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "control/config/load.h"

namespace keyway::config {

class ConfigStore {
 public:
  std::shared_ptr<const Config> current() const { return current_; }
  // Counts successful loads; 0 until the first one.
  uint64_t generation() const { return generation_; }

  // Loads and validates; installs the result only if it has no error.
  // Returns the load result (diagnostics, and the new snapshot if taken).
  LoadResult reload(const std::string& path);
  LoadResult reload_text(std::string_view file_name, std::string_view text);

 private:
  LoadResult install(LoadResult r);

  std::shared_ptr<const Config> current_;
  uint64_t generation_ = 0;
};

}  // namespace keyway::config
