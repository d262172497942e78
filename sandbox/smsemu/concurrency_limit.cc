#include "sandbox/smsemu/concurrency_limit.h"

namespace sfn::smsemu {

ConcurrencyLimit::Ticket ConcurrencyLimit::TryEnter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (in_flight_ >= max_) return nullptr;
    ++in_flight_;
  }
  // The ticket owns nothing; its deleter gives the place back.
  return Ticket(static_cast<void*>(this),
                [](void* self) { static_cast<ConcurrencyLimit*>(self)->Leave(); });
}

void ConcurrencyLimit::Leave() {
  std::lock_guard<std::mutex> lock(mu_);
  --in_flight_;
}

int ConcurrencyLimit::in_flight() const {
  std::lock_guard<std::mutex> lock(mu_);
  return in_flight_;
}

}  // namespace sfn::smsemu
