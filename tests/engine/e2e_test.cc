// End-to-end: sfemu + smsemu + sfnotify as processes. Every assertion reads
// what the org and the gateway actually received.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "stack.h"

using namespace e2e;

namespace {

bool Flag(const rapidjson::Value& r, const char* field) {
  return r.HasMember(field) && r[field].IsBool() && r[field].GetBool();
}

std::string Text(const rapidjson::Value& r, const char* field) {
  return r.HasMember(field) && r[field].IsString() ? r[field].GetString() : "";
}

struct Observed {
  std::map<std::string, int> sms_per_phone;
  std::set<std::string> sids;
  std::map<std::string, int> tasks_per_sid;
  std::map<std::string, std::string> who_per_sid;
};

Observed Observe(Stack& stack) {
  Observed o;
  auto messages = stack.Messages();
  for (const auto& m : messages["messages"].GetArray()) {
    o.sms_per_phone[Text(m, "to")]++;
    o.sids.insert(Text(m, "sid"));
  }
  auto tasks = stack.Records("Task");
  for (const auto& t : tasks["records"].GetArray()) {
    std::string sid = Text(t, "SMS_Message_Sid__c");
    if (sid.empty()) continue;
    o.tasks_per_sid[sid]++;
    o.who_per_sid[sid] = Text(t, "WhoId");
  }
  return o;
}

}  // namespace

TEST_CASE("a platform event for 300 records sends exactly the eligible ones, with a Task and history each",
          "[e2e]") {
  Stack stack;
  // 300 records: Leads and Contacts of the demo org, as a list view selection would give.
  auto leads = stack.RecordIds("Lead");
  auto contacts = stack.RecordIds("Contact");
  std::vector<std::string> audience(leads.begin(), leads.begin() + 150);
  audience.insert(audience.end(), contacts.begin(), contacts.begin() + 150);
  stack.Publish("sender@sfnotify.demo", R"({"Request_Id__c":"e2e-300","Contact_Point__c":"Main",
      "Template__c":"Reminder","Record_Ids__c":")" + Join(audience) + R"("})");
  auto id = stack.WaitForNotification("e2e-300");
  REQUIRE(!id.empty());
  auto doc = stack.WaitSettled(id, std::chrono::seconds(90));

  // Records as the org holds them, to check every decision independently.
  std::map<std::string, const rapidjson::Value*> by_id;
  auto lead_docs = stack.Records("Lead");
  auto contact_docs = stack.Records("Contact");
  for (auto* d : {&lead_docs, &contact_docs}) {
    for (const auto& r : (*d)["records"].GetArray()) by_id[r["Id"].GetString()] = &r;
  }

  Observed seen = Observe(stack);
  std::map<std::string, int> reasons;
  int sent = 0;
  std::set<std::string> sent_phones;
  REQUIRE(doc["recipients"].Size() == 300);
  for (const auto& rec : doc["recipients"].GetArray()) {
    std::string state = rec["state"].GetString();
    const auto& record = *by_id.at(rec["record_id"].GetString());
    if (state == "suppressed") {
      std::string reason = rec["reason"].GetString();
      CHECK(!reason.empty());
      reasons[reason]++;
      if (reason == "opted_out") CHECK(Flag(record, "SMS_Opt_Out__c"));
      if (reason == "no_consent") CHECK_FALSE(Flag(record, "SMS_Opt_In__c"));
      continue;
    }
    // Sent: consent and no opt-out in the org, one SMS to its number, one Task for its SID on this record.
    CHECK(Flag(record, "SMS_Opt_In__c"));
    CHECK_FALSE(Flag(record, "SMS_Opt_Out__c"));
    std::string phone = rec["phone"].GetString();
    std::string sid = rec["gateway_sid"].GetString();
    CHECK(sent_phones.insert(phone).second);
    CHECK(seen.sms_per_phone[phone] == 1);
    CHECK(seen.sids.count(sid) == 1);
    CHECK(seen.tasks_per_sid[sid] == 1);
    CHECK(seen.who_per_sid[sid] == rec["record_id"].GetString());
    CHECK(!std::string(rec["task_id"].GetString()).empty());
    ++sent;
  }
  INFO("sent " << sent);
  CHECK(sent > 100);
  CHECK(reasons["opted_out"] > 0);
  CHECK(reasons["no_consent"] > 0);
  CHECK(reasons["invalid_phone"] + reasons["no_phone"] > 0);
  CHECK(reasons["duplicate_phone"] > 0);
  // Nothing else reached the gateway.
  int total_sms = 0;
  for (const auto& [phone, n] : seen.sms_per_phone) total_sms += n;
  CHECK(total_sms == sent);

  SECTION("the same event redelivered sends nothing more") {
    stack.Publish("sender@sfnotify.demo", R"({"Request_Id__c":"e2e-300","Contact_Point__c":"Main",
        "Template__c":"Reminder","Record_Ids__c":")" + Join(audience) + R"("})");
    // A later event proves the connector has consumed the redelivered one.
    stack.Publish("sender@sfnotify.demo", R"({"Request_Id__c":"e2e-marker","Contact_Point__c":"Alerts",
        "Message__c":"marker","Record_Ids__c":")" + audience.front() + R"("})");
    auto marker = stack.WaitForNotification("e2e-marker");
    REQUIRE(!marker.empty());
    stack.WaitSettled(marker, std::chrono::seconds(60));  // the marker's SMS and Task are written
    Observed after = Observe(stack);
    int total_after = 0;
    for (const auto& [phone, n] : after.sms_per_phone) total_after += n;
    CHECK(total_after <= total_sms + 1);  // at most the marker
    CHECK(after.tasks_per_sid.size() == seen.tasks_per_sid.size() + (total_after - total_sms));
  }
}

TEST_CASE("a user without the contact point's role sends nothing and the refusal is recorded", "[e2e]") {
  Stack stack;
  auto leads = stack.RecordIds("Lead");
  stack.Publish("viewer@sfnotify.demo", R"({"Request_Id__c":"e2e-unauthorised","Contact_Point__c":"Main",
      "Message__c":"Hello","Record_Ids__c":")" + leads[0] + "," + leads[1] + R"("})");
  auto id = stack.WaitForNotification("e2e-unauthorised");
  REQUIRE(!id.empty());
  REQUIRE(Stack::WaitUntil([&] {
    auto doc = Json(stack.Api("GET", "/v1/notifications/" + id).body);
    return std::string(doc["status"].GetString()) == "refused";
  }));
  auto doc = Json(stack.Api("GET", "/v1/notifications/" + id).body);
  CHECK(std::string(doc["refusal_reason"].GetString()).rfind("not_authorized", 0) == 0);
  CHECK(doc["recipients"].Size() == 0);
  CHECK(stack.Messages()["messages"].Size() == 0);
}

TEST_CASE("a role held through a permission set group lets the user send", "[e2e]") {
  Stack stack;
  auto text_is = [](const char* field, const std::string& value) {
    return [=](const rapidjson::Value& r) {
      return r.HasMember(field) && r[field].IsString() && r[field].GetString() == value;
    };
  };
  auto viewer = stack.RecordIds("User", text_is("Username", "viewer@sfnotify.demo"));
  auto sender_set = stack.RecordIds("PermissionSet", text_is("Name", "SMS_Notification_Sender"));
  REQUIRE(viewer.size() == 1);
  REQUIRE(sender_set.size() == 1);
  // As an org records it: the group and its member set; assigning the group is one assignment
  // naming the group, whose PermissionSetId the org fills in with the group's own aggregate set.
  auto group = stack.CreateRecords(
      "PermissionSetGroup", {R"({"DeveloperName":"SMS_Senders","MasterLabel":"SMS Senders"})"});
  stack.CreateRecords("PermissionSetGroupComponent",
                      {R"({"PermissionSetGroupId":")" + group[0] + R"(","PermissionSetId":")" +
                       sender_set[0] + R"("})"});
  stack.CreateRecords("PermissionSetAssignment",
                      {R"({"AssigneeId":")" + viewer[0] + R"(","PermissionSetGroupId":")" + group[0] +
                       R"("})"});

  auto leads = stack.RecordIds("Lead");
  stack.Publish("viewer@sfnotify.demo", R"({"Request_Id__c":"e2e-group","Contact_Point__c":"Main",
      "Message__c":"Hello","Record_Ids__c":")" +
                                            leads[0] + "," + leads[1] + R"("})");
  auto id = stack.WaitForNotification("e2e-group");
  REQUIRE(!id.empty());
  auto doc = stack.WaitSettled(id, std::chrono::seconds(60));
  CHECK(std::string(doc["status"].GetString()) != "refused");
  CHECK(doc["recipients"].Size() == 2);
  // The connector asked for the group's members (the SOQL is in the URL-encoded query string).
  bool asked = false;
  auto requests = stack.OrgRequests();  // keep the document alive while iterating
  for (const auto& r : requests["requests"].GetArray()) {
    if (r["query"].IsString() &&
        std::string(r["query"].GetString()).find("PermissionSetGroupComponent") !=
            std::string::npos) {
      asked = true;
    }
  }
  CHECK(asked);
}

TEST_CASE("Salesforce API calls stay within ceil(N/2000)+ceil(N/200)+a small constant", "[e2e]") {
  Stack stack;
  auto leads = stack.RecordIds("Lead");
  auto contacts = stack.RecordIds("Contact");
  std::vector<std::string> audience = leads;
  audience.insert(audience.end(), contacts.begin(), contacts.end());
  size_t n = audience.size();
  // The send path's budget: delivery callbacks off, so no later delivery-field updates are counted
  // (those add at most ceil(N/200) calls per wave of final states, see docs/operations.md).
  stack.DropGatewayCallbacks();
  auto before = stack.OrgRequests()["last_seq"].GetInt64();
  stack.Publish("sender@sfnotify.demo", R"({"Request_Id__c":"e2e-budget","Contact_Point__c":"Alerts",
      "Message__c":"Budget check","Record_Ids__c":")" + Join(audience) + R"("})");
  auto id = stack.WaitForNotification("e2e-budget");
  REQUIRE(!id.empty());
  stack.WaitSettled(id, std::chrono::seconds(120));
  int api_calls = 0;
  std::map<std::string, int> calls_by_path;
  auto requests = stack.OrgRequests();  // keep the document alive while iterating
  for (const auto& r : requests["requests"].GetArray()) {
    if (r["seq"].GetInt64() > before && r["api_call"].GetBool()) {
      ++api_calls;
      calls_by_path[std::string(r["method"].GetString()) + " " + r["path"].GetString()]++;
    }
  }
  for (const auto& [path, count] : calls_by_path) UNSCOPED_INFO(path << ": " << count);
  // Two objects (Lead, Contact), so up to two audience queries per 2000; the constant covers
  // the user and permission lookups and the final partial Task batch per object.
  size_t bound = (n + 1999) / 2000 * 2 + (n + 199) / 200 + 6;
  INFO("recipients " << n << ", API calls " << api_calls << ", bound " << bound);
  CHECK(static_cast<size_t>(api_calls) <= bound);
}
