// Event intake against a real org emulator: where the first subscription
// starts (salesforce.initial_replay), the maximum event age, and requests that
// Apex split over several events (Chunk_Index__c of Chunk_Count__c) joined
// into one notification. sfemu + smsemu + sfnotify as processes.
#include <catch2/catch.hpp>

#include <set>

#include "common/time_util.h"
#include "stack.h"

using namespace e2e;

namespace {

constexpr const char* kRep = "sender@sfnotify.demo";

std::string EventPayload(const std::string& request_id, const std::vector<std::string>& ids,
                         const std::string& extra = "") {
  return R"({"Request_Id__c":")" + request_id +
         R"(","Contact_Point__c":"Alerts","Message__c":"Intake test",)" + extra +
         R"("Record_Ids__c":")" + Join(ids) + R"("})";
}

std::string Chunk(const std::string& request_id, const std::vector<std::string>& ids, int index,
                  int count) {
  return EventPayload(request_id, ids,
                      R"("Chunk_Index__c":)" + std::to_string(index) + R"(,"Chunk_Count__c":)" +
                          std::to_string(count) + ",");
}

std::multiset<std::string> SentTo(Stack& stack) {
  std::multiset<std::string> to;
  auto messages = stack.Messages();
  for (const auto& m : messages["messages"].GetArray()) to.insert(m["to"].GetString());
  return to;
}

rapidjson::Document HistoryOf(Stack& stack, const std::string& notification_id) {
  auto r = stack.Api("GET", "/v1/history/" + notification_id);
  INFO(r.body);
  REQUIRE(r.status == 200);
  return Json(r.body);
}

// The detail of the first history event of `kind`, "" when there is none.
std::string EventDetail(const rapidjson::Value& history, const std::string& kind) {
  for (const auto& e : history["events"].GetArray()) {
    if (kind == e["kind"].GetString()) return e["detail"].GetString();
  }
  return "";
}

}  // namespace

TEST_CASE("intake: events retained from before the first start are not sent (new events only)",
          "[e2e][intake]") {
  StackOptions options;
  options.start_connector = false;
  Stack stack(options);
  auto ids = stack.CreateConsentingLeads("Early", {"+12125550301", "+12125550302"});
  stack.Publish(
      kRep, EventPayload("early-1", {ids[0]}));  // retained by the org, published before we listen
  stack.StartConnector();
  stack.Publish(kRep, EventPayload("later-1", {ids[1]}));
  auto later = stack.WaitForNotification("later-1");
  REQUIRE(!later.empty());
  stack.WaitSettled(later);
  CHECK(SentTo(stack) == std::multiset<std::string>{"+12125550302"});
  CHECK(stack.Api("GET", "/v1/notifications/by-request/early-1").status == 404);

  SECTION("a restart resumes after the stored replay id: what came while it was down is sent") {
    stack.StopConnector();
    stack.Publish(kRep, EventPayload("while-down-1", {ids[0]}));
    stack.StartConnector();
    auto missed = stack.WaitForNotification("while-down-1");
    REQUIRE(!missed.empty());
    stack.WaitSettled(missed);
    CHECK(SentTo(stack) == std::multiset<std::string>{"+12125550301", "+12125550302"});
    CHECK(stack.Api("GET", "/v1/notifications/by-request/early-1").status == 404);
  }
}

TEST_CASE(
    "intake: a store never subscribed before, restarted before any event, skips events older than "
    "its first start",
    "[e2e][intake]") {
  StackOptions options;
  options.start_connector = false;
  Stack stack(options);
  auto ids = stack.CreateConsentingLeads("Quiet", {"+12125550311", "+12125550312"});
  stack.Publish(kRep, EventPayload("before-first-1", {ids[0]}));
  stack.StartConnector();  // first start: no event arrives, so no replay id is stored
  stack.StopConnector();
  stack.Publish(kRep, EventPayload("between-1", {ids[1]}));
  stack.StartConnector();  // no replay id: replays what is retained, minus what predates the first
                           // start
  auto between = stack.WaitForNotification("between-1");
  REQUIRE(!between.empty());
  stack.WaitSettled(between);
  CHECK(SentTo(stack) == std::multiset<std::string>{"+12125550312"});
  CHECK(stack.Api("GET", "/v1/notifications/by-request/before-first-1").status == 404);
}

TEST_CASE("intake: salesforce.initial_replay all takes every retained event on the first start",
          "[e2e][intake]") {
  StackOptions options;
  options.start_connector = false;
  options.extra_salesforce_json = R"("initial_replay": "all", )";
  Stack stack(options);
  auto ids = stack.CreateConsentingLeads("Replay", {"+12125550321"});
  stack.Publish(kRep, EventPayload("retained-1", ids));
  stack.StartConnector();
  auto id = stack.WaitForNotification("retained-1");
  REQUIRE(!id.empty());
  stack.WaitSettled(id);
  CHECK(SentTo(stack) == std::multiset<std::string>{"+12125550321"});
  CHECK(stack.ConnectorLog().find("initial_replay is \"all\"") != std::string::npos);
}

TEST_CASE(
    "intake: an event older than intake.max_event_age_minutes is refused expired, nothing sent",
    "[e2e][intake]") {
  Stack stack;
  auto ids = stack.CreateConsentingLeads("Stale", {"+12125550331", "+12125550332"});
  // Published 2 hours ago (still retained, 72 h) against the default limit of 60 minutes.
  std::string two_hours_ago =
      sfn::timeutil::FormatRfc3339Millis(sfn::timeutil::NowMillis() - 2 * 3600 * 1000);
  stack.Publish(kRep, EventPayload("stale-1", {ids[0]}), two_hours_ago);
  stack.Publish(kRep, EventPayload("fresh-1", {ids[1]}));
  auto fresh = stack.WaitForNotification("fresh-1");
  REQUIRE(!fresh.empty());
  stack.WaitSettled(fresh);
  auto stale = stack.WaitForNotification("stale-1");
  REQUIRE(!stale.empty());
  auto view = Json(stack.Api("GET", "/v1/notifications/" + stale).body);
  CHECK(std::string(view["status"].GetString()) == "refused");
  CHECK(std::string(view["refusal_reason"].GetString()).rfind("expired:", 0) == 0);
  CHECK(view["recipients"].Size() == 0);
  auto history = HistoryOf(stack, stale);
  CHECK(EventDetail(history, "refused").find("intake.max_event_age_minutes is 60") !=
        std::string::npos);
  CHECK(SentTo(stack) == std::multiset<std::string>{"+12125550332"});
}

TEST_CASE(
    "intake: three chunks of one request become one notification, the number in two chunks gets "
    "one SMS",
    "[e2e][intake]") {
  Stack stack;
  auto ids = stack.CreateConsentingLeads(
      "Chunk", {"+12125550341", "+12125550342", "+12125550343", "+12125550341"});
  // As OutboundNotificationService splits a large audience: one Request_Id__c, chunk i of 3.
  stack.Publish(kRep, Chunk("chunked-1", {ids[0], ids[1]}, 1, 3));
  stack.Publish(kRep, Chunk("chunked-1", {ids[2]}, 2, 3));
  // Not joined before the last chunk arrived.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  CHECK(stack.Api("GET", "/v1/notifications/by-request/chunked-1").status == 404);
  stack.Publish(kRep, Chunk("chunked-1", {ids[3]}, 3, 3));
  auto id = stack.WaitForNotification("chunked-1");
  REQUIRE(!id.empty());
  auto view = stack.WaitSettled(id);
  REQUIRE(view["recipients"].Size() == 4);
  int duplicates = 0;
  for (const auto& r : view["recipients"].GetArray())
    duplicates += std::string(r["reason"].GetString()) == "duplicate_phone";
  CHECK(duplicates == 1);
  CHECK(SentTo(stack) ==
        std::multiset<std::string>{"+12125550341", "+12125550342", "+12125550343"});
  auto history = HistoryOf(stack, id);
  CHECK(EventDetail(history, "chunks") == "joined chunks 1,2,3 of 3");

  SECTION("a redelivered chunk changes nothing") {
    stack.Publish(kRep, Chunk("chunked-1", {ids[2]}, 2, 3));
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    CHECK(SentTo(stack).size() == 3);
    CHECK(stack.Api("GET", "/v1/notifications/by-request/chunked-1%23chunk-2").status == 404);
  }
}

TEST_CASE(
    "intake: a missing chunk is resolved after intake.chunk_wait_seconds with the gap in history",
    "[e2e][intake]") {
  StackOptions options;
  options.extra_config_json = R"("intake": {"chunk_wait_seconds": 2},)";
  Stack stack(options);
  auto ids = stack.CreateConsentingLeads("Gap", {"+12125550351", "+12125550352", "+12125550353"});
  auto published = std::chrono::steady_clock::now();
  stack.Publish(kRep, Chunk("gappy-1", {ids[0]}, 1, 3));
  stack.Publish(kRep, Chunk("gappy-1", {ids[2]}, 3, 3));  // chunk 2 never comes
  auto id = stack.WaitForNotification("gappy-1", std::chrono::seconds(30));
  REQUIRE(!id.empty());
  CHECK(std::chrono::steady_clock::now() - published >= std::chrono::milliseconds(1500));
  stack.WaitSettled(id);
  CHECK(SentTo(stack) == std::multiset<std::string>{"+12125550351", "+12125550353"});
  auto history = HistoryOf(stack, id);
  std::string detail = EventDetail(history, "chunks");
  CHECK(detail.find("joined chunks 1,3 of 3") != std::string::npos);
  CHECK(detail.find("missing 2") != std::string::npos);

  SECTION("the late chunk is sent on its own rather than lost") {
    stack.Publish(kRep, Chunk("gappy-1", {ids[1]}, 2, 3));
    auto late = stack.WaitForNotification("gappy-1%23chunk-2");
    REQUIRE(!late.empty());
    stack.WaitSettled(late);
    CHECK(SentTo(stack).count("+12125550352") == 1);
  }
}

TEST_CASE("intake: old-style <base>-N events are still separate notifications", "[e2e][intake]") {
  Stack stack;
  auto ids = stack.CreateConsentingLeads("Legacy", {"+12125550361", "+12125550362"});
  stack.Publish(kRep, EventPayload("legacy-1", {ids[0]}));
  stack.Publish(kRep, EventPayload("legacy-2", {ids[1]}));
  for (const char* rid : {"legacy-1", "legacy-2"}) {
    auto id = stack.WaitForNotification(rid);
    REQUIRE(!id.empty());
    stack.WaitSettled(id);
  }
  CHECK(SentTo(stack).size() == 2);
}

TEST_CASE("intake: a slow Salesforce query for one notification does not hold up the next event",
          "[e2e][intake]") {
  Stack stack;
  auto ids = stack.CreateConsentingLeads("Slow", {"+12125550371", "+12125550372"});
  // The next query the connector makes (the first notification's resolution) takes 20 s.
  auto fault = stack.org->Send("POST", "/__emulator/faults",
                               R"({"fault":"latency","latency_ms":20000,"count":1,"method":"GET",)"
                               R"("path":"/services/data/v62.0/query"})");
  REQUIRE(fault.status == 201);
  stack.Publish(kRep, EventPayload("slow-1", {ids[0]}));
  auto slow = stack.WaitForNotification("slow-1");
  REQUIRE(!slow.empty());
  std::this_thread::sleep_for(
      std::chrono::milliseconds(500));  // its resolution is now waiting on the org
  stack.Publish(kRep, EventPayload("fast-1", {ids[1]}));
  auto fast = stack.WaitForNotification("fast-1");
  REQUIRE(!fast.empty());
  stack.WaitSettled(fast);
  // Taken in, resolved, sent and its Task written while the first one still waits for the org.
  CHECK(
      std::string(Json(stack.Api("GET", "/v1/notifications/" + slow).body)["status"].GetString()) ==
      "received");
  CHECK(SentTo(stack) == std::multiset<std::string>{"+12125550372"});
  stack.WaitSettled(slow);
  CHECK(SentTo(stack).size() == 2);
}
