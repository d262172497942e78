#include "sandbox/smsemu/sender_queue.h"

#include <algorithm>

namespace sfn::smsemu {

int64_t SenderQueues::Backlog(const std::string& sender, int64_t now_ms) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = next_free_us_.find(sender);
  if (it == next_free_us_.end()) return 0;
  // Round up: a message due 0.4 ms from now still waits.
  return std::max<int64_t>(0, (it->second - now_ms * 1000 + 999) / 1000);
}

QueueSlot SenderQueues::Enqueue(const std::string& sender, int segments, int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t now_us = now_ms * 1000;
  int64_t& next_free = next_free_us_[sender];
  int64_t departure = std::max(next_free, now_us);
  QueueSlot slot;
  slot.wait_ms = (departure - now_us + 999) / 1000;
  if (slot.wait_ms > options_.limit_ms) {
    slot.expires = true;
    return slot;
  }
  // Microseconds keep the rate exact for budgets that do not divide a second (3 per second).
  next_free = departure + int64_t{segments} * 1000000 / options_.segments_per_second;
  return slot;
}

void SenderQueues::Reset() {
  std::lock_guard<std::mutex> lock(mu_);
  next_free_us_.clear();
}

}  // namespace sfn::smsemu
