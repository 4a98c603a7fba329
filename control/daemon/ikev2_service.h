// The daemon's IKEv2: the engine (control/ikev2/engine.h) wired to the
// world — IKE sockets on 500/4500, the child SA table, the log, the data
// plane's events — and nothing else. The engine stays free of sockets and
// DPDK so that it is tested with two engines in one process.
//
// Control thread only.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "control/config/model.h"
#include "control/daemon/child_sa.h"
#include "control/daemon/ike_socket.h"
#include "control/daemon/plan.h"
#include "dataplane/api/runtime_msg.h"

namespace keyway::ikev2 {
class Engine;
}

namespace keyway::daemon {

class Ikev2Service {
 public:
  using LogFn = std::function<void(const std::string&)>;
  // Null with *error when no tunnel needs IKEv2 (not an error: *error is
  // left empty), or when the sockets or the PKI store cannot be opened.
  static std::unique_ptr<Ikev2Service> create(std::shared_ptr<const config::Config> config,
                                              const Plan& plan, const std::string& pki_store,
                                              ChildSaTable& children, bool debug, LogFn log,
                                              std::string* error);
  ~Ikev2Service();

  std::vector<int> fds() const { return sockets_.fds(); }
  // Reads the sockets and runs timers; call on readable sockets and at
  // least every few milliseconds.
  void poll(Clock::time_point now);
  // Data-plane events: needs_sa starts a negotiation, lifetimes rekey.
  void on_event(const dp::Event& ev, Clock::time_point now);
  bool handles(dp::TunnelId tunnel) const;

  std::string show_sa(bool detailed, bool json) const;
  std::string show_profiles() const;
  void clear(Clock::time_point now);
  void set_debug(bool on);

 private:
  class Host;
  Ikev2Service() = default;

  std::shared_ptr<const config::Config> config_;
  IkeSockets sockets_;
  std::unique_ptr<Host> host_;
  std::unique_ptr<ikev2::Engine> engine_;
  std::vector<bool> ike_tunnel_;  // by TunnelId: protected by an IKEv2 profile
};

}  // namespace keyway::daemon
