// Inbound replies over HTTP: signed webhook, STOP/START/HELP on the gateway's
// stop list, 21610 for unsubscribed recipients, seed file and reset.
#include <catch2/catch.hpp>
#include <string>

#include "common/twilio_signature.h"
#include "smsemu_fixture.h"

using namespace sfn::smsemu_test;
using sfn::form::Get;

namespace {
const std::string kHandset = "+14155550199";

Reply Reply_(const Gateway& gw, const std::string& body, const std::string& extra = "") {
  return gw.Hook("inbound", R"({"From":")" + kHandset + R"(","To":")" + kSender + R"(","Body":")" +
                                body + "\"" + extra + "}");
}

size_t StopEntries(const Gateway& gw) {
  return gw.Hook("stoplist").json["entries"].Size();
}
}  // namespace

TEST_CASE("an inbound reply is posted signed to the inbound URL", "[inbound]") {
  Receiver receiver;
  std::string url = receiver.Url("/webhooks/inbound?tenant=demo");
  Gateway gw({"--inbound-url", url});
  Reply r = Reply_(gw, "Running 5 min late");
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(r.json["webhook_status"].GetInt() == 200);
  CHECK(std::string(r.json["url"].GetString()) == url);
  CHECK(r.json["opt_out_type"].IsNull());
  auto posts = receiver.WaitForPosts(1);
  const auto& p = posts[0];
  CHECK(p.path_and_query == "/webhooks/inbound?tenant=demo");
  CHECK(Get(p.params, "From") == kHandset);
  CHECK(Get(p.params, "To") == kSender);
  CHECK(Get(p.params, "Body") == "Running 5 min late");
  CHECK(Get(p.params, "AccountSid") == kAccountSid);
  CHECK(Get(p.params, "NumSegments") == "1");
  CHECK(Get(p.params, "MessageSid") == std::string(r.json["message_sid"].GetString()));
  CHECK(Get(p.params, "Body") == std::string(r.json["posted"]["Body"].GetString()));
  CHECK(sfn::twilio::ValidateSignature(kAuthToken, p.headers.Get("X-Twilio-Signature"), url,
                                       p.params));
  CHECK_FALSE(p.headers.Get("I-Twilio-Idempotency-Token").empty());
  // The reply is stored as an inbound message.
  Reply listed = gw.Hook("messages?from=" + std::string("%2B14155550199"));
  REQUIRE(listed.json["messages"].Size() == 1);
  CHECK(std::string(listed.json["messages"][0]["direction"].GetString()) == "inbound");
  CHECK(gw.Hook("messages?from=+14155550199").json["messages"].Size() ==
        1);  // unencoded '+' tolerated
  CHECK(StopEntries(gw) == 0);
}

TEST_CASE("STOP blocks the pair with 21610 and START unblocks it", "[inbound]") {
  Receiver receiver;
  Gateway gw({"--inbound-url", receiver.Url("/in")});
  REQUIRE(gw.Create({{"To", kHandset}, {"From", kSender}, {"Body", "hi"}}).status == 201);

  Reply stop = Reply_(gw, " stop ");
  REQUIRE(stop.status == 200);
  CHECK(std::string(stop.json["opt_out_type"].GetString()) == "STOP");
  CHECK(std::string(stop.json["auto_reply"].GetString()).find("unsubscribed") != std::string::npos);
  auto posts = receiver.WaitForPosts(1);
  CHECK(Get(posts[0].params, "OptOutType") == "STOP");
  Reply list = gw.Hook("stoplist");
  REQUIRE(list.json["entries"].Size() == 1);
  CHECK(std::string(list.json["entries"][0]["handset"].GetString()) == kHandset);
  CHECK(std::string(list.json["entries"][0]["sender"].GetString()) == kSender);

  Reply blocked = gw.Create({{"To", kHandset}, {"From", kSender}, {"Body", "hi again"}});
  CHECK(blocked.status == 400);
  CHECK(blocked.json["code"].GetInt() == 21610);
  // Another sender of the account may still text; a Messaging Service (whole pool) may not.
  CHECK(gw.Create({{"To", kHandset}, {"From", "+15005550009"}, {"Body", "other line"}}).status ==
        201);
  Reply pool = gw.Create({{"To", kHandset},
                          {"MessagingServiceSid", "MG0123456789abcdef0123456789abcdef"},
                          {"Body", "x"}});
  CHECK(pool.json["code"].GetInt() == 21610);

  Reply help = Reply_(gw, "HELP");
  CHECK(std::string(help.json["opt_out_type"].GetString()) == "HELP");
  CHECK(StopEntries(gw) == 1);

  Reply start = Reply_(gw, "Start");
  CHECK(std::string(start.json["opt_out_type"].GetString()) == "START");
  CHECK(StopEntries(gw) == 0);
  CHECK(gw.Create({{"To", kHandset}, {"From", kSender}, {"Body", "welcome back"}}).status == 201);
}

TEST_CASE("every Twilio opt-out word stops, and only whole-body keywords count", "[inbound]") {
  Gateway gw;
  for (const char* word : {"STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}) {
    Reply r = Reply_(gw, word);
    INFO(word << ": " << r.body);
    CHECK(std::string(r.json["opt_out_type"].GetString()) == "STOP");
    CHECK(r.json["webhook_status"].IsNull());  // no inbound URL configured
    CHECK(StopEntries(gw) == 1);
    Reply_(gw, "UNSTOP");
    CHECK(StopEntries(gw) == 0);
  }
  Reply sentence = Reply_(gw, "please stop texting me");
  CHECK(sentence.json["opt_out_type"].IsNull());
  CHECK(StopEntries(gw) == 0);
}

TEST_CASE("the inbound hook takes a URL override and reports the webhook status", "[inbound]") {
  Gateway gw;
  Receiver teapot(418);
  Reply r = Reply_(gw, "yes please", R"(,"Url":")" + teapot.Url("/other") + "\"");
  CHECK(r.json["webhook_status"].GetInt() == 418);
  CHECK(teapot.posts().size() == 1);
  // The inbound URL can also be set at run time.
  Receiver receiver;
  REQUIRE(gw.Hook("inbound_url", R"({"url":")" + receiver.Url("/in") + R"("})").status == 200);
  CHECK(Reply_(gw, "ok").json["webhook_status"].GetInt() == 200);
  // No one listening: status null, error given.
  Reply lost = Reply_(gw, "hello", R"(,"Url":"http://127.0.0.1:1/in")");
  CHECK(lost.json["webhook_status"].IsNull());
  CHECK(lost.json["webhook_error"].IsString());
}

TEST_CASE("bad inbound requests name the field", "[inbound]") {
  Gateway gw;
  auto field = [&](const std::string& body) {
    Reply r = gw.Hook("inbound", body);
    CHECK(r.status == 400);
    return r.json.HasMember("field") ? std::string(r.json["field"].GetString()) : std::string();
  };
  CHECK(field(R"({"To":"+15005550006","Body":"x"})") == "From");
  CHECK(field(R"({"From":"abc","To":"+15005550006","Body":"x"})") == "From");
  CHECK(field(R"({"From":"+14155550199","To":"+14155550000","Body":"x"})") == "To");
  CHECK(field(R"({"From":"+14155550199","To":"+15005550006"})") == "Body");
  CHECK(gw.Hook("inbound", "not json").status == 400);
}

TEST_CASE(
    "a seed file presets carrier outcomes, stop list, inbound URL and callbacks, and reset returns "
    "to "
    "it",
    "[inbound][seed]") {
  Receiver receiver;
  sfn::test::TempDir dir;
  std::string seed = dir.Write("seed.json", R"({
    "from_numbers": ["+14155559000"],
    "carrier": [{"number": "+14155550120", "outcome": "undelivered", "error_code": 30003},
                {"number": "+14155550121", "reject": 21614}],
    "stop_list": [{"handset": "+14155550122", "sender": "+15005550006"}],
    "inbound_url": ")" + receiver.Url("/seeded") +
                                                R"(",
    "callbacks": {"reorder": true}
  })");
  Gateway gw({"--seed", seed});
  CHECK(
      gw.Create({{"To", "+14155550121"}, {"From", kSender}, {"Body", "x"}}).json["code"].GetInt() ==
      21614);
  CHECK(
      gw.Create({{"To", "+14155550122"}, {"From", kSender}, {"Body", "x"}}).json["code"].GetInt() ==
      21610);
  CHECK(gw.Create({{"To", "+14155550123"}, {"From", "+14155559000"}, {"Body", "x"}}).status == 201);
  CHECK(gw.Hook("callbacks").json["reorder"].GetBool());
  CHECK(Reply_(gw, "hi").json["webhook_status"].GetInt() == 200);
  CHECK(receiver.posts().at(0).path_and_query == "/seeded");

  Reply sent = gw.Create({{"To", "+14155550120"}, {"From", kSender}, {"Body", "x"}});
  gw.WaitFor(sent.json["sid"].GetString(), [](const rapidjson::Value& v) {
    return std::string(v["status"].GetString()) == "undelivered";
  });

  // Change the state, then reset: messages go, the seed's rules come back.
  REQUIRE(gw.Hook("callbacks", R"({"reorder":false})").status == 200);
  REQUIRE(
      gw.Hook("inbound", R"({"From":"+14155550122","To":"+15005550006","Body":"START"})").status ==
      200);
  CHECK(StopEntries(gw) == 0);
  REQUIRE(gw.Hook("reset", "{}").status == 200);
  CHECK(gw.Hook("messages").json["messages"].Size() == 0);
  CHECK(StopEntries(gw) == 1);
  CHECK(gw.Hook("callbacks").json["reorder"].GetBool());
  CHECK(gw.Hook("carrier").json["rules"].Size() == 2);
}

TEST_CASE("bad command lines and seed files fail with a message", "[seed]") {
  sfn::test::TempDir dir;
  auto run = [](std::vector<std::string> args) {
    args.insert(args.begin(), sfn::test::BinDir() + "/smsemu");
    auto child = sfn::ChildProcess::Start(args, "/dev/null");
    REQUIRE(child.ok());
    return child->Wait(std::chrono::seconds(10));
  };
  CHECK(run({"--mps", "zero"}) == 2);
  CHECK(run({"--port"}) == 2);
  CHECK(run({"--bogus", "1"}) == 2);
  CHECK(run({"--seed", dir.File("missing.json")}) == 2);
  CHECK(run({"--seed", dir.Write("bad.json",
                                 R"({"carrier":[{"number":"+14155550120","outcome":"lost"}]})")}) ==
        2);
  CHECK(run({"--seed", dir.Write("notjson.json", "{")}) == 2);
}
