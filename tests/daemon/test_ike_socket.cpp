// IkeSockets on the loopback interface: the local address of each datagram
// comes from IP_PKTINFO, the NAT-T port's non-ESP marker is stripped on
// receipt and added on send, and what is not IKE on that port is dropped.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control/daemon/ike_socket.h"

namespace keyway::daemon {
namespace {

constexpr uint32_t kLoopback = 0x7f000001;

// A plain UDP socket playing the peer.
struct Peer {
  Peer() {
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(kLoopback);
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~Peer() { close(fd); }
  void send_to(uint16_t to_port, const std::vector<uint8_t>& bytes) const {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(to_port);
    a.sin_addr.s_addr = htonl(kLoopback);
    ASSERT_EQ(sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a),
              static_cast<ssize_t>(bytes.size()));
  }
  std::vector<uint8_t> recv() const {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 1000) != 1) return {};
    std::vector<uint8_t> b(2048);
    const ssize_t n = ::recv(fd, b.data(), b.size(), 0);
    b.resize(n > 0 ? static_cast<size_t>(n) : 0);
    return b;
  }
  int fd = -1;
  uint16_t port = 0;
};

struct Got {
  UdpEndpoint local, remote;
  std::vector<uint8_t> message;
};

std::vector<Got> drain(IkeSockets& s) {
  std::vector<Got> got;
  for (int i = 0; i < 50 && got.empty(); ++i) {
    s.receive([&](const UdpEndpoint& l, const UdpEndpoint& r, const std::vector<uint8_t>& m) {
      got.push_back({l, r, m});
    });
    if (got.empty()) usleep(2000);
  }
  return got;
}

TEST(IkeSockets, PortsAndMarker) {
  IkeSockets s;
  std::string err;
  ASSERT_TRUE(s.open(15500, 15501, &err)) << err;
  Peer peer;
  const std::vector<uint8_t> ike = {1, 2, 3, 4, 5, 6, 7, 8};

  peer.send_to(15500, ike);
  auto got = drain(s);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].message, ike);
  EXPECT_EQ(got[0].local, (UdpEndpoint{kLoopback, 15500}));
  EXPECT_EQ(got[0].remote, (UdpEndpoint{kLoopback, peer.port}));

  std::vector<uint8_t> marked = {0, 0, 0, 0};
  marked.insert(marked.end(), ike.begin(), ike.end());
  peer.send_to(15501, marked);
  got = drain(s);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].message, ike) << "non-ESP marker stripped";
  EXPECT_EQ(got[0].local.port, 15501);

  peer.send_to(15501, {0xff});          // NAT keepalive
  peer.send_to(15501, {0, 0, 1, 0, 9});  // ESP, SPI 256: not for a socket
  EXPECT_TRUE(drain(s).empty());
  EXPECT_EQ(s.dropped(), 2u);

  ASSERT_TRUE(s.send({kLoopback, 15500}, {kLoopback, peer.port}, ike, &err)) << err;
  EXPECT_EQ(peer.recv(), ike);
  ASSERT_TRUE(s.send({kLoopback, 15501}, {kLoopback, peer.port}, ike, &err)) << err;
  EXPECT_EQ(peer.recv(), marked) << "marker added on the NAT-T port";
  ASSERT_TRUE(s.send_keepalive({kLoopback, 15501}, {kLoopback, peer.port}, &err)) << err;
  EXPECT_EQ(peer.recv(), std::vector<uint8_t>{0xff}) << "RFC 3948 keepalive: one byte, no marker";
}

TEST(IkeSockets, PortInUseIsAClearError) {
  IkeSockets a, b;
  std::string err;
  ASSERT_TRUE(a.open(15510, 15511, &err)) << err;
  EXPECT_FALSE(b.open(15510, 15511, &err));
  EXPECT_NE(err.find("15510"), std::string::npos) << err;
}

}  // namespace
}  // namespace keyway::daemon
