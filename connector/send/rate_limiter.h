// Token bucket: at most `rate` acquisitions per second on average, bursts up
// to `burst`. Acquire() blocks the calling sender thread until a token is
// free (senders are a bounded pool, never the event loop). Thread-safe.
#pragma once

#include <chrono>
#include <mutex>

namespace sfn::connector {

class TokenBucket {
 public:
  TokenBucket(double rate_per_second, double burst);
  // Takes `tokens` (e.g. segments), waiting as long as needed.
  void Acquire(double tokens = 1.0);
  // Takes tokens only if available now.
  bool TryAcquire(double tokens = 1.0);
  // Takes `tokens` if available now and returns 0; else takes nothing and returns the seconds
  // until they will be (for a dispatcher that waits without blocking in here).
  double TakeOrWait(double tokens);

 private:
  void Refill(std::chrono::steady_clock::time_point now);

  std::mutex mu_;
  double rate_;
  double burst_;
  double available_;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace sfn::connector
