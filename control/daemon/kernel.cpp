#include "control/daemon/kernel.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "dataplane/api/sa_spec.h"

extern char** environ;

namespace keyway::daemon {

namespace {

std::string joined(const std::vector<std::string>& args) {
  std::string s = "ip";
  for (const std::string& a : args) s += " " + a;
  return s;
}

}  // namespace

bool run_ip(const std::vector<std::string>& args, std::string* error) {
  int out[2];
  if (pipe(out) != 0) {
    *error = joined(args) + ": pipe: " + std::strerror(errno);
    return false;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&fa, out[1], STDERR_FILENO);
  posix_spawn_file_actions_addclose(&fa, out[0]);
  std::vector<std::string> storage{"ip"};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, "ip", &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(out[1]);
  std::string text;
  char buf[512];
  ssize_t n;
  while ((n = read(out[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  close(out[0]);
  if (rc != 0) {
    *error = joined(args) + ": cannot run ip (package iproute2): " + std::strerror(rc);
    return false;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    while (!text.empty() && text.back() == '\n') text.pop_back();
    *error = joined(args) + ": " + (text.empty() ? "failed" : text);
    return false;
  }
  return true;
}

bool write_sysctl(const std::string& path, const std::string& value, std::string* error) {
  const std::string file = "/proc/sys/" + path;
  std::ofstream f(file);
  f << value << '\n';
  f.close();
  if (!f) {
    *error = "cannot write " + value + " to " + file;
    return false;
  }
  return true;
}

bool configure_tap(const std::string& ifname, uint32_t address, uint8_t prefix_len, uint16_t mtu,
                   bool arp, std::string* error) {
  // Absent when the kernel was built without IPv6; nothing to switch off then.
  std::string ignored;
  write_sysctl("net/ipv6/conf/" + ifname + "/disable_ipv6", "1", &ignored);
  // Forwarding on the TAPs only: the data plane hands the kernel the
  // packets it must answer for (TTL expiring, too big for a tunnel), and
  // the kernel sends the ICMP error or the fragments. No redirects: the
  // kernel is not the router the hosts talk to.
  if (!write_sysctl("net/ipv4/conf/" + ifname + "/rp_filter", "2", error) ||
      !write_sysctl("net/ipv4/conf/" + ifname + "/forwarding", "1", error) ||
      !write_sysctl("net/ipv4/conf/" + ifname + "/send_redirects", "0", error))
    return false;
  if (!run_ip({"link", "set", "dev", ifname, "mtu", std::to_string(mtu), "arp", arp ? "on" : "off"},
              error))
    return false;
  if (address != 0 &&
      !run_ip({"addr", "replace", dp::format_ipv4(address) + "/" + std::to_string(prefix_len), "dev",
               ifname},
              error))
    return false;
  return run_ip({"link", "set", "dev", ifname, "up"}, error);
}

std::vector<KernelNeighbor> read_arp_table() {
  // IP address       HW type     Flags       HW address            Mask     Device
  // 192.168.0.2      0x1         0x2         02:00:00:00:00:02     *        kw-Et0-0
  std::vector<KernelNeighbor> out;
  std::ifstream f("/proc/net/arp");
  std::string line;
  std::getline(f, line);  // header
  while (std::getline(f, line)) {
    std::istringstream in(line);
    std::string ip, hwtype, flags, mac, mask, dev;
    if (!(in >> ip >> hwtype >> flags >> mac >> mask >> dev)) continue;
    if ((std::strtoul(flags.c_str(), nullptr, 16) & ATF_COM) == 0) continue;
    KernelNeighbor n;
    const auto addr = dp::parse_ipv4(ip);
    unsigned b[6];
    if (!addr || std::sscanf(mac.c_str(), "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4],
                             &b[5]) != 6)
      continue;
    n.ip = *addr;
    for (int i = 0; i < 6; ++i) n.mac[static_cast<size_t>(i)] = static_cast<uint8_t>(b[i]);
    n.ifname = dev;
    out.push_back(std::move(n));
  }
  return out;
}

bool probe_neighbor(const std::string& ifname, uint32_t ip, std::string* error) {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    *error = std::string("probe socket: ") + std::strerror(errno);
    return false;
  }
  bool ok = true;
  if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname.c_str(),
                 static_cast<socklen_t>(ifname.size())) != 0) {
    *error = "probe: bind to " + ifname + ": " + std::strerror(errno);
    ok = false;
  } else {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(9);
    to.sin_addr.s_addr = htonl(ip);
    const char byte = 0;
    // EAGAIN while ARP is pending is the expected outcome, not a failure.
    if (sendto(fd, &byte, 1, 0, reinterpret_cast<sockaddr*>(&to), sizeof to) < 0 &&
        errno != EAGAIN && errno != EWOULDBLOCK) {
      *error = "probe " + dp::format_ipv4(ip) + " via " + ifname + ": " + std::strerror(errno);
      ok = false;
    }
  }
  close(fd);
  return ok;
}

std::string format_mac(const std::array<uint8_t, 6>& m) {
  char s[18];
  std::snprintf(s, sizeof s, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
  return s;
}

}  // namespace keyway::daemon
