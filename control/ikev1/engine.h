// The IKEv1 engine: ISAKMP SAs (Main Mode) and the IPsec SA pairs Quick
// Mode negotiates under them, for the daemon's tunnels whose `crypto ipsec
// profile` says `set isakmp-profile`, with IOS's profile and certificate
// semantics (the IKEv1 half of the seed).
//
// Exchanges (RFC 2408, 2409): Main Mode with pre-shared keys or RSA
// signatures (CERT, CR, SIG; ID types IPv4, FQDN, USER_FQDN, DER_ASN1_DN),
// ISAKMP policies offered and matched in priority order; Quick Mode with
// optional PFS, proxy IDs any/any (a VTI), lifetimes from the IPsec
// profile; Informational with HASH(1): DELETE of phase-1 and phase-2 SAs,
// DPD R-U-THERE / R-U-THERE-ACK (RFC 3706), INITIAL-CONTACT. NAT-T (RFC
// 3947): NAT-D in MM3/MM4, the move to the NAT-T port for MM5 on, and
// UDP-encapsulated IPsec SAs.
//
// Ownership and threads, time, Host: as for ikev2::Engine (the Host type is
// control/ike/host.h, shared; one daemon object can serve both engines).
// Every method must be called from the daemon's control thread; the engine
// never blocks, never reads a clock and never opens a socket or file.
//
// Ports and addresses. Main Mode starts on EngineOptions::ike_port (500);
// when NAT-D shows a NAT, MM5 and everything after it go from natt_port to
// the peer's NAT-T port (4500, or what the NAT maps it to). IPsec SA pairs
// get outer src/dst from the ISAKMP SA's endpoints; with a NAT they get
// udp_encap = true and the ports the ISAKMP SA uses, as ikev2 does.
//
// Logging. Host::log receives one line per call, in the words of IOS
// `debug crypto isakmp` and `debug crypto pki validation` without
// timestamps ("ISAKMP:(0):Old State = IKE_READY  New State = IKE_I_MM1",
// "ISAKMP (0): constructing CERT_REQ for issuer cn=CA1,o=cisco,o=com").
// Debug lines only flow while set_debug(true); %CRYPTO-5-IKMP_INVALID_CERT
// and %CRYPTO-4-IKMP_NO_SA (a message for no known SA; one in 16 logged)
// are always logged, as IOS raises them.
//
// Profiles (the seed). An initiator knows the ISAKMP profile of its tunnel
// from the start: with `ca trust-point` its MM3 asks (CR) for those
// trust-points only, else for every trust-point in store order. A
// responder learns the profile from the peer's ID in MM5 (`match identity`),
// so its MM4 asks for every trust-point in store order (newest enrollment
// first). Whoever receives CRs signs with the trust-point of the first CR
// it can satisfy (restricted to its profile's `ca trust-point` list when it
// knows the profile). The peer's certificate is validated against the bound
// profile's `ca trust-point` list (every trust-point without one); a
// failure logs %CRYPTO-5-IKMP_INVALID_CERT and the responder answers
// nothing, as IOS does: the initiator retransmits MM5 and gives up.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "control/config/model.h"
#include "control/ike/host.h"
#include "control/ike/options.h"
#include "control/ike/types.h"
#include "pki/trustpoint.h"

namespace keyway::ikev1 {

struct Payload;    // message.h
struct IdPayload;  // payloads.h

using ike::Bytes;
using ike::ByteView;
using ike::Clock;
using ike::Endpoint;
using ike::Host;

// One `interface TunnelN` (control/ike/host.h), shared by both engines.
using ike::TunnelConfig;

// The options both engines share (randomness, wall clock, ports,
// retransmission, child SA soft lifetimes, NAT-T keepalives, hold-down,
// debug) are ike::CommonOptions (control/ike/options.h); these are IKEv1's.
// IKEv1 retransmits either role's last message of an unfinished exchange:
// it is lock-step, and IOS retransmits MM4 too.
struct EngineOptions : ike::CommonOptions {
  // A Main Mode not complete after this long is dropped.
  Clock::duration half_open_timeout = std::chrono::seconds(150);

  // Dead peer detection (RFC 3706, IOS `crypto isakmp keepalive`): an
  // R-U-THERE after `dpd_interval` without hearing from the peer, repeated
  // every `dpd_retry`; `dpd_tries` unanswered ones declare the peer dead
  // (its ISAKMP SA and IPsec SAs are deleted). Zero interval: off.
  Clock::duration dpd_interval = std::chrono::seconds(0);
  Clock::duration dpd_retry = std::chrono::seconds(2);
  int dpd_tries = 5;

  // The ISAKMP SA's initiator negotiates a new one at this fraction of the
  // policy lifetime (if its tunnel still has IPsec SAs); the old one is
  // deleted at the lifetime. Phase-2 SAs outlive their ISAKMP SA (IKEv1).
  double phase1_soft = 0.90;

  // Tests only: edits the payloads of every QM1 we send before HASH(1) is
  // computed, to play a peer that proposes other proxy identities.
  std::function<void(std::vector<Payload>& payloads)> test_edit_qm1;
  // Tests only: edits the ID payload we send in MM5/MM6 before HASH and
  // SIG are computed, to play a peer that claims an ID its certificate
  // does not carry.
  std::function<void(IdPayload& id)> test_edit_id;
};

// What the engine dropped or refused, by the names `show` prints.
struct EngineCounters {
  uint64_t rx_invalid = 0;       // not a parsable ISAKMP message
  uint64_t rx_no_sa = 0;         // no ISAKMP SA for the cookies
  uint64_t rx_bad_hash = 0;      // did not decrypt, or HASH/SIG wrong
  uint64_t rx_unexpected = 0;    // wrong exchange, message ID or state
  uint64_t rx_retransmit = 0;    // a repeated message answered again
  uint64_t tx_retransmit = 0;    // our messages sent again
  uint64_t rx_invalid_cert = 0;  // %CRYPTO-5-IKMP_INVALID_CERT
  uint64_t p1_failed = 0;        // Main Modes given up or refused
  uint64_t p2_failed = 0;        // Quick Modes given up or refused
};

class Engine {
 public:
  // `trustpoints`: the certificate store's trust-points in store order
  // (CertStore::trustpoints() after apply() with the configuration's
  // policies), exactly as for ikev2::Engine. The configuration is copied.
  // Tunnels whose IPsec profile has no `set isakmp-profile` are ignored
  // (they belong to the IKEv2 engine).
  Engine(const config::Config& cfg, std::vector<pki::Trustpoint> trustpoints, std::vector<TunnelConfig> tunnels,
         Host& host, EngineOptions opt = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Traffic needs an SA on `tunnel`: starts Main Mode unless an ISAKMP SA
  // with the tunnel's peer is up or being negotiated; an established one
  // gets a Quick Mode if the tunnel has no IPsec SA pair.
  void initiate(uint32_t tunnel, Clock::time_point now);
  // One ISAKMP message (version byte 0x10; the non-ESP marker already
  // stripped) that arrived on `local` from `remote`.
  void receive(const Endpoint& local, const Endpoint& remote, ByteView message, Clock::time_point now);
  // Retransmissions, timeouts, DPD, lifetimes.
  void tick(Clock::time_point now);
  Clock::time_point next_timer() const;
  // The data plane reports a lifetime event of one SA of a pair (inbound or
  // outbound SPI). Soft: a new Quick Mode replaces the pair. Hard: the pair
  // is deleted and the peer told.
  void child_expiring(uint32_t tunnel, uint32_t spi, bool hard, Clock::time_point now);
  // `clear crypto session`: every IPsec SA pair and ISAKMP SA is deleted
  // (the peer told by Informational DELETEs, not retransmitted).
  void clear(Clock::time_point now);

  // IOS `show crypto isakmp sa` (detail: `show crypto isakmp sa detail`).
  std::string show_sa(bool detailed = false) const;
  // {"isakmp_sas": [...], "ipsec_sas": [...], "counters": {...}}.
  std::string show_sa_json() const;
  void set_debug(bool on);

  const EngineCounters& counters() const;
  // ISAKMP SAs in QM_IDLE.
  size_t established_count() const;
  // Whether `tunnel` has an installed IPsec SA pair.
  bool tunnel_up(uint32_t tunnel) const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace keyway::ikev1
