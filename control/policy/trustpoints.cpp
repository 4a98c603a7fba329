#include "control/policy/trustpoints.h"

#include <cctype>

namespace keyway::policy {
namespace {

pki::EnrollmentMethod enrollment(config::Enrollment e) {
  switch (e) {
    case config::Enrollment::kNone: return pki::EnrollmentMethod::kNone;
    case config::Enrollment::kUrl: return pki::EnrollmentMethod::kUrl;
    case config::Enrollment::kTerminal: return pki::EnrollmentMethod::kTerminal;
    case config::Enrollment::kSelfSigned: return pki::EnrollmentMethod::kSelfSigned;
  }
  return pki::EnrollmentMethod::kNone;
}

pki::RevocationMethod revocation(config::Revocation r) {
  switch (r) {
    case config::Revocation::kCrl: return pki::RevocationMethod::kCrl;
    case config::Revocation::kNone: return pki::RevocationMethod::kNone;
    case config::Revocation::kOcsp: return pki::RevocationMethod::kOcsp;
  }
  return pki::RevocationMethod::kCrl;
}

}  // namespace

pki::TrustpointPolicy trustpoint_policy(const config::Trustpoint& tp, const config::Config& cfg) {
  pki::TrustpointPolicy p;
  p.name = tp.name;
  p.enrollment = enrollment(tp.enrollment);
  p.enrollment_url = tp.enrollment_url;
  p.serial_number = tp.serial_number;
  p.fqdn = tp.fqdn.empty() ? cfg.fqdn() : tp.fqdn;
  p.subject_name = tp.subject_name;
  if (!tp.ip_address.empty() && std::isdigit(static_cast<unsigned char>(tp.ip_address.front()))) {
    p.ip_address = tp.ip_address;
  } else if (!tp.ip_address.empty()) {
    const config::Interface* itf = cfg.interface(tp.ip_address);
    if (itf && itf->address) p.ip_address = config::format_ipv4(itf->address->addr);
  }
  p.revocation.clear();
  for (config::Revocation r : tp.revocation_check) p.revocation.push_back(revocation(r));
  return p;
}

std::vector<pki::TrustpointPolicy> trustpoint_policies(const config::Config& cfg) {
  std::vector<pki::TrustpointPolicy> out;
  for (const config::Trustpoint& tp : cfg.trustpoints) out.push_back(trustpoint_policy(tp, cfg));
  return out;
}

}  // namespace keyway::policy
