// Reading the arguments of one command line. Each accessor consumes tokens
// and checks them (numbers in range, dotted-quad addresses, contiguous
// masks, keywords from a table); on the first problem it reports one error
// in the loader's uniform shape and every later accessor of the same line
// returns nullopt, so a handler reads all its arguments, then applies them
// only if ok(). One error per line: after the first, the rest of a line is
// usually noise.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "control/config/algorithms.h"
#include "control/config/diagnostics.h"
#include "control/config/ifname.h"
#include "control/config/lexer.h"
#include "control/config/model.h"

namespace keyway::config {

bool iequals(std::string_view a, std::string_view b);

class Args {
 public:
  // `first` is the index of the first argument token (after the command's
  // keywords).
  Args(const Line& line, size_t first, Diagnostics& diags)
      : line_(line), pos_(first), diags_(diags) {}

  bool ok() const { return !failed_; }
  bool done() const { return pos_ == line_.tokens.size(); }
  std::string_view peek() const { return done() ? std::string_view{} : line_.tokens[pos_].text; }
  Loc here() const;  // the next token, or just past the end of the line
  Loc last() const;  // the token consumed last
  // The first word of the command and where it is.
  std::string_view command_word() const { return line_.tokens[0].text; }
  Loc command_loc() const { return {line_.number, line_.tokens[0].col}; }
  size_t line_number() const { return line_.number; }

  // Consumes the next token if it is `keyword` (case-insensitive).
  bool accept(std::string_view keyword);

  // The next token, whatever it is; `expected` describes it for the
  // "missing argument" error.
  std::optional<std::string_view> word(std::string_view expected);
  std::optional<NameRef> name(std::string_view expected);
  std::optional<uint32_t> number(uint32_t lo, uint32_t hi, std::string_view what);
  std::optional<uint64_t> number64(uint64_t lo, uint64_t hi, std::string_view what);
  // A dotted-quad IPv4 address.
  std::optional<uint32_t> address(std::string_view expected);
  // A dotted-quad mask whose one bits are contiguous.
  std::optional<uint32_t> mask(std::string_view expected);
  std::optional<InterfaceName> interface_name();
  // The rest of the line as written (a description, a DN), trimmed.
  std::optional<std::string_view> rest(std::string_view expected);
  // One keyword out of `table`.
  template <class T>
  std::optional<T> choice(std::span<const Spelling<T>> table, std::string_view expected);
  // Index into `words` of the keyword that is next.
  std::optional<size_t> keyword(std::initializer_list<std::string_view> words);
  // An optional `[0] KEY` pre-shared key (types 6 and 7 are encrypted with
  // a router's master key and cannot be read here).
  std::optional<std::string> secret(std::string_view expected);

  // True if nothing is left; otherwise reports "unexpected argument".
  // Warnings raised while reading the line are only reported here, once the
  // line turned out well-formed: a broken line's warnings are noise.
  bool end();

  // Reports an error at the next token (or the end of the line).
  void fail(std::string_view what, std::string_view expected);
  // Reports an error at the token consumed last.
  void fail_last(std::string_view what, std::string_view expected);
  // A warning at the token consumed last, reported by end().
  void warn_last(std::string_view what, std::string_view expected);
  // Reports an error at an earlier token the handler remembered.
  void fail_at(Loc at, std::string_view got, std::string_view what, std::string_view expected);

 private:
  std::string_view last_text() const;

  const Line& line_;
  size_t pos_;
  Diagnostics& diags_;
  bool failed_ = false;
  std::vector<Diagnostic> pending_;  // warnings, reported by end()
};

template <class T>
std::optional<T> Args::choice(std::span<const Spelling<T>> table, std::string_view expected) {
  if (failed_) return std::nullopt;
  if (done()) {
    fail("missing argument", expected);
    return std::nullopt;
  }
  for (const auto& s : table) {
    if (iequals(s.word, peek())) {
      ++pos_;
      return s.value;
    }
  }
  fail("invalid argument", expected);
  return std::nullopt;
}

// Parses a dotted quad without reporting ("192.168.0.1" -> host order).
std::optional<uint32_t> parse_dotted_quad(std::string_view text);

}  // namespace keyway::config
