// keyway pki ...: the lab CA, enrollment, import, and the PKI decisions of
// IKE run by hand (CERTREQ lists, first-match selection, validation), so a
// PKI can be built and its behaviour checked before any tunnel runs.
// Exit status: 0 success, 1 the work ran but failed (validation failed, no
// trust-point fits, SCEP not available), 2 bad usage or input.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "control/cli/commands.h"
#include "control/cli/flags.h"
#include "control/cli/pki_util.h"
#include "control/config/load.h"
#include "control/policy/trustpoints.h"
#include "pki/certreq.h"
#include "pki/certreq_match.h"
#include "pki/dn.h"
#include "pki/enroll.h"
#include "pki/lab_ca.h"
#include "pki/validate.h"

namespace keyway::cli {
namespace {

constexpr const char* kPkiUsage =
    "usage: keyway pki COMMAND ...\n"
    "\n"
    "Lab CA (stands in for the seed's SCEP CAs):\n"
    "  ca create NAME --out DIR [--subject DN] [--key rsa2048|ec256] [--days N]\n"
    "            [--valid-from TIME] [--crl-days N] [--parent CA-DIR]\n"
    "      --parent: a subordinate CA, certified by the CA in CA-DIR\n"
    "  ca revoke --ca DIR --serial HEX [--at TIME]\n"
    "  enroll --ca DIR --trustpoint TP [--store DIR] [--config FILE]\n"
    "         [--subject DN] [--fqdn NAME | --hostname H [--domain D]] [--ip A]\n"
    "         [--serial N] [--email ADDR] [--key rsa2048|ec256] [--own-key]\n"
    "         [--days N] [--valid-from TIME] [--valid-until TIME]\n"
    "      With --config, the trust-point's subject-name, fqdn, ip-address and\n"
    "      serial-number are the defaults; without --ca, reports whether the\n"
    "      configured enrollment method can run (SCEP cannot).\n"
    "\n"
    "Certificates from elsewhere (crypto pki authenticate / import):\n"
    "  import TP --ca FILE [--cert FILE --key FILE] [--crl FILE] [--predefined]\n"
    "         [--store DIR]          PEM or DER files\n"
    "\n"
    "IKE's PKI decisions, by hand:\n"
    "  certreq [--ikev1|--ikev2] [--trustpoint TP]... [--store DIR] [--hex]\n"
    "      the CERTREQ payloads this router sends, in order\n"
    "  choose --peer-store DIR [--peer-trustpoint TP]... [--trustpoint TP]...\n"
    "         [--ikev1|--ikev2] [--store DIR]\n"
    "      the peer builds its CERTREQs from its store (restricted to its\n"
    "      profile's trust-points if given); this router picks by first match\n"
    "  verify --cert FILE [--chain FILE] [--trustpoint TP]... [--id TYPE:VALUE]\n"
    "         [--peer ADDR] [--at TIME] [--config FILE] [--store DIR]\n"
    "      validate a peer certificate against the listed trust-points (all\n"
    "      if none); TYPE is fqdn, ipv4, email or dn\n"
    "\n"
    "DN: RFC 4514 order as IOS writes it, e.g. CN=R1,OU=IT,O=cisco,O=com.\n"
    "TIME: YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC). The store is --store DIR,\n"
    "else $KEYWAY_PKI_STORE, else /var/lib/keyway/pki.\n";

int usage_error(const std::string& what) {
  std::fprintf(stderr, "keyway pki: %s\n\n%s", what.c_str(), kPkiUsage);
  return 2;
}

int failed(const std::string& what, int status = 2) {
  std::fprintf(stderr, "keyway pki: %s\n", what.c_str());
  return status;
}

bool parse_int(const std::optional<std::string>& s, int lo, int hi, int& out) {
  if (!s) return true;
  try {
    size_t used = 0;
    int v = std::stoi(*s, &used);
    if (used != s->size() || v < lo || v > hi) return false;
    out = v;
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

bool parse_time(const std::optional<std::string>& s, time_t& out, std::string& err) {
  if (!s) return true;
  auto t = pki::parse_utc_time(*s);
  if (!t) {
    err = t.error();
    return false;
  }
  out = *t;
  return true;
}

// ------------------------------------------------------------- ca create

int ca_create(int argc, char** argv) {
  Flags f({"--out", "--subject", "--key", "--days", "--valid-from", "--crl-days", "--parent"}, {});
  std::string err;
  if (!f.parse(argc, argv, 3, err)) return usage_error(err);
  if (f.positional().size() != 1 || !f.get("--out")) return usage_error("ca create needs NAME and --out DIR");
  pki::CaOptions o;
  o.name = f.positional()[0];
  o.subject = f.get("--subject").value_or("");
  if (auto k = f.get("--key")) {
    auto type = pki::parse_key_type(*k);
    if (!type) return usage_error(type.error());
    o.key_type = *type;
  }
  if (!parse_int(f.get("--days"), 1, 36500, o.days)) return usage_error("--days must be 1..36500");
  if (!parse_int(f.get("--crl-days"), 1, 36500, o.crl_days)) return usage_error("--crl-days must be 1..36500");
  if (!parse_time(f.get("--valid-from"), o.not_before, err)) return usage_error(err);
  std::optional<pki::LabCa> parent;
  if (auto dir = f.get("--parent")) {
    auto p = pki::LabCa::open(*dir);
    if (!p) return failed(p.error());
    parent = p.take();
    o.parent = &*parent;
  }
  auto ca = pki::LabCa::create(*f.get("--out"), o);
  if (!ca) return failed(ca.error());
  std::printf("CA %s created in %s: %s, issuer %s, serial %s, valid until %s\n", ca->name().c_str(),
              f.get("--out")->c_str(), pki::format_dn(ca->certificate().subject()).c_str(),
              pki::format_dn(ca->certificate().issuer()).c_str(),
              ca->certificate().serial_hex().c_str(),
              pki::format_ios_time(ca->certificate().not_after()).c_str());
  return 0;
}

// ------------------------------------------------------------- ca revoke

int ca_revoke(int argc, char** argv) {
  Flags f({"--ca", "--serial", "--at"}, {});
  std::string err;
  if (!f.parse(argc, argv, 3, err)) return usage_error(err);
  if (!f.get("--ca") || !f.get("--serial") || !f.positional().empty())
    return usage_error("ca revoke needs --ca DIR and --serial HEX");
  time_t at = 0;
  if (!parse_time(f.get("--at"), at, err)) return usage_error(err);
  auto ca = pki::LabCa::open(*f.get("--ca"));
  if (!ca) return failed(ca.error());
  if (pki::Status s = ca->revoke(*f.get("--serial"), at); !s) return failed(s.error());
  std::printf("CA %s: serial %s revoked; CRL reissued in %s/crl.pem\n", ca->name().c_str(),
              f.get("--serial")->c_str(), f.get("--ca")->c_str());
  return 0;
}

// ---------------------------------------------------------------- enroll

int enroll(int argc, char** argv) {
  Flags f({"--ca", "--trustpoint", "--store", "--config", "--subject", "--fqdn", "--hostname",
           "--domain", "--ip", "--serial", "--serial-number", "--email", "--key", "--days",
           "--valid-from", "--valid-until"},
          {"--own-key"});
  std::string err;
  if (!f.parse(argc, argv, 2, err)) return usage_error(err);
  if (!f.positional().empty()) return usage_error("unexpected argument '" + f.positional()[0] + "'");
  auto tp = f.get("--trustpoint");
  if (!tp) return usage_error("enroll needs --trustpoint TP");
  if (!pki::valid_trustpoint_name(*tp)) return usage_error("invalid trust-point name '" + *tp + "'");

  // The trust-point's configuration, when given, supplies the defaults.
  std::optional<pki::TrustpointPolicy> policy;
  if (auto cfg_path = f.get("--config")) {
    config::LoadResult r = config::load_file(*cfg_path);
    if (!r.ok()) {
      std::fputs(r.diagnostics.format_all().c_str(), stderr);
      return failed(*cfg_path + ": configuration rejected");
    }
    const config::Trustpoint* t = r.config->trustpoint(*tp);
    if (!t) return failed(*cfg_path + " defines no trustpoint " + *tp);
    policy = policy::trustpoint_policy(*t, *r.config);
  }
  if (!f.get("--ca")) {
    if (!policy) return usage_error("enroll needs --ca DIR (a lab CA made by `keyway pki ca create`)");
    pki::EnrollmentCheck check = pki::check_enrollment(*policy);
    std::fprintf(stderr, "keyway pki: %s\n", check.message.c_str());
    return 1;
  }
  if (policy && policy->enrollment == pki::EnrollmentMethod::kUrl)
    std::fprintf(stderr,
                 "keyway pki: note: trustpoint %s enrolls by SCEP (enrollment url %s), which keyway "
                 "does not implement; the lab CA in %s stands in for it\n",
                 tp->c_str(), policy->enrollment_url.c_str(), f.get("--ca")->c_str());

  std::string router_serial = f.get("--serial-number").value_or(f.get("--serial").value_or(""));
  pki::EnrollmentRequest req;
  if (policy) {
    if (policy->serial_number && router_serial.empty())
      return usage_error("trustpoint " + *tp + " has `serial-number`: give the router's serial with --serial");
    req = pki::request_from_policy(*policy, router_serial);
  } else {
    req.serial_number = router_serial;
  }
  if (auto v = f.get("--subject")) req.subject_name = *v;
  if (auto v = f.get("--fqdn")) req.fqdn = *v;
  if (auto h = f.get("--hostname")) {
    if (f.get("--fqdn")) return usage_error("give --fqdn or --hostname/--domain, not both");
    req.fqdn = *h + (f.get("--domain") ? "." + *f.get("--domain") : "");
  } else if (f.get("--domain")) {
    return usage_error("--domain needs --hostname");
  }
  if (auto v = f.get("--ip")) req.ip_address = *v;
  if (auto v = f.get("--email")) req.email = *v;
  if (!parse_int(f.get("--days"), 1, 36500, req.days)) return usage_error("--days must be 1..36500");
  if (!parse_time(f.get("--valid-from"), req.not_before, err)) return usage_error(err);
  if (!parse_time(f.get("--valid-until"), req.not_after, err)) return usage_error(err);
  pki::EnrollOptions eo;
  if (auto k = f.get("--key")) {
    auto type = pki::parse_key_type(*k);
    if (!type) return usage_error(type.error());
    eo.key_type = *type;
  }
  eo.own_key = f.has("--own-key");

  auto ca = pki::LabCa::open(*f.get("--ca"));
  if (!ca) return failed(ca.error());
  auto store = pki::CertStore::open(pki_store_dir(f));
  if (!store) return failed(store.error());
  auto cert = pki::enroll(*store, *ca, *tp, req, eo);
  if (!cert) return failed(cert.error(), 1);
  std::printf("Trustpoint %s: certificate serial %s issued by %s\n  subject %s\n", tp->c_str(),
              cert->serial_hex().c_str(), pki::format_dn(cert->issuer()).c_str(),
              pki::format_dn(cert->subject()).c_str());
  return 0;
}

// ---------------------------------------------------------------- import

int import(int argc, char** argv) {
  Flags f({"--ca", "--cert", "--key", "--crl", "--store"}, {"--predefined"});
  std::string err;
  if (!f.parse(argc, argv, 2, err)) return usage_error(err);
  if (f.positional().size() != 1) return usage_error("import needs exactly one TRUSTPOINT name");
  const std::string& tp = f.positional()[0];
  if (!pki::valid_trustpoint_name(tp)) return usage_error("invalid trust-point name '" + tp + "'");
  if (f.has("--cert") != f.has("--key")) return usage_error("--cert and --key go together");
  if (f.has("--predefined") && f.has("--cert")) return usage_error("a predefined trust-point holds a CA only");
  auto store = pki::CertStore::open(pki_store_dir(f));
  if (!store) return failed(store.error());
  std::optional<pki::Trustpoint> existing = store->trustpoint(tp);
  if (!f.get("--ca") && !(existing && existing->ca)) return usage_error("import needs --ca FILE");

  if (auto path = f.get("--ca")) {
    auto certs = pki::Certificate::load_file(*path);
    if (!certs) return failed(certs.error());
    if (pki::Status s = store->add_ca(tp, certs->front(), f.has("--predefined")); !s) return failed(s.error());
    std::printf("Trustpoint %s: CA certificate %s (serial %s)\n", tp.c_str(),
                pki::format_dn(certs->front().subject()).c_str(), certs->front().serial_hex().c_str());
  }
  if (auto path = f.get("--cert")) {
    auto certs = pki::Certificate::load_file(*path);
    if (!certs) return failed(certs.error());
    auto key = pki::load_key_file(*f.get("--key"));
    if (!key) return failed(key.error());
    if (pki::Status s = store->add_certificate(tp, certs->front(), *key); !s) return failed(s.error());
    std::printf("Trustpoint %s: certificate %s (serial %s)\n", tp.c_str(),
                pki::format_dn(certs->front().subject()).c_str(), certs->front().serial_hex().c_str());
  }
  if (auto path = f.get("--crl")) {
    auto crl = pki::Crl::load_file(*path);
    if (!crl) return failed(crl.error());
    if (pki::Status s = store->set_crl(tp, *crl); !s) return failed(s.error());
    std::printf("Trustpoint %s: CRL installed\n", tp.c_str());
  }
  return 0;
}

// --------------------------------------------------------------- certreq

std::string hex(const uint8_t* p, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += kDigits[p[i] >> 4];
    out += kDigits[p[i] & 15];
  }
  return out;
}

std::vector<pki::Trustpoint> selected(const pki::CertStore& store, const std::vector<std::string>& names) {
  return names.empty() ? store.trustpoints() : store.trustpoints(names);
}

int certreq(int argc, char** argv) {
  Flags f({"--trustpoint", "--store", "--config"}, {"--ikev1", "--ikev2", "--hex"});
  std::string err;
  if (!f.parse(argc, argv, 2, err)) return usage_error(err);
  if (!f.positional().empty()) return usage_error("unexpected argument '" + f.positional()[0] + "'");
  if (f.has("--ikev1") && f.has("--ikev2")) return usage_error("--ikev1 or --ikev2, not both");
  auto store = open_pki_store(f, "keyway pki");
  if (!store) return 2;
  std::vector<pki::Trustpoint> tps = selected(*store, f.all("--trustpoint"));
  if (f.has("--ikev2")) {
    pki::CertReq req = pki::build_certreq_ikev2(tps);
    std::printf("CERTREQ encoding %u, %zu CA hash(es):\n", req.type, req.body.size() / 20);
    for (const pki::Trustpoint& tp : tps) {
      pki::Sha1 h = tp.ca->spki_sha1();
      std::printf("  %s  %s (%s)\n", hex(h.data(), h.size()).c_str(), tp.name.c_str(),
                  pki::format_dn(tp.ca->subject()).c_str());
    }
    if (f.has("--hex")) std::printf("%s\n", hex(req.body.data(), req.body.size()).c_str());
    return 0;
  }
  std::vector<pki::CertReq> reqs = pki::build_certreq_ikev1(tps, print_log());
  if (f.has("--hex"))
    for (const pki::CertReq& r : reqs) std::printf("%u %s\n", r.type, hex(r.body.data(), r.body.size()).c_str());
  return 0;
}

// ---------------------------------------------------------------- choose

int choose(int argc, char** argv) {
  Flags f({"--peer-store", "--peer-trustpoint", "--trustpoint", "--store", "--config"},
          {"--ikev1", "--ikev2"});
  std::string err;
  if (!f.parse(argc, argv, 2, err)) return usage_error(err);
  if (!f.positional().empty()) return usage_error("unexpected argument '" + f.positional()[0] + "'");
  if (!f.get("--peer-store")) return usage_error("choose needs --peer-store DIR");
  auto store = open_pki_store(f, "keyway pki");
  if (!store) return 2;
  auto peer = pki::CertStore::open(*f.get("--peer-store"), false);
  if (!peer) return failed(peer.error());
  std::vector<pki::Trustpoint> peer_tps = selected(*peer, f.all("--peer-trustpoint"));
  std::vector<pki::Trustpoint> local = store->trustpoints();
  std::vector<std::string> profile = f.all("--trustpoint");
  const std::vector<std::string>* restrict_to = profile.empty() ? nullptr : &profile;

  pki::Selection s;
  if (f.has("--ikev2")) {
    pki::CertReq req = pki::build_certreq_ikev2(peer_tps);
    auto hashes = pki::parse_certreq_ikev2(req.type, req.body);
    if (!hashes) return failed(hashes.error());
    s = pki::choose_ikev2(*hashes, local, restrict_to, print_log());
  } else {
    std::vector<pki::Bytes> dns;
    for (const pki::CertReq& r : pki::build_certreq_ikev1(peer_tps)) dns.push_back(r.body);
    s = pki::choose_ikev1(dns, local, restrict_to, print_log());
  }
  if (!s.ok()) return failed(s.reason, 1);
  std::printf("constructing CERT payload for %s\n", pki::format_dn(s.chain.front().subject()).c_str());
  std::printf("using the %s trustpoint's keypair to sign\n", s.trustpoint->name.c_str());
  return 0;
}

// ---------------------------------------------------------------- verify

int verify(int argc, char** argv) {
  Flags f({"--cert", "--chain", "--trustpoint", "--id", "--peer", "--at", "--store", "--config"}, {});
  std::string err;
  if (!f.parse(argc, argv, 2, err)) return usage_error(err);
  if (!f.positional().empty()) return usage_error("unexpected argument '" + f.positional()[0] + "'");
  if (!f.get("--cert")) return usage_error("verify needs --cert FILE");
  auto certs = pki::Certificate::load_file(*f.get("--cert"));
  if (!certs) return failed(certs.error());
  pki::ValidationInput in{certs->front(), {certs->begin() + 1, certs->end()}, std::nullopt, 0, ""};
  if (auto chain = f.get("--chain")) {
    auto more = pki::Certificate::load_file(*chain);
    if (!more) return failed(more.error());
    in.chain.insert(in.chain.end(), more->begin(), more->end());
  }
  if (auto id = f.get("--id")) {
    auto parsed = pki::parse_peer_id(*id);
    if (!parsed) return usage_error(parsed.error());
    in.id = parsed.take();
  }
  if (!parse_time(f.get("--at"), in.at, err)) return usage_error(err);
  auto store = open_pki_store(f, "keyway pki");
  if (!store) return 2;
  std::vector<pki::Trustpoint> list = selected(*store, f.all("--trustpoint"));
  pki::ValidationResult r = pki::validate(list, in, print_log());
  if (r.ok()) {
    std::printf("valid: trustpoint %s\n", r.trustpoint.c_str());
    return 0;
  }
  if (auto peer = f.get("--peer")) {
    std::printf("%s\n", pki::ikmp_invalid_cert(r, *peer).c_str());
    std::printf("%s\n", pki::isakmp_cert_error(r).c_str());
  }
  std::printf("invalid: %s (%s)\n", pki::verdict_name(r.verdict), r.detail.c_str());
  return 1;
}

}  // namespace

int cmd_pki(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kPkiUsage, stderr);
    return 2;
  }
  std::string sub = argv[1];
  if (sub == "--help" || sub == "-h" || sub == "help") {
    std::fputs(kPkiUsage, stdout);
    return 0;
  }
  if (sub == "ca") {
    if (argc >= 3 && !std::strcmp(argv[2], "create")) return ca_create(argc, argv);
    if (argc >= 3 && !std::strcmp(argv[2], "revoke")) return ca_revoke(argc, argv);
    return usage_error("pki ca needs create or revoke");
  }
  if (sub == "enroll") return enroll(argc, argv);
  if (sub == "import") return import(argc, argv);
  if (sub == "certreq") return certreq(argc, argv);
  if (sub == "choose") return choose(argc, argv);
  if (sub == "verify") return verify(argc, argv);
  return usage_error("unknown command '" + sub + "'");
}

}  // namespace keyway::cli
