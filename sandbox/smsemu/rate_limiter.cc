#include "sandbox/smsemu/rate_limiter.h"

namespace sfn::smsemu {

bool SegmentRateLimiter::TryAcquire(const std::string& account, int segments, int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& window = windows_[account];
  while (!window.empty() && window.front().first <= now_ms - 1000) window.pop_front();
  int used = 0;
  for (const auto& [at, n] : window) used += n;
  if (!window.empty() && used + segments > limit_) return false;
  window.emplace_back(now_ms, segments);
  return true;
}

void SegmentRateLimiter::Reset() {
  std::lock_guard<std::mutex> lock(mu_);
  windows_.clear();
}

}  // namespace sfn::smsemu
