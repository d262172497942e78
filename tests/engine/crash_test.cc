// kill -9 of the connector in the middle of a 2,000-recipient send, several
// times; after the last restart every eligible recipient has exactly one SMS
// at the gateway and exactly one Task in the org.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <thread>

#include "stack.h"

using namespace e2e;

namespace {

// Creates `count` consenting Leads with distinct valid US mobile numbers; returns their ids.
std::vector<std::string> CreateLeads(Stack& stack, int count, int first_number) {
  std::vector<std::string> leads;
  for (int i = 0; i < count; ++i) {
    leads.push_back(R"({"LastName":"Load)" + std::to_string(i) +
                    R"(","FirstName":"Test","Company":"Load Co","SMS_Opt_In__c":true,"MobilePhone":"+1212)" +
                    std::to_string(first_number + i) + R"("})");
  }
  return stack.CreateRecords("Lead", leads);
}

size_t MessageCount(Stack& stack) { return stack.Messages()["messages"].Size(); }

}  // namespace

TEST_CASE("kill -9 during a 2,000-recipient send, then restart: exactly one SMS and one Task each", "[e2e][crash]") {
  StackOptions options;
  options.mps = 400;
  // smsemu keeps its default 100 segments/s per sender: the connector sends faster, the gateway
  // queues (201 queued, as Twilio does) and drains while the connector is killed and restarted.
  Stack stack(options);
  auto ids = CreateLeads(stack, 2000, 2000000);
  REQUIRE(ids.size() == 2000);
  stack.Publish("sender@sfnotify.demo", R"({"Request_Id__c":"crash-2000","Contact_Point__c":"Alerts",
      "Message__c":"Service notice for {!Lead.FirstName}","Record_Ids__c":")" + Join(ids) + R"("})");

  for (size_t threshold : {300u, 900u, 1500u}) {
    bool reached = Stack::WaitUntil([&] { return MessageCount(stack) >= threshold; }, std::chrono::seconds(120));
    INFO(stack.ConnectorLog());
    REQUIRE(reached);
    stack.KillConnector();
    stack.StartConnector();
  }
  auto id = stack.WaitForNotification("crash-2000");
  REQUIRE(!id.empty());
  // Let everything settle: all sent, every Task written.
  bool settled = Stack::WaitUntil(
      [&] {
        auto doc = Json(stack.Api("GET", "/v1/notifications/" + id).body);
        if (std::string(doc["status"].GetString()) != "done") return false;
        for (const auto& r : doc["recipients"].GetArray()) {
          if (std::string(r["task_state"].GetString()) != "written") return false;
        }
        return true;
      },
      std::chrono::seconds(180));
  INFO(stack.ConnectorLog());
  REQUIRE(settled);

  std::map<std::string, int> sms_per_phone;
  auto messages = stack.Messages();  // keep the document alive while iterating
  for (const auto& m : messages["messages"].GetArray()) sms_per_phone[m["to"].GetString()]++;
  std::map<std::string, int> tasks_per_who;
  auto tasks = stack.Records("Task");
  for (const auto& t : tasks["records"].GetArray()) {
    if (t["WhoId"].IsString()) tasks_per_who[t["WhoId"].GetString()]++;
  }
  CHECK(sms_per_phone.size() == 2000);
  int duplicates = 0, missing_tasks = 0, extra_tasks = 0;
  for (const auto& [phone, n] : sms_per_phone) duplicates += n > 1;
  for (const auto& lead : ids) {
    int n = tasks_per_who[lead];
    missing_tasks += n == 0;
    extra_tasks += n > 1;
  }
  CHECK(duplicates == 0);
  CHECK(missing_tasks == 0);
  CHECK(extra_tasks == 0);
}
