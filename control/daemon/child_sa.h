// The IPsec SAs of the daemon's tunnels as the control thread keeps them:
// which pair is current per tunnel, and the inbound SAs that linger after
// a rekey. Manual keying and the IKE daemons all install through here, so
// make-before-break is written once:
//
//   install(tunnel, pair):  new inbound SA -> outbound switch (one FIFO
//                           ring: the inbound is live before any packet
//                           leaves with the new outbound SA)
//                           previous inbound SA lingers `grace`, then goes
//   install(..., deferred): the responder of a rekey: the new inbound SA
//                           now, the outbound switch only once the peer
//                           shows it has the pair too (the first packet
//                           on the new inbound SA, or its Delete of the
//                           old pair), at the latest after `switch_limit`;
//                           until then the old pair carries our traffic
//   clear(tunnel):          both directions deleted now (fail closed)
//
// A tunnel's SAs go to the worker that owns it (SaControl::owner).
// Control thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/api/runtime_msg.h"
#include "dataplane/api/sa_spec.h"

struct IMB_MGR;

namespace keyway::dp {
class Sa;
class SaControl;
}

namespace keyway::daemon {

using Clock = std::chrono::steady_clock;

// A child SA pair: what we receive with (in) and send with (out).
struct ChildSaPair {
  dp::SaSpec in, out;
  std::string keying;  // "manual", "ikev2", "ikev1": for show and logs
};

struct ChildSa {
  uint32_t spi = 0;
  dp::Direction dir = dp::Direction::kInbound;
  dp::Transform transform = dp::Transform::kAes128Gcm;
  std::string keying;
  Clock::time_point installed;
  bool current = false;       // false: an inbound SA lingering after a rekey
  Clock::time_point delete_at;  // lingering only
  uint64_t packets = 0, bytes = 0;  // as the worker counted them when sas() was called
  bool udp_encap = false;           // ESP in UDP (RFC 3948)
  uint16_t peer_port = 0;           // with udp_encap: the peer's UDP port
};

class ChildSaTable {
 public:
  ChildSaTable(dp::SaControl& control, IMB_MGR* key_mgr, Clock::duration grace,
               Clock::duration switch_limit = std::chrono::seconds(2));
  ~ChildSaTable();
  ChildSaTable(const ChildSaTable&) = delete;
  ChildSaTable& operator=(const ChildSaTable&) = delete;

  // Makes `pair` the tunnel's current SAs. False with *error when a spec
  // is invalid or the inbound SPI is in use; the tunnel is then unchanged.
  // `deferred` (a rekey we answered): only the inbound SA now, the
  // outbound switch as the header says; a tunnel without a current pair
  // switches at once.
  bool install(dp::TunnelId tunnel, const ChildSaPair& pair, Clock::time_point now, std::string* error,
               bool deferred = false);
  // Deletes every SA of the tunnel; returns how many.
  size_t clear(dp::TunnelId tunnel);
  // Deletes the pair whose inbound SA has `inbound_spi` (IKE's delete of a
  // child SA): a lingering inbound SA alone, or, for the current pair, both
  // directions (the tunnel then has no SA and fails closed until the next
  // install); a current pair with a deferred successor hands over to it
  // first. Returns how many SAs were deleted (0: no such SA).
  size_t remove(dp::TunnelId tunnel, uint32_t inbound_spi);
  // Deletes lingering inbound SAs whose grace period ended; switches
  // deferred outbound SAs whose time has come.
  void poll(Clock::time_point now);
  // Deferred installs so far, and their outbound switches by cause: the
  // peer's first packet on the new inbound SA, its Delete of the old pair,
  // the time limit (for tests and `show counters`).
  struct SwitchStats {
    uint64_t deferred = 0, on_traffic = 0, on_delete = 0, on_time = 0;
  };
  const SwitchStats& switch_stats() const { return switch_stats_; }

  // The tunnel's SAs, current ones first.
  std::vector<ChildSa> sas(dp::TunnelId tunnel) const;
  bool up(dp::TunnelId tunnel) const;

 private:
  // A pair whose inbound SA is installed and whose outbound switch waits.
  struct Deferred {
    ChildSaPair pair;
    std::unique_ptr<dp::Sa> out;
    Clock::time_point installed, switch_by;
  };
  struct Tunnel {
    std::vector<ChildSa> sas;
    std::unique_ptr<Deferred> deferred;
  };
  Tunnel& at(dp::TunnelId t);
  // Makes the deferred pair the current one (its outbound SA replaces the
  // current outbound SA).
  void switch_outbound(dp::TunnelId tunnel, Clock::time_point now);
  // The bookkeeping of a new current pair whose SAs the worker has.
  void make_current(Tunnel& t, const ChildSaPair& pair, Clock::time_point installed, Clock::time_point now);

  dp::SaControl& control_;
  IMB_MGR* key_mgr_;
  Clock::duration grace_;
  Clock::duration switch_limit_;
  std::vector<Tunnel> tunnels_;
  SwitchStats switch_stats_;
};

}  // namespace keyway::daemon
