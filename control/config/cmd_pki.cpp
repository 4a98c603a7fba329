// PKI commands: crypto pki trustpoint and crypto pki certificate map, with
// their sub-modes. Only what the commands say is stored here; certificates
// and keys are the PKI layer's, matching a certificate against a map is
// control/policy's.
#include <cctype>

#include "control/config/command_table.h"
#include "control/config/handler_util.h"

namespace keyway::config {
namespace {

void trustpoint(Session& s, Args& a) {
  auto name = a.name("a trust-point name");
  if (!name) return s.enter_scratch(Mode::kTrustpoint);
  a.end();
  s.enter(Mode::kTrustpoint, s.config.trustpoints, name->name, name->at, [&] {
    Trustpoint t;
    t.name = name->name;
    t.at = name->at;
    return t;
  });
}

// enrollment {url URL | terminal [pem] | selfsigned}. The seed enrolls by
// SCEP (`enrollment url http://...`); keyway keeps the URL so the PKI layer
// can say it is not reachable rather than ignore it.
void enrollment(Session& s, Args& a) {
  Loc at = a.here();
  auto k = a.keyword({"url", "terminal", "selfsigned"});
  if (!k) return;
  std::string url;
  if (*k == 0) {
    auto u = a.word("an enrollment URL such as http://192.168.0.3:80");
    if (!u) return;
    if (u->substr(0, 7) != "http://" && u->substr(0, 8) != "https://")
      return a.fail_last("invalid enrollment URL", "an http:// or https:// URL of a SCEP server");
    url = std::string(*u);
  } else if (*k == 1) {
    a.accept("pem");
  }
  if (!a.end()) return;
  Trustpoint& t = s.trustpoint();
  t.enrollment = std::array{Enrollment::kUrl, Enrollment::kTerminal, Enrollment::kSelfSigned}[*k];
  t.enrollment_url = std::move(url);
  t.enrollment_at = at;
}

// serial-number [none]
void serial_number(Session& s, Args& a) {
  bool none = a.accept("none");
  if (!a.end()) return;
  s.trustpoint().serial_number = !none;
}

// fqdn {NAME | none}
void fqdn(Session& s, Args& a) {
  auto v = a.word("a fully qualified domain name such as R1.cisco.com, or none");
  if (!v || !a.end()) return;
  s.trustpoint().fqdn = iequals(*v, "none") ? std::string() : std::string(*v);
}

// ip-address {ADDRESS | INTERFACE | none}
void ip_address(Session& s, Args& a) {
  std::string_view v = a.peek();
  std::string value;
  if (iequals(v, "none")) {
    a.word("");
  } else if (!v.empty() && std::isdigit(static_cast<unsigned char>(v.front()))) {
    auto addr = a.address("an IPv4 address, an interface name or none");
    if (!addr) return;
    value = format_ipv4(*addr);
  } else {
    auto ifname = a.interface_name();
    if (!ifname) return;
    value = ifname->canonical;
  }
  if (!a.end()) return;
  s.trustpoint().ip_address = std::move(value);
}

// subject-name DN: the rest of the line, since a DN may contain blanks
// ("O=VeriSign, Inc.").
void subject_name(Session& s, Args& a) {
  auto dn = a.rest("a distinguished name such as CN=R1,OU=IT,O=cisco,O=com");
  if (!dn) return;
  if (dn->find('=') == std::string_view::npos)
    return a.fail_last("invalid subject name",
                       "a distinguished name of ATTRIBUTE=VALUE pairs such as CN=R1,O=cisco");
  if (!a.end()) return;
  s.trustpoint().subject_name = std::string(*dn);
}

// revocation-check METHOD [METHOD [METHOD]]: tried in order; `none` last
// means "accept when the others cannot answer".
void revocation_check(Session& s, Args& a) {
  constexpr Spelling<Revocation> kMethods[] = {
      {"crl", Revocation::kCrl}, {"none", Revocation::kNone}, {"ocsp", Revocation::kOcsp}};
  std::vector<Revocation> methods;
  do {
    auto m = a.choice<Revocation>(kMethods, "crl, none or ocsp");
    if (!m) return;
    for (Revocation r : methods)
      if (r == *m) return a.fail_last("repeated revocation method", "each method once");
    methods.push_back(*m);
  } while (!a.done());
  if (!a.end()) return;
  s.trustpoint().revocation_check = std::move(methods);
}

// rsakeypair NAME [MODULUS]
void rsakeypair(Session& s, Args& a) {
  auto name = a.word("a key pair label");
  if (!name) return;
  uint32_t modulus = 0;
  if (!a.done()) {
    auto m = a.number(360, 4096, "RSA modulus bits");
    if (!m) return;
    modulus = *m;
  }
  if (!a.end()) return;
  s.trustpoint().rsakeypair = std::string(*name);
  s.trustpoint().rsakeypair_modulus = modulus;
}

// ------------------------------------------------ crypto pki certificate map

// crypto pki certificate map NAME SEQ
void certificate_map(Session& s, Args& a) {
  auto name = a.name("a certificate map name");
  if (!name) return s.enter_scratch(Mode::kCertificateMap);
  auto seq = a.number(1, 65535, "a sequence number");
  if (!seq) return s.enter_scratch(Mode::kCertificateMap);
  a.end();
  s.enter(Mode::kCertificateMap, s.config.certificate_maps, name->name + ' ' + std::to_string(*seq), name->at, [&] {
    CertificateMap m;
    m.name = name->name;
    m.sequence = *seq;
    m.at = name->at;
    return m;
  });
}

// {subject-name | issuer-name} {eq | ne | co | nc} VALUE: VALUE is the rest
// of the line, since a DN may contain blanks.
void certificate_map_rule(Session& s, Args& a, CertificateMapRule::Field field) {
  constexpr Spelling<CertificateMapRule::Op> kOps[] = {
      {"eq", CertificateMapRule::Op::kEq},
      {"ne", CertificateMapRule::Op::kNe},
      {"co", CertificateMapRule::Op::kCo},
      {"nc", CertificateMapRule::Op::kNc},
  };
  CertificateMapRule r;
  r.field = field;
  r.at = a.here();
  auto op = a.choice<CertificateMapRule::Op>(kOps, "eq, ne, co or nc");
  if (!op) return;
  auto value = a.rest("the text to compare, such as cn=R1");
  if (!value || !a.end()) return;
  r.op = *op;
  r.value = std::string(*value);
  s.certificate_map().rules.push_back(std::move(r));
}

void map_subject_name(Session& s, Args& a) {
  certificate_map_rule(s, a, CertificateMapRule::Field::kSubjectName);
}
void map_issuer_name(Session& s, Args& a) {
  certificate_map_rule(s, a, CertificateMapRule::Field::kIssuerName);
}

constexpr Command kCommands[] = {
    {Mode::kGlobal, {"crypto", "pki", "trustpoint"}, trustpoint},
    {Mode::kTrustpoint, {"enrollment"}, enrollment},
    {Mode::kTrustpoint, {"serial-number"}, serial_number},
    {Mode::kTrustpoint, {"fqdn"}, fqdn},
    {Mode::kTrustpoint, {"ip-address"}, ip_address},
    {Mode::kTrustpoint, {"subject-name"}, subject_name},
    {Mode::kTrustpoint, {"revocation-check"}, revocation_check},
    {Mode::kTrustpoint, {"rsakeypair"}, rsakeypair},

    {Mode::kGlobal, {"crypto", "pki", "certificate", "map"}, certificate_map},
    {Mode::kCertificateMap, {"subject-name"}, map_subject_name},
    {Mode::kCertificateMap, {"issuer-name"}, map_issuer_name},
};

}  // namespace

std::span<const Command> pki_commands() { return kCommands; }

}  // namespace keyway::config
