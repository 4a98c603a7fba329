#include "control/config/args.h"

#include <cctype>
#include <charconv>

namespace keyway::config {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

std::optional<uint32_t> parse_dotted_quad(std::string_view text) {
  uint32_t addr = 0;
  for (int i = 0; i < 4; ++i) {
    size_t dot = text.find('.');
    bool last = i == 3;
    if (last != (dot == std::string_view::npos)) return std::nullopt;
    std::string_view part = text.substr(0, dot);
    if (part.empty() || part.size() > 3) return std::nullopt;
    unsigned v = 0;
    auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
    if (ec != std::errc() || p != part.data() + part.size() || v > 255) return std::nullopt;
    addr = (addr << 8) | v;
    if (!last) text.remove_prefix(dot + 1);
  }
  return addr;
}

Loc Args::here() const {
  if (!done()) return {line_.number, line_.tokens[pos_].col};
  const Token& t = line_.tokens.back();
  return {line_.number, t.col + static_cast<uint32_t>(t.text.size())};
}

Loc Args::last() const {
  const Token& t = line_.tokens[pos_ == 0 ? 0 : pos_ - 1];
  return {line_.number, t.col};
}

std::string_view Args::last_text() const { return line_.tokens[pos_ == 0 ? 0 : pos_ - 1].text; }

void Args::fail(std::string_view what, std::string_view expected) {
  if (failed_) return;
  failed_ = true;
  diags_.error(here(), what, done() ? Diagnostics::kEndOfLine : peek(), expected);
}

void Args::fail_last(std::string_view what, std::string_view expected) {
  if (failed_) return;
  failed_ = true;
  diags_.error(last(), what, last_text(), expected);
}

void Args::fail_at(Loc at, std::string_view got, std::string_view what,
                   std::string_view expected) {
  if (failed_) return;
  failed_ = true;
  diags_.error(at, what, got, expected);
}

void Args::warn_last(std::string_view what, std::string_view expected) {
  // Compose now (the token is known now), report in end().
  Diagnostics scratch("");
  scratch.warning(last(), what, last_text(), expected);
  pending_.push_back(scratch.all().front());
}

bool Args::accept(std::string_view keyword) {
  if (failed_ || done() || !iequals(peek(), keyword)) return false;
  ++pos_;
  return true;
}

std::optional<std::string_view> Args::word(std::string_view expected) {
  if (failed_) return std::nullopt;
  if (done()) {
    fail("missing argument", expected);
    return std::nullopt;
  }
  return line_.tokens[pos_++].text;
}

std::optional<NameRef> Args::name(std::string_view expected) {
  Loc at = here();
  auto w = word(expected);
  if (!w) return std::nullopt;
  return NameRef{std::string(*w), at};
}

std::optional<uint64_t> Args::number64(uint64_t lo, uint64_t hi, std::string_view what) {
  if (failed_) return std::nullopt;
  std::string range = std::to_string(lo) + "-" + std::to_string(hi);
  std::string expected = range + " (" + std::string(what) + ")";
  if (done()) {
    fail("missing argument", expected);
    return std::nullopt;
  }
  std::string_view t = peek();
  bool digits = !t.empty();
  for (char c : t) digits = digits && std::isdigit(static_cast<unsigned char>(c));
  if (!digits) {
    fail("not a number", expected);
    return std::nullopt;
  }
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || v < lo || v > hi) {
    fail("number out of range", expected);
    return std::nullopt;
  }
  ++pos_;
  return v;
}

std::optional<uint32_t> Args::number(uint32_t lo, uint32_t hi, std::string_view what) {
  auto v = number64(lo, hi, what);
  if (!v) return std::nullopt;
  return static_cast<uint32_t>(*v);
}

std::optional<uint32_t> Args::address(std::string_view expected) {
  if (failed_) return std::nullopt;
  if (done()) {
    fail("missing argument", expected);
    return std::nullopt;
  }
  auto a = parse_dotted_quad(peek());
  if (!a) {
    fail("bad address", expected);
    return std::nullopt;
  }
  ++pos_;
  return a;
}

std::optional<uint32_t> Args::mask(std::string_view expected) {
  if (failed_) return std::nullopt;
  if (done()) {
    fail("missing argument", expected);
    return std::nullopt;
  }
  auto m = parse_dotted_quad(peek());
  if (!m) {
    fail("bad mask", expected);
    return std::nullopt;
  }
  // Contiguous: the complement is of the form 0...01...1.
  uint32_t inverse = ~*m;
  if ((inverse & (inverse + 1)) != 0) {
    fail("bad mask (not contiguous)", "a contiguous network mask such as 255.255.255.0");
    return std::nullopt;
  }
  ++pos_;
  return m;
}

std::optional<InterfaceName> Args::interface_name() {
  if (failed_) return std::nullopt;
  constexpr std::string_view kWhat = "an interface name such as Ethernet0/0 or Tunnel1";
  if (done()) {
    fail("missing argument", kWhat);
    return std::nullopt;
  }
  std::string_view first = peek();
  std::string_view unit;
  bool two_words = false;
  if (is_interface_type_only(first) && pos_ + 1 < line_.tokens.size() &&
      std::isdigit(static_cast<unsigned char>(line_.tokens[pos_ + 1].text[0]))) {
    unit = line_.tokens[pos_ + 1].text;
    two_words = true;
  }
  std::string expected;
  auto n = parse_interface_name(first, unit, expected);
  if (!n) {
    fail("invalid interface name", expected);
    return std::nullopt;
  }
  pos_ += two_words ? 2 : 1;
  return n;
}

std::optional<std::string_view> Args::rest(std::string_view expected) {
  if (failed_) return std::nullopt;
  if (done()) {
    fail("missing argument", expected);
    return std::nullopt;
  }
  std::string_view text = line_.text.substr(line_.tokens[pos_].col - 1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  pos_ = line_.tokens.size();
  return text;
}

std::optional<size_t> Args::keyword(std::initializer_list<std::string_view> words) {
  if (failed_) return std::nullopt;
  std::string expected;
  size_t i = 0;
  for (std::string_view w : words) {
    if (!done() && iequals(w, peek())) {
      ++pos_;
      return i;
    }
    if (i) expected += i + 1 == words.size() ? " or " : ", ";
    expected += "'" + std::string(w) + "'";
    ++i;
  }
  fail(done() ? "missing argument" : "invalid argument", expected);
  return std::nullopt;
}

std::optional<std::string> Args::secret(std::string_view expected) {
  if (failed_) return std::nullopt;
  // "0 KEY" is an unencrypted key; a lone "0" is the key "0".
  bool typed = pos_ + 1 < line_.tokens.size();
  if (typed && peek() == "0") {
    ++pos_;
  } else if (typed && (peek() == "6" || peek() == "7")) {
    fail("encrypted key type not supported",
         "an unencrypted key (type 0); keys of type 6 and 7 need the router's master key");
    return std::nullopt;
  }
  auto w = word(expected);
  if (!w) return std::nullopt;
  return std::string(*w);
}

bool Args::end() {
  if (failed_) return false;
  if (!done()) {
    fail("unexpected argument", "end of line");
    return false;
  }
  for (Diagnostic& d : pending_) diags_.add(d.severity, d.at, std::move(d.message));
  pending_.clear();
  return true;
}

}  // namespace keyway::config
