#include "pki/log.h"

namespace keyway::pki {

std::string render(const LogLine& line, uint32_t sa) {
  std::string n = std::to_string(sa);
  switch (line.prefix) {
    case LogPrefix::kNone: return line.text;
    case LogPrefix::kPki: return "CRYPTO_PKI: " + line.text;
    case LogPrefix::kIsakmp: return "ISAKMP: " + line.text;
    case LogPrefix::kIsakmpSa: return "ISAKMP:(" + n + "): " + line.text;
    case LogPrefix::kIsakmpSpace: return "ISAKMP (" + n + "): " + line.text;
    case LogPrefix::kIsakmpZero: return "ISAKMP:(0): " + line.text;
    case LogPrefix::kIkev2Sa: return "IKEv2:(SA ID = " + n + "):" + line.text;
  }
  return line.text;
}

}  // namespace keyway::pki
