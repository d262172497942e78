// Injected Salesforce and gateway faults delay a notification but never lose
// or duplicate a send or a Task. Faults come from the emulators' own hooks;
// the final check reads what the gateway and the org recorded.
#include <catch2/catch.hpp>

#include <map>

#include "stack.h"

using namespace e2e;

namespace {
void Fault(Http& target, const std::string& json) {
  auto r = target.Send("POST", "/__emulator/faults", json);
  INFO(json << " → " << r.body);
  REQUIRE((r.status == 200 || r.status == 201));  // sfemu answers 201, smsemu 200
}
}  // namespace

TEST_CASE("Salesforce and gateway faults delay but never lose or duplicate", "[e2e][faults]") {
  StackOptions options;
  options.mps = 100;
  options.extra_gateway_json = R"("reconcile_after_ms": 1000)";
  // The gateway queues above its 100 segments/s per sender (Twilio does); its only 429s are the
  // injected ones below.
  Stack stack(options);
  auto leads = stack.RecordIds("Lead");
  auto contacts = stack.RecordIds("Contact");
  std::vector<std::string> audience(leads.begin(), leads.begin() + 200);
  audience.insert(audience.end(), contacts.begin(), contacts.begin() + 200);

  // Salesforce: a lock on the first Task batches, an outage on a query, an expired session.
  Fault(*stack.org, R"({"fault":"UNABLE_TO_LOCK_ROW","count":2,"method":"POST","path":"/services/data/v62.0/composite/sobjects"})");
  Fault(*stack.org, R"({"fault":"SERVER_UNAVAILABLE","count":1,"method":"GET","path":"/services/data/v62.0/query"})");
  Fault(*stack.org, R"({"fault":"INVALID_SESSION_ID","count":2,"path":"/services/data/v62.0/"})");
  // Gateway: throttling, errors after which the message may exist, and accepted-then-timeout.
  Fault(*stack.gateway, R"({"fault":"http_429","count":5})");
  Fault(*stack.gateway, R"({"fault":"http_503","count":3})");
  Fault(*stack.gateway, R"({"fault":"timeout_after_accept","count":3,"hold_ms":1500})");

  stack.Publish("sender@sfnotify.demo", R"({"Request_Id__c":"faults-400","Contact_Point__c":"Alerts",
      "Message__c":"Faulty day, {!Recipient.FirstName}","Record_Ids__c":")" + Join(audience) + R"("})");
  auto id = stack.WaitForNotification("faults-400", std::chrono::seconds(120));
  REQUIRE(!id.empty());
  rapidjson::Document doc;
  bool settled = Stack::WaitUntil(
      [&] {
        doc = Json(stack.Api("GET", "/v1/notifications/" + id).body);
        if (std::string(doc["status"].GetString()) != "done") return false;
        for (const auto& r : doc["recipients"].GetArray()) {
          std::string state = r["state"].GetString();
          if (state != "suppressed" && state != "failed" && std::string(r["task_state"].GetString()) != "written") {
            return false;
          }
        }
        return true;
      },
      std::chrono::seconds(180));
  INFO(stack.ConnectorLog());
  REQUIRE(settled);

  auto messages = stack.Messages();
  std::map<std::string, int> sms_per_phone;
  for (const auto& m : messages["messages"].GetArray()) sms_per_phone[m["to"].GetString()]++;
  auto tasks = stack.Records("Task");
  std::map<std::string, int> tasks_per_sid;
  for (const auto& t : tasks["records"].GetArray()) {
    if (t["SMS_Message_Sid__c"].IsString()) tasks_per_sid[t["SMS_Message_Sid__c"].GetString()]++;
  }
  int sent = 0;
  for (const auto& r : doc["recipients"].GetArray()) {
    std::string state = r["state"].GetString();
    if (state == "suppressed") {
      CHECK(!std::string(r["reason"].GetString()).empty());
      continue;
    }
    REQUIRE(state != "failed");  // every fault here is transient
    ++sent;
    CHECK(sms_per_phone[r["phone"].GetString()] == 1);
    CHECK(tasks_per_sid[r["gateway_sid"].GetString()] == 1);
  }
  CHECK(sent > 200);
  int total_sms = 0;
  for (const auto& [phone, n] : sms_per_phone) total_sms += n;
  CHECK(total_sms == sent);  // nothing else reached the gateway, nothing twice
  CHECK(static_cast<int>(tasks_per_sid.size()) == sent);
}

TEST_CASE("a sender queue over Twilio's limit (21611) delays sends, never fails them",
          "[e2e][faults]") {
  // One segment per second and a 2 s queue limit: of a burst, the first three are queued and the
  // rest are refused with 21611 until the queue has drained (Twilio: "slow down", nothing created).
  StackOptions options;
  options.mps = 100;
  options.smsemu_args = {"--mps", "1", "--queue-limit-seconds", "2"};
  Stack stack(options);
  auto leads = stack.RecordIds("Lead");
  std::vector<std::string> audience(leads.begin(), leads.begin() + 6);
  stack.Publish("sender@sfnotify.demo",
                R"({"Request_Id__c":"queue-21611","Contact_Point__c":"Alerts",
      "Message__c":"Queued","Record_Ids__c":")" +
                    Join(audience) + R"("})");
  auto id = stack.WaitForNotification("queue-21611", std::chrono::seconds(60));
  REQUIRE(!id.empty());
  rapidjson::Document doc;
  bool settled = Stack::WaitUntil(
      [&] {
        doc = Json(stack.Api("GET", "/v1/notifications/" + id).body);
        if (std::string(doc["status"].GetString()) != "done") return false;
        for (const auto& r : doc["recipients"].GetArray()) {
          std::string state = r["state"].GetString();  // wait for the terminal states
          if (state != "delivered" && state != "undelivered" && state != "failed" &&
              state != "suppressed") {
            return false;
          }
        }
        return true;
      },
      std::chrono::seconds(120));
  INFO(stack.ConnectorLog());
  REQUIRE(settled);
  INFO(sfn::json::Serialize(doc));
  int sent = 0;
  for (const auto& r : doc["recipients"].GetArray()) {
    std::string state = r["state"].GetString();
    if (state == "suppressed") continue;
    CHECK(state != "failed");
    CHECK(r["error_code"].GetInt() != 21611);
    ++sent;
  }
  CHECK(sent >= 4);  // more than the queue could hold at once
  std::map<std::string, int> sms_per_phone;
  auto messages = stack.Messages();
  for (const auto& m : messages["messages"].GetArray()) sms_per_phone[m["to"].GetString()]++;
  CHECK(static_cast<int>(sms_per_phone.size()) == sent);
  for (const auto& [phone, n] : sms_per_phone) CHECK(n == 1);
}
