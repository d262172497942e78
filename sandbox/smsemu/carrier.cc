#include "sandbox/smsemu/carrier.h"

namespace sfn::smsemu {

std::string NormalizeCarrierRule(CarrierRule* rule) {
  if (rule->reject_code != 0) {
    if (rule->reject_code != 21211 && rule->reject_code != 21614 && rule->reject_code != 21635 &&
        rule->reject_code != 21408 && rule->reject_code != 21612) {
      return "reject: must be one of 21211, 21614, 21635, 21408, 21612";
    }
    return "";
  }
  if (rule->outcome == "delivered") {
    rule->error_code = 0;
  } else if (rule->outcome == "undelivered") {
    if (rule->error_code == 0) rule->error_code = 30003;
  } else if (rule->outcome == "failed") {
    if (rule->error_code == 0) rule->error_code = 30005;
  } else {
    return "outcome: must be delivered, undelivered or failed";
  }
  if (rule->error_code != 0 && (rule->error_code < 30000 || rule->error_code > 30999)) {
    return "error_code: must be a 30xxx carrier error";
  }
  return "";
}

std::string TwilioErrorMessage(int code) {
  switch (code) {
    case 20003:
      return "Authenticate";
    case 20404:
      return "The requested resource was not found";
    case 20429:
      return "Too Many Requests";
    case 21211:
      return "Invalid 'To' Phone Number";
    case 21212:
      return "Invalid 'From' Phone Number";
    case 21408:
      return "Permission to send an SMS has not been enabled for the region indicated by the 'To' "
             "number";
    case 21602:
      return "Message body is required.";
    case 21603:
      return "A 'From' phone number is required.";
    case 21604:
      return "A 'To' phone number is required.";
    case 21606:
      return "The 'From' phone number provided is not a valid message-capable Twilio phone number "
             "for this destination.";
    case 21609:
      return "Invalid 'StatusCallback'";
    case 21610:
      return "Attempt to send to unsubscribed recipient";
    case 21611:
      return "This 'From' number has exceeded the maximum number of queued messages";
    case 21612:
      return "The 'To' phone number is not currently reachable via SMS";
    case 21614:
      return "'To' number is not a valid mobile number";
    case 21617:
      return "The concatenated message body exceeds the 1600 character limit.";
    case 21635:
      return "'To' number cannot be a landline";
    case 21705:
      return "The Messaging Service is invalid";
    case 30001:
      return "Queue overflow";
    case 30003:
      return "Unreachable destination handset";
    case 30005:
      return "Unknown destination handset";
    case 30006:
      return "Landline or unreachable carrier";
    case 30007:
      return "Message filtered";
    case 30008:
      return "Unknown error";
    case 30409:
      return "This message cannot be canceled";
    default:
      return "Error " + std::to_string(code);
  }
}

void CarrierRules::Set(const std::string& number, CarrierRule rule) {
  std::lock_guard<std::mutex> lock(mu_);
  rules_[number] = std::move(rule);
}

std::optional<CarrierRule> CarrierRules::Find(const std::string& number) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = rules_.find(number);
  if (it == rules_.end()) return std::nullopt;
  return it->second;
}

std::map<std::string, CarrierRule> CarrierRules::All() const {
  std::lock_guard<std::mutex> lock(mu_);
  return rules_;
}

void CarrierRules::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  rules_.clear();
}

}  // namespace sfn::smsemu
