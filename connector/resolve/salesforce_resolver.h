// The Resolver used in production: Salesforce for who may send and who the
// audience is, the field mapping for what to read and render, and the
// compliance building blocks (phone.h, time_zones.h, quiet_hours.h) for who
// may be sent to now. API calls for N recipients: one User lookup and one
// PermissionSetAssignment query per requesting user (cached; one more for the members of the
// permission set groups the user holds), ceil(N/2000)
// audience queries, plus campaign member pages when a Campaign is named.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "connector/config/config.h"
#include "connector/compliance/phone.h"
#include "connector/compliance/quiet_hours.h"
#include "connector/resolve/resolver.h"
#include "connector/compliance/time_zones.h"
#include "mapping/field_mapping.h"
#include "salesforce/connection.h"

namespace sfn::connector {

struct SalesforceResolverOptions {
  std::vector<ContactPoint> contact_points;
  std::string default_region = "US";
  std::chrono::seconds user_cache_ttl{300};  // requesting users' names and permission sets
  size_t ids_per_query = 2000;               // one page of records per query
};

class SalesforceResolver final : public Resolver {
 public:
  // Fails when a contact point's quiet-hours policy does not parse.
  static Result<std::unique_ptr<SalesforceResolver>> Create(SalesforceResolverOptions options,
                                                            salesforce::Connection& connection,
                                                            const mapping::FieldMapping& mapping, Store& store);
  Result<Resolution> Resolve(const NotificationRequest& request, int64_t now_ms) override;

  // A user as the permission check reads them (the same cached lookup), for
  // the history web page's sign-in.
  struct UserSummary {
    bool found = false;
    bool active = false;
    std::string name;
    std::vector<std::string> permission_sets;
  };
  Result<UserSummary> DescribeUser(const std::string& user_id);

 private:
  struct UserInfo {
    bool found = false;
    bool active = false;
    std::map<std::string, std::string> fields;  // Name, FirstName, LastName, Email
    std::vector<std::string> permission_sets;
    std::chrono::steady_clock::time_point fetched;
  };
  SalesforceResolver(SalesforceResolverOptions options, salesforce::Connection& connection,
                     const mapping::FieldMapping& mapping, Store& store);
  Result<UserInfo> LookupUser(const std::string& user_id);
  Status LoadCampaignMembers(const std::string& campaign_id, std::vector<std::string>* ids);
  // Everything decided from one record alone (duplicates are decided across records by Resolve).
  RecipientPlan PlanRecord(const NotificationRequest& request, const ContactPoint& cp, const mapping::ObjectMapping& om,
                           const std::string& object, const mapping::Template& body,
                           const std::vector<std::string>& fields, const UserInfo& user,
                           const QuietHoursPolicy& policy, std::chrono::system_clock::time_point now,
                           const rapidjson::Value& record) const;

  SalesforceResolverOptions options_;
  salesforce::Connection& connection_;
  const mapping::FieldMapping& mapping_;
  Store& store_;
  PhoneNormalizer phones_;
  TimeZoneResolver zones_;
  std::map<std::string, QuietHoursPolicy> quiet_hours_;  // by contact point
  std::mutex users_mu_;
  std::map<std::string, UserInfo> users_;
};

}  // namespace sfn::connector
