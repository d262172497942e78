// Segment-aware rate limit, per account: Twilio counts segments, not API
// calls, so a 3-segment message uses three of the account's `segments_per_second`.
// Sliding one-second window. A message longer than the whole budget is still
// accepted when the window is empty, otherwise it could never be sent.
// Thread-safe. Time is passed in so the rule is testable without sleeping.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace sfn::smsemu {

class SegmentRateLimiter {
 public:
  explicit SegmentRateLimiter(int segments_per_second) : limit_(segments_per_second) {}

  // Records `segments` for `account` and returns true, or returns false (and
  // records nothing) when they would exceed the budget of the last second.
  bool TryAcquire(const std::string& account, int segments, int64_t now_ms);
  void Reset();
  int limit() const { return limit_; }

 private:
  const int limit_;
  std::mutex mu_;
  // account -> (time, segments) of the sends inside the current window
  std::map<std::string, std::deque<std::pair<int64_t, int>>> windows_;
};

}  // namespace sfn::smsemu
