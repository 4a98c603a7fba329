// IPsec commands: crypto ipsec transform-set and crypto ipsec profile.
#include <cctype>

#include "control/config/command_table.h"
#include "control/config/handler_util.h"

namespace keyway::config {
namespace {

constexpr std::string_view kTransforms =
    "an ESP transform: esp-aes [128|192|256], esp-gcm [128|192|256], esp-3des, esp-des, "
    "esp-null, esp-sha-hmac, esp-sha256-hmac, esp-sha384-hmac, esp-sha512-hmac or esp-md5-hmac";

bool is_gcm(EspCipher c) {
  return c == EspCipher::kAesGcm128 || c == EspCipher::kAesGcm192 || c == EspCipher::kAesGcm256;
}

const EspTransform* find_transform(std::string_view word) {
  for (const EspTransform& t : esp_transforms())
    if (iequals(t.word, word)) return &t;
  return nullptr;
}

// Reads the transform list of `crypto ipsec transform-set NAME T...`.
// IOS rejects two encryption or two authentication transforms, and an
// authentication transform next to GCM (which carries its own ICV).
bool read_transforms(Args& a, TransformSet& ts) {
  if (a.done()) {
    a.fail("missing argument", kTransforms);
    return false;
  }
  std::string_view cipher_word, auth_word;
  while (!a.done()) {
    const EspTransform* t = find_transform(a.peek());
    if (!t) {
      if (a.peek().substr(0, 3) == "ah-")
        a.fail("AH transforms are not supported", "ESP transforms; keyway implements ESP only");
      else
        a.fail("invalid argument", kTransforms);
      return false;
    }
    a.word("");
    std::string written(t->word);
    EspCipher cipher = t->cipher;
    if (t->key_size && !a.done() && std::isdigit(static_cast<unsigned char>(a.peek().front()))) {
      auto bits = a.keyword({"128", "192", "256"});
      if (!bits) return false;
      unsigned size = std::array{128u, 192u, 256u}[*bits];
      cipher = esp_cipher_with_key_size(cipher, size);
      written += " " + std::to_string(size);
    }
    if (cipher != EspCipher::kNone) {
      if (ts.cipher != EspCipher::kNone) {
        a.fail_last("conflicting transforms",
                    "one encryption transform ('" + std::string(cipher_word) + "' is already set)");
        return false;
      }
      if (is_gcm(cipher) && ts.auth != EspAuth::kNone) {
        a.fail_last("conflicting transforms",
                    "esp-gcm without an authentication transform ('" + std::string(auth_word) +
                        "' is set; GCM authenticates by itself)");
        return false;
      }
      ts.cipher = cipher;
      cipher_word = t->word;
      warn_if_deprecated(a, esp_cipher_deprecation(cipher));
    } else {
      if (ts.auth != EspAuth::kNone) {
        a.fail_last("conflicting transforms",
                    "one authentication transform ('" + std::string(auth_word) + "' is already set)");
        return false;
      }
      if (is_gcm(ts.cipher)) {
        a.fail_last("conflicting transforms",
                    "no authentication transform after esp-gcm (GCM authenticates by itself)");
        return false;
      }
      ts.auth = t->auth;
      auth_word = t->word;
      warn_if_deprecated(a, esp_auth_deprecation(t->auth));
    }
    ts.transforms.push_back(std::move(written));
  }
  return a.end();
}

// crypto ipsec transform-set NAME TRANSFORM... ; entering it again with
// other transforms replaces them (IOS).
void transform_set(Session& s, Args& a) {
  auto name = a.name("a transform-set name");
  if (!name) return s.enter_scratch(Mode::kTransformSet);
  TransformSet parsed;
  bool ok = read_transforms(a, parsed);
  TransformSet& ts = s.enter(Mode::kTransformSet, s.config.transform_sets, name->name, name->at,
                             [&] {
                               TransformSet t;
                               t.name = name->name;
                               t.at = name->at;
                               return t;
                             });
  if (!ok) return;
  ts.cipher = parsed.cipher;
  ts.auth = parsed.auth;
  ts.transforms = std::move(parsed.transforms);
}

void transform_set_mode(Session& s, Args& a) {
  auto k = a.keyword({"tunnel", "transport"});
  if (!k || !a.end()) return;
  s.transform_set().mode = *k == 0 ? IpsecMode::kTunnel : IpsecMode::kTransport;
}

// ------------------------------------------------------ crypto ipsec profile

void ipsec_profile(Session& s, Args& a) {
  auto name = a.name("an ipsec profile name");
  if (!name) return s.enter_scratch(Mode::kIpsecProfile);
  a.end();
  s.enter(Mode::kIpsecProfile, s.config.ipsec_profiles, name->name, name->at, [&] {
    IpsecProfile p;
    p.name = name->name;
    p.at = name->at;
    return p;
  });
}

void ipsec_profile_description(Session& s, Args& a) {
  auto d = read_description(a);
  if (!d || !a.end()) return;
  s.ipsec_profile().description = std::move(*d);
}

// set transform-set NAME [NAME...]: up to six, replacing the list (IOS).
void set_transform_set(Session& s, Args& a) {
  std::vector<NameRef> names;
  auto first = a.name("a transform-set name");
  if (!first) return;
  names.push_back(std::move(*first));
  while (!a.done()) {
    if (names.size() == 6) return a.fail("too many transform-sets", "at most 6");
    names.push_back(*a.name(""));
  }
  if (!a.end()) return;
  s.ipsec_profile().transform_sets = std::move(names);
}

void set_isakmp_profile(Session& s, Args& a) {
  auto name = a.name("an isakmp profile name");
  if (!name || !a.end()) return;
  s.ipsec_profile().isakmp_profile = std::move(*name);
}

void set_ikev2_profile(Session& s, Args& a) {
  auto name = a.name("an ikev2 profile name");
  if (!name || !a.end()) return;
  s.ipsec_profile().ikev2_profile = std::move(*name);
}

// set pfs [groupN]; without a group IOS 15.3 uses group 1.
void set_pfs(Session& s, Args& a) {
  DhGroup group = 1;
  if (!a.done()) {
    std::string_view w = a.peek();
    unsigned n = 0;
    bool ok = w.size() > 5 && w.substr(0, 5) == "group";
    for (char c : w.substr(ok ? 5 : w.size())) {
      ok = ok && std::isdigit(static_cast<unsigned char>(c)) && n < 100;
      n = n * 10 + static_cast<unsigned>(c - '0');
    }
    if (ok && n == 24) return a.fail(std::string(kDhGroup24Refusal), "group14, group19 or group20");
    if (!ok || !is_dh_group(n))
      return a.fail("invalid argument", "group1, group2, group5, group14, group15, group16, "
                                        "group19, group20, group21 or group31");
    a.word("");
    group = static_cast<DhGroup>(n);
  }
  if (auto d = dh_group_deprecation(group)) {
    if (a.done() && group == 1)
      a.warn_last("deprecated algorithm, loaded as written (" + std::string(d->note) +
                      "; `set pfs` alone means group1)",
                  d->instead);
    else
      warn_if_deprecated(a, d);
  }
  if (!a.end()) return;
  s.ipsec_profile().pfs_group = group;
}

// set security-association lifetime {seconds N | kilobytes {N | disable}}
void set_sa_lifetime(Session& s, Args& a) {
  auto k = a.keyword({"seconds", "kilobytes"});
  if (!k) return;
  if (*k == 0) {
    auto t = a.number(120, 2592000, "seconds");
    if (!t || !a.end()) return;
    s.ipsec_profile().lifetime_s = *t;
    return;
  }
  uint64_t kb = 0;
  if (!a.accept("disable")) {
    auto v = a.number64(2560, 4294967295u, "kilobytes");
    if (!v) return;
    kb = *v;
  }
  if (!a.end()) return;
  s.ipsec_profile().lifetime_kb = kb;
}

constexpr Command kCommands[] = {
    {Mode::kGlobal, {"crypto", "ipsec", "transform-set"}, transform_set},
    {Mode::kTransformSet, {"mode"}, transform_set_mode},

    {Mode::kGlobal, {"crypto", "ipsec", "profile"}, ipsec_profile},
    {Mode::kIpsecProfile, {"description"}, ipsec_profile_description},
    {Mode::kIpsecProfile, {"set", "transform-set"}, set_transform_set},
    {Mode::kIpsecProfile, {"set", "isakmp-profile"}, set_isakmp_profile},
    {Mode::kIpsecProfile, {"set", "ikev2-profile"}, set_ikev2_profile},
    {Mode::kIpsecProfile, {"set", "pfs"}, set_pfs},
    {Mode::kIpsecProfile, {"set", "security-association", "lifetime"}, set_sa_lifetime},
};

}  // namespace

std::span<const Command> ipsec_commands() { return kCommands; }

}  // namespace keyway::config
