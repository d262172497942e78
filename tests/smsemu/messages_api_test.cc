// The Messages REST API over HTTP: resource shape, validation errors, fetch,
// list filters and paging, cancel. Queueing above --mps: queue_test.cc.
#include <catch2/catch.hpp>
#include <regex>
#include <set>
#include <string>
#include <thread>

#include "common/crypto.h"
#include "common/time_util.h"
#include "smsemu_fixture.h"

using namespace sfn::smsemu_test;
using sfn::form::Params;

namespace {

std::string S(const rapidjson::Value& v, const char* key) {
  REQUIRE(v.HasMember(key));
  return v[key].IsString() ? v[key].GetString() : std::string("<non-string>");
}

void ExpectError(const Reply& reply, int http_status, int code) {
  INFO(reply.body);
  CHECK(reply.status == http_status);
  REQUIRE(reply.json.IsObject());
  CHECK(reply.json["code"].GetInt() == code);
  CHECK(reply.json["status"].GetInt() == http_status);
  CHECK(S(reply.json, "message").size() > 0);
  CHECK(S(reply.json, "more_info") == "https://www.twilio.com/docs/errors/" + std::to_string(code));
}

std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

}  // namespace

TEST_CASE("create answers 201 with Twilio's message resource", "[api]") {
  Gateway gw;
  int64_t before = sfn::timeutil::NowSeconds();
  Reply r = gw.Create({{"To", "+14155552671"}, {"From", kSender}, {"Body", "Reminder: 3pm"}});
  INFO(r.body);
  REQUIRE(r.status == 201);
  const auto& m = r.json;
  CHECK(std::regex_match(S(m, "sid"), std::regex("^SM[0-9a-f]{32}$")));
  CHECK(S(m, "account_sid") == kAccountSid);
  CHECK(S(m, "to") == "+14155552671");
  CHECK(S(m, "from") == kSender);
  CHECK(S(m, "body") == "Reminder: 3pm");
  CHECK(S(m, "status") == "queued");
  CHECK(S(m, "direction") == "outbound-api");
  CHECK(S(m, "num_segments") == "1");
  CHECK(S(m, "num_media") == "0");
  CHECK(S(m, "api_version") == "2010-04-01");
  CHECK(S(m, "price_unit") == "USD");
  CHECK(m["price"].IsNull());
  CHECK(m["error_code"].IsNull());
  CHECK(m["error_message"].IsNull());
  CHECK(m["messaging_service_sid"].IsNull());
  CHECK(m["date_sent"].IsNull());
  auto created = sfn::timeutil::ParseRfc2822(S(m, "date_created"));
  REQUIRE(created.ok());
  CHECK(created.value() >= before - 1);
  CHECK(S(m, "uri") ==
        "/2010-04-01/Accounts/" + kAccountSid + "/Messages/" + S(m, "sid") + ".json");
  REQUIRE(m["subresource_uris"].IsObject());
  CHECK(S(m["subresource_uris"], "media").find("/Media.json") != std::string::npos);
}

TEST_CASE("num_segments follows GSM-7 and UCS-2 rules", "[api]") {
  Gateway gw;
  struct Case {
    std::string body;
    std::string segments;
    std::string encoding;
  };
  std::vector<Case> cases = {{Repeat("a", 160), "1", "GSM-7"},
                             {Repeat("a", 161), "2", "GSM-7"},
                             {Repeat("a", 152) + "€" + Repeat("a", 152), "3", "GSM-7"},
                             {Repeat("ж", 71), "2", "UCS-2"},
                             {Repeat("a", 66) + "😀" + Repeat("a", 66), "3", "UCS-2"},
                             {"Hello “quoted”", "1", "UCS-2"}};
  for (const auto& c : cases) {
    Reply r = gw.Create({{"To", "+14155552671"}, {"From", kSender}, {"Body", c.body}});
    INFO(r.body);
    REQUIRE(r.status == 201);
    CHECK(S(r.json, "num_segments") == c.segments);
    auto view = gw.EmulatorView(S(r.json, "sid"));
    CHECK(S(view, "encoding") == c.encoding);
    CHECK(std::to_string(view["num_segments"].GetInt()) == c.segments);
  }
}

TEST_CASE("bad credentials get 401 with code 20003", "[api]") {
  Gateway gw;
  ExpectError(gw.Create({{"To", "+14155552671"}, {"From", kSender}, {"Body", "x"}}, "wrong-token"),
              401, 20003);
  sfn::http::Request no_auth;
  no_auth.path = "/2010-04-01/Accounts/" + kAccountSid + "/Messages.json";
  ExpectError(gw.Send(no_auth), 401, 20003);
  // Right credentials, another account's path.
  sfn::http::Request other = no_auth;
  other.path = "/2010-04-01/Accounts/AC00000000000000000000000000000000/Messages.json";
  other.headers.Set("Authorization",
                    "Basic " + sfn::crypto::Base64Encode(kAccountSid + ":" + kAuthToken));
  ExpectError(gw.Send(other), 401, 20003);
  CHECK(gw.Hook("messages").json["messages"].Size() == 0);
}

TEST_CASE("invalid requests get Twilio's error codes and store nothing", "[api]") {
  Gateway gw;
  ExpectError(gw.Create({{"From", kSender}, {"Body", "x"}}), 400, 21604);
  ExpectError(gw.Create({{"To", "123"}, {"From", kSender}, {"Body", "x"}}), 400, 21211);
  ExpectError(gw.Create({{"To", "+1415"}, {"From", kSender}, {"Body", "x"}}), 400, 21211);
  ExpectError(gw.Create({{"To", "+14155552671"}, {"Body", "x"}}), 400, 21603);
  ExpectError(gw.Create({{"To", "+14155552671"}, {"From", "not-a-number"}, {"Body", "x"}}), 400,
              21212);
  ExpectError(gw.Create({{"To", "+14155552671"}, {"From", "+14155550000"}, {"Body", "x"}}), 400,
              21606);
  ExpectError(gw.Create({{"To", "+14155552671"}, {"MessagingServiceSid", "MGnope"}, {"Body", "x"}}),
              400, 21705);
  ExpectError(gw.Create({{"To", "+14155552671"}, {"From", kSender}}), 400, 21602);
  ExpectError(gw.Create({{"To", "+14155552671"}, {"From", kSender}, {"Body", ""}}), 400, 21602);
  ExpectError(gw.Create({{"To", "+14155552671"}, {"From", kSender}, {"Body", Repeat("a", 1601)}}),
              400, 21617);
  ExpectError(gw.Create({{"To", "+14155552671"},
                         {"From", kSender},
                         {"Body", "x"},
                         {"StatusCallback", "https://bad_host.example.com/status"}}),
              400, 21609);
  ExpectError(gw.Create({{"To", "+14155552671"},
                         {"From", kSender},
                         {"Body", "x"},
                         {"StatusCallback", "not a url"}}),
              400, 21609);
  CHECK(gw.Hook("messages").json["messages"].Size() == 0);
  // The limits are inclusive: 1600 characters (even multi-byte) and any +1500555xxxx sender are
  // fine.
  CHECK(
      gw.Create({{"To", "+14155552671"}, {"From", kSender}, {"Body", Repeat("ж", 1600)}}).status ==
      201);
  CHECK(gw.Create({{"To", "+14155552671"}, {"From", "+15005550123"}, {"Body", "x"}}).status == 201);
  // An empty StatusCallback means none.
  CHECK(
      gw.Create({{"To", "+14155552671"}, {"From", kSender}, {"Body", "x"}, {"StatusCallback", ""}})
          .status == 201);
}

TEST_CASE("designated numbers are rejected with 21614, 21635 or 21211", "[api]") {
  Gateway gw;
  for (int code : {21614, 21635, 21211}) {
    std::string number = "+1415555" + std::to_string(code % 10000);
    Reply set = gw.Hook("carrier",
                        R"({"number":")" + number + R"(","reject":)" + std::to_string(code) + "}");
    REQUIRE(set.status == 200);
    ExpectError(gw.Create({{"To", number}, {"From", kSender}, {"Body", "x"}}), 400, code);
  }
  Reply bad = gw.Hook("carrier", R"({"number":"+14155550000","reject":12345})");
  CHECK(bad.status == 400);
  CHECK(S(bad.json, "field") == "reject");
  Reply bad_number = gw.Hook("carrier", R"({"number":"555","outcome":"delivered"})");
  CHECK(bad_number.status == 400);
  CHECK(S(bad_number.json, "field") == "number");
}

TEST_CASE("fetch returns the message and 20404 for an unknown sid", "[api]") {
  Gateway gw;
  Reply created = gw.Create({{"To", "+14155552671"}, {"From", kSender}, {"Body", "hello"}});
  REQUIRE(created.status == 201);
  std::string sid = S(created.json, "sid");
  Reply fetched = gw.Fetch(sid);
  REQUIRE(fetched.status == 200);
  CHECK(S(fetched.json, "sid") == sid);
  CHECK(S(fetched.json, "body") == "hello");
  ExpectError(gw.Fetch("SM00000000000000000000000000000000"), 404, 20404);
}

TEST_CASE("a delivered message has date_sent and a per-segment price", "[api]") {
  Gateway gw;
  Reply created =
      gw.Create({{"To", "+14155552671"}, {"From", kSender}, {"Body", Repeat("a", 200)}});
  std::string sid = S(created.json, "sid");
  gw.WaitFor(sid, [](const rapidjson::Value& v) {
    return std::string(v["status"].GetString()) == "delivered";
  });
  Reply fetched = gw.Fetch(sid);
  CHECK(S(fetched.json, "status") == "delivered");
  CHECK(S(fetched.json, "price") == "-0.01580");  // 2 segments
  CHECK(sfn::timeutil::ParseRfc2822(S(fetched.json, "date_sent")).ok());
}

TEST_CASE("a Messaging Service send starts accepted and hides segments on create", "[api]") {
  Gateway gw;
  std::string service = "MG0123456789abcdef0123456789abcdef";
  Reply r = gw.Create(
      {{"To", "+14155552671"}, {"MessagingServiceSid", service}, {"Body", Repeat("a", 161)}});
  INFO(r.body);
  REQUIRE(r.status == 201);
  CHECK(S(r.json, "status") == "accepted");
  CHECK(S(r.json, "num_segments") == "0");
  CHECK(S(r.json, "messaging_service_sid") == service);
  CHECK(r.json["from"].IsNull());
  Reply fetched = gw.Fetch(S(r.json, "sid"));
  CHECK(S(fetched.json, "num_segments") == "2");
}

TEST_CASE("list filters by To, From and DateSent, newest first, with paging", "[api]") {
  Gateway gw;
  for (int i = 0; i < 5; ++i) {
    REQUIRE(
        gw.Create({{"To", "+14155550101"}, {"From", kSender}, {"Body", "a" + std::to_string(i)}})
            .status == 201);
  }
  REQUIRE(gw.Create({{"To", "+14155550102"}, {"From", "+15005550007"}, {"Body", "other"}}).status ==
          201);

  Reply all = gw.List("");
  REQUIRE(all.status == 200);
  CHECK(all.json["messages"].Size() == 6);
  CHECK(all.json["page_size"].GetInt() == 50);
  CHECK(all.json["next_page_uri"].IsNull());

  Reply to = gw.List("To=%2B14155550101");
  REQUIRE(to.json["messages"].Size() == 5);
  CHECK(S(to.json["messages"][0], "body") == "a4");  // newest first
  CHECK(gw.List("From=%2B15005550007").json["messages"].Size() == 1);

  std::string today = sfn::timeutil::FormatDate(sfn::timeutil::NowSeconds());
  CHECK(gw.List("To=%2B14155550101&DateSent%3E=" + today).json["messages"].Size() == 5);
  CHECK(gw.List("To=%2B14155550101&DateSent%3E=2999-01-01").json["messages"].Size() == 0);
  CHECK(gw.List("To=%2B14155550101&DateSent%3C=2000-01-01").json["messages"].Size() == 0);
  CHECK(gw.List("To=%2B14155550101&DateSent%3C=" + today).json["messages"].Size() == 5);
  CHECK(gw.List("DateSent=" + today).json["messages"].Size() == 6);
  CHECK(gw.List("DateSent%3E=2000-01-01T00:00:00Z").json["messages"].Size() == 6);
  ExpectError(gw.List("DateSent%3E=yesterday"), 400, 20001);
  ExpectError(gw.List("PageSize=0"), 400, 20001);

  Reply page0 = gw.List("To=%2B14155550101&PageSize=2");
  REQUIRE(page0.json["messages"].Size() == 2);
  CHECK(page0.json["page"].GetInt() == 0);
  CHECK(page0.json["previous_page_uri"].IsNull());
  REQUIRE(page0.json["next_page_uri"].IsString());
  std::string next = page0.json["next_page_uri"].GetString();
  CHECK(next.find("To=%2B14155550101") != std::string::npos);
  // Follow next_page_uri to the end and collect every body once.
  std::set<std::string> bodies;
  std::string target = S(page0.json, "uri");
  for (int guard = 0; guard < 10 && !target.empty(); ++guard) {
    std::string path, query;
    sfn::http::SplitTarget(target, &path, &query);
    Reply page = gw.List(query);
    for (const auto& m : page.json["messages"].GetArray()) bodies.insert(m["body"].GetString());
    target = page.json["next_page_uri"].IsString() ? page.json["next_page_uri"].GetString() : "";
  }
  CHECK(bodies == std::set<std::string>{"a0", "a1", "a2", "a3", "a4"});
  CHECK(gw.List("PageSize=5000").json["page_size"].GetInt() == 1000);
}

TEST_CASE("cancel works before sending and fails with 30409 afterwards", "[api]") {
  Gateway gw({"--delivery-delay-ms", "2000"});
  Reply created = gw.Create({{"To", "+14155552671"}, {"From", kSender}, {"Body", "later"}});
  std::string sid = S(created.json, "sid");
  Reply canceled = gw.Update(sid, {{"Status", "canceled"}});
  INFO(canceled.body);
  REQUIRE(canceled.status == 200);
  CHECK(S(canceled.json, "status") == "canceled");
  CHECK(S(gw.Fetch(sid).json, "status") == "canceled");
  ExpectError(gw.Update(sid, {{"Status", "canceled"}}), 400, 30409);
  ExpectError(gw.Update(sid, {{"Status", "delivered"}}), 400, 20001);
  ExpectError(gw.Update("SM00000000000000000000000000000000", {{"Status", "canceled"}}), 404,
              20404);
  // Redaction: an empty Body clears the stored text.
  Reply redacted = gw.Update(sid, {{"Body", ""}});
  CHECK(redacted.status == 200);
  CHECK(S(gw.Fetch(sid).json, "body").empty());
}

TEST_CASE("a canceled message never leaves the gateway", "[api]") {
  Gateway gw({"--delivery-delay-ms", "300"});
  Receiver receiver;
  Reply created = gw.Create({{"To", "+14155552671"},
                             {"From", kSender},
                             {"Body", "x"},
                             {"StatusCallback", receiver.Url("/status")}});
  std::string sid = S(created.json, "sid");
  REQUIRE(gw.Update(sid, {{"Status", "canceled"}}).status == 200);
  // A second message sent afterwards finishes; by then the canceled one would have too.
  Reply other = gw.Create({{"To", "+14155552672"}, {"From", kSender}, {"Body", "y"}});
  gw.WaitFor(S(other.json, "sid"), [](const rapidjson::Value& v) {
    return std::string(v["status"].GetString()) == "delivered";
  });
  CHECK(S(gw.Fetch(sid).json, "status") == "canceled");
  CHECK(receiver.posts().empty());
}

TEST_CASE("unknown paths and hooks get JSON 404s", "[api]") {
  Gateway gw;
  sfn::http::Request request;
  request.path = "/2010-04-01/Accounts/" + kAccountSid + "/Calls.json";
  request.headers.Set("Authorization",
                      "Basic " + sfn::crypto::Base64Encode(kAccountSid + ":" + kAuthToken));
  ExpectError(gw.Send(request), 404, 20404);
  Reply hook = gw.Hook("nope");
  CHECK(hook.status == 404);
  CHECK(S(hook.json, "error").find("nope") != std::string::npos);
  Reply health = gw.Hook("health");
  CHECK(health.status == 200);
  CHECK(S(health.json, "status") == "ok");
}
