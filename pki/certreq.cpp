#include "pki/certreq.h"

#include <algorithm>

#include "pki/dn.h"

namespace keyway::pki {

std::vector<CertReq> build_certreq_ikev1(std::span<const Trustpoint> trustpoints, const LogSink& log) {
  std::vector<CertReq> out;
  for (const Trustpoint& tp : trustpoints) {
    if (!tp.ca) continue;
    Bytes dn = tp.ca->subject_der();
    if (std::any_of(out.begin(), out.end(), [&](const CertReq& r) { return r.body == dn; })) continue;
    emit(log, LogPrefix::kIsakmpSpace, "constructing CERT_REQ for issuer " + format_dn(tp.ca->subject()));
    out.push_back(CertReq{kX509Signature, std::move(dn)});
  }
  return out;
}

CertReq build_certreq_ikev2(std::span<const Trustpoint> trustpoints) {
  CertReq req;
  std::vector<Sha1> seen;
  for (const Trustpoint& tp : trustpoints) {
    if (!tp.ca) continue;
    Sha1 h = tp.ca->spki_sha1();
    if (std::find(seen.begin(), seen.end(), h) != seen.end()) continue;
    seen.push_back(h);
    req.body.insert(req.body.end(), h.begin(), h.end());
  }
  return req;
}

Result<Bytes> parse_certreq_ikev1(uint8_t type, std::span<const uint8_t> body) {
  if (type != kX509Signature)
    return Error{"CERTREQ certificate type " + std::to_string(type) + " is not supported (only 4, X.509 signature)"};
  if (body.empty()) return Bytes{};
  const unsigned char* p = body.data();
  X509NamePtr name(d2i_X509_NAME(nullptr, &p, static_cast<long>(body.size())));
  if (!name) {
    openssl_error();
    return Error{"CERTREQ certificate authority is not a DER distinguished name"};
  }
  if (p != body.data() + body.size())
    return Error{"CERTREQ certificate authority has " + std::to_string(body.data() + body.size() - p) +
                 " bytes after the distinguished name"};
  return Bytes(body.begin(), body.end());
}

Result<std::vector<Sha1>> parse_certreq_ikev2(uint8_t encoding, std::span<const uint8_t> body) {
  if (encoding != kX509Signature)
    return Error{"CERTREQ encoding " + std::to_string(encoding) + " is not supported (only 4, X.509 signature)"};
  if (body.size() % 20 != 0)
    return Error{"CERTREQ certification authority length " + std::to_string(body.size()) +
                 " is not a multiple of 20 (SHA-1 hashes)"};
  std::vector<Sha1> out(body.size() / 20);
  for (size_t i = 0; i < out.size(); ++i) std::copy_n(body.begin() + static_cast<ptrdiff_t>(i * 20), 20, out[i].begin());
  return out;
}

}  // namespace keyway::pki
