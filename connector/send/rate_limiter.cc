#include "connector/send/rate_limiter.h"

#include <algorithm>
#include <thread>

namespace sfn::connector {

TokenBucket::TokenBucket(double rate_per_second, double burst)
    : rate_(rate_per_second), burst_(std::max(burst, 1.0)), available_(burst_), last_(std::chrono::steady_clock::now()) {}

void TokenBucket::Refill(std::chrono::steady_clock::time_point now) {
  double elapsed = std::chrono::duration<double>(now - last_).count();
  available_ = std::min(burst_, available_ + elapsed * rate_);
  last_ = now;
}

bool TokenBucket::TryAcquire(double tokens) {
  std::lock_guard<std::mutex> lock(mu_);
  Refill(std::chrono::steady_clock::now());
  if (available_ + 1e-9 < tokens) return false;
  available_ -= tokens;
  return true;
}

double TokenBucket::TakeOrWait(double tokens) {
  tokens = std::min(tokens, burst_);
  std::lock_guard<std::mutex> lock(mu_);
  Refill(std::chrono::steady_clock::now());
  if (available_ + 1e-9 >= tokens) {
    available_ -= tokens;
    return 0;
  }
  return (tokens - available_) / rate_;
}

void TokenBucket::Acquire(double tokens) {
  tokens = std::min(tokens, burst_);  // a message larger than the burst still goes, after a full bucket
  while (true) {
    std::chrono::duration<double> wait{0};
    {
      std::lock_guard<std::mutex> lock(mu_);
      Refill(std::chrono::steady_clock::now());
      if (available_ + 1e-9 >= tokens) {
        available_ -= tokens;
        return;
      }
      wait = std::chrono::duration<double>((tokens - available_) / rate_);
    }
    std::this_thread::sleep_for(wait);
  }
}

}  // namespace sfn::connector
