// The IKEv2 engine: IKE SAs and their child SAs for the daemon's tunnels,
// with IOS's profile and certificate semantics (the seed's IKEv2 sections).
//
// Exchanges (RFC 7296): IKE_SA_INIT (INVALID_KE_PAYLOAD retry, COOKIE under
// half-open load, NAT detection), IKE_AUTH (pre-shared keys, RSA signature
// method 1, RFC 7427 method 14 with RSA or ECDSA; CERT chain and CERTREQ;
// the first child SA), CREATE_CHILD_SA (child rekey with optional PFS, IKE
// SA rekey), INFORMATIONAL (delete of IKE and child SAs, liveness checks),
// RFC 7383 fragmentation both ways. Window size one in each direction.
//
// Ownership and threads. The Engine is owned by the daemon's control thread
// and every method must be called from that thread; it never blocks, never
// reads a clock (time comes in as arguments) and never opens a socket or a
// file. What it needs from outside goes through Host, whose methods it
// calls synchronously from inside its own methods (Host must not call back
// into the Engine from them).
//
// Time. `now` arguments must not go backwards. tick() should run at least
// every 100 ms so that retransmissions and timers fire close to their time;
// next_timer() says when something is due.
//
// Ports and addresses. IKE starts on EngineOptions::ike_port (500) and
// moves to natt_port (4500) when NAT is detected (RFC 7296 2.23). A tunnel
// speaks from TunnelConfig::local to TunnelConfig::peer. The engine
// answers a request from the local endpoint it arrived on. Child SAs get
// outer src/dst = the IKE SA's local/remote address (outbound), reversed
// for inbound; with NAT detected on either side they get udp_encap = true,
// outbound encap_sport = our NAT-T port, encap_dport = the port the peer's
// IKE messages come from, and the mirror image for inbound (as the packets
// arrive: sport = the peer's port, dport = ours).
//
// Logging. Host::log receives one line per call, in the words of IOS
// `debug crypto ikev2` (and of `debug crypto pki` for certificate work),
// without timestamps: "IKEv2:(SA ID = 1):Searching policy based on peer's
// identity '192.168.0.1' of type 'IPv4 address'". Debug lines only flow
// while set_debug(true); the %IKEV2-5-SA_UP / SA_DOWN events always do.
//
// Profile selection (responder, after IDi): every `crypto ikev2 profile`
// whose `match identity remote` lines match the peer's ID is a candidate;
// the most specific match wins (an exact FQDN, e-mail or key-id beats a
// domain; a longer address mask beats a shorter one). Among equally
// specific candidates the one IOS lists first in `show crypto ikev2
// profile` wins, and IOS lists profiles newest first: with identical match
// lines the LAST configured profile is chosen (the seed's profile3). See
// control/ikev2/profile_select.h.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "control/config/model.h"
#include "control/ike/host.h"
#include "control/ike/options.h"
#include "control/ike/types.h"
#include "control/ikev2/constants.h"
#include "dataplane/api/sa_spec.h"
#include "pki/trustpoint.h"

namespace keyway::ikev2 {

struct Payload;  // message.h

using ike::Bytes;
using ike::ByteView;

// Endpoint, Clock and Host are shared with the IKEv1 engine, so one daemon
// object serves both (control/ike/host.h); Host::log lines are in the
// words described under Logging above.
using ike::Clock;
using ike::Endpoint;
using ike::Host;

// One `interface TunnelN` (control/ike/host.h), shared by both engines.
using ike::TunnelConfig;

// The options both engines share (randomness, wall clock, ports,
// retransmission, child SA soft lifetimes, NAT-T keepalives, hold-down,
// debug) are ike::CommonOptions (control/ike/options.h); these are IKEv2's.
// Retransmission follows RFC 7296 2.1 (only requests are retransmitted);
// hold-down counts an IKE SA that ended before the tunnel's child SA was
// installed (refused, AUTHENTICATION_FAILED, no answer).
struct EngineOptions : ike::CommonOptions {
  // A responder's IKE SA that has not finished IKE_AUTH after this long is
  // dropped; with `cookie_threshold` or more such half-open SAs, IKE_SA_INIT
  // requests without a valid COOKIE get one to return (RFC 7296 2.6).
  Clock::duration half_open_timeout = std::chrono::seconds(30);
  size_t cookie_threshold = 100;

  // RFC 7383: announced, and used for our messages larger than
  // `fragment_mtu` (the IP packet, headers included) when the peer
  // announced it too.
  bool fragmentation = true;
  size_t fragment_mtu = 1280;

  // AUTH with `authentication local rsa-sig`: method 1 (RSASSA-PKCS1-v1_5
  // with SHA-1) as IOS sends it, unless this is set and the peer announced
  // SIGNATURE_HASH_ALGORITHMS with SHA-256, then RFC 7427 method 14.
  // ECDSA keys always sign with method 14 (SHA-256).
  bool rfc7427_for_rsa = false;

  // IKE SA rekey at this fraction of the profile's `lifetime`, by the
  // initiator of the IKE SA only (IOS); the other side lets its SA expire
  // at the lifetime, unless `responder_rekeys_ike` (as strongSwan does).
  double ike_soft = 0.90;
  bool responder_rekeys_ike = false;

  // Tests only: edits the payloads of every response before it is sealed,
  // to play a peer that answers differently (narrowed traffic selectors).
  std::function<void(ExchangeType exchange, std::vector<Payload>& payloads)> test_edit_response;
};

// Counters of what the engine dropped or refused, by the names `show`
// prints.
struct EngineCounters {
  uint64_t rx_invalid = 0;     // not a parsable IKEv2 message
  uint64_t rx_no_sa = 0;       // no IKE SA for the SPIs
  uint64_t rx_bad_icv = 0;     // SK/SKF integrity check failed
  uint64_t rx_unexpected = 0;  // wrong message ID, exchange or state
  uint64_t rx_retransmit = 0;  // a request answered from the response cache
  uint64_t tx_retransmit = 0;  // our requests sent again
  uint64_t cookies_sent = 0;
};

class Engine {
 public:
  // `trustpoints`: the certificate store's trust-points in store order
  // (CertStore::trustpoints() after CertStore::apply() with the
  // configuration's policies, as `keyway pki` loads them):
  //   auto store = pki::CertStore::open(dir, false);
  //   store->apply(policy::trustpoint_policies(cfg));
  //   Engine e(cfg, store->trustpoints(), tunnels, host, opt);
  // The configuration is copied; tunnels whose IPsec profile is unknown or
  // has no `set ikev2-profile` are kept but never negotiate (logged).
  Engine(const config::Config& cfg, std::vector<pki::Trustpoint> trustpoints, std::vector<TunnelConfig> tunnels,
         Host& host, EngineOptions opt = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Traffic needs an SA on `tunnel`: starts IKE_SA_INIT unless an IKE SA
  // for the tunnel is up or being negotiated. An established IKE SA without
  // a child SA gets a CREATE_CHILD_SA for it.
  void initiate(uint32_t tunnel, Clock::time_point now);
  // One IKE message (the non-ESP marker already stripped) that arrived on
  // `local` from `remote`.
  void receive(const Endpoint& local, const Endpoint& remote, ByteView message, Clock::time_point now);
  // Retransmissions, timeouts, DPD, lifetime-driven rekeys.
  void tick(Clock::time_point now);
  // When tick() has something to do next (time_point::max(): nothing).
  Clock::time_point next_timer() const;
  // The data plane reports a lifetime event of one SA of a child pair
  // (inbound or outbound SPI). Soft: rekey it (CREATE_CHILD_SA). Hard: the
  // data plane already drops its packets; the pair is deleted and the peer
  // told.
  void child_expiring(uint32_t tunnel, uint32_t spi, bool hard, Clock::time_point now);
  // `clear crypto ikev2 sa`: every IKE SA is deleted, its child SAs with it
  // (Host::delete_child), and each peer with an established SA is told
  // (one INFORMATIONAL Delete, not retransmitted).
  void clear(Clock::time_point now);

  // IOS `show crypto ikev2 sa [detailed]`.
  std::string show_sa(bool detailed) const;
  // The same as a JSON document: {"ike_sas": [{...}], "counters": {...}}.
  std::string show_sa_json() const;
  // IOS `show crypto ikev2 profile`: profiles newest first, as IOS lists
  // them (and as equal matches are resolved).
  std::string show_profiles() const;
  // `debug crypto ikev2` on or off.
  void set_debug(bool on);

  const EngineCounters& counters() const;
  // Established IKE SAs (for tests and the daemon's status line).
  size_t established_count() const;
  // Whether `tunnel` has an established IKE SA with a child SA.
  bool tunnel_up(uint32_t tunnel) const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace keyway::ikev2
