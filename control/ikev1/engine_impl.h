// The IKEv1 engine's inside, shared by its files (not a public header):
//
//   engine.cpp       dispatch, sending, retransmission, timers, state
//                    changes, initiate/clear/expiry, show
//   main_mode.cpp    Main Mode, both roles (policies, KE/NONCE, NAT-D,
//                    CR/CERT/SIG or PSK, profile binding, validation)
//   quick_mode.cpp   Quick Mode, both roles; KEYMAT and install; the
//                    Informational exchange (DELETE, DPD, INITIAL-CONTACT)
//   deprecation.cpp  the warning when a negotiated SA uses a deprecated
//                    algorithm
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "control/ike/dh.h"
#include "control/ikev1/crypt.h"
#include "control/ikev1/engine.h"
#include "control/ikev1/keys.h"
#include "control/ikev1/message.h"
#include "control/ikev1/payloads.h"
#include "control/ikev1/proposal.h"
#include "dataplane/api/sa_spec.h"
#include "pki/certificate.h"
#include "pki/certreq_match.h"
#include "pki/log.h"
#include "pki/peer_id.h"

namespace keyway::ikev1 {

// The IOS state machine's names (`debug crypto isakmp`).
enum class P1State : uint8_t {
  kReady,
  kIMm1,
  kIMm2,
  kIMm3,
  kIMm4,
  kIMm5,
  kIMm6,
  kRMm1,
  kRMm2,
  kRMm3,
  kRMm4,
  kRMm5,
  kRMm6,
  kComplete,
  kDead,
};
const char* state_name(P1State s);  // "IKE_I_MM1", "IKE_P1_COMPLETE", ...
const char* show_state(P1State s);  // "MM_SA_SETUP", "QM_IDLE", ...

// One installed IPsec SA pair. Kept by tunnel, not under an ISAKMP SA:
// IKEv1 phase-2 SAs outlive the phase-1 SA that made them.
struct ChildSa {
  uint32_t tunnel = 0;
  uint32_t spi_in = 0, spi_out = 0;
  uint32_t peer = 0;
  dp::Transform transform = dp::Transform::kAes128Gcm;
  dp::SaSpec in, out;
  bool created_by_us = false;
  Clock::time_point installed, soft_at, hard_at;
  bool rekeying = false;
};

// A Quick Mode or Informational exchange under an ISAKMP SA.
struct QuickMode {
  uint32_t mid = 0;
  bool initiator = false;
  uint32_t tunnel = 0;
  uint32_t spi_in = 0;    // ours
  uint32_t spi_out = 0;   // the peer's
  uint32_t replaces = 0;  // rekey: spi_in of the pair being replaced
  Bytes ni, nr;           // nonce bodies
  std::optional<ike::KeyExchange> kex;
  Bytes gqm;  // PFS shared secret
  IvChain iv;
  Phase2Suite suite;
  size_t transform_set = 0;
  bool done = false;
  // Retransmission of our last message; the last one received (its hash)
  // so a repeat is answered with `last_sent` again.
  Bytes last_sent, last_received;
  Clock::time_point next_send = Clock::time_point::max();
  Clock::duration timeout{};
  int retransmits = 0;
  Clock::time_point expires;  // a finished responder QM is kept this long for repeats
};

struct IsakmpSa {
  uint32_t id = 0;  // IOS conn-id (1001...); 0 until keys exist
  uint64_t cky_i = 0, cky_r = 0;
  bool initiator = false;
  P1State state = P1State::kReady;
  uint32_t tunnel = 0;  // initiator: the tunnel it is for; responder: bound at MM5
  Endpoint local, remote;
  const config::IsakmpProfile* profile = nullptr;
  std::string close_reason;

  // Main Mode material.
  Phase1Suite suite;
  Bytes sai_b;  // the initiator's SA body (HASH_I/HASH_R cover it)
  std::optional<ike::KeyExchange> kex;
  Bytes gxi, gxr, ni, nr;
  Phase1Keys keys;
  IvChain iv;                   // phase-1 CBC chain
  Bytes p1_last_iv;             // the chain after the last Main Mode message: QM/Info IVs
                                // start here
  std::vector<Bytes> peer_crs;  // CR DNs received, in order
  pki::Selection chosen;        // our certificate, when signing
  Bytes psk;
  bool nat_local = false,
       nat_remote = false;  // behind a NAT: this end / the peer
  bool peer_natt = false, peer_dpd = false;
  std::optional<pki::PeerId> peer_id;
  std::string peer_id_text;

  // Retransmission of our last Main Mode message.
  Bytes last_sent, last_received;
  Clock::time_point next_send = Clock::time_point::max();
  Clock::duration timeout{};
  int retransmits = 0;

  Clock::time_point created, established, soft_at = Clock::time_point::max(), hard_at = Clock::time_point::max();
  Clock::time_point last_heard;
  Clock::time_point next_keepalive = Clock::time_point::max();
  uint32_t dpd_seq = 0;
  int dpd_outstanding = 0;
  Clock::time_point dpd_next = Clock::time_point::max();
  bool renewed = false;  // a newer ISAKMP SA took over (phase-1 lifetime)

  std::map<uint32_t, QuickMode> qms;  // by message ID

  bool established_p1() const { return state == P1State::kComplete; }
  bool nat() const { return nat_local || nat_remote; }
};

class Engine::Impl {
 public:
  Impl(const config::Config& cfg, std::vector<pki::Trustpoint> tps, std::vector<TunnelConfig> tunnels, Host& host,
       EngineOptions opt);

  // engine.cpp
  void initiate(uint32_t tunnel, Clock::time_point now);
  void receive(const Endpoint& local, const Endpoint& remote, ByteView message, Clock::time_point now);
  void tick(Clock::time_point now);
  Clock::time_point next_timer() const;
  void child_expiring(uint32_t tunnel, uint32_t spi, bool hard, Clock::time_point now);
  void clear(Clock::time_point now);
  std::string show_sa(bool detailed) const;
  std::string show_sa_json() const;

  bool debug_ = false;
  EngineCounters counters_;
  config::Config cfg_;
  std::vector<pki::Trustpoint> tps_;
  std::vector<TunnelConfig> tunnels_;
  Host& host_;
  EngineOptions opt_;
  std::vector<std::unique_ptr<IsakmpSa>> sas_;
  std::vector<ChildSa> children_;
  uint32_t next_id_ = 1001;
  struct Holddown {
    Clock::time_point until;
    Clock::duration length{};
  };
  std::map<uint32_t, Holddown> holddown_;
  Clock::time_point now_{};

  // --- engine.cpp helpers
  void random(uint8_t* out, size_t n);
  uint64_t random64();
  uint32_t random32();
  time_t wall_now() const;
  void debug(const IsakmpSa* sa,
             const std::string& text);  // "ISAKMP:(id):" + text
  void debug_line(const std::string& line);
  void event(const std::string& line);  // always logged
  pki::LogSink pki_sink(const IsakmpSa& sa);
  // pki_sink with IOS's "processing CERT_REQ payload" before each request.
  pki::LogSink cr_sink(const IsakmpSa& sa);
  void set_state(IsakmpSa& sa, P1State to);
  const TunnelConfig* tunnel(uint32_t id) const;
  const config::IsakmpProfile* tunnel_profile(const TunnelConfig& t) const;
  const config::IpsecProfile* tunnel_ipsec(const TunnelConfig& t) const;
  IsakmpSa* find_sa(uint64_t cky_i, uint64_t cky_r);
  IsakmpSa* established_with(uint32_t peer);
  // Sends `bytes` as our last message of sa's Main Mode (retransmitted).
  void send_mm(IsakmpSa& sa, Bytes bytes);
  void send_raw(const IsakmpSa& sa, const Bytes& bytes);
  void fail(IsakmpSa& sa,
            const std::string& reason);  // ends a Main Mode; hold-down for ours
  void remove_sa(IsakmpSa& sa, const std::string& reason);
  void delete_child(ChildSa& c, bool tell_peer);
  void reap();

  // --- main_mode.cpp
  void start_main_mode(const TunnelConfig& t, Clock::time_point now);
  void on_main_mode(IsakmpSa* sa, const Message& m, const Endpoint& local, const Endpoint& remote);
  void mm_responder_1(const Message& m, const Endpoint& local, const Endpoint& remote);
  void mm_initiator_2(IsakmpSa& sa, const Message& m);
  void mm_responder_3(IsakmpSa& sa, const Message& m);
  void mm_initiator_4(IsakmpSa& sa, const Message& m);
  void mm_responder_5(IsakmpSa& sa, const Message& m);
  bool choose_within_profile(IsakmpSa& sa, std::vector<Bytes> crs);
  void mm_initiator_6(IsakmpSa& sa, const Message& m);
  bool ke_nonce(IsakmpSa& sa, const Message& m);  // the peer's KE/NONCE; keys
  std::vector<Payload> ke_nonce_payloads(IsakmpSa& sa, bool initiator);
  void add_natd(const IsakmpSa& sa, std::vector<Payload>& out);
  void check_natd(IsakmpSa& sa, const Message& m);
  void add_vendor_ids(std::vector<Payload>& out, bool responder);
  void read_vendor_ids(IsakmpSa& sa, const Message& m);
  std::vector<Payload> auth_payloads(IsakmpSa& sa);  // ID, CERT, SIG or HASH
  bool verify_auth(IsakmpSa& sa,
                   const Message& m);  // the peer's ID, CERT, SIG/HASH
  std::optional<Bytes> find_psk(uint32_t peer, const config::IsakmpProfile* profile) const;
  const config::IsakmpProfile* match_profile(const IdPayload& id, const pki::Certificate* cert);
  IdPayload own_id(const IsakmpSa& sa) const;
  std::vector<pki::Trustpoint> validation_list(const IsakmpSa& sa) const;
  void phase1_complete(IsakmpSa& sa);
  // MM5/MM6 (`which`) decrypted; nullopt, counted and logged, when it does not.
  std::optional<Message> open_mm(IsakmpSa& sa, const Message& m, const char* which);

  // --- quick_mode.cpp
  void start_quick_mode(IsakmpSa& sa, uint32_t tunnel, uint32_t replaces);
  void on_quick_mode(IsakmpSa& sa, const Message& m);
  void on_informational(IsakmpSa& sa, const Message& m);
  void send_informational(IsakmpSa& sa, std::vector<Payload> payloads);
  void send_delete_esp(IsakmpSa& sa, uint32_t spi_in);
  void send_delete_isakmp(IsakmpSa& sa);
  void send_dpd(IsakmpSa& sa, bool ack, uint32_t seq);
  void send_qm(IsakmpSa& sa, QuickMode& qm, std::vector<Payload> payloads, bool retransmit);
  bool install(IsakmpSa& sa, QuickMode& qm);
  std::vector<const config::TransformSet*> transform_sets(const config::IpsecProfile& ip) const;

  // --- deprecation.cpp: %KEYWAY-4-DEPRECATED_ALG, once per SA (pair)
  void warn_deprecated_phase1(const IsakmpSa& sa);
  void warn_deprecated_phase2(const IsakmpSa& sa, const QuickMode& qm);
};

// Hash of NAT-D (RFC 3947 3.2): HASH(CKY-I | CKY-R | IP | Port).
Bytes natd_hash(ike::IkeHash h, uint64_t cky_i, uint64_t cky_r, uint32_t addr, uint16_t port);
// config transform set -> what the data plane runs, nullopt if it does not.
std::optional<dp::Transform> dp_transform(config::EspCipher c, config::EspAuth a);
// IKEv1 RSA signature (RFC 2409 5.1): PKCS#1 v1.5 type 1 over the raw
// HASH_I/HASH_R, no DigestInfo, as IOS and strongSwan compute it.
ike::Result<Bytes> rsa_sign_hash(EVP_PKEY* key, ByteView hash);
bool rsa_verify_hash(EVP_PKEY* key, ByteView hash, ByteView sig);
std::string hex(ByteView b);

}  // namespace keyway::ikev1
