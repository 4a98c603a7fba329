// The daemon's local control socket: a Unix stream socket on which each
// connection carries one request line (e.g. "show counters --json") and
// gets one response, after which the daemon closes it. `keyway ctl` is the
// client. Only root (or whoever may open the socket file, mode 0600) talks
// to the daemon.
#pragma once

#include <functional>
#include <string>

namespace keyway::daemon {

inline constexpr const char* kDefaultCtlDir = "/run/keyway";

// A response: the text, and whether the request succeeded (the client
// exits 0 or 1 accordingly). Wire form: "ok\n" or "error\n", then the text.
struct CtlResponse {
  bool ok = true;
  std::string text;
};

class CtlServer {
 public:
  // Creates the socket at `path` (its directory too), replacing a stale
  // socket file but refusing one a live daemon still answers on.
  bool open(const std::string& path, std::string* error);
  ~CtlServer();
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }
  // Accepts one pending connection (if any), reads its request line (1 s
  // at most), answers with `handler`, closes it. Never blocks longer.
  void serve_one(const std::function<CtlResponse(const std::string&)>& handler);

 private:
  int fd_ = -1;
  std::string path_;
};

// Client side: sends `request`, fills *response. False with *error when
// the daemon cannot be reached.
bool ctl_request(const std::string& path, const std::string& request, CtlResponse* response,
                 std::string* error);

}  // namespace keyway::daemon
