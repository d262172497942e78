// The durable webhook inbox end to end (sfemu + smsemu + sfnotify): webhooks
// are answered at once and processed from the store, so a Salesforce outage or
// a kill -9 of the connector delays a STOP or a reply but never loses it; every
// opt-out phrase suppresses and gets one confirmation; a final state written
// with the Task is not PATCHed again; bad text is refused with 400.
#include <catch2/catch.hpp>

#include <map>
#include <thread>

#include "common/form.h"
#include "common/twilio_signature.h"
#include "common/utf8.h"
#include "stack.h"

using namespace e2e;

namespace {

constexpr const char* kSender = "+15005550006";
constexpr const char* kGatewayToken = "smsemu-demo-token";
constexpr const char* kConfirmation =
    "You are unsubscribed and will get no more messages from this number. Reply START to "
    "resubscribe.";

rapidjson::Document Send(Stack& stack, const std::string& request_id,
                         const std::vector<std::string>& ids) {
  std::string list;
  for (const auto& id : ids) list += (list.empty() ? "\"" : ",\"") + id + "\"";
  auto r = stack.Api("POST", "/v1/notifications",
                     R"({"request_id":")" + request_id +
                         R"(","contact_point":"Alerts","requested_by":"0055g0000000002AAA",)"
                         R"("message":"Inbox test","record_ids":[)" +
                         list + "]}");
  INFO(r.body);
  REQUIRE(r.status == 202);
  return stack.WaitSettled(Json(r.body)["notification_id"].GetString());
}

// A handset text through smsemu, which signs it and posts it to the connector.
rapidjson::Document Text(Stack& stack, const std::string& from, const std::string& body) {
  auto r = stack.gateway->Send(
      "POST", "/__emulator/inbound",
      R"({"From":")" + from + R"(","To":")" + kSender + R"(","Body":")" + body + R"("})");
  INFO(r.body);
  REQUIRE(r.status == 200);
  return Json(r.body);
}

// Posts the webhook smsemu sent for `text` again, signed the same (a gateway or proxy replay).
sfn::http::Response Replay(Stack& stack, const rapidjson::Document& text) {
  const auto& posted = text["posted"];
  sfn::form::Params params;
  for (auto it = posted.MemberBegin(); it != posted.MemberEnd(); ++it)
    params.emplace_back(it->name.GetString(), it->value.IsString() ? it->value.GetString() : "");
  std::string url = stack.api->client->base_url() + "/v1/webhooks/twilio/inbound";
  return stack.api->Send(
      "POST", "/v1/webhooks/twilio/inbound", sfn::form::Serialize(params),
      {{"Content-Type", "application/x-www-form-urlencoded"},
       {"X-Twilio-Signature", sfn::twilio::ComputeSignature(kGatewayToken, url, params)}});
}

int TasksWithSid(Stack& stack, const std::string& sid) {
  int n = 0;
  auto tasks = stack.Records("Task");
  for (const auto& t : tasks["records"].GetArray())
    n += t["SMS_Message_Sid__c"].IsString() && sid == t["SMS_Message_Sid__c"].GetString();
  return n;
}

bool OptedOut(Stack& stack, const std::string& id) {
  auto leads = stack.Records("Lead");
  for (const auto& r : leads["records"].GetArray()) {
    if (id == r["Id"].GetString())
      return r["SMS_Opt_Out__c"].IsBool() && r["SMS_Opt_Out__c"].GetBool();
  }
  return false;
}

// Messages the gateway took for `to` whose body is `body`.
int MessagesTo(Stack& stack, const std::string& to, const std::string& body) {
  int n = 0;
  auto messages = stack.Messages();
  for (const auto& m : messages["messages"].GetArray()) {
    n += to == m["to"].GetString() && body == m["body"].GetString() &&
         std::string(m["direction"].GetString()) != "inbound";
  }
  return n;
}

bool Responded(Stack& stack, const std::string& request_id, const std::string& record_id) {
  auto view = Json(stack.Api("GET", "/v1/notifications/by-request/" + request_id).body);
  for (const auto& r : view["recipients"].GetArray()) {
    if (record_id == r["record_id"].GetString()) return r["responded"].GetBool();
  }
  return false;
}

// Every REST call to the org fails with 503 SERVER_UNAVAILABLE (login still works).
void SalesforceDown(Stack& stack) {
  auto r =
      stack.org->Send("POST", "/__emulator/faults",
                      R"({"fault":"SERVER_UNAVAILABLE","count":1000000,"path":"/services/data"})");
  REQUIRE(r.status == 201);
}
void SalesforceUp(Stack& stack) {
  REQUIRE(stack.org->Send("DELETE", "/__emulator/faults").status < 300);
}

int CollectionPatches(Stack& stack, int64_t since) {
  auto log =
      Json(stack.org->Send("GET", "/__emulator/requests?since=" + std::to_string(since)).body);
  int n = 0;
  for (const auto& q : log["requests"].GetArray()) {
    n += std::string(q["method"].GetString()) == "PATCH" &&
         std::string(q["path"].GetString()).find("/composite/sobjects") != std::string::npos;
  }
  return n;
}

int64_t LastRequestSeq(Stack& stack) {
  return Json(stack.org->Send("GET", "/__emulator/requests").body)["last_seq"].GetInt64();
}

StackOptions FastRetries() {
  StackOptions options;
  options.extra_config_json = R"("webhooks": {"retry_initial_ms": 200, "retry_max_ms": 1000},)";
  return options;
}

}  // namespace

TEST_CASE(
    "a STOP and a reply during a Salesforce outage are answered 200 and applied exactly once after "
    "it",
    "[e2e][sync][inbox]") {
  Stack stack(FastRetries());
  stack.RouteInboundToConnector();
  auto ids = stack.CreateConsentingLeads("Outage", {"+12125550601", "+12125550602"}, "Robin");
  Send(stack, "outage-1", ids);

  SalesforceDown(stack);
  auto stop = Text(stack, "+12125550601", "STOP");
  auto reply = Text(stack, "+12125550602", "Running late, there at 4");
  CHECK(stop["webhook_status"].GetInt() == 200);
  CHECK(reply["webhook_status"].GetInt() == 200);
  // Copies of both, as a gateway retry would send them: the same answer, nothing twice.
  CHECK(Replay(stack, stop).status == 200);
  auto again = Replay(stack, reply);
  CHECK(again.status == 200);
  CHECK(again.headers.Get("Content-Type").find("text/xml") != std::string::npos);
  CHECK(again.body.find("<Response/>") != std::string::npos);
  std::string reply_sid = reply["message_sid"].GetString();

  // The STOP needs only the store: the number is suppressed at once, so a new send skips it.
  // The reply Task and the opt-out write-back wait for Salesforce.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  CHECK(TasksWithSid(stack, reply_sid) == 0);
  CHECK_FALSE(OptedOut(stack, ids[0]));
  CHECK(stack.PendingWebhooks() >= 1);  // the reply, still waiting for its Task

  SalesforceUp(stack);
  bool applied = Stack::WaitUntil([&] {
    return OptedOut(stack, ids[0]) && TasksWithSid(stack, reply_sid) == 1 &&
           Responded(stack, "outage-1", ids[1]);
  });
  INFO(stack.ConnectorLog());
  REQUIRE(applied);
  REQUIRE(stack.WaitInboxDrained());
  CHECK(TasksWithSid(stack, reply_sid) == 1);
  CHECK_FALSE(OptedOut(stack, ids[1]));
  // STOP is a Twilio keyword: the gateway confirmed it, the connector sent nothing more.
  CHECK(MessagesTo(stack, "+12125550601", kConfirmation) == 0);
  // Exactly one inbound record each.
  auto conversations = Json(stack.Api("GET", "/v1/conversations").body);
  REQUIRE(conversations["conversations"].Size() == 1);
  CHECK(conversations["conversations"][0]["messages"].Size() == 1);
}

TEST_CASE("the inbox survives a kill -9 of the connector between receipt and processing",
          "[e2e][sync][inbox]") {
  Stack stack(FastRetries());
  stack.RouteInboundToConnector();
  auto ids = stack.CreateConsentingLeads("Crash", {"+12125550611"}, "Kim");
  Send(stack, "crash-1", ids);
  SalesforceDown(stack);
  auto reply = Text(stack, "+12125550611", "Yes I will be there");
  REQUIRE(reply["webhook_status"].GetInt() == 200);
  std::string sid = reply["message_sid"].GetString();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  REQUIRE(stack.PendingWebhooks() == 1);  // received, not processed: its Task cannot be written
  stack.KillConnector();
  SalesforceUp(stack);
  CHECK(TasksWithSid(stack, sid) == 0);
  stack.StartConnector();
  bool written = Stack::WaitUntil([&] { return TasksWithSid(stack, sid) == 1; });
  INFO(stack.ConnectorLog());
  REQUIRE(written);
  REQUIRE(stack.WaitInboxDrained());
  CHECK(Responded(stack, "crash-1", ids[0]));
  CHECK(TasksWithSid(stack, sid) == 1);
}

TEST_CASE("every opt-out phrase suppresses the number and gets exactly one confirmation",
          "[e2e][sync][inbox][keywords]") {
  Stack stack;
  stack.RouteInboundToConnector();
  const std::vector<std::string> phrases = {
      "Stop texting me",        "please stop",          "Remove me", "OPT OUT",
      "Do not text me anymore", "unsubscribe me please"};
  std::vector<std::string> phones;
  for (size_t i = 0; i < phrases.size(); ++i) phones.push_back("+1212555062" + std::to_string(i));
  phones.push_back("+12125550629");  // texts a plain STOP (confirmed by the gateway)
  auto ids = stack.CreateConsentingLeads("Phrase", phones, "Ana");
  Send(stack, "phrases-1", ids);
  std::vector<rapidjson::Document> texts;
  for (size_t i = 0; i < phrases.size(); ++i) {
    texts.push_back(Text(stack, phones[i], phrases[i]));
    CHECK(texts.back()["webhook_status"].GetInt() == 200);
    CHECK(texts.back()["auto_reply"].IsNull());  // not a gateway keyword: the gateway said nothing
  }
  auto stop = Text(stack, phones.back(), "STOP");
  CHECK(!stop["auto_reply"].IsNull());
  CHECK(Replay(stack, texts[0]).status == 200);  // a copy: still one confirmation
  REQUIRE(stack.WaitInboxDrained());
  bool written = Stack::WaitUntil([&] {
    for (const auto& id : ids) {
      if (!OptedOut(stack, id)) return false;
    }
    return true;
  });
  INFO(stack.ConnectorLog());
  CHECK(written);
  for (size_t i = 0; i < phrases.size(); ++i) {
    INFO(phrases[i]);
    CHECK(MessagesTo(stack, phones[i], kConfirmation) == 1);
  }
  CHECK(MessagesTo(stack, phones.back(), kConfirmation) == 0);
  // Suppressed: a new notification to all of them sends nothing.
  auto view = Send(stack, "phrases-2", ids);
  for (const auto& r : view["recipients"].GetArray()) {
    INFO(r["record_id"].GetString());
    CHECK(std::string(r["state"].GetString()) == "suppressed");
  }
  // No reply Task for an opt-out.
  for (const auto& t : texts) CHECK(TasksWithSid(stack, t["message_sid"].GetString()) == 0);
}

TEST_CASE("a final state written with the Task is not PATCHed again", "[e2e][sync][inbox]") {
  StackOptions options;
  options.extra_config_json = R"("sync": {"task_status_interval_ms": 100},)";
  Stack stack(options);
  std::vector<std::string> phones;
  for (int i = 0; i < 5; ++i) phones.push_back("+121255506" + std::to_string(40 + i));
  auto ids = stack.CreateConsentingLeads("Patch", phones);
  // Task inserts fail for now, so every final callback arrives before the Task exists.
  REQUIRE(stack.org
              ->Send("POST", "/__emulator/faults",
                     R"({"fault":"SERVER_UNAVAILABLE","count":1000000,"method":"POST",)"
                     R"("path":"/services/data/v62.0/composite/sobjects"})")
              .status == 201);
  std::string list;
  for (const auto& id : ids) list += (list.empty() ? "\"" : ",\"") + id + "\"";
  auto r = stack.Api(
      "POST", "/v1/notifications",
      R"({"request_id":"patch-1","contact_point":"Alerts","requested_by":"0055g0000000002AAA",)"
      R"("message":"Patch test","record_ids":[)" +
          list + "]}");
  REQUIRE(r.status == 202);
  std::string nid = Json(r.body)["notification_id"].GetString();
  REQUIRE(Stack::WaitUntil([&] {
    auto doc = Json(stack.Api("GET", "/v1/notifications/" + nid).body);
    for (const auto& rec : doc["recipients"].GetArray()) {
      if (std::string(rec["state"].GetString()) != "delivered") return false;
    }
    return doc["recipients"].Size() == ids.size();
  }));
  int64_t since = LastRequestSeq(stack);
  SalesforceUp(stack);
  auto view = stack.WaitSettled(nid);
  std::map<std::string, std::string> delivery;
  auto tasks = stack.Records("Task");
  for (const auto& t : tasks["records"].GetArray()) {
    if (t["SMS_Delivery_Status__c"].IsString())
      delivery[t["Id"].GetString()] = t["SMS_Delivery_Status__c"].GetString();
  }
  for (const auto& rec : view["recipients"].GetArray()) {
    CHECK(delivery[rec["task_id"].GetString()] == "delivered");  // written with the insert
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // 15 status-writer periods
  CHECK(CollectionPatches(stack, since) == 0);
}

TEST_CASE("invalid UTF-8, NUL and control characters are refused with 400 naming the field",
          "[e2e][security][inbox]") {
  Stack stack;
  auto ids = stack.CreateConsentingLeads("Text", {"+12125550651"});
  auto post = [&](const std::string& message_json) {
    return stack.Api(
        "POST", "/v1/notifications",
        R"({"request_id":"text-1","contact_point":"Alerts","requested_by":"0055g0000000002AAA",)"
        R"("message":)" +
            message_json + R"(,"record_ids":[")" + ids[0] + R"("]})");
  };
  auto field_of = [](const sfn::http::Response& r) {
    auto doc = Json(r.body);
    return std::string(doc["error"]["field"].GetString());
  };
  for (const std::string& bad :
       {std::string("\"caf\xe9\""), std::string("\"cut \xe2\x82\""),
        std::string("\"nul \\u0000 inside\""), std::string("\"bell \\u0007\""),
        std::string("\"cr \\r\\n\""), std::string("\"esc \\u001b[31m\""),
        std::string("\"c1 \\u0085\"")}) {
    INFO(bad);
    auto r = post(bad);
    CHECK(r.status == 400);
    CHECK(field_of(r) == "message");
  }
  // Line breaks and tabs are text.
  CHECK(post(R"("Line one\nline\ttwo")").status == 202);
  // Any other member too, by its path.
  auto bad_id = stack.Api(
      "POST", "/v1/notifications",
      R"({"request_id":"text-2","contact_point":"Alerts","requested_by":"0055g0000000002AAA",)"
      R"("message":"hi","record_ids":[")" +
          ids[0] + "\xff" + R"("]})");
  CHECK(bad_id.status == 400);
  CHECK(field_of(bad_id) == "record_ids[0]");
  // The history search: a NUL or a broken byte in q is a 400, not an SQLite error.
  for (const char* q : {"%00", "abc%00def", "%FF", "%E2%82"}) {
    INFO(q);
    auto r = stack.Api("GET", std::string("/v1/history?q=") + q, "", kReadKey);
    CHECK(r.status == 400);
    CHECK(field_of(r) == "q");
  }
  CHECK(stack.Api("GET", "/v1/history?q=caf%C3%A9", "", kReadKey).status == 200);
  // A webhook too (it is refused before anything is recorded).
  const std::string url = stack.api->client->base_url() + "/v1/webhooks/twilio/inbound";
  sfn::form::Params params = {{"MessageSid", "SM0000000000000000000000000000bad1"},
                              {"From", "+12125550651"},
                              {"To", kSender},
                              {"Body", "bad \xc3"}};
  auto hook = stack.api->Send(
      "POST", "/v1/webhooks/twilio/inbound", sfn::form::Serialize(params),
      {{"Content-Type", "application/x-www-form-urlencoded"},
       {"X-Twilio-Signature", sfn::twilio::ComputeSignature(kGatewayToken, url, params)}});
  CHECK(hook.status == 400);
  CHECK(field_of(hook) == "Body");
  CHECK(stack.PendingWebhooks() == 0);
}

TEST_CASE("a long reply in a multi-byte script gives a reply Task subject cut on a character",
          "[e2e][sync][inbox]") {
  Stack stack;
  stack.RouteInboundToConnector();
  auto ids = stack.CreateConsentingLeads("Cut", {"+12125550661"});
  Send(stack, "cut-1", ids);
  std::string text;
  for (int i = 0; i < 300; ++i) text += "é";  // 600 bytes, 300 characters
  auto reply = Text(stack, "+12125550661", text);
  REQUIRE(reply["webhook_status"].GetInt() == 200);
  std::string sid = reply["message_sid"].GetString();
  REQUIRE(Stack::WaitUntil([&] { return TasksWithSid(stack, sid) == 1; }));
  auto tasks = stack.Records("Task");
  for (const auto& t : tasks["records"].GetArray()) {
    if (!t["SMS_Message_Sid__c"].IsString() || sid != t["SMS_Message_Sid__c"].GetString()) continue;
    std::string subject = t["Subject"].GetString();
    CHECK(sfn::utf8::IsValid(subject));
    size_t chars = 0;
    for (unsigned char c : subject) chars += (c & 0xC0) != 0x80;
    CHECK(chars == 255);
    CHECK(std::string(t["Description"].GetString()) == text);
  }
}

TEST_CASE(
    "an opt-out confirmation whose outcome was lost is looked up at the gateway, never sent twice",
    "[e2e][sync][inbox][keywords]") {
  Stack stack(FastRetries());
  stack.RouteInboundToConnector();
  auto ids = stack.CreateConsentingLeads("Lost", {"+12125550671", "+12125550672"});
  Send(stack, "lost-1", ids);
  // The gateway takes the first confirmation but its answer is lost (504 after the message was
  // stored); the second one fails with a 503 before anything is stored.
  REQUIRE(stack.gateway
              ->Send("POST", "/__emulator/faults",
                     R"({"fault":"timeout_after_accept","count":1,"hold_ms":300})")
              .status == 200);
  auto first = Text(stack, "+12125550671", "please stop texting me");
  CHECK(first["webhook_status"].GetInt() == 200);
  REQUIRE(stack.WaitInboxDrained());
  REQUIRE(stack.gateway->Send("POST", "/__emulator/faults", R"({"fault":"http_503","count":1})")
              .status == 200);
  auto second = Text(stack, "+12125550672", "remove me");
  CHECK(second["webhook_status"].GetInt() == 200);
  REQUIRE(stack.WaitInboxDrained());
  INFO(stack.ConnectorLog());
  CHECK(MessagesTo(stack, "+12125550671", kConfirmation) == 1);
  CHECK(MessagesTo(stack, "+12125550672", kConfirmation) == 1);
  // The lost answer really happened: the first attempt was retried through a lookup.
  CHECK(stack.ConnectorLog().find("opt-out confirmation outcome unknown") != std::string::npos);
}
