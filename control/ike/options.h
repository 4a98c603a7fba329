// What both engines' options share (ikev1::EngineOptions and
// ikev2::EngineOptions derive from it and add their own): randomness and
// the wall clock for tests, the ports, retransmission, child SA soft
// lifetimes, NAT-T keepalives, hold-down after failures, debug at start.
// Plain values, read by the engine it is given to on its control thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <functional>

#include "control/ike/host.h"  // Clock

namespace keyway::ike {

struct CommonOptions {
  // Randomness for cookies/SPIs, nonces, message IDs and DH private values.
  // Unset: OpenSSL's CSPRNG. Tests set a seeded generator so that two runs
  // negotiate the same keys.
  std::function<void(uint8_t* out, size_t n)> random;
  // The wall clock certificates are validated at (seconds since the
  // epoch). Unset: time(nullptr).
  std::function<time_t()> wall_clock;

  // IKE starts on `ike_port`; with a NAT it moves to `natt_port` (RFC 3947,
  // RFC 7296 2.23).
  uint16_t ike_port = 500;
  uint16_t natt_port = 4500;

  // Retransmission of our last unanswered message: the first after
  // `retransmit_timeout`, each next one `retransmit_backoff` times later;
  // after `retransmit_tries` the exchange (and with it the IKE/ISAKMP SA
  // being negotiated) is given up.
  Clock::duration retransmit_timeout = std::chrono::seconds(2);
  double retransmit_backoff = 2.0;
  int retransmit_tries = 5;

  // Child (IPsec) SA soft lifetimes as a fraction of the IPsec profile's
  // lifetime: the side that negotiated the SA rekeys it first
  // (initiator_soft), the other side later (responder_soft), so rekeys
  // rarely collide.
  double initiator_soft = 0.90;
  double responder_soft = 0.95;

  // NAT-T keepalives while behind a NAT (Host::send_keepalive); zero: none.
  Clock::duration nat_keepalive = std::chrono::seconds(20);

  // Hold-down after a failed negotiation of a tunnel we initiated: no new
  // negotiation for it for `holddown`, doubled after each further failure
  // up to `holddown_max`; an installed child SA or clear() resets it.
  // Zero: none.
  Clock::duration holddown = std::chrono::seconds(5);
  Clock::duration holddown_max = std::chrono::seconds(60);

  // `debug crypto isakmp` / `debug crypto ikev2` at start.
  bool debug = false;
};

}  // namespace keyway::ike
