#include "salesforce/retry_policy.h"

#include <algorithm>
#include <cmath>

namespace sfn::salesforce {

Backoff::Backoff(RetryOptions options, uint64_t seed) : options_(options), rng_(seed) {}

std::chrono::milliseconds Backoff::Window(int retry) const {
  double base = static_cast<double>(options_.initial_backoff.count());
  double cap = static_cast<double>(options_.max_backoff.count());
  // Clamp the exponent so the power never overflows to infinity.
  double window = base * std::pow(options_.multiplier, std::min(std::max(retry, 0), 60));
  return std::chrono::milliseconds(static_cast<int64_t>(std::min(window, cap)));
}

std::chrono::milliseconds Backoff::Delay(int retry) {
  int64_t window = Window(retry).count();
  if (window <= 0) return std::chrono::milliseconds(0);
  std::lock_guard<std::mutex> lock(mu_);
  std::uniform_int_distribution<int64_t> dist(0, window);
  return std::chrono::milliseconds(dist(rng_));
}

}  // namespace sfn::salesforce
