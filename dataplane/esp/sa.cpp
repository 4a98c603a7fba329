#include "dataplane/esp/sa.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <cstring>

#include "dataplane/esp/burst_select.h"

namespace keyway::dp {
namespace {

// HMAC precomputation (RFC 2104): the hash state after one block of
// key ^ ipad and key ^ opad, which intel-ipsec-mb resumes from.
void hmac_pads(IMB_MGR* mgr, Transform t, const std::vector<uint8_t>& key, uint8_t* ipad,
               uint8_t* opad) {
  alignas(16) uint8_t block[64];
  for (int pass = 0; pass < 2; ++pass) {
    uint8_t x = pass == 0 ? 0x36 : 0x5c;
    std::memset(block, x, sizeof block);
    for (size_t i = 0; i < key.size(); ++i) block[i] = key[i] ^ x;
    uint8_t* out = pass == 0 ? ipad : opad;
    if (t == Transform::kDes3CbcSha1)
      IMB_SHA1_ONE_BLOCK(mgr, block, out);
    else
      IMB_SHA256_ONE_BLOCK(mgr, block, out);
  }
  OPENSSL_cleanse(block, sizeof block);
}

}  // namespace

std::unique_ptr<Sa> Sa::create(const SaSpec& spec, Direction dir, IMB_MGR* mgr,
                               std::string* error) {
  if (auto err = validate(spec)) {
    *error = err->to_string();
    return nullptr;
  }
  std::unique_ptr<Sa> sa(new Sa());
  sa->spec_ = spec;
  sa->info_ = &transform_info(spec.transform);
  sa->dir_ = dir;
  const TransformInfo& t = *sa->info_;

  sa->soft_bytes_ = spec.soft_bytes;
  sa->hard_bytes_ = spec.hard_bytes;
  sa->soft_packets_ = spec.soft_packets;
  sa->hard_packets_ = spec.hard_packets;
  sa->outer_len_ = spec.udp_encap ? 28 : 20;
  sa->header_len_ = static_cast<uint16_t>(sa->outer_len_ + 8 + t.iv_len);
  sa->iv_len_ = t.iv_len;
  sa->block_mask_ = static_cast<uint8_t>(t.block_len - 1);
  sa->icv_len_ = t.icv_len;
  uint8_t* h = sa->hdr_tmpl_;
  h[0] = 0x45;
  h[9] = spec.udp_encap ? 17 : 50;
  auto put32 = [](uint8_t* p, uint32_t v) {
    p[0] = static_cast<uint8_t>(v >> 24);
    p[1] = static_cast<uint8_t>(v >> 16);
    p[2] = static_cast<uint8_t>(v >> 8);
    p[3] = static_cast<uint8_t>(v);
  };
  put32(h + 12, spec.src);
  put32(h + 16, spec.dst);
  sa->csum_base_ = 0;
  for (int i = 0; i < 20; i += 2) sa->csum_base_ += uint32_t{h[i]} << 8 | h[i + 1];
  if (spec.udp_encap) {
    // UDP checksum stays zero: RFC 3948 2.1 says it SHOULD be.
    put32(h + 20, uint32_t{spec.encap_sport} << 16 | spec.encap_dport);
    put32(h + 28, spec.spi);
  } else {
    put32(h + 20, spec.spi);
  }

  SaKeys& k = sa->keys_;
  const uint8_t* key = spec.key.data();
  switch (spec.transform) {
    case Transform::kAes128Gcm:
      IMB_AES128_GCM_PRE(mgr, key, &k.gcm);
      std::memcpy(k.salt, key + 16, 4);
      break;
    case Transform::kAes256Gcm:
      IMB_AES256_GCM_PRE(mgr, key, &k.gcm);
      std::memcpy(k.salt, key + 32, 4);
      break;
    case Transform::kAes128CbcSha256:
      IMB_AES_KEYEXP_128(mgr, key, k.aes_enc, k.aes_dec);
      break;
    case Transform::kAes256CbcSha256:
      IMB_AES_KEYEXP_256(mgr, key, k.aes_enc, k.aes_dec);
      break;
    case Transform::kDes3CbcSha1:
      for (int i = 0; i < 3; ++i) {
        IMB_DES_KEYSCHED(mgr, k.des_ks[i], key + 8 * i);
        k.des_ks_ptr[i] = k.des_ks[i];
      }
      break;
  }
  if (!t.aead) {
    hmac_pads(mgr, spec.transform, spec.auth_key, k.ipad, k.opad);
    // CBC needs an unpredictable IV per packet (RFC 3602 2.3). Each IV is
    // AES(iv_key, iv_nonce || seq): a fresh random key per SA and a unique
    // input per packet, so IVs are unpredictable without a syscall or an
    // RNG call per packet.
    alignas(16) uint8_t iv_key[16];
    alignas(16) uint8_t unused_dec[16 * 11];
    if (RAND_bytes(iv_key, sizeof iv_key) != 1 || RAND_bytes(k.iv_nonce, sizeof k.iv_nonce) != 1) {
      *error = "no randomness for the CBC IV generator (RAND_bytes failed)";
      return nullptr;
    }
    IMB_AES_KEYEXP_128(mgr, iv_key, k.iv_key_enc, unused_dec);
    OPENSSL_cleanse(iv_key, sizeof iv_key);
    OPENSSL_cleanse(unused_dec, sizeof unused_dec);
  }

  sa->rt_.seq = dir == Direction::kOutbound ? spec.seq : 0;
  sa->rt_.replay.init(dir == Direction::kInbound ? spec.replay_window : 0,
                      dir == Direction::kInbound ? spec.seq : 0);
  sa->burst_ = select_burst(spec.transform, dir, spec.udp_encap, spec.esn);
  return sa;
}

std::unique_ptr<Sa> Sa::create_with_fixed_iv_for_test(const SaSpec& spec, IMB_MGR* mgr,
                                                      const uint8_t* iv, std::string* error) {
  SaSpec plain = spec;
  plain.udp_encap = false;
  plain.esn = false;
  auto sa = create(plain, Direction::kOutbound, mgr, error);
  if (!sa) return nullptr;
  std::memcpy(sa->keys_.test_iv, iv, sa->info_->iv_len);
  sa->burst_ = select_fixed_iv_burst_for_test(spec.transform);
  return sa;
}

Sa::~Sa() {
  OPENSSL_cleanse(&keys_, sizeof keys_);
  if (!spec_.key.empty()) OPENSSL_cleanse(spec_.key.data(), spec_.key.size());
  if (!spec_.auth_key.empty()) OPENSSL_cleanse(spec_.auth_key.data(), spec_.auth_key.size());
}

}  // namespace keyway::dp
