// keyway show ...: IOS `show` commands over keyway's state. So far
// `show crypto pki certificates`, from the certificate store.
#include <cstdio>
#include <string>

#include "control/cli/commands.h"
#include "control/cli/flags.h"
#include "control/cli/pki_util.h"
#include "pki/show.h"

namespace keyway::cli {
namespace {

constexpr const char* kShowUsage =
    "usage: keyway show crypto pki certificates [--store DIR]\n"
    "\n"
    "Prints the certificate store in the IOS layout, newest enrollment first.\n"
    "The store is --store DIR, else $KEYWAY_PKI_STORE, else /var/lib/keyway/pki.\n";

}  // namespace

int cmd_show(int argc, char** argv) {
  Flags f({"--store"}, {"--help"});
  std::string err;
  if (!f.parse(argc, argv, 1, err)) {
    std::fprintf(stderr, "keyway show: %s\n\n%s", err.c_str(), kShowUsage);
    return 2;
  }
  if (f.has("--help")) {
    std::fputs(kShowUsage, stdout);
    return 0;
  }
  const std::vector<std::string>& words = f.positional();
  if (words != std::vector<std::string>{"crypto", "pki", "certificates"}) {
    std::string what;
    for (const std::string& w : words) what += (what.empty() ? "" : " ") + w;
    std::fprintf(stderr, "keyway show: unknown command '%s'\n\n%s", what.c_str(), kShowUsage);
    return 2;
  }
  auto store = open_pki_store(f, "keyway show");
  if (!store) return 2;
  std::fputs(pki::show_certificates(*store).c_str(), stdout);
  return 0;
}

}  // namespace keyway::cli
