#include "control/daemon/daemon.h"

#include <net/if.h>
#include <poll.h>
#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <map>
#include <memory>
#include <sstream>

#include "control/config/ifname.h"
#include "control/config/load.h"
#include "control/daemon/child_sa.h"
#include "control/daemon/ike_service.h"
#include "control/daemon/ctl.h"
#include "control/daemon/kernel.h"
#include "control/daemon/plan.h"
#include "control/daemon/routes.h"
#include "dataplane/eal/eal.h"
#include "dataplane/esp/esp.h"
#include "dataplane/esp/sa.h"
#include "dataplane/runtime/route_table.h"
#include "dataplane/runtime/sa_control.h"
#include "dataplane/runtime/worker.h"

namespace keyway::daemon {
namespace {

volatile std::sig_atomic_t g_signal = 0;
void on_signal(int sig) { g_signal = sig; }

void log(const std::string& line) {
  std::printf("keyway: %s\n", line.c_str());
  std::fflush(stdout);
}

// The kernel name of an interface's TAP: "kw-" and the IOS abbreviation,
// Ethernet0/0 -> kw-Et0-0, Tunnel1 -> kw-Tu1 (at most 15 characters).
std::string tap_name(const std::string& interface) {
  std::string s = "kw-";
  size_t digit = interface.find_first_of("0123456789");
  s += interface.substr(0, std::min<size_t>(2, digit));
  for (size_t i = digit == std::string::npos ? interface.size() : digit; i < interface.size(); ++i)
    s += interface[i] == '/' ? '-' : interface[i] == '.' ? '_' : interface[i];
  return s.substr(0, 15);
}

std::array<uint8_t, 6> mac_of(uint16_t port) {
  rte_ether_addr a{};
  rte_eth_macaddr_get(port, &a);
  std::array<uint8_t, 6> m{};
  std::copy(a.addr_bytes, a.addr_bytes + 6, m.begin());
  return m;
}

std::string json_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    o += c;
  }
  return o;
}

// The IP MTU of every tunnel: a 1500-byte outer MTU less the largest ESP
// overhead keyway adds (outer IPv4 20, UDP 8, ESP header 8, IV 16,
// padding up to 15 + 2 trailer bytes, ICV 16 = 85), rounded down as
// IOS rounds its VTI MTU, with room to spare.
constexpr uint16_t kTunnelMtu = 1400;

// How long an inbound SA outlives its replacement: long enough for what
// the peer sent with it to arrive.
constexpr auto kRekeyGrace = std::chrono::seconds(5);

// One interface the data plane serves, as the daemon tracks it.
struct Iface {
  std::string name;
  std::string tap;      // kernel interface name
  uint16_t tap_port = 0;
  uint16_t port = 0;    // physical ethdev (Ethernet interfaces)
  bool physical = false;
};

struct TunnelRt {
  TunnelPlan plan;
  bool has_manual = false;
  std::chrono::steady_clock::time_point no_sa_logged{};
  uint64_t no_sa_pending = 0;
};

class Daemon {
 public:
  explicit Daemon(RunOptions o) : opt_(std::move(o)) {}
  ~Daemon() { teardown(); }
  int start();
  void loop();
  void print_final_counters();

 private:
  bool fail(const std::string& what) {
    log("error: " + what);
    return false;
  }
  bool load_plan();
  bool setup_pool();
  bool add_tap(const std::string& interface, const std::array<uint8_t, 6>& mac, Iface* out);
  bool setup_port(uint16_t port, uint16_t rxd, uint16_t txd, uint16_t mtu, const std::string& what);
  bool quiet_kernel_side(uint16_t port, const std::string& interface);
  bool setup_interfaces();
  bool setup_kernel();
  bool setup_routes();
  std::unique_ptr<dp::RouteTable> build_fib(const std::vector<RoutePlan>& routes, std::string* err);
  bool kernel_route(const RoutePlan& r, bool add, std::string* err);
  CtlResponse route_command(const std::vector<std::string>& w);
  bool start_workers();
  bool install_manual_sas();
  bool start_ike();
  void wait_applied();
  void poll_events();
  void learn_neighbors();
  void probe(uint16_t port, uint32_t ip);
  const Iface* iface(const std::string& name) const;
  CtlResponse handle(const std::string& request);
  std::string counters_json();
  std::string counters_text();
  std::string ipsec_sa(bool json);
  std::string routes_text();
  std::string arp_text();
  void clear_sas();
  void teardown();

  RunOptions opt_;
  Plan plan_;
  std::string hostname_;
  rte_mempool* pool_ = nullptr;
  std::vector<Iface> ifaces_;
  std::vector<uint16_t> started_;
  std::vector<std::string> vdevs_;
  dp::RouteTable* routes_ = nullptr;  // the first table; owned by sa_control_
  std::vector<config::Route> static_routes_;  // the `ip route` lines in effect (config, then ctl)
  unsigned fib_generation_ = 0;
  std::map<uint16_t, uint16_t> rx_queues_;  // per port: rx queues set up (<= workers)
  std::unique_ptr<dp::NeighborTable> neighbors_;
  dp::PortMap ports_;
  std::unique_ptr<dp::SaControl> sa_control_;
  std::vector<std::unique_ptr<dp::WorkerCtx>> workers_;
  std::vector<dp::WorkerLaunch> launches_;
  std::vector<unsigned> worker_lcores_;
  std::atomic<bool> stop_{false};
  bool launched_ = false;
  std::unique_ptr<dp::EspCtx> keys_;  // the control thread's IMB_MGR, for key expansion
  std::unique_ptr<ChildSaTable> child_sas_;
  std::shared_ptr<const config::Config> config_;
  std::unique_ptr<IkeService> ike_;
  std::vector<TunnelRt> tunnels_;
  std::map<std::pair<uint16_t, uint32_t>, std::array<uint8_t, 6>> learned_;
  CtlServer ctl_;
  uint64_t events_seen_ = 0;
};

bool Daemon::load_plan() {
  config::LoadResult r = config::load_file(opt_.config_path);
  for (const config::Diagnostic& d : r.diagnostics.all())
    std::printf("%s\n", r.diagnostics.format(d).c_str());
  if (!r.ok()) return fail("configuration " + opt_.config_path + " rejected");
  std::vector<config::Diagnostic> diags;
  std::optional<Plan> plan = make_plan(*r.config, &diags);
  for (const config::Diagnostic& d : diags) std::printf("%s\n", r.diagnostics.format(d).c_str());
  if (!plan) return fail("configuration " + opt_.config_path + " cannot run");
  if (plan->ports.empty())
    return fail("no `dataplane port INTERFACE DEVICE` line: nothing to forward on");
  plan_ = std::move(*plan);
  hostname_ = r.config->hostname;
  config_ = r.config;
  return true;
}

bool Daemon::setup_pool() {
  uint16_t mtu = 1500;
  for (const PortPlan& p : plan_.ports) mtu = std::max(mtu, p.mtu);
  // Frame, the ESP overhead the engine may add (outer IPv4, UDP, ESP
  // header, IV, padding, ICV: < 100 bytes), and the headroom.
  const unsigned room = RTE_PKTMBUF_HEADROOM + mtu + 14 + 128;
  std::string err;
  pool_ = dp::make_pktmbuf_pool("keyway_pool", plan_.mbufs, &err, std::max(room, 2048u + 128u));
  return pool_ ? true : fail(err);
}

bool Daemon::add_tap(const std::string& interface, const std::array<uint8_t, 6>& mac, Iface* out) {
  const std::string vdev = "net_tap_kw" + std::to_string(vdevs_.size());
  out->tap = tap_name(interface);
  const std::string args = "iface=" + out->tap + ",mac=" + format_mac(mac);
  // net_tap reports at error level that it cannot add the multiq qdisc
  // its rte_flow support wants (sch_multiq is not in every kernel); keyway
  // uses no rte_flow, so those lines would only mislead. Failure to create
  // the TAP is reported below.
  const int level = rte_log_get_level(rte_log_register("pmd.net.tap"));
  rte_log_set_level_pattern("pmd.net.tap*", RTE_LOG_EMERG);
  const int rc = rte_vdev_init(vdev.c_str(), args.c_str());
  rte_log_set_level_pattern("pmd.net.tap*", level > 0 ? static_cast<uint32_t>(level) : RTE_LOG_WARNING);
  if (rc != 0)
    return fail("cannot create TAP " + out->tap + " for " + interface + " (" + vdev + "," + args +
                "): is /dev/net/tun there, and are we root?");
  vdevs_.push_back(vdev);
  // Before the port starts (which brings the link up): otherwise the
  // kernel's first IPv6 router solicitation is already on its way.
  std::string ignored;
  write_sysctl("net/ipv6/conf/" + out->tap + "/disable_ipv6", "1", &ignored);
  if (rte_eth_dev_get_port_by_name(vdev.c_str(), &out->tap_port) != 0)
    return fail("TAP " + vdev + " has no port");
  return true;
}

bool Daemon::setup_port(uint16_t port, uint16_t rxd, uint16_t txd, uint16_t mtu, const std::string& what) {
  // One rx and one tx queue per worker. Every worker must be able to
  // transmit on every port without a lock, so the device needs a tx queue
  // per worker; fewer rx queues only mean that some workers do not poll
  // the port (start_workers says which).
  const uint16_t workers = static_cast<uint16_t>(worker_lcores_.size());
  rte_eth_conf conf{};
  rte_eth_dev_info info{};
  if (rte_eth_dev_info_get(port, &info) != 0) return fail("port " + std::to_string(port) + ": no device info");
  if (info.max_tx_queues < workers)
    return fail(what + ": the device has " + std::to_string(info.max_tx_queues) + " tx queues, " +
                std::to_string(workers) + " workers need one each (net_af_packet: add qpairs=" +
                std::to_string(workers) + " to its --vdev arguments)");
  const uint16_t rxq = std::min<uint16_t>(workers, info.max_rx_queues ? info.max_rx_queues : 1);
  const uint16_t queues = workers;
  if (rxq > 1 && info.flow_type_rss_offloads) {
    conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
    conf.rx_adv_conf.rss_conf.rss_hf =
        info.flow_type_rss_offloads & (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP);
  }
  int rc = rte_eth_dev_configure(port, rxq, queues, &conf);
  if (rc != 0) return fail("port " + std::to_string(port) + ": configure: " + rte_strerror(-rc));
  if (mtu && rte_eth_dev_set_mtu(port, mtu) != 0)
    log("warning: " + what + ": the device refused MTU " + std::to_string(mtu) + "; using its own");
  rte_eth_dev_adjust_nb_rx_tx_desc(port, &rxd, &txd);
  const int socket = rte_eth_dev_socket_id(port);
  const unsigned sock = socket < 0 ? 0u : static_cast<unsigned>(socket);
  for (uint16_t q = 0; q < queues; ++q) {
    if ((q < rxq && (rc = rte_eth_rx_queue_setup(port, q, rxd, sock, nullptr, pool_)) != 0) ||
        (rc = rte_eth_tx_queue_setup(port, q, txd, sock, nullptr)) != 0)
      return fail("port " + std::to_string(port) + ": queue setup: " + rte_strerror(-rc));
  }
  rx_queues_[port] = rxq;
  if (workers > 1)
    log(what + ": " + std::to_string(rxq) + " rx queue" + (rxq == 1 ? "" : "s") +
        (conf.rxmode.mq_mode == RTE_ETH_MQ_RX_RSS ? " (RSS)" : "") + ", " + std::to_string(queues) +
        " tx queues" + (rxq < workers ? "; workers " + std::to_string(rxq) + ".." +
                                            std::to_string(workers - 1) + " do not poll it"
                                      : ""));
  if ((rc = rte_eth_dev_start(port)) != 0)
    return fail("port " + std::to_string(port) + ": start: " + rte_strerror(-rc));
  started_.push_back(port);
  return true;
}

bool Daemon::setup_interfaces() {
  std::string err;
  for (const PortPlan& p : plan_.ports) {
    Iface f;
    f.name = p.interface;
    f.physical = true;
    if (rte_eth_dev_get_port_by_name(p.device.c_str(), &f.port) != 0) {
      std::string have;
      uint16_t id;
      RTE_ETH_FOREACH_DEV(id) {
        char name[RTE_ETH_NAME_MAX_LEN];
        if (rte_eth_dev_get_name_by_port(id, name) == 0) have += std::string(have.empty() ? "" : ", ") + name;
      }
      return fail("dataplane port " + p.interface + ": no DPDK device '" + p.device +
                  "' (devices: " + (have.empty() ? "none; add --vdev or -a EAL arguments" : have) + ")");
    }
    if (f.port >= dp::kMaxPorts) return fail("port id beyond " + std::to_string(dp::kMaxPorts));
    const auto mac = mac_of(f.port);
    if (!add_tap(p.interface, mac, &f)) return false;
    if (f.tap_port >= dp::kMaxPorts) return fail("port id beyond " + std::to_string(dp::kMaxPorts));
    if (!setup_port(f.port, p.rx_desc, p.tx_desc, p.mtu, p.interface) ||
        !setup_port(f.tap_port, 256, 256, 0, f.tap))
      return false;
    if (!quiet_kernel_side(f.port, p.interface)) return false;
    ports_.port[f.port] = dp::PortRole{dp::PortRole::Kind::kPhys, f.tap_port, mac};
    ports_.port[f.tap_port] = dp::PortRole{dp::PortRole::Kind::kPortTap, f.port, mac};
    log(p.interface + " is " + p.device + " (port " + std::to_string(f.port) + ", " +
        format_mac(mac) + "), kernel side " + f.tap);
    ifaces_.push_back(f);
  }
  // Tunnels and loopbacks exist for the kernel only as TAPs without ARP.
  std::vector<std::string> local;
  for (const TunnelPlan& t : plan_.tunnels) local.push_back(t.interface);
  for (const LoopbackPlan& l : plan_.loopbacks) local.push_back(l.interface);
  for (size_t i = 0; i < local.size(); ++i) {
    Iface f;
    f.name = local[i];
    const std::array<uint8_t, 6> mac{0x02, 0x6b, 0x77, 0x00, static_cast<uint8_t>(i >> 8),
                                     static_cast<uint8_t>(i)};
    if (!add_tap(f.name, mac, &f)) return false;
    if (f.tap_port >= dp::kMaxPorts) return fail("port id beyond " + std::to_string(dp::kMaxPorts));
    if (!setup_port(f.tap_port, 256, 256, 0, f.tap)) return false;
    ports_.port[f.tap_port] = dp::PortRole{dp::PortRole::Kind::kLocalTap, f.tap_port, mac};
    for (const TunnelPlan& t : plan_.tunnels) {
      if (t.interface != f.name) continue;
      if (ports_.tunnel_tap.size() <= t.id) ports_.tunnel_tap.resize(t.id + 1, dp::kNoTap);
      ports_.tunnel_tap[t.id] = f.tap_port;
    }
    ifaces_.push_back(f);
  }
  return true;
}

// A port that is a kernel interface read through a socket (net_af_packet
// on a veth) is still seen by the kernel's own IPv4 stack, which would
// answer ARP and pings for the router's addresses a second time (Linux
// accepts packets for any local address on any interface). The TAP is
// the kernel's only way in: on the port's own interface, strict
// reverse-path filtering drops IPv4 (the way back is the TAP), ARP is
// never answered, and IPv6 is off.
bool Daemon::quiet_kernel_side(uint16_t port, const std::string& interface) {
  rte_eth_dev_info info{};
  char name[IF_NAMESIZE] = {};
  if (rte_eth_dev_info_get(port, &info) != 0 || info.if_index == 0 ||
      !if_indextoname(info.if_index, name))
    return true;  // not a kernel interface (a NIC bound to a DPDK driver, a pcap file, ...)
  std::string err, ignored;
  write_sysctl(std::string("net/ipv6/conf/") + name + "/disable_ipv6", "1", &ignored);
  if (!write_sysctl(std::string("net/ipv4/conf/") + name + "/rp_filter", "1", &err) ||
      !write_sysctl(std::string("net/ipv4/conf/") + name + "/arp_ignore", "8", &err))
    return fail(interface + ": " + err);
  log(interface + ": kernel interface " + name + " left to the data plane (rp_filter 1, arp_ignore 8, no IPv6)");
  return true;
}

const Iface* Daemon::iface(const std::string& name) const {
  for (const Iface& f : ifaces_)
    if (f.name == name) return &f;
  return nullptr;
}

bool Daemon::setup_kernel() {
  std::string err;
  for (const PortPlan& p : plan_.ports)
    if (!configure_tap(iface(p.interface)->tap, p.address, p.prefix_len, p.mtu, true, &err))
      return fail(err);
  for (const TunnelPlan& t : plan_.tunnels) {
    // The kernel's own packets into the tunnel must fit the outer MTU once
    // encrypted; the data plane applies the same limit to forwarded ones.
    if (!configure_tap(iface(t.interface)->tap, t.address, t.prefix_len, kTunnelMtu, false, &err))
      return fail(err);
  }
  for (const LoopbackPlan& l : plan_.loopbacks)
    if (!configure_tap(iface(l.interface)->tap, l.address, l.prefix_len, 1500, false, &err))
      return fail(err);
  // The kernel needs the static routes too, for what it originates
  // (ping replies, IKE): through the TAP of the route's interface.
  for (const RoutePlan& r : plan_.routes)
    if (r.source == RoutePlan::Source::kStatic && !kernel_route(r, true, &err)) return fail(err);
  return true;
}

// Mirrors a static route into the kernel (add: replace; else delete).
bool Daemon::kernel_route(const RoutePlan& r, bool add, std::string* err) {
  const std::string prefix = dp::format_ipv4(r.prefix) + "/" + std::to_string(r.prefix_len);
  std::vector<std::string> args{"route", add ? "replace" : "del"};
  if (r.kind == RouteKind::kDrop) {
    args.insert(args.end(), {"blackhole", prefix});
  } else {
    const Iface* f = iface(r.interface);
    if (!f) return true;
    args.push_back(prefix);
    if (r.kind == RouteKind::kPort && r.gateway) args.insert(args.end(), {"via", dp::format_ipv4(r.gateway)});
    args.insert(args.end(), {"dev", f->tap});
  }
  return run_ip(args, err);
}

bool Daemon::setup_routes() {
  std::string err;
  sa_control_ = dp::SaControl::create(static_cast<unsigned>(worker_lcores_.size()), dp::RingSizes{}, &err);
  if (!sa_control_) return fail(err);
  neighbors_ = dp::NeighborTable::create("keyway_neigh", 4096, &err);
  if (!neighbors_) return fail(err);
  auto table = build_fib(plan_.routes, &err);
  if (!table) return fail(err);
  routes_ = sa_control_->adopt_routes(std::move(table));
  static_routes_ = config_->routes;
  return true;
}

// A FIB holding `routes` (those whose interface the data plane serves).
std::unique_ptr<dp::RouteTable> Daemon::build_fib(const std::vector<RoutePlan>& routes, std::string* err) {
  auto fib = dp::RouteTable::create("keyway_fib" + std::to_string(fib_generation_++),
                                    static_cast<uint32_t>(routes.size() + 64), err);
  if (!fib) return nullptr;
  for (const RoutePlan& r : routes) {
    dp::NextHop nh;
    const Iface* f = iface(r.interface);
    switch (r.kind) {
      case RouteKind::kDrop:
        break;
      case RouteKind::kPort:
        if (!f || !f->physical) continue;
        nh.kind = dp::NextHop::Kind::kPort;
        nh.port = f->port;
        nh.gateway = r.gateway;
        break;
      case RouteKind::kTunnel:
        nh.kind = dp::NextHop::Kind::kTunnel;
        for (const TunnelRt& t : tunnels_)
          if (t.plan.interface == r.interface) nh.tunnel = t.plan.id;
        if (nh.tunnel == dp::kNoTunnel) continue;
        break;
      case RouteKind::kLocal:
        if (!f) continue;
        nh.kind = dp::NextHop::Kind::kLocal;
        nh.port = f->tap_port;
        break;
    }
    if (!fib->add(r.prefix, r.prefix_len, nh, err)) return nullptr;
  }
  return fib;
}

bool Daemon::start_workers() {
  std::string err;
  for (size_t w = 0; w < worker_lcores_.size(); ++w) {
    dp::WorkerConfig wc;
    wc.id = static_cast<uint16_t>(w);
    wc.workers = static_cast<uint16_t>(worker_lcores_.size());
    // A worker polls queue w of every port that has one.
    std::string polls;
    for (const Iface& f : ifaces_) {
      for (uint16_t port : {f.port, f.tap_port}) {
        if (port == f.port && !f.physical) continue;
        if (w >= rx_queues_[port]) continue;
        wc.rx.push_back({port, static_cast<uint16_t>(w)});
        if (port == f.port) polls += " " + f.name;
      }
    }
    if (worker_lcores_.size() > 1)
      log("worker " + std::to_string(w) + " on lcore " + std::to_string(worker_lcores_[w]) +
          ": rx queue " + std::to_string(w) + " of" + (polls.empty() ? " no Ethernet port" : polls) +
          " and of the TAPs that have one");
    wc.max_tunnels = static_cast<uint32_t>(std::max<size_t>(plan_.tunnels.size(), 1));
    wc.router = dp::RouterTables{routes_, neighbors_.get(), &ports_};
    wc.tx_queue = static_cast<uint16_t>(w);
    wc.idle_sleep_us = opt_.idle_sleep_us;
    wc.tunnel_mtu = kTunnelMtu;
    auto worker = dp::WorkerCtx::create(wc, sa_control_->rings(static_cast<unsigned>(w)), &err);
    if (!worker) return fail(err);
    workers_.push_back(std::move(worker));
  }
  launches_.resize(workers_.size());
  for (size_t w = 0; w < workers_.size(); ++w) {
    launches_[w] = dp::WorkerLaunch{workers_[w].get(), &stop_};
    if (rte_eal_remote_launch(dp::worker_lcore_main, &launches_[w], worker_lcores_[w]) != 0)
      return fail("cannot launch the worker on lcore " + std::to_string(worker_lcores_[w]));
  }
  launched_ = true;
  return true;
}

bool Daemon::start_ike() {
  std::string store = opt_.pki_store;
  if (store.empty()) {
    const char* env = std::getenv("KEYWAY_PKI_STORE");
    store = env && *env ? env : "/var/lib/keyway/pki";
  }
  std::string err;
  IkeOptions ike{store, opt_.debug_isakmp, opt_.debug_ikev2};
  ike_ = IkeService::create(config_, plan_, ike, *child_sas_, [](const std::string& line) { log(line); }, &err);
  if (!ike_ && !err.empty()) return fail("IKE: " + err);
  if (ike_)
    log(std::string(ike_->runs_ikev1() && ike_->runs_ikev2() ? "IKEv1 and IKEv2"
                    : ike_->runs_ikev1()                     ? "IKEv1"
                                                             : "IKEv2") +
        " on UDP 500 and 4500");
  for (const TunnelRt& t : tunnels_) {
    if (t.has_manual || (ike_ && ike_->handles(t.plan.id))) continue;
    log("warning: " + t.plan.interface + " has neither manual SAs nor an ISAKMP or IKEv2 profile keyway can "
        "negotiate with; its traffic is dropped");
  }
  return true;
}

bool Daemon::install_manual_sas() {
  std::string err;
  keys_ = dp::EspCtx::create(&err);
  if (!keys_) return fail(err);
  child_sas_ = std::make_unique<ChildSaTable>(*sa_control_, keys_->mgr, kRekeyGrace);
  for (TunnelRt& t : tunnels_) {
    if (!t.has_manual) continue;
    ChildSaPair pair;
    pair.keying = "manual";
    for (const ManualSaPlan& m : t.plan.manual_sas)
      (m.dir == dp::Direction::kInbound ? pair.in : pair.out) = m.spec;
    if (!child_sas_->install(t.plan.id, pair, Clock::now(), &err))
      return fail(t.plan.interface + ": manual SAs: " + err);
  }
  return true;
}

void Daemon::wait_applied() {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (;;) {
    sa_control_->poll(nullptr);
    bool all = true;
    for (size_t w = 0; w < workers_.size(); ++w)
      all = all && sa_control_->queued(static_cast<unsigned>(w)) == 0 &&
            workers_[w]->msgs_applied() >= sa_control_->sent(static_cast<unsigned>(w));
    if (all || std::chrono::steady_clock::now() > deadline) return;
    rte_delay_us_sleep(100);
  }
}

int Daemon::start() {
  if (!load_plan()) return 2;
  std::string err;
  if (!dp::eal_init(opt_.eal_args, &err)) {
    log("error: " + err);
    return 2;
  }
  unsigned lcore;
  RTE_LCORE_FOREACH_WORKER(lcore) worker_lcores_.push_back(lcore);
  if (worker_lcores_.empty()) {
    log("error: no worker lcore: give EAL at least two (e.g. -l 0,1); the main lcore runs the control thread");
    return 2;
  }
  if (worker_lcores_.size() > 1)
    log(std::to_string(worker_lcores_.size()) + " worker lcores; each tunnel's SAs are processed by one "
        "of them, the others hand it its packets");
  for (const TunnelPlan& t : plan_.tunnels)
    tunnels_.push_back(TunnelRt{t, !t.manual_sas.empty(), {}, 0});
  if (!setup_pool()) return 2;
  if (!setup_interfaces() || !setup_kernel() || !setup_routes() || !start_workers() ||
      !install_manual_sas() || !start_ike())
    return 2;
  wait_applied();
  const std::string ctl = opt_.ctl_path.empty()
                              ? std::string(kDefaultCtlDir) + "/" + hostname_ + ".sock"
                              : opt_.ctl_path;
  if (!ctl_.open(ctl, &err)) {
    log("error: " + err);
    return 2;
  }
  // Resolve the next hops we already know we need.
  for (const TunnelRt& t : tunnels_) {
    const dp::NextHop& nh = sa_control_->current_routes()->lookup(t.plan.destination);
    if (t.plan.destination && nh.kind == dp::NextHop::Kind::kPort)
      probe(nh.port, nh.gateway ? nh.gateway : t.plan.destination);
  }
  for (const RoutePlan& r : plan_.routes)
    if (r.kind == RouteKind::kPort && r.gateway) {
      const Iface* f = iface(r.interface);
      if (f) probe(f->port, r.gateway);
    }
  log("control socket " + ctl);
  log("ready");
  return 0;
}

void Daemon::probe(uint16_t port, uint32_t ip) {
  const dp::PortRole& role = ports_.port[port];
  if (role.kind != dp::PortRole::Kind::kPhys) return;
  for (const Iface& f : ifaces_) {
    if (!f.physical || f.port != port) continue;
    std::string err;
    if (!probe_neighbor(f.tap, ip, &err)) log("warning: " + err);
  }
}

void Daemon::learn_neighbors() {
  for (const KernelNeighbor& n : read_arp_table()) {
    for (const Iface& f : ifaces_) {
      if (!f.physical || f.tap != n.ifname) continue;
      auto& known = learned_[{f.port, n.ip}];
      if (known == n.mac) continue;
      if (!neighbors_->set(f.port, n.ip, n.mac.data())) {
        log("warning: neighbour table full; " + dp::format_ipv4(n.ip) + " not learned");
        continue;
      }
      known = n.mac;
      log("neighbour " + dp::format_ipv4(n.ip) + " is " + format_mac(n.mac) + " on " + f.name);
    }
  }
}

void Daemon::poll_events() {
  std::vector<dp::Event> events;
  sa_control_->poll(&events);
  for (const dp::Event& ev : events) {
    ++events_seen_;
    switch (ev.type) {
      case dp::EventType::kNeedsNeighbor:
        probe(static_cast<uint16_t>(ev.tunnel), ev.spi);
        break;
      case dp::EventType::kNeedsSa: {
        if (ike_ && ike_->handles(ev.tunnel)) {
          ike_->on_event(ev, Clock::now());
          break;
        }
        // Workers report at most every 100 ms per tunnel; the log says it
        // at most every 10 s, with the drops added up in between.
        if (ev.tunnel >= tunnels_.size()) break;
        TunnelRt& t = tunnels_[ev.tunnel];
        t.no_sa_pending += ev.packets;
        const auto now = std::chrono::steady_clock::now();
        if (now - t.no_sa_logged < std::chrono::seconds(10)) break;
        log(t.plan.interface + ": traffic routed into the tunnel but it has no SA; " +
            std::to_string(t.no_sa_pending) + " packets dropped" +
            (t.has_manual ? " (manual SAs cleared)" : " (no IKE in this version)"));
        t.no_sa_logged = now;
        t.no_sa_pending = 0;
        break;
      }
      case dp::EventType::kSoftExpired:
      case dp::EventType::kHardExpired:
        if (ike_ && ike_->handles(ev.tunnel)) {
          ike_->on_event(ev, Clock::now());
          break;
        }
        log(std::string(dp::event_name(ev.type)) + " SA " + std::to_string(ev.spi) + " after " +
            std::to_string(ev.packets) + " packets; manual SAs are not rekeyed");
        break;
    }
  }
}

void Daemon::loop() {
  auto last_arp = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  while (!g_signal) {
    std::vector<pollfd> fds{{ctl_.fd(), POLLIN, 0}};
    if (ike_)
      for (int fd : ike_->fds()) fds.push_back({fd, POLLIN, 0});
    const int r = poll(fds.data(), fds.size(), 5);
    if (r > 0 && (fds[0].revents & POLLIN))
      ctl_.serve_one([this](const std::string& req) { return handle(req); });
    if (ike_) ike_->poll(Clock::now());
    poll_events();
    const auto now = std::chrono::steady_clock::now();
    child_sas_->poll(now);
    if (now - last_arp >= std::chrono::milliseconds(50)) {
      learn_neighbors();
      last_arp = now;
    }
  }
  log(std::string("stopping (") + (g_signal == SIGINT ? "SIGINT" : "SIGTERM") + ")");
  // Peers learn that the IKE SAs are gone (one Delete each, as strongSwan
  // does on shutdown) instead of finding out by DPD.
  if (ike_) {
    ike_->clear_all(Clock::now());
    ike_->poll(Clock::now());
  }
}

void Daemon::clear_sas() {
  for (TunnelRt& t : tunnels_) {
    const size_t n = child_sas_->clear(t.plan.id);
    if (n) log(t.plan.interface + ": " + std::to_string(n) + " SAs cleared");
  }
  wait_applied();
}

std::string Daemon::counters_json() {
  std::ostringstream o;
  o << "{\"ports\": {";
  bool first = true;
  for (const Iface& f : ifaces_) {
    if (!f.physical) continue;
    rte_eth_stats s{};
    rte_eth_stats_get(f.port, &s);
    o << (first ? "" : ", ") << "\"" << json_escape(f.name) << "\": {\"rx\": " << s.ipackets
      << ", \"tx\": " << s.opackets << ", \"rx_bytes\": " << s.ibytes << ", \"tx_bytes\": "
      << s.obytes << ", \"rx_missed\": " << s.imissed << ", \"rx_errors\": " << s.ierrors
      << ", \"tx_errors\": " << s.oerrors << "}";
    first = false;
  }
  o << "}, \"worker\": {";
  for (size_t i = 0; i < dp::kNumWorkerCounters; ++i) {
    uint64_t v = 0;
    for (auto& w : workers_) v += w->counters().v[i].get();
    o << (i ? ", " : "") << "\"" << dp::kWorkerCounterNames[i] << "\": " << v;
  }
  // Per worker: what it received and what crossed between workers.
  o << "}, \"workers\": [";
  for (size_t w = 0; w < workers_.size(); ++w) {
    const dp::WorkerCounters& c = workers_[w]->counters();
    o << (w ? ", " : "") << "{\"lcore\": " << worker_lcores_[w] << ", \"rx\": " << c[dp::WorkerCounter::kRx]
      << ", \"tx\": " << c[dp::WorkerCounter::kTx] << ", \"handoff\": " << c[dp::WorkerCounter::kHandoff]
      << ", \"handoff_rx\": " << c[dp::WorkerCounter::kHandoffRx] << ", \"handoff_full\": "
      << c[dp::WorkerCounter::kHandoffFull] << "}";
  }
  o << "], \"esp\": {";
  for (size_t i = 0; i < dp::kNumEspCounters; ++i) {
    uint64_t v = 0;
    for (auto& w : workers_) v += w->esp_counter(static_cast<dp::EspCounter>(i));
    o << (i ? ", " : "") << "\"" << dp::kEspCounterNames[i] << "\": " << v;
  }
  o << "}, \"tunnels\": {";
  for (size_t t = 0; t < tunnels_.size(); ++t) {
    uint64_t op = 0, ob = 0, ip = 0, ib = 0, ns = 0;
    for (auto& w : workers_) {
      const dp::TunnelCounters* c = w->tunnel_counters(tunnels_[t].plan.id);
      if (!c) continue;
      op += c->out_packets.get(), ob += c->out_bytes.get(), ip += c->in_packets.get();
      ib += c->in_bytes.get(), ns += c->no_sa.get();
    }
    o << (t ? ", " : "") << "\"" << json_escape(tunnels_[t].plan.interface) << "\": {\"out_packets\": "
      << op << ", \"out_bytes\": " << ob << ", \"in_packets\": " << ip << ", \"in_bytes\": " << ib
      << ", \"no_sa\": " << ns << "}";
  }
  o << "}, \"ike\": {";
  if (ike_) {
    for (const auto& [name, v] : ike_->counters()) o << "\"" << name << "\": " << v << ", ";
    // Rekeys keyway answered and their outbound switches (ChildSaTable, deferred).
    const ChildSaTable::SwitchStats& sw = child_sas_->switch_stats();
    o << "\"rekeys_answered\": " << sw.deferred << ", \"switch_on_traffic\": " << sw.on_traffic
      << ", \"switch_on_delete\": " << sw.on_delete << ", \"switch_on_time\": " << sw.on_time;
  }
  o << "}}\n";
  return o.str();
}

std::string Daemon::counters_text() {
  std::ostringstream o;
  for (const Iface& f : ifaces_) {
    if (!f.physical) continue;
    rte_eth_stats s{};
    rte_eth_stats_get(f.port, &s);
    o << f.name << ": rx " << s.ipackets << " packets " << s.ibytes << " bytes, tx " << s.opackets
      << " packets " << s.obytes << " bytes, rx missed " << s.imissed << "\n";
  }
  o << "worker:";
  for (size_t i = 0; i < dp::kNumWorkerCounters; ++i) {
    uint64_t v = 0;
    for (auto& w : workers_) v += w->counters().v[i].get();
    if (v) o << " " << dp::kWorkerCounterNames[i] << " " << v;
  }
  if (workers_.size() > 1) {
    for (size_t w = 0; w < workers_.size(); ++w) {
      const dp::WorkerCounters& c = workers_[w]->counters();
      o << "\nworker " << w << " (lcore " << worker_lcores_[w] << "): rx " << c[dp::WorkerCounter::kRx]
        << " tx " << c[dp::WorkerCounter::kTx] << " handoff " << c[dp::WorkerCounter::kHandoff]
        << " handoff_rx " << c[dp::WorkerCounter::kHandoffRx] << " handoff_full "
        << c[dp::WorkerCounter::kHandoffFull];
    }
  }
  o << "\nesp:";
  for (size_t i = 0; i < dp::kNumEspCounters; ++i) {
    uint64_t v = 0;
    for (auto& w : workers_) v += w->esp_counter(static_cast<dp::EspCounter>(i));
    if (v) o << " " << dp::kEspCounterNames[i] << " " << v;
  }
  o << "\n";
  for (const TunnelRt& t : tunnels_) {
    uint64_t op = 0, ip = 0, ns = 0;
    for (auto& w : workers_) {
      const dp::TunnelCounters* c = w->tunnel_counters(t.plan.id);
      if (c) op += c->out_packets.get(), ip += c->in_packets.get(), ns += c->no_sa.get();
    }
    o << t.plan.interface << ": encaps " << op << ", decaps " << ip << ", dropped without SA " << ns
      << "\n";
  }
  if (ike_) {
    o << "ike:";
    for (const auto& [name, v] : ike_->counters())
      if (v) o << " " << name << " " << v;
    const ChildSaTable::SwitchStats& sw = child_sas_->switch_stats();
    if (sw.deferred)
      o << " rekeys_answered " << sw.deferred << " (switched on traffic " << sw.on_traffic << ", on delete "
        << sw.on_delete << ", on time " << sw.on_time << ")";
    o << "\n";
  }
  return o.str();
}

std::string spi_hex(uint32_t spi) {
  char s[16];
  std::snprintf(s, sizeof s, "0x%08X", spi);
  return s;
}

std::string Daemon::ipsec_sa(bool json) {
  std::ostringstream o;
  if (json) o << "{\"tunnels\": [";
  for (size_t i = 0; i < tunnels_.size(); ++i) {
    const TunnelRt& t = tunnels_[i];
    uint64_t op = 0, ob = 0, ip = 0, ib = 0;
    for (auto& w : workers_) {
      const dp::TunnelCounters* c = w->tunnel_counters(t.plan.id);
      if (c) op += c->out_packets.get(), ob += c->out_bytes.get(), ip += c->in_packets.get(), ib += c->in_bytes.get();
    }
    const std::vector<ChildSa> sas = child_sas_->sas(t.plan.id);
    const std::string local = dp::format_ipv4(t.plan.source), peer = dp::format_ipv4(t.plan.destination);
    uint32_t current_out = 0;
    uint16_t peer_port = 500;  // IKE's port, as IOS prints it, unless ESP travels in UDP
    for (const ChildSa& c : sas)
      if (c.current && c.dir == dp::Direction::kOutbound) {
        current_out = c.spi;
        if (c.udp_encap) peer_port = c.peer_port;
      }
    auto list = [&](dp::Direction dir, bool as_json) {
      std::ostringstream l;
      bool first = true;
      for (const ChildSa& c : sas) {
        if (c.dir != dir) continue;
        const std::string name(dp::transform_info(c.transform).name);
        if (as_json) {
          l << (first ? "" : ", ") << "{\"spi\": \"" << spi_hex(c.spi) << "\", \"transform\": \"" << name
            << "\", \"keying\": \"" << c.keying << "\", \"current\": " << (c.current ? "true" : "false")
            << ", \"udp_encap\": " << (c.udp_encap ? "true" : "false");
          l << ", \"packets\": " << c.packets << ", \"bytes\": " << c.bytes;
          l << "}";
        } else {
          l << "      spi: " << spi_hex(c.spi) << (c.current ? "" : " (rekeyed, expiring)") << "\n"
            << "        #pkts: " << c.packets << ", #bytes: " << c.bytes << "\n"
            << "        transform: " << name << " ,\n        in use settings ={Tunnel" << (c.udp_encap ? " UDP-Encaps" : "") << ", }\n"
            << "        keying: " << c.keying << (c.keying == "manual" ? " (lab only)" : "") << "\n\n";
        }
        first = false;
      }
      return l.str();
    };
    if (json) {
      o << (i ? ", " : "") << "{\"interface\": \"" << json_escape(t.plan.interface) << "\", \"local\": \""
        << local << "\", \"peer\": \"" << peer << "\", \"up\": " << (child_sas_->up(t.plan.id) ? "true" : "false")
        << ", \"inbound\": [" << list(dp::Direction::kInbound, true) << "], \"outbound\": ["
        << list(dp::Direction::kOutbound, true) << "]}";
    } else {
      // The shape of IOS `show crypto ipsec sa`, for what keyway has.
      o << "interface: " << t.plan.interface << "\n"
        << "    Crypto map tag: " << t.plan.interface << "-head-0, local addr " << local << "\n\n"
        << "   current_peer " << peer << " port " << peer_port << "\n"
        << "    #pkts encaps: " << op << ", #pkts encrypt: " << op << "\n"
        << "    #pkts decaps: " << ip << ", #pkts decrypt: " << ip << "\n\n"
        << "     local crypto endpt.: " << local << ", remote crypto endpt.: " << peer << "\n"
        << "     current outbound spi: " << (current_out ? spi_hex(current_out) : "0x0") << "\n\n"
        << "     inbound esp sas:\n" << list(dp::Direction::kInbound, false)
        << "     outbound esp sas:\n" << list(dp::Direction::kOutbound, false) << "\n";
    }
  }
  if (json) o << "]}\n";
  return o.str();
}

std::string Daemon::routes_text() {
  std::ostringstream o;
  for (const RoutePlan& r : plan_.routes) {
    const char code = r.source == RoutePlan::Source::kConnected ? 'C'
                      : r.source == RoutePlan::Source::kLocal   ? 'L'
                                                                : 'S';
    o << code << "     " << dp::format_ipv4(r.prefix) << "/" << int{r.prefix_len};
    if (r.kind == RouteKind::kDrop) o << " is directly connected, Null0";
    else if (r.gateway) o << " via " << dp::format_ipv4(r.gateway) << ", " << r.interface;
    else o << " is directly connected, " << r.interface;
    o << "\n";
  }
  return o.str();
}

std::string Daemon::arp_text() {
  std::ostringstream o;
  o << "Protocol  Address          Hardware Addr       Interface\n";
  for (const auto& [key, mac] : learned_) {
    std::string name = "?";
    for (const Iface& f : ifaces_)
      if (f.physical && f.port == key.first) name = f.name;
    char line[128];
    std::snprintf(line, sizeof line, "Internet  %-16s %-19s %s\n", dp::format_ipv4(key.second).c_str(),
                  format_mac(mac).c_str(), name.c_str());
    o << line;
  }
  return o.str();
}

CtlResponse Daemon::handle(const std::string& request) {
  std::istringstream in(request);
  std::vector<std::string> w;
  for (std::string s; in >> s;) w.push_back(s);
  bool json = false;
  if (!w.empty() && w.back() == "--json") {
    json = true;
    w.pop_back();
  }
  auto is = [&](std::initializer_list<const char*> words) {
    if (w.size() != words.size()) return false;
    size_t i = 0;
    for (const char* x : words)
      if (w[i++] != x) return false;
    return true;
  };
  if (is({"show", "counters"})) return {true, json ? counters_json() : counters_text()};
  if (is({"show", "crypto", "ipsec", "sa"})) return {true, ipsec_sa(json)};
  if (is({"show", "ip", "route"})) return {true, routes_text()};
  if (is({"show", "arp"})) return {true, arp_text()};
  const bool v1 = ike_ && ike_->runs_ikev1(), v2 = ike_ && ike_->runs_ikev2();
  static const std::string no_v1 = "IKEv1 is not running: no tunnel is protected by an ISAKMP profile\n";
  static const std::string no_v2 = "IKEv2 is not running: no tunnel is protected by an IKEv2 profile\n";
  if (is({"show", "crypto", "isakmp", "sa"}) || is({"show", "crypto", "isakmp", "sa", "detail"})) {
    if (!v1) return {false, no_v1};
    return {true, ike_->show_isakmp_sa(w.size() == 5, json)};
  }
  if (is({"show", "crypto", "ikev2", "sa"}) || is({"show", "crypto", "ikev2", "sa", "detailed"})) {
    if (!v2) return {false, no_v2};
    return {true, ike_->show_ikev2_sa(w.size() == 5, json)};
  }
  if (is({"show", "crypto", "ikev2", "profile"})) {
    if (!v2) return {false, no_v2};
    return {true, ike_->show_ikev2_profiles()};
  }
  if (is({"clear", "crypto", "ikev2", "sa"})) {
    if (ike_) ike_->clear_ikev2(Clock::now());
    return {true, ""};
  }
  // IOS: `clear crypto isakmp` deletes the ISAKMP SAs; `clear crypto
  // session` the IPsec SAs with them. keyway's IKEv1 engine deletes both
  // for either (an IPsec pair without its ISAKMP SA cannot be rekeyed).
  if (is({"clear", "crypto", "isakmp"}) || is({"clear", "crypto", "session"})) {
    if (ike_) {
      ike_->clear_isakmp(Clock::now());
      if (w[2] == "session") ike_->clear_ikev2(Clock::now());
    }
    return {true, ""};
  }
  if (is({"debug", "crypto", "ikev2"}) || is({"no", "debug", "crypto", "ikev2"})) {
    if (ike_) ike_->set_debug_ikev2(w[0] == "debug");
    return {true, std::string("IKEv2 debugging is ") + (w[0] == "debug" ? "on" : "off") + "\n"};
  }
  if (is({"debug", "crypto", "isakmp"}) || is({"no", "debug", "crypto", "isakmp"})) {
    if (ike_) ike_->set_debug_isakmp(w[0] == "debug");
    return {true, std::string("Crypto ISAKMP debugging is ") + (w[0] == "debug" ? "on" : "off") + "\n"};
  }
  if (is({"undebug", "all"})) {
    if (ike_) {
      ike_->set_debug_isakmp(false);
      ike_->set_debug_ikev2(false);
    }
    return {true, "All possible debugging has been turned off\n"};
  }
  if ((w.size() >= 4 && w[0] == "ip" && w[1] == "route") ||
      (w.size() >= 5 && w[0] == "no" && w[1] == "ip" && w[2] == "route"))
    return route_command(w);
  if (is({"clear", "crypto", "sa"})) {
    clear_sas();
    return {true, json ? "{}\n" : ""};
  }
  return {false, "unknown command '" + request +
                     "'; known: show counters, show crypto ipsec sa, show crypto isakmp sa [detail], "
                     "show crypto ikev2 sa [detailed], show crypto ikev2 profile, show ip route, show arp, "
                     "clear crypto sa, clear crypto isakmp, clear crypto session, clear crypto ikev2 sa, "
                     "[no] ip route PREFIX MASK [NEXTHOP|INTERFACE], [no] debug crypto isakmp, "
                     "[no] debug crypto ikev2, undebug all (each 'show' takes --json where noted in "
                     "`keyway ctl --help`)\n"};
}

// `ip route PREFIX MASK {NEXTHOP|INTERFACE}` and `no ip route PREFIX MASK
// [NEXTHOP|INTERFACE]` at run time: the static routes change, the whole
// table is resolved again as at start (routes.cpp), a new FIB is built and
// published to every worker (RCU: the old one is freed when every worker
// has handed it back), and the kernel's copy of the static routes follows.
CtlResponse Daemon::route_command(const std::vector<std::string>& w) {
  const bool no = w[0] == "no";
  const size_t at = no ? 3 : 2;
  const std::string usage = "usage: [no] ip route PREFIX MASK {NEXTHOP|INTERFACE}\n";
  if (w.size() < at + 2 || w.size() > at + 3 || (!no && w.size() != at + 3)) return {false, usage};
  const auto prefix = dp::parse_ipv4(w[at]);
  const auto mask = dp::parse_ipv4(w[at + 1]);
  if (!prefix || !mask) return {false, "bad prefix or mask\n" + usage};
  const int len = config::prefix_length(*mask);
  if (len < 32 && (*mask << len) != 0) return {false, "mask " + w[at + 1] + " is not contiguous\n"};
  config::Route r;
  r.prefix = *prefix & *mask;
  r.mask = *mask;
  if (w.size() == at + 3) {
    if (auto nh = dp::parse_ipv4(w[at + 2])) {
      r.next_hop = *nh;
    } else {
      std::string expected;
      auto name = config::parse_interface_name(w[at + 2], "", expected);
      if (!name) return {false, "'" + w[at + 2] + "' is neither an address nor an interface; expected " + expected + "\n"};
      r.interface = config::NameRef{name->canonical, {}};
    }
  }
  auto same_target = [&](const config::Route& x) {
    return x.next_hop == r.next_hop &&
           (x.interface ? std::optional<std::string>(x.interface->name) : std::nullopt) ==
               (r.interface ? std::optional<std::string>(r.interface->name) : std::nullopt);
  };
  std::vector<config::Route> next = static_routes_;
  const size_t before = next.size();
  std::erase_if(next, [&](const config::Route& x) {
    return x.prefix == r.prefix && x.mask == r.mask && (!(no && w.size() == at + 2) ? same_target(x) : true);
  });
  if (no && next.size() == before) return {false, "no such static route\n"};
  if (!no) next.push_back(r);

  config::Config c = *config_;
  c.routes = next;
  config::Diagnostics diags("ctl");
  std::vector<RoutePlan> routes = plan_routes(c, plan_, diags);
  if (!no) {
    for (const config::Diagnostic& d : diags.all())
      if (d.at.line == 0) return {false, "route not installed: " + diags.format(d) + "\n"};
  }
  std::string err;
  auto fib = build_fib(routes, &err);
  if (!fib) return {false, "cannot build the routing table: " + err + "\n"};
  sa_control_->publish_routes(std::move(fib));
  // The kernel's copy: statics that went away or changed first, then the new ones.
  auto key = [](const RoutePlan& x) { return std::pair(x.prefix, x.prefix_len); };
  std::map<std::pair<uint32_t, uint8_t>, const RoutePlan*> now;
  for (const RoutePlan& x : routes)
    if (x.source == RoutePlan::Source::kStatic) now[key(x)] = &x;
  for (const RoutePlan& x : plan_.routes) {
    if (x.source != RoutePlan::Source::kStatic) continue;
    auto it = now.find(key(x));
    const bool same = it != now.end() && it->second->kind == x.kind &&
                      it->second->interface == x.interface && it->second->gateway == x.gateway;
    if (same) {
      now.erase(it);
    } else if (it == now.end() && !kernel_route(x, false, &err)) {
      log("warning: " + err);
    }
  }
  for (const auto& [k, x] : now)
    if (!kernel_route(*x, true, &err)) log("warning: " + err);
  plan_.routes = std::move(routes);
  static_routes_ = std::move(next);
  wait_applied();
  log(std::string(no ? "no " : "") + "ip route " + w[at] + " " + w[at + 1] +
      (w.size() == at + 3 ? " " + w[at + 2] : "") + ": " + std::to_string(plan_.routes.size()) +
      " routes in the new table");
  return {true, ""};
}

void Daemon::print_final_counters() { std::fputs(counters_text().c_str(), stdout); }

void Daemon::teardown() {
  if (launched_) {
    stop_.store(true, std::memory_order_release);
    rte_eal_mp_wait_lcore();
    launched_ = false;
    for (size_t w = 0; w < workers_.size(); ++w)
      sa_control_->reclaim(static_cast<unsigned>(w), *workers_[w]);
  }
  for (uint16_t p : started_) {
    rte_eth_dev_stop(p);
    rte_eth_dev_close(p);
  }
  started_.clear();
  for (const std::string& v : vdevs_) rte_vdev_uninit(v.c_str());
  vdevs_.clear();
}

}  // namespace

int run(const RunOptions& options) {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGPIPE, SIG_IGN);
  Daemon d(options);
  const int rc = d.start();
  if (rc != 0) return rc;
  d.loop();
  d.print_final_counters();
  return 0;
}

}  // namespace keyway::daemon
