// libFuzzer target for the configuration loader (tokeniser, parser,
// validation). Built with -Dfuzz=true and clang; the `fuzz` test suite runs
// it for a bounded number of inputs seeded with configs/.
//
// Besides not crashing (ASan/UBSan catch memory errors), the loader must
// keep its contract on any input: a Config exactly when there is no error,
// every diagnostic placed on a line of the input (or at line 0 for
// whole-file problems), and errors never exceeding the limit plus one.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "control/config/load.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  keyway::config::LoadResult r = keyway::config::load_text("fuzz.cfg", text);
  const auto& d = r.diagnostics;
  if (r.ok() != (d.errors() == 0)) __builtin_trap();
  if (d.errors() > keyway::config::Diagnostics::kMaxErrors + 1) __builtin_trap();
  size_t lines = 1;
  for (char c : text) lines += c == '\n';
  for (const auto& item : d.all())
    if (item.at.line > lines) __builtin_trap();
  return 0;
}
