// The connector's HTTP API over a real stack: authentication, validation,
// idempotency and the dry-run preflight.
#include <catch2/catch.hpp>

#include "stack.h"

using namespace e2e;

namespace {
std::string SendBody(const std::string& request_id, const std::vector<std::string>& ids,
                     const std::string& message = "API hello") {
  std::string list;
  for (const auto& id : ids) list += (list.empty() ? "\"" : ",\"") + id + "\"";
  return R"({"request_id":")" + request_id + R"(","contact_point":"Alerts","requested_by":"0055g0000000002AAA",)"
         R"("message":")" + message + R"(","record_ids":[)" + list + "]}";
}
}  // namespace

TEST_CASE("the API authenticates, validates and is idempotent on the request id", "[e2e][api]") {
  Stack stack;
  auto leads = stack.RecordIds("Lead");
  std::vector<std::string> five(leads.begin(), leads.begin() + 5);

  SECTION("keys") {
    CHECK(stack.Api("GET", "/healthz", "", "").status == 200);
    auto no_key = stack.Api("POST", "/v1/notifications", SendBody("k1", five), "");
    CHECK(no_key.status == 401);
    CHECK(Json(no_key.body)["error"]["code"] == "unauthenticated");
    CHECK(stack.Api("POST", "/v1/notifications", SendBody("k1", five), "wrong-key").status == 401);
    auto read_only = stack.Api("POST", "/v1/notifications", SendBody("k1", five), kReadKey);
    CHECK(read_only.status == 403);
    CHECK(stack.Messages()["messages"].Size() == 0);
  }

  SECTION("bad input names the field") {
    auto bad_id = stack.Api("POST", "/v1/notifications", SendBody("k2", {leads[0], "00Qnotanid"}));
    CHECK(bad_id.status == 400);
    CHECK(Json(bad_id.body)["error"]["field"] == "record_ids[1]");
    auto not_json = stack.Api("POST", "/v1/notifications", "{oops");
    CHECK(not_json.status == 400);
    auto missing = stack.Api("POST", "/v1/notifications", R"({"request_id":"k3","contact_point":"Alerts"})");
    CHECK(missing.status == 400);
    CHECK(Json(missing.body)["error"]["field"] == "requested_by");
    auto wrong_type = stack.Api("POST", "/v1/notifications",
                                R"({"request_id":5,"contact_point":"Alerts","requested_by":"0055g0000000002AAA"})");
    CHECK(wrong_type.status == 400);
    CHECK(Json(wrong_type.body)["error"]["field"] == "request_id");
    CHECK(stack.Api("GET", "/v1/notifications/ntf_nope").status == 404);
  }

  SECTION("dry run sends nothing and explains the preflight") {
    auto r = stack.Api("POST", "/v1/notifications?dry_run=true", SendBody("dry-1", five));
    INFO(r.body);
    REQUIRE(r.status == 200);
    auto doc = Json(r.body);
    CHECK(doc["preflight"]["total"].GetInt() == 5);
    CHECK(doc["preflight"]["to_send"].GetInt() + doc["preflight"]["suppressed"].GetInt() +
              doc["preflight"]["deferred"].GetInt() ==
          5);
    CHECK(stack.Api("GET", "/v1/notifications/by-request/dry-1").status == 404);
    CHECK(stack.Messages()["messages"].Size() == 0);
  }

  SECTION("the same request twice sends once; other content under the same id is a conflict") {
    auto first = stack.Api("POST", "/v1/notifications", SendBody("idem-1", five));
    INFO(first.body);
    REQUIRE(first.status == 202);
    auto first_doc = Json(first.body);
    CHECK(first_doc["created"].GetBool());
    int to_send = first_doc["preflight"]["to_send"].GetInt();
    auto again = stack.Api("POST", "/v1/notifications", SendBody("idem-1", five));
    REQUIRE(again.status == 202);
    auto again_doc = Json(again.body);
    CHECK_FALSE(again_doc["created"].GetBool());
    CHECK(std::string(again_doc["notification_id"].GetString()) == first_doc["notification_id"].GetString());
    auto conflict = stack.Api("POST", "/v1/notifications", SendBody("idem-1", five, "Different text"));
    CHECK(conflict.status == 409);
    CHECK(Json(conflict.body)["error"]["field"] == "request_id");
    REQUIRE(Stack::WaitUntil([&] { return stack.Messages()["messages"].Size() >= static_cast<size_t>(to_send); }));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    CHECK(stack.Messages()["messages"].Size() == static_cast<size_t>(to_send));
  }

  SECTION("metrics in Prometheus text format") {
    auto r = stack.Api("GET", "/metrics", "", "");
    CHECK(r.status == 200);
    CHECK(r.body.find("# TYPE sfnotify_recipients gauge") != std::string::npos);
    CHECK(r.body.find("sfnotify_salesforce_api_usage{kind=\"max\"}") != std::string::npos);
  }
}
