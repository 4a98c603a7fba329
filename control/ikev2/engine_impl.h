// The engine's inside, shared by its exchange files (not a public header):
//
//   engine.cpp         dispatch, message IDs, response cache, fragments,
//                      retransmission, timers, initiate/clear/expiry
//   ike_init.cpp       IKE_SA_INIT, both roles (INVALID_KE, COOKIE, NAT-D)
//   ike_auth.cpp       IKE_AUTH, both roles (PSK, certificates, profiles)
//   child_create.cpp   child SAs: proposals, TS, KEYMAT, install; the
//                      CREATE_CHILD_SA exchange (child and IKE rekey)
//   informational.cpp  INFORMATIONAL: delete, liveness
//   show.cpp           show crypto ikev2 sa / profile
//
// Each exchange has a start_X (we send the request), on_X_request (we
// answer) and on_X_response (our request was answered); the role is the
// function, never a flag tested inside one.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "control/ike/dh.h"
#include "control/ikev2/engine.h"
#include "control/ikev2/keys.h"
#include "control/ikev2/message.h"
#include "control/ikev2/proposal.h"
#include "pki/certificate.h"
#include "pki/log.h"

namespace keyway::ikev2 {

enum class SaState : uint8_t {
  kInitSent,     // initiator: IKE_SA_INIT request out
  kInitDone,     // responder: IKE_SA_INIT answered, waiting for IKE_AUTH
  kAuthSent,     // initiator: IKE_AUTH request out
  kEstablished,  // authenticated
  kDeleting,     // our Delete for the IKE SA is out
};
const char* state_name(SaState s);  // IOS show words: "IN-NEG", "READY", "DELETE"

// A child rekey the peer refused is tried again after this long (after
// TEMPORARY_FAILURE sooner), not at every tick.
inline constexpr Clock::duration kRekeyRetry = std::chrono::seconds(30);
inline constexpr Clock::duration kRekeyRetryTemporary = std::chrono::seconds(2);

struct ChildSa {
  uint32_t tunnel = 0;
  uint32_t spi_in = 0, spi_out = 0;
  EspSuite suite;
  dp::Transform transform = dp::Transform::kAes128Gcm;
  dp::SaSpec in, out;
  bool created_by_us = false;  // we initiated the exchange that made it
  Clock::time_point installed, soft_at, hard_at;
  bool rekeying = false;  // our CREATE_CHILD_SA for it is under way
  bool replaced = false;  // a newer pair took over; waiting for its Delete
  bool deleting = false;  // our Delete for it is under way
};

enum class RequestKind : uint8_t {
  kInit,
  kAuth,
  kCreateChild,
  kRekeyChild,
  kRekeyIke,
  kDeleteChild,
  kDeleteIke,
  kDpd,
};

// Our outstanding request (window size one) and what its answer needs.
struct Request {
  RequestKind kind = RequestKind::kDpd;
  ExchangeType exchange = ExchangeType::kInformational;
  uint32_t message_id = 0;
  std::vector<Bytes> datagrams;  // as sent (several when fragmented)
  int retransmits = 0;
  Clock::time_point next_send;
  Clock::duration timeout{};
  // CREATE_CHILD_SA / IKE_AUTH child
  uint32_t child_spi_in = 0;  // our new inbound SPI
  uint32_t old_spi_in = 0;    // rekey: the pair being replaced
  uint32_t tunnel = 0;
  Bytes nonce;
  std::optional<ike::KeyExchange> ke;
  uint64_t new_ike_spi = 0;  // IKE rekey: our SPI of the new IKE SA
  std::vector<Proposal> proposals;
  std::vector<uint32_t> spis;  // Delete: our inbound SPIs
};

// Work waiting for the window.
struct QueuedWork {
  RequestKind kind = RequestKind::kDpd;
  uint32_t spi = 0;  // the child pair (our inbound SPI) it is about
};

// Fragments of one message being reassembled (RFC 7383).
struct Reassembly {
  uint32_t message_id = 0;
  bool response = false;
  uint16_t total = 0;
  PayloadType first = PayloadType::kNone;
  std::vector<std::optional<Bytes>> parts;
  size_t have = 0;
};

struct IkeSa {
  uint32_t id = 0;  // IOS "SA ID"
  bool initiator = false;
  SaState state = SaState::kInitSent;
  std::string close_reason;

  uint64_t spi_i = 0, spi_r = 0;
  uint64_t local_spi() const { return initiator ? spi_i : spi_r; }
  uint64_t remote_spi() const { return initiator ? spi_r : spi_i; }
  Endpoint local, remote;
  bool nat_local = false, nat_remote = false;  // which side is behind a NAT
  bool nat() const { return nat_local || nat_remote; }
  bool peer_fragmentation = false;
  std::vector<SignatureHash> peer_sig_hashes;

  std::optional<uint32_t> tunnel;                 // initiator: from the start; responder: after IKE_AUTH
  const config::Ikev2Profile* profile = nullptr;  // initiator: from the start; responder: after IDi

  IkeSuite suite;
  IkeSaKeys keys;
  Bytes ni, nr;
  std::optional<ike::KeyExchange> ke;
  Bytes init_i, init_r;                 // the IKE_SA_INIT messages as sent (AUTH signs them)
  std::vector<Proposal> offered;        // initiator: our IKE proposals
  Bytes cookie;                         // initiator: a COOKIE to return
  int init_attempts = 0;                // INVALID_KE / COOKIE restarts
  std::vector<pki::Sha1> peer_certreq;  // the CA hashes the peer asked for

  IdPayload local_id, remote_id;
  AuthMethod local_auth = AuthMethod::kPsk, remote_auth = AuthMethod::kPsk;
  std::string local_trustpoint;  // the one we signed with

  uint32_t next_request_id = 0;      // our next request's message ID
  uint32_t expected_request_id = 0;  // the peer's next request's message ID
  std::optional<Request> pending;
  std::deque<QueuedWork> queue;
  std::optional<uint32_t> cached_id;  // the peer's last request we answered
  std::vector<Bytes> cached_response;
  std::optional<Reassembly> frags;

  Clock::time_point created, established, last_heard, expires, rekey_at, last_keepalive;
  bool rekeying = false;        // an IKE SA rekey of ours is under way
  bool lost_ike_rekey = false;  // the peer's colliding IKE rekey replaced this SA
  bool was_established = false;
  bool child_installed = false;  // a child SA of its tunnel was installed here

  std::vector<ChildSa> children;

  ChildSa* child_by_in(uint32_t spi);
  ChildSa* child_by_out(uint32_t spi);
};

// A received message, decrypted.
struct Inbound {
  Message msg;
  Endpoint local, remote;
  Clock::time_point now;
  const Header& header() const { return msg.header; }
  const Payload* find(PayloadType t) const { return msg.find(t); }
  const NotifyPayload* notify(NotifyType t) const;
  // The first error notification (type < 16384), if any.
  const NotifyPayload* error() const;
};

class Engine::Impl {
 public:
  Impl(const config::Config& cfg, std::vector<pki::Trustpoint> trustpoints, std::vector<TunnelConfig> tunnels,
       Host& host, EngineOptions opt);

  // ---- engine.cpp
  void initiate(uint32_t tunnel, Clock::time_point now);
  void receive(const Endpoint& local, const Endpoint& remote, ByteView message, Clock::time_point now);
  void tick(Clock::time_point now);
  Clock::time_point next_timer() const;
  void child_expiring(uint32_t tunnel, uint32_t spi, bool hard, Clock::time_point now);
  void clear(Clock::time_point now);

  // State and lookup.
  IkeSa& new_sa(bool initiator, Clock::time_point now);
  IkeSa* find_sa(uint64_t local_spi);
  // Children deleted through Host, the SA forgotten; logs SA_DOWN for an
  // established one. The first reason given is the one kept.
  void remove_sa(IkeSa& sa, const std::string& reason);
  void set_state(IkeSa& sa, SaState to);
  const TunnelConfig* tunnel(uint32_t id) const;
  IkeSa* sa_for_tunnel(uint32_t tunnel);

  // Randomness.
  Bytes random(size_t n);
  uint32_t new_child_spi();
  uint64_t new_ike_spi();
  ike::Result<ike::KeyExchange> new_ke(ike::DhGroup group);

  // Sending. Requests get the next message ID, are kept for
  // retransmission and occupy the window; responses are cached for the
  // peer's retransmissions.
  void send_datagrams(const IkeSa& sa, const std::vector<Bytes>& datagrams);
  bool start_request(IkeSa& sa, Request req, std::vector<Payload> payloads);
  void send_response(IkeSa& sa, const Inbound& in, std::vector<Payload> payloads);
  ike::Result<std::vector<Bytes>> seal(IkeSa& sa, const Header& h, const std::vector<Payload>& payloads);
  // An INFORMATIONAL request sent once and not waited for (clear, and
  // telling a responder its AUTH did not verify).
  void send_oneshot(IkeSa& sa, const std::vector<Payload>& payloads);
  void request_done(IkeSa& sa);
  void queue_work(IkeSa& sa, QueuedWork w);
  void run_queue(IkeSa& sa);

  // Logs.
  void debug(const IkeSa* sa, const std::string& text);  // "IKEv2:(SA ID = n):" + text
  void debug_line(const std::string& line);              // as is
  void event(const std::string& line);                   // always
  pki::LogSink pki_sink(const IkeSa& sa);
  void log_packet(const IkeSa& sa, bool sending, const Header& h, const std::vector<Payload>& payloads,
                  const Endpoint& local, const Endpoint& remote);

  // ---- ike_init.cpp
  void start_init(uint32_t tunnel, Clock::time_point now);
  bool send_init_request(IkeSa& sa);
  void on_init_request(const Message& m, ByteView raw, const Endpoint& local, const Endpoint& remote,
                       Clock::time_point now);
  void on_init_response(IkeSa& sa, const Message& m, ByteView raw, const Endpoint& local, const Endpoint& remote,
                        Clock::time_point now);
  Bytes cookie_for(const Bytes& ni, uint32_t addr, uint64_t spi_i, uint8_t version) const;

  // ---- ike_auth.cpp
  void start_auth(IkeSa& sa, Clock::time_point now);
  void on_auth_request(IkeSa& sa, const Inbound& in);
  void on_auth_response(IkeSa& sa, const Inbound& in);

  // ---- child_create.cpp
  struct ChildPolicy {
    const config::IpsecProfile* ipsec = nullptr;
    std::vector<const config::TransformSet*> transform_sets;  // those the data plane runs
  };
  std::optional<ChildPolicy> child_policy(const IkeSa* sa, uint32_t tunnel);
  std::vector<Proposal> esp_proposals(const ChildPolicy& p, uint32_t spi, std::optional<ike::DhGroup> pfs);
  // Builds, installs and records a child pair from the negotiated values;
  // nullptr (logged) when the host refuses it.
  ChildSa* install_child(IkeSa& sa, uint32_t tunnel, const Proposal& chosen, uint32_t spi_in, uint32_t spi_out,
                         ByteView g_ir, ByteView ni, ByteView nr, bool we_initiated, Clock::time_point now);
  // The TS and policy checks of a responder: the tunnel whose IPsec
  // profile is bound to the SA's profile; nullopt after logging the
  // seed's "There was no IPSEC policy found for received TS".
  std::optional<uint32_t> responder_tunnel(IkeSa& sa, const Inbound& in);
  bool ts_acceptable(const Inbound& in) const;
  // An initiator's check of the selectors the responder returned: true
  // (logged) when they are narrower than any/any, which a VTI cannot use.
  bool ts_narrowed_by_peer(IkeSa& sa, const Inbound& in);
  void start_create_child(IkeSa& sa, RequestKind kind, uint32_t old_spi_in, Clock::time_point now);
  void on_create_child_request(IkeSa& sa, const Inbound& in);
  void on_create_child_response(IkeSa& sa, const Inbound& in);
  void start_rekey_ike(IkeSa& sa, Clock::time_point now);
  void on_rekey_ike_request(IkeSa& sa, const Inbound& in);
  void on_rekey_ike_response(IkeSa& sa, const Inbound& in);
  IkeSa* adopt_rekeyed(IkeSa& old, bool initiator, uint64_t spi_i, uint64_t spi_r, const IkeSuite& suite, ByteView g_ir,
                       const Bytes& ni, const Bytes& nr, Clock::time_point now);

  // ---- informational.cpp
  void start_delete_child(IkeSa& sa, uint32_t spi_in, Clock::time_point now);
  void start_delete_ike(IkeSa& sa, const std::string& reason, Clock::time_point now);
  void start_dpd(IkeSa& sa, Clock::time_point now);
  void on_informational_request(IkeSa& sa, const Inbound& in);
  void on_informational_response(IkeSa& sa, const Inbound& in);
  void delete_child_local(IkeSa& sa, uint32_t spi_in);

  // ---- show.cpp
  std::string show_sa(bool detailed) const;
  std::string show_sa_json() const;
  std::string show_profiles() const;

  config::Config cfg_;
  std::vector<pki::Trustpoint> trustpoints_;
  std::vector<TunnelConfig> tunnels_;
  Host& host_;
  EngineOptions opt_;
  bool debug_ = false;
  EngineCounters counters_;

  std::map<uint64_t, std::unique_ptr<IkeSa>> sas_;  // by our SPI
  // Responder: (peer address, peer port, SPIi) -> our SPI, for IKE_SA_INIT
  // retransmissions and half-open accounting.
  std::map<std::tuple<uint32_t, uint16_t, uint64_t>, uint64_t> half_open_;
  std::set<uint32_t> child_spis_;
  // Tunnels whose last negotiation failed (EngineOptions::holddown).
  struct HoldDown {
    Clock::time_point until;
    Clock::duration length{};
  };
  std::map<uint32_t, HoldDown> holddown_;
  void negotiation_failed(const IkeSa& sa);
  uint32_t next_sa_id_ = 1;
  Bytes cookie_secret_;
  Clock::time_point now_{};
};

// "SA KE N NOTIFY(NAT_DETECTION_SOURCE_IP) ...", as IOS lists payloads.
std::string payload_list(const std::vector<Payload>& payloads);
// dp::Transform for a negotiated ESP suite; nullopt when the data plane
// does not run it.
std::optional<dp::Transform> dp_transform(const EspSuite& s);
std::string hex64(uint64_t v);

}  // namespace keyway::ikev2
