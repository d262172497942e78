// quiqemu over HTTP: Basic auth, both bulk calls, row errors, segments flag,
// faults, lookup, and conversation events posted with the shared secret.
#include <catch2/catch.hpp>

#include <mutex>

#include "common/crypto.h"
#include "common/http_client.h"
#include "common/http_server.h"
#include "common/json.h"
#include "support/test_env.h"

namespace {

struct Quiq {
  Quiq() : server(sfn::test::StartServer("quiqemu", {"--port", "0"})), client(server.url) {}
  sfn::http::Response Send(const std::string& method, const std::string& target,
                           const std::string& body = "", bool auth = true) {
    sfn::http::Request r;
    r.method = method;
    sfn::http::SplitTarget(target, &r.path, &r.query);
    r.body = body;
    if (auth)
      r.headers.Set("Authorization",
                    "Basic " + sfn::crypto::Base64Encode("quiqemu-app:quiqemu-secret"));
    if (!body.empty()) r.headers.Set("Content-Type", "application/json");
    auto out = client.Send(r);
    REQUIRE(out.ok());
    return out.value();
  }
  rapidjson::Document Get(const std::string& hook) {
    auto r = Send("GET", "/__emulator/" + hook);
    REQUIRE(r.status == 200);
    auto doc = sfn::json::Parse(r.body);
    REQUIRE(doc.ok());
    return std::move(doc.value());
  }
  sfn::test::RunningServer server;
  sfn::http::Client client;
};

rapidjson::Document Json(const std::string& body) {
  auto doc = sfn::json::Parse(body);
  INFO(body);
  REQUIRE(doc.ok());
  return std::move(doc.value());
}

const char* kNotify = R"({"contactPoint":"cp","topic":"default","notifications":[
  {"precedence":[{"platform":"SMS"}],"searchInfo":{"phoneNumber":"+14155552671","searchId":"r1"},
   "integrations":[],"messageMap":{"default":{"text":"Hello"}}},
  {"precedence":[{"platform":"SMS"}],"searchInfo":{"phoneNumber":"555","searchId":"r2"},
   "integrations":[],"messageMap":{"default":{"text":"Hello"}}}]})";

}  // namespace

TEST_CASE("quiqemu: bulk calls need Basic auth and answer a row per notification", "[quiqemu]") {
  Quiq q;
  CHECK(q.Send("POST", "/api/v1/messaging/notify", kNotify, false).status == 401);
  auto r = q.Send("POST", "/api/v1/messaging/notify", kNotify);
  REQUIRE(r.status == 201);
  auto doc = Json(r.body);
  CHECK(std::string(doc["notifications"][0]["searchId"].GetString()) == "r1");
  CHECK(doc["notifications"][0].HasMember("id"));
  CHECK(std::string(doc["notifications"][1]["error"]["code"].GetString()) == "INVALID_HANDLE");
  auto messages = q.Get("messages");
  REQUIRE(messages["messages"].Size() == 1);
  CHECK(std::string(messages["messages"][0]["searchId"].GetString()) == "r1");
  CHECK_FALSE(messages["messages"][0]["allowMultipleSegments"].GetBool());
  CHECK(q.Get("calls")["calls"].GetInt() == 1);

  auto lookup = Json(q.Send("GET", "/api/v1/messaging/notifications?searchId=r1").body);
  REQUIRE(lookup["notifications"].Size() == 1);
  CHECK(Json(q.Send("GET", "/api/v1/messaging/notifications?searchId=r2").body)["notifications"]
            .Size() == 0);
  CHECK(q.Send("GET", "/api/v1/messaging/notifications").status == 400);
  CHECK(q.Send("POST", "/api/v1/messaging/notify", R"({"notifications":[]})").status == 400);
  CHECK(q.Send("POST", "/api/v1/messaging/platforms/WHATSAPP/send-notifications", R"({})").status ==
        400);
}

TEST_CASE("quiqemu: a body over one segment needs allowMultipleSegments", "[quiqemu]") {
  Quiq q;
  std::string body =
      R"({"contactPoint":"cp","notifications":[{"handle":"+14155552671","message":{"text":")" +
      std::string(200, 'a') + R"("},"searchInfo":{"searchId":"long"}}]})";
  auto refused =
      Json(q.Send("POST", "/api/v1/messaging/platforms/SMS/send-notifications", body).body);
  CHECK(std::string(refused["notifications"][0]["error"]["code"].GetString()) ==
        "MESSAGE_TOO_LONG");
  auto taken = Json(
      q.Send("POST",
             "/api/v1/messaging/platforms/SMS/send-notifications?allowMultipleSegments=true", body)
          .body);
  CHECK(taken["notifications"][0].HasMember("id"));
  auto messages = q.Get("messages");
  REQUIRE(messages["messages"].Size() == 1);
  CHECK(messages["messages"][0]["allowMultipleSegments"].GetBool());
  CHECK(messages["messages"][0]["segments"].GetInt() == 2);
  CHECK(q.Get("calls")["by_api"]["send-notifications"].GetInt() == 2);
}

TEST_CASE("quiqemu: faults apply to the next bulk calls in order", "[quiqemu]") {
  Quiq q;
  CHECK(q.Send("POST", "/__emulator/faults", R"({"fault":"nope"})").status == 400);
  REQUIRE(q.Send("POST", "/__emulator/faults", R"({"fault":"http_429"})").status == 200);
  REQUIRE(q.Send("POST", "/__emulator/faults", R"({"fault":"http_500"})").status == 200);
  REQUIRE(q.Send("POST", "/__emulator/faults", R"({"fault":"timeout_after_accept","hold_ms":300})")
              .status == 200);
  auto limited = q.Send("POST", "/api/v1/messaging/notify", kNotify);
  CHECK(limited.status == 429);
  CHECK(limited.headers.Get("Retry-After") == "1");
  CHECK(q.Send("POST", "/api/v1/messaging/notify", kNotify).status == 500);
  CHECK(q.Get("messages")["messages"].Size() == 0);  // neither stored anything
  CHECK(q.Send("POST", "/api/v1/messaging/notify", kNotify).status == 504);  // held, then 504
  CHECK(q.Get("messages")["messages"].Size() == 1);                          // but taken
}

TEST_CASE(
    "quiqemu: a reply posts ConversationRequested with the shared secret, STOP blocks the contact "
    "point",
    "[quiqemu]") {
  std::mutex mu;
  std::vector<sfn::http::Request> received;
  sfn::http::Server receiver({}, [&](sfn::http::Request&& r, sfn::http::Responder responder) {
    {
      std::lock_guard<std::mutex> lock(mu);
      received.push_back(r);
    }
    responder.Send(sfn::http::JsonResponse(200, "{}"));
  });
  REQUIRE(receiver.Start().ok());
  Quiq q;
  REQUIRE(q.Send("POST", "/api/v1/messaging/notify", kNotify).status == 201);
  CHECK(q.Send("POST", "/__emulator/webhook_url", R"({"url":"ftp://x"})").status == 400);
  REQUIRE(q.Send("POST", "/__emulator/webhook_url",
                 R"({"url":")" + receiver.base_url() + R"(/hook?x=1"})")
              .status == 200);
  auto reply =
      Json(q.Send("POST", "/__emulator/reply", R"({"handle":"+14155552671","text":"STOP"})").body);
  CHECK(reply["webhook_status"].GetInt() == 200);
  {
    std::lock_guard<std::mutex> lock(mu);
    REQUIRE(received.size() == 1);
    CHECK(received[0].path == "/hook");
    CHECK(received[0].headers.Get("X-Centricient-Hook-Token") == "quiqemu-hook-secret");
    auto event = Json(received[0].body);
    CHECK(std::string(event["eventType"].GetString()) == "ConversationRequested");
    CHECK(std::string(event["data"]["customerHandle"].GetString()) == "+14155552671");
    CHECK(std::string(event["data"]["contactPointId"].GetString()) == "cp");
    CHECK(std::string(event["data"]["messages"][0]["text"].GetString()) == "STOP");
    CHECK(event["data"]["messages"][0]["fromCustomer"].GetBool());
    CHECK(std::string(event["id"].GetString()) == reply["event"]["id"].GetString());
  }
  // The replay hook posts the very same event again (at-least-once delivery).
  auto replay = Json(q.Send("POST", "/__emulator/replay",
                            R"({"id":")" + std::string(reply["event"]["id"].GetString()) + R"("})")
                         .body);
  CHECK(replay["webhook_status"].GetInt() == 200);
  {
    std::lock_guard<std::mutex> lock(mu);
    REQUIRE(received.size() == 2);
    CHECK(received[1].body == received[0].body);
  }
  // After STOP, notifications from that contact point to that handle are refused.
  auto blocked = Json(q.Send("POST", "/api/v1/messaging/notify", kNotify).body);
  CHECK(std::string(blocked["notifications"][0]["error"]["code"].GetString()) == "OPTED_OUT");
  CHECK(q.Send("POST", "/__emulator/reply", R"({"text":"hi"})").status == 400);
}
