#include "connector/intake/visibility.h"

#include "common/http_types.h"

namespace sfn::connector {

ViewerRights RightsFor(const VisibilityOptions& options, const std::string& /*user_id*/,
                       const std::vector<std::string>& permission_sets) {
  ViewerRights rights;
  for (const auto& ps : permission_sets) {
    if (!options.admin_permission_set.empty() &&
        http::EqualsIgnoreCase(ps, options.admin_permission_set)) {
      rights.sees_all = true;
      rights.full_numbers = true;
      return rights;
    }
  }
  for (const auto& cp : options.contact_points) {
    bool holds = false;
    for (const auto& role : cp.roles) {
      if (http::EqualsIgnoreCase(role, "Everyone")) holds = true;
      for (const auto& ps : permission_sets) holds = holds || http::EqualsIgnoreCase(role, ps);
    }
    if (holds) rights.contact_points.push_back(cp.name);
  }
  return rights;
}

bool CanSee(const ViewerRights& rights, const std::string& name) {
  if (rights.sees_all) return true;
  for (const auto& cp : rights.contact_points) {
    if (cp == name) return true;
  }
  return false;
}

}  // namespace sfn::connector
