// IOS interface names: a type (Ethernet, Loopback, Tunnel, ...) followed by
// its number. IOS accepts any case and any unambiguous abbreviation of the
// type ("eth0/0", "Gi0/1", "tu1") and stores the canonical spelling
// ("Ethernet0/0", "GigabitEthernet0/1", "Tunnel1"); so does keyway, so that
// `tunnel source eth0/0` and `interface Ethernet0/0` name the same thing.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "control/config/model.h"

namespace keyway::config {

struct InterfaceName {
  std::string canonical;
  InterfaceKind kind = InterfaceKind::kEthernet;
};

// Parses "TypeUnit" (e.g. "Ethernet0/0"), or the two-word form when `unit`
// is not empty ("Tunnel" "1"). On failure returns nullopt and sets
// `expected` to what would have been accepted, with a "did you mean" when
// the name looks like a typesetting slip (the seed's "Tunnell" for
// "Tunnel1": a letter l or O where a digit belongs).
std::optional<InterfaceName> parse_interface_name(std::string_view type_and_unit,
                                                  std::string_view unit, std::string& expected);

// True when `word` starts with a letter and contains no digit, i.e. can only
// be the type half of the two-word form.
bool is_interface_type_only(std::string_view word);

}  // namespace keyway::config
