// The configuration model: what an IOS-style configuration file means, as
// plain values. The parser builds a Config, validation checks it, and the
// loader publishes it as std::shared_ptr<const Config>; from then on it is
// immutable and may be read from any thread. Later stages (policy, IKEv1,
// IKEv2, PKI) consume it; nothing here opens sockets or files.
//
// Conventions:
// - Order is meaning. Objects are kept in the order they were first defined,
//   and lists inside an object (ca trust-point, pki trustpoint, match
//   identity, set transform-set) in the order they were configured: IOS
//   walks them in that order and the seed's outcomes depend on it.
// - References to other objects are NameRef (the name as written plus where
//   it was written), resolved by name when used; validation guarantees every
//   reference resolves.
// - Defaults are the IOS 15.3 ones (the release the seed was written
//   against), spelled out next to each field.
// - Addresses are IPv4 in host byte order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "control/config/diagnostics.h"
#include "dataplane/api/sa_spec.h"

namespace keyway::config {

struct NameRef {
  std::string name;
  Loc at;
};

// An address with a (contiguous) mask, e.g. a connected subnet or a
// `match identity address`.
struct AddressMask {
  uint32_t addr = 0;
  uint32_t mask = 0xffffffffu;
  Loc at;
};

int prefix_length(uint32_t mask);  // number of leading one bits
std::string format_ipv4(uint32_t addr);
std::string format_prefix(uint32_t addr, uint32_t mask);  // "192.168.0.0/24"

// ---------------------------------------------------------------- algorithms
// Deprecation status and the IOS spellings live in algorithms.h.

enum class IkeCipher : uint8_t { kDes, k3des, kAes128, kAes192, kAes256, kAesGcm128, kAesGcm256 };
enum class IkeHash : uint8_t { kMd5, kSha1, kSha256, kSha384, kSha512 };  // hash, integrity, prf
enum class EspCipher : uint8_t {
  kNone, kNull, kDes, k3des, kAesCbc128, kAesCbc192, kAesCbc256,
  kAesGcm128, kAesGcm192, kAesGcm256,
};
enum class EspAuth : uint8_t { kNone, kMd5, kSha1, kSha256, kSha384, kSha512 };
// Diffie-Hellman groups are kept as their IANA numbers (1, 2, 5, 14, ...).
using DhGroup = uint16_t;

// ------------------------------------------------------------ IKEv1 (ISAKMP)

enum class IkeAuthMethod : uint8_t { kRsaSig, kPreShare, kRsaEncr, kEcdsaSig };

// crypto isakmp policy N
struct IsakmpPolicy {
  uint32_t priority = 0;  // 1..10000; lower numbers are offered first
  Loc at;
  IkeCipher encryption = IkeCipher::kDes;  // IOS 15.3 default: 56-bit DES
  IkeHash hash = IkeHash::kSha1;
  IkeAuthMethod authentication = IkeAuthMethod::kRsaSig;
  DhGroup group = 1;
  uint32_t lifetime_s = 86400;
  // Which of the above were written; the rest are defaults. Validation
  // warns about deprecated defaults at the policy's own line.
  bool encryption_set = false, hash_set = false, group_set = false;
};

// The kind of an IKE identity (IKEv1 ID payload or IKEv2 IDi/IDr).
enum class IdKind : uint8_t { kAddress, kFqdn, kUserFqdn, kDn, kKeyId };

// `self-identity` of an ISAKMP profile: address, fqdn (hostname.domain) or
// user-fqdn VALUE. Unset means the global `crypto isakmp identity`. The
// global command uses the same type: address, hostname (kFqdn) or dn
// (kDn, the subject of the certificate Main Mode signs with).
struct SelfIdentity {
  IdKind kind = IdKind::kAddress;
  std::string value;  // user-fqdn only
  Loc at;
};

// One `match identity` line of an ISAKMP profile.
struct IsakmpMatch {
  enum class Kind : uint8_t { kHost, kHostDomain, kAddress, kUserFqdn, kUserFqdnDomain };
  Kind kind = Kind::kHost;
  std::string value;  // host name, domain or user-fqdn
  AddressMask address;  // kAddress
  Loc at;
};

// crypto isakmp profile NAME
struct IsakmpProfile {
  std::string name;
  Loc at;
  std::string description;
  std::optional<SelfIdentity> self_identity;
  // `ca trust-point` lines, in order. Empty: every global trust-point is
  // trusted (the seed's R2).
  std::vector<NameRef> ca_trustpoints;
  std::vector<IsakmpMatch> matches;
  // `match certificate MAP` lines, in order: the peer's certificate
  // matches one of these certificate maps.
  std::vector<NameRef> match_certificates;
  std::optional<NameRef> keyring;  // unset: the global keys
  std::optional<NameRef> local_address;  // an interface name
};

// One pre-shared key, in a `crypto keyring` or global (`crypto isakmp key`).
struct PresharedKey {
  enum class Kind : uint8_t { kAddress, kHostname };
  Kind kind = Kind::kAddress;
  AddressMask address;  // kAddress
  std::string hostname;  // kHostname
  std::string key;  // the secret; compare in constant time
  Loc at;
};

// crypto keyring NAME (IKEv1)
struct Keyring {
  std::string name;
  Loc at;
  std::string description;
  std::vector<PresharedKey> keys;
};

// --------------------------------------------------------------------- IPsec

enum class IpsecMode : uint8_t { kTunnel, kTransport };

// crypto ipsec transform-set NAME TRANSFORM...
struct TransformSet {
  std::string name;
  Loc at;
  EspCipher cipher = EspCipher::kNone;
  EspAuth auth = EspAuth::kNone;
  std::vector<std::string> transforms;  // as written, e.g. {"esp-aes 256", "esp-sha256-hmac"}
  IpsecMode mode = IpsecMode::kTunnel;
};

// crypto ipsec profile NAME
struct IpsecProfile {
  std::string name;
  Loc at;
  std::string description;
  // Empty: the IOS 15.x default transform sets (esp-aes esp-sha-hmac, then
  // esp-3des esp-sha-hmac).
  std::vector<NameRef> transform_sets;
  std::optional<NameRef> isakmp_profile;
  std::optional<NameRef> ikev2_profile;
  std::optional<DhGroup> pfs_group;  // `set pfs` alone means group 1 in 15.3
  uint32_t lifetime_s = 3600;
  uint64_t lifetime_kb = 4608000;  // 0: `kilobytes disable`
};

// ----------------------------------------------------------------------- PKI

enum class Enrollment : uint8_t { kNone, kUrl, kTerminal, kSelfSigned };
enum class Revocation : uint8_t { kCrl, kNone, kOcsp };

// crypto pki trustpoint NAME. The certificates themselves are PKI state, not
// configuration; this is what the commands say about them.
struct Trustpoint {
  std::string name;
  Loc at;
  Enrollment enrollment = Enrollment::kNone;
  std::string enrollment_url;  // kUrl; SCEP, which keyway does not speak
  Loc enrollment_at;
  bool serial_number = false;  // `serial-number` (none: false)
  std::string fqdn;  // empty: none
  std::string ip_address;  // an address or an interface name; empty: none
  std::string subject_name;  // the DN exactly as written
  std::vector<Revocation> revocation_check{Revocation::kCrl};  // IOS default
  std::string rsakeypair;  // empty: the router's default key pair
  uint32_t rsakeypair_modulus = 0;
};

// crypto pki certificate map NAME SEQ: one sequence of a certificate map.
// A certificate matches a sequence when every rule of it matches, and the
// map NAME when any of its sequences does (IOS tries them in sequence
// order). A rule compares the certificate's subject or issuer, as `show
// crypto pki certificates` prints it ("cn=R1,ou=IT,o=cisco,o=com"), with
// its value, case-insensitively. A sequence without rules matches nothing.
struct CertificateMapRule {
  enum class Field : uint8_t { kSubjectName, kIssuerName };
  enum class Op : uint8_t { kEq, kNe, kCo, kNc };  // equal, not equal, contains, does not contain
  Field field = Field::kSubjectName;
  Op op = Op::kCo;
  std::string value;
  Loc at;
};

struct CertificateMap {
  std::string name;
  uint32_t sequence = 0;  // 1..65535
  Loc at;
  std::vector<CertificateMapRule> rules;
};

// --------------------------------------------------------------------- IKEv2

// crypto ikev2 proposal NAME
struct Ikev2Proposal {
  std::string name;
  Loc at;
  std::vector<IkeCipher> encryption;
  std::vector<IkeHash> integrity;
  std::vector<IkeHash> prf;
  std::vector<DhGroup> groups;
};

// crypto ikev2 policy NAME
struct Ikev2Policy {
  std::string name;
  Loc at;
  std::vector<NameRef> proposals;
  bool match_fvrf_any = false;
  std::string match_fvrf;  // a VRF name; empty: the global table
  std::vector<AddressMask> match_address_local;
};

// One `match identity remote` line of an IKEv2 profile.
struct Ikev2Match {
  enum class Kind : uint8_t { kAddress, kFqdn, kFqdnDomain, kEmail, kEmailDomain, kKeyId };
  Kind kind = Kind::kAddress;
  AddressMask address;  // kAddress; the mask defaults to /32
  std::string value;
  Loc at;
};

// `identity local`: what this router sends as IDi/IDr.
struct Ikev2Identity {
  IdKind kind = IdKind::kAddress;
  std::string value;  // kFqdn, kUserFqdn (email), kKeyId
  uint32_t address = 0;  // kAddress
  Loc at;
};

// `pki trustpoint NAME [sign|verify]`; without a keyword both.
struct Ikev2Trustpoint {
  NameRef trustpoint;
  bool sign = true;
  bool verify = true;
};

struct Ikev2Dpd {
  uint32_t interval_s = 0;
  uint32_t retry_s = 0;
  bool periodic = false;  // false: on-demand
};

// crypto ikev2 profile NAME
struct Ikev2Profile {
  std::string name;
  Loc at;
  std::string description;
  std::vector<Ikev2Match> matches;
  bool match_fvrf_any = false;
  std::string match_fvrf;
  std::optional<Ikev2Identity> identity_local;  // unset: the address
  std::optional<IkeAuthMethod> authentication_local;
  Loc authentication_local_at;
  std::string authentication_local_key;  // `pre-share key K`
  std::vector<IkeAuthMethod> authentication_remote;
  std::string authentication_remote_key;
  std::vector<Ikev2Trustpoint> trustpoints;
  std::optional<NameRef> keyring;  // `keyring local NAME`
  uint32_t lifetime_s = 86400;
  std::optional<Ikev2Dpd> dpd;
};

// `peer NAME` inside `crypto ikev2 keyring NAME`.
struct Ikev2KeyringPeer {
  std::string name;
  Loc at;
  std::string description;
  std::optional<AddressMask> address;
  std::string hostname;
  std::optional<Ikev2Identity> identity;
  std::string pre_shared_key_local;  // `pre-shared-key K` sets both
  std::string pre_shared_key_remote;
};

struct Ikev2Keyring {
  std::string name;
  Loc at;
  std::vector<Ikev2KeyringPeer> peers;
};

// ---------------------------------------------------------------- interfaces

enum class InterfaceKind : uint8_t { kEthernet, kLoopback, kTunnel, kVlan, kOther };
enum class TunnelMode : uint8_t { kGreIp, kIpsecIpv4 };

// dataplane manual-sa {inbound | outbound} spi SPI transform NAME key HEX
//   [auth-key HEX] [esn] [replay-window N | off] [udp-encap [SPORT DPORT]]
// (keyway only, Tunnel interfaces). A statically keyed SA for labs: the
// tunnel's endpoints become its outer addresses when the runtime plan is
// built. The parser has checked the key lengths against the transform.
struct ManualSa {
  dp::Direction dir = dp::Direction::kOutbound;
  uint32_t spi = 0;  // 256..0xffffffff
  dp::Transform transform = dp::Transform::kAes128Gcm;
  std::vector<uint8_t> key;       // GCM: key || 4-byte salt
  std::vector<uint8_t> auth_key;  // non-AEAD transforms only
  bool esn = false;
  uint32_t replay_window = dp::kDefaultReplayWindow;  // 0: `off`
  bool udp_encap = false;
  uint16_t encap_sport = dp::kNatTPort;
  uint16_t encap_dport = dp::kNatTPort;
  Loc at;      // the direction keyword
  Loc spi_at;
};

struct Interface {
  std::string name;  // canonical: "Ethernet0/0", "Tunnel1"
  Loc at;
  InterfaceKind kind = InterfaceKind::kEthernet;
  std::string description;
  std::optional<AddressMask> address;
  bool shutdown = false;
  // Tunnel interfaces only.
  std::optional<NameRef> tunnel_source_interface;
  std::optional<AddressMask> tunnel_source_address;  // mask unused
  std::optional<AddressMask> tunnel_destination;  // mask unused
  TunnelMode tunnel_mode = TunnelMode::kGreIp;  // IOS default: GRE
  Loc tunnel_mode_at;
  std::optional<NameRef> tunnel_protection;  // an ipsec profile
  bool tunnel_protection_shared = false;
  std::vector<ManualSa> manual_sas;  // at most one per direction
};

// ip route PREFIX MASK {NEXT-HOP | INTERFACE [NEXT-HOP]} [DISTANCE]
struct Route {
  uint32_t prefix = 0;
  uint32_t mask = 0;
  std::optional<NameRef> interface;
  std::optional<uint32_t> next_hop;
  uint32_t distance = 1;
  Loc at;
};

// dataplane port INTERFACE DEVICE [mtu N] [rx-desc N] [tx-desc N] (keyway
// only). Binds an Ethernet interface to a DPDK ethdev, named as EAL names
// it ("net_af_packet0", "0000:01:00.0").
struct DataplaneBinding {
  NameRef interface;
  std::string device;
  Loc device_at;
  uint16_t mtu = 1500;      // IP MTU, 576..9000
  uint16_t rx_desc = 1024;  // ring sizes, powers of two 64..4096
  uint16_t tx_desc = 1024;
  Loc at;
};

// --------------------------------------------------------------- the whole

struct Config {
  std::string source;  // the file name diagnostics used
  std::string hostname = "Router";
  std::string domain_name;  // `ip domain name`; empty: none

  std::vector<IsakmpPolicy> isakmp_policies;  // sorted by priority
  std::vector<IsakmpProfile> isakmp_profiles;
  std::vector<PresharedKey> isakmp_keys;  // `crypto isakmp key`
  // `crypto isakmp identity`; unset: address (IOS's default).
  std::optional<SelfIdentity> isakmp_identity;
  std::vector<Keyring> keyrings;
  std::vector<TransformSet> transform_sets;
  std::vector<IpsecProfile> ipsec_profiles;
  std::vector<Trustpoint> trustpoints;
  std::vector<CertificateMap> certificate_maps;  // each (name, sequence) once
  std::vector<Ikev2Proposal> ikev2_proposals;
  std::vector<Ikev2Policy> ikev2_policies;
  std::vector<Ikev2Profile> ikev2_profiles;
  std::vector<Ikev2Keyring> ikev2_keyrings;
  std::vector<Interface> interfaces;
  std::vector<Route> routes;
  std::vector<DataplaneBinding> dataplane_ports;
  uint32_t dataplane_mbufs = 16384;  // `dataplane mbufs N`: the packet buffer pool

  // Lookups by name (exact, case-sensitive, as IOS names are); nullptr when
  // absent. Linear: configurations hold tens of objects.
  const IsakmpProfile* isakmp_profile(std::string_view name) const;
  const Keyring* keyring(std::string_view name) const;
  const TransformSet* transform_set(std::string_view name) const;
  const IpsecProfile* ipsec_profile(std::string_view name) const;
  const Trustpoint* trustpoint(std::string_view name) const;
  // The sequences of certificate map `name`, in sequence order; empty when
  // there is no such map.
  std::vector<const CertificateMap*> certificate_map(std::string_view name) const;
  const Ikev2Proposal* ikev2_proposal(std::string_view name) const;
  const Ikev2Profile* ikev2_profile(std::string_view name) const;
  const Ikev2Keyring* ikev2_keyring(std::string_view name) const;
  const Interface* interface(std::string_view name) const;

  // hostname.domain, the ID `self-identity fqdn` sends.
  std::string fqdn() const;
};

}  // namespace keyway::config
