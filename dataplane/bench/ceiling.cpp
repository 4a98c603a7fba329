#include "dataplane/bench/ceiling.h"

#include <rte_cycles.h>

#include <cstring>

namespace keyway::dp::bench {
namespace {

bool is_gcm(Transform t) { return t == Transform::kAes128Gcm || t == Transform::kAes256Gcm; }

// ---- GCM through the direct API: one call per packet ----
uint64_t gcm_direct(CeilingState& st, uint32_t first, uint32_t n) {
  const bool k128 = st.transform == Transform::kAes128Gcm;
  uint64_t t0 = rte_rdtsc();
  for (uint32_t i = first; i < first + n; ++i) {
    uint8_t* b = st.bufs[i];
    uint8_t* p = b + 16;
    uint32_t len = st.ct_len[i];
    if (st.encrypt) {
      if (k128)
        IMB_AES128_GCM_ENC(st.mgr, &st.gcm, &st.gcm_ctx, p, p, len, st.iv, b, 8, p + len, 16);
      else
        IMB_AES256_GCM_ENC(st.mgr, &st.gcm, &st.gcm_ctx, p, p, len, st.iv, b, 8, p + len, 16);
    } else {
      if (k128)
        IMB_AES128_GCM_DEC(st.mgr, &st.gcm, &st.gcm_ctx, p, p, len, st.iv, b, 8, st.tag, 16);
      else
        IMB_AES256_GCM_DEC(st.mgr, &st.gcm, &st.gcm_ctx, p, p, len, st.iv, b, 8, st.tag, 16);
    }
  }
  return rte_rdtsc() - t0;
}

// Fills one job with the work the engine does for packet i.
void fill_job(CeilingState& st, IMB_JOB* job, uint32_t i) {
  const TransformInfo& t = transform_info(st.transform);
  uint8_t* b = st.bufs[i];
  uint32_t len = st.ct_len[i];
  job->cipher_direction = st.encrypt ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
  job->chain_order = st.encrypt ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
  job->src = b;
  job->dst = b + 8 + t.iv_len;
  job->cipher_start_src_offset_in_bytes = 8u + t.iv_len;
  job->msg_len_to_cipher_in_bytes = len;
  job->iv = st.iv;
  job->auth_tag_output_len_in_bytes = t.icv_len;
  job->user_data = nullptr;
  if (is_gcm(st.transform)) {
    job->cipher_mode = IMB_CIPHER_GCM;
    job->hash_alg = IMB_AUTH_AES_GMAC;
    job->enc_keys = &st.gcm;
    job->dec_keys = &st.gcm;
    job->key_len_in_bytes = t.cipher_key_len;
    job->iv_len_in_bytes = 12;
    job->u.GCM.aad = b;
    job->u.GCM.aad_len_in_bytes = 8;
    job->hash_start_src_offset_in_bytes = 8u + t.iv_len;
    job->msg_len_to_hash_in_bytes = len;
    job->auth_tag_output = st.encrypt ? b + 8 + t.iv_len + len : st.tag;
    return;
  }
  if (st.transform == Transform::kDes3CbcSha1) {
    job->cipher_mode = IMB_CIPHER_DES3;
    job->hash_alg = IMB_AUTH_HMAC_SHA_1;
    job->enc_keys = st.des_ks_ptr;
    job->dec_keys = st.des_ks_ptr;
    job->key_len_in_bytes = 24;
  } else {
    job->cipher_mode = IMB_CIPHER_CBC;
    job->hash_alg = IMB_AUTH_HMAC_SHA_256;
    job->enc_keys = st.aes_enc;
    job->dec_keys = st.aes_dec;
    job->key_len_in_bytes = t.cipher_key_len;
  }
  job->iv_len_in_bytes = t.iv_len;
  job->hash_start_src_offset_in_bytes = 0;
  job->msg_len_to_hash_in_bytes = 8u + t.iv_len + len;
  job->auth_tag_output = st.encrypt ? b + 8 + t.iv_len + len : st.tag;
  job->u.HMAC._hashed_auth_key_xor_ipad = st.ipad;
  job->u.HMAC._hashed_auth_key_xor_opad = st.opad;
}

// ---- the job API: submit each job, flush once per burst ----
uint64_t job_api(CeilingState& st, uint32_t first, uint32_t n) {
  uint64_t t0 = rte_rdtsc();
  for (uint32_t i = first; i < first + n; ++i) {
    IMB_JOB* job = IMB_GET_NEXT_JOB(st.mgr);
    fill_job(st, job, i);
    job = IMB_SUBMIT_JOB_NOCHECK(st.mgr);
    while (job) job = IMB_GET_COMPLETED_JOB(st.mgr);
  }
  while (IMB_FLUSH_JOB(st.mgr)) {
  }
  return rte_rdtsc() - t0;
}

// ---- the 1.3 burst API: a list of jobs in one call ----
uint64_t burst_api(CeilingState& st, uint32_t first, uint32_t n) {
  IMB_JOB* jobs[IMB_MAX_BURST_SIZE];
  uint64_t t0 = rte_rdtsc();
  uint32_t done = 0;
  while (done < n) {
    uint32_t want = n - done;
    if (want > IMB_MAX_BURST_SIZE) want = IMB_MAX_BURST_SIZE;
    uint32_t got = IMB_GET_NEXT_BURST(st.mgr, want, jobs);
    while (got < want) {
      IMB_FLUSH_BURST(st.mgr, IMB_MAX_BURST_SIZE, jobs);
      got = IMB_GET_NEXT_BURST(st.mgr, want, jobs);
    }
    for (uint32_t j = 0; j < got; ++j) fill_job(st, jobs[j], first + done + j);
    IMB_SUBMIT_BURST_NOCHECK(st.mgr, got, jobs);
    done += got;
  }
  IMB_FLUSH_BURST(st.mgr, IMB_MAX_BURST_SIZE, jobs);
  return rte_rdtsc() - t0;
}

// ---- synchronous cipher burst + hash burst (AES-CBC + HMAC only) ----
uint64_t split_bursts(CeilingState& st, uint32_t first, uint32_t n) {
  IMB_JOB* jobs = st.job_array.data();
  for (uint32_t j = 0; j < n; ++j) fill_job(st, &jobs[j], first + j);
  const auto key = st.transform == Transform::kAes128CbcSha256 ? IMB_KEY_128_BYTES : IMB_KEY_256_BYTES;
  uint64_t t0 = rte_rdtsc();
  if (st.encrypt) {
    IMB_SUBMIT_CIPHER_BURST_NOCHECK(st.mgr, jobs, n, IMB_CIPHER_CBC, IMB_DIR_ENCRYPT, key);
    IMB_SUBMIT_HASH_BURST_NOCHECK(st.mgr, jobs, n, IMB_AUTH_HMAC_SHA_256);
  } else {
    IMB_SUBMIT_HASH_BURST_NOCHECK(st.mgr, jobs, n, IMB_AUTH_HMAC_SHA_256);
    IMB_SUBMIT_CIPHER_BURST_NOCHECK(st.mgr, jobs, n, IMB_CIPHER_CBC, IMB_DIR_DECRYPT, key);
  }
  return rte_rdtsc() - t0;
}

}  // namespace

void ceiling_init(CeilingState& st, IMB_MGR* mgr, Transform t, bool encrypt) {
  st.mgr = mgr;
  st.transform = t;
  st.encrypt = encrypt;
  alignas(16) uint8_t key[32];
  for (int i = 0; i < 32; ++i) key[i] = static_cast<uint8_t>(0x20 + i);
  for (int i = 0; i < 16; ++i) st.iv[i] = static_cast<uint8_t>(i);
  switch (t) {
    case Transform::kAes128Gcm: IMB_AES128_GCM_PRE(mgr, key, &st.gcm); break;
    case Transform::kAes256Gcm: IMB_AES256_GCM_PRE(mgr, key, &st.gcm); break;
    case Transform::kAes128CbcSha256: IMB_AES_KEYEXP_128(mgr, key, st.aes_enc, st.aes_dec); break;
    case Transform::kAes256CbcSha256: IMB_AES_KEYEXP_256(mgr, key, st.aes_enc, st.aes_dec); break;
    case Transform::kDes3CbcSha1:
      for (int i = 0; i < 3; ++i) {
        IMB_DES_KEYSCHED(mgr, st.des_ks[i], key + 8 * i);
        st.des_ks_ptr[i] = st.des_ks[i];
      }
      break;
  }
  alignas(16) uint8_t block[64];
  std::memset(block, 0x36, sizeof block);
  if (t == Transform::kDes3CbcSha1) {
    IMB_SHA1_ONE_BLOCK(mgr, block, st.ipad);
    std::memset(block, 0x5c, sizeof block);
    IMB_SHA1_ONE_BLOCK(mgr, block, st.opad);
  } else {
    IMB_SHA256_ONE_BLOCK(mgr, block, st.ipad);
    std::memset(block, 0x5c, sizeof block);
    IMB_SHA256_ONE_BLOCK(mgr, block, st.opad);
  }
  st.job_array.assign(IMB_MAX_BURST_SIZE, IMB_JOB{});
}

std::vector<CeilingMethod> ceiling_methods(Transform t) {
  if (is_gcm(t)) return {{"gcm-direct", gcm_direct}, {"job", job_api}, {"burst", burst_api}};
  if (t == Transform::kDes3CbcSha1) return {{"job", job_api}, {"burst", burst_api}};
  return {{"job", job_api}, {"burst", burst_api}, {"cipher+hash-burst", split_bursts}};
}

}  // namespace keyway::dp::bench
