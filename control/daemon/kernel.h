// The daemon's dealings with the Linux kernel on the exception path: the
// TAP interfaces' addresses, routes and settings, and the kernel's ARP
// table, from which the data plane's neighbour table is learned.
//
// Configuration runs the `ip` command (iproute2) rather than speaking
// netlink: it happens a handful of times at start-up, and every step is
// then a command a user can read in the log and repeat by hand.
// Control thread only; nothing here is on a packet path.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace keyway::daemon {

// Runs `ip ARGS...` (no shell) and waits. False with *error holding the
// command line and what it printed on failure.
bool run_ip(const std::vector<std::string>& args, std::string* error);

// Writes VALUE to /proc/sys/PATH. False with *error on failure.
bool write_sysctl(const std::string& path, const std::string& value, std::string* error);

// Brings a TAP up as the kernel side of an interface: address, MTU, no
// IPv6 (the router does not route it, and the kernel's own IPv6 chatter
// has no business on the wire), loose reverse-path filtering (packets
// arrive on the interface the data plane chose, which need not be the
// kernel's best route back), forwarding on (for the exceptions the data
// plane hands over: ICMP errors, fragmentation), no redirects, ARP off for
// tunnel and loopback TAPs.
bool configure_tap(const std::string& ifname, uint32_t address, uint8_t prefix_len, uint16_t mtu,
                   bool arp, std::string* error);

// One complete entry of the kernel's IPv4 neighbour table.
struct KernelNeighbor {
  std::string ifname;
  uint32_t ip = 0;  // host byte order
  std::array<uint8_t, 6> mac{};
};

// Reads /proc/net/arp; only complete entries (flag ATF_COM). Empty on error.
std::vector<KernelNeighbor> read_arp_table();

// Makes the kernel resolve `ip` on `ifname` now: sends one UDP datagram to
// the discard port (9) through that interface, which the kernel can only
// send after ARP has answered. False with *error when the socket refuses.
bool probe_neighbor(const std::string& ifname, uint32_t ip, std::string* error);

std::string format_mac(const std::array<uint8_t, 6>& mac);

}  // namespace keyway::daemon
