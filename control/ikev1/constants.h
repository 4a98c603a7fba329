// ISAKMP (RFC 2408) and IKEv1 (RFC 2407, 2409, 3947, 3706) numbers, and
// their names for IOS-style debug lines. Plain constants; any thread.
#pragma once

#include <cstdint>
#include <string_view>

namespace keyway::ikev1 {

// RFC 2408 3.1 Exchange Type; Quick Mode from RFC 2409 5.5.
enum class ExchangeType : uint8_t {
  kBase = 1,
  kMainMode = 2,  // Identity Protection
  kAuthOnly = 3,
  kAggressive = 4,
  kInformational = 5,
  kQuickMode = 32,
};
bool is_known_exchange(uint8_t t);
std::string_view exchange_name(ExchangeType t);

// Header flags, RFC 2408 3.1.
inline constexpr uint8_t kFlagEncryption = 0x01;
inline constexpr uint8_t kFlagCommit = 0x02;
inline constexpr uint8_t kFlagAuthOnly = 0x04;

// RFC 2408 3.1 Next Payload; NAT-D/NAT-OA from RFC 3947.
enum class PayloadType : uint8_t {
  kNone = 0,
  kSa = 1,
  kProposal = 2,
  kTransform = 3,
  kKe = 4,
  kId = 5,
  kCert = 6,
  kCr = 7,
  kHash = 8,
  kSig = 9,
  kNonce = 10,
  kNotify = 11,
  kDelete = 12,
  kVendor = 13,
  kNatD = 20,
  kNatOa = 21,
};
std::string_view payload_name(uint8_t t);  // "KE", "CERT_REQ", ... or "UNKNOWN"

inline constexpr uint32_t kDoiIpsec = 1;               // RFC 2407 4.2
inline constexpr uint32_t kSituationIdentityOnly = 1;  // RFC 2407 4.2.1

// Protocol IDs (RFC 2407 4.4.1).
inline constexpr uint8_t kProtoIsakmp = 1;
inline constexpr uint8_t kProtoAh = 2;
inline constexpr uint8_t kProtoEsp = 3;
inline constexpr uint8_t kProtoIpcomp = 4;

// Phase-1 transform ID (RFC 2407 4.4.2).
inline constexpr uint8_t kKeyIke = 1;
// Phase-2 ESP transform IDs (RFC 2407 4.4.4, IANA).
inline constexpr uint8_t kEspDes = 2;
inline constexpr uint8_t kEsp3des = 3;
inline constexpr uint8_t kEspNull = 11;
inline constexpr uint8_t kEspAes = 12;
inline constexpr uint8_t kEspAesGcm16 = 20;

// Phase-1 (Oakley) attribute classes, RFC 2409 Appendix A.
namespace p1 {
inline constexpr uint16_t kEncryption = 1;
inline constexpr uint16_t kHash = 2;
inline constexpr uint16_t kAuthMethod = 3;
inline constexpr uint16_t kGroupDescription = 4;
inline constexpr uint16_t kLifeType = 11;
inline constexpr uint16_t kLifeDuration = 12;
inline constexpr uint16_t kKeyLength = 14;
// Values.
inline constexpr uint16_t kEncDes = 1, kEnc3des = 5, kEncAes = 7;
inline constexpr uint16_t kHashMd5 = 1, kHashSha1 = 2, kHashSha256 = 4, kHashSha384 = 5, kHashSha512 = 6;
inline constexpr uint16_t kAuthPsk = 1, kAuthRsaSig = 3, kAuthRsaEnc = 4;
inline constexpr uint16_t kAuthEcdsa256 = 9, kAuthEcdsa384 = 10, kAuthEcdsa521 = 11;  // RFC 4754
inline constexpr uint16_t kLifeSeconds = 1, kLifeKilobytes = 2;
}  // namespace p1

// Phase-2 (IPsec DOI) attribute classes, RFC 2407 4.5.
namespace p2 {
inline constexpr uint16_t kLifeType = 1;
inline constexpr uint16_t kLifeDuration = 2;
inline constexpr uint16_t kGroupDescription = 3;
inline constexpr uint16_t kEncapsulationMode = 4;
inline constexpr uint16_t kAuthAlgorithm = 5;
inline constexpr uint16_t kKeyLength = 6;
// Values.
inline constexpr uint16_t kLifeSeconds = 1, kLifeKilobytes = 2;
inline constexpr uint16_t kModeTunnel = 1, kModeTransport = 2;
inline constexpr uint16_t kModeUdpTunnel = 3, kModeUdpTransport = 4;  // RFC 3947
inline constexpr uint16_t kModeUdpTunnelDraft = 61443, kModeUdpTransportDraft = 61444;  // Cisco, draft-ietf-ipsec-nat-t-ike
inline constexpr uint16_t kAuthHmacMd5 = 1, kAuthHmacSha1 = 2;
inline constexpr uint16_t kAuthHmacSha256 = 5, kAuthHmacSha384 = 6, kAuthHmacSha512 = 7;  // RFC 4868
}  // namespace p2

// Identification types, RFC 2407 4.6.2.1.
enum class IdType : uint8_t {
  kIpv4 = 1,
  kFqdn = 2,
  kUserFqdn = 3,
  kIpv4Subnet = 4,
  kIpv6 = 5,
  kIpv6Subnet = 6,
  kIpv4Range = 7,
  kIpv6Range = 8,
  kDerAsn1Dn = 9,
  kDerAsn1Gn = 10,
  kKeyId = 11,
};
std::string_view id_type_name(uint8_t t);

// Certificate types (RFC 2408 3.9); pki/certreq.h has kX509Signature = 4.
inline constexpr uint8_t kCertX509Signature = 4;

// Notify message types: RFC 2408 3.14.1 errors, RFC 2407 4.6.3 status,
// RFC 3706 DPD.
enum class NotifyType : uint16_t {
  kInvalidPayloadType = 1,
  kDoiNotSupported = 2,
  kSituationNotSupported = 3,
  kInvalidCookie = 4,
  kInvalidMajorVersion = 5,
  kInvalidMinorVersion = 6,
  kInvalidExchangeType = 7,
  kInvalidFlags = 8,
  kInvalidMessageId = 9,
  kInvalidProtocolId = 10,
  kInvalidSpi = 11,
  kInvalidTransformId = 12,
  kAttributesNotSupported = 13,
  kNoProposalChosen = 14,
  kBadProposalSyntax = 15,
  kPayloadMalformed = 16,
  kInvalidKeyInformation = 17,
  kInvalidIdInformation = 18,
  kInvalidCertEncoding = 19,
  kInvalidCertificate = 20,
  kCertTypeUnsupported = 21,
  kInvalidCertAuthority = 22,
  kInvalidHashInformation = 23,
  kAuthenticationFailed = 24,
  kInvalidSignature = 25,
  kAddressNotification = 26,
  kNotifySaLifetime = 27,
  kCertificateUnavailable = 28,
  kUnsupportedExchangeType = 29,
  kUnequalPayloadLengths = 30,
  kConnected = 16384,
  kResponderLifetime = 24576,  // RFC 2407 4.6.3.1
  kReplayStatus = 24577,
  kInitialContact = 24578,
  kRUThere = 36136,  // RFC 3706
  kRUThereAck = 36137,
};
std::string_view notify_name(uint16_t t);

}  // namespace keyway::ikev1
