// Result<T>: a value or the reason there is none. PKI operations fail for
// reasons a person has to read (a file that is not a certificate, a key
// that does not match), so an error is a message, complete enough to print
// as it is.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace keyway::pki {

struct Error {
  std::string message;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& operator*() { return std::get<0>(v_); }
  const T& operator*() const { return std::get<0>(v_); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T take() { return std::move(std::get<0>(v_)); }

  // Only when !ok().
  const std::string& error() const { return std::get<1>(v_).message; }

 private:
  std::variant<T, Error> v_;
};

// The result of an operation that produces nothing but may fail.
struct Done {};
using Status = Result<Done>;
inline Status ok_status() { return Done{}; }

}  // namespace keyway::pki
