// Small helpers shared by the cmd_*.cpp command handlers.
#pragma once

#include <cctype>
#include <optional>
#include <string>

#include "control/config/algorithms.h"
#include "control/config/args.h"
#include "control/config/session.h"

namespace keyway::config {

inline constexpr size_t kMaxDescription = 240;  // IOS's limit for `description`

// Warns at the token just read when the algorithm is discouraged.
inline void warn_if_deprecated(Args& a, const std::optional<Deprecation>& d) {
  if (d)
    a.warn_last("deprecated algorithm, loaded as written (" + std::string(d->note) + ")",
                d->instead);
}

// description TEXT: the rest of the line.
inline std::optional<std::string> read_description(Args& a) {
  auto text = a.rest("a description");
  if (!text) return std::nullopt;
  if (text->size() > kMaxDescription) {
    a.fail_last("description too long (" + std::to_string(text->size()) + " characters)",
                "at most " + std::to_string(kMaxDescription) + " characters");
    return std::nullopt;
  }
  return std::string(*text);
}

// A Diffie-Hellman group number, warning when it is discouraged.
inline std::optional<DhGroup> read_dh_group(Args& a) {
  auto n = a.number(1, 31, "a Diffie-Hellman group");
  if (!n) return std::nullopt;
  if (*n == 24) {
    a.fail_last(std::string(kDhGroup24Refusal), "group 14, 19 or 20");
    return std::nullopt;
  }
  if (!is_dh_group(*n)) {
    a.fail_last("unsupported Diffie-Hellman group", "group " + std::string(kDhGroups));
    return std::nullopt;
  }
  warn_if_deprecated(a, dh_group_deprecation(static_cast<DhGroup>(*n)));
  return static_cast<DhGroup>(*n);
}

// The tunnel commands (and keyway's manual SAs) exist on Tunnel interfaces
// only; IOS answers "% Invalid input" to them anywhere else. `what` names
// the command in the message. A scratch interface (bad header) passes.
inline bool on_tunnel(Session& s, Args& a, std::string_view what) {
  const Interface& i = s.interface();
  if (i.kind == InterfaceKind::kTunnel || i.name.empty()) return true;
  a.fail_at(a.command_loc(), a.command_word(), std::string(what) + " on a non-tunnel interface",
            "a Tunnel interface (" + i.name + " is not one)");
  return false;
}

// An address with an optional mask (default /32).
inline std::optional<AddressMask> read_address_mask(Args& a, std::string_view what) {
  AddressMask am;
  am.at = a.here();
  auto addr = a.address(what);
  if (!addr) return std::nullopt;
  am.addr = *addr;
  if (!a.done() && std::isdigit(static_cast<unsigned char>(a.peek().front()))) {
    auto m = a.mask("a mask such as 255.255.255.255");
    if (!m) return std::nullopt;
    am.mask = *m;
  }
  return am;
}

}  // namespace keyway::config
