// libFuzzer target for the IKEv2 message parser: whole datagrams, inner
// payload chains (what a decrypted SK payload holds), and SK/SKF opening
// with fixed keys (the length and padding checks after decryption).
// Built with -Dfuzz=true and clang; run as the `fuzz-ikev2` suite.
//
// Besides not crashing: an accepted message re-serializes to bytes that
// parse again to the same bytes, and a rejection always has a reason.
#include <cstddef>
#include <cstdint>

#include "control/ikev2/keys.h"
#include "control/ikev2/message.h"
#include "control/ikev2/sk.h"

using namespace keyway::ikev2;

namespace {

const SkKeys& keys(bool gcm) {
  static const SkKeys kGcm{keyway::ike::IkeCipher::kAesGcm128, std::nullopt, keyway::ike::Secret(20, 1), {}};
  static const SkKeys kCbc{keyway::ike::IkeCipher::kAes128, keyway::ike::IkeHash::kSha256, keyway::ike::Secret(16, 2),
                           keyway::ike::Secret(32, 3)};
  return gcm ? kGcm : kCbc;
}

void touch(const Payload& p) {
  if (const auto* id = p.as<IdPayload>()) (void)describe(*id);
  if (const auto* n = p.as<NotifyPayload>()) {
    (void)notify_name(n->type);
    (void)signature_hashes(*n);
    (void)invalid_ke_group(*n);
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
    auto again = serialize(*m);
    if (!again) __builtin_trap();
    auto reparsed = parse_message(*again);
    if (!reparsed) __builtin_trap();
    auto third = serialize(*reparsed);
    if (!third || *third != *again) __builtin_trap();
    const Payload& last = m->payloads.empty() ? Payload{} : m->payloads.back();
    if (last.as<EncryptedPayload>()) {
      (void)open_message(in, *m, keys(true));
      (void)open_message(in, *m, keys(false));
    }
    if (const auto* f = last.as<FragmentPayload>()) (void)open_fragment(in, *f, keys(size % 2 == 0));
  }
  if (size > 0) {
    auto chain = parse_payloads(static_cast<PayloadType>(data[0]), in.subspan(1));
    if (chain)
      for (const Payload& p : *chain) touch(p);
    else if (chain.error().empty())
      __builtin_trap();
  }
  return 0;
}
