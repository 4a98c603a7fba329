#include <cstdio>

#include "control/cli/commands.h"

namespace keyway::cli {

int cmd_esp(int, char**) {
  std::fputs("keyway esp: not built yet\n", stderr);
  return 2;
}

}  // namespace keyway::cli
