#include "control/ikev2/keys.h"

#include <algorithm>

#include "control/ike/prf.h"

namespace keyway::ikev2 {
namespace {

using ike::Error;
using ike::Result;
using ike::Secret;

Bytes spi_bytes(uint64_t spi_i, uint64_t spi_r) {
  Writer w;
  w.be64(spi_i);
  w.be64(spi_r);
  return w.take();
}

// Takes the next `n` bytes of `from` at `at` (fewer if `from` ends).
Secret take(ByteView from, size_t& at, size_t n) {
  at = std::min(at, from.size());
  n = std::min(n, from.size() - at);
  Secret out(from.begin() + static_cast<ptrdiff_t>(at), from.begin() + static_cast<ptrdiff_t>(at + n));
  at += n;
  return out;
}

}  // namespace

Result<Secret> skeyseed(ike::IkeHash prf, ByteView ni, ByteView nr, ByteView g_ir) {
  return ike::prf(prf, ike::concat<Secret>({ni, nr}), g_ir);
}

Result<Secret> rekey_skeyseed(ike::IkeHash old_prf, ByteView old_sk_d, ByteView g_ir_new, ByteView ni, ByteView nr) {
  return ike::prf(old_prf, old_sk_d, ike::concat<Secret>({g_ir_new, ni, nr}));
}

Result<IkeSaKeys> derive_ike_keys(const IkeSuite& suite, ByteView seed, ByteView ni, ByteView nr, uint64_t spi_i,
                                  uint64_t spi_r) {
  size_t prf_len = ike::hash_info(suite.prf).out_len;
  size_t integ_len = suite.integ ? ike::hash_info(*suite.integ).integ_key_len : 0;
  size_t encr_len = ike::cipher_keymat_len(suite.encr);
  size_t total = 3 * prf_len + 2 * integ_len + 2 * encr_len;
  auto material = ike::prf_plus(suite.prf, seed, ike::concat<Secret>({ni, nr, spi_bytes(spi_i, spi_r)}), total);
  if (!material) return Error{material.error()};
  IkeSaKeys k;
  size_t at = 0;
  k.sk_d = take(*material, at, prf_len);
  k.sk_ai = take(*material, at, integ_len);
  k.sk_ar = take(*material, at, integ_len);
  k.sk_ei = take(*material, at, encr_len);
  k.sk_er = take(*material, at, encr_len);
  k.sk_pi = take(*material, at, prf_len);
  k.sk_pr = take(*material, at, prf_len);
  return k;
}

SkKeys sk_keys(const IkeSuite& suite, const IkeSaKeys& keys, bool initiator_sends) {
  SkKeys out;
  out.encr = suite.encr;
  out.integ = suite.integ;
  out.encr_key = initiator_sends ? keys.sk_ei : keys.sk_er;
  out.integ_key = initiator_sends ? keys.sk_ai : keys.sk_ar;
  return out;
}

Result<Secret> child_keymat(ike::IkeHash prf, ByteView sk_d, ByteView g_ir_new, ByteView ni, ByteView nr,
                            size_t length) {
  return ike::prf_plus(prf, sk_d, ike::concat<Secret>({g_ir_new, ni, nr}), length);
}

ChildKeys split_child_keymat(ByteView keymat, size_t encr_len, size_t integ_len) {
  ChildKeys k;
  size_t at = 0;
  k.encr_i = take(keymat, at, encr_len);
  k.integ_i = take(keymat, at, integ_len);
  k.encr_r = take(keymat, at, encr_len);
  k.integ_r = take(keymat, at, integ_len);
  return k;
}

}  // namespace keyway::ikev2
