// The CometD subscriber against sfemu: drops, expired tokens, restarts and
// handler failures never lose or repeat an event.
#include <algorithm>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>

#include "salesforce/streaming.h"
#include "sfemu_fixture.h"

using namespace sfn;
using namespace sfn::salesforce;
using namespace sfn::salesforce::testing;

namespace {

constexpr const char* kChannel = "/event/Outbound_Notification__e";

// Collects Request_Id__c of handled events; thread-safe.
class Received {
 public:
  Status Handle(const StreamingEvent& e) {
    auto doc = json::Parse(e.payload_json);
    std::lock_guard<std::mutex> lock(mu_);
    if (fail_next_ > 0) {
      fail_next_--;
      return Status::Unavailable("handler told to fail");
    }
    ids_.push_back(doc.ok() ? json::GetString(doc.value(), "Request_Id__c").value_or("?") : "?");
    return Status::Ok();
  }
  std::vector<std::string> ids() const {
    std::lock_guard<std::mutex> lock(mu_);
    return ids_;
  }
  void FailNext(int n) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_next_ = n;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> ids_;
  int fail_next_ = 0;
};

bool WaitFor(const std::function<bool()>& condition,
             std::chrono::seconds limit = std::chrono::seconds(15)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

StreamingOptions FastOptions() {
  StreamingOptions o;
  o.reconnect.initial_backoff = std::chrono::milliseconds(20);
  o.reconnect.max_backoff = std::chrono::milliseconds(200);
  return o;
}

}  // namespace

TEST_CASE("streaming survives a dropped session, an expired token and a restart",
          "[sfemu][streaming]") {
  Sfemu emu;
  test::TempDir dir;
  auto connection = emu.Connect();
  auto store = ReplayStore::Open(dir.File("replay.sqlite"));
  REQUIRE(store.ok());
  Received received;
  auto handler = [&](const StreamingEvent& e) { return received.Handle(e); };
  using V = std::vector<std::string>;

  auto client =
      std::make_unique<StreamingClient>(*connection, store->get(), FastOptions(), handler);
  REQUIRE(client->Start().ok());
  REQUIRE(WaitFor([&] { return client->stats().subscribed; }));
  emu.Publish("e1");
  emu.Publish("e2");
  REQUIRE(WaitFor([&] { return received.ids().size() >= 2; }));

  emu.Hook("POST", "cometd/drop-sessions");
  emu.Publish("e3");
  REQUIRE(WaitFor([&] { return received.ids().size() >= 3; }));
  CHECK(client->stats().handshakes >= 2);

  emu.Hook("POST", "expire-tokens");
  emu.Publish("e4");
  REQUIRE(WaitFor([&] { return received.ids().size() >= 4; }));
  // A connect held since before the expiry may still deliver e4; the next one
  // must then be refused and the client must re-authenticate.
  REQUIRE(WaitFor(
      [&] { return client->stats().reauthentications >= 1 && client->stats().subscribed; }));

  client->Stop();
  client.reset();
  int64_t stored = store->get()->Load(kChannel).value().value_or(-1);
  int64_t e5 = emu.Publish("e5");
  emu.Publish("e6");
  CHECK(e5 > stored);

  client = std::make_unique<StreamingClient>(*connection, store->get(), FastOptions(), handler);
  REQUIRE(client->Start().ok());
  REQUIRE(WaitFor([&] { return received.ids().size() >= 6; }));
  emu.Publish("e7");
  REQUIRE(WaitFor([&] { return received.ids().size() >= 7; }));
  // Give any duplicate a chance to show up before the final comparison.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(received.ids() == V{"e1", "e2", "e3", "e4", "e5", "e6", "e7"});
  CHECK(client->stats().replay_fallbacks == 0);
  client->Stop();
}

TEST_CASE("a failed handler gets the event again and its replay id is saved only after success",
          "[sfemu][streaming]") {
  Sfemu emu;
  test::TempDir dir;
  auto connection = emu.Connect();
  auto store = ReplayStore::Open(dir.File("replay.sqlite"));
  REQUIRE(store.ok());
  Received received;
  StreamingClient client(*connection, store->get(), FastOptions(),
                         [&](const StreamingEvent& e) { return received.Handle(e); });
  REQUIRE(client.Start().ok());
  REQUIRE(WaitFor([&] { return client.stats().subscribed; }));
  int64_t first = emu.Publish("a1");
  REQUIRE(WaitFor([&] { return received.ids().size() == 1; }));
  CHECK(store->get()->Load(kChannel).value() == std::optional<int64_t>(first));
  received.FailNext(2);
  int64_t second = emu.Publish("a2");
  REQUIRE(WaitFor([&] { return received.ids().size() == 2; }));
  CHECK(client.stats().handler_failures == 2);
  CHECK(received.ids() == std::vector<std::string>{"a1", "a2"});
  CHECK(store->get()->Load(kChannel).value() == std::optional<int64_t>(second));
}

TEST_CASE("a stored replay id that is no longer retained falls back to -2 and records the gap",
          "[sfemu][streaming]") {
  Sfemu emu;
  test::TempDir dir;
  auto connection = emu.Connect();
  auto store = ReplayStore::Open(dir.File("replay.sqlite"));
  REQUIRE(store.ok());
  emu.Publish("old-1");
  REQUIRE(store->get()->Save(kChannel, 987654321).ok());  // never issued, so not retained
  Received received;
  StreamingClient client(*connection, store->get(), FastOptions(),
                         [&](const StreamingEvent& e) { return received.Handle(e); });
  REQUIRE(client.Start().ok());
  auto has_old = [&] {
    auto ids = received.ids();
    return std::find(ids.begin(), ids.end(), "old-1") != ids.end();
  };
  REQUIRE(WaitFor(has_old));
  CHECK(client.stats().replay_fallbacks == 1);
  CHECK(store->get()->GapCount(kChannel).value() == 1);
  client.Stop();
}
