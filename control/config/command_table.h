// The command table: which commands exist in which mode, as keyword paths
// ("crypto" "isakmp" "policy") with a handler each. The parser matches a
// line's leading words against the table of the current mode, then of each
// enclosing mode (IOS runs a global command typed in a sub-mode and leaves
// the sub-mode); the handler reads the remaining words as arguments.
//
// Keywords match whole words in any case ("CRYPTO ISAKMP POLICY 10"), not
// abbreviations: keyway reads configurations as routers print them.
// Each cmd_*.cpp file contributes the commands of its area.
#pragma once

#include <array>
#include <span>
#include <string_view>
#include <vector>

#include "control/config/args.h"
#include "control/config/session.h"

namespace keyway::config {

using Handler = void (*)(Session&, Args&);

struct Command {
  Mode mode;
  std::array<std::string_view, 4> words;  // unused entries empty
  Handler run;

  size_t word_count() const {
    size_t n = 0;
    while (n < words.size() && !words[n].empty()) ++n;
    return n;
  }
};

// Per-area tables (cmd_*.cpp).
std::span<const Command> global_commands();
std::span<const Command> isakmp_commands();
std::span<const Command> ipsec_commands();
std::span<const Command> pki_commands();
std::span<const Command> ikev2_commands();
std::span<const Command> interface_commands();
std::span<const Command> dataplane_commands();

// What the table says about one line in one mode.
struct CommandMatch {
  const Command* command = nullptr;  // a full match, the longest one
  size_t words_matched = 0;          // how far the best partial match got
  std::vector<std::string_view> next_words;  // keywords that could follow there
};

// Matches `tokens` against the commands of mode `m`.
CommandMatch match_command(Mode m, std::span<const Token> tokens);

}  // namespace keyway::config
