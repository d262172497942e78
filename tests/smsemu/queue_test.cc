// Twilio's sender queue over HTTP: above --mps messages are accepted as
// queued and leave at --mps; past --queue-limit-seconds a From number refuses
// the create (21611) and a Messaging Service's message fails with 30001; the
// only 429 (20429) is for too many concurrent requests (--max-concurrent).
#include <catch2/catch.hpp>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "common/crypto.h"
#include "common/time_util.h"
#include "smsemu_fixture.h"

using namespace sfn::smsemu_test;
using sfn::form::Get;

namespace {

const char* kService = "MG0123456789abcdef0123456789abcdef";

std::string Str(const rapidjson::Value& v, const char* key) {
  REQUIRE(v.HasMember(key));
  return v[key].IsString() ? v[key].GetString() : std::string("<non-string>");
}

bool Terminal(const rapidjson::Value& v) {
  std::string s = v["status"].GetString();
  return s == "delivered" || s == "undelivered" || s == "failed";
}

sfn::http::Request CreateRequest(const sfn::form::Params& fields) {
  sfn::http::Request request;
  request.method = "POST";
  request.path = "/2010-04-01/Accounts/" + kAccountSid + "/Messages.json";
  request.headers.Set("Authorization",
                      "Basic " + sfn::crypto::Base64Encode(kAccountSid + ":" + kAuthToken));
  request.headers.Set("Content-Type", "application/x-www-form-urlencoded");
  request.body = sfn::form::Serialize(fields);
  return request;
}

}  // namespace

TEST_CASE("above --mps messages are accepted as queued and leave the queue at --mps", "[queue]") {
  constexpr int kMps = 5;
  constexpr int kCount = 12;
  Gateway gw({"--mps", std::to_string(kMps), "--delivery-delay-ms", "10"});
  std::vector<std::string> sids;
  for (int i = 0; i < kCount; ++i) {
    Reply r =
        gw.Create({{"To", "+14155552671"}, {"From", kSender}, {"Body", "q" + std::to_string(i)}});
    INFO(r.body);
    REQUIRE(r.status == 201);  // never 429: the sender's queue takes them
    CHECK(Str(r.json, "status") == "queued");
    sids.push_back(Str(r.json, "sid"));
  }
  // The last one is about 2.2 s behind the first: still waiting in the queue.
  CHECK(Str(gw.Fetch(sids.back()).json, "status") == "queued");
  CHECK(gw.EmulatorView(sids.back())["dequeued_at_ms"].IsNull());
  // Another sender has its own queue and is not held up.
  Reply other = gw.Create({{"To", "+14155552672"}, {"From", "+15005550007"}, {"Body", "other"}});
  REQUIRE(other.status == 201);
  auto other_view = gw.WaitFor(Str(other.json, "sid"), Terminal);
  CHECK(Str(gw.Fetch(sids.back()).json, "status") == "queued");

  std::vector<int64_t> dequeued;
  for (const auto& sid : sids) {
    auto view = gw.WaitFor(sid, Terminal);
    CHECK(Str(view, "status") == "delivered");
    REQUIRE(view["dequeued_at_ms"].IsInt64());
    dequeued.push_back(view["dequeued_at_ms"].GetInt64());
  }
  int64_t first_created = gw.EmulatorView(sids.front())["created_ms"].GetInt64();
  // Message k leaves no earlier than k / mps seconds after the first arrived
  // (the emulator's timer never runs early), and they leave in order.
  for (int k = 0; k < kCount; ++k) {
    INFO("message " << k);
    CHECK(dequeued[k] - first_created >= k * 1000 / kMps - 5);
    if (k > 0) CHECK(dequeued[k] >= dequeued[k - 1]);
  }
  double seconds = (dequeued.back() - dequeued.front()) / 1000.0;
  WARN("drain: " << kCount - 1 << " segments in " << seconds << " s = " << (kCount - 1) / seconds
                 << " segments/s at --mps " << kMps);
}

TEST_CASE("segments count against the rate: a 3-segment message takes three slots", "[queue]") {
  Gateway gw({"--mps", "2", "--delivery-delay-ms", "10"});
  std::string long_body(400, 'a');  // GSM-7: 3 segments of 153
  Reply first = gw.Create({{"To", "+14155552671"}, {"From", kSender}, {"Body", long_body}});
  Reply second = gw.Create({{"To", "+14155552671"}, {"From", kSender}, {"Body", "x"}});
  REQUIRE(first.status == 201);
  REQUIRE(second.status == 201);
  CHECK(Str(first.json, "num_segments") == "3");
  auto a = gw.WaitFor(Str(first.json, "sid"), Terminal);
  auto b = gw.WaitFor(Str(second.json, "sid"), Terminal);
  // 3 segments at 2 per second: the next message waits 1.5 s after the first left.
  CHECK(b["dequeued_at_ms"].GetInt64() - a["created_ms"].GetInt64() >= 1495);
}

TEST_CASE("a From number whose queue is longer than --queue-limit-seconds refuses with 21611",
          "[queue]") {
  Gateway gw({"--mps", "1", "--queue-limit-seconds", "1"});
  std::string two_segments(200, 'a');
  Reply first = gw.Create({{"To", "+14155552671"}, {"From", kSender}, {"Body", two_segments}});
  REQUIRE(first.status == 201);  // leaves at once; the sender is then booked for 2 s
  Reply refused = gw.Create({{"To", "+14155552671"}, {"From", kSender}, {"Body", "next"}});
  INFO(refused.body);
  CHECK(refused.status == 400);
  CHECK(refused.json["code"].GetInt() == 21611);
  CHECK(Str(refused.json, "more_info") == "https://www.twilio.com/docs/errors/21611");
  CHECK(gw.Hook("messages").json["messages"].Size() == 1);  // nothing stored
  // Per sender: another number of the account still sends.
  CHECK(gw.Create({{"To", "+14155552671"}, {"From", "+15005550007"}, {"Body", "x"}}).status == 201);
  // Reset empties the queues.
  REQUIRE(gw.Hook("reset", "{}").status == 200);
  CHECK(gw.Create({{"To", "+14155552671"}, {"From", kSender}, {"Body", "after reset"}}).status ==
        201);
}

TEST_CASE("a Messaging Service message queued longer than the limit fails with 30001", "[queue]") {
  Gateway gw({"--mps", "1", "--queue-limit-seconds", "1", "--delivery-delay-ms", "20"});
  Receiver receiver;
  std::string two_segments(200, 'a');
  std::vector<std::string> sids;
  for (int i = 0; i < 3; ++i) {
    Reply r = gw.Create({{"To", "+14155552671"},
                         {"MessagingServiceSid", kService},
                         {"Body", i == 0 ? two_segments : "late " + std::to_string(i)},
                         {"StatusCallback", receiver.Url("/status/" + std::to_string(i))}});
    INFO(r.body);
    REQUIRE(r.status == 201);  // a service accepts; the failure comes later
    CHECK(Str(r.json, "status") == "accepted");
    sids.push_back(Str(r.json, "sid"));
  }
  auto first = gw.WaitFor(sids[0], Terminal);
  CHECK(Str(first, "status") == "delivered");
  for (int i = 1; i < 3; ++i) {
    // Terminal, and the failed callback's attempt recorded (callbacks post asynchronously).
    auto view = gw.WaitFor(sids[i], [](const rapidjson::Value& v) {
      return Terminal(v) && v["callbacks"].Size() >= 2;
    });
    CHECK(Str(view, "status") == "failed");
    CHECK(view["error_code"].GetInt() == 30001);
    CHECK(view["dequeued_at_ms"].IsNull());  // it never left the queue
    CHECK(view["date_sent"].IsNull());
    CHECK(Str(view, "price") == "0.00000");
    // It failed once its queue time reached the limit, not before.
    const auto& callbacks = view["callbacks"];
    REQUIRE(callbacks.Size() >= 2);
    int64_t failed_at_ms = 0;
    for (const auto& c : callbacks.GetArray()) {
      if (std::string(c["status"].GetString()) == "failed") {
        failed_at_ms = sfn::timeutil::ParseRfc3339(c["at"].GetString()).value();
      }
    }
    CHECK(failed_at_ms - view["created_ms"].GetInt64() >= 990);
    Reply fetched = gw.Fetch(sids[i]);
    CHECK(fetched.json["error_code"].GetInt() == 30001);
    CHECK(Str(fetched.json, "error_message") == "Queue overflow");
  }
  // Callbacks as Twilio sends them: queued, then failed with ErrorCode 30001.
  auto posts = receiver.WaitForPosts(4 + 2 * 2);
  std::vector<std::string> late;
  for (const auto& p : posts) {
    if (p.path_and_query != "/status/1") continue;
    late.push_back(Get(p.params, "MessageStatus"));
    if (late.back() == "failed") {
      CHECK(Get(p.params, "ErrorCode") == "30001");
      CHECK(Get(p.params, "MessagingServiceSid") == kService);
    }
  }
  CHECK(late == std::vector<std::string>{"queued", "failed"});
}

TEST_CASE("429 with 20429 only for more concurrent requests than --max-concurrent", "[queue]") {
  Gateway gw({"--max-concurrent", "2", "--mps", "1"});
  // A burst far above --mps is no reason for 429.
  for (int i = 0; i < 5; ++i) {
    CHECK(gw.Create({{"To", "+14155552671"}, {"From", kSender}, {"Body", "burst"}}).status == 201);
  }
  // Two requests held open by the gateway fill the account's concurrency.
  REQUIRE(
      gw.Hook("faults", R"({"fault":"timeout_after_accept","count":2,"hold_ms":2000})").status ==
      200);
  sfn::http::Client client(gw.url());
  std::vector<std::future<sfn::Result<sfn::http::Response>>> held;
  for (int i = 0; i < 2; ++i) {
    held.push_back(client.SendAsync(
        CreateRequest({{"To", "+14155552672"}, {"From", "+15005550007"}, {"Body", "held"}})));
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (gw.Hook("messages").json["messages"].Size() < 7 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  REQUIRE(gw.Hook("messages").json["messages"].Size() == 7);
  // A third request of any kind is refused and not processed.
  Reply busy = gw.Create({{"To", "+14155552673"}, {"From", "+15005550008"}, {"Body", "third"}});
  INFO(busy.body);
  CHECK(busy.status == 429);
  CHECK(busy.json["code"].GetInt() == 20429);
  CHECK(Str(busy.json, "message") == "Too Many Requests");
  CHECK(gw.List("").status == 429);
  CHECK(gw.Hook("messages").json["messages"].Size() == 7);
  CHECK(gw.Hook("health").status == 200);  // test hooks are not the account's API
  // Once the held requests are answered (504), the account may send again.
  for (auto& f : held) {
    auto answer = f.get();
    if (answer.ok()) CHECK(answer->status == 504);
  }
  CHECK(gw.Create({{"To", "+14155552673"}, {"From", "+15005550008"}, {"Body", "later"}}).status ==
        201);
}

TEST_CASE("bad queue and concurrency options fail with a message", "[queue]") {
  auto run = [](std::vector<std::string> args) {
    args.insert(args.begin(), sfn::test::BinDir() + "/smsemu");
    auto child = sfn::ChildProcess::Start(args, "/dev/null");
    REQUIRE(child.ok());
    return child->Wait(std::chrono::seconds(10));
  };
  CHECK(run({"--queue-limit-seconds", "0"}) == 2);
  CHECK(run({"--queue-limit-seconds", "36001"}) == 2);
  CHECK(run({"--max-concurrent", "none"}) == 2);
  CHECK(run({"--callback-retry-delay-ms", "-1"}) == 2);
}
