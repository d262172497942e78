#include "connector/compliance/send_time.h"

#include <algorithm>
#include <chrono>

namespace sfn::connector {

Result<std::unique_ptr<SendTimeGate>> SendTimeGate::Create(const std::vector<SendTimeRule>& rules,
                                                           const std::string& default_region) {
  std::unique_ptr<SendTimeGate> gate(new SendTimeGate(default_region));
  for (const auto& r : rules) {
    auto policy = QuietHoursPolicy::Parse(r.quiet_hours);
    if (!policy.ok()) {
      return Status::InvalidArgument("contact point '" + r.contact_point +
                                     "': quiet_hours: " + policy.status().message());
    }
    if (policy->enabled()) {
      if (r.default_time_zone.empty()) {
        return Status::InvalidArgument("contact point '" + r.contact_point +
                                       "': default_time_zone is required when quiet hours apply");
      }
      if (!TimeZoneResolver::IsValidZone(r.default_time_zone)) {
        return Status::InvalidArgument("contact point '" + r.contact_point +
                                       "': default_time_zone '" + r.default_time_zone +
                                       "' is not a zone of the tz database");
      }
    }
    gate->rules_[r.contact_point] = Rule{policy.value(), r.default_time_zone};
  }
  return gate;
}

SendTimeDecision SendTimeGate::Check(const std::string& contact_point,
                                     const std::string& phone_e164, const std::string& time_zone,
                                     int64_t now_ms) const {
  SendTimeDecision out;
  constexpr int64_t kRetryMs = 3600 * 1000;
  auto rule = rules_.find(contact_point);
  if (rule == rules_.end()) {
    out.allowed = false;
    out.defer_until_ms = now_ms + kRetryMs;
    out.detail = "no quiet-hours rule for contact point '" + contact_point + "'";
    return out;
  }
  if (!rule->second.policy.enabled()) return out;
  std::string zone = !time_zone.empty() && TimeZoneResolver::IsValidZone(time_zone)
                         ? time_zone
                         : rule->second.default_zone;
  std::vector<std::string> zones = {zone};
  std::string state;
  auto number = phones_.Normalize(phone_e164);
  if (number.ok()) {
    state = zones_.StateOf(*number);
    auto of_state = TimeZoneResolver::ZonesOfState(state);
    if (std::find(of_state.begin(), of_state.end(), zone) != of_state.end()) zones = of_state;
  }
  std::chrono::system_clock::time_point at{std::chrono::milliseconds(now_ms)};
  auto decision = CheckQuietHours(rule->second.policy, at, zones, state);
  if (!decision.ok()) {
    out.allowed = false;
    out.defer_until_ms = now_ms + kRetryMs;
    out.detail = "quiet hours undecidable (" + decision.status().message() + ")";
    return out;
  }
  if (decision->allowed) return out;
  out.allowed = false;
  out.defer_until_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           decision->next_allowed.time_since_epoch())
                           .count();
  out.detail = "quiet hours in " + decision->blocking_zone;
  return out;
}

}  // namespace sfn::connector
