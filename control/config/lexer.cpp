#include "control/config/lexer.h"

#include <string>

namespace keyway::config {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

bool is_printable(char c) {
  auto byte = static_cast<unsigned char>(c);
  return (byte >= 0x20 && byte < 0x7f) || c == '\t';
}

// Comments too must be text: a stray byte there is as much a sign of a
// corrupt or binary file as anywhere else.
bool check_printable(std::string_view text, uint32_t number, Diagnostics& diags) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (!is_printable(text[i])) {
      diags.error({number, static_cast<uint32_t>(i + 1)}, "non-printable byte",
                  text.substr(i, 1), "printable ASCII text");
      return false;
    }
  }
  return true;
}

// Splits one physical line; false when the line had to be dropped.
bool split_line(std::string_view text, uint32_t number, Diagnostics& diags, Line& out) {
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_blank(text[i])) ++i;
    if (i == text.size()) break;
    size_t start = i;
    while (i < text.size() && !is_blank(text[i])) ++i;
    std::string_view word = text.substr(start, i - start);
    if (word.size() > kMaxTokenLength) {
      diags.error({number, static_cast<uint32_t>(start + 1)},
                  "token too long (" + std::to_string(word.size()) + " characters)", word,
                  "at most " + std::to_string(kMaxTokenLength) + " characters");
      return false;
    }
    out.tokens.push_back({word, static_cast<uint32_t>(start + 1)});
  }
  return true;
}

}  // namespace

std::vector<Line> tokenise(std::string_view text, Diagnostics& diags) {
  std::vector<Line> lines;
  if (text.size() > kMaxFileSize) {
    diags.add(Severity::kError, {1, 1},
              "file too large (" + std::to_string(text.size()) + " bytes); expected at most " +
                  std::to_string(kMaxFileSize) + " bytes of configuration text");
    return lines;
  }
  uint32_t number = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    size_t end = nl == std::string_view::npos ? text.size() : nl;
    std::string_view raw = text.substr(pos, end - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++number;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    if (!check_printable(raw, number, diags)) continue;

    size_t first = 0;
    while (first < raw.size() && is_blank(raw[first])) ++first;
    if (first == raw.size() || raw[first] == '!') continue;

    Line line{number, raw, {}};
    if (split_line(raw, number, diags, line)) lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace keyway::config
