#include "control/config/session.h"

namespace keyway::config {

std::string_view mode_name(Mode m) {
  switch (m) {
    case Mode::kGlobal: return "global configuration";
    case Mode::kIsakmpPolicy: return "crypto isakmp policy";
    case Mode::kIsakmpProfile: return "crypto isakmp profile";
    case Mode::kKeyring: return "crypto keyring";
    case Mode::kTransformSet: return "crypto ipsec transform-set";
    case Mode::kIpsecProfile: return "crypto ipsec profile";
    case Mode::kTrustpoint: return "crypto pki trustpoint";
    case Mode::kCertificateMap: return "crypto pki certificate map";
    case Mode::kIkev2Proposal: return "crypto ikev2 proposal";
    case Mode::kIkev2Policy: return "crypto ikev2 policy";
    case Mode::kIkev2Profile: return "crypto ikev2 profile";
    case Mode::kIkev2Keyring: return "crypto ikev2 keyring";
    case Mode::kIkev2KeyringPeer: return "crypto ikev2 keyring peer";
    case Mode::kInterface: return "interface";
  }
  return "?";
}

Session::Session(Config& c, Diagnostics& d) : config(c), diags(d) {
  frames_.push_back({Mode::kGlobal, -1});
}

void Session::pop_to(size_t depth) {
  if (depth >= 1 && depth < frames_.size()) frames_.resize(depth);
}

void Session::enter_scratch(Mode m) {
  // Fresh scratch objects, so nothing of an earlier broken block leaks in.
  switch (m) {
    case Mode::kIsakmpPolicy: scratch_.isakmp_policy = {}; break;
    case Mode::kIsakmpProfile: scratch_.isakmp_profile = {}; break;
    case Mode::kKeyring: scratch_.keyring = {}; break;
    case Mode::kTransformSet: scratch_.transform_set = {}; break;
    case Mode::kIpsecProfile: scratch_.ipsec_profile = {}; break;
    case Mode::kTrustpoint: scratch_.trustpoint = {}; break;
    case Mode::kCertificateMap: scratch_.certificate_map = {}; break;
    case Mode::kIkev2Proposal: scratch_.ikev2_proposal = {}; break;
    case Mode::kIkev2Policy: scratch_.ikev2_policy = {}; break;
    case Mode::kIkev2Profile: scratch_.ikev2_profile = {}; break;
    case Mode::kIkev2Keyring: scratch_.ikev2_keyring = {}; break;
    case Mode::kIkev2KeyringPeer: scratch_.ikev2_keyring_peer = {}; break;
    case Mode::kInterface: scratch_.interface = {}; break;
    case Mode::kGlobal: return;
  }
  frames_.push_back({m, -1});
}

void Session::warn_reentry(Mode m, const std::string& key, Loc at, Loc first) {
  diags.warning(at, std::string(mode_name(m)) + " entered again; its commands edit the one defined at line " +
                        std::to_string(first.line) + ", as IOS does",
                key, "each block once, as a router prints its configuration");
}

IsakmpPolicy& Session::isakmp_policy() {
  return current(config.isakmp_policies, scratch_.isakmp_policy);
}
IsakmpProfile& Session::isakmp_profile() {
  return current(config.isakmp_profiles, scratch_.isakmp_profile);
}
Keyring& Session::keyring() { return current(config.keyrings, scratch_.keyring); }
TransformSet& Session::transform_set() {
  return current(config.transform_sets, scratch_.transform_set);
}
IpsecProfile& Session::ipsec_profile() {
  return current(config.ipsec_profiles, scratch_.ipsec_profile);
}
Trustpoint& Session::trustpoint() { return current(config.trustpoints, scratch_.trustpoint); }
CertificateMap& Session::certificate_map() {
  return current(config.certificate_maps, scratch_.certificate_map);
}
Ikev2Proposal& Session::ikev2_proposal() {
  return current(config.ikev2_proposals, scratch_.ikev2_proposal);
}
Ikev2Policy& Session::ikev2_policy() {
  return current(config.ikev2_policies, scratch_.ikev2_policy);
}
Ikev2Profile& Session::ikev2_profile() {
  return current(config.ikev2_profiles, scratch_.ikev2_profile);
}
Interface& Session::interface() { return current(config.interfaces, scratch_.interface); }

Ikev2Keyring& Session::ikev2_keyring() {
  // The keyring frame is below a peer frame when in peer mode.
  for (size_t i = frames_.size(); i > 0; --i) {
    const Frame& f = frames_[i - 1];
    if (f.mode != Mode::kIkev2Keyring) continue;
    return f.index < 0 ? scratch_.ikev2_keyring
                       : config.ikev2_keyrings[static_cast<size_t>(f.index)];
  }
  return scratch_.ikev2_keyring;
}

Ikev2KeyringPeer& Session::ikev2_keyring_peer() {
  const Frame& f = frames_.back();
  if (f.index < 0) return scratch_.ikev2_keyring_peer;
  return ikev2_keyring().peers[static_cast<size_t>(f.index)];
}

void Session::enter_keyring_peer(const NameRef& name) {
  Ikev2Keyring& ring = ikev2_keyring();
  for (size_t i = 0; i < ring.peers.size(); ++i) {
    if (ring.peers[i].name != name.name) continue;
    warn_reentry(Mode::kIkev2KeyringPeer, name.name, name.at, ring.peers[i].at);
    frames_.push_back({Mode::kIkev2KeyringPeer, static_cast<int>(i)});
    return;
  }
  Ikev2KeyringPeer peer;
  peer.name = name.name;
  peer.at = name.at;
  ring.peers.push_back(std::move(peer));
  frames_.push_back({Mode::kIkev2KeyringPeer, static_cast<int>(ring.peers.size() - 1)});
}

}  // namespace keyway::config
