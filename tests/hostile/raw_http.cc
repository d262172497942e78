#include "raw_http.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace hostile {

namespace {

// No Catch2 assertions here: attack tests call this from several threads at once, and Catch2's
// assertion macros are not thread-safe (they corrupted its state: a double free, then a hang).
// A failed connect is -1; the caller's reply is then empty, which the test thread asserts on.
int Connect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::fprintf(stderr, "[hostile] connect to port %d: %s\n", port, std::strerror(errno));
    ::close(fd);
    return -1;
  }
  return fd;
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Parses one complete response from the front of `in`; removes it. nullopt: incomplete.
std::optional<RawReply> TakeReply(std::string& in) {
  size_t end = in.find("\r\n\r\n");
  if (end == std::string::npos) return std::nullopt;
  RawReply reply;
  std::istringstream head(in.substr(0, end));
  std::string line;
  std::getline(head, line);
  if (line.size() < 12 || line.compare(0, 5, "HTTP/") != 0) return std::nullopt;
  reply.status = std::atoi(line.c_str() + 9);
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    reply.headers[Lower(line.substr(0, colon))] = value;
  }
  size_t length = 0;
  if (auto it = reply.headers.find("content-length"); it != reply.headers.end())
    length = std::stoul(it->second);
  if (in.size() < end + 4 + length) return std::nullopt;
  reply.body = in.substr(end + 4, length);
  in.erase(0, end + 4 + length);
  return reply;
}

}  // namespace

RawConnection::RawConnection(int port) : fd_(Connect(port)) {}

RawConnection::~RawConnection() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawConnection::Send(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

int RawConnection::Fill(std::chrono::milliseconds timeout) {
  pollfd p{fd_, POLLIN, 0};
  int rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
  if (rc <= 0) return -1;
  char buf[65536];
  ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
  if (n <= 0) return 0;
  in_.append(buf, static_cast<size_t>(n));
  return static_cast<int>(n);
}

std::optional<RawReply> RawConnection::Read(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (auto reply = TakeReply(in_)) return reply;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    if (Fill(left) <= 0) return TakeReply(in_);
  }
}

bool RawConnection::WaitClosed(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    int n = Fill(left);
    if (n == 0) return true;
    if (n < 0) return false;
  }
}

FloodResult Flood(int port, const std::string& head, const std::function<std::string()>& next,
                  std::chrono::milliseconds timeout) {
  FloodResult result;
  RawConnection conn(port);
  int fd = conn.fd();
  if (fd < 0) return result;  // no reply: the test thread's REQUIRE(result.reply) reports it
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  std::string pending = head;
  size_t offset = 0;
  bool more = true;
  std::string in;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (offset == pending.size() && more) {
      pending = next();
      offset = 0;
      more = !pending.empty();
    }
    bool want_write = offset < pending.size();
    pollfd p{fd, static_cast<short>(POLLIN | (want_write ? POLLOUT : 0)), 0};
    if (::poll(&p, 1, 1000) <= 0) continue;
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      char buf[65536];
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n > 0) {
        in.append(buf, static_cast<size_t>(n));
        if ((result.reply = TakeReply(in))) return result;
        continue;
      }
      if (n == 0 || (errno != EAGAIN && errno != EINTR)) break;  // closed or reset
    }
    if (want_write && (p.revents & POLLOUT)) {
      ssize_t n = ::send(fd, pending.data() + offset, pending.size() - offset, MSG_NOSIGNAL);
      if (n > 0) {
        offset += static_cast<size_t>(n);
        result.sent += static_cast<size_t>(n);
      } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        // The server stopped reading and closed; its answer may still be waiting for us.
        ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
        char buf[65536];
        ssize_t r;
        while ((r = ::recv(fd, buf, sizeof buf, 0)) > 0) in.append(buf, static_cast<size_t>(r));
        break;
      }
    }
  }
  result.reply = TakeReply(in);
  return result;
}

long RssKiB(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return 0;
}

int PortOf(const std::string& url) {
  size_t colon = url.rfind(':');
  return colon == std::string::npos ? 0 : std::atoi(url.c_str() + colon + 1);
}

}  // namespace hostile
