#include "control/daemon/routes.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace keyway::daemon {
namespace {

using config::format_ipv4;

// The most next-hop lookups a static route may need (one for a next hop in
// a connected subnet, one more per static route on the way). Deeper chains
// are mistakes far more often than designs, and each costs a lookup here.
constexpr int kMaxLookups = 8;

uint32_t mask_of(int len) { return len == 0 ? 0 : ~uint32_t{0} << (32 - len); }

// Why a route could not be resolved.
enum class Why : uint8_t {
  kNone,
  kUnreachable,   // no route covers the next hop
  kLoop,          // the next hop resolves only through routes leading back to this one
  kTooDeep,       // more than kMaxLookups lookups
  kLocal,         // the next hop is one of the router's own addresses or subnets
  kNotForwarded,  // the outgoing interface is not in the plan
};

// Where a route's packets go, and how many lookups it took to know.
struct Egress {
  RouteKind kind = RouteKind::kDrop;
  std::string interface;
  uint32_t gateway = 0;
  int lookups = 0;
};

// One route line (or a connected/local route) offered for a prefix.
struct Candidate {
  uint32_t distance = 0;
  RoutePlan::Source source = RoutePlan::Source::kStatic;
  std::optional<Egress> direct;         // known egress: connected, local, via an interface
  std::optional<uint32_t> next_hop;     // otherwise: resolve this recursively
  const config::Route* line = nullptr;  // static routes
  Why why = Why::kNone;                 // why it lost for lack of an egress, once tried
};

// The outcome of resolving a prefix or a candidate. `tainted`: decided with
// a lookup cut off by the depth limit below some other route, so valid for
// the route that started the resolution only, not to be remembered.
struct Outcome {
  std::optional<Egress> egress;
  Why why = Why::kNone;
  bool tainted = false;
};

// All candidates, grouped by prefix, and the resolution: a prefix's route
// is its first candidate (by distance, then configuration order) that has
// an egress. Resolution is depth-first with each prefix remembered once
// decided; a prefix met again while it is being decided is a loop, and the
// lookup that met it goes on to shorter prefixes, as it would in a RIB
// without that route.
class Table {
 public:
  void add(uint32_t prefix, int len, Candidate c) {
    auto [it, fresh] = index_.try_emplace({prefix, len}, prefixes_.size());
    if (fresh) prefixes_.push_back(Prefix{prefix, static_cast<uint8_t>(len)});
    prefixes_[it->second].candidates.push_back(candidates_.size());
    candidates_.push_back(std::move(c));
  }

  void resolve() {
    for (Prefix& p : prefixes_)
      std::stable_sort(p.candidates.begin(), p.candidates.end(), [&](size_t a, size_t b) {
        return candidates_[a].distance < candidates_[b].distance;
      });
    for (size_t p = 0; p < prefixes_.size(); ++p) resolve_prefix(p, 0);
  }

  std::vector<RoutePlan> routes() const {
    std::vector<RoutePlan> out;
    for (const Prefix& p : prefixes_) {
      if (!p.egress) continue;
      out.push_back(RoutePlan{p.prefix, p.len, p.egress->kind, p.egress->interface,
                              p.egress->gateway, candidates_[p.winner].source});
    }
    std::sort(out.begin(), out.end(), [](const RoutePlan& a, const RoutePlan& b) {
      return a.prefix_len != b.prefix_len ? a.prefix_len > b.prefix_len : a.prefix < b.prefix;
    });
    return out;
  }

  const std::vector<Candidate>& candidates() const { return candidates_; }

 private:
  enum class State : uint8_t { kOpen, kActive, kDecided };
  struct Prefix {
    uint32_t prefix = 0;
    uint8_t len = 0;
    std::vector<size_t> candidates;
    State state = State::kOpen;
    std::optional<Egress> egress;
    size_t winner = 0;
    Why why = Why::kNone;
  };

  Outcome resolve_prefix(size_t index, int depth) {
    Prefix& p = prefixes_[index];
    if (p.state == State::kDecided) return {p.egress, p.why, false};
    if (p.state == State::kActive) return {std::nullopt, Why::kLoop, false};
    p.state = State::kActive;
    for (size_t c : p.candidates) candidates_[c].why = Why::kNone;
    Outcome out{std::nullopt, Why::kUnreachable, false};
    for (size_t c : p.candidates) {
      Outcome o = resolve_candidate(candidates_[c], depth);
      out.tainted |= o.tainted;
      if (o.egress) {
        out.egress = std::move(o.egress);
        p.winner = c;
        break;
      }
      candidates_[c].why = o.why;
      if (o.why == Why::kLoop) out.why = Why::kLoop;
    }
    if (out.tainted && depth > 0) {
      p.state = State::kOpen;  // decided again when a shallower lookup, or the main loop, gets here
      return out;
    }
    p.state = State::kDecided;
    p.egress = out.egress;
    p.why = out.egress ? Why::kNone : out.why;
    return out;
  }

  // `depth`: lookups made above this candidate by the route being resolved.
  Outcome resolve_candidate(const Candidate& c, int depth) {
    if (c.direct) return {c.direct, Why::kNone, false};
    if (!c.next_hop) return {std::nullopt, Why::kNotForwarded, false};
    // Whatever the next hop resolves to, the route that started this would
    // need more lookups than allowed; this candidate itself may not.
    if (depth >= kMaxLookups) return {std::nullopt, Why::kTooDeep, true};
    uint32_t nh = *c.next_hop;
    bool loop = false;
    bool tainted = false;
    for (int len = 32; len >= 0; --len) {
      auto it = index_.find({nh & mask_of(len), len});
      if (it == index_.end()) continue;
      Outcome o = resolve_prefix(it->second, depth + 1);
      tainted |= o.tainted;
      if (!o.egress) {
        if (o.tainted) return {std::nullopt, Why::kTooDeep, true};
        loop |= o.why == Why::kLoop;
        continue;
      }
      if (o.egress->kind == RouteKind::kLocal) return {std::nullopt, Why::kLocal, tainted};
      if (o.egress->lookups >= kMaxLookups) return {std::nullopt, Why::kTooDeep, tainted};
      Egress e = *o.egress;
      ++e.lookups;
      // Through a subnet on a port: the next hop is the neighbour to send to.
      if (e.kind == RouteKind::kPort && e.gateway == 0) e.gateway = nh;
      return {std::move(e), Why::kNone, tainted};
    }
    return {std::nullopt, loop ? Why::kLoop : Why::kUnreachable, tainted};
  }

  std::map<std::pair<uint32_t, int>, size_t> index_;
  std::vector<Prefix> prefixes_;
  std::vector<Candidate> candidates_;
};

// A connected or local route.
Candidate attached_route(RoutePlan::Source source, RouteKind kind, const std::string& interface) {
  Candidate c;
  c.source = source;
  c.direct = Egress{kind, interface, 0, 0};
  return c;
}

// The local /32s, then the connected subnets, of the planned interfaces
// that have an address. Locals go first so that a /32 interface address
// is delivered locally rather than sent out of its interface.
void add_interfaces(Table& t, const Plan& plan) {
  struct Attached {
    const std::string& name;
    uint32_t address;
    uint8_t len;
    RouteKind kind;
  };
  std::vector<Attached> attached;
  for (const PortPlan& p : plan.ports)
    attached.push_back({p.interface, p.address, p.prefix_len, RouteKind::kPort});
  for (const TunnelPlan& tp : plan.tunnels)
    if (tp.address)
      attached.push_back({tp.interface, tp.address, tp.prefix_len, RouteKind::kTunnel});
  for (const LoopbackPlan& l : plan.loopbacks)
    attached.push_back({l.interface, l.address, l.prefix_len, RouteKind::kLocal});
  for (const Attached& a : attached)
    t.add(a.address, 32, attached_route(RoutePlan::Source::kLocal, RouteKind::kLocal, a.name));
  for (const Attached& a : attached)
    t.add(a.address & mask_of(a.len), a.len,
          attached_route(RoutePlan::Source::kConnected, a.kind, a.name));
}

// `ip route` lines. With an interface the egress is that interface (when
// the plan forwards it); with a next hop only it is resolved later.
void add_statics(Table& t, const config::Config& config, const Plan& plan) {
  std::map<std::string, RouteKind> forwarded;
  for (const PortPlan& p : plan.ports) forwarded.emplace(p.interface, RouteKind::kPort);
  for (const TunnelPlan& tp : plan.tunnels) forwarded.emplace(tp.interface, RouteKind::kTunnel);
  for (const LoopbackPlan& l : plan.loopbacks) forwarded.emplace(l.interface, RouteKind::kLocal);
  for (const config::Route& r : config.routes) {
    Candidate c;
    c.distance = r.distance;
    c.line = &r;
    if (!r.interface) {
      c.next_hop = r.next_hop;
    } else if (auto it = forwarded.find(r.interface->name); it != forwarded.end()) {
      // A next hop means something on a port only; a tunnel has one peer.
      uint32_t gateway = it->second == RouteKind::kPort ? r.next_hop.value_or(0) : 0;
      c.direct = Egress{it->second, it->first, gateway, 0};
    }  // else neither: the interface is not forwarded, and the route cannot be used
    t.add(r.prefix, config::prefix_length(r.mask), std::move(c));
  }
}

void warn_left_out(const Candidate& c, config::Diagnostics& d) {
  const config::Route& r = *c.line;
  std::string nh = r.next_hop ? format_ipv4(*r.next_hop) : std::string();
  std::string why, expected;
  switch (c.why) {
    case Why::kUnreachable:
      why = "next hop " + nh +
            " is covered by no connected or other static route; IOS keeps "
            "such a route inactive";
      expected = "a next hop in a forwarded subnet";
      break;
    case Why::kLoop:
      why = "next hop " + nh + " resolves only through a loop of static routes";
      expected = "a next hop that resolves without coming back to this route";
      break;
    case Why::kTooDeep:
      why = "next hop " + nh + " needs more than " + std::to_string(kMaxLookups) +
            " recursive lookups";
      expected = "a shorter chain of static routes";
      break;
    case Why::kLocal:
      why = "next hop " + nh + " is local (an address of this router or a loopback subnet)";
      expected = "a next hop on a neighbouring router";
      break;
    case Why::kNotForwarded:
      why = "interface " + r.interface->name + " is not forwarded by the data plane";
      expected = "a port, a tunnel or a loopback that is up and, for a port, has an address";
      break;
    case Why::kNone:
      return;
  }
  d.warning(r.at, "static route left out: " + why, format_ipv4(r.prefix), expected);
}

}  // namespace

std::vector<RoutePlan> plan_routes(const config::Config& config, const Plan& plan,
                                   config::Diagnostics& diags) {
  Table t;
  add_interfaces(t, plan);
  add_statics(t, config, plan);
  t.resolve();
  for (const Candidate& c : t.candidates())
    if (c.line) warn_left_out(c, diags);
  return t.routes();
}

}  // namespace keyway::daemon
