#include "control/policy/certificate_map.h"

#include <cctype>

#include "pki/dn.h"

namespace keyway::policy {
namespace {

// Lower case, without the blanks IOS users put around '=' and ','.
std::string fold(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == ' ' || c == '\t') {
      size_t j = i;
      while (j < s.size() && (s[j] == ' ' || s[j] == '\t')) ++j;
      bool next_sep = j < s.size() && (s[j] == '=' || s[j] == ',');
      bool prev_sep = !out.empty() && (out.back() == '=' || out.back() == ',');
      if (next_sep || prev_sep || out.empty() || j == s.size()) {
        i = j - 1;
        continue;
      }
    }
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

}  // namespace

bool certificate_map_rule_matches(const config::CertificateMapRule& rule, std::string_view dn) {
  using Op = config::CertificateMapRule::Op;
  std::string have = fold(dn);
  std::string want = fold(rule.value);
  switch (rule.op) {
    case Op::kEq: return have == want;
    case Op::kNe: return have != want;
    case Op::kCo: return have.find(want) != std::string::npos;
    case Op::kNc: return have.find(want) == std::string::npos;
  }
  return false;
}

bool certificate_map_matches(const config::Config& cfg, std::string_view name, const pki::Certificate& cert,
                             uint32_t* matched_sequence) {
  std::string subject = pki::format_dn(cert.subject());
  std::string issuer = pki::format_dn(cert.issuer());
  for (const config::CertificateMap* seq : cfg.certificate_map(name)) {
    if (seq->rules.empty()) continue;
    bool all = true;
    for (const config::CertificateMapRule& r : seq->rules) {
      const std::string& dn = r.field == config::CertificateMapRule::Field::kSubjectName ? subject : issuer;
      if (!certificate_map_rule_matches(r, dn)) {
        all = false;
        break;
      }
    }
    if (all) {
      if (matched_sequence) *matched_sequence = seq->sequence;
      return true;
    }
  }
  return false;
}

}  // namespace keyway::policy
