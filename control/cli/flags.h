// Command-line flags for subcommands with many options: "--name VALUE"
// (repeatable where the command says so), "--name" alone for switches,
// anything else positional. "--" ends the flags.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dataplane/api/sa_spec.h"

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
  // What came after "--" (for the benchmarks: EAL arguments); also among
  // positional(), after the words before it.
  std::vector<std::string> after_dashdash() const {
    return {positional_.begin() + static_cast<long>(before_dashdash_), positional_.end()};
  }
  // Positional words before "--".
  size_t before_dashdash() const { return before_dashdash_; }

 private:
  std::vector<std::string_view> valued_, switches_;
  std::vector<std::pair<std::string, std::string>> given_;
  std::vector<std::string> positional_;
  size_t before_dashdash_ = 0;
};

// Comma-separated items: "a,b,c" -> {"a", "b", "c"}; "a," -> {"a", ""}.
std::vector<std::string_view> split_list(std::string_view s);
// A decimal count in [lo, hi]; false on anything else.
bool parse_count(const char* s, unsigned long lo, unsigned long hi, unsigned long* out);

// The benchmarks' list options. Each appends to *out and returns an error
// message for the first item it cannot take (empty: all were taken).
//   --transform aes128gcm,aes256cbc-sha256   (dp::transform_from_name)
//   --direction outbound,inbound
//   --size 64,1420,imix                      (min_size..1500; imix = `imix_value`)
std::string parse_transforms(std::string_view list, std::vector<dp::Transform>* out);
std::string parse_directions(std::string_view list, std::vector<dp::Direction>* out);
std::string parse_sizes(std::string_view list, uint32_t min_size, uint32_t imix_value, std::vector<uint32_t>* out);

// --help, or -h as the first word.
inline bool wants_help(const Flags& f) {
  return f.has("--help") || (f.before_dashdash() != 0 && f.positional()[0] == "-h");
}

// The value of `name` as a count in [lo, hi] into *out, when given.
// Returns an error message ("--name must be lo..hi"), empty when fine.
template <class T>
std::string count_flag(const Flags& f, const char* name, unsigned long lo, unsigned long hi, T* out) {
  auto v = f.get(name);
  if (!v) return "";
  unsigned long n = 0;
  if (!parse_count(v->c_str(), lo, hi, &n))
    return std::string(name) + " must be " + std::to_string(lo) + ".." + std::to_string(hi);
  *out = static_cast<T>(n);
  return "";
}

// The options every benchmark takes, into `opt` (any struct with
// transforms, directions, sizes and repeats): --transform, --direction,
// --size (min_size..1500 or imix) and --repeat (1..1000); words before
// "--" are refused (after it come EAL arguments). Returns an error
// message, empty when all were taken.
template <class Options>
std::string parse_bench_common(const Flags& f, uint32_t min_size, uint32_t imix_value, Options* opt) {
  if (f.before_dashdash() != 0) return "unknown argument '" + f.positional()[0] + "'";
  std::string err;
  for (const std::string& v : f.all("--transform"))
    if (err.empty()) err = parse_transforms(v, &opt->transforms);
  for (const std::string& v : f.all("--direction"))
    if (err.empty()) err = parse_directions(v, &opt->directions);
  for (const std::string& v : f.all("--size"))
    if (err.empty()) err = parse_sizes(v, min_size, imix_value, &opt->sizes);
  if (!err.empty()) return err;
  return count_flag(f, "--repeat", 1, 1000, &opt->repeats);
}

}  // namespace keyway::cli
