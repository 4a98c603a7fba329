// Byte strings and results shared by the IKE code (control/ike, control/ikev2
// and, later, control/ikev1). Everything here runs on the control thread.
#pragma once

#include <openssl/crypto.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "pki/result.h"

namespace keyway::ike {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

using pki::Done;
using pki::Error;
using pki::ok_status;
using pki::Result;
using pki::Status;

// An allocator that wipes memory before giving it back, so that keys, DH
// secrets and pre-shared keys do not linger in freed heap blocks (including
// the old buffer a growing vector leaves behind).
template <class T>
struct WipingAllocator {
  using value_type = T;
  WipingAllocator() = default;
  template <class U>
  WipingAllocator(const WipingAllocator<U>&) {}  // NOLINT: rebinding, as allocators do
  T* allocate(size_t n) { return std::allocator<T>{}.allocate(n); }
  void deallocate(T* p, size_t n) {
    OPENSSL_cleanse(p, n * sizeof(T));
    std::allocator<T>{}.deallocate(p, n);
  }
  template <class U>
  bool operator==(const WipingAllocator<U>&) const {
    return true;
  }
};

// Key material: SKEYSEED, SK_*, KEYMAT, g^ir, shared secrets.
using Secret = std::vector<uint8_t, WipingAllocator<uint8_t>>;

inline Secret to_secret(ByteView b) { return Secret(b.begin(), b.end()); }

// a | b | ... as one byte string (the RFCs' concatenation).
template <class Out = Bytes>
Out concat(std::initializer_list<ByteView> parts) {
  size_t n = 0;
  for (ByteView p : parts) n += p.size();
  Out out;
  out.reserve(n);
  for (ByteView p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

}  // namespace keyway::ike
