#include "common/clock.h"

#include <chrono>
#include <cstdlib>
#include <fstream>

namespace sfn {

namespace {
int64_t WallMillis() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}
}  // namespace

int64_t SystemClock::NowMillis() const {
  return WallMillis();
}

int64_t OffsetFileClock::NowMillis() const {
  int64_t now = WallMillis();
  if (now - checked_at_ms_.load(std::memory_order_relaxed) >= 50) {
    checked_at_ms_.store(now, std::memory_order_relaxed);
    std::ifstream in(path_);
    long long offset = 0;
    if (in >> offset)
      offset_ms_.store(offset, std::memory_order_relaxed);
    else
      offset_ms_.store(0, std::memory_order_relaxed);
  }
  return now + offset_ms_.load(std::memory_order_relaxed);
}

std::shared_ptr<const Clock> ClockFromEnvironment() {
  const char* file = std::getenv("SFNOTIFY_CLOCK_OFFSET_FILE");
  if (file && *file) return std::make_shared<OffsetFileClock>(file);
  return std::make_shared<SystemClock>();
}

const Clock& DefaultClock() {
  static const SystemClock clock;
  return clock;
}

}  // namespace sfn
