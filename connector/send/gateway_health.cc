#include "connector/send/gateway_health.h"

#include <algorithm>

#include "common/log.h"

namespace sfn::connector {

int64_t GatewayHealth::TryStart(int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  if (backoff_until_ms_ > now_ms) return backoff_until_ms_ - now_ms;
  switch (state_) {
    case State::kClosed:
      return 0;
    case State::kOpen:
      if (open_until_ms_ > now_ms) return open_until_ms_ - now_ms;
      state_ = State::kHalfOpen;
      probe_in_flight_ = true;
      return 0;
    case State::kHalfOpen:
      if (probe_in_flight_) return std::max<int64_t>(1, std::min<int64_t>(pause_ms_, 50));
      probe_in_flight_ = true;
      return 0;
  }
  return 0;
}

void GatewayHealth::Done(Answer answer, int64_t now_ms, int64_t retry_after_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  switch (answer) {
    case Answer::kSuccess:
      if (state_ != State::kClosed) log::Info("sender", "gateway answers again: breaker closed");
      state_ = State::kClosed;
      consecutive_failures_ = 0;
      pause_ms_ = 0;
      probe_in_flight_ = false;
      return;
    case Answer::kThrottled:
      // The gateway is up, only busy: everyone waits for it, nobody counts a failure.
      backoff_until_ms_ =
          std::max(backoff_until_ms_, now_ms + std::max<int64_t>(retry_after_ms, 100));
      if (state_ == State::kHalfOpen) probe_in_flight_ = false;
      return;
    case Answer::kFailure:
      consecutive_failures_++;
      if (state_ == State::kHalfOpen) {
        pause_ms_ = std::min<int64_t>(options_.max_probe_ms,
                                      std::max<int64_t>(pause_ms_ * 2, options_.probe_ms));
        state_ = State::kOpen;
        open_until_ms_ = now_ms + pause_ms_;
        probe_in_flight_ = false;
      } else if (state_ == State::kClosed && consecutive_failures_ >= options_.breaker_failures) {
        pause_ms_ = options_.probe_ms;
        state_ = State::kOpen;
        open_until_ms_ = now_ms + pause_ms_;
        log::Warn("sender", "every gateway call fails (" + std::to_string(consecutive_failures_) +
                                " in a row): breaker open, sending paused, probing");
      }
      return;
  }
}

int64_t GatewayHealth::ResumeAt(int64_t now_ms) const {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t at = std::max(now_ms, backoff_until_ms_);
  if (state_ == State::kOpen) at = std::max(at, open_until_ms_);
  return at;
}

bool GatewayHealth::breaker_open() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_ != State::kClosed;
}

}  // namespace sfn::connector
