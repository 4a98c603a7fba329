#include "control/daemon/ike_socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace keyway::daemon {

namespace {

int open_one(uint16_t port, std::string* error) {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = std::string("IKE socket: ") + std::strerror(errno);
    return -1;
  }
  const int on = 1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_ANY);
  // No SO_REUSEADDR: for UDP it would let a second IKE daemon share the
  // port and steal half the messages.
  if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof on) != 0 ||
      bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    *error = "IKE socket on UDP port " + std::to_string(port) + ": " + std::strerror(errno) +
             (errno == EADDRINUSE ? " (another IKE daemon, e.g. charon, is running here)" : "");
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

IkeSockets::~IkeSockets() {
  if (fd500_ >= 0) close(fd500_);
  if (fd4500_ >= 0) close(fd4500_);
}

bool IkeSockets::open(uint16_t ike_port, uint16_t natt_port, std::string* error) {
  fd500_ = open_one(ike_port, error);
  if (fd500_ < 0) return false;
  fd4500_ = open_one(natt_port, error);
  if (fd4500_ < 0) return false;
  port500_ = ike_port;
  port4500_ = natt_port;
  return true;
}

size_t IkeSockets::receive(const Handler& handler) {
  size_t n = 0;
  std::vector<uint8_t> buf(65536);
  for (int fd : {fd500_, fd4500_}) {
    const bool natt = fd == fd4500_;
    for (;;) {
      sockaddr_in from{};
      alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in_pktinfo))];
      iovec iov{buf.data(), buf.size()};
      msghdr msg{};
      msg.msg_name = &from;
      msg.msg_namelen = sizeof from;
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
      const ssize_t got = recvmsg(fd, &msg, 0);
      if (got < 0) break;  // EAGAIN: drained (other errors: nothing more to read now)
      UdpEndpoint local{0, natt ? port4500_ : port500_};
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
          in_pktinfo info;
          std::memcpy(&info, CMSG_DATA(c), sizeof info);
          local.addr = ntohl(info.ipi_addr.s_addr);
        }
      }
      const UdpEndpoint remote{ntohl(from.sin_addr.s_addr), ntohs(from.sin_port)};
      const size_t len = static_cast<size_t>(got);
      size_t skip = 0;
      if (natt) {
        // RFC 3948 2.2: IKE after four zero bytes; anything else is not ours.
        if (len < 4 || buf[0] | buf[1] | buf[2] | buf[3]) {
          ++dropped_;
          continue;
        }
        skip = 4;
      }
      handler(local, remote, std::vector<uint8_t>(buf.begin() + static_cast<std::ptrdiff_t>(skip),
                                                  buf.begin() + static_cast<std::ptrdiff_t>(len)));
      ++n;
    }
  }
  return n;
}

bool IkeSockets::send_keepalive(const UdpEndpoint& local, const UdpEndpoint& remote,
                                std::string* error) {
  // Through send()'s path on the IKE port so that the marker is not added,
  // but from the NAT-T socket: the NAT mapping to keep is that one's.
  return send_raw(fd4500_, local, remote, {0xff}, false, error);
}

bool IkeSockets::send(const UdpEndpoint& local, const UdpEndpoint& remote,
                      const std::vector<uint8_t>& message, std::string* error) {
  const bool natt = local.port == port4500_;
  return send_raw(natt ? fd4500_ : fd500_, local, remote, message, natt, error);
}

bool IkeSockets::send_raw(int fd, const UdpEndpoint& local, const UdpEndpoint& remote,
                          const std::vector<uint8_t>& message, bool natt, std::string* error) {
  static const uint8_t kMarker[4] = {0, 0, 0, 0};
  iovec iov[2];
  int iovs = 0;
  if (natt) iov[iovs++] = iovec{const_cast<uint8_t*>(kMarker), 4};
  iov[iovs++] = iovec{const_cast<uint8_t*>(message.data()), message.size()};
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(remote.port);
  to.sin_addr.s_addr = htonl(remote.addr);
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in_pktinfo))] = {};
  msghdr msg{};
  msg.msg_name = &to;
  msg.msg_namelen = sizeof to;
  msg.msg_iov = iov;
  msg.msg_iovlen = static_cast<size_t>(iovs);
  if (local.addr) {
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
    in_pktinfo info{};
    info.ipi_spec_dst.s_addr = htonl(local.addr);
    std::memcpy(CMSG_DATA(c), &info, sizeof info);
  }
  if (sendmsg(fd, &msg, 0) < 0) {
    *error = std::string("IKE send: ") + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace keyway::daemon
