#include "control/config/diagnostics.h"

#include <algorithm>
#include <cstdio>

namespace keyway::config {
namespace {

constexpr size_t kMaxShown = 40;

std::string compose(std::string_view what, std::string_view got, std::string_view expected) {
  std::string m(what);
  m += "; got ";
  m += quote_token(got);
  m += ", expected ";
  m += expected;
  return m;
}

}  // namespace

std::string quote_token(std::string_view token) {
  if (token == Diagnostics::kEndOfLine) return "end of line";
  std::string out = "'";
  size_t shown = 0;
  for (char c : token) {
    if (shown == kMaxShown) {
      out += "...";
      break;
    }
    auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f) {
      out.push_back(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", byte);
      out += buf;
    }
    ++shown;
  }
  out += "'";
  return out;
}

void Diagnostics::error(Loc at, std::string_view what, std::string_view got,
                        std::string_view expected) {
  add(Severity::kError, at, compose(what, got, expected));
}

void Diagnostics::warning(Loc at, std::string_view what, std::string_view got,
                          std::string_view expected) {
  add(Severity::kWarning, at, compose(what, got, expected));
}

void Diagnostics::add(Severity severity, Loc at, std::string message) {
  if (truncated_) return;
  if (severity == Severity::kError) {
    if (errors_ == kMaxErrors) {
      truncated_ = true;
      ++errors_;
      items_.push_back({Severity::kError, at,
                        "too many errors (more than " + std::to_string(kMaxErrors) +
                            "); the rest of the file was not checked"});
      return;
    }
    ++errors_;
  }
  items_.push_back({severity, at, std::move(message)});
}

void Diagnostics::sort() {
  // The "too many errors" entry stays last whatever its position: it speaks
  // about everything after it.
  auto end = truncated_ ? items_.end() - 1 : items_.end();
  std::stable_sort(items_.begin(), end, [](const Diagnostic& a, const Diagnostic& b) {
    return a.at.line != b.at.line ? a.at.line < b.at.line : a.at.col < b.at.col;
  });
}

std::string Diagnostics::format(const Diagnostic& d) const {
  std::string out = file_;
  if (d.at.line != 0) out += ':' + std::to_string(d.at.line) + ':' + std::to_string(d.at.col);
  out += ": ";
  out += d.severity == Severity::kError ? "error: " : "warning: ";
  out += d.message;
  return out;
}

std::string Diagnostics::format_all() const {
  std::string out;
  for (const Diagnostic& d : items_) out += format(d) + '\n';
  return out;
}

}  // namespace keyway::config
