#include "pki/enroll.h"

namespace keyway::pki {
namespace {

bool key_is(EVP_PKEY* key, KeyType type) {
  int id = EVP_PKEY_get_base_id(key);
  return type == KeyType::kRsa2048 ? id == EVP_PKEY_RSA : id == EVP_PKEY_EC;
}

}  // namespace

Result<Certificate> enroll(CertStore& store, LabCa& ca, std::string_view tp,
                           const EnrollmentRequest& req, const EnrollOptions& options) {
  if (Status s = store.add_ca(tp, ca.certificate()); !s) return Error{s.error()};

  Key key;
  if (!options.own_key) {
    auto def = store.default_key(options.key_type);
    if (!def) return Error{def.error()};
    if (key_is(def->get(), options.key_type)) key = *def;
  }
  if (!key) {
    auto own = generate_key(options.key_type);
    if (!own) return Error{own.error()};
    key = own.take();
  }
  auto cert = ca.issue(req, key.get());
  if (!cert) return cert;
  if (Status s = store.add_certificate(tp, *cert, key); !s) return Error{s.error()};
  auto crl = ca.crl();
  if (!crl) return Error{crl.error()};
  if (Status s = store.set_crl(tp, *crl); !s) return Error{s.error()};
  return cert;
}

}  // namespace keyway::pki
