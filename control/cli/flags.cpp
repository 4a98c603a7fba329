#include "control/cli/flags.h"

#include <algorithm>
#include <cstdlib>

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
      before_dashdash_ = positional_.size();
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
  if (!flags_done) before_dashdash_ = positional_.size();
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

std::vector<std::string_view> split_list(std::string_view s) {
  // Empty items are kept ("64,", ",64" and "" hold one), so the parsers
  // refuse them rather than quietly running something else.
  std::vector<std::string_view> out;
  for (;;) {
    size_t c = s.find(',');
    out.push_back(s.substr(0, c));
    if (c == std::string_view::npos) return out;
    s.remove_prefix(c + 1);
  }
}

bool parse_count(const char* s, unsigned long lo, unsigned long hi, unsigned long* out) {
  char* end = nullptr;
  unsigned long v = std::strtoul(s, &end, 10);
  if (!*s || *end || v < lo || v > hi) return false;
  *out = v;
  return true;
}

std::string parse_transforms(std::string_view list, std::vector<dp::Transform>* out) {
  for (auto name : split_list(list)) {
    auto t = dp::transform_from_name(name);
    if (!t) return "unknown transform '" + std::string(name) + "'";
    out->push_back(*t);
  }
  return {};
}

std::string parse_directions(std::string_view list, std::vector<dp::Direction>* out) {
  for (auto d : split_list(list)) {
    if (d == "outbound") out->push_back(dp::Direction::kOutbound);
    else if (d == "inbound") out->push_back(dp::Direction::kInbound);
    else return "unknown direction '" + std::string(d) + "' (outbound, inbound)";
  }
  return {};
}

std::string parse_sizes(std::string_view list, uint32_t min_size, uint32_t imix_value, std::vector<uint32_t>* out) {
  for (auto s : split_list(list)) {
    if (s == "imix") {
      out->push_back(imix_value);
      continue;
    }
    std::string str(s);
    unsigned long n = 0;
    if (!parse_count(str.c_str(), min_size, 1500, &n))
      return "size '" + str + "' must be " + std::to_string(min_size) + "..1500 or imix";
    out->push_back(static_cast<uint32_t>(n));
  }
  return {};
}

}  // namespace keyway::cli
