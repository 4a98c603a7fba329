#include "control/config/ifname.h"

#include <array>
#include <cctype>
#include <charconv>

namespace keyway::config {
namespace {

struct InterfaceType {
  std::string_view name;
  InterfaceKind kind;
  bool slotted;       // slot/port[/subport][.subinterface]; otherwise one number
  uint32_t min_unit;  // single-number types only
  uint32_t max_unit;
};

constexpr std::array<InterfaceType, 8> kTypes{{
    {"Ethernet", InterfaceKind::kEthernet, true, 0, 0},
    {"FastEthernet", InterfaceKind::kEthernet, true, 0, 0},
    {"GigabitEthernet", InterfaceKind::kEthernet, true, 0, 0},
    {"TenGigabitEthernet", InterfaceKind::kEthernet, true, 0, 0},
    {"Loopback", InterfaceKind::kLoopback, false, 0, 2147483647},
    {"Tunnel", InterfaceKind::kTunnel, false, 0, 2147483647},
    {"Vlan", InterfaceKind::kVlan, false, 1, 4094},
    {"Port-channel", InterfaceKind::kOther, false, 1, 64},
}};

constexpr std::string_view kExamples = "e.g. Ethernet0/0, GigabitEthernet0/1, Loopback0, Tunnel1";

bool iequal_prefix(std::string_view abbrev, std::string_view full) {
  if (abbrev.empty() || abbrev.size() > full.size()) return false;
  for (size_t i = 0; i < abbrev.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(abbrev[i])) !=
        std::tolower(static_cast<unsigned char>(full[i])))
      return false;
  return true;
}

// Parses one decimal component; false unless all of `text` is digits.
bool parse_number(std::string_view text, uint32_t& out) {
  if (text.empty() || text.size() > 10) return false;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || v > 0xffffffffu) return false;
  out = static_cast<uint32_t>(v);
  return true;
}

// "0/0", "0/1/2", "0/0.100" -> normalised, or nullopt.
std::optional<std::string> slotted_unit(std::string_view unit) {
  std::string out;
  std::string_view sub;
  if (size_t dot = unit.find('.'); dot != std::string_view::npos) {
    sub = unit.substr(dot + 1);
    unit = unit.substr(0, dot);
    uint32_t v = 0;
    if (!parse_number(sub, v) || v == 0) return std::nullopt;
  }
  int parts = 0;
  while (true) {
    size_t slash = unit.find('/');
    uint32_t v = 0;
    if (!parse_number(unit.substr(0, slash), v) || v > 9999) return std::nullopt;
    if (parts++) out += '/';
    out += std::to_string(v);
    if (slash == std::string_view::npos) break;
    unit.remove_prefix(slash + 1);
  }
  if (parts > 4) return std::nullopt;
  if (!sub.empty()) {
    uint32_t v = 0;
    parse_number(sub, v);
    out += '.' + std::to_string(v);
  }
  return out;
}

std::optional<InterfaceName> parse_exact(std::string_view type, std::string_view unit,
                                         std::string& expected) {
  const InterfaceType* found = nullptr;
  for (const auto& t : kTypes) {
    if (!iequal_prefix(type, t.name)) continue;
    if (found) {
      expected = "an unambiguous interface type ('" + std::string(type) + "' could be " +
                 std::string(found->name) + " or " + std::string(t.name) + ")";
      return std::nullopt;
    }
    found = &t;
  }
  if (!found) {
    expected = "an interface type followed by its number, " + std::string(kExamples);
    return std::nullopt;
  }
  std::string name(found->name);
  if (found->slotted) {
    auto u = slotted_unit(unit);
    if (!u) {
      expected = "slot/port numbers after " + name + ", e.g. " + name + "0/0";
      return std::nullopt;
    }
    return InterfaceName{name + *u, found->kind};
  }
  uint32_t v = 0;
  if (!parse_number(unit, v) || v < found->min_unit || v > found->max_unit) {
    expected = "a number " + std::to_string(found->min_unit) + "-" +
               std::to_string(found->max_unit) + " after " + name + ", e.g. " + name +
               std::to_string(found->min_unit == 0 ? 1 : found->min_unit);
    return std::nullopt;
  }
  return InterfaceName{name + std::to_string(v), found->kind};
}

// Reads letters and '-' off the front.
std::string_view type_part(std::string_view word) {
  size_t i = 0;
  while (i < word.size() && (std::isalpha(static_cast<unsigned char>(word[i])) || word[i] == '-'))
    ++i;
  return word.substr(0, i);
}

// The seed prints "Tunnell" for "Tunnel1": a trailing l, I or O set where
// the digits 1 and 0 belong. Try that reading to suggest it.
std::optional<std::string> typo_suggestion(std::string_view word) {
  std::string fixed(word);
  size_t changed = 0;
  for (size_t i = fixed.size(); i > 0 && changed < 3; --i) {
    char& c = fixed[i - 1];
    if (c == 'l' || c == 'I') c = '1';
    else if (c == 'O' || c == 'o') c = '0';
    else break;
    ++changed;
    std::string ignored;
    std::string_view type = type_part(fixed);
    if (auto n = parse_exact(type, std::string_view(fixed).substr(type.size()), ignored))
      return n->canonical;
  }
  return std::nullopt;
}

}  // namespace

bool is_interface_type_only(std::string_view word) {
  if (word.empty() || !std::isalpha(static_cast<unsigned char>(word[0]))) return false;
  for (char c : word)
    if (std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

std::optional<InterfaceName> parse_interface_name(std::string_view type_and_unit,
                                                  std::string_view unit, std::string& expected) {
  std::string_view type = type_part(type_and_unit);
  std::string_view rest = type_and_unit.substr(type.size());
  if (!unit.empty()) {
    if (!rest.empty()) {
      expected = "an interface type followed by its number, " + std::string(kExamples);
      return std::nullopt;
    }
    rest = unit;
  }
  if (auto name = parse_exact(type, rest, expected)) return name;
  if (unit.empty() && rest.empty()) {
    if (auto fix = typo_suggestion(type_and_unit)) {
      expected = "an interface type followed by its number; did you mean '" + *fix + "'?";
    }
  }
  return std::nullopt;
}

}  // namespace keyway::config
