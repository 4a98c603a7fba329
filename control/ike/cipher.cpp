#include "control/ike/cipher.h"

#include <openssl/rand.h>

#include <string>

#include "control/ike/ossl.h"

namespace keyway::ike {
namespace {

constexpr size_t kGcmNonceLen = 12;  // salt 4 + IV 8
constexpr size_t kGcmIcvLen = 16;

const EVP_CIPHER* evp_cipher(IkeCipher c) {
  switch (c) {
    case IkeCipher::k3des: return EVP_des_ede3_cbc();
    case IkeCipher::kAes128: return EVP_aes_128_cbc();
    case IkeCipher::kAes192: return EVP_aes_192_cbc();
    case IkeCipher::kAes256: return EVP_aes_256_cbc();
    case IkeCipher::kAesGcm128: return EVP_aes_128_gcm();
    case IkeCipher::kAesGcm256: return EVP_aes_256_gcm();
    case IkeCipher::kDes: return nullptr;
  }
  return nullptr;
}

Error fail(IkeCipher c, const std::string& what) { return Error{std::string(cipher_info(c).name) + ": " + what}; }

Error ossl_fail(IkeCipher c, const std::string& what) { return fail(c, what + ": " + pki::openssl_error()); }

Status check_key(IkeCipher c, ByteView key, bool aead) {
  const CipherInfo& info = cipher_info(c);
  if (!info.supported || info.aead != aead) return fail(c, aead ? "is not an AEAD cipher" : "is not a CBC cipher");
  if (key.size() != info.key_len)
    return fail(c, "key is " + std::to_string(key.size()) + " bytes, expected " + std::to_string(info.key_len));
  return ok_status();
}

Result<Bytes> cbc(IkeCipher c, ByteView key, ByteView iv, ByteView data, bool encrypt) {
  if (auto s = check_key(c, key, false); !s) return Error{s.error()};
  size_t block = cipher_info(c).block_len;
  if (iv.size() != block)
    return fail(c, "IV is " + std::to_string(iv.size()) + " bytes, expected " + std::to_string(block));
  if (data.size() % block != 0)
    return fail(
        c, std::to_string(data.size()) + " bytes is not a whole number of " + std::to_string(block) + "-byte blocks");
  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx || EVP_CipherInit_ex(ctx.get(), evp_cipher(c), nullptr, key.data(), iv.data(), encrypt ? 1 : 0) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1)
    return ossl_fail(c, "cannot initialise");
  Bytes out(data.size() + block);
  int n = 0, tail = 0;
  if (EVP_CipherUpdate(ctx.get(), out.data(), &n, data.data(), static_cast<int>(data.size())) != 1 ||
      EVP_CipherFinal_ex(ctx.get(), out.data() + n, &tail) != 1)
    return ossl_fail(c, encrypt ? "encryption failed" : "decryption failed");
  out.resize(static_cast<size_t>(n + tail));
  return out;
}

// Sets up an AES-GCM context for `encrypt` with the key, nonce and AAD.
Result<EvpCipherCtxPtr> gcm_init(IkeCipher c, ByteView key, ByteView nonce, ByteView aad, bool encrypt) {
  if (auto s = check_key(c, key, true); !s) return Error{s.error()};
  if (nonce.size() != kGcmNonceLen)
    return fail(c, "nonce is " + std::to_string(nonce.size()) + " bytes, expected 12 (salt and IV)");
  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int n = 0;
  if (!ctx || EVP_CipherInit_ex(ctx.get(), evp_cipher(c), nullptr, nullptr, nullptr, encrypt ? 1 : 0) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kGcmNonceLen), nullptr) != 1 ||
      EVP_CipherInit_ex(ctx.get(), nullptr, nullptr, key.data(), nonce.data(), -1) != 1 ||
      (!aad.empty() && EVP_CipherUpdate(ctx.get(), nullptr, &n, aad.data(), static_cast<int>(aad.size())) != 1))
    return ossl_fail(c, "cannot initialise");
  return ctx;
}

}  // namespace

Result<Bytes> cbc_encrypt(IkeCipher c, ByteView key, ByteView iv, ByteView data) { return cbc(c, key, iv, data, true); }

Result<Bytes> cbc_decrypt(IkeCipher c, ByteView key, ByteView iv, ByteView data) {
  return cbc(c, key, iv, data, false);
}

Result<Bytes> gcm_seal(IkeCipher c, ByteView key, ByteView nonce, ByteView aad, ByteView plain) {
  auto ctx = gcm_init(c, key, nonce, aad, true);
  if (!ctx) return Error{ctx.error()};
  Bytes out(plain.size() + kGcmIcvLen);
  int n = 0, tail = 0;
  if ((!plain.empty() &&
       EVP_CipherUpdate(ctx->get(), out.data(), &n, plain.data(), static_cast<int>(plain.size())) != 1) ||
      EVP_CipherFinal_ex(ctx->get(), out.data() + n, &tail) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx->get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kGcmIcvLen), out.data() + plain.size()) !=
          1)
    return ossl_fail(c, "encryption failed");
  return out;
}

Result<Bytes> gcm_open(IkeCipher c, ByteView key, ByteView nonce, ByteView aad, ByteView sealed) {
  if (sealed.size() < kGcmIcvLen)
    return fail(c, std::to_string(sealed.size()) + " bytes is shorter than the 16-byte ICV");
  auto ctx = gcm_init(c, key, nonce, aad, false);
  if (!ctx) return Error{ctx.error()};
  size_t len = sealed.size() - kGcmIcvLen;
  Bytes out(len + 16);
  int n = 0, tail = 0;
  // OpenSSL takes the expected tag through a non-const pointer but only reads it.
  Bytes icv(sealed.begin() + static_cast<ptrdiff_t>(len), sealed.end());
  if ((len != 0 && EVP_CipherUpdate(ctx->get(), out.data(), &n, sealed.data(), static_cast<int>(len)) != 1) ||
      EVP_CIPHER_CTX_ctrl(ctx->get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kGcmIcvLen), icv.data()) != 1)
    return ossl_fail(c, "decryption failed");
  if (EVP_CipherFinal_ex(ctx->get(), out.data() + n, &tail) != 1) {
    pki::openssl_error();  // empty the queue: a bad tag is an expected outcome
    return fail(c, "authentication failed (ICV mismatch)");
  }
  out.resize(static_cast<size_t>(n + tail));
  return out;
}

Result<Bytes> random_bytes(size_t n) {
  Bytes out(n);
  if (n != 0 && RAND_bytes(out.data(), static_cast<int>(n)) != 1)
    return Error{"RAND_bytes failed: " + pki::openssl_error()};
  return out;
}

}  // namespace keyway::ike
