// The raw intel-ipsec-mb ceiling: the same cipher and hash work the ESP
// engine does per packet (same lengths, same AAD/hash coverage), with no
// packet handling at all, through every API the library offers for the
// transform. The fastest is the ceiling.
#pragma once

#include <intel-ipsec-mb.h>

#include <cstdint>
#include <string>
#include <vector>

#include "dataplane/api/sa_spec.h"

namespace keyway::dp::bench {

struct CeilingMethod {
  std::string name;
  // Processes packets [first, first + n) of the buffer set; returns TSC
  // cycles spent inside the library calls.
  uint64_t (*run)(struct CeilingState& st, uint32_t first, uint32_t n);
};

struct CeilingState {
  IMB_MGR* mgr = nullptr;
  Transform transform;
  bool encrypt = true;
  std::vector<uint8_t*> bufs;      // [ESP header 8][IV][payload ct_len][ICV]
  std::vector<uint32_t> ct_len;    // per packet
  alignas(64) gcm_key_data gcm;
  alignas(64) gcm_context_data gcm_ctx;
  alignas(16) uint8_t aes_enc[16 * 15];
  alignas(16) uint8_t aes_dec[16 * 15];
  alignas(16) uint64_t des_ks[3][16];
  const void* des_ks_ptr[3];
  alignas(16) uint8_t ipad[32];
  alignas(16) uint8_t opad[32];
  alignas(16) uint8_t iv[16];
  alignas(16) uint8_t tag[16];
  std::vector<IMB_JOB> job_array;  // for the synchronous cipher/hash bursts
};

// Keys are fixed test bytes; buffers must already be allocated.
void ceiling_init(CeilingState& st, IMB_MGR* mgr, Transform t, bool encrypt);

// The methods that apply to this transform.
std::vector<CeilingMethod> ceiling_methods(Transform t);

}  // namespace keyway::dp::bench
