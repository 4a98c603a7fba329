// What an IKE engine (IKEv1 or IKEv2) needs from the daemon or a test: one
// Host object can serve both engines. Endpoints, the clock type and the
// Host interface; the engines' headers (ikev1/engine.h, ikev2/engine.h)
// say how and when they call it.
//
// Threads: the engines call Host synchronously from the daemon's control
// thread, from inside their own methods; Host must not call back into an
// engine from them.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "control/ike/types.h"
#include "dataplane/api/sa_spec.h"

namespace keyway::ike {

// An IPv4 UDP endpoint, address in host byte order.
struct Endpoint {
  uint32_t addr = 0;
  uint16_t port = 0;
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

using Clock = std::chrono::steady_clock;

// One `interface TunnelN` with `tunnel protection ipsec profile NAME`. The
// daemon gives the same list to both engines; each keeps the tunnels whose
// IPsec profile names its kind of profile (`set isakmp-profile`: IKEv1,
// `set ikev2-profile`: IKEv2).
struct TunnelConfig {
  uint32_t tunnel = 0;        // the data plane's tunnel id; passed back to Host
  std::string interface;      // "Tunnel1", for show and logs
  uint32_t local = 0;         // `tunnel source` address, host order
  uint32_t peer = 0;          // `tunnel destination`, host order
  std::string ipsec_profile;  // `tunnel protection ipsec profile NAME`
};

class Host {
 public:
  virtual ~Host() = default;
  // Sends one IKE message from `local` to `remote`. On the NAT-T port the
  // host adds the four-byte non-ESP marker (RFC 3948 2.2). Errors are the
  // host's to log: the engine retransmits as if the message was lost.
  virtual void send(const Endpoint& local, const Endpoint& remote, const Bytes& message) = 0;
  // Installs a child SA pair for `tunnel`: `in` (we receive with it) live
  // before `out` (we send with it) replaces the tunnel's current outbound
  // SA; make-before-break is the host's. False with *error when the data
  // plane refuses; the engine then fails the child SA.
  virtual bool install_child(uint32_t tunnel, const dp::SaSpec& in, const dp::SaSpec& out, std::string* error) = 0;
  // The pair of a child rekey this end answered (the peer initiated the
  // exchange): the peer installs its half only when our answer arrives, so
  // our first packets with `out` could beat it there. A host that can
  // installs `in` at once and switches to `out` once the peer shows it has
  // the pair (its first packet with it, or its Delete of the old pair); the
  // default installs both at once, as install_child does.
  virtual bool install_answered_rekey(uint32_t tunnel, const dp::SaSpec& in, const dp::SaSpec& out,
                                      std::string* error) {
    return install_child(tunnel, in, out, error);
  }
  // Deletes the pair whose inbound SPI is `inbound_spi` (both directions;
  // an outbound SA already replaced by a newer pair is gone already).
  virtual void delete_child(uint32_t tunnel, uint32_t inbound_spi) = 0;
  // One log line (the engine's header says in whose words).
  virtual void log(std::string_view line) = 0;
  // A NAT-T keepalive (RFC 3948 2.3): the single byte 0xFF from `local`
  // (the NAT-T port) to `remote`, WITHOUT the non-ESP marker. Sent
  // periodically while this end is behind a NAT, so the NAT keeps its
  // mapping. The default does nothing.
  virtual void send_keepalive(const Endpoint& local, const Endpoint& remote) {
    (void)local;
    (void)remote;
  }
};

}  // namespace keyway::ike
