// sfemu's CometD endpoint, driven in-process over HTTP: an sfn::http::Server
// whose handler maps the bearer token to an AuthInfo and calls the endpoint,
// events published through the EventBus, requests sent with sfn::http::Client.
#include "sandbox/sfemu/cometd.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "common/http_client.h"
#include "common/http_server.h"
#include "common/json.h"
#include "sfemu_fixture.h"
#include "support/test_env.h"

namespace {

constexpr char kChannel[] = "/event/Outbound_Notification__e";
constexpr char kGoodToken[] = "00D000000000001!good";
constexpr char kUserId[] = "005000000000001AAA";

template <typename F>
bool Eventually(F condition, std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return condition();
}

std::string Payload(const std::string& request_id) {
  return R"({"Request_Id__c":")" + request_id + R"(","CreatedById":")" + kUserId +
         R"(","CreatedDate":"2024-05-14T15:04:05.123Z"})";
}

// An in-process sfemu slice: EventBus + CometdEndpoint behind a real HTTP server.
// Tokens: "Bearer <kGoodToken>" (or "OAuth ...") is valid, any other token is
// present but invalid, no header means no token.
struct Harness {
  std::unique_ptr<sfn::test::TempDir> dir = std::make_unique<sfn::test::TempDir>();
  std::unique_ptr<sfemu::EventBus> bus;
  std::unique_ptr<sfemu::CometdEndpoint> endpoint;
  std::unique_ptr<sfn::http::Server> server;

  explicit Harness(sfemu::CometdOptions cometd = Defaults(), int64_t retention_ms = 0) {
    sfemu::EventBusOptions bus_options;
    bus_options.state_path = dir->File("org.sqlite");
    if (retention_ms > 0) bus_options.retention_ms = retention_ms;
    bus = std::make_unique<sfemu::EventBus>(bus_options);
    endpoint = std::make_unique<sfemu::CometdEndpoint>(*bus, cometd);
    server = std::make_unique<sfn::http::Server>(
        sfn::http::ServerOptions{},
        [this](sfn::http::Request&& request, sfn::http::Responder responder) {
          sfemu::AuthInfo auth;
          std::string header = request.headers.Get("Authorization");
          auth.present = !header.empty();
          auto space = header.find(' ');
          std::string token = space == std::string::npos ? "" : header.substr(space + 1);
          auth.valid = token == kGoodToken;
          if (auth.valid) auth.user_id = kUserId;
          endpoint->Handle(std::move(request), responder, auth);
        });
    REQUIRE(server->Start().ok());
  }
  ~Harness() {
    // The server goes first so no handler runs against a destroyed endpoint.
    server->Stop();
  }

  static sfemu::CometdOptions Defaults() {
    sfemu::CometdOptions options;
    options.connect_timeout_ms = 20000;
    return options;
  }

  sfemu::StoredEvent Publish(const std::string& request_id) {
    return bus->Publish(kChannel, Payload(request_id));
  }
};

struct Event {
  int64_t replay_id = 0;
  std::string request_id;
};

// A minimal Bayeux client: keeps the cookie and clientId like a real one.
class BayeuxClient {
 public:
  explicit BayeuxClient(const Harness& h, std::string token = kGoodToken,
                        std::string path = "/cometd/62.0")
      : BayeuxClient(h.server->base_url(), std::move(token), std::move(path)) {}
  BayeuxClient(const std::string& base_url, std::string token, std::string path = "/cometd/62.0")
      : http_(base_url, Options()), token_(std::move(token)), path_(std::move(path)) {}

  struct Answer {
    int status = 0;
    rapidjson::Document body;
    std::string set_cookie;
  };

  Answer Post(const std::string& body) const { return Finish(SendAsync(body).get()); }

  std::future<sfn::Result<sfn::http::Response>> SendAsync(const std::string& body) const {
    sfn::http::Request request;
    request.method = "POST";
    request.path = path_;
    request.body = body;
    request.headers.Add("Content-Type", "application/json");
    if (!token_.empty()) request.headers.Add("Authorization", "Bearer " + token_);
    if (!cookie_.empty()) request.headers.Add("Cookie", cookie_);
    return http_.SendAsync(std::move(request));
  }

  static Answer Finish(sfn::Result<sfn::http::Response> response) {
    REQUIRE(response.ok());
    Answer answer;
    answer.status = response->status;
    answer.set_cookie = response->headers.Get("Set-Cookie");
    auto parsed = sfn::json::Parse(response->body);
    INFO(response->body);
    REQUIRE(parsed.ok());
    REQUIRE(parsed->IsArray());
    answer.body = std::move(parsed.value());
    return answer;
  }

  // Handshakes and keeps clientId and the BAYEUX_BROWSER cookie.
  Answer Handshake() {
    auto answer = Post(
        R"([{"channel":"/meta/handshake","version":"1.0","supportedConnectionTypes":["long-polling"],"id":"1"}])");
    const auto& reply = answer.body[0];
    if (reply["successful"].GetBool()) {
      client_id_ = reply["clientId"].GetString();
      if (!answer.set_cookie.empty())
        cookie_ = answer.set_cookie.substr(0, answer.set_cookie.find(';'));
    }
    return answer;
  }

  // `replay_json` is the value put in ext.replay for the channel ("" = no replay ext).
  Answer Subscribe(const std::string& channel, const std::string& replay_json) {
    return Post("[" + SubscribeMessage(channel, replay_json) + "]");
  }

  std::string SubscribeMessage(const std::string& channel, const std::string& replay_json) const {
    std::string ext = replay_json.empty()
                          ? ""
                          : R"(,"ext":{"replay":{")" + channel + R"(":)" + replay_json + "}}";
    return R"({"channel":"/meta/subscribe","clientId":")" + client_id_ + R"(","subscription":")" +
           channel + R"(","id":"2")" + ext + "}";
  }

  std::string ConnectMessage() const {
    return R"({"channel":"/meta/connect","connectionType":"long-polling","clientId":")" +
           client_id_ + R"(","id":"3"})";
  }

  Answer Connect() const { return Post("[" + ConnectMessage() + "]"); }
  std::future<sfn::Result<sfn::http::Response>> ConnectAsync() const {
    return SendAsync("[" + ConnectMessage() + "]");
  }

  // Handshake + subscribe + the first (immediate) connect; returns its events.
  std::vector<Event> Start(const std::string& replay_json) {
    REQUIRE(Handshake().body[0]["successful"].GetBool());
    auto sub = Subscribe(kChannel, replay_json);
    INFO(sfn::json::Serialize(sub.body));
    REQUIRE(sub.body[0]["successful"].GetBool());
    return Events(Connect());
  }

  const std::string& client_id() const { return client_id_; }
  void set_cookie(std::string c) { cookie_ = std::move(c); }
  const std::string& cookie() const { return cookie_; }

  // The events of a connect answer (checking their shape), in order; the
  // connect reply itself must be last and successful.
  static std::vector<Event> Events(const Answer& answer) {
    std::vector<Event> events;
    const auto& array = answer.body;
    INFO(sfn::json::Serialize(array));
    REQUIRE(array.Size() >= 1);
    const auto& last = array[array.Size() - 1];
    REQUIRE(std::string(last["channel"].GetString()) == "/meta/connect");
    REQUIRE(last["successful"].GetBool());
    for (rapidjson::SizeType i = 0; i + 1 < array.Size(); ++i) {
      const auto& m = array[i];
      if (std::string(m["channel"].GetString()) != kChannel) continue;
      const auto& data = m["data"];
      REQUIRE(data["schema"].IsString());
      REQUIRE(data["payload"].IsObject());
      REQUIRE(data["event"]["EventUuid"].IsString());
      REQUIRE(data["event"]["replayId"].IsInt64());
      events.push_back(
          {data["event"]["replayId"].GetInt64(), data["payload"]["Request_Id__c"].GetString()});
    }
    return events;
  }

 private:
  static sfn::http::ClientOptions Options() {
    sfn::http::ClientOptions options;
    options.timeout = std::chrono::milliseconds(60000);
    return options;
  }

  sfn::http::Client http_;
  std::string token_;
  std::string path_;
  std::string client_id_;
  std::string cookie_;
};

std::string Error(const BayeuxClient::Answer& answer, rapidjson::SizeType i = 0) {
  const auto& m = answer.body[i];
  if (!m.HasMember("error")) return "";
  return m["error"].GetString();
}

std::vector<std::string> RequestIds(const std::vector<Event>& events) {
  std::vector<std::string> ids;
  for (const auto& e : events) ids.push_back(e.request_id);
  return ids;
}

using Ids = std::vector<std::string>;

}  // namespace

TEST_CASE("cometd handshake, subscribe, connect and event delivery", "[cometd]") {
  Harness h;
  BayeuxClient client(h);
  auto hs = client.Handshake();
  CHECK(hs.status == 200);
  const auto& reply = hs.body[0];
  CHECK(std::string(reply["channel"].GetString()) == "/meta/handshake");
  CHECK(reply["successful"].GetBool());
  CHECK(std::string(reply["id"].GetString()) == "1");
  CHECK(std::string(reply["version"].GetString()) == "1.0");
  CHECK(reply["ext"]["replay"].GetBool());
  CHECK(sfn::json::Serialize(reply["supportedConnectionTypes"]) == R"(["long-polling"])");
  CHECK(std::string(reply["clientId"].GetString()).size() >= 20);
  CHECK(hs.set_cookie.rfind("BAYEUX_BROWSER=", 0) == 0);
  CHECK(h.endpoint->ActiveClients() == 1);

  auto sub = client.Subscribe(kChannel, "-1");
  CHECK(sub.body[0]["successful"].GetBool());
  CHECK(std::string(sub.body[0]["subscription"].GetString()) == kChannel);
  CHECK(std::string(sub.body[0]["clientId"].GetString()) == client.client_id());

  auto first = client.Connect();  // answered at once, as Salesforce does
  CHECK(BayeuxClient::Events(first).empty());
  const auto& advice = first.body[0]["advice"];
  CHECK(std::string(advice["reconnect"].GetString()) == "retry");
  CHECK(advice["interval"].GetInt() == 0);
  CHECK(advice["timeout"].GetInt() == 20000);

  auto published = h.Publish("req-1");
  auto answer = client.Connect();
  auto events = BayeuxClient::Events(answer);
  REQUIRE(events.size() == 1);
  CHECK(events[0].replay_id == published.replay_id);
  CHECK(events[0].request_id == "req-1");
  const auto& data = answer.body[0]["data"];
  CHECK(std::string(data["event"]["EventUuid"].GetString()) == published.event_uuid);
  CHECK(std::string(data["schema"].GetString()) == published.schema);
  CHECK(std::string(data["payload"]["CreatedById"].GetString()) == kUserId);
  CHECK(std::string(data["payload"]["CreatedDate"].GetString()) == "2024-05-14T15:04:05.123Z");

  auto bye = client.Post(R"([{"channel":"/meta/disconnect","clientId":")" + client.client_id() +
                         R"(","id":"9"}])");
  CHECK(bye.body[0]["successful"].GetBool());
  CHECK(h.endpoint->ActiveClients() == 0);
}

TEST_CASE("cometd replay -1 delivers only events published after subscribing", "[cometd]") {
  Harness h;
  h.Publish("before-1");
  h.Publish("before-2");
  BayeuxClient client(h);
  CHECK(client.Start("-1").empty());
  h.Publish("after-1");
  CHECK(RequestIds(BayeuxClient::Events(client.Connect())) == Ids{"after-1"});
}

TEST_CASE("cometd without the replay extension behaves like -1", "[cometd]") {
  Harness h;
  h.Publish("before");
  BayeuxClient client(h);
  CHECK(client.Start("").empty());
  h.Publish("after");
  CHECK(RequestIds(BayeuxClient::Events(client.Connect())) == Ids{"after"});
}

TEST_CASE("cometd replay -2 delivers every retained event in replay order", "[cometd]") {
  Harness h;
  for (const char* id : {"a", "b", "c"}) h.Publish(id);
  BayeuxClient client(h);
  auto events = client.Start("-2");
  CHECK(RequestIds(events) == Ids{"a", "b", "c"});
  REQUIRE(events.size() == 3);
  CHECK(events[1].replay_id > events[0].replay_id + 1);  // increasing, not contiguous
  CHECK(events[2].replay_id > events[1].replay_id + 1);
}

TEST_CASE("cometd replay N delivers the events after N", "[cometd]") {
  Harness h;
  auto a = h.Publish("a");
  h.Publish("b");
  h.Publish("c");
  BayeuxClient client(h);
  CHECK(RequestIds(client.Start(std::to_string(a.replay_id))) == Ids{"b", "c"});
  h.Publish("d");
  CHECK(RequestIds(BayeuxClient::Events(client.Connect())) == Ids{"d"});
}

TEST_CASE("cometd rejects an unknown replay id with Salesforce's error", "[cometd]") {
  Harness h;
  auto a = h.Publish("a");
  BayeuxClient client(h);
  REQUIRE(client.Handshake().body[0]["successful"].GetBool());
  for (int64_t bad : {a.replay_id + 1, int64_t{999999}, int64_t{-3}}) {
    auto sub = client.Subscribe(kChannel, std::to_string(bad));
    CHECK_FALSE(sub.body[0]["successful"].GetBool());
    CHECK(std::string(sub.body[0]["subscription"].GetString()) == kChannel);
    CHECK(Error(sub) == "400::The replayId {" + std::to_string(bad) +
                            "} you provided was invalid. Please provide a valid ID, -2 to replay "
                            "all events, or -1 to replay only new events.");
  }
}

TEST_CASE("cometd rejects a null replay value and a map without the channel", "[cometd]") {
  Harness h;
  BayeuxClient client(h);
  REQUIRE(client.Handshake().body[0]["successful"].GetBool());
  auto sub = client.Subscribe(kChannel, "null");
  CHECK_FALSE(sub.body[0]["successful"].GetBool());
  CHECK(Error(sub) == std::string("400::The replayId for channel {") + kChannel +
                          "} wasn't found using the provided replay ID map {{" + kChannel +
                          "=null}}. Ensure that the channel name you provided in the replay map "
                          "is valid and matches the channel name used for subscribing.");

  auto other = client.Post(R"([{"channel":"/meta/subscribe","clientId":")" + client.client_id() +
                           R"(","subscription":")" + kChannel +
                           R"(","ext":{"replay":{"/event/Typo__e":-1}},"id":"5"}])");
  CHECK(Error(other).find("wasn't found using the provided replay ID map "
                          "{{/event/Typo__e=-1}}") != std::string::npos);
}

TEST_CASE("cometd rejects unknown and malformed channels", "[cometd]") {
  Harness h;
  BayeuxClient client(h);
  REQUIRE(client.Handshake().body[0]["successful"].GetBool());
  auto unknown = client.Subscribe("/event/No_Such_Event__e", "-1");
  CHECK_FALSE(unknown.body[0]["successful"].GetBool());
  CHECK(Error(unknown) ==
        "400::The channel you requested to subscribe to does not exist {/event/No_Such_Event__e}");
  auto topic = client.Subscribe("/topic/AllLeads", "-1");
  CHECK(Error(topic).find("does not exist {/topic/AllLeads}") != std::string::npos);
  auto relative = client.Subscribe("event/Outbound_Notification__e", "");
  CHECK(Error(relative) == "400::Channel subscriptions must start with a leading '/'");
  auto missing = client.Post(R"([{"channel":"/meta/subscribe","clientId":")" + client.client_id() +
                             R"(","id":"4"}])");
  CHECK(Error(missing) == "400::Channel name not specified");
}

TEST_CASE("cometd channel_exists option decides which channels exist", "[cometd]") {
  auto options = Harness::Defaults();
  options.channel_exists = [](const std::string& c) { return c == "/event/Custom__e"; };
  Harness h(options);
  BayeuxClient client(h);
  REQUIRE(client.Handshake().body[0]["successful"].GetBool());
  CHECK(client.Subscribe("/event/Custom__e", "-1").body[0]["successful"].GetBool());
  CHECK_FALSE(client.Subscribe(kChannel, "-1").body[0]["successful"].GetBool());
}

TEST_CASE("cometd refuses missing and invalid tokens", "[cometd]") {
  Harness h;
  SECTION("handshake without a token") {
    BayeuxClient anonymous(h, "");
    auto hs = anonymous.Handshake();
    const auto& m = hs.body[0];
    CHECK_FALSE(m["successful"].GetBool());
    CHECK(Error(hs) == "403::Handshake denied");
    CHECK(std::string(m["ext"]["sfdc"]["failureReason"].GetString()) ==
          "401::Request requires authentication");
    CHECK(std::string(m["advice"]["reconnect"].GetString()) == "none");
    CHECK(h.endpoint->ActiveClients() == 0);
  }
  SECTION("handshake with an invalid token") {
    BayeuxClient expired(h, "expired-token");
    auto hs = expired.Handshake();
    CHECK(Error(hs) == "403::Handshake denied");
    CHECK(std::string(hs.body[0]["ext"]["sfdc"]["failureReason"].GetString()) ==
          "401::Authentication invalid");
  }
  SECTION("connect after the token became invalid") {
    BayeuxClient client(h);
    client.Start("-1");
    BayeuxClient stale(h, "expired-token");
    stale.set_cookie(client.cookie());
    auto answer = stale.Post("[" + client.ConnectMessage() + "]");
    const auto& m = answer.body[0];
    CHECK(answer.status == 200);
    CHECK_FALSE(m["successful"].GetBool());
    CHECK(Error(answer) == "401::Authentication invalid");
    CHECK(std::string(m["advice"]["reconnect"].GetString()) == "none");
    CHECK(m["advice"]["interval"].GetInt() == 0);
    CHECK(std::string(m["clientId"].GetString()) == client.client_id());
  }
  SECTION("a held connect when authentication is invalidated") {
    BayeuxClient client(h);
    client.Start("-1");
    auto pending = client.ConnectAsync();
    REQUIRE(Eventually([&] { return h.endpoint->HeldConnects() == 1; }));
    h.endpoint->InvalidateAuthentication();
    auto answer = BayeuxClient::Finish(pending.get());
    CHECK(Error(answer) == "401::Authentication invalid");
    CHECK(std::string(answer.body[0]["advice"]["reconnect"].GetString()) == "none");
  }
}

TEST_CASE("cometd forgets dropped sessions, resubscribing from the last replay id is exact",
          "[cometd]") {
  Harness h;
  BayeuxClient client(h);
  client.Start("-1");
  h.Publish("e1");
  h.Publish("e2");
  auto got = BayeuxClient::Events(client.Connect());
  REQUIRE(RequestIds(got) == Ids{"e1", "e2"});
  int64_t last = got.back().replay_id;

  auto held = client.ConnectAsync();
  REQUIRE(Eventually([&] { return h.endpoint->HeldConnects() == 1; }));
  h.endpoint->DropAllSessions();
  CHECK(BayeuxClient::Events(BayeuxClient::Finish(held.get())).empty());
  CHECK(h.endpoint->ActiveClients() == 0);

  h.Publish("e3");  // published while the client has no session
  auto refused = client.Connect();
  CHECK_FALSE(refused.body[0]["successful"].GetBool());
  CHECK(Error(refused) == "403::Unknown client");
  CHECK(std::string(refused.body[0]["advice"]["reconnect"].GetString()) == "handshake");

  h.Publish("e4");
  auto resumed = client.Start(std::to_string(last));
  CHECK(RequestIds(resumed) == Ids{"e3", "e4"});
  h.Publish("e5");
  CHECK(RequestIds(BayeuxClient::Events(client.Connect())) == Ids{"e5"});
}

TEST_CASE("cometd holds a connect until an event is published", "[cometd]") {
  Harness h;
  BayeuxClient client(h);
  client.Start("-1");
  auto pending = client.ConnectAsync();
  REQUIRE(Eventually([&] { return h.endpoint->HeldConnects() == 1; }));
  CHECK(pending.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready);
  h.Publish("wake");
  CHECK(RequestIds(BayeuxClient::Events(BayeuxClient::Finish(pending.get()))) == Ids{"wake"});
  CHECK(h.endpoint->HeldConnects() == 0);
}

TEST_CASE("cometd answers a held connect without events when the timeout passes", "[cometd]") {
  auto options = Harness::Defaults();
  options.connect_timeout_ms = 300;
  Harness h(options);
  BayeuxClient client(h);
  client.Start("-1");
  auto answer = client.Connect();
  CHECK(BayeuxClient::Events(answer).empty());
  CHECK(answer.body[0]["advice"]["timeout"].GetInt() == 300);
  h.Publish("next");  // the client is still subscribed
  CHECK(RequestIds(BayeuxClient::Events(client.Connect())) == Ids{"next"});
}

TEST_CASE("cometd serves events persisted by a previous EventBus on the same file", "[cometd]") {
  sfn::test::TempDir dir;
  int64_t first_id = 0;
  {
    sfemu::EventBus bus({dir.File("state.sqlite")});
    first_id = bus.Publish(kChannel, Payload("kept-1")).replay_id;
    bus.Publish(kChannel, Payload("kept-2"));
  }
  Harness h;
  h.endpoint.reset();
  h.bus = std::make_unique<sfemu::EventBus>(sfemu::EventBusOptions{dir.File("state.sqlite")});
  h.endpoint = std::make_unique<sfemu::CometdEndpoint>(*h.bus, Harness::Defaults());
  BayeuxClient client(h);
  CHECK(RequestIds(client.Start(std::to_string(first_id))) == Ids{"kept-2"});
}

TEST_CASE("cometd rejects a replay id that aged out of retention", "[cometd]") {
  Harness h(Harness::Defaults(), /*retention_ms=*/300);
  auto old = h.Publish("old");
  REQUIRE(Eventually([&] { return !h.bus->IsRetained(kChannel, old.replay_id); }));
  BayeuxClient client(h);
  REQUIRE(client.Handshake().body[0]["successful"].GetBool());
  auto sub = client.Subscribe(kChannel, std::to_string(old.replay_id));
  CHECK(Error(sub).rfind(
            "400::The replayId {" + std::to_string(old.replay_id) + "} you provided was invalid",
            0) == 0);
  auto all = client.Subscribe(kChannel, "-2");
  CHECK(all.body[0]["successful"].GetBool());
  CHECK(BayeuxClient::Events(client.Connect()).empty());
}

TEST_CASE("cometd delivers every event to every subscribed client", "[cometd]") {
  Harness h;
  std::vector<std::unique_ptr<BayeuxClient>> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(std::make_unique<BayeuxClient>(h));
    clients.back()->Start("-1");
  }
  std::vector<std::future<sfn::Result<sfn::http::Response>>> held;
  for (auto& c : clients) held.push_back(c->ConnectAsync());
  REQUIRE(Eventually([&] { return h.endpoint->HeldConnects() == 3; }));
  h.Publish("x1");
  for (auto& f : held) {
    CHECK(RequestIds(BayeuxClient::Events(BayeuxClient::Finish(f.get()))) == Ids{"x1"});
  }
  // Published while no client has a connect open: queued for each of them.
  h.Publish("x2");
  h.Publish("x3");
  for (auto& c : clients) CHECK(RequestIds(BayeuxClient::Events(c->Connect())) == Ids{"x2", "x3"});
}

TEST_CASE("cometd Shutdown answers every held connect", "[cometd]") {
  Harness h;
  BayeuxClient a(h), b(h);
  a.Start("-1");
  b.Start("-1");
  auto held_a = a.ConnectAsync();
  auto held_b = b.ConnectAsync();
  REQUIRE(Eventually([&] { return h.endpoint->HeldConnects() == 2; }));
  h.endpoint->Shutdown();
  CHECK(BayeuxClient::Events(BayeuxClient::Finish(held_a.get())).empty());
  CHECK(BayeuxClient::Events(BayeuxClient::Finish(held_b.get())).empty());
  // After shutdown nothing is held any more.
  CHECK(BayeuxClient::Events(a.Connect()).empty());
  CHECK(h.endpoint->HeldConnects() == 0);
}

TEST_CASE("cometd handles several messages in one POST", "[cometd]") {
  Harness h;
  h.Publish("old");
  BayeuxClient client(h);
  REQUIRE(client.Handshake().body[0]["successful"].GetBool());
  auto answer = client.Post("[" + client.SubscribeMessage(kChannel, "-2") + "," +
                            client.ConnectMessage() + "]");
  REQUIRE(answer.body.Size() == 3);
  CHECK(std::string(answer.body[0]["channel"].GetString()) == "/meta/subscribe");
  CHECK(answer.body[0]["successful"].GetBool());
  CHECK(RequestIds(BayeuxClient::Events(answer)) == Ids{"old"});

  // A held batch: the unsubscribe reply waits with the connect, then comes first.
  auto pending = client.SendAsync(
      R"([{"channel":"/meta/unsubscribe","clientId":")" + client.client_id() +
      R"(","subscription":"/event/Other__e","id":"7"},)" + client.ConnectMessage() + "]");
  REQUIRE(Eventually([&] { return h.endpoint->HeldConnects() == 1; }));
  h.Publish("new");
  auto released = BayeuxClient::Finish(pending.get());
  CHECK(std::string(released.body[0]["channel"].GetString()) == "/meta/unsubscribe");
  CHECK(RequestIds(BayeuxClient::Events(released)) == Ids{"new"});
}

TEST_CASE("cometd requires the BAYEUX_BROWSER cookie after the handshake", "[cometd]") {
  Harness h;
  BayeuxClient client(h);
  REQUIRE(client.Handshake().body[0]["successful"].GetBool());
  std::string cookie = client.cookie();
  client.set_cookie("");
  auto sub = client.Subscribe(kChannel, "-1");
  CHECK(Error(sub) == "400::Client {" + client.client_id() +
                          "} has established a session, but no BAYEUX_BROWSER cookie present");
  client.set_cookie("other=1; " + cookie);
  CHECK(client.Subscribe(kChannel, "-1").body[0]["successful"].GetBool());
  // A handshake that already carries the cookie keeps it (no new Set-Cookie).
  auto again = client.Handshake();
  CHECK(again.body[0]["successful"].GetBool());
  CHECK(again.set_cookie.empty());
}

TEST_CASE("cometd errors for the URI, the body and unknown clients", "[cometd]") {
  Harness h;
  BayeuxClient no_version(h, kGoodToken, "/cometd/");
  auto missing = no_version.Post(R"([{"channel":"/meta/handshake","id":"1"}])");
  CHECK(missing.status == 400);
  CHECK(Error(missing) == "400::API version in the URI is mandatory. URI format: '/cometd/62.0'");
  BayeuxClient old_version(h, kGoodToken, "/cometd/36.0");
  CHECK(Error(old_version.Post(R"([{"channel":"/meta/handshake","id":"1"}])"))
            .rfind("400::Unsupported API version", 0) == 0);

  BayeuxClient client(h);
  auto garbage = client.Post("not json");
  CHECK(garbage.status == 400);
  CHECK_FALSE(garbage.body[0]["successful"].GetBool());

  client.set_cookie("BAYEUX_BROWSER=abc");
  auto unknown = client.Post(
      R"([{"channel":"/meta/connect","clientId":"nosuchclient","connectionType":"long-polling","id":"3"}])");
  CHECK(Error(unknown) == "403::Unknown client");
  auto hs = client.Post(R"([{"channel":"/meta/handshake","id":"1"}])");
  REQUIRE(hs.body[0]["successful"].GetBool());
  std::string id = hs.body[0]["clientId"].GetString();
  auto bad_type = client.Post(R"([{"channel":"/meta/connect","clientId":")" + id +
                              R"(","connectionType":"websocket","id":"3"}])");
  CHECK(Error(bad_type) == "400::Invalid connection type {websocket}");
  auto publish = client.Post(R"([{"channel":")" + std::string(kChannel) + R"(","clientId":")" + id +
                             R"(","data":{},"id":"4"}])");
  CHECK_FALSE(publish.body[0]["successful"].GetBool());
}

TEST_CASE("cometd forgets clients that stay away longer than max_idle_ms", "[cometd]") {
  auto options = Harness::Defaults();
  options.max_idle_ms = 200;
  Harness h(options);
  BayeuxClient client(h);
  client.Start("-1");
  REQUIRE(h.endpoint->ActiveClients() == 1);
  REQUIRE(Eventually([&] { return h.endpoint->ActiveClients() == 0; }));
  CHECK(Error(client.Connect()) == "403::Unknown client");
}

// ---- End to end through the real sfemu binary: OAuth token, REST publish, CometD receive ----

namespace {

std::string RestPublish(const sfemu_test::Sfemu& emu, const std::string& token,
                        const std::string& request_id) {
  auto r = emu.Api("POST", "/sobjects/Outbound_Notification__e", token,
                   R"({"Request_Id__c":")" + request_id +
                       R"(","Contact_Point__c":"Main","Template__c":"Appointment_Reminder",)"
                       R"("Record_Ids__c":"00Q5g0000000001EAA"})");
  INFO(r.body);
  REQUIRE(r.status == 201);
  return r.body;
}

}  // namespace

TEST_CASE("sfemu binary: REST-published events reach a CometD subscriber", "[cometd][e2e]") {
  sfemu_test::Sfemu emu;
  std::string token = emu.Login();
  RestPublish(emu, token, "rest-1");

  BayeuxClient client(emu.url(), token);
  auto events = client.Start("-2");
  REQUIRE(RequestIds(events) == Ids{"rest-1"});

  // A held connect is released by the next REST publish, with the publisher as CreatedById.
  auto pending = client.ConnectAsync();
  RestPublish(emu, token, "rest-2");
  auto answer = BayeuxClient::Finish(pending.get());
  while (BayeuxClient::Events(answer).empty()) answer = client.Connect();
  CHECK(RequestIds(BayeuxClient::Events(answer)) == Ids{"rest-2"});
  const auto& payload = answer.body[0]["data"]["payload"];
  CHECK(std::string(payload["CreatedById"].GetString()).rfind("005", 0) == 0);
  CHECK(std::string(payload["Contact_Point__c"].GetString()) == "Main");
  CHECK(payload["CreatedDate"].IsString());

  // The publish hook goes through the same bus.
  auto hook = emu.Send("POST", "/__emulator/publish",
                       R"({"channel":"/event/Outbound_Notification__e",)"
                       R"("user":"sender@sfnotify.demo","payload":{"Request_Id__c":"hook-1"}})");
  INFO(hook.body);
  REQUIRE(hook.status == 201);
  int64_t hook_replay = sfemu_test::Parse(hook.body)["replayId"].GetInt64();
  auto hooked = BayeuxClient::Events(client.Connect());
  REQUIRE(RequestIds(hooked) == Ids{"hook-1"});
  CHECK(hooked[0].replay_id == hook_replay);
  CHECK(hooked[0].replay_id > events[0].replay_id + 1);

  // CometD requests are not API calls.
  auto log = sfemu_test::Parse(emu.Send("GET", "/__emulator/requests").body);
  bool saw_cometd = false;
  for (const auto& r : log["requests"].GetArray()) {
    if (std::string(r["path"].GetString()).rfind("/cometd/", 0) != 0) continue;
    saw_cometd = true;
    CHECK_FALSE(r["api_call"].GetBool());
  }
  CHECK(saw_cometd);
}

TEST_CASE("sfemu binary: expired tokens and dropped sessions, then an exact resume",
          "[cometd][e2e]") {
  sfemu_test::Sfemu emu;
  std::string token = emu.Login();
  BayeuxClient client(emu.url(), token);
  client.Start("-1");
  RestPublish(emu, token, "a");
  auto first = BayeuxClient::Events(client.Connect());
  REQUIRE(RequestIds(first) == Ids{"a"});

  REQUIRE(emu.Send("POST", "/__emulator/expire-tokens").status == 200);
  auto refused = client.Connect();
  CHECK(Error(refused) == "401::Authentication invalid");
  CHECK(std::string(refused.body[0]["advice"]["reconnect"].GetString()) == "none");
  auto denied = client.Handshake();
  CHECK(Error(denied) == "403::Handshake denied");

  token = emu.Login();
  RestPublish(emu, token, "b");
  REQUIRE(emu.Send("POST", "/__emulator/cometd/drop-sessions").status == 200);
  BayeuxClient fresh(emu.url(), token);
  fresh.set_cookie(client.cookie());
  REQUIRE(fresh.Handshake().body[0]["successful"].GetBool());
  auto gone = client.Post("[" + client.ConnectMessage() + "]");  // the old clientId
  CHECK(Error(gone) == "401::Authentication invalid");           // old token checked first

  RestPublish(emu, token, "c");
  auto sub = fresh.Subscribe(kChannel, std::to_string(first.back().replay_id));
  REQUIRE(sub.body[0]["successful"].GetBool());
  CHECK(RequestIds(BayeuxClient::Events(fresh.Connect())) == Ids{"b", "c"});
}

TEST_CASE("sfemu binary: events survive a restart on the same --state file", "[cometd][e2e]") {
  sfn::test::TempDir dir;
  std::string state = dir.File("org.sqlite");
  int64_t first_id = 0;
  {
    sfemu_test::Sfemu emu({"--state", state});
    std::string token = emu.Login();
    RestPublish(emu, token, "p1");
    RestPublish(emu, token, "p2");
    BayeuxClient client(emu.url(), token);
    auto events = client.Start("-2");
    REQUIRE(RequestIds(events) == Ids{"p1", "p2"});
    first_id = events[0].replay_id;
    CHECK(emu.process().Stop() == 0);
  }
  sfemu_test::Sfemu again({"--state", state});
  BayeuxClient client(again.url(), again.Login());
  CHECK(RequestIds(client.Start(std::to_string(first_id))) == Ids{"p2"});
}
