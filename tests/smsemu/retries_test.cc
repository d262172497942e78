// Status-callback retries as Twilio documents them: by default one retry and
// only when the connection failed; an HTTP answer, 500 included, is final.
// The #rc / #rp connection overrides in the callback URL change both.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <thread>

#include "common/twilio_signature.h"
#include "smsemu_fixture.h"

using namespace sfn::smsemu_test;
using sfn::form::Get;

namespace {

std::string Send(const Gateway& gw, const std::string& callback) {
  Reply r = gw.Create({{"To", "+14155552671"},
                       {"From", kSender},
                       {"Body", "retry test"},
                       {"StatusCallback", callback}});
  INFO(r.body);
  REQUIRE(r.status == 201);
  return r.json["sid"].GetString();
}

// A loopback port on which nothing listens: bound (so the OS picks a free
// one), never listened on, closed. (A stopped http::Server is no substitute:
// while other servers run in the process, its port may still answer 404.)
int ClosedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

struct Attempt {
  std::string status;
  int number;
  int http_status;
};

std::vector<Attempt> Attempts(const rapidjson::Value& view) {
  std::vector<Attempt> out;
  for (const auto& c : view["callbacks"].GetArray()) {
    out.push_back({c["status"].GetString(), c["attempt"].GetInt(), c["http_status"].GetInt()});
  }
  return out;
}

bool Delivered(const rapidjson::Value& v) {
  return std::string(v["status"].GetString()) == "delivered";
}

}  // namespace

TEST_CASE("a receiver answering 500 is not retried by default", "[retries]") {
  Gateway gw;
  Receiver failing(500);
  std::string sid = Send(gw, failing.Url("/status"));
  auto view = gw.WaitFor(
      sid, [](const rapidjson::Value& v) { return Delivered(v) && v["callbacks"].Size() >= 3; });
  // Give a (wrong) retry time to show up: a second message's callbacks come after any.
  std::string later = Send(gw, failing.Url("/later"));
  gw.WaitFor(later, [](const rapidjson::Value& v) { return v["callbacks"].Size() >= 3; });
  view = gw.EmulatorView(sid);
  auto attempts = Attempts(view);
  REQUIRE(attempts.size() == 3);
  for (const auto& a : attempts) {
    CHECK(a.number == 1);
    CHECK(a.http_status == 500);
  }
  size_t to_status = 0;
  for (const auto& p : failing.posts()) to_status += p.path_and_query == "/status" ? 1 : 0;
  CHECK(to_status == 3);
}

TEST_CASE("a refused connection is retried once by default, with the same token", "[retries]") {
  Gateway gw({"--callback-retry-delay-ms", "1500"});
  int port = ClosedPort();
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/status";
  std::string sid = Send(gw, url);
  // The first attempt of "sending" is refused; the receiver comes up before the retry.
  gw.WaitFor(sid, [](const rapidjson::Value& v) { return v["callbacks"].Size() >= 1; });
  Receiver back(200, port);
  auto posts = back.WaitForPosts(3);
  CHECK(Statuses(posts) == std::vector<std::string>{"sending", "sent", "delivered"});
  auto view = gw.WaitFor(sid, [](const rapidjson::Value& v) { return v["callbacks"].Size() >= 4; });
  auto attempts = Attempts(view);
  REQUIRE(attempts.size() == 4);
  CHECK(attempts[0].status == "sending");
  CHECK(attempts[0].number == 1);
  CHECK(attempts[0].http_status == 0);
  CHECK(view["callbacks"][0]["error"].IsString());
  CHECK(attempts[1].status == "sending");
  CHECK(attempts[1].number == 2);
  CHECK(attempts[1].http_status == 200);
  CHECK(std::string(view["callbacks"][0]["idempotency_token"].GetString()) ==
        view["callbacks"][1]["idempotency_token"].GetString());
  CHECK(posts[0].headers.Get("I-Twilio-Idempotency-Token") ==
        view["callbacks"][1]["idempotency_token"].GetString());
  CHECK(sfn::twilio::ValidateSignature(kAuthToken, posts[0].headers.Get("X-Twilio-Signature"), url,
                                       posts[0].params));
}

TEST_CASE("the rc override sets how often a refused connection is retried", "[retries]") {
  Gateway gw;
  std::string base = "http://127.0.0.1:" + std::to_string(ClosedPort()) + "/status";
  std::string three = Send(gw, base + "#rc=3");
  std::string none = Send(gw, base + "#rc=0");
  auto count = [](size_t n) {
    return [n](const rapidjson::Value& v) { return Delivered(v) && v["callbacks"].Size() >= n; };
  };
  auto with_three = gw.WaitFor(three, count(12));
  auto with_none = gw.WaitFor(none, count(3));
  auto a = Attempts(with_three);
  REQUIRE(a.size() == 12);  // 3 statuses x (1 + 3 retries)
  for (size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].number == static_cast<int>(i % 4) + 1);
    CHECK(a[i].http_status == 0);
  }
  for (const auto& n : Attempts(with_none)) {
    CHECK(n.number == 1);
    CHECK(n.http_status == 0);
  }
  CHECK(Attempts(gw.EmulatorView(none)).size() == 3);
}

TEST_CASE("the rp=5xx override retries a 500 answer rc times, signed without the fragment",
          "[retries]") {
  Gateway gw;
  Receiver failing(500);
  std::string url = failing.Url("/status?q=1");
  std::string sid = Send(gw, url + "#rp=5xx&rc=2");
  auto posts = failing.WaitForPosts(9);
  CHECK(Statuses(posts) == std::vector<std::string>{"sending", "sending", "sending", "sent", "sent",
                                                    "sent", "delivered", "delivered", "delivered"});
  for (const auto& p : posts) {
    CHECK(p.path_and_query == "/status?q=1");  // the fragment is never sent
    CHECK(sfn::twilio::ValidateSignature(kAuthToken, p.headers.Get("X-Twilio-Signature"), url,
                                         p.params));
  }
  auto view = gw.WaitFor(sid, [](const rapidjson::Value& v) { return v["callbacks"].Size() >= 9; });
  CHECK(Attempts(view).back().number == 3);
  // rp replaces the default: with rp=5xx a refused connection is not retried.
  std::string refused =
      Send(gw, "http://127.0.0.1:" + std::to_string(ClosedPort()) + "/s#rp=5xx&rc=2");
  auto refused_view = gw.WaitFor(refused, [](const rapidjson::Value& v) {
    return Delivered(v) && v["callbacks"].Size() >= 3;
  });
  for (const auto& a : Attempts(refused_view)) {
    CHECK(a.number == 1);
    CHECK(a.http_status == 0);
  }
}

TEST_CASE("a receiver slower than #rt is retried only when rp names rt, within tt", "[retries]") {
  Gateway gw;
  Receiver slow(200, 0, 1500);
  // Default policy (ct): a read timeout is final.
  std::string plain = Send(gw, slow.Url("/plain#rt=300"));
  auto plain_view = gw.WaitFor(
      plain, [](const rapidjson::Value& v) { return Delivered(v) && v["callbacks"].Size() >= 3; });
  for (const auto& a : Attempts(plain_view)) {
    CHECK(a.number == 1);
    CHECK(a.http_status == 0);  // no answer within 300 ms
  }
  // rp=rt with rc=5, but tt=1000 ms for all attempts together: fewer than 6 attempts per status.
  std::string bounded = Send(gw, slow.Url("/bounded#rt=400&rp=rt&rc=5&tt=1000"));
  // The "sending" attempts are all in once a "sent" one is recorded (one thread, in order).
  auto bounded_view = gw.WaitFor(bounded, [](const rapidjson::Value& v) {
    for (const auto& c : v["callbacks"].GetArray()) {
      if (std::string(c["status"].GetString()) == "sent") return true;
    }
    return false;
  });
  int sending_attempts = 0;
  for (const auto& a : Attempts(bounded_view)) {
    if (a.status != "sending") continue;
    CHECK(a.number == ++sending_attempts);
    CHECK(a.http_status == 0);
  }
  CHECK(sending_attempts >= 2);  // the read timeout was retried
  CHECK(sending_attempts <= 3);  // 400 + 400 + the last 200 ms of tt, not 1 + rc=5
}

TEST_CASE("an invalid override is reported and the defaults apply", "[retries]") {
  Gateway gw;
  Receiver receiver;
  std::string sid = Send(gw, receiver.Url("/s#rp=sometimes&rc=99"));
  receiver.WaitForPosts(3);
  auto view = gw.WaitFor(sid, [](const rapidjson::Value& v) { return v["callbacks"].Size() >= 3; });
  const auto& first = view["callbacks"][0];
  REQUIRE(first["warning"].IsString());
  std::string warning = first["warning"].GetString();
  CHECK(warning.find("11243") != std::string::npos);
  CHECK(warning.find("rc=99") != std::string::npos);
  CHECK(first["http_status"].GetInt() == 200);
}

TEST_CASE("the inbound webhook follows the same retry rules", "[retries]") {
  Gateway gw({"--callback-retry-delay-ms", "1500"});
  Receiver failing(500);
  Reply answered = gw.Hook("inbound", R"({"From":"+14155550100","To":"+15005550006","Body":"hi",)"
                                      R"("Url":")" +
                                          failing.Url("/inbound") + R"("})");
  REQUIRE(answered.status == 200);
  CHECK(answered.json["webhook_status"].GetInt() == 500);
  CHECK(failing.posts().size() == 1);  // a 500 is final
  int port = ClosedPort();
  Reply refused = gw.Hook("inbound", R"({"From":"+14155550100","To":"+15005550006","Body":"again",)"
                                     R"("Url":"http://127.0.0.1:)" +
                                         std::to_string(port) + R"(/inbound#rc=2"})");
  INFO(refused.body);
  REQUIRE(refused.status == 200);
  CHECK(refused.json["webhook_status"].IsNull());
  auto all = gw.Hook("messages").json;
  const auto& last = all["messages"][all["messages"].Size() - 1];
  CHECK(last["callbacks"].Size() == 3);  // 1 + rc=2 retries
}
