// Command-line flags for subcommands with many options: "--name VALUE"
// (repeatable where the command says so), "--name" alone for switches,
// anything else positional. "--" ends the flags.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace keyway::cli {

class Flags {
 public:
  Flags(std::initializer_list<const char*> valued, std::initializer_list<const char*> switches)
      : valued_(valued.begin(), valued.end()), switches_(switches.begin(), switches.end()) {}

  // Parses argv[first..argc). On a flag that is not known, or lacks its
  // value, returns false and sets `error`.
  bool parse(int argc, char** argv, int first, std::string& error);

  bool has(std::string_view name) const;                          // given at least once
  std::optional<std::string> get(std::string_view name) const;    // the last value given
  std::vector<std::string> all(std::string_view name) const;      // every value, in order
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::vector<std::string_view> valued_, switches_;
  std::vector<std::pair<std::string, std::string>> given_;
  std::vector<std::string> positional_;
};

}  // namespace keyway::cli
