// Which payloads each exchange may carry (RFC 7296 1.2-1.4, 3), as one
// constexpr table checked once, before any exchange handler sees the
// message: a request missing a payload its exchange needs, or any message
// repeating one that may appear once, is refused here (a request with
// INVALID_SYNTAX, a response dropped). Whether the message had to be
// encrypted is the dispatcher's business (everything after IKE_SA_INIT).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "control/ikev2/message.h"

namespace keyway::ikev2 {

struct ExchangeRule {
  ExchangeType exchange;
  bool response;
  std::array<PayloadType, 3> required;  // kNone pads
  std::array<PayloadType, 8> at_most_one;
};

inline constexpr PayloadType kNo = PayloadType::kNone;

inline constexpr std::array<ExchangeRule, 8> kExchangeRules{{
    {ExchangeType::kIkeSaInit,
     false,
     {PayloadType::kSa, PayloadType::kKe, PayloadType::kNonce},
     {PayloadType::kSa, PayloadType::kKe, PayloadType::kNonce, kNo, kNo, kNo, kNo, kNo}},
    {ExchangeType::kIkeSaInit,
     true,
     {kNo, kNo, kNo},
     {PayloadType::kSa, PayloadType::kKe, PayloadType::kNonce, kNo, kNo, kNo, kNo, kNo}},
    {ExchangeType::kIkeAuth,
     false,
     {PayloadType::kIdi, PayloadType::kAuth, kNo},
     {PayloadType::kIdi, PayloadType::kIdr, PayloadType::kAuth, PayloadType::kSa, PayloadType::kTsi, PayloadType::kTsr,
      kNo, kNo}},
    {ExchangeType::kIkeAuth,
     true,
     {kNo, kNo, kNo},
     {PayloadType::kIdr, PayloadType::kAuth, PayloadType::kSa, PayloadType::kTsi, PayloadType::kTsr, kNo, kNo, kNo}},
    {ExchangeType::kCreateChildSa,
     false,
     {PayloadType::kSa, PayloadType::kNonce, kNo},
     {PayloadType::kSa, PayloadType::kNonce, PayloadType::kKe, PayloadType::kTsi, PayloadType::kTsr, kNo, kNo, kNo}},
    {ExchangeType::kCreateChildSa,
     true,
     {kNo, kNo, kNo},
     {PayloadType::kSa, PayloadType::kNonce, PayloadType::kKe, PayloadType::kTsi, PayloadType::kTsr, kNo, kNo, kNo}},
    {ExchangeType::kInformational, false, {kNo, kNo, kNo}, {kNo, kNo, kNo, kNo, kNo, kNo, kNo, kNo}},
    {ExchangeType::kInformational, true, {kNo, kNo, kNo}, {kNo, kNo, kNo, kNo, kNo, kNo, kNo, kNo}},
}};

// Why `payloads` break the rule of their exchange and direction; nullopt
// when they keep it (or the exchange is not in the table).
inline std::optional<std::string> check_payloads(ExchangeType exchange, bool response,
                                                 const std::vector<Payload>& payloads) {
  for (const ExchangeRule& r : kExchangeRules) {
    if (r.exchange != exchange || r.response != response) continue;
    auto count = [&](PayloadType t) {
      size_t n = 0;
      for (const Payload& p : payloads) n += p.type == t;
      return n;
    };
    for (PayloadType t : r.required)
      if (t != kNo && count(t) == 0)
        return exchange_name(exchange) + (response ? " response" : " request") + " without " + payload_name(t);
    for (PayloadType t : r.at_most_one)
      if (t != kNo && count(t) > 1)
        return exchange_name(exchange) + (response ? " response" : " request") + " with more than one " +
               payload_name(t);
  }
  return std::nullopt;
}

}  // namespace keyway::ikev2
