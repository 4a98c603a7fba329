// The daemon's IKE: both engines (control/ikev1/engine.h for tunnels whose
// IPsec profile says `set isakmp-profile`, control/ikev2/engine.h for `set
// ikev2-profile`) wired to the world — one pair of UDP sockets on 500/4500,
// the child SA table, the log, the data plane's events — and nothing else.
// The engines stay free of sockets and DPDK so that each is tested with two
// of itself in one process.
//
// A datagram goes to the engine of its version: the ISAKMP header's version
// octet (offset 17) is 0x10 for IKEv1 and 0x20 for IKEv2 (RFC 2408 3.1, RFC
// 7296 3.1); anything else, or a version with no engine running, is counted
// (`show counters`: ike.rx_unknown_version / ike.rx_no_engine) and dropped.
//
// Control thread only.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "control/config/model.h"
#include "control/daemon/child_sa.h"
#include "control/daemon/ike_socket.h"
#include "control/daemon/plan.h"
#include "dataplane/api/runtime_msg.h"

namespace keyway::ikev1 {
class Engine;
}
namespace keyway::ikev2 {
class Engine;
}

namespace keyway::daemon {

struct IkeOptions {
  std::string pki_store;   // the certificate store (--pki-store)
  bool debug_isakmp = false;  // `debug crypto isakmp` from the start
  bool debug_ikev2 = false;   // `debug crypto ikev2` from the start
};

class IkeService {
 public:
  using LogFn = std::function<void(const std::string&)>;
  // Null when no tunnel is protected by an ISAKMP or IKEv2 profile (then
  // *error is left empty), or with *error when the sockets or the PKI
  // store cannot be opened.
  static std::unique_ptr<IkeService> create(std::shared_ptr<const config::Config> config, const Plan& plan,
                                            const IkeOptions& opt, ChildSaTable& children, LogFn log,
                                            std::string* error);
  ~IkeService();

  std::vector<int> fds() const { return sockets_.fds(); }
  // Reads the sockets and runs both engines' timers; call on readable
  // sockets and at least every few milliseconds.
  void poll(Clock::time_point now);
  // Data-plane events of a tunnel this service handles: needs_sa starts a
  // negotiation, lifetimes rekey.
  void on_event(const dp::Event& ev, Clock::time_point now);
  bool handles(dp::TunnelId tunnel) const;

  bool runs_ikev1() const { return v1_ != nullptr; }
  bool runs_ikev2() const { return v2_ != nullptr; }
  // IOS `show crypto isakmp sa [detail]` / `show crypto ikev2 sa
  // [detailed]`, or the engines' JSON.
  std::string show_isakmp_sa(bool detailed, bool json) const;
  std::string show_ikev2_sa(bool detailed, bool json) const;
  std::string show_ikev2_profiles() const;
  // `clear crypto isakmp` / `clear crypto ikev2 sa` (the other engine's SAs stay).
  void clear_isakmp(Clock::time_point now);
  void clear_ikev2(Clock::time_point now);
  void clear_all(Clock::time_point now);
  void set_debug_isakmp(bool on);
  void set_debug_ikev2(bool on);
  // ike.* counters for `show counters`: {name, value}.
  std::vector<std::pair<std::string, uint64_t>> counters() const;

 private:
  class Host;
  IkeService() = default;
  void dispatch(const UdpEndpoint& local, const UdpEndpoint& remote, const std::vector<uint8_t>& message,
                Clock::time_point now);

  std::shared_ptr<const config::Config> config_;
  IkeSockets sockets_;
  std::unique_ptr<Host> host_;
  std::unique_ptr<ikev1::Engine> v1_;
  std::unique_ptr<ikev2::Engine> v2_;
  std::vector<uint8_t> version_;  // by TunnelId: 0 (not IKE), 1 or 2
  uint64_t rx_unknown_version_ = 0, rx_no_engine_ = 0;
};

}  // namespace keyway::daemon
