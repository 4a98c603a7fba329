// The IPsec SAs of the daemon's tunnels as the control thread keeps them:
// which pair is current per tunnel, and the inbound SAs that linger after
// a rekey. Manual keying and the IKE daemons all install through here, so
// make-before-break is written once:
//
//   install(tunnel, pair):  new inbound SA -> outbound switch (one FIFO
//                           ring: the inbound is live before any packet
//                           leaves with the new outbound SA)
//                           previous inbound SA lingers `grace`, then goes
//   clear(tunnel):          both directions deleted now (fail closed)
//
// A tunnel's SAs go to the worker that owns it (SaControl::owner).
// Control thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "dataplane/api/runtime_msg.h"
#include "dataplane/api/sa_spec.h"

struct IMB_MGR;

namespace keyway::dp {
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
  ChildSaTable(dp::SaControl& control, IMB_MGR* key_mgr, Clock::duration grace)
      : control_(control), key_mgr_(key_mgr), grace_(grace) {}

  // Makes `pair` the tunnel's current SAs. False with *error when a spec
  // is invalid or the inbound SPI is in use; the tunnel is then unchanged.
  bool install(dp::TunnelId tunnel, const ChildSaPair& pair, Clock::time_point now, std::string* error);
  // Deletes every SA of the tunnel; returns how many.
  size_t clear(dp::TunnelId tunnel);
  // Deletes the pair whose inbound SA has `inbound_spi` (IKE's delete of a
  // child SA): a lingering inbound SA alone, or, for the current pair, both
  // directions (the tunnel then has no SA and fails closed until the next
  // install). Returns how many SAs were deleted (0: no such SA).
  size_t remove(dp::TunnelId tunnel, uint32_t inbound_spi);
  // Deletes lingering inbound SAs whose grace period ended.
  void poll(Clock::time_point now);

  // The tunnel's SAs, current ones first.
  std::vector<ChildSa> sas(dp::TunnelId tunnel) const;
  bool up(dp::TunnelId tunnel) const;

 private:
  struct Tunnel {
    std::vector<ChildSa> sas;
  };
  Tunnel& at(dp::TunnelId t);

  dp::SaControl& control_;
  IMB_MGR* key_mgr_;
  Clock::duration grace_;
  std::vector<Tunnel> tunnels_;
};

}  // namespace keyway::daemon
