#include "control/ikev1/constants.h"

namespace keyway::ikev1 {

bool is_known_exchange(uint8_t t) { return (t >= 1 && t <= 5) || t == 32; }

std::string_view exchange_name(ExchangeType t) {
  switch (t) {
    case ExchangeType::kBase: return "Base";
    case ExchangeType::kMainMode: return "Main Mode";
    case ExchangeType::kAuthOnly: return "Authentication Only";
    case ExchangeType::kAggressive: return "Aggressive Mode";
    case ExchangeType::kInformational: return "Informational";
    case ExchangeType::kQuickMode: return "Quick Mode";
  }
  return "UNKNOWN";
}

std::string_view payload_name(uint8_t t) {
  switch (static_cast<PayloadType>(t)) {
    case PayloadType::kNone: return "NONE";
    case PayloadType::kSa: return "SA";
    case PayloadType::kProposal: return "PROPOSAL";
    case PayloadType::kTransform: return "TRANSFORM";
    case PayloadType::kKe: return "KE";
    case PayloadType::kId: return "ID";
    case PayloadType::kCert: return "CERT";
    case PayloadType::kCr: return "CERT_REQ";
    case PayloadType::kHash: return "HASH";
    case PayloadType::kSig: return "SIG";
    case PayloadType::kNonce: return "NONCE";
    case PayloadType::kNotify: return "NOTIFY";
    case PayloadType::kDelete: return "DELETE";
    case PayloadType::kVendor: return "VENDOR";
    case PayloadType::kNatD: return "NAT-D";
    case PayloadType::kNatOa: return "NAT-OA";
  }
  return "UNKNOWN";
}

std::string_view id_type_name(uint8_t t) {
  switch (static_cast<IdType>(t)) {
    case IdType::kIpv4: return "ID_IPV4_ADDR";
    case IdType::kFqdn: return "ID_FQDN";
    case IdType::kUserFqdn: return "ID_USER_FQDN";
    case IdType::kIpv4Subnet: return "ID_IPV4_ADDR_SUBNET";
    case IdType::kIpv6: return "ID_IPV6_ADDR";
    case IdType::kIpv6Subnet: return "ID_IPV6_ADDR_SUBNET";
    case IdType::kIpv4Range: return "ID_IPV4_ADDR_RANGE";
    case IdType::kIpv6Range: return "ID_IPV6_ADDR_RANGE";
    case IdType::kDerAsn1Dn: return "ID_DER_ASN1_DN";
    case IdType::kDerAsn1Gn: return "ID_DER_ASN1_GN";
    case IdType::kKeyId: return "ID_KEY_ID";
  }
  return "UNKNOWN";
}

std::string_view notify_name(uint16_t t) {
  switch (static_cast<NotifyType>(t)) {
    case NotifyType::kInvalidPayloadType: return "INVALID-PAYLOAD-TYPE";
    case NotifyType::kDoiNotSupported: return "DOI-NOT-SUPPORTED";
    case NotifyType::kSituationNotSupported: return "SITUATION-NOT-SUPPORTED";
    case NotifyType::kInvalidCookie: return "INVALID-COOKIE";
    case NotifyType::kInvalidMajorVersion: return "INVALID-MAJOR-VERSION";
    case NotifyType::kInvalidMinorVersion: return "INVALID-MINOR-VERSION";
    case NotifyType::kInvalidExchangeType: return "INVALID-EXCHANGE-TYPE";
    case NotifyType::kInvalidFlags: return "INVALID-FLAGS";
    case NotifyType::kInvalidMessageId: return "INVALID-MESSAGE-ID";
    case NotifyType::kInvalidProtocolId: return "INVALID-PROTOCOL-ID";
    case NotifyType::kInvalidSpi: return "INVALID-SPI";
    case NotifyType::kInvalidTransformId: return "INVALID-TRANSFORM-ID";
    case NotifyType::kAttributesNotSupported: return "ATTRIBUTES-NOT-SUPPORTED";
    case NotifyType::kNoProposalChosen: return "NO-PROPOSAL-CHOSEN";
    case NotifyType::kBadProposalSyntax: return "BAD-PROPOSAL-SYNTAX";
    case NotifyType::kPayloadMalformed: return "PAYLOAD-MALFORMED";
    case NotifyType::kInvalidKeyInformation: return "INVALID-KEY-INFORMATION";
    case NotifyType::kInvalidIdInformation: return "INVALID-ID-INFORMATION";
    case NotifyType::kInvalidCertEncoding: return "INVALID-CERT-ENCODING";
    case NotifyType::kInvalidCertificate: return "INVALID-CERTIFICATE";
    case NotifyType::kCertTypeUnsupported: return "CERT-TYPE-UNSUPPORTED";
    case NotifyType::kInvalidCertAuthority: return "INVALID-CERT-AUTHORITY";
    case NotifyType::kInvalidHashInformation: return "INVALID-HASH-INFORMATION";
    case NotifyType::kAuthenticationFailed: return "AUTHENTICATION-FAILED";
    case NotifyType::kInvalidSignature: return "INVALID-SIGNATURE";
    case NotifyType::kAddressNotification: return "ADDRESS-NOTIFICATION";
    case NotifyType::kNotifySaLifetime: return "NOTIFY-SA-LIFETIME";
    case NotifyType::kCertificateUnavailable: return "CERTIFICATE-UNAVAILABLE";
    case NotifyType::kUnsupportedExchangeType: return "UNSUPPORTED-EXCHANGE-TYPE";
    case NotifyType::kUnequalPayloadLengths: return "UNEQUAL-PAYLOAD-LENGTHS";
    case NotifyType::kConnected: return "CONNECTED";
    case NotifyType::kResponderLifetime: return "RESPONDER-LIFETIME";
    case NotifyType::kReplayStatus: return "REPLAY-STATUS";
    case NotifyType::kInitialContact: return "INITIAL-CONTACT";
    case NotifyType::kRUThere: return "R-U-THERE";
    case NotifyType::kRUThereAck: return "R-U-THERE-ACK";
  }
  return "UNKNOWN";
}

}  // namespace keyway::ikev1
