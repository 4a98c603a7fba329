// The configuration listings of the seed (Cisco TAC note 117633, keyway's
// behavioural specification), copied here verbatim so that the tests never
// read outside the project. A listing that a page break
// split over two code blocks is joined (the seed line ranges say where each
// piece came from); nothing else is changed, artefacts included.
#include "tests/config/seed_blocks.h"

namespace keyway::config::test {

const std::array<SeedBlock, kNumSeedBlocks> kSeedBlocks{{
    {"ikev1_r1",
     "IKEv1 with Multiple Certificates: R1 network and VPN configuration",
     "124-154",
     R"seed(crypto isakmp policy 10
  encr 3des
  hash md5
  group 2

crypto isakmp profile prof1
  self-identity fqdn
  ca trust-point IOSCA1
  match identity host R2.cisco.com
!
crypto ipsec transform-set TS esp-aes esp-sha256-hmac
  mode tunnel
!
crypto ipsec profile prof1
  set transform-set TS
  set isakmp-profile prof1
!
interface Loopback0
  description Simulate LAN
  ip address 192.168.100.1 255.255.255.0
!
interface Tunnell
  ip address 10.0.0.1 255.255.255.0
  tunnel source Ethernet0/0
  tunnel destination 192.168.0.2
  tunnel protection ipsec profile prof1
!
interface Ethernet0/0
  ip address 192.168.0.1 255.255.255.0

ip route 192.168.200.0 255.255.255.0 10.0.0.2
)seed"},
    {"ikev1_r2",
     "IKEv1 with Multiple Certificates: R2 network and VPN configuration",
     "160-190",
     R"seed(crypto isakmp policy 10
  encr 3des
  hash md5
  group 2

crypto isakmp profile prof1
  self-identity fqdn
  match identity host R1.cisco.com
!
crypto ipsec transform-set TS esp-aes esp-sha256-hmac
  mode tunnel
!
crypto ipsec profile prof1
  set transform-set TS
  set isakmp-profile prof1
!
interface Loopback0
  ip address 192.168.200.1 255.255.255.0
!
interface Tunnell
  ip address 10.0.0.2 255.255.255.0
  tunnel source Ethernet0/0
  tunnel destination 192.168.0.1
  tunnel protection ipsec profile prof1
!
interface Ethernet0/0
  ip address 192.168.0.2 255.255.255.0

ip route 192.168.100.0 255.255.255.0 10.0.0.1
)seed"},
    {"ikev1_r1_trustpoints",
     "IKEv1 with Multiple Certificates: R1 trust-points IOSCA1 and IOSCA2",
     "196-212",
     R"seed(crypto pki trustpoint IOSCA1
  enrollment url http://192.168.0.3:80
  serial-number
  fqdn R1.cisco.com
  ip-address 192.168.0.1
  subject-name CN=R1,OU=IT,O=cisco,O=com
  revocation-check crl
!
crypto pki trustpoint IOSCA2
  enrollment url http://192.168.0.4:80
  serial-number
  fqdn R1.cisco.com
  ip-address 192.168.0.1
  subject-name CN=R1,OU=IT,O=cisco,O=com
  revocation-check crl
)seed"},
    {"ikev1_r2_trustpoints",
     "IKEv1 with Multiple Certificates: R2 trust-points (split by a page break)",
     "218-222, 226-239",
     R"seed(crypto pki trustpoint IOSCA1
  enrollment url http://192.168.0.3:80
  serial-number


fqdn R2.cisco.com
ip-address 192.168.0.2
subject-name CN=R2,OU=IT,O=cisco,O=com
revocation-check crl
!
crypto pki trustpoint IOSCA1
enrollment url http://192.168.0.4:80
serial-number
fqdn R2.cisco.com
ip-address 192.168.0.2
subject-name CN=R2,OU=IT,O=cisco,O=com
revocation-check crl
)seed"},
    {"ikev2_overlap_initiator",
     "IKEv2 Profile Selection with Identities that Overlap: initiator (split by a page break)",
     "859-881, 885-899",
     R"seed(crypto ikev2 proposal prop-1
  encryption 3des
  integrity md5
  group 2
!
crypto ikev2 policy pol-1
  match fvrf any
  proposal prop-1
!
crypto ikev2 profile profile1
  match identity remote address 192.168.0.2 255.255.255.255
  identity local address 192.168.0.1
  authentication remote rsa-sig
  authentication local rsa-sig
  pki trustpoint TP1

crypto ipsec transform-set trans esp-3des esp-sha-hmac
mode tunnel
!
crypto ipsec profile profile1
  set transform-set trans
  set ikev2-profile profile1
!

interface Loopback0
 ip address 192.168.100.1 255.255.255.255
!
interface Tunnel1
 ip address 10.0.0.1 255.255.255.0
 tunnel source Ethernet0/0
 tunnel destination 192.168.0.2
 tunnel protection ipsec profile profile1
!
interface Ethernet0/0
 ip address 192.168.0.1 255.255.255.0

ip route 192.168.200.1 255.255.255.255 10.0.0.2
)seed"},
    {"ikev2_overlap_responder",
     "IKEv2 Profile Selection with Identities that Overlap: responder (split by a page break)",
     "905-948, 952-959",
     R"seed(crypto ikev2 proposal prop-1
 encryption 3des
 integrity md5
 group 2
!
crypto ikev2 policy pol-1
 match fvrf any
 proposal prop-1
!
crypto ikev2 profile profile1
 match identity remote address 192.168.0.1 255.255.255.255
 identity local address 192.168.0.2
 authentication remote rsa-sig
 authentication local rsa-sig
 pki trustpoint TP1
!
crypto ikev2 profile profile2
 match identity remote address 192.168.0.1 255.255.255.255
 identity local address 192.168.0.2
 authentication remote rsa-sig
 authentication local rsa-sig
 pki trustpoint TP1
!
crypto ikev2 profile profile3
 match identity remote address 192.168.0.1 255.255.255.255
 identity local address 192.168.0.2
 authentication remote rsa-sig
 authentication local rsa-sig
 pki trustpoint TP1

crypto ipsec transform-set trans esp-3des esp-sha-hmac
 mode tunnel
!
crypto ipsec profile profile1
 set transform-set trans
 set ikev2-profile profile1
!
interface Loopback0
 ip address 192.168.200.1 255.255.255.255
!
interface Tunnel1
 ip address 10.0.0.2 255.255.255.0

tunnel source Ethernet0/0
tunnel destination 192.168.0.1
tunnel protection ipsec profile profile1
!
interface Ethernet0/0
 ip address 192.168.0.2 255.255.255.0

ip route 192.168.100.1 255.255.255.255 10.0.0.1
)seed"},
    {"ikev2_no_trustpoint_profile",
     "IKEv2 Mandatory Trust-point for the Initiator: initiator profile",
     "1050-1054",
     R"seed(crypto ikev2 profile profile1
match identity remote address 192.168.0.2 255.255.255.255
identity local address 192.168.0.1
authentication remote rsa-sig
authentication local rsa-sig
)seed"},
    {"ikev2_r2_initiator_profile",
     "R2 as the IKEv2 Initiator: R2 profile with TP1 and TP2",
     "1098-1104",
     R"seed(crypto ikev2 profile profile1
match identity remote address 192.168.0.1 255.255.255.255
identity local address 192.168.0.2
authentication remote rsa-sig
authentication local rsa-sig
pki trustpoint TP1
pki trustpoint TP2
)seed"},
    {"ikev2_r1_responder_profile",
     "R2 as the IKEv2 Initiator: R1 profile with TP1",
     "1110-1115",
     R"seed(crypto ikev2 profile profile1
match identity remote address 192.168.0.2 255.255.255.255
identity local address 192.168.0.1
authentication remote rsa-sig
authentication local rsa-sig
pki trustpoint TP1
)seed"},
}};

}  // namespace keyway::config::test
