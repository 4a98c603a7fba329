#include "control/daemon/ctl.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace keyway::daemon {

namespace {

bool make_addr(const std::string& path, sockaddr_un* a, std::string* error) {
  *a = sockaddr_un{};
  a->sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof a->sun_path) {
    *error = "control socket path '" + path + "' is empty or longer than " +
             std::to_string(sizeof a->sun_path - 1) + " bytes";
    return false;
  }
  std::memcpy(a->sun_path, path.c_str(), path.size() + 1);
  return true;
}

bool write_all(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    const ssize_t n = send(fd, s.data() + done, s.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// Reads until EOF or (with stop_at_newline) the first newline, waiting at
// most timeout_ms in total between reads.
bool read_until(int fd, std::string* out, bool stop_at_newline, int timeout_ms, size_t limit) {
  char buf[4096];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    const int r = poll(&p, 1, timeout_ms);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) return true;
    out->append(buf, static_cast<size_t>(n));
    if (out->size() > limit) return false;
    if (stop_at_newline && out->find('\n') != std::string::npos) return true;
  }
}

}  // namespace

bool CtlServer::open(const std::string& path, std::string* error) {
  sockaddr_un a;
  if (!make_addr(path, &a, error)) return false;
  const size_t slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) mkdir(path.substr(0, slash).c_str(), 0700);
  // A live daemon answers a connect; a stale file from a crashed one does not.
  const int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (probe >= 0 && connect(probe, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    close(probe);
    *error = "another keyway is running with control socket " + path + " (use --ctl PATH)";
    return false;
  }
  if (probe >= 0) close(probe);
  unlink(path.c_str());
  fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      chmod(path.c_str(), 0600) != 0 || listen(fd_, 16) != 0) {
    *error = "control socket " + path + ": " + std::strerror(errno);
    return false;
  }
  path_ = path;
  return true;
}

CtlServer::~CtlServer() {
  if (fd_ >= 0) {
    close(fd_);
    unlink(path_.c_str());
  }
}

void CtlServer::serve_one(const std::function<CtlResponse(const std::string&)>& handler) {
  const int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (c < 0) return;
  std::string line;
  CtlResponse r;
  if (!read_until(c, &line, true, 1000, 4096) || line.find('\n') == std::string::npos) {
    r = CtlResponse{false, "request must be one line of at most 4096 bytes\n"};
  } else {
    line.resize(line.find('\n'));
    r = handler(line);
  }
  write_all(c, std::string(r.ok ? "ok\n" : "error\n") + r.text);
  close(c);
}

bool ctl_request(const std::string& path, const std::string& request, CtlResponse* response,
                 std::string* error) {
  sockaddr_un a;
  if (!make_addr(path, &a, error)) return false;
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    *error = "cannot reach keyway at " + path + ": " + std::strerror(errno) +
             " (is `keyway run` running? --ctl names its socket)";
    if (fd >= 0) close(fd);
    return false;
  }
  std::string text;
  const bool ok = write_all(fd, request + "\n") && read_until(fd, &text, false, 10000, 64 << 20);
  close(fd);
  const size_t nl = text.find('\n');
  if (!ok || nl == std::string::npos) {
    *error = "no complete answer from keyway at " + path;
    return false;
  }
  response->ok = text.compare(0, nl, "ok") == 0;
  response->text = text.substr(nl + 1);
  return true;
}

}  // namespace keyway::daemon
