// The Authentication payload (RFC 7296 3.8). How the data is computed and
// checked is auth.h's business.
//
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  | Auth Method   |                RESERVED                       |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  ~                      Authentication Data                      ~
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
#pragma once

#include "control/ikev2/constants.h"
#include "control/ikev2/wire.h"

namespace keyway::ikev2 {

struct AuthPayload {
  AuthMethod method = AuthMethod::kPsk;
  Bytes data;
};

ike::Result<AuthPayload> parse_auth(ByteView body);
void write(const AuthPayload& a, Writer& w);

}  // namespace keyway::ikev2
