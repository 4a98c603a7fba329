#include "pki/validate.h"

#include <algorithm>

#include "pki/dn.h"

namespace keyway::pki {
namespace {

// sk_X509_free is a macro, so it cannot be an OsslFree argument. The stack
// only borrows its certificates.
struct X509StackFree {
  void operator()(STACK_OF(X509) * s) const { sk_X509_free(s); }
};
using X509StackPtr = std::unique_ptr<STACK_OF(X509), X509StackFree>;

std::string tag(const std::string& handle) { return handle.empty() ? "" : "(" + handle + ") "; }

bool suitable(const Trustpoint& tp, const ValidationInput& in) {
  if (!tp.ca) return false;
  if (X509_NAME_cmp(in.cert.issuer(), tp.ca->subject()) == 0) return true;
  return std::any_of(in.chain.begin(), in.chain.end(), [&](const Certificate& c) {
    return X509_NAME_cmp(c.issuer(), tp.ca->subject()) == 0 || c == *tp.ca;
  });
}

bool crl_unavailable(int err) {
  switch (err) {
    case X509_V_ERR_UNABLE_TO_GET_CRL:
    case X509_V_ERR_CRL_HAS_EXPIRED:
    case X509_V_ERR_CRL_NOT_YET_VALID:
    case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
    case X509_V_ERR_CRL_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
    case X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD:
    case X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD:
    case X509_V_ERR_DIFFERENT_CRL_SCOPE:
      return true;
    default:
      return false;
  }
}

struct Attempt {
  int error = X509_V_OK;
  std::optional<Certificate> failed;  // the certificate OpenSSL was looking at
};

// One X509_verify_cert run with `tp`'s CA as the only anchor.
Attempt verify(const Trustpoint& tp, const ValidationInput& in, bool with_crl) {
  X509StorePtr store(X509_STORE_new());
  X509_STORE_add_cert(store.get(), tp.ca->x509());
  if (with_crl && tp.crl) X509_STORE_add_crl(store.get(), tp.crl->x509_crl());
  X509StackPtr untrusted(sk_X509_new_null());
  for (const Certificate& c : in.chain) sk_X509_push(untrusted.get(), c.x509());
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  Attempt a;
  if (!ctx || !X509_STORE_CTX_init(ctx.get(), store.get(), in.cert.x509(), untrusted.get())) {
    openssl_error();
    a.error = X509_V_ERR_OUT_OF_MEM;
    return a;
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_time(param, in.at ? in.at : time(nullptr));
  // A trust-point's CA may be a subordinate CA: it is an anchor all the same.
  unsigned long flags = X509_V_FLAG_PARTIAL_CHAIN;
  if (with_crl) flags |= X509_V_FLAG_CRL_CHECK;
  X509_VERIFY_PARAM_set_flags(param, flags);
  if (X509_verify_cert(ctx.get()) == 1) return a;
  a.error = X509_STORE_CTX_get_error(ctx.get());
  if (X509* cur = X509_STORE_CTX_get_current_cert(ctx.get())) {
    X509_up_ref(cur);
    a.failed = Certificate::adopt(X509Ptr(cur));
  }
  openssl_error();  // X509_verify_cert may leave entries behind
  return a;
}

ValidationResult from_error(const Trustpoint& tp, const ValidationInput& in, const Attempt& a) {
  ValidationResult r;
  r.trustpoint = tp.name;
  const Certificate& c = a.failed ? *a.failed : in.cert;
  r.serial = c.serial_hex();
  r.detail = X509_verify_cert_error_string(a.error);
  switch (a.error) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      r.verdict = Verdict::kExpired;
      r.when = c.not_after();
      break;
    case X509_V_ERR_CERT_NOT_YET_VALID:
      r.verdict = Verdict::kNotYetValid;
      r.when = c.not_before();
      break;
    case X509_V_ERR_CERT_REVOKED:
      r.verdict = Verdict::kRevoked;
      break;
    default:
      r.verdict = crl_unavailable(a.error) ? Verdict::kRevocationUnavailable : Verdict::kChainInvalid;
  }
  return r;
}

// Validates against one suitable trust-point, applying its revocation
// methods in order: crl (when a CRL is installed), ocsp (not implemented,
// so never an answer), none (accept without an answer).
ValidationResult against(const Trustpoint& tp, const ValidationInput& in) {
  bool use_crl = false;
  bool may_skip = false;
  bool need_status = false;
  for (RevocationMethod m : tp.policy.revocation) {
    if (m == RevocationMethod::kNone) {
      may_skip = true;
      break;
    }
    need_status = true;
    if (m == RevocationMethod::kCrl && tp.crl) use_crl = true;
  }
  Attempt plain = verify(tp, in, false);
  if (plain.error != X509_V_OK) return from_error(tp, in, plain);

  ValidationResult ok;
  ok.verdict = Verdict::kValid;
  ok.trustpoint = tp.name;
  ok.serial = in.cert.serial_hex();
  if (!need_status) return ok;
  if (use_crl) {
    Attempt checked = verify(tp, in, true);
    if (checked.error == X509_V_OK) return ok;
    if (!crl_unavailable(checked.error) || !may_skip) return from_error(tp, in, checked);
    return ok;  // CRL unusable, and `none` accepts that
  }
  if (may_skip) return ok;
  ValidationResult r;
  r.verdict = Verdict::kRevocationUnavailable;
  r.trustpoint = tp.name;
  r.serial = in.cert.serial_hex();
  r.detail = "no CRL installed for trustpoint " + tp.name;
  return r;
}

}  // namespace

ValidationResult validate(std::span<const Trustpoint> list, const ValidationInput& in, const LogSink& log) {
  std::string names;
  for (const Trustpoint& tp : list) names += tp.name + ", ";
  if (!names.empty()) names.pop_back();
  emit(log, LogPrefix::kIsakmpZero, "Creating CERT validation list: " + names);
  emit(log, LogPrefix::kNone, "CRYPTO_PKI:ip-ext-val:IP extension validation not required");
  std::string t = tag(in.handle);
  emit(log, LogPrefix::kPki, t + "Check for identical certs");
  emit(log, LogPrefix::kPki, t + "Create a list of suitable trustpoints");

  std::optional<ValidationResult> first_failure;
  bool any = false;
  for (const Trustpoint& tp : list) {
    if (!suitable(tp, in)) continue;
    any = true;
    ValidationResult r = against(tp, in);
    if (r.ok() && in.id && !certificate_matches(in.cert, *in.id)) {
      r.verdict = Verdict::kIdMismatch;
      r.detail = "peer ID " + describe(*in.id) + " is not in certificate " + format_dn(in.cert.subject());
    }
    if (r.ok()) {
      emit(log, LogPrefix::kPki, t + pki_message(r));
      return r;
    }
    if (!first_failure) first_failure = r;
  }
  ValidationResult r;
  if (!any) {
    r.verdict = Verdict::kNoSuitableTrustpoint;
    r.serial = in.cert.serial_hex();
    r.detail = "issuer " + format_dn(in.cert.issuer()) + " is not the CA of any trustpoint in the list";
  } else {
    r = *first_failure;
  }
  emit(log, LogPrefix::kPki, t + pki_message(r));
  if (std::string s = pki_syslog(r); !s.empty()) emit(log, LogPrefix::kNone, s);
  return r;
}

}  // namespace keyway::pki
