// Raw-socket HTTP for tests that talk to a server the way an attacker would:
// exact bytes on the wire (pipelining, broken framing, huge headers, endless
// chunked bodies), no client library smoothing anything over.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace hostile {

struct RawReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

class RawConnection {
 public:
  // Connects to 127.0.0.1:port; REQUIREs success.
  explicit RawConnection(int port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  // Writes all of `data` (blocking). False once the server closed or reset the connection.
  bool Send(std::string_view data);
  // One response (status line, headers, Content-Length body) within `timeout`; nullopt when
  // the connection closed first or the time ran out. Bytes after it stay for the next call.
  std::optional<RawReply> Read(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // True when the server closes (EOF or reset) within `timeout`; data arriving meanwhile is kept.
  bool WaitClosed(std::chrono::milliseconds timeout);
  int fd() const { return fd_; }

 private:
  // Reads what is available within `timeout`: >0 bytes appended, 0 EOF/reset, -1 time ran out.
  int Fill(std::chrono::milliseconds timeout);

  int fd_ = -1;
  std::string in_;
};

// Sends `head`, then pieces from `next` (empty piece: nothing more to send) as fast as the
// socket takes them, and stops as soon as the server answers or closes. `sent` counts every
// byte written before the answer arrived.
struct FloodResult {
  std::optional<RawReply> reply;
  size_t sent = 0;
};
FloodResult Flood(int port, const std::string& head, const std::function<std::string()>& next,
                  std::chrono::milliseconds timeout = std::chrono::seconds(60));

// VmRSS of a process in KiB, from /proc/PID/status (0 when unreadable).
long RssKiB(int pid);

// The port of "http://127.0.0.1:PORT".
int PortOf(const std::string& url);

}  // namespace hostile
