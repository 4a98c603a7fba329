// The tokeniser: configuration text -> lines of whitespace-separated tokens,
// the first stage of the loader (lexer -> command table/parser -> model ->
// validation).
//
// IOS configuration is line-oriented: one command per line, words separated
// by blanks, no quoting. Leading blanks carry no meaning (sub-modes are a
// parser state, not indentation), a line whose first non-blank character is
// '!' is a comment, and CRLF line ends are accepted.
//
// The tokeniser is where hostile input is stopped: a byte outside printable
// ASCII (binary garbage, NUL, UTF-8) or a token longer than kMaxTokenLength
// is reported with its line and column and the whole line is dropped, so
// later stages only ever see short printable tokens.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "control/config/diagnostics.h"

namespace keyway::config {

inline constexpr size_t kMaxTokenLength = 255;
inline constexpr size_t kMaxFileSize = 4u << 20;

struct Token {
  std::string_view text;  // points into the text given to tokenise()
  uint32_t col = 0;       // 1-based column of the first character
};

struct Line {
  uint32_t number = 0;
  std::string_view text;  // the whole line without its line end
  std::vector<Token> tokens;  // never empty
};

// Returns the command lines of `text` (blank and comment lines removed).
// The result points into `text`, which must outlive it.
std::vector<Line> tokenise(std::string_view text, Diagnostics& diags);

}  // namespace keyway::config
