// IOS's IKEv2 profile rules, as plain functions of the configuration:
// which profile a responder binds after IDi, what ID and pre-shared keys a
// profile gives, which trust-points it signs and validates with.
//
// Profile order. IOS keeps IKEv2 profiles in a list that `crypto ikev2
// profile NAME` extends at the head, so `show crypto ikev2 profile` lists
// the newest first. When several profiles match the peer's identity
// equally well, the responder takes the first of that list: the seed's
// three profiles with identical `match identity remote address
// 192.168.0.1` end with "found matching IKEv2 profile 'profile3'", the
// last one configured. A more specific match always wins over list order.
//
// Specificity (higher wins), for the match lines of the ID's own type:
//   address A M       the mask's prefix length, 0..32
//   fqdn domain D     100 + length of D   (R1.cisco.com under cisco.com)
//   email domain D    100 + length of D
//   fqdn / email / key-id exact   1000
// A profile's specificity is that of its best matching line. Profiles
// without match lines never match. DN identities match no line (IOS
// matches those with certificate maps, which keyway applies to ISAKMP
// profiles only so far).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "control/config/model.h"
#include "control/ikev2/id_payload.h"
#include "pki/certificate.h"

namespace keyway::ikev2 {

// Profiles newest first (IOS `show crypto ikev2 profile` order).
std::vector<const config::Ikev2Profile*> profiles_in_ios_order(const config::Config& cfg);

// How well one match line matches `id`; nullopt when it does not.
std::optional<int> match_specificity(const config::Ikev2Match& m, const IdPayload& id);
// The best of a profile's lines; nullopt when none matches.
std::optional<int> profile_specificity(const config::Ikev2Profile& p, const IdPayload& id);

// The responder's choice (nullptr: none matches).
const config::Ikev2Profile* select_profile(const config::Config& cfg, const IdPayload& id);

// "'192.168.0.1' of type 'IPv4 address'", as IOS logs the peer's identity.
std::string ios_identity(const IdPayload& id);

// The ID this router sends under `profile`: `identity local`, else the
// address for pre-shared keys and the certificate's subject DN for
// signatures (IOS's defaults). `cert` may be null (no certificate chosen).
IdPayload local_identity(const config::Ikev2Profile& p, uint32_t local_addr, const pki::Certificate* cert);

// Pre-shared keys: `authentication local|remote pre-share key K` in the
// profile, else the profile's `keyring local` peer for the remote end
// (by `identity`, then the longest matching `address`, then `hostname`
// against an FQDN ID). Empty when none is configured.
std::string psk_local(const config::Config& cfg, const config::Ikev2Profile& p, uint32_t peer_addr,
                      const IdPayload* peer_id);
std::string psk_remote(const config::Config& cfg, const config::Ikev2Profile& p, uint32_t peer_addr,
                       const IdPayload* peer_id);

// `pki trustpoint` names of the profile that sign / verify, in configured
// order.
std::vector<std::string> sign_trustpoints(const config::Ikev2Profile& p);
std::vector<std::string> verify_trustpoints(const config::Ikev2Profile& p);

// The IKEv2 proposals for an IKE SA from `local_addr`: the first `crypto
// ikev2 policy` whose `match address local` includes it (or has none), its
// proposals in order (a proposal without `prf` uses its integrity
// algorithms as PRFs, as IOS does); without any policy, IOS's default proposal
// (AES-CBC-256/192/128, SHA-512/384/256/SHA-1, groups 19, 20, 14: IOS's
// default lists group 5 and 2, which keyway replaces with stronger ones).
std::vector<config::Ikev2Proposal> ike_proposals_for(const config::Config& cfg, uint32_t local_addr);

}  // namespace keyway::ikev2
