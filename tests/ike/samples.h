// IKEv2 messages built field by field for the codec tests and the
// Wireshark cross-check: what keyway's first exchanges carry.
#pragma once

#include "control/ikev2/message.h"

namespace keyway::test {

// IKE_SA_INIT request: SA (GCM-256/SHA-384/group 20, then
// AES-CBC-128/SHA-256/group 14), KE (group 20), Ni, NAT detection,
// SIGNATURE_HASH_ALGORITHMS, IKEV2_FRAGMENTATION_SUPPORTED, a vendor ID.
ikev2::Message ike_sa_init_request();
// IKE_SA_INIT response: one chosen proposal, KE, Nr, CERTREQ, notifies.
ikev2::Message ike_sa_init_response();
// The cleartext content of IKE_AUTH request, as a plain message (so that
// a dissector can read every payload): IDi, CERT, CERTREQ, AUTH, N(INITIAL_
// CONTACT), SA (ESP), TSi, TSr, IDr.
ikev2::Message ike_auth_cleartext();
// INFORMATIONAL with a Delete of two ESP SPIs and a Delete of the IKE SA.
ikev2::Message informational_delete();

}  // namespace keyway::test
