// IKEv1 commands: crypto isakmp policy, crypto isakmp profile, crypto
// isakmp key and crypto keyring, with their sub-modes.
#include "control/config/command_table.h"
#include "control/config/handler_util.h"

namespace keyway::config {
namespace {

// ------------------------------------------------------ crypto isakmp policy

void isakmp_policy(Session& s, Args& a) {
  Loc at = a.here();
  auto n = a.number(1, 10000, "isakmp policy priority");
  if (!n) return s.enter_scratch(Mode::kIsakmpPolicy);
  a.end();
  s.enter(Mode::kIsakmpPolicy, s.config.isakmp_policies, std::to_string(*n), at, [&] {
    IsakmpPolicy p;
    p.priority = *n;
    p.at = at;
    return p;
  });
}

// encryption {des | 3des | aes [128|192|256]}; IOS prints it as `encr`.
void policy_encryption(Session& s, Args& a) {
  auto c = a.choice(isakmp_ciphers(), "des, 3des or aes [128|192|256]");
  if (!c) return;
  warn_if_deprecated(a, ike_cipher_deprecation(*c));
  if (*c == IkeCipher::kAes128 && !a.done()) {
    auto bits = a.keyword({"128", "192", "256"});
    if (bits) c = std::array{IkeCipher::kAes128, IkeCipher::kAes192, IkeCipher::kAes256}[*bits];
  }
  if (!a.end()) return;
  s.isakmp_policy().encryption = *c;
  s.isakmp_policy().encryption_set = true;
}

void policy_hash(Session& s, Args& a) {
  auto h = a.choice(isakmp_hashes(), "md5, sha, sha256, sha384 or sha512");
  if (!h) return;
  warn_if_deprecated(a, ike_hash_deprecation(*h, false));
  if (!a.end()) return;
  s.isakmp_policy().hash = *h;
  s.isakmp_policy().hash_set = true;
}

constexpr Spelling<IkeAuthMethod> kIsakmpAuth[] = {
    {"rsa-sig", IkeAuthMethod::kRsaSig},
    {"pre-share", IkeAuthMethod::kPreShare},
    {"rsa-encr", IkeAuthMethod::kRsaEncr},
    {"ecdsa-sig", IkeAuthMethod::kEcdsaSig},
};

void policy_authentication(Session& s, Args& a) {
  auto m = a.choice<IkeAuthMethod>(kIsakmpAuth, "rsa-sig, pre-share, rsa-encr or ecdsa-sig");
  if (!m || !a.end()) return;
  s.isakmp_policy().authentication = *m;
}

void policy_group(Session& s, Args& a) {
  auto g = read_dh_group(a);
  if (!g || !a.end()) return;
  s.isakmp_policy().group = *g;
  s.isakmp_policy().group_set = true;
}

void policy_lifetime(Session& s, Args& a) {
  auto t = a.number(60, 86400, "seconds");
  if (!t || !a.end()) return;
  s.isakmp_policy().lifetime_s = *t;
}

// ----------------------------------------------------- crypto isakmp profile

void isakmp_profile(Session& s, Args& a) {
  auto name = a.name("an isakmp profile name");
  if (!name) return s.enter_scratch(Mode::kIsakmpProfile);
  a.end();
  s.enter(Mode::kIsakmpProfile, s.config.isakmp_profiles, name->name, name->at, [&] {
    IsakmpProfile p;
    p.name = name->name;
    p.at = name->at;
    return p;
  });
}

void profile_description(Session& s, Args& a) {
  auto d = read_description(a);
  if (!d || !a.end()) return;
  s.isakmp_profile().description = std::move(*d);
}

// self-identity {address | fqdn | user-fqdn VALUE}
void profile_self_identity(Session& s, Args& a) {
  SelfIdentity id;
  id.at = a.here();
  auto k = a.keyword({"address", "fqdn", "user-fqdn"});
  if (!k) return;
  id.kind = std::array{IdKind::kAddress, IdKind::kFqdn, IdKind::kUserFqdn}[*k];
  if (id.kind == IdKind::kUserFqdn) {
    auto v = a.word("a user FQDN such as vpn@cisco.com");
    if (v) id.value = std::string(*v);
  }
  if (!a.end()) return;
  s.isakmp_profile().self_identity = std::move(id);
}

// ca trust-point NAME: appended; the same name twice is one entry.
void profile_ca_trustpoint(Session& s, Args& a) {
  auto name = a.name("a trust-point name");
  if (!name || !a.end()) return;
  auto& list = s.isakmp_profile().ca_trustpoints;
  for (const NameRef& r : list)
    if (r.name == name->name) return;
  list.push_back(std::move(*name));
}

// match identity {host [domain] NAME | address ADDR [MASK] [VRF] |
//                 user-fqdn [domain] NAME}
void profile_match_identity(Session& s, Args& a) {
  IsakmpMatch m;
  m.at = a.here();
  auto k = a.keyword({"host", "address", "user-fqdn"});
  if (!k) return;
  if (*k == 1) {
    auto am = read_address_mask(a, "an IPv4 address");
    if (!am) return;
    m.kind = IsakmpMatch::Kind::kAddress;
    m.address = *am;
    if (!a.done()) a.word("a VRF name");  // accepted, keyway has no VRFs yet
  } else {
    bool domain = a.accept("domain");
    auto v = a.word(*k == 0 ? "a host name such as R2.cisco.com" : "a user FQDN");
    if (!v) return;
    m.value = std::string(*v);
    if (*k == 0)
      m.kind = domain ? IsakmpMatch::Kind::kHostDomain : IsakmpMatch::Kind::kHost;
    else
      m.kind = domain ? IsakmpMatch::Kind::kUserFqdnDomain : IsakmpMatch::Kind::kUserFqdn;
  }
  if (!a.end()) return;
  s.isakmp_profile().matches.push_back(std::move(m));
}

// match certificate MAP: appended; the same map twice is one entry.
void profile_match_certificate(Session& s, Args& a) {
  auto name = a.name("a certificate map name");
  if (!name || !a.end()) return;
  auto& list = s.isakmp_profile().match_certificates;
  for (const NameRef& r : list)
    if (r.name == name->name) return;
  list.push_back(std::move(*name));
}

void profile_keyring(Session& s, Args& a) {
  auto name = a.name("a keyring name");
  if (!name || !a.end()) return;
  s.isakmp_profile().keyring = std::move(*name);
}

void profile_local_address(Session& s, Args& a) {
  Loc at = a.here();
  auto ifname = a.interface_name();
  if (!ifname || !a.end()) return;
  s.isakmp_profile().local_address = NameRef{ifname->canonical, at};
}

// ---------------------------------------------------- crypto isakmp identity

// crypto isakmp identity {address | hostname | dn}: the ID Main Mode sends
// when the ISAKMP profile has no self-identity.
void isakmp_identity(Session& s, Args& a) {
  SelfIdentity id;
  id.at = a.here();
  auto k = a.keyword({"address", "hostname", "dn"});
  if (!k || !a.end()) return;
  id.kind = std::array{IdKind::kAddress, IdKind::kFqdn, IdKind::kDn}[*k];
  s.config.isakmp_identity = id;
}

// ------------------------------------------------ pre-shared keys (IKEv1)

// {address ADDR [MASK] | hostname NAME} after the key, or before it in a
// keyring; the caller supplies the key.
std::optional<PresharedKey> read_key_peer(Args& a) {
  PresharedKey k;
  k.at = a.here();
  auto kind = a.keyword({"address", "hostname"});
  if (!kind) return std::nullopt;
  if (*kind == 0) {
    auto am = read_address_mask(a, "the peer's IPv4 address");
    if (!am) return std::nullopt;
    k.kind = PresharedKey::Kind::kAddress;
    k.address = *am;
  } else {
    auto h = a.word("the peer's host name");
    if (!h) return std::nullopt;
    k.kind = PresharedKey::Kind::kHostname;
    k.hostname = std::string(*h);
  }
  return k;
}

// crypto isakmp key [0] KEY {address ADDR [MASK] | hostname NAME} [no-xauth]
void isakmp_key(Session& s, Args& a) {
  auto secret = a.secret("a pre-shared key");
  if (!secret) return;
  auto k = read_key_peer(a);
  if (!k) return;
  a.accept("no-xauth");
  if (!a.end()) return;
  k->key = std::move(*secret);
  s.config.isakmp_keys.push_back(std::move(*k));
}

void keyring(Session& s, Args& a) {
  auto name = a.name("a keyring name");
  if (!name) return s.enter_scratch(Mode::kKeyring);
  a.end();
  s.enter(Mode::kKeyring, s.config.keyrings, name->name, name->at, [&] {
    Keyring k;
    k.name = name->name;
    k.at = name->at;
    return k;
  });
}

void keyring_description(Session& s, Args& a) {
  auto d = read_description(a);
  if (!d || !a.end()) return;
  s.keyring().description = std::move(*d);
}

// pre-shared-key {address ADDR [MASK] | hostname NAME} key [0] KEY
void keyring_psk(Session& s, Args& a) {
  auto k = read_key_peer(a);
  if (!k) return;
  if (!a.accept("key")) return a.fail(a.done() ? "missing argument" : "invalid argument", "'key'");
  auto secret = a.secret("a pre-shared key");
  if (!secret || !a.end()) return;
  k->key = std::move(*secret);
  s.keyring().keys.push_back(std::move(*k));
}

constexpr Command kCommands[] = {
    {Mode::kGlobal, {"crypto", "isakmp", "policy"}, isakmp_policy},
    {Mode::kIsakmpPolicy, {"encryption"}, policy_encryption},
    {Mode::kIsakmpPolicy, {"encr"}, policy_encryption},
    {Mode::kIsakmpPolicy, {"hash"}, policy_hash},
    {Mode::kIsakmpPolicy, {"authentication"}, policy_authentication},
    {Mode::kIsakmpPolicy, {"group"}, policy_group},
    {Mode::kIsakmpPolicy, {"lifetime"}, policy_lifetime},

    {Mode::kGlobal, {"crypto", "isakmp", "profile"}, isakmp_profile},
    {Mode::kIsakmpProfile, {"description"}, profile_description},
    {Mode::kIsakmpProfile, {"self-identity"}, profile_self_identity},
    {Mode::kIsakmpProfile, {"ca", "trust-point"}, profile_ca_trustpoint},
    {Mode::kIsakmpProfile, {"match", "identity"}, profile_match_identity},
    {Mode::kIsakmpProfile, {"match", "certificate"}, profile_match_certificate},
    {Mode::kIsakmpProfile, {"keyring"}, profile_keyring},
    {Mode::kIsakmpProfile, {"local-address"}, profile_local_address},

    {Mode::kGlobal, {"crypto", "isakmp", "identity"}, isakmp_identity},
    {Mode::kGlobal, {"crypto", "isakmp", "key"}, isakmp_key},
    {Mode::kGlobal, {"crypto", "keyring"}, keyring},
    {Mode::kKeyring, {"description"}, keyring_description},
    {Mode::kKeyring, {"pre-shared-key"}, keyring_psk},
};

}  // namespace

std::span<const Command> isakmp_commands() { return kCommands; }

}  // namespace keyway::config
