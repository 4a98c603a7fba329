#include "pki/certreq_match.h"

#include <algorithm>

#include "pki/dn.h"

namespace keyway::pki {
namespace {

bool allowed(const Trustpoint& tp, const std::vector<std::string>* profile) {
  return !profile || std::find(profile->begin(), profile->end(), tp.name) != profile->end();
}

Selection chosen(const Trustpoint& tp, size_t request) {
  Selection s;
  s.trustpoint = tp;
  s.request = request;
  s.chain.push_back(tp.certificates.front());
  if (tp.ca && !tp.ca->self_issued()) s.chain.push_back(*tp.ca);
  return s;
}

std::string list_names(std::span<const Trustpoint> tps, const std::vector<std::string>* profile) {
  std::string out;
  for (const Trustpoint& tp : tps)
    if (allowed(tp, profile) && tp.can_sign()) out += (out.empty() ? "" : ", ") + tp.name;
  return out.empty() ? "none" : out;
}

}  // namespace

Selection choose_ikev1(std::span<const Bytes> requests, std::span<const Trustpoint> local,
                       const std::vector<std::string>* profile, const LogSink& log) {
  std::optional<Selection> result;
  // An empty request (any CA) or no request at all: the first usable one.
  auto first_usable = [&](size_t index) -> std::optional<Selection> {
    for (const Trustpoint& tp : local)
      if (tp.can_sign() && allowed(tp, profile)) return chosen(tp, index);
    return std::nullopt;
  };
  if (requests.empty()) result = first_usable(0);

  for (size_t i = 0; i < requests.size(); ++i) {
    emit(log, LogPrefix::kIsakmpSa, "peer wants a CT_X509_SIGNATURE cert");
    if (requests[i].empty()) {
      emit(log, LogPrefix::kIsakmpSa, "peer wants cert issued by any CA");
      if (!result) result = first_usable(i);
    } else {
      const unsigned char* p = requests[i].data();
      X509NamePtr dn(d2i_X509_NAME(nullptr, &p, static_cast<long>(requests[i].size())));
      emit(log, LogPrefix::kIsakmpSa,
           "peer wants cert issued by " + (dn ? format_dn(dn.get()) : std::string("(bad DN)")));
      if (!dn) openssl_error();
      for (const Trustpoint& tp : local) {
        if (result || !dn) break;
        if (!tp.ca || !tp.can_sign() || X509_NAME_cmp(tp.ca->subject(), dn.get()) != 0) continue;
        if (profile) {
          emit(log, LogPrefix::kIsakmp, "Examining profile list for trustpoint " + tp.name);
          if (!allowed(tp, profile)) continue;
          emit(log, LogPrefix::kIsakmp, "Found matching profile for " + tp.name);
        }
        result = chosen(tp, i);
      }
    }
    if (result && result->request == i)
      emit(log, LogPrefix::kNone, "Choosing trustpoint " + result->trustpoint->name + " as issuer");
  }
  if (requests.empty() && result)
    emit(log, LogPrefix::kNone, "Choosing trustpoint " + result->trustpoint->name + " as issuer");
  if (result) return *result;

  Selection none;
  none.reason = requests.empty()
                    ? "no trust-point with a certificate and key is allowed (allowed: " +
                          list_names(local, profile) + ")"
                    : "none of the " + std::to_string(requests.size()) +
                          " requested CAs issued a certificate of an allowed trust-point (allowed: " +
                          list_names(local, profile) + ")";
  return none;
}

Selection choose_ikev2(std::span<const Sha1> hashes, std::span<const Trustpoint> local,
                       const std::vector<std::string>* profile, const LogSink& log) {
  emit(log, LogPrefix::kIkev2Sa, "[IKEv2 -> PKI] Retrieving trustpoint(s) from received certificate hash(es)");
  for (size_t i = 0; i < hashes.size(); ++i) {
    for (const Trustpoint& tp : local) {
      if (!tp.ca || !tp.can_sign() || !allowed(tp, profile) || tp.ca->spki_sha1() != hashes[i]) continue;
      emit(log, LogPrefix::kIkev2Sa, "[PKI -> IKEv2] Retrieved trustpoint(s): '" + tp.name + "'");
      emit(log, LogPrefix::kIkev2Sa, "[IKEv2 -> PKI] Getting cert chain for the trustpoint " + tp.name);
      emit(log, LogPrefix::kIkev2Sa, "[PKI -> IKEv2] Getting of cert chain for the trustpoint PASSED");
      return chosen(tp, i);
    }
  }
  emit(log, LogPrefix::kIkev2Sa, "[PKI -> IKEv2] Retrieved trustpoint(s): none");
  Selection none;
  none.reason = profile && profile->empty()
                    ? "the profile names no trust-point to sign with (pki trustpoint is mandatory for an IKEv2 initiator)"
                    : "none of the " + std::to_string(hashes.size()) +
                          " requested CA hashes matches an allowed trust-point (allowed: " +
                          list_names(local, profile) + ")";
  return none;
}

}  // namespace keyway::pki
