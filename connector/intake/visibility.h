// Who sees which notifications in the view history (web page, /v1/history,
// /v1/usage, /v1/conversations). One rule for every person, however they
// arrive (a Salesforce sign-in now; a sender API key bound to a Salesforce
// user once keys carry one):
//   - holders of the admin permission set see every notification and whole
//     phone numbers;
//   - anyone else sees the notifications of the contact points whose roles
//     they hold (the same match the resolver uses before sending: a
//     permission set API name, case-insensitive, or "Everyone"), with masked
//     numbers;
//   - a user holding none of them sees nothing.
// Unbound API keys are machines: their role decides (see api_server.h).
#pragma once

#include <string>
#include <vector>

#include "connector/config/config.h"

namespace sfn::connector {

struct VisibilityOptions {
  std::vector<ContactPoint> contact_points;
  std::string admin_permission_set = "SMS_Notification_Admin";  // apex/…/permissionsets
};

// What one viewer may see.
struct ViewerRights {
  bool sees_all = false;                    // every contact point, also ones no longer configured
  bool full_numbers = false;                // phone numbers unmasked
  std::vector<std::string> contact_points;  // when !sees_all: the only ones visible (may be empty)
};

// The rule above for Salesforce user `user_id` holding `permission_sets`
// (API names). `user_id` is not consulted by the rule today; it is part of
// the signature so per-user exceptions would not change the callers.
ViewerRights RightsFor(const VisibilityOptions& options, const std::string& user_id,
                       const std::vector<std::string>& permission_sets);

// True when `rights` include contact point `name`.
bool CanSee(const ViewerRights& rights, const std::string& name);

}  // namespace sfn::connector
