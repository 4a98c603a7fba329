// Malformed inputs: each must be rejected as a whole, with exactly the
// expected file:line:col message (the first error, and the number of errors).
#include <gtest/gtest.h>

#include <string>

#include "control/config/lexer.h"
#include "tests/config/helpers.h"

namespace keyway::config::test {
namespace {

using namespace std::string_literals;

struct Malformed {
  const char* name;
  std::string text;
  std::string first_error;
  size_t errors = 1;
};

void PrintTo(const Malformed& m, std::ostream* os) { *os << m.name; }

class MalformedTest : public ::testing::TestWithParam<Malformed> {};

TEST_P(MalformedTest, RejectedWithExactMessage) {
  const Malformed& m = GetParam();
  LoadResult r = load_text("t.cfg", m.text);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.config, nullptr);
  auto e = errors(r.diagnostics);
  ASSERT_FALSE(e.empty());
  EXPECT_EQ(e.front(), m.first_error);
  EXPECT_EQ(e.size(), m.errors) << testing::PrintToString(e);
}

// The arguments of a well-formed manual SA after its direction.
const std::string kSaGcm = "spi 300 transform aes128gcm key " + std::string(40, 'a') + "\n";

const std::string kProfilePrefix = "crypto isakmp profile p\n match identity host R2.cisco.com\n";

const Malformed kCases[] = {
    // ------------------------------------------------------------ commands
    {"unknown_command", "hostname R1\nfrobnicate now\n",
     "t.cfg:2:1: error: unknown command; got 'frobnicate', expected a command of global "
     "configuration mode"},
    {"unknown_keyword", "crypto isakmp polcy 10\n",
     "t.cfg:1:15: error: unknown command; got 'polcy', expected 'identity', 'key', 'policy' or 'profile'"},
    {"unknown_in_submode", "crypto isakmp policy 10\n hash sha256\n hashh md5\n",
     "t.cfg:3:2: error: unknown command; got 'hashh', expected a command of crypto isakmp "
     "policy mode or of an enclosing mode"},
    {"submode_command_at_global", "hostname R1\n  ca trust-point IOSCA1\n",
     "t.cfg:2:3: error: unknown command; got 'ca', expected a command of global configuration "
     "mode"},
    {"incomplete_command", "crypto isakmp\n",
     "t.cfg:1:14: error: incomplete command; got end of line, expected 'identity', 'key', "
     "'policy' or 'profile'"},
    {"unexpected_argument", "hostname R1 R2\n",
     "t.cfg:1:13: error: unexpected argument; got 'R2', expected end of line"},
    {"exit_with_argument", "crypto isakmp policy 1\n hash sha256\n group 14\n encr aes\nexit now\n",
     "t.cfg:5:6: error: unexpected argument; got 'now', expected end of line"},

    // ----------------------------------------------------------- arguments
    {"missing_argument", "interface Ethernet0/0\n ip address 192.168.0.1\n",
     "t.cfg:2:24: error: missing argument; got end of line, expected a network mask such as "
     "255.255.255.0"},
    {"missing_profile_name", "crypto ipsec profile\n",
     "t.cfg:1:21: error: missing argument; got end of line, expected an ipsec profile name"},
    {"bad_mask_not_contiguous", "interface Ethernet0/0\n ip address 192.168.0.1 255.0.255.0\n",
     "t.cfg:2:25: error: bad mask (not contiguous); got '255.0.255.0', expected a contiguous "
     "network mask such as 255.255.255.0"},
    {"bad_mask_syntax", "ip route 10.0.0.0 255.255.256.0 192.168.0.2\n",
     "t.cfg:1:19: error: bad mask; got '255.255.256.0', expected a destination mask such as "
     "255.255.255.0"},
    {"bad_mask_in_match", "crypto ikev2 profile p\n match identity remote address 10.0.0.1 255.255.0.255\n",
     "t.cfg:2:41: error: bad mask (not contiguous); got '255.255.0.255', expected a contiguous "
     "network mask such as 255.255.255.0"},
    {"bad_address", "interface Ethernet0/0\n ip address 192.168.0.256 255.255.255.0\n",
     "t.cfg:2:13: error: bad address; got '192.168.0.256', expected an IPv4 address such as "
     "192.168.0.1"},
    {"network_address_on_interface", "interface Ethernet0/0\n ip address 192.168.0.0 255.255.255.0\n",
     "t.cfg:2:13: error: bad address (the network address of 192.168.0.0/24); got "
     "'192.168.0.0', expected a host address for mask 255.255.255.0"},
    {"route_host_bits", "ip route 192.168.200.1 255.255.255.0 10.0.0.2\n",
     "t.cfg:1:10: error: inconsistent address and mask; got '192.168.200.1', expected the "
     "network address 192.168.200.0 for mask 255.255.255.0"},
    {"number_out_of_range", "crypto isakmp policy 10001\n",
     "t.cfg:1:22: error: number out of range; got '10001', expected 1-10000 (isakmp policy "
     "priority)"},
    {"lifetime_out_of_range", "crypto isakmp policy 10\n lifetime 30\n",
     "t.cfg:2:11: error: number out of range; got '30', expected 60-86400 (seconds)"},
    {"not_a_number", "crypto isakmp policy ten\n",
     "t.cfg:1:22: error: not a number; got 'ten', expected 1-10000 (isakmp policy priority)"},
    {"unsupported_group", "crypto isakmp policy 10\n group 3\n",
     "t.cfg:2:8: error: unsupported Diffie-Hellman group; got '3', expected group 1, 2, 5, 14, "
     "15, 16, 19, 20, 21 or 31"},
    {"group_24_not_implemented", "crypto isakmp policy 10\n group 24\n",
     "t.cfg:2:8: error: DH group 24 (RFC 5114 2048-bit MODP, 256-bit subgroup) is not "
     "implemented; RFC 8247: SHOULD NOT; got '24', expected group 14, 19 or 20"},
    {"pfs_group_24_not_implemented", "crypto ipsec profile P\n set pfs group24\n",
     "t.cfg:2:10: error: DH group 24 (RFC 5114 2048-bit MODP, 256-bit subgroup) is not "
     "implemented; RFC 8247: SHOULD NOT; got 'group24', expected group14, group19 or group20"},
    {"group_beyond_31", "crypto ikev2 proposal P\n group 32\n",
     "t.cfg:2:8: error: number out of range; got '32', expected 1-31 (a Diffie-Hellman group)"},
    {"invalid_keyword_argument", "crypto isakmp policy 10\n encr blowfish\n",
     "t.cfg:2:7: error: invalid argument; got 'blowfish', expected des, 3des or aes "
     "[128|192|256]"},
    {"invalid_hostname", "hostname 1R\n",
     "t.cfg:1:10: error: invalid host name; got '1R', expected a letter followed by at most 62 "
     "letters, digits or hyphens, e.g. R1"},
    {"seed_tunnell", "interface Tunnell\n ip address 10.0.0.1 255.255.255.0\n tunnel source Ethernet0/0\n",
     "t.cfg:1:11: error: invalid interface name; got 'Tunnell', expected an interface type "
     "followed by its number; did you mean 'Tunnel1'?"},
    {"tunnel_command_on_ethernet", "interface Ethernet0/0\n tunnel destination 192.168.0.2\n",
     "t.cfg:2:2: error: tunnel command on a non-tunnel interface; got 'tunnel', expected a "
     "Tunnel interface (Ethernet0/0 is not one)"},
    {"conflicting_transforms", "crypto ipsec transform-set T esp-aes esp-3des\n",
     "t.cfg:1:38: error: conflicting transforms; got 'esp-3des', expected one encryption "
     "transform ('esp-aes' is already set)"},
    {"gcm_with_hmac", "crypto ipsec transform-set T esp-gcm 256 esp-sha256-hmac\n",
     "t.cfg:1:42: error: conflicting transforms; got 'esp-sha256-hmac', expected no "
     "authentication transform after esp-gcm (GCM authenticates by itself)"},
    {"ah_transform", "crypto ipsec transform-set T ah-sha-hmac esp-aes\n",
     "t.cfg:1:30: error: AH transforms are not supported; got 'ah-sha-hmac', expected ESP "
     "transforms; keyway implements ESP only"},
    {"encrypted_key", "crypto keyring K\n pre-shared-key address 192.168.0.2 key 7 0822455D0A16\n",
     "t.cfg:2:41: error: encrypted key type not supported; got '7', expected an unencrypted key "
     "(type 0); keys of type 6 and 7 need the router's master key"},

    // ------------------------------------------------------------- lexical
    {"overlong_token", "hostname " + std::string(300, 'A') + "\n",
     "t.cfg:1:10: error: token too long (300 characters); got "
     "'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA...', expected at most 255 characters"},
    {"binary_garbage", "hostname R1\n\x00\x01\x02garbage\n"s,
     "t.cfg:2:1: error: non-printable byte; got '\\x00', expected printable ASCII text"},
    {"binary_in_token", "hostname R\xff" "1\n",
     "t.cfg:1:11: error: non-printable byte; got '\\xff', expected printable ASCII text"},
    {"binary_in_comment", "! comment \x1b[31m\nhostname R1\n",
     "t.cfg:1:11: error: non-printable byte; got '\\x1b', expected printable ASCII text"},

    // ---------------------------------------------------------- references
    {"undefined_trustpoint", kProfilePrefix + " ca trust-point IOSCA9\n",
     "t.cfg:3:17: error: undefined trust-point; got 'IOSCA9', expected a trust-point defined by "
     "'crypto pki trustpoint'"},
    {"undefined_keyring", kProfilePrefix + " keyring K\n",
     "t.cfg:3:10: error: undefined keyring; got 'K', expected a keyring defined by 'crypto "
     "keyring'"},
    {"undefined_transform_set", "crypto ipsec profile prof1\n set transform-set TS\n",
     "t.cfg:2:20: error: undefined transform-set; got 'TS', expected a transform-set defined by "
     "'crypto ipsec transform-set'"},
    {"undefined_isakmp_profile",
     "crypto ipsec transform-set TS esp-aes esp-sha256-hmac\ncrypto ipsec profile prof1\n set "
     "transform-set TS\n set isakmp-profile prof9\n",
     "t.cfg:4:21: error: undefined isakmp profile; got 'prof9', expected an isakmp profile "
     "defined by 'crypto isakmp profile'"},
    {"undefined_ikev2_profile",
     "crypto ipsec transform-set TS esp-aes esp-sha256-hmac\ncrypto ipsec profile prof1\n set "
     "transform-set TS\n set ikev2-profile p2\n",
     "t.cfg:4:20: error: undefined ikev2 profile; got 'p2', expected an ikev2 profile defined by "
     "'crypto ikev2 profile'"},
    {"undefined_ipsec_profile",
     "interface Ethernet0/0\n ip address 192.168.0.1 255.255.255.0\ninterface Tunnel1\n tunnel "
     "source Ethernet0/0\n tunnel destination 192.168.0.2\n tunnel protection ipsec profile "
     "nope\n",
     "t.cfg:6:34: error: undefined ipsec profile; got 'nope', expected an ipsec profile defined "
     "by 'crypto ipsec profile'"},
    {"undefined_tunnel_source", "interface Tunnel1\n tunnel source Ethernet0/1\n",
     "t.cfg:2:16: error: undefined interface; got 'Ethernet0/1', expected an interface defined "
     "by 'interface'"},
    {"undefined_ikev2_trustpoint_and_keyring",
     "crypto ikev2 profile p\n match identity remote address 192.168.0.1\n authentication local "
     "pre-share\n authentication remote pre-share\n keyring local KR\n pki trustpoint TP9 "
     "verify\n",
     "t.cfg:5:16: error: undefined ikev2 keyring; got 'KR', expected an ikev2 keyring defined "
     "by 'crypto ikev2 keyring'",
     2},
    {"undefined_proposal", "crypto ikev2 policy pol\n proposal prop-9\n",
     "t.cfg:2:11: error: undefined ikev2 proposal; got 'prop-9', expected an ikev2 proposal "
     "defined by 'crypto ikev2 proposal'"},

    // ------------------------------------------- duplicates and conflicts
    {"duplicate_subnet",
     "interface Ethernet0/0\n ip address 192.168.0.1 255.255.255.0\ninterface Ethernet0/1\n ip "
     "address 192.168.0.5 255.255.255.0\n",
     "t.cfg:4:13: error: address overlaps with Ethernet0/0 (192.168.0.0/24, line 2); got "
     "'192.168.0.5', expected a subnet no other interface uses"},
    {"duplicate_tunnel",
     "interface Ethernet0/0\n ip address 192.168.0.1 255.255.255.0\ninterface Tunnel1\n tunnel "
     "source Ethernet0/0\n tunnel destination 192.168.0.2\ninterface Tunnel2\n tunnel source "
     "Ethernet0/0\n tunnel destination 192.168.0.2\n",
     "t.cfg:8:21: error: tunnel conflicts with Tunnel1 (line 3): same source, destination and "
     "mode; got '192.168.0.2', expected a source/destination pair no other tunnel uses"},
    {"duplicate_dataplane_port",
     "interface Ethernet0/0\ndataplane port Ethernet0/0 net_af_packet0\ndataplane port "
     "Ethernet0/0 net_af_packet1\n",
     "t.cfg:3:16: error: interface already bound to a port (line 2); got 'Ethernet0/0', "
     "expected one 'dataplane port' line per interface"},

    // ------------------------------------------------- keyway's dataplane
    {"port_missing_device", "interface Ethernet0/0\ndataplane port Ethernet0/0\n",
     "t.cfg:2:27: error: missing argument; got end of line, expected a DPDK device name such "
     "as net_af_packet0 or 0000:01:00.0"},
    {"port_mtu_out_of_range", "interface Ethernet0/0\ndataplane port Ethernet0/0 d0 mtu 575\n",
     "t.cfg:2:35: error: number out of range; got '575', expected 576-9000 (IP MTU in bytes)"},
    {"port_ring_not_power_of_two",
     "interface Ethernet0/0\ndataplane port Ethernet0/0 d0 rx-desc 1000\n",
     "t.cfg:2:39: error: ring size not a power of two; got '1000', expected 64, 128, 256, "
     "512, 1024, 2048 or 4096"},
    {"port_ring_out_of_range",
     "interface Ethernet0/0\ndataplane port Ethernet0/0 d0 tx-desc 8192\n",
     "t.cfg:2:39: error: number out of range; got '8192', expected 64-4096 (descriptors, a "
     "power of two)"},
    {"port_option_twice",
     "interface Ethernet0/0\ndataplane port Ethernet0/0 d0 mtu 1500 mtu 9000\n",
     "t.cfg:2:40: error: option given twice; got 'mtu', expected each option at most once"},
    {"port_unknown_option", "interface Ethernet0/0\ndataplane port Ethernet0/0 d0 queues=2\n",
     "t.cfg:2:31: error: invalid argument; got 'queues=2', expected 'mtu', 'rx-desc' or "
     "'tx-desc'"},
    {"port_on_tunnel", "interface Tunnel1\ndataplane port Tunnel1 d0\n",
     "t.cfg:2:16: error: not a physical Ethernet interface; got 'Tunnel1', expected an "
     "Ethernet interface such as Ethernet0/0 or GigabitEthernet0/1 (no subinterface)"},
    {"port_on_subinterface", "interface Gi0/1.100\ndataplane port Gi0/1.100 d0\n",
     "t.cfg:2:16: error: not a physical Ethernet interface; got 'GigabitEthernet0/1.100', "
     "expected an Ethernet interface such as Ethernet0/0 or GigabitEthernet0/1 (no "
     "subinterface)"},
    {"port_undefined_interface", "dataplane port Ethernet0/0 d0\n",
     "t.cfg:1:16: error: undefined interface; got 'Ethernet0/0', expected an interface "
     "defined by 'interface'"},
    {"port_device_twice",
     "interface Ethernet0/0\ninterface Ethernet0/1\ndataplane port Ethernet0/0 "
     "net_af_packet0\ndataplane port Ethernet0/1 net_af_packet0\n",
     "t.cfg:4:28: error: device already bound to Ethernet0/0 (line 3); got 'net_af_packet0', "
     "expected one interface per DPDK device"},
    {"mbufs_out_of_range", "dataplane mbufs 1023\n",
     "t.cfg:1:17: error: number out of range; got '1023', expected 1024-1048576 (packet "
     "buffers)"},
    {"manual_sa_on_ethernet", "interface Ethernet0/0\n dataplane manual-sa inbound " + kSaGcm,
     "t.cfg:2:2: error: manual SA on a non-tunnel interface; got 'dataplane', expected a "
     "Tunnel interface (Ethernet0/0 is not one)"},
    {"manual_sa_bad_direction", "interface Tunnel1\n dataplane manual-sa both spi 300\n",
     "t.cfg:2:22: error: invalid argument; got 'both', expected 'inbound' or 'outbound'"},
    {"manual_sa_spi_not_a_number", "interface Tunnel1\n dataplane manual-sa inbound spi 0xzz\n",
     "t.cfg:2:34: error: not a number; got '0xzz', expected 256-4294967295 or "
     "0x100-0xffffffff (SPI; 0-255 are reserved)"},
    {"manual_sa_spi_reserved", "interface Tunnel1\n dataplane manual-sa inbound spi 255\n",
     "t.cfg:2:34: error: number out of range; got '255', expected 256-4294967295 or "
     "0x100-0xffffffff (SPI; 0-255 are reserved)"},
    {"manual_sa_spi_too_large", "interface Tunnel1\n dataplane manual-sa inbound spi 0x100000000\n",
     "t.cfg:2:34: error: number out of range; got '0x100000000', expected 256-4294967295 or "
     "0x100-0xffffffff (SPI; 0-255 are reserved)"},
    {"manual_sa_unknown_transform",
     "interface Tunnel1\n dataplane manual-sa inbound spi 300 transform aes128ctr key 00\n",
     "t.cfg:2:48: error: unknown transform; got 'aes128ctr', expected aes128gcm, aes256gcm, "
     "aes128cbc-sha256, aes256cbc-sha256 or 3des-sha1"},
    {"manual_sa_key_not_hex",
     "interface Tunnel1\n dataplane manual-sa inbound spi 300 transform aes128gcm key 0x12345\n",
     "t.cfg:2:62: error: bad key (not an even number of hex digits); got '0x12345', expected "
     "40 hex digits (16-byte key + 4-byte salt) for aes128gcm"},
    {"manual_sa_gcm_key_without_salt",
     "interface Tunnel1\n dataplane manual-sa inbound spi 300 transform aes128gcm key " +
         std::string(32, 'a') + "\n",
     "t.cfg:2:62: error: wrong key length (16 bytes); got 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', "
     "expected 40 hex digits (16-byte key + 4-byte salt) for aes128gcm"},
    {"manual_sa_auth_key_with_gcm",
     "interface Tunnel1\n dataplane manual-sa inbound spi 300 transform aes128gcm key " +
         std::string(40, 'a') + " auth-key " + std::string(64, 'b') + "\n",
     "t.cfg:2:103: error: auth-key with an AEAD transform; got 'auth-key', expected no "
     "auth-key (aes128gcm authenticates by itself)"},
    {"manual_sa_cbc_without_auth_key",
     "interface Tunnel1\n dataplane manual-sa inbound spi 300 transform aes256cbc-sha256 key " +
         std::string(64, 'a') + " esn\n",
     "t.cfg:2:137: error: missing argument; got end of line, expected 'auth-key' with 64 hex "
     "digits (aes256cbc-sha256 needs an HMAC key)"},
    {"manual_sa_auth_key_length",
     "interface Tunnel1\n dataplane manual-sa inbound spi 300 transform 3des-sha1 key " +
         std::string(48, 'a') + " auth-key " + std::string(64, 'b') + "\n",
     "t.cfg:2:120: error: wrong key length (32 bytes); got "
     "'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb...', expected 40 hex digits (20-byte HMAC "
     "key) for 3des-sha1"},
    {"manual_sa_replay_window_out_of_range",
     "interface Tunnel1\n dataplane manual-sa inbound spi 300 transform aes128gcm key " +
         std::string(40, 'a') + " replay-window 32\n",
     "t.cfg:2:117: error: number out of range; got '32', expected 64-4096 (packets, or off)"},
    {"manual_sa_udp_port_zero",
     "interface Tunnel1\n dataplane manual-sa inbound spi 300 transform aes128gcm key " +
         std::string(40, 'a') + " udp-encap 0 4500\n",
     "t.cfg:2:113: error: number out of range; got '0', expected 1-65535 (UDP source port)"},
    {"manual_sa_option_twice",
     "interface Tunnel1\n dataplane manual-sa inbound spi 300 transform aes128gcm key " +
         std::string(40, 'a') + " esn esn\n",
     "t.cfg:2:107: error: option given twice; got 'esn', expected each option at most once"},
    {"manual_sa_second_inbound",
     "interface Tunnel1\n dataplane manual-sa inbound " + kSaGcm + " dataplane manual-sa inbound " +
         kSaGcm,
     "t.cfg:3:22: error: manual SA for this direction already configured (line 2); got "
     "'inbound', expected one inbound and one outbound manual SA per tunnel"},
    {"manual_sa_inbound_spi_reused",
     "interface Tunnel1\n dataplane manual-sa inbound " + kSaGcm +
         "interface Tunnel2\n dataplane manual-sa inbound " + kSaGcm,
     "t.cfg:4:34: error: inbound SPI already used by Tunnel1 (line 2); got '300', expected an "
     "SPI no other inbound manual SA uses (the data plane finds inbound SAs by SPI alone)"},
};

INSTANTIATE_TEST_SUITE_P(Config, MalformedTest, ::testing::ValuesIn(kCases),
                         [](const auto& p) { return std::string(p.param.name); });

// Every error of a file is reported, syntax and references alike, in line
// order, and nothing is loaded.
TEST(MalformedFile, ReportsEveryError) {
  LoadResult r = load_text("t.cfg",
                           "hostname R1\n"
                           "crypto isakmp policy 0\n"
                           " hash sha256\n"
                           "interface Ethernet0/0\n"
                           " ip address 10.0.0.1 255.0.255.0\n"
                           "bogus\n"
                           "ip route 10.1.0.0 255.255.0.0\n"
                           "crypto isakmp profile p\n"
                           " match identity host R2.cisco.com\n"
                           " ca trust-point NOPE\n"
                           "crypto ipsec transform-set TS esp-aes esp-md6-hmac\n"
                           "crypto ipsec profile prof\n"
                           " set transform-set TS\n"
                           " set isakmp-profile p\n");
  EXPECT_FALSE(r.ok());
  auto e = errors(r.diagnostics);
  ASSERT_EQ(e.size(), 6u) << testing::PrintToString(e);
  EXPECT_EQ(e[0].substr(0, 12), "t.cfg:2:22: ");
  EXPECT_EQ(e[1].substr(0, 12), "t.cfg:5:22: ");
  EXPECT_EQ(e[2].substr(0, 11), "t.cfg:6:1: ");
  EXPECT_EQ(e[3].substr(0, 12), "t.cfg:7:30: ");
  EXPECT_EQ(e[4], "t.cfg:10:17: error: undefined trust-point; got 'NOPE', expected a "
                  "trust-point defined by 'crypto pki trustpoint'");
  // The transform-set with a bad transform still defines TS: no
  // "undefined transform-set" follows from it.
  EXPECT_EQ(e[5].substr(0, 13), "t.cfg:11:39: ");
}

// Thousands of bad lines stop at the error limit instead of flooding.
TEST(MalformedFile, StopsAfterTooManyErrors) {
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "bogus\n";
  LoadResult r = load_text("t.cfg", text);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.diagnostics.errors(), Diagnostics::kMaxErrors + 1);
  EXPECT_NE(r.diagnostics.all().back().message.find("too many errors"), std::string::npos);
}

TEST(MalformedFile, TooLarge) {
  LoadResult r = load_text("t.cfg", std::string(kMaxFileSize + 1, '!'));
  EXPECT_FALSE(r.ok());
  ASSERT_EQ(errors(r.diagnostics).size(), 1u);
  EXPECT_NE(errors(r.diagnostics)[0].find("file too large"), std::string::npos);
}

TEST(MalformedFile, Unreadable) {
  LoadResult r = load_file("/nonexistent/keyway.cfg");
  EXPECT_FALSE(r.ok());
  ASSERT_EQ(errors(r.diagnostics).size(), 1u);
  EXPECT_EQ(errors(r.diagnostics)[0],
            "/nonexistent/keyway.cfg: error: cannot read: No such file or directory");
}

}  // namespace
}  // namespace keyway::config::test
