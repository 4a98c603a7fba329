// libFuzzer target for the ISAKMP (IKEv1) parser: whole datagrams, every
// typed payload parser over each payload, phase-1/phase-2 decoding and
// matching of SA payloads, and opening of encrypted bodies with fixed keys
// (3DES and AES-CBC; the length and padding checks after decryption).
// Built with -Dfuzz=true and clang; run as the `fuzz-ikev1` suite.
//
// Besides not crashing: an accepted message re-serializes to exactly the
// bytes it came from, and a rejection always has a reason.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "control/ikev1/crypt.h"
#include "control/ikev1/message.h"
#include "control/ikev1/payloads.h"
#include "control/ikev1/proposal.h"
#include "control/ikev1/sa_payload.h"
#include "control/ikev1/vendor_ids.h"

using namespace keyway::ikev1;

namespace {

const std::vector<keyway::config::IsakmpPolicy>& policies() {
  static const std::vector<keyway::config::IsakmpPolicy> p = [] {
    std::vector<keyway::config::IsakmpPolicy> v(2);
    v[0].priority = 10;
    v[0].encryption = keyway::config::IkeCipher::k3des;
    v[0].hash = keyway::config::IkeHash::kMd5;
    v[0].group = 2;
    v[1].priority = 20;
    v[1].encryption = keyway::config::IkeCipher::kAes256;
    v[1].hash = keyway::config::IkeHash::kSha256;
    v[1].authentication = keyway::config::IkeAuthMethod::kPreShare;
    v[1].group = 14;
    return v;
  }();
  return p;
}

const std::vector<keyway::config::TransformSet>& sets() {
  static const std::vector<keyway::config::TransformSet> s = [] {
    std::vector<keyway::config::TransformSet> v(2);
    v[0].cipher = keyway::config::EspCipher::kAesCbc128;
    v[0].auth = keyway::config::EspAuth::kSha256;
    v[1].cipher = keyway::config::EspCipher::kAesGcm256;
    return v;
  }();
  return s;
}

void touch(const Payload& p) {
  ByteView b = p.body;
  switch (static_cast<PayloadType>(p.type)) {
    case PayloadType::kSa:
      if (auto sa = parse_sa(b)) {
        (void)match_phase1(*sa, policies());
        (void)match_phase2(*sa, sets(), 0);
        for (const Proposal& pr : sa->proposals)
          for (const Transform& t : pr.transforms) {
            (void)decode_phase1(t);
            (void)decode_phase2(t);
          }
      }
      break;
    case PayloadType::kId:
      (void)parse_id(b);
      break;
    case PayloadType::kCert:
      (void)parse_cert(b);
      break;
    case PayloadType::kCr:
      (void)parse_cr(b);
      break;
    case PayloadType::kNotify:
      (void)parse_notify(b);
      break;
    case PayloadType::kDelete:
      (void)parse_delete(b);
      break;
    case PayloadType::kNatOa:
      (void)parse_nat_oa(b);
      break;
    case PayloadType::kVendor:
      (void)vendor_name(b);
      break;
    default:
      (void)check_payload(p.type, b);
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteView in(data, size);
  auto m = parse_message(in);
  if (!m) {
    if (m.error().empty()) __builtin_trap();
  } else {
    for (const Payload& p : m->payloads) touch(p);
    Bytes again = serialize(*m);
    if (again != Bytes(in.begin(), in.end())) __builtin_trap();
    if (m->header.encrypted()) {
      static const Bytes k3des(24, 0x11), kAes(32, 0x22);
      for (auto [c, key] : {std::pair{keyway::config::IkeCipher::k3des, &k3des},
                            std::pair{keyway::config::IkeCipher::kAes256, &kAes}}) {
        IvChain iv{Bytes(keyway::ike::cipher_info(c).block_len, 0x33)};
        auto opened = open(*m, c, *key, iv);
        if (opened)
          for (const Payload& p : opened->payloads) touch(p);
        else if (opened.error().empty())
          __builtin_trap();
      }
    }
  }
  // The body as a payload chain of each first type (a decrypted body).
  if (size > 1) {
    auto chain = parse_payloads(data[0], in.subspan(1), /*padding_allowed=*/true);
    if (chain)
      for (const Payload& p : *chain) touch(p);
  }
  return 0;
}
