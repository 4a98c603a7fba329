// Diagnostics of the configuration loader: every error and warning found in
// one file, each with its line and column, printed the way compilers do:
//
//   r1.cfg:14:23: error: undefined trust-point; got 'IOSCA3', expected a
//   trust-point defined by 'crypto pki trustpoint'
//
// Messages follow one shape, "<what>; got '<token>', expected <...>", so a
// user always sees what was read and what would have been accepted. A
// Diagnostics object belongs to one load and is not shared between threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace keyway::config {

// A position in the configuration text. Lines and columns count from 1;
// columns count bytes (the loader accepts printable ASCII only, so a byte is
// a character; a tab counts as one column). {0, 0} means "not from the
// text", e.g. a default value.
struct Loc {
  uint32_t line = 0;
  uint32_t col = 0;
  friend bool operator==(const Loc&, const Loc&) = default;
};

enum class Severity : uint8_t { kWarning, kError };

struct Diagnostic {
  Severity severity = Severity::kError;
  Loc at;
  std::string message;
};

// Collects the diagnostics of one file. After kMaxErrors errors it records a
// last "too many errors" error and drops the rest: a binary file fed to the
// loader would otherwise print one error per line for megabytes.
class Diagnostics {
 public:
  static constexpr size_t kMaxErrors = 200;

  explicit Diagnostics(std::string file) : file_(std::move(file)) {}

  // "<what>; got '<got>', expected <expected>". `got` is shown quoted with
  // non-printable bytes escaped and long tokens shortened; pass
  // kEndOfLine when the line ended where an argument was needed.
  void error(Loc at, std::string_view what, std::string_view got, std::string_view expected);
  void warning(Loc at, std::string_view what, std::string_view got, std::string_view expected);
  // A message that does not fit the got/expected shape (e.g. "file too
  // large"); use sparingly.
  void add(Severity severity, Loc at, std::string message);

  const std::string& file() const { return file_; }
  const std::vector<Diagnostic>& all() const { return items_; }
  size_t errors() const { return errors_; }
  size_t warnings() const { return items_.size() - errors_; }

  // Orders by position, keeping the order of diagnostics at the same place;
  // parse and validation diagnostics are merged this way.
  void sort();

  // "file:line:col: error: message"; "file: error: message" for line 0.
  std::string format(const Diagnostic& d) const;
  // Every diagnostic so formatted, one per line.
  std::string format_all() const;

  static constexpr std::string_view kEndOfLine{"\n"};

 private:
  std::string file_;
  std::vector<Diagnostic> items_;
  size_t errors_ = 0;
  bool truncated_ = false;
};

// How a token is shown inside a message: quoted, at most 40 characters,
// bytes outside printable ASCII as \xNN. kEndOfLine becomes "end of line".
std::string quote_token(std::string_view token);

}  // namespace keyway::config
