// keyway check FILE...: load each configuration file as the daemon would,
// print every error and warning as file:line:col, then "FILE: ok" for each
// file that loads. Exit status: 0 all files load, 1 some file has errors,
// 2 bad usage or a file that cannot be read.
#include <cstdio>
#include <cstring>
#include <string>

#include "control/cli/commands.h"
#include "control/config/load.h"

namespace keyway::cli {
namespace {

constexpr const char* kCheckUsage =
    "usage: keyway check [--no-warnings] FILE...\n"
    "\n"
    "Parses and validates IOS-style configuration files. Prints each error\n"
    "and warning as FILE:LINE:COLUMN, then 'FILE: ok' for every file that\n"
    "loads. Exit status 0 when all files load, 1 when any has an error,\n"
    "2 for bad usage or an unreadable file.\n";

}  // namespace

int cmd_check(int argc, char** argv) {
  bool warnings = true;
  int first = 1;
  for (; first < argc && argv[first][0] == '-'; ++first) {
    if (!std::strcmp(argv[first], "--no-warnings")) {
      warnings = false;
    } else if (!std::strcmp(argv[first], "--help") || !std::strcmp(argv[first], "-h")) {
      std::fputs(kCheckUsage, stdout);
      return 0;
    } else if (!std::strcmp(argv[first], "--")) {
      ++first;
      break;
    } else {
      std::fprintf(stderr, "keyway check: unknown option '%s'\n\n%s", argv[first], kCheckUsage);
      return 2;
    }
  }
  if (first == argc) {
    std::fputs(kCheckUsage, stderr);
    return 2;
  }
  int status = 0;
  for (int i = first; i < argc; ++i) {
    config::LoadResult r = config::load_file(argv[i]);
    const config::Diagnostics& d = r.diagnostics;
    for (const config::Diagnostic& item : d.all()) {
      if (item.severity == config::Severity::kWarning && !warnings) continue;
      std::printf("%s\n", d.format(item).c_str());
    }
    if (r.ok()) {
      std::printf("%s: ok\n", argv[i]);
    } else if (d.all().size() == 1 && d.all().front().at.line == 0) {
      status = 2;  // unreadable, already reported
    } else {
      std::printf("%s: rejected (%zu error%s)\n", argv[i], d.errors(), d.errors() == 1 ? "" : "s");
      if (status == 0) status = 1;
    }
  }
  std::fflush(stdout);
  return status;
}

}  // namespace keyway::cli
