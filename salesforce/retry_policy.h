// Exponential backoff with full jitter and a cap, for retrying calls that
// failed transiently (UNABLE_TO_LOCK_ROW, unknown_error, 502/503/504,
// connection failures). Full jitter spreads simultaneous retries of many
// callers over the whole window instead of synchronising them.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>

namespace sfn::salesforce {

struct RetryOptions {
  int max_attempts = 4;  // total tries including the first; 1 = never retry
  std::chrono::milliseconds initial_backoff{100};  // window for the first retry
  std::chrono::milliseconds max_backoff{5000};     // the window never grows beyond this
  double multiplier = 2.0;                         // window growth per retry
};

// Computes delays; thread-safe (one instance may serve many callers).
class Backoff {
 public:
  explicit Backoff(RetryOptions options, uint64_t seed = std::random_device{}());

  // Upper bound of the window before retry number `retry` (0 = first retry):
  // min(max_backoff, initial_backoff * multiplier^retry).
  std::chrono::milliseconds Window(int retry) const;
  // A uniformly random delay in [0, Window(retry)].
  std::chrono::milliseconds Delay(int retry);
  // True when attempt number `attempt` (1-based, just failed) may be followed by another.
  bool ShouldRetry(int attempt) const { return attempt < options_.max_attempts; }
  const RetryOptions& options() const { return options_; }

 private:
  RetryOptions options_;
  std::mutex mu_;
  std::mt19937_64 rng_;
};

}  // namespace sfn::salesforce
