#include "control/cli/flags.h"

#include <algorithm>

namespace keyway::cli {

bool Flags::parse(int argc, char** argv, int first, std::string& error) {
  bool flags_done = false;
  for (int i = first; i < argc; ++i) {
    std::string_view a = argv[i];
    if (flags_done || a.size() < 2 || a.substr(0, 2) != "--") {
      positional_.emplace_back(a);
      continue;
    }
    if (a == "--") {
      flags_done = true;
      continue;
    }
    if (std::find(switches_.begin(), switches_.end(), a) != switches_.end()) {
      given_.emplace_back(std::string(a), "");
    } else if (std::find(valued_.begin(), valued_.end(), a) != valued_.end()) {
      if (i + 1 >= argc) {
        error = "option '" + std::string(a) + "' needs a value";
        return false;
      }
      given_.emplace_back(std::string(a), argv[++i]);
    } else {
      error = "unknown option '" + std::string(a) + "'";
      return false;
    }
  }
  return true;
}

bool Flags::has(std::string_view name) const {
  return std::any_of(given_.begin(), given_.end(), [&](const auto& g) { return g.first == name; });
}

std::optional<std::string> Flags::get(std::string_view name) const {
  for (auto it = given_.rbegin(); it != given_.rend(); ++it)
    if (it->first == name) return it->second;
  return std::nullopt;
}

std::vector<std::string> Flags::all(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& g : given_)
    if (g.first == name) out.push_back(g.second);
  return out;
}

}  // namespace keyway::cli
