#include "control/ikev1/keys.h"

#include <openssl/evp.h>

#include "control/ike/prf.h"

namespace keyway::ikev1 {
namespace {

Bytes be64(uint64_t v) {
  Bytes b(8);
  for (int i = 0; i < 8; ++i) b[i] = static_cast<uint8_t>(v >> (56 - 8 * i));
  return b;
}
Bytes be32(uint32_t v) {
  Bytes b(4);
  for (int i = 0; i < 4; ++i) b[i] = static_cast<uint8_t>(v >> (24 - 8 * i));
  return b;
}
Result<Bytes> public_prf(IkeHash h, ByteView key, ByteView data) {
  auto r = ike::prf(h, key, data);
  if (!r) return ike::Error{r.error()};
  return Bytes(r->begin(), r->end());
}

}  // namespace

Result<Secret> skeyid_signature(IkeHash h, ByteView ni_b, ByteView nr_b, ByteView gxy) {
  Bytes key = ike::concat({ni_b, nr_b});
  return ike::prf(h, key, gxy);
}

Result<Secret> skeyid_psk(IkeHash h, ByteView psk, ByteView ni_b, ByteView nr_b) {
  return ike::prf(h, psk, ike::concat({ni_b, nr_b}));
}

Result<Secret> phase1_enc_key(IkeHash h, ByteView skeyid_e, size_t len) {
  if (skeyid_e.size() >= len) return Secret(skeyid_e.begin(), skeyid_e.begin() + static_cast<ptrdiff_t>(len));
  Secret out;
  const uint8_t zero = 0;
  auto k = ike::prf(h, skeyid_e, ByteView(&zero, 1));
  while (true) {
    if (!k) return k;
    out.insert(out.end(), k->begin(), k->end());
    if (out.size() >= len) break;
    k = ike::prf(h, skeyid_e, *k);
  }
  out.resize(len);
  return out;
}

Result<Phase1Keys> derive_phase1(IkeHash h, IkeCipher cipher, Secret skeyid, ByteView gxy, uint64_t cky_i,
                                 uint64_t cky_r) {
  Bytes ci = be64(cky_i), cr = be64(cky_r);
  const uint8_t n0 = 0, n1 = 1, n2 = 2;
  Phase1Keys k;
  auto d = ike::prf(h, skeyid, ike::concat<Secret>({gxy, ci, cr, ByteView(&n0, 1)}));
  if (!d) return ike::Error{d.error()};
  auto a = ike::prf(h, skeyid, ike::concat<Secret>({*d, gxy, ci, cr, ByteView(&n1, 1)}));
  if (!a) return ike::Error{a.error()};
  auto e = ike::prf(h, skeyid, ike::concat<Secret>({*a, gxy, ci, cr, ByteView(&n2, 1)}));
  if (!e) return ike::Error{e.error()};
  auto key = phase1_enc_key(h, *e, ike::cipher_info(cipher).key_len);
  if (!key) return ike::Error{key.error()};
  k.skeyid = std::move(skeyid);
  k.skeyid_d = d.take();
  k.skeyid_a = a.take();
  k.skeyid_e = e.take();
  k.enc_key = key.take();
  return k;
}

Result<Bytes> hash_i(IkeHash h, ByteView skeyid, ByteView gxi, ByteView gxr, uint64_t cky_i, uint64_t cky_r,
                     ByteView sai_b, ByteView idii_b) {
  return public_prf(h, skeyid, ike::concat({gxi, gxr, be64(cky_i), be64(cky_r), sai_b, idii_b}));
}

Result<Bytes> hash_r(IkeHash h, ByteView skeyid, ByteView gxi, ByteView gxr, uint64_t cky_i, uint64_t cky_r,
                     ByteView sai_b, ByteView idir_b) {
  return public_prf(h, skeyid, ike::concat({gxr, gxi, be64(cky_r), be64(cky_i), sai_b, idir_b}));
}

Result<Bytes> qm_hash1(IkeHash h, ByteView skeyid_a, uint32_t mid, ByteView rest) {
  return public_prf(h, skeyid_a, ike::concat({be32(mid), rest}));
}

Result<Bytes> qm_hash2(IkeHash h, ByteView skeyid_a, uint32_t mid, ByteView ni_b, ByteView rest) {
  return public_prf(h, skeyid_a, ike::concat({be32(mid), ni_b, rest}));
}

Result<Bytes> qm_hash3(IkeHash h, ByteView skeyid_a, uint32_t mid, ByteView ni_b, ByteView nr_b) {
  const uint8_t zero = 0;
  return public_prf(h, skeyid_a, ike::concat({ByteView(&zero, 1), be32(mid), ni_b, nr_b}));
}

Result<Secret> keymat(IkeHash h, ByteView skeyid_d, ByteView gqm, uint8_t protocol, ByteView spi, ByteView ni_b,
                      ByteView nr_b, size_t len) {
  Secret seed = ike::concat<Secret>({gqm, ByteView(&protocol, 1), spi, ni_b, nr_b});
  Secret out;
  Secret prev;
  while (out.size() < len) {
    auto k = ike::prf(h, skeyid_d, ike::concat<Secret>({prev, seed}));
    if (!k) return k;
    out.insert(out.end(), k->begin(), k->end());
    prev = k.take();
  }
  out.resize(len);
  return out;
}

Result<Bytes> digest(IkeHash h, ByteView data) {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int n = 0;
  EVP_MD* md = EVP_MD_fetch(nullptr, ike::hash_info(h).digest, nullptr);
  if (md == nullptr) return ike::Error{std::string("digest ") + ike::hash_info(h).digest + " unavailable"};
  int ok = EVP_Digest(data.data(), data.size(), out.data(), &n, md, nullptr);
  EVP_MD_free(md);
  if (ok != 1) return ike::Error{std::string("digest ") + ike::hash_info(h).digest + " failed"};
  out.resize(n);
  return out;
}

}  // namespace keyway::ikev1
