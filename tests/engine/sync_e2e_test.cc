// Two-way sync end to end (sfemu + smsemu + sfnotify): delivery status
// callbacks, forged signatures, STOP/START from a handset, free-text replies,
// gateway-side opt-outs (21610) and reconcile-optouts.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "common/form.h"
#include "common/twilio_signature.h"
#include "stack.h"

using namespace e2e;

namespace {

constexpr const char* kSender = "+15005550006";

std::string SendBody(const std::string& request_id, const std::vector<std::string>& ids, const std::string& text) {
  std::string list;
  for (const auto& id : ids) list += (list.empty() ? "\"" : ",\"") + id + "\"";
  return R"({"request_id":")" + request_id + R"(","contact_point":"Alerts","requested_by":"0055g0000000002AAA",)"
         R"("message":")" + text + R"(","record_ids":[)" + list + "]}";
}

rapidjson::Document Send(Stack& stack, const std::string& request_id, const std::vector<std::string>& ids,
                         const std::string& text = "Sync test") {
  auto r = stack.Api("POST", "/v1/notifications", SendBody(request_id, ids, text));
  INFO(r.body);
  REQUIRE(r.status == 202);
  return stack.WaitSettled(Json(r.body)["notification_id"].GetString());
}

const rapidjson::Value* RecipientFor(const rapidjson::Document& view, const std::string& record_id) {
  for (const auto& r : view["recipients"].GetArray()) {
    if (record_id == r["record_id"].GetString()) return &r;
  }
  return nullptr;
}

std::map<std::string, const rapidjson::Value*> ById(const rapidjson::Document& records) {
  std::map<std::string, const rapidjson::Value*> out;
  for (const auto& r : records["records"].GetArray()) out[r["Id"].GetString()] = &r;
  return out;
}

bool OptedOut(const rapidjson::Value& record) {
  return record["SMS_Opt_Out__c"].IsBool() && record["SMS_Opt_Out__c"].GetBool();
}

// A handset reply through smsemu, which signs and posts it to the connector.
rapidjson::Document Reply(Stack& stack, const std::string& from, const std::string& body) {
  auto r = stack.gateway->Send("POST", "/__emulator/inbound",
                               R"({"From":")" + from + R"(","To":")" + kSender + R"(","Body":")" + body + R"("})");
  INFO(r.body);
  REQUIRE(r.status == 200);
  REQUIRE(stack.WaitInboxDrained());  // answered once kept; processed right after
  return Json(r.body);
}

}  // namespace

TEST_CASE("status callbacks, duplicated and reordered, end in the right final state and Task field", "[e2e][sync]") {
  Stack stack;
  std::vector<std::string> phones = {"+12125550101", "+12125550102", "+12125550103"};
  auto ids = stack.CreateConsentingLeads("Sync", phones, "Robin");
  REQUIRE(stack.gateway->Send("POST", "/__emulator/carrier",
                              R"({"number":"+12125550102","outcome":"undelivered","error_code":30003})").status == 200);
  REQUIRE(stack.gateway->Send("POST", "/__emulator/carrier",
                              R"({"number":"+12125550103","outcome":"failed","error_code":30006})").status == 200);
  REQUIRE(stack.gateway->Send("POST", "/__emulator/callbacks", R"({"duplicate":true,"reorder":true})").status == 200);
  auto view = Send(stack, "status-1", ids);
  std::string nid = view["notification_id"].GetString();
  std::map<std::string, std::string> expected = {{ids[0], "delivered"}, {ids[1], "undelivered"}, {ids[2], "failed"}};
  bool final_states = Stack::WaitUntil([&] {
    auto doc = Json(stack.Api("GET", "/v1/notifications/" + nid).body);
    for (const auto& [id, state] : expected) {
      if (state != (*RecipientFor(doc, id))["state"].GetString()) return false;
    }
    return true;
  });
  INFO(stack.Api("GET", "/v1/notifications/" + nid).body);
  INFO(stack.gateway->Send("GET", "/__emulator/messages").body);
  REQUIRE(final_states);
  auto doc = Json(stack.Api("GET", "/v1/notifications/" + nid).body);
  CHECK((*RecipientFor(doc, ids[1]))["error_code"].GetInt() == 30003);
  CHECK((*RecipientFor(doc, ids[2]))["error_code"].GetInt() == 30006);
  // The Tasks' delivery field follows, written in batches.
  std::map<std::string, std::string> expected_field = {
      {ids[0], "delivered"}, {ids[1], "undelivered (30003)"}, {ids[2], "failed (30006)"}};
  bool fields = Stack::WaitUntil([&] {
    auto tasks = stack.Records("Task");
    int ok = 0;
    for (const auto& t : tasks["records"].GetArray()) {
      if (!t["WhoId"].IsString() || !t["SMS_Delivery_Status__c"].IsString()) continue;
      auto it = expected_field.find(t["WhoId"].GetString());
      if (it != expected_field.end() && it->second == t["SMS_Delivery_Status__c"].GetString()) ++ok;
    }
    return ok == 3;
  });
  CHECK(fields);
  // Duplicated callbacks were delivered (and ignored as no progress): every event is in the gateway's log.
  auto messages = stack.Messages();
  int duplicates = 0;
  for (const auto& m : messages["messages"].GetArray()) {
    for (const auto& c : m["callbacks"].GetArray()) duplicates += c["duplicate"].IsBool() && c["duplicate"].GetBool();
  }
  CHECK(duplicates > 0);
}

TEST_CASE("a forged or missing signature changes nothing", "[e2e][sync][security]") {
  Stack stack;
  // No callbacks from the gateway in this test: the recipient stays `accepted`, so a forged
  // "failed" would visibly change it if it were applied.
  stack.DropGatewayCallbacks();
  auto ids = stack.CreateConsentingLeads("Sync", {"+12125550111"}, "Robin");
  auto view = Send(stack, "forged-1", ids);
  const auto* rec = RecipientFor(view, ids[0]);
  std::string sid = (*rec)["gateway_sid"].GetString();
  std::string url = stack.api->client->base_url() + "/v1/webhooks/twilio/status?r=1";
  sfn::form::Params params = {{"MessageSid", sid}, {"MessageStatus", "failed"}, {"ErrorCode", "30007"}};
  std::string body = sfn::form::Serialize(params);
  auto forged = stack.api->Send("POST", "/v1/webhooks/twilio/status?r=1", body,
                                {{"Content-Type", "application/x-www-form-urlencoded"},
                                 {"X-Twilio-Signature", sfn::twilio::ComputeSignature("not-the-token", url, params)}});
  CHECK(forged.status == 403);
  auto unsigned_call = stack.api->Send("POST", "/v1/webhooks/twilio/status?r=1", body,
                                       {{"Content-Type", "application/x-www-form-urlencoded"}});
  CHECK(unsigned_call.status == 403);
  auto inbound = stack.api->Send("POST", "/v1/webhooks/twilio/inbound",
                                 "MessageSid=SMforged&From=%2B12125550111&To=%2B15005550006&Body=STOP",
                                 {{"Content-Type", "application/x-www-form-urlencoded"}});
  CHECK(inbound.status == 403);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto after = Json(stack.Api("GET", "/v1/notifications/by-request/forged-1").body);
  CHECK((*RecipientFor(after, ids[0]))["error_code"].GetInt() == 0);
  CHECK(std::string((*RecipientFor(after, ids[0]))["state"].GetString()) != "failed");
  // A correctly signed call with the real token is applied (the check above is not vacuous).
  auto good = stack.api->Send("POST", "/v1/webhooks/twilio/status?r=1", body,
                              {{"Content-Type", "application/x-www-form-urlencoded"},
                               {"X-Twilio-Signature", sfn::twilio::ComputeSignature("smsemu-demo-token", url, params)}});
  CHECK(good.status == 200);
  REQUIRE(stack.WaitInboxDrained());
  auto applied = Json(stack.Api("GET", "/v1/notifications/by-request/forged-1").body);
  CHECK((*RecipientFor(applied, ids[0]))["error_code"].GetInt() == 30007);
}

TEST_CASE("STOP is honoured by the next notification and written to every record with the number, START restores",
          "[e2e][sync]") {
  Stack stack;
  stack.RouteInboundToConnector();
  // Two records share one number (written differently); a third has another number.
  auto ids = stack.CreateConsentingLeads("Sync", {"+1 (212) 555-0121", "212.555.0121", "+12125550122"}, "Robin");
  auto first = Send(stack, "stop-1", {ids[0], ids[2]});
  CHECK(std::string((*RecipientFor(first, ids[0]))["state"].GetString()) != "suppressed");

  auto stop = Reply(stack, "+12125550121", "Stop");
  CHECK(stop["webhook_status"].GetInt() == 200);
  // The very next notification: the number is suppressed, the other recipient is sent.
  auto second = Send(stack, "stop-2", {ids[0], ids[1], ids[2]});
  CHECK(std::string((*RecipientFor(second, ids[0]))["reason"].GetString()) == "opted_out");
  CHECK(std::string((*RecipientFor(second, ids[1]))["reason"].GetString()) == "opted_out");
  CHECK(std::string((*RecipientFor(second, ids[2]))["state"].GetString()) != "suppressed");
  // Salesforce: both records with the number are opted out; the other one is not.
  bool written = Stack::WaitUntil([&] {
    auto leads = stack.Records("Lead");
    auto by_id = ById(leads);
    return OptedOut(*by_id[ids[0]]) && OptedOut(*by_id[ids[1]]);
  });
  CHECK(written);
  auto leads = stack.Records("Lead");
  CHECK_FALSE(OptedOut(*ById(leads)[ids[2]]));

  auto start = Reply(stack, "+12125550121", "START");
  CHECK(start["webhook_status"].GetInt() == 200);
  bool cleared = Stack::WaitUntil([&] {
    auto now = stack.Records("Lead");
    auto by_id = ById(now);
    return !OptedOut(*by_id[ids[0]]) && !OptedOut(*by_id[ids[1]]);
  });
  CHECK(cleared);
  auto third = Send(stack, "stop-3", {ids[0]});
  CHECK(std::string((*RecipientFor(third, ids[0]))["state"].GetString()) != "suppressed");
}

TEST_CASE("a free-text reply marks the recipient responded and writes exactly one reply Task", "[e2e][sync]") {
  Stack stack;
  stack.RouteInboundToConnector();
  auto ids = stack.CreateConsentingLeads("Sync", {"+12125550131"}, "Robin");
  Send(stack, "reply-1", ids);
  auto reply = Reply(stack, "+12125550131", "See you at 3pm");
  REQUIRE(reply["webhook_status"].GetInt() == 200);
  std::string sid = reply["message_sid"].GetString();
  auto count_reply_tasks = [&] {
    auto tasks = stack.Records("Task");
    int n = 0;
    for (const auto& t : tasks["records"].GetArray()) {
      n += t["SMS_Message_Sid__c"].IsString() && sid == t["SMS_Message_Sid__c"].GetString();
    }
    return n;
  };
  REQUIRE(count_reply_tasks() == 1);
  auto view = Json(stack.Api("GET", "/v1/notifications/by-request/reply-1").body);
  CHECK((*RecipientFor(view, ids[0]))["responded"].GetBool());

  // The same webhook delivered again (same MessageSid, same signature) changes nothing.
  const auto& posted = reply["posted"];
  sfn::form::Params params;
  for (auto it = posted.MemberBegin(); it != posted.MemberEnd(); ++it) {
    params.emplace_back(it->name.GetString(), it->value.IsString() ? it->value.GetString() : "");
  }
  std::string url = stack.api->client->base_url() + "/v1/webhooks/twilio/inbound";
  auto again = stack.api->Send("POST", "/v1/webhooks/twilio/inbound", sfn::form::Serialize(params),
                               {{"Content-Type", "application/x-www-form-urlencoded"},
                                {"X-Twilio-Signature", sfn::twilio::ComputeSignature("smsemu-demo-token", url, params)}});
  CHECK(again.status == 200);
  REQUIRE(stack.WaitInboxDrained());
  CHECK(count_reply_tasks() == 1);

  auto conversations = Json(stack.Api("GET", "/v1/conversations").body);
  REQUIRE(conversations["conversations"].Size() == 1);
  CHECK(std::string(conversations["conversations"][0]["body"].GetString()) == "See you at 3pm");
  CHECK(std::string(conversations["conversations"][0]["record_id"].GetString()) == ids[0]);
  auto masked = Json(stack.Api("GET", "/v1/conversations", "", kReadKey).body);
  CHECK(std::string(masked["conversations"][0]["from"].GetString()) == "********0131");
  CHECK(stack.Api("GET", "/v1/conversations", "", "").status == 401);

  // A reply from a number never messaged is recorded and creates nothing.
  auto stranger = Reply(stack, "+12125550199", "Who is this?");
  CHECK(stranger["webhook_status"].GetInt() == 200);
  CHECK(Json(stack.Api("GET", "/v1/conversations").body)["conversations"].Size() == 1);
}

TEST_CASE("a 21610 from the gateway suppresses the number and writes the opt-out back, reconcile fixes drift",
          "[e2e][sync]") {
  Stack stack;
  // The handset opted out at the gateway only (the connector was not told): smsemu refuses with 21610.
  REQUIRE(stack.gateway->Send("POST", "/__emulator/inbound",
                              R"({"From":"+12125550141","To":"+15005550006","Body":"STOP"})").status == 200);
  REQUIRE(stack.WaitInboxDrained());
  auto ids = stack.CreateConsentingLeads("Sync", {"+12125550141", "+12125550142"}, "Robin");
  auto view = Send(stack, "gw-optout-1", ids);
  const auto* blocked = RecipientFor(view, ids[0]);
  CHECK(std::string((*blocked)["state"].GetString()) == "failed");
  CHECK((*blocked)["error_code"].GetInt() == 21610);
  bool written = Stack::WaitUntil([&] {
    auto leads = stack.Records("Lead");
    return OptedOut(*ById(leads)[ids[0]]);
  });
  CHECK(written);
  auto next = Send(stack, "gw-optout-2", {ids[0]});
  CHECK(std::string((*RecipientFor(next, ids[0]))["reason"].GetString()) == "opted_out");

  // Someone clears the field in Salesforce; reconcile-optouts puts it back and says so.
  std::string token = stack.OrgToken();
  auto cleared = stack.org->Send("PATCH", "/services/data/v62.0/sobjects/Lead/" + ids[0], R"({"SMS_Opt_Out__c":false})",
                                 {{"Authorization", "Bearer " + token}});
  REQUIRE(cleared.status == 204);
  auto child = sfn::ChildProcess::Start({sfn::test::BinDir() + "/sfnotify", "reconcile-optouts", "--config",
                                         stack.config_path()},
                                        stack.dir().File("reconcile.err"), {"E2E_SMS_TOKEN=smsemu-demo-token"});
  REQUIRE(child.ok());
  std::string out = child->ReadRemaining(std::chrono::seconds(60));
  INFO(out << sfn::test::ReadFile(stack.dir().File("reconcile.err")));
  CHECK(child->Wait(std::chrono::seconds(30)) == 0);
  CHECK(out.find("opted out Lead " + ids[0]) != std::string::npos);
  CHECK(out.find("1 changed") != std::string::npos);
  auto leads = stack.Records("Lead");
  CHECK(OptedOut(*ById(leads)[ids[0]]));
}
