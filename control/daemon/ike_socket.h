// The IKE daemons' UDP sockets: ports 500 and 4500 on every local address
// (the kernel side of keyway's TAPs owns the addresses; the data plane hands
// it IKE, and ESP stays in the data plane). One socket per port, bound to
// the wildcard address, with IP_PKTINFO so that each datagram's local
// address is known on receipt and chosen on send.
//
// On 4500 IKE travels behind the four-byte non-ESP marker (RFC 3948 2.2):
// receive() strips it and send() adds it, so callers only ever see IKE
// messages. Control thread only; non-blocking.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace keyway::daemon {

struct UdpEndpoint {
  uint32_t addr = 0;  // IPv4, host byte order
  uint16_t port = 0;
  friend bool operator==(const UdpEndpoint&, const UdpEndpoint&) = default;
};

class IkeSockets {
 public:
  IkeSockets() = default;
  ~IkeSockets();
  IkeSockets(const IkeSockets&) = delete;
  IkeSockets& operator=(const IkeSockets&) = delete;

  // Binds 0.0.0.0:`ike_port` and 0.0.0.0:`natt_port` (500 and 4500 unless
  // tests say otherwise). False with *error (e.g. another IKE daemon holds
  // the port).
  bool open(uint16_t ike_port, uint16_t natt_port, std::string* error);
  // For poll(): the two descriptors.
  std::vector<int> fds() const { return {fd500_, fd4500_}; }

  using Handler = std::function<void(const UdpEndpoint& local, const UdpEndpoint& remote,
                                     const std::vector<uint8_t>& message)>;
  // Reads every datagram waiting on either socket. Datagrams on the NAT-T
  // port without the non-ESP marker (a keepalive, stray ESP) are counted
  // and dropped. Returns how many messages went to `handler`.
  size_t receive(const Handler& handler);
  // Sends from `local` (its port picks the socket) to `remote`. False with
  // *error when the kernel refuses (no route, no neighbour yet, ...).
  bool send(const UdpEndpoint& local, const UdpEndpoint& remote, const std::vector<uint8_t>& message,
            std::string* error);

  // A NAT-keepalive (RFC 3948 2.3: one 0xFF byte, no marker) from the
  // NAT-T port; false with *error when the kernel refuses.
  bool send_keepalive(const UdpEndpoint& local, const UdpEndpoint& remote, std::string* error);

  uint16_t ike_port() const { return port500_; }
  uint16_t natt_port() const { return port4500_; }
  uint64_t dropped() const { return dropped_; }

 private:
  bool send_raw(int fd, const UdpEndpoint& local, const UdpEndpoint& remote,
                const std::vector<uint8_t>& message, bool natt, std::string* error);

  int fd500_ = -1, fd4500_ = -1;
  uint16_t port500_ = 0, port4500_ = 0;
  uint64_t dropped_ = 0;
};

}  // namespace keyway::daemon
