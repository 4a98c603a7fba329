// An IKEv2 message: the header (RFC 7296 3.1) and its chain of payloads
// (3.2), parsed strictly and written back exactly.
//
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                       IKE SA Initiator's SPI                  |
//  |                                                               |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                       IKE SA Responder's SPI                  |
//  |                                                               |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |  Next Payload | MjVer | MnVer | Exchange Type |     Flags     |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                          Message ID                           |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                            Length                             |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// Generic payload header:
//  | Next Payload  |C|  RESERVED   |         Payload Length        |
//
// Parsing never reads outside the datagram, checks every length (the
// header's against the datagram, each payload's against what is left, each
// payload's inner structure) and rejects with a reason and, where RFC 7296
// asks for one, the notification to answer with: INVALID_MAJOR_VERSION,
// UNSUPPORTED_CRITICAL_PAYLOAD (with the payload type), INVALID_SYNTAX.
// Unknown non-critical payloads are kept, opaque, so that a message
// re-serializes to the same bytes. SK and SKF stay encrypted (sk.h).
// Reserved bits are ignored on receipt and sent as zero (RFC 7296 3.2).
//
// Control thread; plain values, no shared state.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "control/ike/parsed.h"
#include "control/ikev2/auth_payload.h"
#include "control/ikev2/cert_payload.h"
#include "control/ikev2/constants.h"
#include "control/ikev2/delete_payload.h"
#include "control/ikev2/encrypted_payload.h"
#include "control/ikev2/id_payload.h"
#include "control/ikev2/ke_payload.h"
#include "control/ikev2/nonce_payload.h"
#include "control/ikev2/notify_payload.h"
#include "control/ikev2/sa_payload.h"
#include "control/ikev2/ts_payload.h"
#include "control/ikev2/vendor_payload.h"
#include "control/ikev2/wire.h"

namespace keyway::ikev2 {

inline constexpr size_t kHeaderLen = 28;

struct Header {
  uint64_t spi_i = 0;
  uint64_t spi_r = 0;
  uint8_t major = 2;
  uint8_t minor = 0;
  ExchangeType exchange = ExchangeType::kIkeSaInit;
  uint8_t flags = 0;  // kFlagInitiator | kFlagResponse | kFlagVersion
  uint32_t message_id = 0;

  bool from_initiator() const { return flags & kFlagInitiator; }
  bool is_response() const { return flags & kFlagResponse; }
};

// A payload keyway does not interpret (CP, EAP, future types), kept whole.
struct UnknownPayload {
  Bytes body;
};

using PayloadBody =
    std::variant<SaPayload, KePayload, IdPayload, CertPayload, AuthPayload, NoncePayload, NotifyPayload, DeletePayload,
                 VendorPayload, TsPayload, EncryptedPayload, FragmentPayload, UnknownPayload>;

struct Payload {
  PayloadType type = PayloadType::kNone;
  bool critical = false;
  PayloadBody body;

  template <class T>
  const T* as() const {
    return std::get_if<T>(&body);
  }
};

struct Message {
  Header header;
  std::vector<Payload> payloads;

  // The first payload of `type`; nullptr if there is none.
  const Payload* find(PayloadType type) const;
  // Every Notify payload of `type`, in order.
  std::vector<const NotifyPayload*> notifies(NotifyType type) const;
};

// Why a message was refused, and what to answer (nullopt: drop silently,
// e.g. an ICV that does not verify, RFC 7296 2.21.2).
struct Rejection {
  std::string reason;
  std::optional<NotifyType> notify = NotifyType::kInvalidSyntax;
  Bytes notify_data;  // UNSUPPORTED_CRITICAL_PAYLOAD: the one-byte type
};

template <class T>
using Parsed = ike::Parsed<T, Rejection>;

// A whole datagram (after the non-ESP marker on port 4500, if any).
Parsed<Message> parse_message(ByteView datagram);

// A payload chain starting with type `first`: the inside of a decrypted
// SK payload (where SK and SKF may not appear again). `offset` is where
// `data` begins in its message, for messages that name positions.
Parsed<std::vector<Payload>> parse_payloads(PayloadType first, ByteView data, size_t offset = 0);

// The chain, each generic header's Next Payload and length filled in; an
// SK or SKF payload must be last (its Next Payload is the first inner one).
// Fails for a payload longer than its 16-bit length field can say.
ike::Status write_payloads(std::span<const Payload> payloads, Writer& w);

// The header with the first payload's type and the total length filled in.
// Fails if the message would exceed the 16-bit payload or 32-bit lengths,
// or an SK/SKF payload is not last.
ike::Result<Bytes> serialize(const Message& m);

// Writes the header with the given Next Payload and Length.
void write_header(const Header& h, PayloadType first, uint32_t length, Writer& w);

// Payload construction with the generic type implied by the body, where
// there is only one (SA, KE, AUTH, ...), and explicit where two share a body
// (IDi/IDr, TSi/TSr, CERT/CERTREQ).
Payload make(PayloadBody body);
Payload make(PayloadType type, PayloadBody body);

}  // namespace keyway::ikev2
