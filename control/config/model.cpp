#include "control/config/model.h"

#include <algorithm>
#include <bit>

namespace keyway::config {
namespace {

template <class T>
const T* find_named(const std::vector<T>& items, std::string_view name) {
  for (const T& item : items)
    if (item.name == name) return &item;
  return nullptr;
}

}  // namespace

int prefix_length(uint32_t mask) { return std::countl_one(mask); }

std::string format_ipv4(uint32_t addr) {
  return std::to_string(addr >> 24) + '.' + std::to_string((addr >> 16) & 255) + '.' +
         std::to_string((addr >> 8) & 255) + '.' + std::to_string(addr & 255);
}

std::string format_prefix(uint32_t addr, uint32_t mask) {
  return format_ipv4(addr) + '/' + std::to_string(prefix_length(mask));
}

const IsakmpProfile* Config::isakmp_profile(std::string_view name) const {
  return find_named(isakmp_profiles, name);
}
const Keyring* Config::keyring(std::string_view name) const { return find_named(keyrings, name); }
const TransformSet* Config::transform_set(std::string_view name) const {
  return find_named(transform_sets, name);
}
const IpsecProfile* Config::ipsec_profile(std::string_view name) const {
  return find_named(ipsec_profiles, name);
}
const Trustpoint* Config::trustpoint(std::string_view name) const {
  return find_named(trustpoints, name);
}
std::vector<const CertificateMap*> Config::certificate_map(std::string_view name) const {
  std::vector<const CertificateMap*> out;
  for (const CertificateMap& m : certificate_maps)
    if (m.name == name) out.push_back(&m);
  std::sort(out.begin(), out.end(),
            [](const CertificateMap* a, const CertificateMap* b) { return a->sequence < b->sequence; });
  return out;
}
const Ikev2Proposal* Config::ikev2_proposal(std::string_view name) const {
  return find_named(ikev2_proposals, name);
}
const Ikev2Profile* Config::ikev2_profile(std::string_view name) const {
  return find_named(ikev2_profiles, name);
}
const Ikev2Keyring* Config::ikev2_keyring(std::string_view name) const {
  return find_named(ikev2_keyrings, name);
}
const Interface* Config::interface(std::string_view name) const {
  return find_named(interfaces, name);
}

std::string Config::fqdn() const {
  return domain_name.empty() ? hostname : hostname + '.' + domain_name;
}

}  // namespace keyway::config
