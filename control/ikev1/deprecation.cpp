// The negotiation-time warning about deprecated algorithms: `keyway check`
// warns about what a configuration offers (control/config/algorithms.h);
// this says, once per ISAKMP SA and once per IPsec SA pair, which of them a
// peer actually agreed to, with the same RFC notes. Always logged (not a
// debug line): it is the operator's cue to fix the peer or the policy.
//
//   %KEYWAY-4-DEPRECATED_ALG: ISAKMP SA 1001 with 192.168.0.2 negotiated
//   deprecated 3des (RFC 8247: ...), md5 (...), group 2 (...)
//
// keyway's own facility: IOS raises no such message, and the line does not
// pretend it does.
#include "control/config/algorithms.h"
#include "control/ikev1/engine_impl.h"

namespace keyway::ikev1 {
namespace {

struct Finding {
  std::string name;
  std::optional<config::Deprecation> why;
};

std::string esp_word(config::EspCipher c, config::EspAuth a) {
  for (const config::EspTransform& t : config::esp_transforms())
    if ((c != config::EspCipher::kNone && t.cipher == c) || (a != config::EspAuth::kNone && t.auth == a))
      return std::string(t.word);
  return "?";
}

// "" when nothing is deprecated.
std::string describe(const std::vector<Finding>& all) {
  std::string out;
  for (const Finding& f : all) {
    if (!f.why) continue;
    if (!out.empty()) out += ", ";
    out += f.name + " (" + std::string(f.why->note) + ")";
  }
  return out;
}

}  // namespace

void Engine::Impl::warn_deprecated_phase1(const IsakmpSa& sa) {
  std::string what = describe({
      {std::string(config::ike_cipher_name(sa.suite.cipher)), config::ike_cipher_deprecation(sa.suite.cipher)},
      {std::string(config::ike_hash_name(sa.suite.hash)), config::ike_hash_deprecation(sa.suite.hash, false)},
      {"group " + std::to_string(sa.suite.group), config::dh_group_deprecation(sa.suite.group)},
  });
  if (what.empty()) return;
  event("%KEYWAY-4-DEPRECATED_ALG: ISAKMP SA " + std::to_string(sa.id) + " with " +
        config::format_ipv4(sa.remote.addr) + " negotiated deprecated " + what);
}

void Engine::Impl::warn_deprecated_phase2(const IsakmpSa& sa, const QuickMode& qm) {
  std::vector<Finding> all{
      {esp_word(qm.suite.cipher, config::EspAuth::kNone), config::esp_cipher_deprecation(qm.suite.cipher)},
  };
  if (qm.suite.auth != config::EspAuth::kNone)
    all.push_back({esp_word(config::EspCipher::kNone, qm.suite.auth), config::esp_auth_deprecation(qm.suite.auth)});
  if (qm.suite.group)
    all.push_back({"pfs group " + std::to_string(qm.suite.group), config::dh_group_deprecation(qm.suite.group)});
  std::string what = describe(all);
  if (what.empty()) return;
  char spis[64];
  std::snprintf(spis, sizeof spis, "0x%X/0x%X", qm.spi_in, qm.spi_out);
  event("%KEYWAY-4-DEPRECATED_ALG: IPsec SA pair " + std::string(spis) + " (in/out) with " +
        config::format_ipv4(sa.remote.addr) + " on Tunnel" + std::to_string(qm.tunnel) + " negotiated deprecated " +
        what);
}

}  // namespace keyway::ikev1
