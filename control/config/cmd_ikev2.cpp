// IKEv2 commands: crypto ikev2 proposal, policy, profile and keyring (with
// its `peer` sub-mode).
#include <algorithm>

#include "control/config/command_table.h"
#include "control/config/handler_util.h"

namespace keyway::config {
namespace {

template <class T, class Make>
void enter_named(Session& s, Args& a, Mode m, std::vector<T>& items, std::string_view what,
                 Make make) {
  auto name = a.name(what);
  if (!name) return s.enter_scratch(m);
  a.end();
  s.enter(m, items, name->name, name->at, [&] { return make(*name); });
}

template <class T>
void append_unique(std::vector<T>& list, const T& v) {
  if (std::find(list.begin(), list.end(), v) == list.end()) list.push_back(v);
}

// ----------------------------------------------------- crypto ikev2 proposal

void proposal(Session& s, Args& a) {
  enter_named(s, a, Mode::kIkev2Proposal, s.config.ikev2_proposals, "an ikev2 proposal name",
              [](const NameRef& n) {
                Ikev2Proposal p;
                p.name = n.name;
                p.at = n.at;
                return p;
              });
}

// encryption ALG...: each line adds to the proposal's list.
void proposal_encryption(Session& s, Args& a) {
  std::vector<IkeCipher> algs;
  do {
    auto c = a.choice(ikev2_ciphers(),
                      "des, 3des, aes-cbc-128, aes-cbc-192, aes-cbc-256, aes-gcm-128 or aes-gcm-256");
    if (!c) return;
    warn_if_deprecated(a, ike_cipher_deprecation(*c));
    algs.push_back(*c);
  } while (!a.done());
  if (!a.end()) return;
  for (IkeCipher c : algs) append_unique(s.ikev2_proposal().encryption, c);
}

void read_hashes(Session& s, Args& a, bool prf) {
  std::vector<IkeHash> algs;
  do {
    auto h = a.choice(ikev2_hashes(), "md5, sha1, sha256, sha384 or sha512");
    if (!h) return;
    warn_if_deprecated(a, ike_hash_deprecation(*h, prf));
    algs.push_back(*h);
  } while (!a.done());
  if (!a.end()) return;
  auto& list = prf ? s.ikev2_proposal().prf : s.ikev2_proposal().integrity;
  for (IkeHash h : algs) append_unique(list, h);
}

void proposal_integrity(Session& s, Args& a) { read_hashes(s, a, false); }
void proposal_prf(Session& s, Args& a) { read_hashes(s, a, true); }

void proposal_group(Session& s, Args& a) {
  std::vector<DhGroup> groups;
  do {
    auto g = read_dh_group(a);
    if (!g) return;
    groups.push_back(*g);
  } while (!a.done());
  if (!a.end()) return;
  for (DhGroup g : groups) append_unique(s.ikev2_proposal().groups, g);
}

// ------------------------------------------------------- crypto ikev2 policy

void policy(Session& s, Args& a) {
  enter_named(s, a, Mode::kIkev2Policy, s.config.ikev2_policies, "an ikev2 policy name",
              [](const NameRef& n) {
                Ikev2Policy p;
                p.name = n.name;
                p.at = n.at;
                return p;
              });
}

void policy_proposal(Session& s, Args& a) {
  auto name = a.name("an ikev2 proposal name");
  if (!name || !a.end()) return;
  auto& list = s.ikev2_policy().proposals;
  for (const NameRef& r : list)
    if (r.name == name->name) return;
  list.push_back(std::move(*name));
}

// match fvrf {any | NAME}, shared by policies and profiles.
bool read_fvrf(Args& a, bool& any, std::string& vrf) {
  auto v = a.word("any or a VRF name");
  if (!v || !a.end()) return false;
  any = iequals(*v, "any");
  vrf = any ? std::string() : std::string(*v);
  return true;
}

void policy_match_fvrf(Session& s, Args& a) {
  read_fvrf(a, s.ikev2_policy().match_fvrf_any, s.ikev2_policy().match_fvrf);
}

void policy_match_address_local(Session& s, Args& a) {
  AddressMask am;
  am.at = a.here();
  auto addr = a.address("a local IPv4 address");
  if (!addr || !a.end()) return;
  am.addr = *addr;
  s.ikev2_policy().match_address_local.push_back(am);
}

// ------------------------------------------------------ crypto ikev2 profile

void profile(Session& s, Args& a) {
  enter_named(s, a, Mode::kIkev2Profile, s.config.ikev2_profiles, "an ikev2 profile name",
              [](const NameRef& n) {
                Ikev2Profile p;
                p.name = n.name;
                p.at = n.at;
                return p;
              });
}

void profile_description(Session& s, Args& a) {
  auto d = read_description(a);
  if (!d || !a.end()) return;
  s.ikev2_profile().description = std::move(*d);
}

// match identity remote {address ADDR [MASK] | fqdn [domain] NAME |
//                        email [domain] NAME | key-id ID}
void profile_match_identity(Session& s, Args& a) {
  Ikev2Match m;
  m.at = a.here();
  auto k = a.keyword({"address", "fqdn", "email", "key-id"});
  if (!k) return;
  if (*k == 0) {
    auto am = read_address_mask(a, "an IPv4 address");
    if (!am) return;
    m.kind = Ikev2Match::Kind::kAddress;
    m.address = *am;
  } else {
    bool domain = *k != 3 && a.accept("domain");
    auto v = a.word(*k == 1 ? "a fully qualified domain name" : *k == 2 ? "an e-mail address"
                                                                          : "a key ID");
    if (!v) return;
    m.value = std::string(*v);
    if (*k == 1) m.kind = domain ? Ikev2Match::Kind::kFqdnDomain : Ikev2Match::Kind::kFqdn;
    else if (*k == 2) m.kind = domain ? Ikev2Match::Kind::kEmailDomain : Ikev2Match::Kind::kEmail;
    else m.kind = Ikev2Match::Kind::kKeyId;
  }
  if (!a.end()) return;
  s.ikev2_profile().matches.push_back(std::move(m));
}

void profile_match_fvrf(Session& s, Args& a) {
  read_fvrf(a, s.ikev2_profile().match_fvrf_any, s.ikev2_profile().match_fvrf);
}

// {address ADDR | fqdn NAME | email NAME | dn | key-id ID}, for `identity
// local` and for keyring peers' `identity`.
std::optional<Ikev2Identity> read_identity(Args& a, bool allow_dn) {
  Ikev2Identity id;
  id.at = a.here();
  std::optional<size_t> k = allow_dn ? a.keyword({"address", "fqdn", "email", "key-id", "dn"})
                                     : a.keyword({"address", "fqdn", "email", "key-id"});
  if (!k) return std::nullopt;
  id.kind = std::array{IdKind::kAddress, IdKind::kFqdn, IdKind::kUserFqdn, IdKind::kKeyId,
                       IdKind::kDn}[*k];
  if (*k == 0) {
    auto addr = a.address("an IPv4 address");
    if (!addr) return std::nullopt;
    id.address = *addr;
  } else if (*k != 4) {
    auto v = a.word(*k == 1 ? "a fully qualified domain name" : *k == 2 ? "an e-mail address"
                                                                          : "a key ID");
    if (!v) return std::nullopt;
    id.value = std::string(*v);
  }
  return id;
}

void profile_identity_local(Session& s, Args& a) {
  auto id = read_identity(a, true);
  if (!id || !a.end()) return;
  s.ikev2_profile().identity_local = std::move(*id);
}

constexpr Spelling<IkeAuthMethod> kIkev2Auth[] = {
    {"rsa-sig", IkeAuthMethod::kRsaSig},
    {"pre-share", IkeAuthMethod::kPreShare},
    {"ecdsa-sig", IkeAuthMethod::kEcdsaSig},
};

// authentication {local | remote} {rsa-sig | ecdsa-sig | pre-share [key [0] KEY]}
// The local method is one (a new line replaces it); remote methods add up.
void profile_authentication(Session& s, Args& a) {
  auto side = a.keyword({"local", "remote"});
  if (!side) return;
  Loc at = a.here();
  auto m = a.choice<IkeAuthMethod>(kIkev2Auth, "rsa-sig, ecdsa-sig or pre-share");
  if (!m) return;
  std::string key;
  if (*m == IkeAuthMethod::kPreShare && a.accept("key")) {
    auto secret = a.secret("a pre-shared key");
    if (!secret) return;
    key = std::move(*secret);
  }
  if (!a.end()) return;
  Ikev2Profile& p = s.ikev2_profile();
  if (*side == 0) {
    p.authentication_local = *m;
    p.authentication_local_at = at;
    p.authentication_local_key = std::move(key);
  } else {
    append_unique(p.authentication_remote, *m);
    if (!key.empty()) p.authentication_remote_key = std::move(key);
  }
}

// pki trustpoint NAME [sign | verify]. The order of the lines is kept: it is
// the order the trust-points are offered and tried.
void profile_pki_trustpoint(Session& s, Args& a) {
  auto name = a.name("a trust-point name");
  if (!name) return;
  bool sign = true, verify = true;
  if (!a.done()) {
    auto k = a.keyword({"sign", "verify"});
    if (!k) return;
    sign = *k == 0;
    verify = *k == 1;
  }
  if (!a.end()) return;
  auto& list = s.ikev2_profile().trustpoints;
  for (Ikev2Trustpoint& t : list) {
    if (t.trustpoint.name != name->name) continue;
    // The same trust-point for the other purpose widens the entry.
    t.sign = t.sign || sign;
    t.verify = t.verify || verify;
    return;
  }
  list.push_back({std::move(*name), sign, verify});
}

// keyring local NAME (15.x), or the older keyring NAME.
void profile_keyring(Session& s, Args& a) {
  a.accept("local");
  auto name = a.name("an ikev2 keyring name");
  if (!name || !a.end()) return;
  s.ikev2_profile().keyring = std::move(*name);
}

void profile_lifetime(Session& s, Args& a) {
  auto t = a.number(120, 86400, "seconds");
  if (!t || !a.end()) return;
  s.ikev2_profile().lifetime_s = *t;
}

// dpd INTERVAL RETRY {on-demand | periodic}
void profile_dpd(Session& s, Args& a) {
  Ikev2Dpd d;
  auto interval = a.number(10, 3600, "DPD interval, seconds");
  auto retry = a.number(2, 60, "DPD retry interval, seconds");
  auto k = a.keyword({"on-demand", "periodic"});
  if (!interval || !retry || !k || !a.end()) return;
  d.interval_s = *interval;
  d.retry_s = *retry;
  d.periodic = *k == 1;
  s.ikev2_profile().dpd = d;
}

// ------------------------------------------------------ crypto ikev2 keyring

void keyring(Session& s, Args& a) {
  enter_named(s, a, Mode::kIkev2Keyring, s.config.ikev2_keyrings, "an ikev2 keyring name",
              [](const NameRef& n) {
                Ikev2Keyring k;
                k.name = n.name;
                k.at = n.at;
                return k;
              });
}

void keyring_peer(Session& s, Args& a) {
  auto name = a.name("a peer name");
  if (!name) return s.enter_scratch(Mode::kIkev2KeyringPeer);
  a.end();
  s.enter_keyring_peer(*name);
}

void peer_description(Session& s, Args& a) {
  auto d = read_description(a);
  if (!d || !a.end()) return;
  s.ikev2_keyring_peer().description = std::move(*d);
}

void peer_address(Session& s, Args& a) {
  auto am = read_address_mask(a, "the peer's IPv4 address");
  if (!am || !a.end()) return;
  s.ikev2_keyring_peer().address = *am;
}

void peer_hostname(Session& s, Args& a) {
  auto h = a.word("the peer's host name");
  if (!h || !a.end()) return;
  s.ikev2_keyring_peer().hostname = std::string(*h);
}

void peer_identity(Session& s, Args& a) {
  auto id = read_identity(a, false);
  if (!id || !a.end()) return;
  s.ikev2_keyring_peer().identity = std::move(*id);
}

// pre-shared-key [local | remote] [0] KEY; without a side, both.
void peer_psk(Session& s, Args& a) {
  bool local = a.accept("local");
  bool remote = !local && a.accept("remote");
  auto secret = a.secret("a pre-shared key");
  if (!secret || !a.end()) return;
  Ikev2KeyringPeer& p = s.ikev2_keyring_peer();
  if (!remote) p.pre_shared_key_local = *secret;
  if (!local) p.pre_shared_key_remote = *secret;
}

constexpr Command kCommands[] = {
    {Mode::kGlobal, {"crypto", "ikev2", "proposal"}, proposal},
    {Mode::kIkev2Proposal, {"encryption"}, proposal_encryption},
    {Mode::kIkev2Proposal, {"integrity"}, proposal_integrity},
    {Mode::kIkev2Proposal, {"prf"}, proposal_prf},
    {Mode::kIkev2Proposal, {"group"}, proposal_group},

    {Mode::kGlobal, {"crypto", "ikev2", "policy"}, policy},
    {Mode::kIkev2Policy, {"proposal"}, policy_proposal},
    {Mode::kIkev2Policy, {"match", "fvrf"}, policy_match_fvrf},
    {Mode::kIkev2Policy, {"match", "address", "local"}, policy_match_address_local},

    {Mode::kGlobal, {"crypto", "ikev2", "profile"}, profile},
    {Mode::kIkev2Profile, {"description"}, profile_description},
    {Mode::kIkev2Profile, {"match", "identity", "remote"}, profile_match_identity},
    {Mode::kIkev2Profile, {"match", "fvrf"}, profile_match_fvrf},
    {Mode::kIkev2Profile, {"identity", "local"}, profile_identity_local},
    {Mode::kIkev2Profile, {"authentication"}, profile_authentication},
    {Mode::kIkev2Profile, {"pki", "trustpoint"}, profile_pki_trustpoint},
    {Mode::kIkev2Profile, {"keyring"}, profile_keyring},
    {Mode::kIkev2Profile, {"lifetime"}, profile_lifetime},
    {Mode::kIkev2Profile, {"dpd"}, profile_dpd},

    {Mode::kGlobal, {"crypto", "ikev2", "keyring"}, keyring},
    {Mode::kIkev2Keyring, {"peer"}, keyring_peer},
    {Mode::kIkev2KeyringPeer, {"description"}, peer_description},
    {Mode::kIkev2KeyringPeer, {"address"}, peer_address},
    {Mode::kIkev2KeyringPeer, {"hostname"}, peer_hostname},
    {Mode::kIkev2KeyringPeer, {"identity"}, peer_identity},
    {Mode::kIkev2KeyringPeer, {"pre-shared-key"}, peer_psk},
};

}  // namespace

std::span<const Command> ikev2_commands() { return kCommands; }

}  // namespace keyway::config
