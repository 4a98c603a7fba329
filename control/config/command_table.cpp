#include "control/config/command_table.h"

#include <algorithm>

namespace keyway::config {
namespace {

// All commands grouped by mode, built once from the per-area tables.
const std::vector<const Command*>& commands_of(Mode m) {
  static const auto table = [] {
    std::array<std::vector<const Command*>, kNumModes> by_mode;
    for (auto area : {global_commands(), isakmp_commands(), ipsec_commands(), pki_commands(),
                      ikev2_commands(), interface_commands(), dataplane_commands()})
      for (const Command& c : area) by_mode[static_cast<size_t>(c.mode)].push_back(&c);
    return by_mode;
  }();
  return table[static_cast<size_t>(m)];
}

}  // namespace

CommandMatch match_command(Mode m, std::span<const Token> tokens) {
  CommandMatch best;
  size_t best_full = 0;
  for (const Command* c : commands_of(m)) {
    size_t n = c->word_count();
    size_t k = 0;
    while (k < n && k < tokens.size() && iequals(c->words[k], tokens[k].text)) ++k;
    if (k == n && n > best_full) {
      best.command = c;
      best_full = n;
    }
    if (k < n && k >= best.words_matched) {
      if (k > best.words_matched) best.next_words.clear();
      best.words_matched = k;
      if (std::find(best.next_words.begin(), best.next_words.end(), c->words[k]) ==
          best.next_words.end())
        best.next_words.push_back(c->words[k]);
    }
  }
  if (best.command) best.words_matched = std::max(best.words_matched, best_full);
  std::sort(best.next_words.begin(), best.next_words.end());
  return best;
}

}  // namespace keyway::config
