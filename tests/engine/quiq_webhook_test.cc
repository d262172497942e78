// Quiq conversation webhooks end to end: quiqemu posts ConversationRequested
// (with X-Centricient-Hook-Token) to the running connector; assertions read the
// connector's API and store, and the Tasks the org holds.
#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>

#include "connector/webhooks/quiq_webhook.h"
#include "connector/outbox/store.h"
#include "stack.h"

using namespace e2e;

namespace {

std::string Text(const rapidjson::Value& r, const char* field) {
  return r.HasMember(field) && r[field].IsString() ? r[field].GetString() : "";
}

int TasksWithSid(Stack& stack, const std::string& sid, std::string* who = nullptr) {
  int n = 0;
  auto tasks = stack.Records("Task");
  for (const auto& t : tasks["records"].GetArray()) {
    if (Text(t, "SMS_Message_Sid__c") != sid) continue;
    ++n;
    if (who) *who = Text(t, "WhoId");
  }
  return n;
}

int ReplyHistory(Stack& stack, const std::string& notification_id) {
  auto store = sfn::connector::OpenSqliteStore({stack.dir().File("sfnotify.sqlite")});
  REQUIRE(store.ok());
  int n = 0;
  for (const auto& h : (*store)->History(notification_id)) n += h.kind == "reply";
  return n;
}

// Posts through quiqemu; the connector answers once the event is in its inbox, so this waits
// for the inbox to process it before the test looks at the effects.
rapidjson::Document Post(Stack& stack, const std::string& hook, const std::string& body) {
  auto r = stack.gateway->Send("POST", "/__emulator/" + hook, body);
  INFO(r.body);
  REQUIRE(r.status == 200);
  REQUIRE(stack.WaitInboxDrained());
  return Json(r.body);
}

// How the connector recorded a Quiq event (quiq_webhook_events.state), "" when it did not.
std::string EventState(Stack& stack, const std::string& event_id) {
  SQLite::Database db(stack.dir().File("sfnotify.sqlite"), SQLite::OPEN_READONLY);
  SQLite::Statement q(db, "SELECT state FROM quiq_webhook_events WHERE id=?");
  q.bind(1, event_id);
  return q.executeStep() ? q.getColumn(0).getString() : "";
}

}  // namespace

TEST_CASE(
    "quiq webhook: a reply marks the recipient responded and writes one reply Task, replays and "
    "wrong "
    "secrets change nothing",
    "[e2e][quiq]") {
  StackOptions options;
  options.gateway = "quiq";
  Stack stack(options);
  auto leads = stack.RecordIds("Lead");
  std::vector<std::string> audience(leads.begin(), leads.begin() + 12);
  stack.Publish("sender@sfnotify.demo",
                R"({"Request_Id__c":"quiq-reply","Contact_Point__c":"Alerts",
      "Message__c":"Your order is ready","Record_Ids__c":")" +
                    Join(audience) + R"("})");
  auto id = stack.WaitForNotification("quiq-reply");
  REQUIRE(!id.empty());
  std::vector<std::pair<std::string, std::string>> sent;  // (phone, record id)
  REQUIRE(Stack::WaitUntil([&] {
    auto doc = Json(stack.Api("GET", "/v1/notifications/" + id).body);
    if (std::string(doc["status"].GetString()) != "done") return false;
    sent.clear();
    for (const auto& rec : doc["recipients"].GetArray()) {
      if (std::string(rec["state"].GetString()) == "accepted")
        sent.emplace_back(Text(rec, "phone"), Text(rec, "record_id"));
    }
    return true;
  }));
  REQUIRE(sent.size() >= 3);
  Post(stack, "webhook_url",
       R"({"url":")" + stack.api->client->base_url() + R"(/v1/webhooks/quiq"})");
  auto responded = [&](const std::string& phone) {
    auto doc = Json(stack.Api("GET", "/v1/notifications/" + id).body);
    for (const auto& rec : doc["recipients"].GetArray()) {
      if (Text(rec, "phone") == phone) return rec["responded"].GetBool();
    }
    return false;
  };

  // A reply: 200, responded, one reply Task on the record, one history entry.
  auto first =
      Post(stack, "reply", R"({"handle":")" + sent[0].first + R"(","text":"Thanks, on my way"})");
  INFO(sfn::json::Serialize(first));
  REQUIRE(first["webhook_status"].GetInt() == 200);
  CHECK(Text(first, "webhook_body").find("accepted") != std::string::npos);
  std::string event_id = first["event"]["id"].GetString();
  CHECK(EventState(stack, event_id) == "handled");
  CHECK(responded(sent[0].first));
  std::string who;
  CHECK(TasksWithSid(stack, sfn::connector::QuiqReplyTaskKey(event_id), &who) == 1);
  CHECK(who == sent[0].second);
  CHECK(ReplyHistory(stack, id) == 1);

  SECTION("the same event delivered again changes nothing") {
    auto again = Post(stack, "replay", R"({"id":")" + event_id + R"("})");
    CHECK(again["webhook_status"].GetInt() == 200);
    CHECK(Text(again, "webhook_body").find("duplicate") != std::string::npos);
    CHECK(TasksWithSid(stack, sfn::connector::QuiqReplyTaskKey(event_id)) == 1);
    CHECK(ReplyHistory(stack, id) == 1);
  }

  SECTION("a wrong or missing secret is refused and nothing is recorded") {
    auto wrong = Post(
        stack, "reply",
        R"({"handle":")" + sent[1].first + R"(","text":"Hello?","hook_token":"not-the-secret"})");
    CHECK(wrong["webhook_status"].GetInt() == 401);
    std::string wrong_id = wrong["event"]["id"].GetString();
    auto missing = stack.api->Send("POST", "/v1/webhooks/quiq", R"({"id":"x","eventType":"Test"})");
    CHECK(missing.status == 401);
    CHECK_FALSE(responded(sent[1].first));
    CHECK(TasksWithSid(stack, sfn::connector::QuiqReplyTaskKey(wrong_id)) == 0);
    CHECK(ReplyHistory(stack, id) == 1);
    // Nothing was recorded for the refused event: delivered with the right secret, it is handled.
    auto right = Post(stack, "replay", R"({"id":")" + wrong_id + R"("})");
    CHECK(right["webhook_status"].GetInt() == 200);
    CHECK(Text(right, "webhook_body").find("accepted") != std::string::npos);
    CHECK(EventState(stack, wrong_id) == "handled");
    CHECK(responded(sent[1].first));
    CHECK(TasksWithSid(stack, sfn::connector::QuiqReplyTaskKey(wrong_id)) == 1);
  }

  SECTION("other event types and unknown handles are recorded and ignored") {
    auto closed = Post(
        stack, "reply",
        R"({"handle":")" + sent[2].first + R"(","text":"bye","eventType":"ConversationClosed"})");
    CHECK(closed["webhook_status"].GetInt() == 200);
    CHECK(EventState(stack, closed["event"]["id"].GetString()) == "ignored");
    CHECK_FALSE(responded(sent[2].first));
    auto stranger = Post(stack, "reply", R"({"handle":"+15005550999","text":"who is this"})");
    CHECK(stranger["webhook_status"].GetInt() == 200);
    CHECK(EventState(stack, stranger["event"]["id"].GetString()) == "unmatched");
    CHECK(ReplyHistory(stack, id) == 1);
    // Bad input gets a clear 400 naming the field.
    auto no_id = stack.api->Send("POST", "/v1/webhooks/quiq", R"({"eventType":"Test"})",
                                 {{"X-Centricient-Hook-Token", "quiqemu-hook-secret"}});
    CHECK(no_id.status == 400);
    CHECK(no_id.body.find("\"field\":\"id\"") != std::string::npos);
  }
}

TEST_CASE("quiq: doctor checks the app token and both secrets", "[e2e][quiq][cli]") {
  StackOptions options;
  options.gateway = "quiq";
  Stack stack(options);
  auto doctor = [&](std::vector<std::string> env) {
    std::string err_path = stack.dir().File("doctor-stderr.txt");
    auto child = sfn::ChildProcess::Start(
        {sfn::test::BinDir() + "/sfnotify", "doctor", "--config", stack.config_path()}, err_path,
        env);
    REQUIRE(child.ok());
    std::string out = child->ReadRemaining(std::chrono::seconds(60));
    int code = child->Wait(std::chrono::seconds(30));
    return std::make_pair(code, out);
  };
  auto good =
      doctor({"E2E_QUIQ_SECRET=quiqemu-secret", "E2E_QUIQ_HOOK_SECRET=quiqemu-hook-secret"});
  INFO(good.second);
  CHECK(good.first == 0);
  CHECK(good.second.find("ok    gateway") != std::string::npos);
  auto wrong = doctor({"E2E_QUIQ_SECRET=wrong", "E2E_QUIQ_HOOK_SECRET=quiqemu-hook-secret"});
  INFO(wrong.second);
  CHECK(wrong.first == 1);
  CHECK(wrong.second.find("FAIL  gateway") != std::string::npos);
  CHECK(wrong.second.find("refused the app token") != std::string::npos);
  CHECK(wrong.second.find("wrong") == std::string::npos);  // the secret is never printed
  auto no_hook = doctor({"E2E_QUIQ_SECRET=quiqemu-secret"});
  CHECK(no_hook.second.find("E2E_QUIQ_HOOK_SECRET is not set") != std::string::npos);
}
