// sfemu's EventBus: replay ids, replay windows, retention and persistence in
// the state file.
#include "sandbox/sfemu/event_bus.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "common/json.h"
#include "support/test_env.h"

namespace {

constexpr char kChannel[] = "/event/Outbound_Notification__e";
constexpr char kOther[] = "/event/Other_Event__e";

std::string Payload(const std::string& request_id) {
  return R"({"Request_Id__c":")" + request_id +
         R"(","CreatedById":"005000000000001AAA","CreatedDate":"2024-05-14T15:04:05.123Z"})";
}

std::string RequestId(const sfemu::StoredEvent& e) {
  auto doc = sfn::json::Parse(e.payload_json);
  REQUIRE(doc.ok());
  return sfn::json::GetString(*doc, "Request_Id__c").value_or("");
}

// Polls `condition` for up to `limit`; true once it holds.
template <typename F>
bool Eventually(F condition, std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

}  // namespace

TEST_CASE("event bus assigns increasing, non-contiguous replay ids with event metadata",
          "[event_bus]") {
  sfemu::EventBus bus({});
  REQUIRE(bus.status().ok());
  std::vector<sfemu::StoredEvent> events;
  for (int i = 0; i < 20; ++i)
    events.push_back(bus.Publish(kChannel, Payload("r" + std::to_string(i))));
  for (size_t i = 1; i < events.size(); ++i) {
    CHECK(events[i].replay_id > events[i - 1].replay_id + 1);
  }
  const auto& e = events[0];
  CHECK(e.channel == kChannel);
  CHECK(e.replay_id > 0);
  CHECK(e.event_uuid.size() == 36);
  CHECK(e.event_uuid[14] == '4');
  CHECK(e.event_uuid != events[1].event_uuid);
  CHECK(e.schema.size() == 22);
  CHECK(e.schema == events[1].schema);
  CHECK(e.schema == sfemu::SchemaIdForChannel(kChannel));
  CHECK(e.schema != sfemu::SchemaIdForChannel(kOther));
  CHECK(RequestId(e) == "r0");
  CHECK(bus.LatestReplayId(kChannel) == events.back().replay_id);
  CHECK(bus.LatestReplayId(kOther) == 0);
}

TEST_CASE("event bus adds CreatedDate when the payload lacks it", "[event_bus]") {
  sfemu::EventBus bus({});
  auto e = bus.Publish(kChannel, R"({"Request_Id__c":"x"})");
  auto doc = sfn::json::Parse(e.payload_json);
  REQUIRE(doc.ok());
  auto created = sfn::json::GetString(*doc, "CreatedDate");
  REQUIRE(created.has_value());
  CHECK(created->size() == 24);  // 2024-05-14T15:04:05.123Z
  CHECK(sfn::json::GetString(*doc, "Request_Id__c") == std::optional<std::string>("x"));
}

TEST_CASE("event bus replay windows: -2 all, -1 none, N after N, per channel, limit",
          "[event_bus]") {
  sfemu::EventBus bus({});
  auto a = bus.Publish(kChannel, Payload("a"));
  auto other = bus.Publish(kOther, Payload("other"));
  auto b = bus.Publish(kChannel, Payload("b"));
  auto c = bus.Publish(kChannel, Payload("c"));

  auto all = bus.After(kChannel, -2, 100);
  REQUIRE(all.size() == 3);
  CHECK(RequestId(all[0]) == "a");
  CHECK(RequestId(all[1]) == "b");
  CHECK(RequestId(all[2]) == "c");
  CHECK(bus.After(kChannel, -1, 100).empty());

  auto after_a = bus.After(kChannel, a.replay_id, 100);
  REQUIRE(after_a.size() == 2);
  CHECK(after_a[0].replay_id == b.replay_id);
  CHECK(after_a[1].replay_id == c.replay_id);
  CHECK(bus.After(kChannel, c.replay_id, 100).empty());
  CHECK(bus.After(kChannel, -2, 2).size() == 2);

  auto others = bus.After(kOther, -2, 100);
  REQUIRE(others.size() == 1);
  CHECK(others[0].replay_id == other.replay_id);

  CHECK(bus.IsRetained(kChannel, -1));
  CHECK(bus.IsRetained(kChannel, -2));
  CHECK(bus.IsRetained(kChannel, b.replay_id));
  CHECK_FALSE(bus.IsRetained(kChannel, b.replay_id + 1));  // ids are never contiguous
  CHECK_FALSE(bus.IsRetained(kChannel, other.replay_id));  // another channel's id
  CHECK_FALSE(bus.IsRetained(kChannel, 0));
  CHECK_FALSE(bus.IsRetained(kChannel, -3));
}

TEST_CASE("event bus keeps events across a restart on the same state file", "[event_bus]") {
  sfn::test::TempDir dir;
  std::string state = dir.File("org.sqlite");
  std::vector<sfemu::StoredEvent> before;
  {
    sfemu::EventBus bus({state});
    REQUIRE(bus.status().ok());
    for (const char* id : {"one", "two", "three"})
      before.push_back(bus.Publish(kChannel, Payload(id)));
  }
  sfemu::EventBus reopened({state});
  REQUIRE(reopened.status().ok());
  auto after = reopened.After(kChannel, -2, 100);
  REQUIRE(after.size() == before.size());
  for (size_t i = 0; i < before.size(); ++i) {
    CHECK(after[i].replay_id == before[i].replay_id);
    CHECK(after[i].event_uuid == before[i].event_uuid);
    CHECK(after[i].schema == before[i].schema);
    CHECK(after[i].payload_json == before[i].payload_json);
    CHECK(after[i].created_ms == before[i].created_ms);
  }
  CHECK(reopened.IsRetained(kChannel, before[1].replay_id));
  auto next = reopened.Publish(kChannel, Payload("four"));
  CHECK(next.replay_id > before.back().replay_id + 1);

  // The table really is in the file, in WAL mode, readable by another connection.
  SQLite::Database db(state, SQLite::OPEN_READONLY);
  CHECK(db.execAndGet("SELECT COUNT(*) FROM sfemu_platform_events").getInt() == 4);
  CHECK(db.execAndGet("PRAGMA journal_mode").getString() == "wal");
}

TEST_CASE("event bus forgets events past retention, in memory and in the file", "[event_bus]") {
  sfn::test::TempDir dir;
  std::string state = dir.File("org.sqlite");
  sfemu::EventBusOptions options;
  options.state_path = state;
  options.retention_ms = 300;
  int64_t old_id = 0;
  {
    sfemu::EventBus bus(options);
    old_id = bus.Publish(kChannel, Payload("old")).replay_id;
    CHECK(bus.IsRetained(kChannel, old_id));
    REQUIRE(Eventually([&] { return !bus.IsRetained(kChannel, old_id); }));
    CHECK(bus.After(kChannel, -2, 100).empty());
    CHECK(bus.LatestReplayId(kChannel) == 0);
    auto fresh = bus.Publish(kChannel, Payload("fresh"));
    CHECK(fresh.replay_id > old_id);
    auto retained = bus.After(kChannel, -2, 100);
    REQUIRE(retained.size() == 1);
    CHECK(RequestId(retained[0]) == "fresh");
    SQLite::Database db(state, SQLite::OPEN_READONLY);
    CHECK(db.execAndGet("SELECT COUNT(*) FROM sfemu_platform_events").getInt() == 1);
  }
  // After everything expired, a restart still continues above the last id handed out.
  std::this_thread::sleep_for(std::chrono::milliseconds(350));
  sfemu::EventBus reopened(options);
  CHECK(reopened.After(kChannel, -2, 100).empty());
  CHECK(reopened.Publish(kChannel, Payload("later")).replay_id > old_id);
}

TEST_CASE("event bus listeners see every publish in replay order and can leave", "[event_bus]") {
  sfemu::EventBus bus({});
  std::mutex mu;
  std::vector<int64_t> seen;
  int handle = bus.Listen([&](const sfemu::StoredEvent& e) {
    std::lock_guard<std::mutex> lock(mu);
    seen.push_back(e.replay_id);
  });
  std::vector<std::thread> publishers;
  for (int t = 0; t < 4; ++t) {
    publishers.emplace_back([&] {
      for (int i = 0; i < 25; ++i) bus.Publish(kChannel, Payload("p"));
    });
  }
  for (auto& t : publishers) t.join();
  {
    std::lock_guard<std::mutex> lock(mu);
    REQUIRE(seen.size() == 100);
    for (size_t i = 1; i < seen.size(); ++i) CHECK(seen[i] > seen[i - 1]);
  }
  bus.Unlisten(handle);
  bus.Publish(kChannel, Payload("unheard"));
  std::lock_guard<std::mutex> lock(mu);
  CHECK(seen.size() == 100);
}

TEST_CASE("event bus reports an unusable state file and keeps working in memory", "[event_bus]") {
  sfn::test::TempDir dir;
  sfemu::EventBus bus({dir.File("missing-folder/org.sqlite")});
  CHECK_FALSE(bus.status().ok());
  CHECK(bus.status().message().find("missing-folder") != std::string::npos);
  auto e = bus.Publish(kChannel, Payload("mem"));
  CHECK(bus.IsRetained(kChannel, e.replay_id));
}
