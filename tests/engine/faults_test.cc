// Regressions found by the fault soak (bench/soak): each reproduces one fault
// sequence against the full stack and asserts on what the org recorded.
#include <catch2/catch.hpp>

#include "stack.h"

using namespace e2e;

TEST_CASE("a rejected session whose renewal also fails delays the Tasks, never drops them",
          "[e2e][faults]") {
  Stack stack;
  auto leads = stack.RecordIds("Lead", [](const rapidjson::Value& r) {
    return r["SMS_Opt_In__c"].IsBool() && r["SMS_Opt_In__c"].GetBool() &&
           r["MobilePhone"].IsString();
  });
  REQUIRE(leads.size() >= 5);
  leads.resize(5);
  // The Task insert gets 401 and so does the token request made to recover:
  // the whole call fails as unauthenticated. Before the fix every Task of the
  // batch was marked failed for good.
  REQUIRE(
      stack.org
          ->Send(
              "POST", "/__emulator/faults",
              R"({"fault":"INVALID_SESSION_ID","count":1,"method":"POST","path":"/services/data/v62.0/composite/sobjects"})")
          .status == 201);
  REQUIRE(stack.org
              ->Send("POST", "/__emulator/faults",
                     R"({"fault":"INVALID_SESSION_ID","count":1,"path":"/services/oauth2/token"})")
              .status == 201);
  stack.Publish("sender@sfnotify.demo", R"({"Request_Id__c":"task-401","Contact_Point__c":"Alerts",
      "Message__c":"Notice","Record_Ids__c":")" +
                                            Join(leads) + R"("})");
  auto id = stack.WaitForNotification("task-401");
  REQUIRE(!id.empty());
  bool written = Stack::WaitUntil([&] {
    auto tasks = stack.Records("Task");
    int n = 0;
    for (const auto& t : tasks["records"].GetArray()) {
      if (!t["WhoId"].IsString()) continue;
      for (const auto& lead : leads) n += lead == t["WhoId"].GetString();
    }
    return n == 5;
  });
  INFO(stack.ConnectorLog());
  CHECK(written);
  // The org holds the Tasks a moment before the connector has recorded the insert's answer.
  bool recorded = Stack::WaitUntil([&] {
    auto doc = Json(stack.Api("GET", "/v1/notifications/" + id).body);
    for (const auto& r : doc["recipients"].GetArray())
      if (std::string(r["task_state"].GetString()) != "written") return false;
    return true;
  });
  CHECK(recorded);
  // Both faults were really served (the test exercised the failing path).
  CHECK(stack.ConnectorLog().find("INVALID_SESSION_ID") != std::string::npos);
}
