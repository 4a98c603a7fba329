// Shared helpers of the configuration tests.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "control/config/diagnostics.h"
#include "control/config/load.h"
#include "control/config/parser.h"

namespace keyway::config::test {

// Formatted diagnostics of one severity ("t.cfg:1:2: error: ...").
inline std::vector<std::string> messages(const Diagnostics& d, Severity s) {
  std::vector<std::string> out;
  for (const Diagnostic& item : d.all())
    if (item.severity == s) out.push_back(d.format(item));
  return out;
}

inline std::vector<std::string> errors(const Diagnostics& d) {
  return messages(d, Severity::kError);
}
inline std::vector<std::string> warnings(const Diagnostics& d) {
  return messages(d, Severity::kWarning);
}

// Parse only (no validation), as for a block of the seed on its own.
struct Parsed {
  Config config;
  Diagnostics diagnostics{"t.cfg"};
};
inline Parsed parse_only(std::string_view text, std::string name = "t.cfg") {
  Parsed p;
  p.diagnostics = Diagnostics(std::move(name));
  parse(text, p.config, p.diagnostics);
  return p;
}

inline std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  for (size_t pos = 0; (pos = text.find(from, pos)) != std::string::npos; pos += to.size())
    text.replace(pos, from.size(), to);
  return text;
}

}  // namespace keyway::config::test
