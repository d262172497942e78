// End-to-end with Quiq as the gateway: sfemu + quiqemu + sfnotify as processes.
// Assertions read what quiqemu received (bulk calls, searchIds, segments
// flags), what the org holds (Tasks) and the connector's history store.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "connector/outbox/store.h"
#include "stack.h"

using namespace e2e;

namespace {

std::string Text(const rapidjson::Value& r, const char* field) {
  return r.HasMember(field) && r[field].IsString() ? r[field].GetString() : "";
}

StackOptions QuiqStack(std::string gateway_json = "") {
  StackOptions o;
  o.gateway = "quiq";
  o.extra_gateway_json = std::move(gateway_json);
  return o;
}

// Waits until the notification is done and every sent recipient has its Task.
rapidjson::Document WaitSettled(Stack& stack, const std::string& id, std::chrono::seconds timeout) {
  rapidjson::Document doc;
  bool settled = Stack::WaitUntil(
      [&] {
        auto r = stack.Api("GET", "/v1/notifications/" + id);
        if (r.status != 200) return false;
        doc = Json(r.body);
        if (std::string(doc["status"].GetString()) != "done") return false;
        for (const auto& rec : doc["recipients"].GetArray()) {
          std::string state = rec["state"].GetString();
          if (state != "suppressed" && state != "failed" && Text(rec, "task_state") != "written")
            return false;
        }
        return true;
      },
      timeout);
  INFO(stack.ConnectorLog());
  REQUIRE(settled);
  return doc;
}

struct QuiqSeen {
  std::map<std::string, int> per_handle;
  std::map<std::string, std::string> id_by_search_id;
  std::map<std::string, int> per_search_id;
  int multi_flagged = 0;
  size_t total = 0;
};

QuiqSeen SeenByQuiq(Stack& stack) {
  QuiqSeen seen;
  auto doc = stack.Messages();
  for (const auto& m : doc["messages"].GetArray()) {
    seen.per_handle[Text(m, "handle")]++;
    seen.per_search_id[Text(m, "searchId")]++;
    seen.id_by_search_id[Text(m, "searchId")] = Text(m, "id");
    if (m["allowMultipleSegments"].GetBool()) seen.multi_flagged++;
    seen.total++;
  }
  return seen;
}

int64_t Calls(Stack& stack) {
  auto r = stack.gateway->Send("GET", "/__emulator/calls");
  REQUIRE(r.status == 200);
  return Json(r.body)["calls"].GetInt64();
}

std::map<std::string, int> TasksPerSid(Stack& stack) {
  std::map<std::string, int> out;
  auto tasks = stack.Records("Task");
  for (const auto& t : tasks["records"].GetArray()) {
    std::string sid = Text(t, "SMS_Message_Sid__c");
    if (!sid.empty()) out[sid]++;
  }
  return out;
}

std::vector<std::string> Audience(Stack& stack, size_t leads, size_t contacts) {
  auto l = stack.RecordIds("Lead");
  auto c = stack.RecordIds("Contact");
  REQUIRE(l.size() >= leads);
  REQUIRE(c.size() >= contacts);
  std::vector<std::string> out(l.begin(), l.begin() + leads);
  out.insert(out.end(), c.begin(), c.begin() + contacts);
  return out;
}

}  // namespace

TEST_CASE(
    "quiq: a 500-recipient notification goes out in a few bulk calls with a Task and history each",
    "[e2e][quiq]") {
  Stack stack(QuiqStack());
  auto audience = Audience(stack, 250, 250);
  // Two handles Quiq will refuse: one invalid for its own reasons, one that replied STOP earlier.
  std::string body(170, 'x');  // over one segment: needs allowMultipleSegments
  body = "Service notice: " + body;
  stack.Publish("sender@sfnotify.demo", R"({"Request_Id__c":"quiq-500","Contact_Point__c":"Main",
      "Message__c":")" + body + R"(","Record_Ids__c":")" +
                                            Join(audience) + R"("})");
  auto id = stack.WaitForNotification("quiq-500");
  REQUIRE(!id.empty());
  auto doc = WaitSettled(stack, id, std::chrono::seconds(120));

  QuiqSeen seen = SeenByQuiq(stack);
  auto tasks = TasksPerSid(stack);
  REQUIRE(doc["recipients"].Size() == 500);
  int accepted = 0;
  std::map<std::string, int> suppressed;
  for (const auto& rec : doc["recipients"].GetArray()) {
    std::string state = rec["state"].GetString();
    if (state == "suppressed") {
      suppressed[Text(rec, "reason")]++;
      // (Its phone may still have been sent once, for another record that shares it:
      // the total below proves that no suppressed recipient reached Quiq.)
      continue;
    }
    // No delivery webhook exists for Quiq notifications: a taken notification stays accepted.
    CHECK(state == "accepted");
    std::string sid = Text(rec, "gateway_sid");
    CHECK(seen.per_handle[Text(rec, "phone")] == 1);
    CHECK(!sid.empty());
    CHECK(tasks[sid] == 1);
    CHECK(!Text(rec, "task_id").empty());
    ++accepted;
  }
  INFO("accepted " << accepted);
  CHECK(accepted > 150);
  CHECK(suppressed["opted_out"] + suppressed["no_consent"] > 0);
  CHECK(seen.total == static_cast<size_t>(accepted));  // nobody else reached Quiq
  CHECK(seen.multi_flagged == accepted);               // every body was over one segment
  for (const auto& [search_id, n] : seen.per_search_id) CHECK(n == 1);

  int64_t calls = Calls(stack);
  INFO("bulk calls " << calls << " for " << accepted << " notifications");
  CHECK(calls >= (accepted + 49) / 50);  // batch_size 50 by default
  CHECK(calls <= accepted / 5);          // far fewer calls than notifications

  // The history holds the claim and the acceptance of each sent recipient.
  auto store = sfn::connector::OpenSqliteStore({stack.dir().File("sfnotify.sqlite")});
  REQUIRE(store.ok());
  std::map<int64_t, std::set<std::string>> states_by_recipient;
  for (const auto& h : (*store)->History(id)) {
    if (h.kind == "state") states_by_recipient[h.recipient_id].insert(h.state);
  }
  int with_history = 0;
  for (const auto& [rid, states] : states_by_recipient) {
    if (states.count("accepted")) {
      CHECK(states.count("sending") == 1);
      ++with_history;
    }
  }
  CHECK(with_history == accepted);
}

TEST_CASE(
    "quiq: per-notification refusals map back onto their recipients (send-notifications mode)",
    "[e2e][quiq]") {
  Stack stack(QuiqStack(R"("api": "send-notifications")"));
  auto audience = Audience(stack, 40, 0);
  // Learn the handles the connector will send to with a first, short notification.
  stack.Publish("sender@sfnotify.demo",
                R"({"Request_Id__c":"quiq-first","Contact_Point__c":"Alerts",
      "Message__c":"First","Record_Ids__c":")" +
                    Join(audience) + R"("})");
  auto first =
      WaitSettled(stack, stack.WaitForNotification("quiq-first"), std::chrono::seconds(60));
  std::vector<std::string> phones;
  for (const auto& rec : first["recipients"].GetArray()) {
    if (std::string(rec["state"].GetString()) == "accepted") phones.push_back(Text(rec, "phone"));
  }
  REQUIRE(phones.size() >= 3);
  QuiqSeen before = SeenByQuiq(stack);
  CHECK(before.multi_flagged == 0);  // short bodies: no allowMultipleSegments
  auto calls = Json(stack.gateway->Send("GET", "/__emulator/calls").body);
  CHECK(calls["by_api"]["send-notifications"].GetInt64() == calls["calls"].GetInt64());

  // Quiq refuses one handle outright, and another replied STOP to the Alerts contact point.
  REQUIRE(stack.gateway
              ->Send("POST", "/__emulator/handles",
                     R"({"handle":")" + phones[0] + R"(","error":"INVALID_HANDLE"})")
              .status == 200);
  auto stop = stack.gateway->Send(
      "POST", "/__emulator/reply",
      R"({"handle":")" + phones[1] + R"(","text":"STOP","contactPoint":"alerts-cp"})");
  REQUIRE(stop.status == 200);
  REQUIRE(stack.WaitInboxDrained());

  stack.Publish("sender@sfnotify.demo",
                R"({"Request_Id__c":"quiq-second","Contact_Point__c":"Alerts",
      "Message__c":"Second","Record_Ids__c":")" +
                    Join(audience) + R"("})");
  auto second =
      WaitSettled(stack, stack.WaitForNotification("quiq-second"), std::chrono::seconds(60));
  std::map<std::string, const rapidjson::Value*> by_phone;
  for (const auto& rec : second["recipients"].GetArray()) by_phone[Text(rec, "phone")] = &rec;
  const auto& refused = *by_phone.at(phones[0]);
  CHECK(std::string(refused["state"].GetString()) == "failed");
  CHECK(Text(refused, "reason").rfind("gateway_", 0) == 0);
  const auto& stopped = *by_phone.at(phones[1]);
  CHECK(std::string(stopped["state"].GetString()) == "failed");
  CHECK(stopped["error_code"].GetInt() ==
        21610);  // opted out: the number joins the suppression list
  const auto& fine = *by_phone.at(phones[2]);
  CHECK(std::string(fine["state"].GetString()) == "accepted");
  QuiqSeen after = SeenByQuiq(stack);
  CHECK(after.per_handle[phones[0]] == before.per_handle[phones[0]]);
  CHECK(after.per_handle[phones[1]] == before.per_handle[phones[1]]);
  CHECK(after.per_handle[phones[2]] == before.per_handle[phones[2]] + 1);

  // A third send skips the opted-out number before calling Quiq.
  stack.Publish("sender@sfnotify.demo",
                R"({"Request_Id__c":"quiq-third","Contact_Point__c":"Alerts",
      "Message__c":"Third","Record_Ids__c":")" +
                    Join(audience) + R"("})");
  auto third =
      WaitSettled(stack, stack.WaitForNotification("quiq-third"), std::chrono::seconds(60));
  for (const auto& rec : third["recipients"].GetArray()) {
    if (Text(rec, "phone") == phones[1])
      CHECK(std::string(rec["state"].GetString()) == "suppressed");
  }
}

TEST_CASE("quiq: a batch whose answer was lost is reconciled by searchId and nobody is sent twice",
          "[e2e][quiq]") {
  Stack stack(QuiqStack(R"("timeout_ms": 1000, "reconcile_after_ms": 300, "batch_size": 20)"));
  // The first bulk call is taken but never answered in time; the next one fails with 500 before
  // storing.
  REQUIRE(stack.gateway
              ->Send("POST", "/__emulator/faults",
                     R"({"fault":"timeout_after_accept","count":1,"hold_ms":3000})")
              .status == 200);
  REQUIRE(stack.gateway->Send("POST", "/__emulator/faults", R"({"fault":"http_500","count":1})")
              .status == 200);
  auto audience = Audience(stack, 60, 60);
  stack.Publish("sender@sfnotify.demo",
                R"({"Request_Id__c":"quiq-ambiguous","Contact_Point__c":"Alerts",
      "Message__c":"Check-in reminder","Record_Ids__c":")" +
                    Join(audience) + R"("})");
  auto id = stack.WaitForNotification("quiq-ambiguous");
  REQUIRE(!id.empty());
  auto doc = WaitSettled(stack, id, std::chrono::seconds(90));

  QuiqSeen seen = SeenByQuiq(stack);
  auto tasks = TasksPerSid(stack);
  int accepted = 0;
  for (const auto& rec : doc["recipients"].GetArray()) {
    if (std::string(rec["state"].GetString()) != "accepted") continue;
    ++accepted;
    std::string phone = Text(rec, "phone");
    std::string sid = Text(rec, "gateway_sid");
    CHECK(seen.per_handle[phone] == 1);
    CHECK(tasks[sid] == 1);
  }
  CHECK(accepted > 30);
  CHECK(seen.total == static_cast<size_t>(accepted));
  for (const auto& [search_id, n] : seen.per_search_id) CHECK(n == 1);
  // Every accepted sid is the id Quiq gave that searchId, including the batch whose answer was
  // lost.
  std::set<std::string> quiq_ids;
  for (const auto& [search_id, qid] : seen.id_by_search_id) quiq_ids.insert(qid);
  for (const auto& rec : doc["recipients"].GetArray()) {
    if (std::string(rec["state"].GetString()) == "accepted")
      CHECK(quiq_ids.count(Text(rec, "gateway_sid")) == 1);
  }
  // Both faults were used up and the lost outcomes are in the history.
  CHECK(Json(stack.gateway->Send("GET", "/__emulator/faults").body)["pending"].Size() == 0);
  auto store = sfn::connector::OpenSqliteStore({stack.dir().File("sfnotify.sqlite")});
  REQUIRE(store.ok());
  int unknown = 0, retried = 0;
  for (const auto& h : (*store)->History(id)) {
    if (h.kind == "attempt" && h.detail.find("outcome unknown") != std::string::npos) ++unknown;
    if (h.kind == "state" && h.state == "pending" &&
        h.detail.find("reconciled") != std::string::npos)
      ++retried;
  }
  CHECK(unknown >= 2);
  CHECK(retried >= 1);  // the 500 batch was surely not sent, so it went out again
}
