// libFuzzer target for the PKI parsers that read what a peer or a person
// sends: received CERTREQ bodies (IKEv1 DN, IKEv2 hash list), DER
// certificates and CRLs, DN text and IKE ID text. The first input byte
// picks the parser; the rest is its input. Built with -Dfuzz=true and
// clang; the `fuzz` suite runs it for a bounded number of inputs.
//
// Besides not crashing, each parser keeps its contract: an IKEv2 body is
// accepted exactly when its length is a multiple of 20, an accepted IKEv1
// body is a DN that prints, and anything accepted can be printed the way
// `show` and the debug lines print it.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "pki/certreq.h"
#include "pki/certreq_match.h"
#include "pki/dn.h"
#include "pki/peer_id.h"
#include "pki/show.h"

using namespace keyway::pki;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::span<const uint8_t> in(data + 1, size - 1);
  std::string_view text(reinterpret_cast<const char*>(in.data()), in.size());
  switch (data[0] % 6) {
    case 0: {
      auto dn = parse_certreq_ikev1(kX509Signature, in);
      if (dn) {
        std::vector<Bytes> requests{*dn};
        Selection s = choose_ikev1(requests, {}, nullptr, [](const LogLine& l) { (void)render(l, 1); });
        if (s.ok()) __builtin_trap();  // nothing to choose from
      }
      break;
    }
    case 1: {
      auto hashes = parse_certreq_ikev2(kX509Signature, in);
      if (hashes.ok() != (in.size() % 20 == 0)) __builtin_trap();
      if (hashes && hashes->size() != in.size() / 20) __builtin_trap();
      break;
    }
    case 2: {
      auto certs = Certificate::parse_all(in);
      if (!certs) break;
      for (const Certificate& c : *certs) {
        (void)show_certificate(CertStore::Entry{1, CertStore::Entry::Kind::kOwn, c, "f.cer", {"TP"}});
        (void)c.spki_sha1();
        (void)c.san_dns();
        (void)c.san_ipv4();
        (void)c.san_email();
        (void)certificate_matches(c, PeerId::fqdn("a.example"));
      }
      break;
    }
    case 3: {
      auto crl = Crl::parse(in);
      if (crl) (void)format_dn(crl->issuer());
      break;
    }
    case 4: {
      auto name = name_from_text(text);
      if (name) (void)format_dn_lines(name->get());
      break;
    }
    case 5: {
      auto id = parse_peer_id(text);
      if (id) (void)describe(*id);
      break;
    }
  }
  return 0;
}
