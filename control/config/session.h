// The state of one parse: the configuration being built, the mode stack and
// the diagnostics. Command handlers receive the Session and the line's Args;
// they read the object of the current mode through the accessors below and
// enter sub-modes with enter().
//
// IOS semantics kept here:
// - Entering a block that already exists (`crypto pki trustpoint IOSCA1`
//   twice) edits the existing object; keyway also warns, since a
//   configuration printed by a router never does that.
// - A block whose header has an error is still entered, so that one bad
//   header does not turn every line of its block into an error: on the
//   named object when the name could be read (so that references to it do
//   not add "undefined" errors), otherwise on a scratch object that is
//   thrown away. The file is rejected either way.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "control/config/diagnostics.h"
#include "control/config/model.h"

namespace keyway::config {

enum class Mode : uint8_t {
  kGlobal,
  kIsakmpPolicy,
  kIsakmpProfile,
  kKeyring,
  kTransformSet,
  kIpsecProfile,
  kTrustpoint,
  kCertificateMap,
  kIkev2Proposal,
  kIkev2Policy,
  kIkev2Profile,
  kIkev2Keyring,
  kIkev2KeyringPeer,
  kInterface,
};
inline constexpr size_t kNumModes = 14;

// "crypto isakmp profile", "interface", ... as used in messages.
std::string_view mode_name(Mode m);

class Session {
 public:
  Session(Config& config, Diagnostics& diags);

  Config& config;
  Diagnostics& diags;

  Mode mode() const { return frames_.back().mode; }
  Mode mode_at(size_t level) const { return frames_[level].mode; }
  size_t depth() const { return frames_.size(); }
  void pop_to(size_t depth);

  // Enters the sub-mode `m` for the object of `items` called `key`; creates
  // it (via `make`) when new. Re-entry warns at `at`. Returns the object.
  template <class T, class Make>
  T& enter(Mode m, std::vector<T>& items, const std::string& key, Loc at, Make make);
  // Enters `m` on a scratch object (the header had an error).
  void enter_scratch(Mode m);

  // The object the current mode edits. Each is valid only in its mode.
  IsakmpPolicy& isakmp_policy();
  IsakmpProfile& isakmp_profile();
  Keyring& keyring();
  TransformSet& transform_set();
  IpsecProfile& ipsec_profile();
  Trustpoint& trustpoint();
  CertificateMap& certificate_map();
  Ikev2Proposal& ikev2_proposal();
  Ikev2Policy& ikev2_policy();
  Ikev2Profile& ikev2_profile();
  Ikev2Keyring& ikev2_keyring();
  Ikev2KeyringPeer& ikev2_keyring_peer();
  Interface& interface();

  // Enters `peer NAME` below the current IKEv2 keyring.
  void enter_keyring_peer(const NameRef& name);

 private:
  struct Frame {
    Mode mode = Mode::kGlobal;
    int index = -1;  // into the Config vector for this mode; -1: scratch
  };
  struct Scratch {
    IsakmpPolicy isakmp_policy;
    IsakmpProfile isakmp_profile;
    Keyring keyring;
    TransformSet transform_set;
    IpsecProfile ipsec_profile;
    Trustpoint trustpoint;
    CertificateMap certificate_map;
    Ikev2Proposal ikev2_proposal;
    Ikev2Policy ikev2_policy;
    Ikev2Profile ikev2_profile;
    Ikev2Keyring ikev2_keyring;
    Ikev2KeyringPeer ikev2_keyring_peer;
    Interface interface;
  };

  template <class T>
  T& current(std::vector<T>& items, T& scratch) {
    int i = frames_.back().index;
    return i < 0 ? scratch : items[static_cast<size_t>(i)];
  }
  void warn_reentry(Mode m, const std::string& key, Loc at, Loc first);

  std::vector<Frame> frames_;
  Scratch scratch_;
  // Name -> index per mode, so that entering a block is not a linear search.
  std::unordered_map<std::string, int> index_[kNumModes];
};

template <class T, class Make>
T& Session::enter(Mode m, std::vector<T>& items, const std::string& key, Loc at, Make make) {
  auto& index = index_[static_cast<size_t>(m)];
  auto [it, fresh] = index.try_emplace(key, static_cast<int>(items.size()));
  if (fresh) {
    items.push_back(make());
  } else {
    warn_reentry(m, key, at, items[static_cast<size_t>(it->second)].at);
  }
  frames_.push_back({m, it->second});
  return items[static_cast<size_t>(it->second)];
}

}  // namespace keyway::config
