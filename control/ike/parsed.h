// The result of parsing untrusted bytes: a value, or the reason it was
// refused (per IKE version: what to answer, see ikev1/ikev2 message.h).
// Shared by the IKEv1 and IKEv2 codecs; each aliases it with its own
// Rejection type.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace keyway::ike {

template <class T, class Rejection>
class [[nodiscard]] Parsed {
 public:
  Parsed(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Parsed(Rejection r) : v_(std::move(r)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& operator*() { return std::get<0>(v_); }
  const T& operator*() const { return std::get<0>(v_); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T take() { return std::move(std::get<0>(v_)); }

  // Only when !ok().
  const Rejection& rejection() const { return std::get<1>(v_); }
  const std::string& error() const { return rejection().reason; }

 private:
  std::variant<T, Rejection> v_;
};

}  // namespace keyway::ike
