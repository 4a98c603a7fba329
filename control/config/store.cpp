#include "control/config/store.h"

namespace keyway::config {

LoadResult ConfigStore::reload(const std::string& path) { return install(load_file(path)); }

LoadResult ConfigStore::reload_text(std::string_view file_name, std::string_view text) {
  return install(load_text(file_name, text));
}

LoadResult ConfigStore::install(LoadResult r) {
  if (r.ok()) {
    current_ = r.config;
    ++generation_;
  }
  return r;
}

}  // namespace keyway::config
