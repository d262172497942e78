// API keys bound to Salesforce users (http.api_keys[].salesforce_user): a
// sender key sends only as its user, an admin key acts for anyone and is named
// in the history, a read key sees masked numbers on every endpoint, a sender
// key sees only what its user may see (docs/history.md). Real
// processes: sfemu + smsemu + sfnotify.
#include <catch2/catch.hpp>

#include <regex>

#include "stack.h"

using namespace e2e;

namespace {

constexpr const char* kRepKey =
    R"({"name": "rep", "key_env": "E2E_SENDER_KEY", "role": "sender", "salesforce_user": "sender@sfnotify.demo"})";

std::string SendBody(const std::string& request_id, const std::vector<std::string>& ids,
                     const std::string& requested_by) {
  std::string list;
  for (const auto& id : ids) list += (list.empty() ? "\"" : ",\"") + id + "\"";
  std::string user = requested_by.empty() ? "" : R"("requested_by":")" + requested_by + R"(",)";
  return R"({"request_id":")" + request_id + R"(","contact_point":"Alerts",)" + user +
         R"("message":"Key test","record_ids":[)" + list + "]}";
}

size_t SmsCount(Stack& stack) {
  return stack.Messages()["messages"].Size();
}

std::string IntakeDetail(Stack& stack, const std::string& notification_id) {
  auto history = Json(stack.Api("GET", "/v1/history/" + notification_id).body);
  for (const auto& e : history["events"].GetArray()) {
    if (std::string(e["kind"].GetString()) == "intake") return e["detail"].GetString();
  }
  return "";
}

}  // namespace

TEST_CASE("api keys: a sender key sends only as its Salesforce user", "[e2e][api][keys]") {
  StackOptions options;
  options.extra_api_keys_json = kRepKey;
  Stack stack(options);
  auto ids = stack.CreateConsentingLeads("Keys", {"+12125550401"});
  std::string rep = stack.UserId("sender@sfnotify.demo");
  std::string viewer = stack.UserId("viewer@sfnotify.demo");

  // Naming another user: 403 naming requested_by, nothing stored, nothing sent.
  auto other =
      stack.Api("POST", "/v1/notifications", SendBody("keys-other", ids, viewer), kSenderKey);
  INFO(other.body);
  CHECK(other.status == 403);
  CHECK(Json(other.body)["error"]["field"] == "requested_by");
  CHECK(stack.Api("GET", "/v1/notifications/by-request/keys-other").status == 404);

  // Omitted: the key's user. The permission check and the Task owner follow from it.
  auto own = stack.Api("POST", "/v1/notifications", SendBody("keys-own", ids, ""), kSenderKey);
  INFO(own.body);
  REQUIRE(own.status == 202);
  std::string id = Json(own.body)["notification_id"].GetString();
  auto view = stack.WaitSettled(id);
  CHECK(std::string(view["requested_by"].GetString()) == rep);
  CHECK(IntakeDetail(stack, id).find("via key rep") != std::string::npos);
  CHECK(SmsCount(stack) == 1);

  // Naming its own user (15-character form) is the same user.
  auto same = stack.Api("POST", "/v1/notifications?dry_run=true",
                        SendBody("keys-same", ids, rep.substr(0, 15)), kSenderKey);
  INFO(same.body);
  CHECK(same.status == 200);
  CHECK(SmsCount(stack) == 1);
}

TEST_CASE("api keys: an admin key acts for any user and the history says via which key",
          "[e2e][api][keys]") {
  Stack stack;
  auto ids = stack.CreateConsentingLeads("Admin", {"+12125550411"});
  std::string rep = stack.UserId("sender@sfnotify.demo");
  auto r = stack.Api("POST", "/v1/notifications", SendBody("admin-for-rep", ids, rep));
  INFO(r.body);
  REQUIRE(r.status == 202);
  std::string id = Json(r.body)["notification_id"].GetString();
  auto view = stack.WaitSettled(id);
  CHECK(std::string(view["requested_by"].GetString()) == rep);
  CHECK(IntakeDetail(stack, id).find("via key ops") != std::string::npos);
  // An admin key without a salesforce_user must name the user.
  auto missing = stack.Api("POST", "/v1/notifications", SendBody("admin-nobody", ids, ""));
  CHECK(missing.status == 400);
  CHECK(Json(missing.body)["error"]["field"] == "requested_by");
}

TEST_CASE("api keys: a read key sees only masked numbers on every endpoint", "[e2e][api][keys]") {
  Stack stack;
  stack.RouteInboundToConnector();
  auto ids = stack.CreateConsentingLeads("Masked", {"+12125550421"});
  auto r = stack.Api("POST", "/v1/notifications",
                     SendBody("masked-1", ids, stack.UserId("sender@sfnotify.demo")));
  REQUIRE(r.status == 202);
  std::string id = Json(r.body)["notification_id"].GetString();
  stack.WaitSettled(id);
  // A reply that carries phone numbers in its text.
  auto text = stack.gateway->Send(
      "POST", "/__emulator/inbound",
      R"({"From":"+12125550421","To":"+15005550006","Body":"Call my cell 415-555-0188 or +14155550199 instead"})");
  REQUIRE(text.status == 200);
  REQUIRE(Stack::WaitUntil([&] {
    auto c = Json(stack.Api("GET", "/v1/conversations").body);
    return c["conversations"].Size() == 1;
  }));

  const std::vector<std::string> endpoints = {
      "/v1/notifications/" + id, "/v1/notifications/by-request/masked-1", "/v1/history/" + id,
      "/v1/history", "/v1/conversations"};
  // A whole number, not ten digits inside an id (gateway SIDs are hex and can hold digit runs).
  const std::regex full_number(R"((^|[^0-9A-Za-z])\+?1?[-. ]?\(?[2-9]\d\d\)?[-. ]?\d{3}[-. ]?\d{4}([^0-9A-Za-z]|$))");
  for (const auto& endpoint : endpoints) {
    auto as_read = stack.Api("GET", endpoint, "", kReadKey);
    INFO(endpoint << ": " << as_read.body);
    REQUIRE(as_read.status == 200);
    CHECK(as_read.body.find("2125550421") == std::string::npos);
    CHECK(as_read.body.find("4155550188") == std::string::npos);
    CHECK(as_read.body.find("415-555-0188") == std::string::npos);
    CHECK(as_read.body.find("4155550199") == std::string::npos);
    CHECK(!std::regex_search(as_read.body, full_number));
  }
  // The admin key sees them, so the masking is what hid them.
  CHECK(stack.Api("GET", "/v1/notifications/" + id).body.find("+12125550421") != std::string::npos);
  auto conversations = stack.Api("GET", "/v1/conversations", "", kReadKey).body;
  CHECK(conversations.find("***-***-0188") != std::string::npos);
  CHECK(conversations.find("0421") != std::string::npos);
}

TEST_CASE("api keys: start fails clearly for an unknown salesforce_user", "[e2e][api][keys]") {
  StackOptions options;
  options.start_connector = false;
  options.extra_api_keys_json =
      R"({"name": "ghost", "key_env": "E2E_SENDER_KEY", "role": "sender", "salesforce_user": "nobody@sfnotify.demo"})";
  Stack stack(options);
  std::string err = stack.dir().File("ghost-stderr.txt");
  auto child = sfn::ChildProcess::Start(
      {sfn::test::BinDir() + "/sfnotify", "run", "--config", stack.config_path()}, err,
      {"E2E_SMS_TOKEN=smsemu-demo-token", "E2E_API_KEY=a", "E2E_READ_KEY=b",
       std::string("E2E_SENDER_KEY=") + kSenderKey});
  REQUIRE(child.ok());
  int code = child->Wait(std::chrono::seconds(60));
  std::string message = sfn::test::ReadFile(err);
  INFO(message);
  CHECK(code == 1);
  CHECK(message.find(
            "http.api_keys 'ghost' salesforce_user: no Salesforce user 'nobody@sfnotify.demo'") !=
        std::string::npos);
}

TEST_CASE("api keys: a sender key sees only the contact points its user holds a role of",
          "[e2e][api][keys][visibility]") {
  StackOptions options;
  // Bound to the viewer, who holds no SMS set: only Alerts (open to Everyone) is theirs.
  options.extra_api_keys_json =
      R"({"name": "desk", "key_env": "E2E_SENDER_KEY", "role": "sender", "salesforce_user": "viewer@sfnotify.demo"})";
  Stack stack(options);
  auto ids = stack.CreateConsentingLeads("Seen", {"+12125550431", "+12125550432"});
  std::string sender = stack.UserId("sender@sfnotify.demo");
  auto main = stack.Api("POST", "/v1/notifications",
                        R"({"request_id":"seen-main","contact_point":"Main","requested_by":")" +
                            sender + R"(","message":"Main only","record_ids":[")" + ids[0] + R"("]})");
  REQUIRE(main.status == 202);
  std::string main_id = Json(main.body)["notification_id"].GetString();
  auto alerts = stack.Api("POST", "/v1/notifications", SendBody("seen-alerts", {ids[1]}, ""), kSenderKey);
  INFO(alerts.body);
  REQUIRE(alerts.status == 202);
  std::string alerts_id = Json(alerts.body)["notification_id"].GetString();
  stack.WaitSettled(main_id);
  stack.WaitSettled(alerts_id);

  // The list: only Alerts' notification.
  auto list = stack.Api("GET", "/v1/history", "", kSenderKey);
  REQUIRE(list.status == 200);
  CHECK(list.body.find(alerts_id) != std::string::npos);
  CHECK(list.body.find(main_id) == std::string::npos);
  // Main's notification is refused by id, on both API families; Alerts' is served, masked.
  for (const std::string& target : std::vector<std::string>{"/v1/notifications/" + main_id,
                                    "/v1/notifications/by-request/seen-main",
                                    "/v1/history/" + main_id}) {
    auto refused = stack.Api("GET", target, "", kSenderKey);
    INFO(target << ": " << refused.body);
    CHECK(refused.status == 403);
  }
  auto own = stack.Api("GET", "/v1/notifications/" + alerts_id, "", kSenderKey);
  REQUIRE(own.status == 200);
  CHECK(own.body.find("2125550432") == std::string::npos);
  // The admin key still sees both, whole.
  auto admin = stack.Api("GET", "/v1/history");
  CHECK(admin.body.find(main_id) != std::string::npos);
  CHECK(admin.body.find(alerts_id) != std::string::npos);
}
