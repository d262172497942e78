// Per-number carrier behaviour set by tests or the seed file. A number with
// no rule is delivered. A rule either rejects the create request outright
// (`reject_code` 21211 / 21614 / 21635, answered 400) or lets the message be
// accepted and ends its lifecycle as undelivered / failed with an error code.
// Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace sfn::smsemu {

struct CarrierRule {
  std::string outcome = "delivered";  // delivered | undelivered | failed
  int error_code = 0;                 // 30003/30005/30006/30007...; defaulted per outcome
  int reject_code = 0;                // non-zero: reject the create request with this code
};

// Validates a rule; on success fills a default error code (undelivered →
// 30003, failed → 30005) and returns "", otherwise a message naming the field.
std::string NormalizeCarrierRule(CarrierRule* rule);
// Twilio's wording for the error codes the emulator produces.
std::string TwilioErrorMessage(int code);

class CarrierRules {
 public:
  void Set(const std::string& number, CarrierRule rule);
  std::optional<CarrierRule> Find(const std::string& number) const;
  std::map<std::string, CarrierRule> All() const;
  void Clear();

 private:
  mutable std::mutex mu_;
  std::map<std::string, CarrierRule> rules_;
};

}  // namespace sfn::smsemu
