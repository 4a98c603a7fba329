// Debug lines of the PKI layer, in the words IOS uses (`debug crypto pki
// validation`, and the PKI parts of `debug crypto isakmp|ikev2`), so that
// keyway's logs read side by side with a router's.
//
// PKI functions take an optional LogSink and call it synchronously, on the
// caller's thread, once per line. They know the message but not the IKE
// SA it belongs to, so a line carries the prefix it needs and the IKE
// caller renders it with its SA number. IOS itself is inconsistent about
// prefixes ("ISAKMP (1010): constructing CERT_REQ" but "ISAKMP:(1010): peer
// wants ..."); each line keeps the one the seed shows.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace keyway::pki {

enum class LogPrefix : uint8_t {
  kNone,         // the text is the whole line: "Choosing trustpoint IOSCA1 as issuer"
  kPki,          // "CRYPTO_PKI: " + text
  kIsakmp,       // "ISAKMP: " + text
  kIsakmpSa,     // "ISAKMP:(<sa>): " + text
  kIsakmpSpace,  // "ISAKMP (<sa>): " + text
  kIsakmpZero,   // "ISAKMP:(0): " + text (IOS logs some lines before the SA has a number)
  kIkev2Sa,      // "IKEv2:(SA ID = <sa>):" + text
};

struct LogLine {
  LogPrefix prefix = LogPrefix::kNone;
  std::string text;
};

using LogSink = std::function<void(const LogLine&)>;

// The line as IOS prints it (without the timestamp) for IKE SA `sa`.
std::string render(const LogLine& line, uint32_t sa = 0);

// Calls `sink` if it is set.
inline void emit(const LogSink& sink, LogPrefix prefix, std::string text) {
  if (sink) sink(LogLine{prefix, std::move(text)});
}

}  // namespace keyway::pki
