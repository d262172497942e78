// Injected faults: each applies to the next N requests whose method and path
// prefix match, answering them with a Salesforce-shaped failure instead of
// serving them (or, for "latency", delaying them). Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/http_types.h"
#include "common/status.h"

namespace sfemu {

struct Fault {
  std::string id;    // "f1", "f2", ...
  std::string kind;  // INVALID_SESSION_ID, REQUEST_LIMIT_EXCEEDED, UNABLE_TO_LOCK_ROW,
                     // SERVER_UNAVAILABLE, http_500, http_503, latency, unknown_error
  int64_t count = 1;       // requests left to affect
  std::string method;      // empty: any
  std::string path;        // prefix; empty: any
  int64_t latency_ms = 0;  // for "latency"
};

class FaultInjector {
 public:
  // Validates and registers; returns the fault's id or why it was refused.
  sfn::Result<std::string> Add(Fault fault);
  void Clear();
  // The first fault matching this request (its count is used up by one).
  std::optional<Fault> Take(const std::string& method, const std::string& path);

  // The response a non-latency fault produces.
  static sfn::http::Response ResponseFor(const Fault& fault);

 private:
  std::mutex mu_;
  std::vector<Fault> faults_;
  int next_id_ = 1;
};

}  // namespace sfemu
