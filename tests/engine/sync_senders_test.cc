// Two-way sync where it depends on which contact point a handset answers:
// contact points sharing one sender number (a reply cannot tell them apart, so
// it is matched to the latest send from any of them and a STOP covers all),
// contact points with their own numbers (a STOP covers the one texted; the
// org's record-level opt-out stays set while any contact point still
// suppresses the number), HELP, and one inbound message delivered twice at
// once.
#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <thread>

#include "common/crypto.h"
#include "common/form.h"
#include "common/twilio_signature.h"
#include "stack.h"

using namespace e2e;

namespace {

constexpr const char* kMainSender = "+15005550006";
constexpr const char* kAlertsSender = "+15005550007";
constexpr const char* kGatewayToken = "smsemu-demo-token";

// Sends `ids` from `contact_point` through the API and waits until it settled.
rapidjson::Document Send(Stack& stack, const std::string& requester,
                         const std::string& contact_point, const std::string& request_id,
                         const std::vector<std::string>& ids) {
  std::string list;
  for (const auto& id : ids) list += (list.empty() ? "\"" : ",\"") + id + "\"";
  auto r = stack.Api("POST", "/v1/notifications",
                     R"({"request_id":")" + request_id + R"(","contact_point":")" + contact_point +
                         R"(","requested_by":")" + requester +
                         R"(","message":"Senders test","record_ids":[)" + list + "]}");
  INFO(r.body);
  REQUIRE(r.status == 202);
  return stack.WaitSettled(Json(r.body)["notification_id"].GetString());
}

const rapidjson::Value& RecipientFor(const rapidjson::Document& view,
                                     const std::string& record_id) {
  for (const auto& r : view["recipients"].GetArray()) {
    if (record_id == r["record_id"].GetString()) return r;
  }
  FAIL("record " << record_id << " is not a recipient");
  return view["recipients"][0];
}

std::string StateOf(const rapidjson::Document& view, const std::string& record_id) {
  const auto& r = RecipientFor(view, record_id);
  std::string state = r["state"].GetString();
  return state == "suppressed" ? state + ":" + r["reason"].GetString() : state;
}

// Handed to the gateway (its callbacks may still be arriving).
bool WentOut(const std::string& state) {
  UNSCOPED_INFO("state: " << state);
  return state == "accepted" || state == "sent" || state == "delivered";
}

bool OptedOut(Stack& stack, const std::string& lead_id) {
  auto leads = stack.Records("Lead");
  for (const auto& r : leads["records"].GetArray()) {
    if (lead_id == r["Id"].GetString())
      return r["SMS_Opt_Out__c"].IsBool() && r["SMS_Opt_Out__c"].GetBool();
  }
  FAIL("no Lead " << lead_id);
  return false;
}

// A handset's text to one of our numbers, through smsemu (which signs and posts the webhook).
void Text(Stack& stack, const std::string& from, const std::string& to, const std::string& body) {
  auto r = stack.gateway->Send(
      "POST", "/__emulator/inbound",
      R"({"From":")" + from + R"(","To":")" + to + R"(","Body":")" + body + R"("})");
  INFO(r.body);
  REQUIRE(r.status == 200);
  REQUIRE(Json(r.body)["webhook_status"].GetInt() == 200);
  REQUIRE(stack.WaitInboxDrained());  // answered once kept; processed right after
}

int TasksWithSid(Stack& stack, const std::string& sid) {
  auto tasks = stack.Records("Task");
  int n = 0;
  for (const auto& t : tasks["records"].GetArray()) {
    n += t["SMS_Message_Sid__c"].IsString() && sid == t["SMS_Message_Sid__c"].GetString();
  }
  return n;
}

}  // namespace

TEST_CASE(
    "contact points sharing a sender: a reply matches the latest send from either, STOP covers "
    "both",
    "[e2e][sync]") {
  Stack stack;  // Main and Alerts both send from +15005550006
  stack.RouteInboundToConnector();
  std::string requester = stack.UserId("sender@sfnotify.demo");  // holds SMS_Notification_Sender (Main)
  auto ids = stack.CreateConsentingLeads("Senders", {"+12125550161"}, "Kim");
  auto first = Send(stack, requester, "Main", "shared-1", ids);
  REQUIRE(WentOut(StateOf(first, ids[0])));

  // A free-text answer to Main's message: matched to it although the number is Alerts' as well.
  Text(stack, "+12125550161", kMainSender, "Running 5 minutes late");
  auto conversations = Json(stack.Api("GET", "/v1/conversations").body);
  INFO(stack.ConnectorLog());
  REQUIRE(conversations["conversations"].Size() == 1);
  const auto& c = conversations["conversations"][0];
  CHECK(std::string(c["record_id"].GetString()) == ids[0]);
  CHECK(std::string(c["contact_point"].GetString()) == "Main");
  CHECK(std::string(c["notification_id"].GetString()) == first["notification_id"].GetString());
  auto after_reply = Json(stack.Api("GET", "/v1/notifications/by-request/shared-1").body);
  CHECK(RecipientFor(after_reply, ids[0])["responded"].GetBool());

  // HELP is recorded on the notification, suppresses nothing and writes no Task.
  size_t tasks_before = stack.Records("Task")["records"].Size();
  Text(stack, "+12125550161", kMainSender, "help");
  auto detail = Json(
      stack.Api("GET", "/v1/history/" + std::string(first["notification_id"].GetString())).body);
  bool help_recorded = false;
  for (const auto& e : detail["events"].GetArray()) {
    help_recorded |= std::string(e["kind"].GetString()) == "inbound" &&
                     std::string(e["state"].GetString()) == "help";
  }
  CHECK(help_recorded);
  CHECK(stack.Records("Task")["records"].Size() == tasks_before);
  CHECK(WentOut(StateOf(Send(stack, requester, "Main", "shared-2", ids), ids[0])));

  // STOP to the shared number: neither contact point sends again (the connector's own list says so,
  // not the gateway's 21610 refusal).
  Text(stack, "+12125550161", kMainSender, "STOP");
  CHECK(StateOf(Send(stack, requester, "Main", "shared-3", ids), ids[0]) == "suppressed:opted_out");
  CHECK(StateOf(Send(stack, requester, "Alerts", "shared-4", ids), ids[0]) ==
        "suppressed:opted_out");
  CHECK(Stack::WaitUntil([&] { return OptedOut(stack, ids[0]); }));

  // START to the shared number restores both, once the org's opt-out field (which the resolver
  // honours for every contact point) is cleared.
  Text(stack, "+12125550161", kMainSender, "START");
  REQUIRE(Stack::WaitUntil([&] { return !OptedOut(stack, ids[0]); }));
  CHECK(WentOut(StateOf(Send(stack, requester, "Alerts", "shared-5", ids), ids[0])));
  CHECK(WentOut(StateOf(Send(stack, requester, "Main", "shared-6", ids), ids[0])));
}

TEST_CASE(
    "own numbers per contact point: STOP covers the one texted, the org keeps the opt-out while "
    "any suppresses",
    "[e2e][sync]") {
  StackOptions options;
  options.main_sender = kMainSender;
  options.alerts_sender = kAlertsSender;
  Stack stack(options);
  stack.RouteInboundToConnector();
  std::string requester = stack.UserId("sender@sfnotify.demo");  // holds SMS_Notification_Sender (Main)
  // `marker` only serves to see the opt-out writer get past a change queued before its own.
  auto ids = stack.CreateConsentingLeads("Senders", {"+12125550171", "+12125550172"}, "Kim");
  const std::string lead = ids[0], marker = ids[1];
  REQUIRE(WentOut(StateOf(Send(stack, requester, "Main", "own-1", {lead}), lead)));

  // STOP to Main's number: Main stops at once (its suppression), and the org's record-level
  // opt-out follows, which every contact point honours.
  Text(stack, "+12125550171", kMainSender, "Stop.");
  CHECK(StateOf(Send(stack, requester, "Main", "own-2", {lead}), lead) == "suppressed:opted_out");
  CHECK(Stack::WaitUntil([&] { return OptedOut(stack, lead); }));

  // Opted out from Alerts too, then back in on Main only: Alerts still suppresses the number, so
  // the opt-out field must stay set (it mirrors "suppressed on any contact point", the rule
  // reconcile-optouts applies too).
  Text(stack, "+12125550171", kAlertsSender, "unsubscribe");
  Text(stack, "+12125550171", kMainSender, "START");
  Text(stack, "+12125550172", kMainSender, "STOP");  // queued after the START
  REQUIRE(Stack::WaitUntil([&] { return OptedOut(stack, marker); }));
  CHECK(OptedOut(stack, lead));
  CHECK(StateOf(Send(stack, requester, "Alerts", "own-3", {lead}), lead) == "suppressed:opted_out");

  // Back in on Alerts as well: the opt-out is cleared and both contact points send again.
  Text(stack, "+12125550171", kAlertsSender, "start");
  REQUIRE(Stack::WaitUntil([&] { return !OptedOut(stack, lead); }));
  CHECK(WentOut(StateOf(Send(stack, requester, "Alerts", "own-4", {lead}), lead)));
  CHECK(WentOut(StateOf(Send(stack, requester, "Main", "own-5", {lead}), lead)));
}

TEST_CASE("one inbound message delivered twice at the same moment writes one reply Task",
          "[e2e][sync]") {
  Stack stack;
  std::string requester = stack.UserId("sender@sfnotify.demo");  // holds SMS_Notification_Sender (Main)
  auto ids = stack.CreateConsentingLeads("Senders", {"+12125550181"}, "Kim");
  Send(stack, requester, "Alerts", "twice-1", ids);
  const std::string url = stack.api->client->base_url() + "/v1/webhooks/twilio/inbound";
  std::vector<std::string> sids;
  for (int round = 0; round < 8; ++round) {
    std::string sid = "SM" + sfn::crypto::RandomHex(16);
    sids.push_back(sid);
    sfn::form::Params params = {{"MessageSid", sid},
                                {"SmsSid", sid},
                                {"AccountSid", "AC0123456789abcdef0123456789abcdef"},
                                {"From", "+12125550181"},
                                {"To", kMainSender},
                                {"Body", "Reply " + std::to_string(round)}};
    std::string body = sfn::form::Serialize(params);
    std::string signature = sfn::twilio::ComputeSignature(kGatewayToken, url, params);
    // Two clients, connected beforehand, posting the same signed webhook together.
    std::vector<std::unique_ptr<Http>> clients;
    for (int copy = 0; copy < 2; ++copy) {
      clients.push_back(std::make_unique<Http>(stack.api->client->base_url()));
      clients.back()->Send("GET", "/healthz");
    }
    sfn::http::Request req;
    req.method = "POST";
    req.path = "/v1/webhooks/twilio/inbound";
    req.body = body;
    req.headers.Add("Content-Type", "application/x-www-form-urlencoded");
    req.headers.Add("X-Twilio-Signature", signature);
    std::atomic<int> ready{0}, ok{0};
    std::vector<std::thread> posts;
    for (int copy = 0; copy < 2; ++copy) {
      posts.emplace_back([&, copy] {
        ++ready;
        while (ready < 2) std::this_thread::yield();
        auto r = clients[copy]->client->Send(req);
        if (r.ok() && r->status == 200) ++ok;
      });
    }
    for (auto& t : posts) t.join();
    CHECK(ok == 2);
  }
  REQUIRE(stack.WaitInboxDrained());
  for (const auto& sid : sids) {
    INFO(sid);
    CHECK(TasksWithSid(stack, sid) == 1);
  }
  auto conversations = Json(stack.Api("GET", "/v1/conversations").body);
  // One conversation (one recipient answered), each message once.
  REQUIRE(conversations["conversations"].Size() == 1);
  CHECK(conversations["conversations"][0]["messages"].Size() == sids.size());
}

TEST_CASE(
    "a contact point sending through a Messaging Service is found from the inbound "
    "MessagingServiceSid",
    "[e2e][sync]") {
  const std::string service = "MG0123456789abcdef0123456789abcdef";
  StackOptions options;
  options.alerts_sender = service;
  Stack stack(options);
  auto ids = stack.CreateConsentingLeads("Senders", {"+12125550191"}, "Kim");
  auto sent = Send(stack, "0055g0000000002AAA", "Alerts", "service-1", ids);
  REQUIRE(WentOut(StateOf(sent, ids[0])));
  // The handset answers one of the service's pool numbers (not a configured sender); the webhook
  // names the service.
  const std::string pool_number = "+15005550042";
  const std::string url = stack.api->client->base_url() + "/v1/webhooks/twilio/inbound";
  auto post = [&](const std::string& sid, const std::string& body) {
    sfn::form::Params params = {{"MessageSid", sid},
                                {"From", "+12125550191"},
                                {"To", pool_number},
                                {"MessagingServiceSid", service},
                                {"Body", body}};
    return stack.api->Send(
        "POST", "/v1/webhooks/twilio/inbound", sfn::form::Serialize(params),
        {{"Content-Type", "application/x-www-form-urlencoded"},
         {"X-Twilio-Signature", sfn::twilio::ComputeSignature(kGatewayToken, url, params)}});
  };
  REQUIRE(post("SM" + sfn::crypto::RandomHex(16), "On my way").status == 200);
  REQUIRE(stack.WaitInboxDrained());
  auto conversations = Json(stack.Api("GET", "/v1/conversations").body);
  REQUIRE(conversations["conversations"].Size() == 1);
  CHECK(std::string(conversations["conversations"][0]["contact_point"].GetString()) == "Alerts");
  CHECK(std::string(conversations["conversations"][0]["record_id"].GetString()) == ids[0]);

  REQUIRE(post("SM" + sfn::crypto::RandomHex(16), "STOP").status == 200);
  REQUIRE(stack.WaitInboxDrained());
  CHECK(StateOf(Send(stack, "0055g0000000002AAA", "Alerts", "service-2", ids), ids[0]) ==
        "suppressed:opted_out");
}
