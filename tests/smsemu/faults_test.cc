// Injected faults over HTTP: 5xx and 429 for the next N creates, and the
// ambiguous timeout after accepting that must be reconciled via the list.
#include <catch2/catch.hpp>
#include <string>
#include <thread>

#include "common/crypto.h"
#include "smsemu_fixture.h"

using namespace sfn::smsemu_test;

namespace {
const sfn::form::Params kSend = {{"To", "+14155552671"}, {"From", kSender}, {"Body", "fault test"}};
}

TEST_CASE("http_500 and http_503 faults answer the next N creates and store nothing", "[faults]") {
  Gateway gw;
  REQUIRE(gw.Hook("faults", R"({"fault":"http_500","count":2})").status == 200);
  Reply pending = gw.Hook("faults", R"({"fault":"http_503"})");
  CHECK(pending.json["pending"].Size() == 3);
  CHECK(gw.Create(kSend).status == 500);
  CHECK(gw.Create(kSend).status == 500);
  Reply unavailable = gw.Create(kSend);
  CHECK(unavailable.status == 503);
  CHECK(unavailable.json["code"].IsInt());
  CHECK(gw.Hook("messages").json["messages"].Size() == 0);
  CHECK(gw.Create(kSend).status == 201);
  CHECK(gw.Hook("faults").json["pending"].Size() == 0);
}

TEST_CASE("http_429 fault answers 20429 with Retry-After", "[faults]") {
  Gateway gw;
  REQUIRE(gw.Hook("faults", R"({"fault":"http_429","count":1})").status == 200);
  Reply busy = gw.Create(kSend);
  CHECK(busy.status == 429);
  CHECK(busy.json["code"].GetInt() == 20429);
  CHECK(busy.headers.Get("Retry-After") == "1");
  CHECK(gw.Create(kSend).status == 201);
}

TEST_CASE("timeout_after_accept stores and delivers, but never answers in time", "[faults]") {
  Gateway gw;
  Receiver receiver;
  REQUIRE(
      gw.Hook("faults", R"({"fault":"timeout_after_accept","count":1,"hold_ms":4000})").status ==
      200);
  sfn::http::ClientOptions impatient;
  impatient.timeout = std::chrono::milliseconds(500);
  sfn::http::Client client(gw.url(), impatient);
  sfn::http::Request request;
  request.method = "POST";
  request.path = "/2010-04-01/Accounts/" + kAccountSid + "/Messages.json";
  request.headers.Set("Authorization",
                      "Basic " + sfn::crypto::Base64Encode(kAccountSid + ":" + kAuthToken));
  request.headers.Set("Content-Type", "application/x-www-form-urlencoded");
  auto fields = kSend;
  fields.emplace_back("StatusCallback", receiver.Url("/status"));
  request.body = sfn::form::Serialize(fields);
  auto response = client.Send(request);
  REQUIRE_FALSE(response.ok());
  CHECK(response.status().code() == sfn::StatusCode::kUnknownOutcome);

  // Reconciliation: the list endpoint shows the message, and it is delivered as normal.
  Reply listed = gw.List("To=%2B14155552671");
  REQUIRE(listed.json["messages"].Size() == 1);
  CHECK(std::string(listed.json["messages"][0]["body"].GetString()) == "fault test");
  auto posts = receiver.WaitForPosts(3);
  CHECK(Statuses(posts).back() == "delivered");
  // The next create is answered normally.
  CHECK(gw.Create(kSend).status == 201);
}

TEST_CASE("bad fault requests name the field", "[faults]") {
  Gateway gw;
  Reply unknown = gw.Hook("faults", R"({"fault":"explode"})");
  CHECK(unknown.status == 400);
  CHECK(std::string(unknown.json["field"].GetString()) == "fault");
  Reply count = gw.Hook("faults", R"({"fault":"http_500","count":0})");
  CHECK(count.status == 400);
  CHECK(std::string(count.json["field"].GetString()) == "count");
  CHECK(gw.Hook("faults", "[1]").status == 400);
  CHECK(gw.Hook("faults").json["pending"].Size() == 0);
}

TEST_CASE("reset clears faults, messages and the sender queues", "[faults]") {
  Gateway gw({"--mps", "1", "--queue-limit-seconds", "1"});
  REQUIRE(gw.Create(kSend).status == 201);
  REQUIRE(gw.Create(kSend).status == 201);                 // waits 1 s: at the limit, still queued
  CHECK(gw.Create(kSend).json["code"].GetInt() == 21611);  // would wait 2 s
  REQUIRE(gw.Hook("faults", R"({"fault":"http_500","count":5})").status == 200);
  REQUIRE(gw.Hook("reset", "{}").status == 200);
  CHECK(gw.Hook("faults").json["pending"].Size() == 0);
  CHECK(gw.Hook("messages").json["messages"].Size() == 0);
  CHECK(gw.Create(kSend).status == 201);
}

TEST_CASE("SIGTERM stops smsemu cleanly even while a request is held", "[faults]") {
  Gateway gw;
  REQUIRE(gw.Hook("faults", R"({"fault":"timeout_after_accept","hold_ms":600000})").status == 200);
  sfn::http::Client client(gw.url());
  sfn::http::Request request;
  request.method = "POST";
  request.path = "/2010-04-01/Accounts/" + kAccountSid + "/Messages.json";
  request.headers.Set("Authorization",
                      "Basic " + sfn::crypto::Base64Encode(kAccountSid + ":" + kAuthToken));
  request.headers.Set("Content-Type", "application/x-www-form-urlencoded");
  request.body = sfn::form::Serialize(kSend);
  auto held = client.SendAsync(request);
  // Wait until the emulator has the message (the request is then held).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (gw.Hook("messages").json["messages"].Size() == 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(gw.Hook("messages").json["messages"].Size() == 1);
  CHECK(gw.Stop() == 0);
  // The held request was answered (504) on the way out rather than left hanging.
  auto answer = held.get();
  if (answer.ok()) CHECK(answer->status == 504);
}
