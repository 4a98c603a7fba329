#include <cstdio>

#include "control/cli/commands.h"

namespace keyway::cli {

int cmd_bench(int, char**) {
  std::fputs("keyway bench: not built yet\n", stderr);
  return 2;
}

}  // namespace keyway::cli
