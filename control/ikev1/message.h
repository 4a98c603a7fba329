// An ISAKMP message (RFC 2408 3.1, 3.2): the header and its payload chain,
// parsed strictly and written back exactly.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  !                          Initiator                            !
//  !                            Cookie                             !
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  !                          Responder                            !
//  !                            Cookie                             !
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  !  Next Payload ! MjVer ! MnVer ! Exchange Type !     Flags     !
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  !                          Message ID                           !
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  !                            Length                             !
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  Generic payload header:
//  ! Next Payload  !   RESERVED    !         Payload Length        !
//
// Payload bodies are kept as bytes, so a message re-serializes exactly and
// HASH_I/HASH_R and Quick Mode HASH(n) can be computed over the bytes that
// were received; typed views come from sa_payload.h and payloads.h, and
// parse_message() has already run each of them once (a malformed body
// rejects the whole message). Private-use payload types (128..255, e.g.
// the draft NAT-D 130 Cisco still sends) are kept opaque; other unknown
// types are rejected with INVALID-PAYLOAD-TYPE.
//
// Strict checks, each with its reason: length >= 28 and equal to the
// datagram; version 1.0 (INVALID-MAJOR/MINOR-VERSION); a known exchange
// type; no flags but E, C, A; each payload's length within what is left;
// reserved octets zero; Proposal/Transform never at top level. With the E
// flag the body stays encrypted (crypt.h opens it).
//
// Control thread; plain values.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "control/ike/parsed.h"
#include "control/ikev1/attributes.h"
#include "control/ikev1/constants.h"

namespace keyway::ikev1 {

inline constexpr size_t kHeaderLen = 28;

struct Header {
  uint64_t cky_i = 0;
  uint64_t cky_r = 0;
  uint8_t next = 0;  // filled in by serialize()
  uint8_t major = 1;
  uint8_t minor = 0;
  ExchangeType exchange = ExchangeType::kMainMode;
  uint8_t flags = 0;
  uint32_t message_id = 0;
  uint32_t length = 0;  // filled in by serialize()
  bool encrypted() const { return (flags & kFlagEncryption) != 0; }
  bool operator==(const Header&) const = default;
};

struct Payload {
  uint8_t type = 0;
  Bytes body;  // after the generic header
  bool operator==(const Payload&) const = default;
};

struct Message {
  Header header;
  std::vector<Payload> payloads;  // empty while encrypted
  Bytes encrypted;                // E flag: the ciphertext after the header

  // The first payload of `type`, or nullptr.
  const Payload* find(PayloadType type) const;
  std::vector<const Payload*> all(PayloadType type) const;
};

struct Rejection {
  std::string reason;
  std::optional<NotifyType> notify = NotifyType::kPayloadMalformed;
};

template <class T>
using Parsed = ike::Parsed<T, Rejection>;

// A whole datagram (after the non-ESP marker on port 4500, if any).
Parsed<Message> parse_message(ByteView datagram);

// A payload chain starting with payload `first`. With `padding_allowed`
// (a decrypted body) bytes after the last payload are the cipher's
// padding and are ignored; otherwise they are an error.
Parsed<std::vector<Payload>> parse_payloads(uint8_t first, ByteView chain, bool padding_allowed);

// The chain's bytes: each payload with its generic header.
Bytes serialize_payloads(const std::vector<Payload>& payloads);
// Header (next and length filled in) and the chain or, with the E flag and
// `encrypted` set, the ciphertext.
Bytes serialize(const Message& m);

// A payload from a typed body: make(PayloadType::kId, id) etc.
template <class T>
Payload make(PayloadType type, const T& body) {
  Writer w;
  write(body, w);
  return Payload{static_cast<uint8_t>(type), w.take()};
}
inline Payload make_opaque(PayloadType type, ByteView data) {
  return Payload{static_cast<uint8_t>(type), Bytes(data.begin(), data.end())};
}

}  // namespace keyway::ikev1
