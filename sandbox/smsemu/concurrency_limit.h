// Twilio's account concurrency limit: at most `max` REST API requests of the
// account in flight at once; one more is answered 429 / 20429 and never
// processed. A request counts from the moment it is admitted until its
// Ticket is destroyed (after the answer was sent, which for a request held by
// timeout_after_accept is much later than the handler's return).
// Thread-safe.
#pragma once

#include <memory>
#include <mutex>

namespace sfn::smsemu {

class ConcurrencyLimit {
 public:
  using Ticket = std::shared_ptr<void>;

  explicit ConcurrencyLimit(int max) : max_(max) {}

  // A ticket while fewer than `max` are out, else null.
  Ticket TryEnter();
  int in_flight() const;
  int max() const { return max_; }

 private:
  void Leave();

  const int max_;
  mutable std::mutex mu_;
  int in_flight_ = 0;
};

}  // namespace sfn::smsemu
