#include "sandbox/smsemu/faults.h"

namespace sfn::smsemu {

bool ParseFaultKind(std::string_view name, FaultKind* out) {
  if (name == "http_500")
    *out = FaultKind::kHttp500;
  else if (name == "http_503")
    *out = FaultKind::kHttp503;
  else if (name == "http_429")
    *out = FaultKind::kHttp429;
  else if (name == "timeout_after_accept")
    *out = FaultKind::kTimeoutAfterAccept;
  else
    return false;
  return true;
}

const char* FaultKindName(FaultKind kind) {
  switch (kind) {
    case FaultKind::kHttp500:
      return "http_500";
    case FaultKind::kHttp503:
      return "http_503";
    case FaultKind::kHttp429:
      return "http_429";
    case FaultKind::kTimeoutAfterAccept:
      return "timeout_after_accept";
  }
  return "";
}

void FaultInjector::Arm(Fault fault, int count) {
  std::lock_guard<std::mutex> lock(mu_);
  for (int i = 0; i < count; ++i) queue_.push_back(fault);
}

std::optional<Fault> FaultInjector::Take() {
  std::lock_guard<std::mutex> lock(mu_);
  if (queue_.empty()) return std::nullopt;
  Fault f = queue_.front();
  queue_.pop_front();
  return f;
}

std::vector<Fault> FaultInjector::Pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {queue_.begin(), queue_.end()};
}

void FaultInjector::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  queue_.clear();
}

}  // namespace sfn::smsemu
