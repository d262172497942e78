// The health of one gateway account as every send sees it: a shared backoff
// after 429 / 20429 (honouring Retry-After), and a circuit breaker that opens
// when every call fails (connection refused, 503, timeouts). While either is
// in force the sender claims nothing for this gateway, so no recipient is
// charged an attempt; when the breaker's pause ends one probe call is let
// through, and its answer closes the breaker or doubles the pause (up to
// max_probe_ms). Thread-safe; times are the Clock's epoch milliseconds.
#pragma once

#include <cstdint>
#include <mutex>

namespace sfn::connector {

struct GatewayHealthOptions {
  int breaker_failures = 10;  // consecutive failed calls, none succeeding, that open the breaker
  int probe_ms = 1000;        // first pause before a probe
  int max_probe_ms = 30000;   // longest pause
};

class GatewayHealth {
 public:
  enum class Answer {
    kSuccess,    // the gateway answered definitely (accepted, or a permanent refusal)
    kThrottled,  // 429 / 20429: slow down
    kFailure,    // nothing useful came back (refused, reset, 5xx, timeout, 401)
  };

  explicit GatewayHealth(GatewayHealthOptions options = {}) : options_(options) {}

  // 0 when a call may start at `now_ms` (and, half-open, marks the probe as started);
  // else the milliseconds to wait.
  int64_t TryStart(int64_t now_ms);
  void Done(Answer answer, int64_t now_ms, int64_t retry_after_ms = 0);
  // The earliest instant calls may resume (now when healthy).
  int64_t ResumeAt(int64_t now_ms) const;
  bool breaker_open() const;

 private:
  enum class State { kClosed, kOpen, kHalfOpen };
  GatewayHealthOptions options_;
  mutable std::mutex mu_;
  State state_ = State::kClosed;
  int consecutive_failures_ = 0;
  int64_t pause_ms_ = 0;          // current breaker pause
  int64_t open_until_ms_ = 0;     // breaker: when the next probe may go
  int64_t backoff_until_ms_ = 0;  // 429: shared backoff
  bool probe_in_flight_ = false;
};

}  // namespace sfn::connector
