// The Task's delivery field (sync.task_delivery_field): status callbacks are
// written in Collections updates, not one call per callback; a Task deleted in
// the org is given up instead of retried forever; "" turns the field off.
#include <catch2/catch.hpp>

#include <map>
#include <thread>

#include "common/form.h"
#include "common/twilio_signature.h"
#include "stack.h"

using namespace e2e;

namespace {

constexpr const char* kGatewayToken = "smsemu-demo-token";

// `count` consenting Leads numbered +1212555<first_suffix>, +1212555<first_suffix + 1>, ...
std::vector<std::string> MakeLeads(Stack& stack, int count, int first_suffix) {
  std::vector<std::string> phones;
  for (int i = 0; i < count; ++i) phones.push_back("+1212555" + std::to_string(first_suffix + i));
  return stack.CreateConsentingLeads("Status", phones);
}

rapidjson::Document Send(Stack& stack, const std::string& request_id,
                         const std::vector<std::string>& ids) {
  std::string list;
  for (const auto& id : ids) list += (list.empty() ? "\"" : ",\"") + id + "\"";
  auto r = stack.Api("POST", "/v1/notifications",
                     R"({"request_id":")" + request_id +
                         R"(","contact_point":"Alerts","requested_by":"0055g0000000002AAA",)"
                         R"("message":"Status test","record_ids":[)" +
                         list + "]}");
  INFO(r.body);
  REQUIRE(r.status == 202);
  return stack.WaitSettled(Json(r.body)["notification_id"].GetString());
}

// Collections updates the connector made (PATCH composite/sobjects) since sequence `since`.
int CollectionUpdates(Stack& stack, int64_t since) {
  auto r = stack.org->Send("GET", "/__emulator/requests?since=" + std::to_string(since));
  REQUIRE(r.status == 200);
  auto log = Json(r.body);
  int n = 0;
  for (const auto& q : log["requests"].GetArray()) {
    std::string path = q["path"].GetString();
    n += std::string(q["method"].GetString()) == "PATCH" &&
         path.find("/composite/sobjects") != std::string::npos;
  }
  return n;
}

int64_t LastRequestSeq(Stack& stack) {
  return Json(stack.org->Send("GET", "/__emulator/requests").body)["last_seq"].GetInt64();
}

// Task id → delivery field value ("" when unset), for live Tasks.
std::map<std::string, std::string> DeliveryFields(Stack& stack) {
  std::map<std::string, std::string> out;
  auto tasks = stack.Records("Task");
  for (const auto& t : tasks["records"].GetArray()) {
    if (t.HasMember("IsDeleted") && t["IsDeleted"].IsBool() && t["IsDeleted"].GetBool()) continue;
    out[t["Id"].GetString()] =
        t["SMS_Delivery_Status__c"].IsString() ? t["SMS_Delivery_Status__c"].GetString() : "";
  }
  return out;
}

// The StatusCallback URL the connector gave the gateway for `sid`.
std::string CallbackUrl(Stack& stack, const std::string& sid) {
  auto messages = stack.Messages();
  for (const auto& m : messages["messages"].GetArray()) {
    if (sid == m["sid"].GetString() && m["status_callback"].IsString())
      return m["status_callback"].GetString();
  }
  FAIL("no status callback recorded for " << sid);
  return "";
}

}  // namespace

TEST_CASE("delivery states reach Tasks in batches, a Task deleted in the org is given up",
          "[e2e][sync]") {
  StackOptions options;
  options.extra_config_json = R"("sync": {"task_status_interval_ms": 2000},)";
  Stack stack(options);
  // A flush interval longer than posting 20 callbacks takes even on a loaded machine, so the
  // count below measures batching, not the scheduler.
  stack.DropGatewayCallbacks();  // this test posts the callbacks itself, all at once
  auto ids = MakeLeads(stack, 20, 5300);
  auto view = Send(stack, "status-batch", ids);
  std::vector<std::pair<std::string, std::string>> sid_task;  // (gateway SID, Task id)
  for (const auto& r : view["recipients"].GetArray()) {
    REQUIRE(std::string(r["state"].GetString()) == "accepted");
    sid_task.emplace_back(r["gateway_sid"].GetString(), r["task_id"].GetString());
  }
  // Someone deletes the first Task in Salesforce.
  std::string deleted = sid_task[0].second;
  REQUIRE(stack.org
              ->Send("DELETE", "/services/data/v62.0/sobjects/Task/" + deleted, "",
                     {{"Authorization", "Bearer " + stack.OrgToken()}})
              .status == 204);

  int64_t since = LastRequestSeq(stack);
  const std::string base = stack.api->client->base_url();
  for (const auto& [sid, task] : sid_task) {
    std::string url = CallbackUrl(stack, sid);
    sfn::form::Params params = {{"MessageSid", sid}, {"MessageStatus", "delivered"}};
    auto r = stack.api->Send(
        "POST", url.substr(base.size()), sfn::form::Serialize(params),
        {{"Content-Type", "application/x-www-form-urlencoded"},
         {"X-Twilio-Signature", sfn::twilio::ComputeSignature(kGatewayToken, url, params)}});
    REQUIRE(r.status == 200);
  }
  bool written = Stack::WaitUntil([&] {
    auto fields = DeliveryFields(stack);
    for (size_t i = 1; i < sid_task.size(); ++i) {
      if (fields[sid_task[i].second] != "delivered") return false;
    }
    return true;
  });
  INFO(stack.ConnectorLog());
  REQUIRE(written);
  int calls = CollectionUpdates(stack, since);
  CHECK(calls >= 1);
  CHECK(calls <= 4);  // 20 callbacks, a few batches at most — never one call per callback
  CHECK(DeliveryFields(stack).count(deleted) == 0);

  // The deleted Task is not retried forever: once the connector says it gave up, no further update
  // calls follow over several retry periods (1 s each at this interval).
  REQUIRE(Stack::WaitUntil(
      [&] { return stack.ConnectorLog().find("(given up)") != std::string::npos; }));
  int64_t after_give_up = LastRequestSeq(stack);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  CHECK(CollectionUpdates(stack, after_give_up) == 0);
}

TEST_CASE("sync.task_delivery_field \"\" leaves the Tasks' delivery field alone", "[e2e][sync]") {
  StackOptions options;
  options.extra_config_json =
      R"("sync": {"task_delivery_field": "", "task_status_interval_ms": 100},)";
  Stack stack(options);
  auto ids = MakeLeads(stack, 3, 5400);
  auto view = Send(stack, "status-off", ids);
  std::string nid = view["notification_id"].GetString();
  // The gateway's callbacks still move the recipients to their final state...
  REQUIRE(Stack::WaitUntil([&] {
    auto doc = Json(stack.Api("GET", "/v1/notifications/" + nid).body);
    for (const auto& r : doc["recipients"].GetArray()) {
      if (std::string(r["state"].GetString()) != "delivered") return false;
    }
    return true;
  }));
  // ...but no Task gets the field, neither at insert nor by a later update (several flush periods).
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  for (const auto& [task, value] : DeliveryFields(stack)) {
    INFO(task);
    CHECK(value.empty());
  }
  CHECK(CollectionUpdates(stack, 0) == 0);
}
