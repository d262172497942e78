// The send pipeline on a real network's terms, with real processes: emulator
// latency, many sends in flight, 429 storms, an outage (compressed by config)
// that the breaker sits out and the send window ends, identical bodies to one
// number from two notifications, status callbacks that never come, and a
// recipient that reaches the head of the queue inside its quiet window (the
// connector's clock moved through SFNOTIFY_CLOCK_OFFSET_FILE).
#include <date/tz.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <future>
#include <map>
#include <set>

#include "common/crypto.h"
#include "stack.h"

using namespace e2e;

namespace {

std::string SendBody(const std::string& request_id, const std::vector<std::string>& ids,
                     const std::string& text, const std::string& contact_point = "Alerts") {
  std::string list;
  for (const auto& id : ids) list += (list.empty() ? "\"" : ",\"") + id + "\"";
  return R"({"request_id":")" + request_id + R"(","contact_point":")" + contact_point +
         R"(","requested_by":"0055g0000000002AAA","message":")" + text + R"(","record_ids":[)" +
         list + "]}";
}

std::string Submit(Stack& stack, const std::string& request_id, const std::vector<std::string>& ids,
                   const std::string& text, const std::string& contact_point = "Alerts") {
  auto r = stack.Api("POST", "/v1/notifications", SendBody(request_id, ids, text, contact_point));
  INFO(r.body);
  REQUIRE(r.status == 202);
  return Json(r.body)["notification_id"].GetString();
}

std::string Str(const rapidjson::Value& v, const char* key) {
  auto it = v.FindMember(key);
  return it != v.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

std::vector<std::string> Phones(const std::string& prefix, int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(prefix + std::to_string(1000 + i));
  return out;
}

// Outbound messages the gateway holds, per To number.
std::map<std::string, int> SmsPerNumber(Stack& stack) {
  std::map<std::string, int> out;
  auto doc = stack.Messages();
  for (const auto& m : doc["messages"].GetArray()) {
    if (Str(m, "direction").rfind("inbound", 0) == 0) continue;
    out[Str(m, "to")]++;
  }
  return out;
}

rapidjson::Document View(Stack& stack, const std::string& nid) {
  return Json(stack.Api("GET", "/v1/notifications/" + nid).body);
}

std::map<std::string, int> States(const rapidjson::Document& view) {
  std::map<std::string, int> out;
  for (const auto& r : view["recipients"].GetArray()) out[Str(r, "state")]++;
  return out;
}

void Fault(Http& gateway, const std::string& json) {
  auto r = gateway.Send("POST", "/__emulator/faults", json);
  INFO(r.body);
  REQUIRE(r.status == 200);
}

int PendingFaults(Http& gateway) {
  auto doc = Json(gateway.Send("GET", "/__emulator/faults").body);
  return static_cast<int>(doc["pending"].GetArray().Size());
}

std::string HistoryText(Stack& stack, const std::string& nid) {
  return stack.Api("GET", "/v1/history/" + nid).body;
}

double Millis(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

}  // namespace

TEST_CASE(
    "smsemu and sfemu with --latency-ms delay every API answer, not their hooks, and hold no "
    "thread",
    "[pipeline][latency]") {
  auto sms = sfn::test::StartServer("smsemu", {"--port", "0", "--latency-ms", "1000"});
  auto sf = sfn::test::StartServer("sfemu", {"--port", "0", "--latency-ms", "1000"});
  Http gateway(sms.url), org(sf.url);
  auto t0 = std::chrono::steady_clock::now();
  auto list = gateway.Send(
      "GET", "/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json", "",
      {{"Authorization", "Basic " + sfn::crypto::Base64Encode(
                                        "AC0123456789abcdef0123456789abcdef:smsemu-demo-token")}});
  CHECK(list.status == 200);
  CHECK(Millis(std::chrono::steady_clock::now() - t0) >= 1000);
  t0 = std::chrono::steady_clock::now();
  CHECK(org.Send("GET", "/services/data/v62.0/limits").status == 401);
  CHECK(Millis(std::chrono::steady_clock::now() - t0) >= 1000);
  // Hooks answer at once.
  t0 = std::chrono::steady_clock::now();
  CHECK(gateway.Send("GET", "/__emulator/messages").status == 200);
  CHECK(org.Send("GET", "/__emulator/requests").status == 200);
  CHECK(Millis(std::chrono::steady_clock::now() - t0) < 1000);
  // 60 requests at once all wait the same second side by side (a thread each would need 60 s of
  // a 40-thread pool's time in series).
  std::vector<std::future<int>> answers;
  t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 60; ++i) {
    answers.push_back(std::async(std::launch::async, [&org] {
      sfn::http::Client client(org.client->base_url());
      sfn::http::Request req;
      req.path = "/services/data/v62.0/limits";
      auto r = client.Send(req);
      return r.ok() ? r->status : 0;
    }));
  }
  for (auto& a : answers) CHECK(a.get() == 401);
  CHECK(Millis(std::chrono::steady_clock::now() - t0) < 20000);
}

TEST_CASE(
    "through 120 ms of gateway and 80 ms of org latency every recipient gets one SMS and one Task",
    "[pipeline][latency]") {
  StackOptions options;
  options.smsemu_args = {"--latency-ms", "120", "--mps", "100000"};
  options.sfemu_args = {"--latency-ms", "80"};
  options.mps = 100000;
  Stack stack(options);
  auto phones = Phones("+1212555", 150);
  auto ids = stack.CreateConsentingLeads("Lat", phones, "Robin");
  auto nid = Submit(stack, "latency-150", ids, "Latency test");
  auto view = stack.WaitSettled(nid, std::chrono::seconds(120));
  CHECK(States(view)["failed"] == 0);
  auto sms = SmsPerNumber(stack);
  for (const auto& p : phones) CHECK(sms[p] == 1);
  int tasks = 0;
  auto task_records = stack.Records("Task");
  for (const auto& t : task_records["records"].GetArray())
    tasks += !Str(t, "SMS_Message_Sid__c").empty();
  CHECK(tasks == 150);
}

TEST_CASE("a 429 storm slows the whole gateway and fails nobody", "[pipeline][faults]") {
  StackOptions options;
  options.smsemu_args = {"--mps", "100000"};
  Stack stack(options);
  auto phones = Phones("+1212556", 60);
  auto ids = stack.CreateConsentingLeads("Storm", phones, "Robin");
  Fault(*stack.gateway, R"({"fault":"http_429","count":40})");
  auto nid = Submit(stack, "storm-60", ids, "Storm test");
  auto view = stack.WaitSettled(nid, std::chrono::seconds(120));
  INFO(stack.ConnectorLog());
  CHECK(PendingFaults(*stack.gateway) == 0);
  CHECK(States(view)["failed"] == 0);
  auto sms = SmsPerNumber(stack);
  for (const auto& p : phones) CHECK(sms[p] == 1);
  CHECK(HistoryText(stack, nid).find("retry") != std::string::npos);
}

TEST_CASE(
    "a gateway outage (compressed) opens the breaker, and after it everyone is sent once and "
    "nobody failed",
    "[pipeline][faults]") {
  StackOptions options;
  options.smsemu_args = {"--mps", "100000"};
  options.extra_gateway_json =
      R"("breaker_failures": 3, "breaker_probe_ms": 200, "retry_max_backoff_ms": 400)";
  options.contact_point_extra_json = R"("send_window_minutes": 2,)";
  Stack stack(options);
  auto phones = Phones("+1212557", 20);
  auto ids = stack.CreateConsentingLeads("Outage", phones, "Robin");
  const int kOutage = 2000;
  Fault(*stack.gateway, R"({"fault":"http_503","count":2000})");
  auto nid = Submit(stack, "outage-20", ids, "Outage test");
  std::this_thread::sleep_for(std::chrono::seconds(5));  // the outage
  int calls = kOutage - PendingFaults(*stack.gateway);
  // Without the breaker 20 recipients retried every <= 400 ms for 5 s would make ~250 calls; the
  // breaker lets a probe through at growing intervals instead.
  CHECK(calls >= 3);
  CHECK(calls < 40);
  auto during = View(stack, nid);
  CHECK(States(during)["failed"] == 0);
  CHECK(SmsPerNumber(stack).empty());
  REQUIRE(stack.gateway->Send("POST", "/__emulator/reset").status == 200);  // the gateway is back
  auto view = stack.WaitSettled(nid, std::chrono::seconds(90));
  INFO(stack.ConnectorLog());
  CHECK(States(view)["failed"] == 0);
  auto sms = SmsPerNumber(stack);
  for (const auto& p : phones) CHECK(sms[p] == 1);
  CHECK(stack.ConnectorLog().find("breaker open") != std::string::npos);
}

TEST_CASE("when the outage outlasts the send window the recipients fail as expired, never sent",
          "[pipeline][faults]") {
  StackOptions options;
  options.extra_gateway_json = R"("breaker_failures": 1000, "retry_max_backoff_ms": 300)";
  options.contact_point_extra_json = R"("send_window_minutes": 0.05,)";  // 3 s
  Stack stack(options);
  auto phones = Phones("+1212558", 5);
  auto ids = stack.CreateConsentingLeads("Expire", phones, "Robin");
  Fault(*stack.gateway, R"({"fault":"http_503","count":2000})");
  auto nid = Submit(stack, "expire-5", ids, "Expire test");
  rapidjson::Document view;
  bool failed = Stack::WaitUntil([&] {
    view = View(stack, nid);
    return States(view)["failed"] == 5;
  });
  INFO(stack.Api("GET", "/v1/notifications/" + nid).body.substr(0, 1500));
  REQUIRE(failed);
  for (const auto& r : view["recipients"].GetArray())
    CHECK(std::string(r["reason"].GetString()) == "expired");
  CHECK(SmsPerNumber(stack).empty());
  CHECK(HistoryText(stack, nid).find("send window of") != std::string::npos);
}

TEST_CASE(
    "identical bodies to one number from two notifications: the second waits, each adopts its own "
    "message",
    "[pipeline][reconcile]") {
  StackOptions options;
  options.extra_gateway_json = R"("reconcile_after_ms": 500)";
  Stack stack(options);
  auto ids = stack.CreateConsentingLeads("Twin", {"+12125559001"}, "Robin");
  // The first create is taken but its answer lost (504 after 1.5 s): reconciled through the list.
  Fault(*stack.gateway, R"({"fault":"timeout_after_accept","count":1,"hold_ms":1500})");
  auto first = Submit(stack, "twin-1", ids, "Same words");
  auto second = Submit(stack, "twin-2", ids, "Same words");
  auto a = stack.WaitSettled(first, std::chrono::seconds(60));
  auto b = stack.WaitSettled(second, std::chrono::seconds(60));
  std::string sid_a = Str(a["recipients"][0], "gateway_sid");
  std::string sid_b = Str(b["recipients"][0], "gateway_sid");
  CHECK(!sid_a.empty());
  CHECK(!sid_b.empty());
  CHECK(sid_a != sid_b);
  CHECK(SmsPerNumber(stack)["+12125559001"] == 2);
  std::set<std::string> sids;
  auto messages = stack.Messages();
  for (const auto& m : messages["messages"].GetArray()) sids.insert(Str(m, "sid"));
  CHECK(sids.count(sid_a) == 1);
  CHECK(sids.count(sid_b) == 1);
}

TEST_CASE(
    "callbacks that never come: the status is fetched by SID and the Task gets the final state",
    "[pipeline][sync]") {
  StackOptions options;
  options.extra_config_json =
      R"("sync": {"status_poll_after_minutes": 0.02, "task_status_interval_ms": 200},)";
  Stack stack(options);
  stack.DropGatewayCallbacks();
  auto phones = Phones("+1212559", 3);
  auto ids = stack.CreateConsentingLeads("Poll", phones, "Robin");
  auto nid = Submit(stack, "poll-3", ids, "Poll test");
  rapidjson::Document view;
  bool delivered = Stack::WaitUntil([&] {
    view = View(stack, nid);
    return States(view)["delivered"] == 3;
  });
  INFO(stack.ConnectorLog());
  REQUIRE(delivered);
  bool fields = Stack::WaitUntil([&] {
    int ok = 0;
    auto task_records = stack.Records("Task");
    for (const auto& t : task_records["records"].GetArray())
      ok += Str(t, "SMS_Delivery_Status__c") == "delivered";
    return ok == 3;
  });
  CHECK(fields);  // no callback was delivered (dropped): the states came from GET
                  // .../Messages/{Sid}.json
}

namespace {
// Offset (ms) that puts the connector's clock at `hour`:`minute` Los Angeles time, `days` after
// today there.
int64_t OffsetToLosAngeles(int days, int hour, int minute) {
  using namespace std::chrono;
  auto zone = date::locate_zone("America/Los_Angeles");
  auto now = system_clock::now();
  auto local_day = date::floor<date::days>(zone->to_local(now));
  auto target = zone->to_sys(local_day + date::days{days} + hours{hour} + minutes{minute});
  return duration_cast<milliseconds>(target - now).count();
}

void WriteOffset(const std::string& path, int64_t offset) {
  std::ofstream out(path + ".tmp");
  out << offset;
  out.close();
  std::rename((path + ".tmp").c_str(), path.c_str());
}
}  // namespace

TEST_CASE(
    "a recipient reaching the head of the queue inside its quiet window is deferred to its end, "
    "never sent",
    "[pipeline][compliance]") {
  sfn::test::TempDir dir;
  std::string clock_file = dir.File("clock-offset");
  WriteOffset(clock_file, OffsetToLosAngeles(1, 12, 0));  // tomorrow noon in San Francisco
  StackOptions options;
  options.alerts_quiet_hours = "federal";
  options.default_time_zone = "America/Los_Angeles";
  options.contact_point_extra_json = R"("send_window_minutes": 10080,)";
  options.extra_gateway_json = R"("breaker_failures": 1000, "retry_max_backoff_ms": 300)";
  options.connector_env = {"SFNOTIFY_CLOCK_OFFSET_FILE=" + clock_file};
  Stack stack(options);
  auto phones = Phones("+1415555", 3);  // San Francisco numbers: America/Los_Angeles
  auto ids = stack.CreateConsentingLeads("Quiet", phones, "Robin");
  // Planned at noon (allowed), then held back by an outage...
  Fault(*stack.gateway, R"({"fault":"http_503","count":2000})");
  auto nid = Submit(stack, "quiet-3", ids, "Quiet test");
  bool retrying = Stack::WaitUntil([&] { return PendingFaults(*stack.gateway) < 2000 - 3; });
  REQUIRE(retrying);
  // ... until 22:00 local time, when the gateway is back.
  WriteOffset(clock_file, OffsetToLosAngeles(1, 22, 0));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  REQUIRE(stack.gateway->Send("POST", "/__emulator/reset").status == 200);
  rapidjson::Document view;
  bool deferred = Stack::WaitUntil([&] {
    view = View(stack, nid);
    return States(view)["deferred"] == 3;
  });
  INFO(stack.ConnectorLog());
  REQUIRE(deferred);
  for (const auto& r : view["recipients"].GetArray())
    CHECK(std::string(r["reason"].GetString()) == "quiet_hours");
  std::this_thread::sleep_for(std::chrono::seconds(1));
  CHECK(SmsPerNumber(stack).empty());
  // The next morning at 8:30 they go out, once each.
  WriteOffset(clock_file, OffsetToLosAngeles(2, 8, 30));
  auto settled = stack.WaitSettled(nid, std::chrono::seconds(60));
  CHECK(States(settled)["failed"] == 0);
  auto sms = SmsPerNumber(stack);
  for (const auto& p : phones) CHECK(sms[p] == 1);
}
