// The one Clock seam: every "what time is it" the engine, the sender and quiet
// hours ask goes through a Clock, so process tests can move a connector's time
// (a recipient reaching the queue head inside its quiet window) without
// waiting for the night.
//
// SystemClock is the wall clock. OffsetFileClock is the wall clock plus an
// offset in milliseconds read from a file (re-read when it changes, checked at
// most every 50 ms); a missing or unreadable file means offset 0. The daemon
// uses it when SFNOTIFY_CLOCK_OFFSET_FILE names a file (tests only). Both are
// thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

namespace sfn {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMillis() const = 0;  // Unix epoch milliseconds
};

class SystemClock final : public Clock {
 public:
  int64_t NowMillis() const override;
};

class OffsetFileClock final : public Clock {
 public:
  explicit OffsetFileClock(std::string path) : path_(std::move(path)) {}
  int64_t NowMillis() const override;

 private:
  std::string path_;
  mutable std::atomic<int64_t> offset_ms_{0};
  mutable std::atomic<int64_t> checked_at_ms_{0};
};

// The process's clock: OffsetFileClock when SFNOTIFY_CLOCK_OFFSET_FILE is set, else a SystemClock.
std::shared_ptr<const Clock> ClockFromEnvironment();
// A shared SystemClock (the default wherever no clock is given).
const Clock& DefaultClock();

}  // namespace sfn
