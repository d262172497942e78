// Quiet hours checked immediately before each gateway call (the planning-time
// check alone lets a backlog or a backoff send at 21:30 local time).
//
// The recipient's zone is the one stored with its plan; when that is empty or
// not a zone of the tz database, the contact point's default_time_zone. A zone
// belonging to the number's US state / Canadian province widens to all of that
// state's zones (a split state allows only instants inside the window in every
// zone, as at planning). Never fails open: a decision that cannot be made
// defers the recipient (by an hour) instead of sending. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "connector/compliance/phone.h"
#include "connector/compliance/quiet_hours.h"
#include "connector/compliance/time_zones.h"

namespace sfn::connector {

struct SendTimeRule {
  std::string contact_point;
  std::string quiet_hours = "federal";  // as in the config: federal | none | HH-HH
  std::string default_time_zone;        // required unless quiet_hours is none
};

struct SendTimeDecision {
  bool allowed = true;
  int64_t defer_until_ms = 0;  // when not allowed: the window's next opening
  std::string detail;          // why (zone, or the error that made it defer)
};

class SendTimeGate {
 public:
  // Fails (InvalidArgument naming the contact point) on a bad policy, or a missing or unknown
  // default zone where quiet hours apply: the daemon refuses such a configuration at start.
  static Result<std::unique_ptr<SendTimeGate>> Create(const std::vector<SendTimeRule>& rules,
                                                      const std::string& default_region);

  // May the message to `phone_e164` with the stored `time_zone` go out at `now_ms`? A contact
  // point without a rule is refused (deferred): nothing is sent on an unknown policy.
  SendTimeDecision Check(const std::string& contact_point, const std::string& phone_e164,
                         const std::string& time_zone, int64_t now_ms) const;

 private:
  struct Rule {
    QuietHoursPolicy policy;
    std::string default_zone;
  };
  explicit SendTimeGate(const std::string& default_region)
      : phones_(PhoneOptions{default_region}) {}
  std::map<std::string, Rule> rules_;
  PhoneNormalizer phones_;
  TimeZoneResolver zones_;
};

}  // namespace sfn::connector
