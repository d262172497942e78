#include "connector/intake/event_intake.h"

#include "common/json.h"
#include "salesforce/record_id.h"

namespace sfn::connector {

namespace {
std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}
}  // namespace

Result<NotificationRequest> ParseEventPayload(const std::string& payload_json, int64_t replay_id,
                                              const std::string& event_uuid) {
  auto doc = json::Parse(payload_json);
  if (!doc.ok()) return Status::InvalidArgument("payload: " + doc.status().message());
  if (!doc->IsObject()) return Status::InvalidArgument("payload: must be a JSON object");
  const auto& p = doc.value();
  Status type_error;
  auto text = [&](const char* field) {
    auto v = json::GetString(p, field, &type_error);
    return v ? Trim(*v) : std::string();
  };
  NotificationRequest r;
  r.source = "event";
  r.replay_id = replay_id;
  r.request_id = text("Request_Id__c");
  r.contact_point = text("Contact_Point__c");
  r.message = json::GetString(p, "Message__c", &type_error).value_or("");
  r.template_name = text("Template__c");
  std::string campaign = text("Campaign_Id__c");
  std::string creator = text("CreatedById");
  std::string ids = text("Record_Ids__c");
  if (!type_error.ok()) return type_error;
  if (r.request_id.empty()) {
    // Without a request id the event's own UUID is the only stable key.
    if (event_uuid.empty()) return Status::InvalidArgument("Request_Id__c: required");
    r.request_id = "event-" + event_uuid;
  }
  if (r.contact_point.empty()) return Status::InvalidArgument("Contact_Point__c: required");
  if (r.message.empty() && r.template_name.empty()) {
    return Status::InvalidArgument("Message__c: either Message__c or Template__c is required");
  }
  auto user = salesforce::NormalizeId(creator);
  if (!user.ok() || salesforce::KeyPrefix(*user) != "005") {
    return Status::InvalidArgument("CreatedById: '" + creator + "' is not a User Id");
  }
  r.requested_by = *user;
  if (!campaign.empty()) {
    auto id = salesforce::NormalizeId(campaign);
    if (!id.ok() || salesforce::KeyPrefix(*id) != "701") {
      return Status::InvalidArgument("Campaign_Id__c: '" + campaign + "' is not a Campaign Id");
    }
    r.campaign_id = *id;
  }
  size_t pos = 0, index = 0;
  while (pos <= ids.size() && !ids.empty()) {
    size_t comma = ids.find(',', pos);
    if (comma == std::string::npos) comma = ids.size();
    std::string one = Trim(ids.substr(pos, comma - pos));
    if (!one.empty()) {
      auto id = salesforce::NormalizeId(one);
      if (!id.ok() || (salesforce::KeyPrefix(*id) != "00Q" && salesforce::KeyPrefix(*id) != "003")) {
        return Status::InvalidArgument("Record_Ids__c[" + std::to_string(index) + "]: '" + one +
                                       "' is not a Lead or Contact Id");
      }
      r.record_ids.push_back(*id);
      ++index;
    }
    pos = comma + 1;
  }
  if (r.record_ids.empty() && r.campaign_id.empty()) {
    return Status::InvalidArgument("Record_Ids__c: either Record_Ids__c or Campaign_Id__c is required");
  }
  return r;
}

}  // namespace sfn::connector
