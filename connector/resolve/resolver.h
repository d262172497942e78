// Turns a notification request into one plan per recipient: checks that the
// requesting user may use the contact point, loads the audience from
// Salesforce with bulk SOQL (IN lists, paged; never one query per record),
// normalises phone numbers, and applies consent, the suppression list, the
// one-send-per-number rule, quiet hours and the segment budget.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "connector/outbox/store.h"

namespace sfn::connector {

struct Resolution {
  bool refused = false;        // the whole request is refused (nothing is sent)
  std::string refusal_reason;  // e.g. "not_authorized", "unknown_contact_point", "over_segment_budget"
  std::string refusal_detail;  // human-readable
  std::vector<RecipientPlan> plans;
  std::string requester_name;  // the requesting User's Name when the user was found
};

class Resolver {
 public:
  virtual ~Resolver() = default;
  // Errors are transient (Salesforce unreachable, over its limit): the caller
  // keeps the request and tries again later.
  virtual Result<Resolution> Resolve(const NotificationRequest& request, int64_t now_ms) = 0;
};

}  // namespace sfn::connector
