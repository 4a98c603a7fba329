#include "control/ike/prf.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>

#include <string>

#include "control/ike/ossl.h"

namespace keyway::ike {
namespace {

Error mac_error(IkeHash h, const char* what) {
  return Error{std::string(hash_info(h).name) + ": " + what + ": " + pki::openssl_error()};
}

}  // namespace

Result<Secret> prf(IkeHash h, ByteView key, ByteView data) {
  // Fetched once: the HMAC implementation does not change while we run.
  static EvpMacPtr mac(EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr));
  if (!mac) return mac_error(h, "no HMAC implementation");
  EvpMacCtxPtr ctx(EVP_MAC_CTX_new(mac.get()));
  if (!ctx) return mac_error(h, "cannot create MAC context");
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(hash_info(h).digest), 0),
      OSSL_PARAM_construct_end(),
  };
  // OpenSSL rejects a null key pointer even for a zero-length key.
  static const uint8_t kEmpty = 0;
  const uint8_t* k = key.empty() ? &kEmpty : key.data();
  if (EVP_MAC_init(ctx.get(), k, key.size(), params) != 1) return mac_error(h, "cannot initialise");
  if (EVP_MAC_update(ctx.get(), data.data(), data.size()) != 1) return mac_error(h, "update failed");
  Secret out(hash_info(h).out_len);
  size_t n = 0;
  if (EVP_MAC_final(ctx.get(), out.data(), &n, out.size()) != 1 || n != out.size()) return mac_error(h, "final failed");
  return out;
}

Result<Secret> prf_plus(IkeHash h, ByteView key, ByteView seed, size_t length) {
  size_t block = hash_info(h).out_len;
  if (length > 255 * block)
    return Error{"prf+ cannot produce " + std::to_string(length) + " bytes with " + std::string(hash_info(h).name) +
                 " (at most " + std::to_string(255 * block) + ")"};
  Secret out;
  out.reserve(length + block);
  Secret t;  // T(n-1); empty before T1
  for (unsigned n = 1; out.size() < length; ++n) {
    const uint8_t counter = static_cast<uint8_t>(n);  // n <= 255, checked above
    Secret input = concat<Secret>({t, seed, ByteView(&counter, 1)});
    auto next = prf(h, key, input);
    if (!next) return Error{next.error()};
    t = next.take();
    out.insert(out.end(), t.begin(), t.end());
  }
  out.resize(length);
  return out;
}

Result<Bytes> integrity_icv(IkeHash h, ByteView key, ByteView data) {
  auto full = prf(h, key, data);
  if (!full) return Error{full.error()};
  return Bytes(full->begin(), full->begin() + static_cast<ptrdiff_t>(hash_info(h).icv_len));
}

bool integrity_ok(IkeHash h, ByteView key, ByteView data, ByteView icv) {
  auto expected = integrity_icv(h, key, data);
  return expected && expected->size() == icv.size() && CRYPTO_memcmp(expected->data(), icv.data(), icv.size()) == 0;
}

}  // namespace keyway::ike
