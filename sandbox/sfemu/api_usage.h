// The org's DailyApiRequests counter: every counted REST call uses one;
// when none remain, REST answers 403 REQUEST_LIMIT_EXCEEDED. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

namespace sfemu {

class ApiUsage {
 public:
  explicit ApiUsage(int64_t max = 15000) : max_(max) {}

  // Counts one call; false (and nothing counted) when the limit is reached.
  bool TryConsume() {
    std::lock_guard<std::mutex> lock(mu_);
    if (used_ >= max_) return false;
    ++used_;
    return true;
  }
  // The Sforce-Limit-Info header value, "api-usage=N/M".
  std::string HeaderValue() const {
    std::lock_guard<std::mutex> lock(mu_);
    return "api-usage=" + std::to_string(used_) + "/" + std::to_string(max_);
  }
  void Set(int64_t max, int64_t remaining) {
    std::lock_guard<std::mutex> lock(mu_);
    max_ = max < 0 ? 0 : max;
    used_ = max_ - (remaining < 0 ? 0 : remaining > max_ ? max_ : remaining);
  }
  int64_t max() const {
    std::lock_guard<std::mutex> lock(mu_);
    return max_;
  }
  int64_t remaining() const {
    std::lock_guard<std::mutex> lock(mu_);
    return max_ - used_;
  }

 private:
  mutable std::mutex mu_;
  int64_t max_;
  int64_t used_ = 0;
};

}  // namespace sfemu
