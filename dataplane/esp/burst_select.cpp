#include "dataplane/esp/burst_select.h"

#include "dataplane/esp/esp_impl.h"

namespace keyway::dp {
namespace {

template <class C>
EspBurstFn pick(Direction dir, bool udp, bool esn) {
  if (dir == Direction::kOutbound) {
    if (udp) return esn ? &EspImpl::outbound<C, true, true> : &EspImpl::outbound<C, true, false>;
    return esn ? &EspImpl::outbound<C, false, true> : &EspImpl::outbound<C, false, false>;
  }
  // Inbound functions do not depend on encapsulation: esp_inbound() has
  // already located the ESP header.
  return esn ? &EspImpl::inbound<C, false, true> : &EspImpl::inbound<C, false, false>;
}

}  // namespace

EspBurstFn select_burst(Transform t, Direction dir, bool udp_encap, bool esn) {
  switch (t) {
    case Transform::kAes128Gcm: return pick<crypto::Gcm<128>>(dir, udp_encap, esn);
    case Transform::kAes256Gcm: return pick<crypto::Gcm<256>>(dir, udp_encap, esn);
    case Transform::kAes128CbcSha256:
      return pick<crypto::CbcHmacSplit<crypto::AesCbcSha256<128>>>(dir, udp_encap, esn);
    case Transform::kAes256CbcSha256:
      return pick<crypto::CbcHmacSplit<crypto::AesCbcSha256<256>>>(dir, udp_encap, esn);
    case Transform::kDes3CbcSha1: return pick<crypto::CbcHmac<crypto::Des3Sha1>>(dir, udp_encap, esn);
  }
  return nullptr;
}

EspBurstFn select_fixed_iv_burst_for_test(Transform t) {
  switch (t) {
    case Transform::kAes128Gcm: return &EspImpl::outbound<crypto::Gcm<128>, false, false, true>;
    case Transform::kAes256Gcm: return &EspImpl::outbound<crypto::Gcm<256>, false, false, true>;
    case Transform::kAes128CbcSha256:
      return &EspImpl::outbound<crypto::CbcHmacSplit<crypto::AesCbcSha256<128>>, false, false, true>;
    case Transform::kAes256CbcSha256:
      return &EspImpl::outbound<crypto::CbcHmacSplit<crypto::AesCbcSha256<256>>, false, false, true>;
    case Transform::kDes3CbcSha1:
      return &EspImpl::outbound<crypto::CbcHmac<crypto::Des3Sha1>, false, false, true>;
  }
  return nullptr;
}

}  // namespace keyway::dp
