// A reusable HTTP client for one base URL (keeps its connection pool; create
// one per remote service, not per call). Thread-safe.
//
// Failures are mapped for retry decisions: a connection that could not be made
// is kUnavailable (nothing was sent); a timeout or reset after the request went
// out is kUnknownOutcome (the server may have acted on it).
#pragma once

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <string>

#include "common/http_types.h"
#include "common/status.h"

namespace sfn::http {

struct ClientOptions {
  std::chrono::milliseconds timeout{30000};  // whole request; streaming long-polls need > 110 s
  bool verify_tls = true;                    // only tests against loopback may turn this off
  bool follow_redirects = true;              // false: a 3xx is returned as it came (Location intact)
};

class Client {
 public:
  // `base_url` is scheme://host[:port]; request paths are appended to it.
  explicit Client(std::string base_url, ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends `request` (method, path, query, headers, body) and waits for the answer.
  // Any HTTP status is a successful Result; only transport failures are errors.
  Result<Response> Send(const Request& request) const;
  std::future<Result<Response>> SendAsync(Request request) const;
  // Sends without waiting: `done` runs once with the answer, on a cpprestsdk pool thread (keep it
  // short). Concurrent calls share the client's keep-alive connections, one per request in flight.
  void SendAsync(Request request, std::function<void(Result<Response>)> done) const;

  const std::string& base_url() const { return base_url_; }

 private:
  struct Impl;
  std::string base_url_;
  std::unique_ptr<Impl> impl_;
};

// Splits an absolute URL "http://host:port/path?q" into base ("http://host:port") and target ("/path?q").
Status SplitUrl(const std::string& url, std::string* base, std::string* target);

}  // namespace sfn::http
