// Status callbacks over HTTP: lifecycle order, signatures, idempotency tokens,
// carrier outcomes, and the duplicate / reorder / drop behaviours.
#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "common/twilio_signature.h"
#include "smsemu_fixture.h"

using namespace sfn::smsemu_test;
using sfn::form::Get;

namespace {

std::string Send(const Gateway& gw, const std::string& to, const std::string& callback) {
  Reply r = gw.Create({{"To", to},
                       {"From", kSender},
                       {"Body", "Your appointment is at 3pm"},
                       {"StatusCallback", callback}});
  INFO(r.body);
  REQUIRE(r.status == 201);
  return r.json["sid"].GetString();
}

bool CallbacksRecorded(const rapidjson::Value& view, size_t n) {
  return view["callbacks"].Size() >= n;
}

}  // namespace

TEST_CASE("callbacks report sending, sent, delivered in order, signed", "[callbacks]") {
  Gateway gw;
  Receiver receiver;
  std::string url = receiver.Url("/hooks/status?d=42&x=a%20b");
  std::string sid = Send(gw, "+14155552671", url);
  auto posts = receiver.WaitForPosts(3);
  CHECK(Statuses(posts) == std::vector<std::string>{"sending", "sent", "delivered"});
  std::set<std::string> tokens;
  for (const auto& p : posts) {
    CHECK(p.path_and_query == "/hooks/status?d=42&x=a%20b");
    CHECK(Get(p.params, "MessageSid") == sid);
    CHECK(Get(p.params, "SmsSid") == sid);
    CHECK(Get(p.params, "SmsStatus") == Get(p.params, "MessageStatus"));
    CHECK(Get(p.params, "AccountSid") == kAccountSid);
    CHECK(Get(p.params, "From") == kSender);
    CHECK(Get(p.params, "To") == "+14155552671");
    CHECK(Get(p.params, "ApiVersion") == "2010-04-01");
    std::string signature = p.headers.Get("X-Twilio-Signature");
    CHECK(sfn::twilio::ValidateSignature(kAuthToken, signature, url, p.params));
    CHECK_FALSE(sfn::twilio::ValidateSignature("another-token", signature, url, p.params));
    std::string token = p.headers.Get("I-Twilio-Idempotency-Token");
    CHECK_FALSE(token.empty());
    tokens.insert(token);
  }
  CHECK(tokens.size() == 3);
  bool found;
  Get(posts[2].params, "RawDlrDoneDate", &found);
  CHECK(found);
  // No callback for the initial status, and the emulator recorded each attempt with the receiver's
  // status.
  auto view = gw.WaitFor(sid, [](const rapidjson::Value& v) { return CallbacksRecorded(v, 3); });
  for (const auto& c : view["callbacks"].GetArray()) {
    CHECK(c["http_status"].GetInt() == 200);
    CHECK(std::string(c["status"].GetString()) != "queued");
  }
}

TEST_CASE("a designated number ends undelivered or failed with its error code", "[callbacks]") {
  Gateway gw;
  Receiver receiver;
  REQUIRE(
      gw.Hook("carrier", R"({"number":"+14155550111","outcome":"undelivered","error_code":30006})")
          .status == 200);
  REQUIRE(gw.Hook("carrier", R"({"number":"+14155550112","outcome":"failed"})").status == 200);
  std::string undelivered = Send(gw, "+14155550111", receiver.Url("/u"));
  std::string failed = Send(gw, "+14155550112", receiver.Url("/f"));
  auto posts = receiver.WaitForPosts(5);
  std::vector<std::string> u, f;
  for (const auto& p : posts) {
    (p.path_and_query == "/u" ? u : f).push_back(Get(p.params, "MessageStatus"));
    std::string status = Get(p.params, "MessageStatus");
    if (status == "undelivered") CHECK(Get(p.params, "ErrorCode") == "30006");
    if (status == "failed") CHECK(Get(p.params, "ErrorCode") == "30005");
  }
  CHECK(u == std::vector<std::string>{"sending", "sent", "undelivered"});
  CHECK(f == std::vector<std::string>{"sending", "failed"});
  Reply fetched = gw.Fetch(undelivered);
  CHECK(std::string(fetched.json["status"].GetString()) == "undelivered");
  CHECK(fetched.json["error_code"].GetInt() == 30006);
  CHECK(std::string(fetched.json["error_message"].GetString()) ==
        "Landline or unreachable carrier");
  CHECK(std::string(fetched.json["price"].GetString()) ==
        "-0.00790");  // undelivered is still billed
  CHECK(gw.Fetch(failed).json["error_code"].GetInt() == 30005);
  Reply rules = gw.Hook("carrier");
  CHECK(rules.json["rules"].Size() == 2);
  Reply bad = gw.Hook("carrier", R"({"number":"+14155550113","outcome":"lost"})");
  CHECK(bad.status == 400);
  CHECK(std::string(bad.json["field"].GetString()) == "outcome");
}

TEST_CASE("a Messaging Service send reports queued after accepted", "[callbacks]") {
  Gateway gw;
  Receiver receiver;
  Reply r = gw.Create({{"To", "+14155552671"},
                       {"MessagingServiceSid", "MG0123456789abcdef0123456789abcdef"},
                       {"Body", "hi"},
                       {"StatusCallback", receiver.Url("/s")}});
  REQUIRE(r.status == 201);
  auto posts = receiver.WaitForPosts(4);
  CHECK(Statuses(posts) == std::vector<std::string>{"queued", "sending", "sent", "delivered"});
  CHECK(Get(posts[0].params, "MessagingServiceSid") == "MG0123456789abcdef0123456789abcdef");
}

TEST_CASE("duplicate callbacks repeat the same idempotency token", "[callbacks]") {
  Gateway gw;
  Receiver receiver;
  REQUIRE(gw.Hook("callbacks", R"({"duplicate":true})").status == 200);
  std::string sid = Send(gw, "+14155552671", receiver.Url("/s"));
  auto posts = receiver.WaitForPosts(6);
  CHECK(Statuses(posts) ==
        std::vector<std::string>{"sending", "sending", "sent", "sent", "delivered", "delivered"});
  for (size_t i = 0; i + 1 < posts.size(); i += 2) {
    CHECK(posts[i].headers.Get("I-Twilio-Idempotency-Token") ==
          posts[i + 1].headers.Get("I-Twilio-Idempotency-Token"));
  }
  CHECK(posts[0].headers.Get("I-Twilio-Idempotency-Token") !=
        posts[2].headers.Get("I-Twilio-Idempotency-Token"));
  auto view = gw.WaitFor(sid, [](const rapidjson::Value& v) { return CallbacksRecorded(v, 6); });
  int duplicates = 0;
  for (const auto& c : view["callbacks"].GetArray()) duplicates += c["duplicate"].GetBool() ? 1 : 0;
  CHECK(duplicates == 3);
}

TEST_CASE("reordered callbacks deliver the terminal status first", "[callbacks]") {
  Gateway gw;
  Receiver receiver;
  REQUIRE(gw.Hook("callbacks", R"({"reorder":true})").status == 200);
  Send(gw, "+14155552671", receiver.Url("/s"));
  auto posts = receiver.WaitForPosts(3);
  CHECK(Statuses(posts) == std::vector<std::string>{"delivered", "sent", "sending"});
}

TEST_CASE("a dropped status is never posted but is recorded", "[callbacks]") {
  Gateway gw;
  Receiver receiver;
  Reply set = gw.Hook("callbacks", R"({"drop_status":"sent"})");
  REQUIRE(set.status == 200);
  CHECK(std::string(set.json["drop_status"][0].GetString()) == "sent");
  std::string sid = Send(gw, "+14155552671", receiver.Url("/s"));
  auto view = gw.WaitFor(sid, [](const rapidjson::Value& v) { return CallbacksRecorded(v, 3); });
  CHECK(Statuses(receiver.posts()) == std::vector<std::string>{"sending", "delivered"});
  bool saw_dropped = false;
  for (const auto& c : view["callbacks"].GetArray()) {
    if (c["dropped"].GetBool()) {
      saw_dropped = true;
      CHECK(std::string(c["status"].GetString()) == "sent");
    }
  }
  CHECK(saw_dropped);
  CHECK(gw.Hook("callbacks", R"({"drop_status":"bogus"})").status == 400);
  CHECK(gw.Hook("callbacks", R"({"duplicate":"yes"})").status == 400);
}

TEST_CASE("the receiver's HTTP status and transport errors are recorded", "[callbacks]") {
  Gateway gw;
  Receiver failing(500);
  std::string sid = Send(gw, "+14155552671", failing.Url("/s"));
  auto view = gw.WaitFor(sid, [](const rapidjson::Value& v) { return CallbacksRecorded(v, 3); });
  CHECK(view["callbacks"][0]["http_status"].GetInt() == 500);
  // Nobody listening: status 0 and an error message (each retried once, as
  // Twilio does by default: retries_test.cc), and the lifecycle still completes.
  std::string lost = Send(gw, "+14155552672", "http://127.0.0.1:1/status");
  auto lost_view = gw.WaitFor(lost, [](const rapidjson::Value& v) {
    return CallbacksRecorded(v, 6) && std::string(v["status"].GetString()) == "delivered";
  });
  CHECK(lost_view["callbacks"][0]["http_status"].GetInt() == 0);
  CHECK(lost_view["callbacks"][0]["error"].IsString());
  CHECK(lost_view["callbacks"][1]["attempt"].GetInt() == 2);
}
