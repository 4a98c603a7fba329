#include "dataplane/runtime/route_table.h"

#include <rte_errno.h>
#include <rte_fib.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_lcore.h>
#include <rte_rib.h>

#include <cstring>

namespace keyway::dp {

namespace {

bool same(const NextHop& a, const NextHop& b) {
  return a.kind == b.kind && a.port == b.port && a.gateway == b.gateway && a.tunnel == b.tunnel;
}

// The FIB's next-hop field is 2 bytes wide (RTE_FIB_DIR24_8_2B) and keeps
// one bit for itself: indices stay below 2^15.
constexpr size_t kMaxNextHops = 32767;

}  // namespace

std::unique_ptr<RouteTable> RouteTable::create(const std::string& name, uint32_t max_routes,
                                               std::string* error) {
  std::unique_ptr<RouteTable> t(new RouteTable());
  rte_fib_conf conf{};
  conf.type = RTE_FIB_DIR24_8;
  conf.default_nh = 0;
  conf.max_routes = static_cast<int>(max_routes);
  conf.rib_ext_sz = 0;
  conf.dir24_8.nh_sz = RTE_FIB_DIR24_8_2B;
  conf.dir24_8.num_tbl8 = std::max<uint32_t>(256, max_routes);
  t->fib_ = rte_fib_create(name.c_str(), static_cast<int>(rte_socket_id()), &conf);
  if (!t->fib_) {
    *error = "cannot create the routing table '" + name + "': " + rte_strerror(rte_errno);
    return nullptr;
  }
  t->hops_.push_back(NextHop{});  // index 0: drop
  return t;
}

RouteTable::~RouteTable() { rte_fib_free(fib_); }

uint16_t RouteTable::intern(const NextHop& nh) {
  for (size_t i = 0; i < hops_.size(); ++i)
    if (same(hops_[i], nh)) return static_cast<uint16_t>(i);
  if (hops_.size() >= kMaxNextHops) return 0;
  hops_.push_back(nh);
  return static_cast<uint16_t>(hops_.size() - 1);
}

bool RouteTable::add(uint32_t prefix, uint8_t prefix_len, const NextHop& nh, std::string* error) {
  if (prefix_len > 32) {
    *error = "prefix length " + std::to_string(prefix_len) + " is beyond 32";
    return false;
  }
  // The worker indexes its port map and transmit stages with these.
  const bool has_port = nh.kind == NextHop::Kind::kPort || nh.kind == NextHop::Kind::kLocal;
  if (has_port && nh.port >= kMaxPorts) {
    *error = "port " + std::to_string(nh.port) + " is beyond the port map (" +
             std::to_string(kMaxPorts) + " ports)";
    return false;
  }
  const uint32_t mask = prefix_len ? ~uint32_t{0} << (32 - prefix_len) : 0;
  // Index 0 is the drop next hop; intern() answers 0 for a new one when
  // the table of next hops is full.
  const uint16_t index = intern(nh);
  if (index == 0 && !same(nh, hops_[0])) {
    *error = "too many distinct next hops";
    return false;
  }
  // rte_fib_add() replaces the next hop of a prefix it has already: count
  // prefixes, not calls.
  rte_rib* rib = rte_fib_get_rib(fib_);
  const bool known = rte_rib_lookup_exact(rib, prefix & mask, prefix_len) != nullptr;
  const int rc = rte_fib_add(fib_, prefix & mask, prefix_len, index);
  if (rc < 0) {
    *error = std::string("cannot add the route: ") + rte_strerror(-rc);
    return false;
  }
  if (!known) ++routes_;
  return true;
}

void RouteTable::lookup(uint32_t* ips, uint16_t n, uint16_t* index) const {
  uint64_t hops[64];
  for (uint16_t done = 0; done < n;) {
    const uint16_t chunk = static_cast<uint16_t>(std::min<int>(n - done, 64));
    rte_fib_lookup_bulk(fib_, ips + done, hops, chunk);
    for (uint16_t i = 0; i < chunk; ++i) index[done + i] = static_cast<uint16_t>(hops[i]);
    done = static_cast<uint16_t>(done + chunk);
  }
}

const NextHop& RouteTable::lookup(uint32_t ip) const {
  uint16_t index = 0;
  lookup(&ip, 1, &index);
  return hops_[index];
}

// ---------------------------------------------------------------- neighbours

namespace {

struct NeighborKey {
  uint32_t ip;
  uint16_t port;
  uint16_t zero;
};
static_assert(sizeof(NeighborKey) == 8);

NeighborKey key_of(uint16_t port, uint32_t ip) { return NeighborKey{ip, port, 0}; }

// The hash stores a pointer-sized value per key; the address travels in
// it directly, with bit 63 set so that no valid entry is the null pointer.
constexpr uint64_t kValid = uint64_t{1} << 63;

}  // namespace

std::unique_ptr<NeighborTable> NeighborTable::create(const std::string& name, uint32_t capacity,
                                                     std::string* error) {
  std::unique_ptr<NeighborTable> t(new NeighborTable());
  rte_hash_parameters p{};
  p.name = name.c_str();
  p.entries = std::max<uint32_t>(capacity, 64);
  p.key_len = sizeof(NeighborKey);
  p.hash_func = rte_jhash;
  p.hash_func_init_val = 0;
  p.socket_id = static_cast<int>(rte_socket_id());
  p.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF;
  t->hash_ = rte_hash_create(&p);
  if (!t->hash_) {
    *error = "cannot create the neighbour table '" + name + "': " + rte_strerror(rte_errno);
    return nullptr;
  }
  return t;
}

NeighborTable::~NeighborTable() { rte_hash_free(hash_); }

bool NeighborTable::set(uint16_t port, uint32_t ip, const uint8_t mac[6]) {
  uint64_t v = kValid;
  std::memcpy(&v, mac, 6);  // little-endian: the low 48 bits, in wire order
  v |= kValid;
  const NeighborKey k = key_of(port, ip);
  return rte_hash_add_key_data(hash_, &k, reinterpret_cast<void*>(v)) == 0;
}

bool NeighborTable::get(uint16_t port, uint32_t ip, uint8_t mac[6]) const {
  const NeighborKey k = key_of(port, ip);
  void* data = nullptr;
  if (rte_hash_lookup_data(hash_, &k, &data) < 0) return false;
  const uint64_t v = reinterpret_cast<uint64_t>(data);
  std::memcpy(mac, &v, 6);
  return true;
}

size_t NeighborTable::size() const { return static_cast<size_t>(rte_hash_count(hash_)); }

}  // namespace keyway::dp
