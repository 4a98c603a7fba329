// Global-mode commands that open no block: hostname, ip domain name and
// ip route (keyway's own `dataplane` lines are in cmd_dataplane.cpp).
#include <algorithm>
#include <cctype>

#include "control/config/command_table.h"

namespace keyway::config {
namespace {

bool is_label_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; }

// RFC 1123 host name label: letters, digits, hyphen; no hyphen at the ends.
bool is_label(std::string_view l) {
  if (l.empty() || l.size() > 63 || l.front() == '-' || l.back() == '-') return false;
  return std::all_of(l.begin(), l.end(), is_label_char);
}

bool is_domain(std::string_view d) {
  if (d.empty() || d.size() > 253) return false;
  while (true) {
    size_t dot = d.find('.');
    if (!is_label(d.substr(0, dot))) return false;
    if (dot == std::string_view::npos) return true;
    d.remove_prefix(dot + 1);
  }
}

// hostname NAME. IOS wants a letter first ("% Hostname contains one or more
// illegal characters" otherwise); the FQDN identity is built from it.
void hostname(Session& s, Args& a) {
  auto name = a.word("a host name");
  if (!name || !a.end()) return;
  if (!is_label(*name) || !std::isalpha(static_cast<unsigned char>(name->front()))) {
    a.fail_last("invalid host name",
                "a letter followed by at most 62 letters, digits or hyphens, e.g. R1");
    return;
  }
  s.config.hostname = std::string(*name);
}

// ip domain name NAME (also the older `ip domain-name NAME`).
void domain_name(Session& s, Args& a) {
  auto name = a.word("a domain name such as cisco.com");
  if (!name || !a.end()) return;
  if (!is_domain(*name)) {
    a.fail_last("invalid domain name", "dot-separated labels of letters, digits and hyphens");
    return;
  }
  s.config.domain_name = std::string(*name);
}

// ip route PREFIX MASK {NEXT-HOP | INTERFACE [NEXT-HOP]} [DISTANCE] [name NAME]
void ip_route(Session& s, Args& a) {
  Route r;
  r.at = a.here();
  std::string_view prefix_text = a.peek();
  auto prefix = a.address("a destination prefix such as 192.168.200.0");
  auto mask = a.mask("a destination mask such as 255.255.255.0");
  if (!prefix || !mask) return;
  if ((*prefix & ~*mask) != 0) {
    // IOS: "%Inconsistent address and mask".
    a.fail_at(r.at, prefix_text, "inconsistent address and mask",
              "the network address " + format_ipv4(*prefix & *mask) + " for mask " +
                  format_ipv4(*mask));
    return;
  }
  r.prefix = *prefix;
  r.mask = *mask;
  std::string_view next = a.peek();
  if (next.empty()) {
    a.fail("missing argument", "a next-hop address or an outgoing interface");
    return;
  }
  if (std::isdigit(static_cast<unsigned char>(next.front()))) {
    r.next_hop = a.address("a next-hop address");
  } else {
    Loc at = a.here();
    auto ifname = a.interface_name();
    if (!ifname) return;
    r.interface = NameRef{ifname->canonical, at};
    if (!a.done() && a.peek().find('.') != std::string_view::npos)
      r.next_hop = a.address("a next-hop address");
  }
  if (!a.done() && std::isdigit(static_cast<unsigned char>(a.peek().front()))) {
    auto d = a.number(1, 255, "administrative distance");
    if (d) r.distance = *d;
  }
  if (a.accept("name")) a.word("a route name");
  if (!a.end()) return;
  s.config.routes.push_back(std::move(r));
}

constexpr Command kCommands[] = {
    {Mode::kGlobal, {"hostname"}, hostname},
    {Mode::kGlobal, {"ip", "domain", "name"}, domain_name},
    {Mode::kGlobal, {"ip", "domain-name"}, domain_name},
    {Mode::kGlobal, {"ip", "route"}, ip_route},
};

}  // namespace

std::span<const Command> global_commands() { return kCommands; }

}  // namespace keyway::config
