// Twilio's per-sender message queue, as a schedule: a sender (a From number,
// or a Messaging Service) sends `segments_per_second` segments per second;
// messages created faster wait in its queue, first in first out, and leave
// it at exactly that rate. A message may wait at most `limit_ms` (Twilio: 10
// hours, the default and maximum ValidityPeriod); one that would wait longer
// never leaves the queue (it fails with 30001 when its time is up) and so
// takes no sending capacity. Twilio answers a create with 21611 instead when a
// From number's queue is already longer than the limit (see docs/smsemu.md).
//
// The queue is kept as each sender's next free departure time, so enqueueing
// is O(1) and the drain is exact; the caller schedules the departures.
// Thread-safe. Time is passed in so the rule is testable without sleeping.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace sfn::smsemu {

struct SenderQueueOptions {
  int segments_per_second = 100;  // per sender (--mps)
  int64_t limit_ms = 36000000;    // longest wait in the queue (--queue-limit-seconds)
};

struct QueueSlot {
  int64_t wait_ms = 0;   // from now until the message leaves the queue
  bool expires = false;  // wait_ms > limit: it will fail with 30001 after limit_ms
};

class SenderQueues {
 public:
  explicit SenderQueues(SenderQueueOptions options) : options_(options) {}

  // How long a message created now would wait for `sender`.
  int64_t Backlog(const std::string& sender, int64_t now_ms) const;
  // Queues `segments` for `sender`: its departure is reserved unless it
  // expires, in which case nothing is reserved.
  QueueSlot Enqueue(const std::string& sender, int segments, int64_t now_ms);
  void Reset();
  const SenderQueueOptions& options() const { return options_; }

 private:
  const SenderQueueOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, int64_t> next_free_us_;  // sender -> first free departure (µs)
};

}  // namespace sfn::smsemu
