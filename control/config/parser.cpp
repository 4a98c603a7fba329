#include "control/config/parser.h"

#include <algorithm>
#include <span>

#include "control/config/command_table.h"
#include "control/config/lexer.h"
#include "control/config/session.h"

namespace keyway::config {
namespace {

std::string join_keywords(const std::vector<std::string_view>& words) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i) out += i + 1 == words.size() ? " or " : ", ";
    out += "'" + std::string(words[i]) + "'";
  }
  return out;
}

// `exit` leaves one mode, `end` all of them. Both are no-ops in global
// mode, where `end` closes a configuration printed by `show running-config`.
bool mode_keyword(Session& s, const Line& line, Diagnostics& diags) {
  std::string_view w = line.tokens[0].text;
  bool is_exit = iequals(w, "exit");
  if (!is_exit && !iequals(w, "end")) return false;
  if (line.tokens.size() > 1) {
    const Token& t = line.tokens[1];
    diags.error({line.number, t.col}, "unexpected argument", t.text, "end of line");
    return true;
  }
  s.pop_to(is_exit && s.depth() > 1 ? s.depth() - 1 : 1);
  return true;
}

void report_unknown(const Session& s, const Line& line, Diagnostics& diags) {
  // The mode whose commands got furthest explains the error best, as the
  // IOS '^' marker does; on a tie the innermost mode wins.
  CommandMatch best;
  Mode best_mode = s.mode();
  for (size_t level = s.depth(); level > 0; --level) {
    Mode m = s.mode_at(level - 1);
    CommandMatch cm = match_command(m, line.tokens);
    if (cm.words_matched > best.words_matched) {
      best = std::move(cm);
      best_mode = m;
    }
  }
  size_t k = best.words_matched;
  if (k == 0) {
    std::string expected = "a command of " + std::string(mode_name(s.mode())) + " mode";
    if (s.depth() > 1) expected += " or of an enclosing mode";
    diags.error({line.number, line.tokens[0].col}, "unknown command", line.tokens[0].text,
                expected);
    return;
  }
  std::string expected = join_keywords(best.next_words);
  if (best_mode != s.mode())
    expected += " (" + std::string(mode_name(best_mode)) + " mode)";
  if (k < line.tokens.size()) {
    diags.error({line.number, line.tokens[k].col}, "unknown command", line.tokens[k].text,
                expected);
  } else {
    const Token& t = line.tokens.back();
    diags.error({line.number, t.col + static_cast<uint32_t>(t.text.size())},
                "incomplete command", Diagnostics::kEndOfLine, expected);
  }
}

void run_line(Session& s, const Line& line, Diagnostics& diags) {
  if (mode_keyword(s, line, diags)) return;
  for (size_t level = s.depth(); level > 0; --level) {
    CommandMatch cm = match_command(s.mode_at(level - 1), line.tokens);
    if (!cm.command) continue;
    s.pop_to(level);
    Args args(line, cm.command->word_count(), diags);
    cm.command->run(s, args);
    return;
  }
  // IOS keeps the current mode after an invalid line; so does keyway, which
  // keeps the following sub-mode lines meaningful.
  report_unknown(s, line, diags);
}

}  // namespace

void parse(std::string_view text, Config& config, Diagnostics& diags) {
  std::vector<Line> lines = tokenise(text, diags);
  Session session(config, diags);
  for (const Line& line : lines) run_line(session, line, diags);
  std::stable_sort(config.isakmp_policies.begin(), config.isakmp_policies.end(),
                   [](const IsakmpPolicy& a, const IsakmpPolicy& b) {
                     return a.priority < b.priority;
                   });
}

}  // namespace keyway::config
