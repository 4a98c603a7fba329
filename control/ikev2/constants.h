// IANA numbers of IKEv2 (RFC 7296 3, RFC 7383, RFC 7427 and the IKEv2
// parameters registry) and their names for log lines.
#pragma once

#include <cstdint>
#include <string>

namespace keyway::ikev2 {

enum class ExchangeType : uint8_t {
  kIkeSaInit = 34,
  kIkeAuth = 35,
  kCreateChildSa = 36,
  kInformational = 37,
};

// Header flags (RFC 7296 3.1).
inline constexpr uint8_t kFlagInitiator = 0x08;
inline constexpr uint8_t kFlagVersion = 0x10;
inline constexpr uint8_t kFlagResponse = 0x20;

enum class PayloadType : uint8_t {
  kNone = 0,
  kSa = 33,
  kKe = 34,
  kIdi = 35,
  kIdr = 36,
  kCert = 37,
  kCertReq = 38,
  kAuth = 39,
  kNonce = 40,
  kNotify = 41,
  kDelete = 42,
  kVendor = 43,
  kTsi = 44,
  kTsr = 45,
  kSk = 46,
  kCp = 47,
  kEap = 48,
  kSkf = 53,  // RFC 7383
};

enum class Protocol : uint8_t { kNone = 0, kIke = 1, kAh = 2, kEsp = 3 };

enum class TransformType : uint8_t { kEncr = 1, kPrf = 2, kInteg = 3, kDh = 4, kEsn = 5 };

// Transform attribute types (RFC 7296 3.3.5); Key Length is the only one.
inline constexpr uint16_t kAttrKeyLength = 14;

enum class IdType : uint8_t {
  kIpv4 = 1,
  kFqdn = 2,
  kRfc822 = 3,
  kIpv6 = 5,
  kDerAsn1Dn = 9,
  kDerAsn1Gn = 10,
  kKeyId = 11,
};

enum class AuthMethod : uint8_t {
  kRsaSig = 1,
  kPsk = 2,
  kDss = 3,
  kEcdsa256 = 9,
  kEcdsa384 = 10,
  kEcdsa521 = 11,
  kDigitalSignature = 14,  // RFC 7427
};

// Certificate encodings (RFC 7296 3.6); keyway uses X.509 signature.
inline constexpr uint8_t kCertX509Signature = 4;

enum class TsType : uint8_t { kIpv4Range = 7, kIpv6Range = 8 };

// Notify message types (RFC 7296 3.10.1 and later RFCs). Below 16384 they
// are errors, from 16384 on status.
enum class NotifyType : uint16_t {
  kUnsupportedCriticalPayload = 1,
  kInvalidIkeSpi = 4,
  kInvalidMajorVersion = 5,
  kInvalidSyntax = 7,
  kInvalidMessageId = 9,
  kInvalidSpi = 11,
  kNoProposalChosen = 14,
  kInvalidKePayload = 17,
  kAuthenticationFailed = 24,
  kSinglePairRequired = 34,
  kNoAdditionalSas = 35,
  kInternalAddressFailure = 36,
  kFailedCpRequired = 37,
  kTsUnacceptable = 38,
  kInvalidSelectors = 39,
  kTemporaryFailure = 43,
  kChildSaNotFound = 44,
  kInitialContact = 16384,
  kSetWindowSize = 16385,
  kAdditionalTsPossible = 16386,
  kIpcompSupported = 16387,
  kNatDetectionSourceIp = 16388,
  kNatDetectionDestinationIp = 16389,
  kCookie = 16390,
  kUseTransportMode = 16391,
  kHttpCertLookupSupported = 16392,
  kRekeySa = 16393,
  kEspTfcPaddingNotSupported = 16394,
  kNonFirstFragmentsAlso = 16395,
  kMobikeSupported = 16396,
  kMultipleAuthSupported = 16404,        // RFC 4739
  kEapOnlyAuthentication = 16417,        // RFC 5998
  kChildlessIkev2Supported = 16418,      // RFC 6023
  kIkev2FragmentationSupported = 16430,  // RFC 7383
  kSignatureHashAlgorithms = 16431,      // RFC 7427
};

inline bool is_error(NotifyType t) { return static_cast<uint16_t>(t) < 16384; }

// RFC 7427 hash algorithm identifiers (SIGNATURE_HASH_ALGORITHMS).
enum class SignatureHash : uint16_t { kSha1 = 1, kSha256 = 2, kSha384 = 3, kSha512 = 4, kIdentity = 5 };

// "IKE_SA_INIT", "SA", "NAT_DETECTION_SOURCE_IP", ...; the number for
// values without a name.
std::string exchange_name(ExchangeType t);
std::string payload_name(PayloadType t);
std::string notify_name(NotifyType t);

}  // namespace keyway::ikev2
