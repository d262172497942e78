// Faults injected into the next create requests (POST .../Messages.json), in
// the order they were armed. Only creates are affected, so a test can make a
// send ambiguous and still reconcile it through the list endpoint.
//   http_500 / http_503: answer 500 / 503 and do not store the message.
//   http_429: answer 429 with code 20429 and Retry-After (never processed).
//   timeout_after_accept: store and deliver the message as normal, then hold
//     the request without an answer for `hold_ms` (longer than a client's
//     timeout), finally answering 504 — the ambiguous case.
// Thread-safe.
#pragma once

#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sfn::smsemu {

enum class FaultKind { kHttp500, kHttp503, kHttp429, kTimeoutAfterAccept };

bool ParseFaultKind(std::string_view name, FaultKind* out);
const char* FaultKindName(FaultKind kind);

struct Fault {
  FaultKind kind;
  int hold_ms = 60000;  // timeout_after_accept only
};

class FaultInjector {
 public:
  void Arm(Fault fault, int count);
  // The fault for the next create request, consumed; nullopt when none.
  std::optional<Fault> Take();
  std::vector<Fault> Pending() const;
  void Clear();

 private:
  mutable std::mutex mu_;
  std::deque<Fault> queue_;
};

}  // namespace sfn::smsemu
