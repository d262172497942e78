#include <catch2/catch.hpp>

#include "salesforce/replay_store.h"
#include "support/test_env.h"

using namespace sfn::salesforce;

TEST_CASE("replay ids persist across reopening the store", "[replay_store]") {
  sfn::test::TempDir dir;
  std::string path = dir.File("replay.sqlite");
  {
    auto store = ReplayStore::Open(path);
    REQUIRE(store.ok());
    auto none = store.value()->Load("/event/A");
    REQUIRE(none.ok());
    CHECK_FALSE(none.value().has_value());
    REQUIRE(store.value()->Save("/event/A", 10).ok());
    REQUIRE(store.value()->Save("/event/A", 25).ok());
    REQUIRE(store.value()->Save("/event/B", 3).ok());
    REQUIRE(store.value()->RecordGap("/event/A", 5, -2).ok());
  }
  auto store = ReplayStore::Open(path);
  REQUIRE(store.ok());
  CHECK(store.value()->Load("/event/A").value() == std::optional<int64_t>(25));
  CHECK(store.value()->Load("/event/B").value() == std::optional<int64_t>(3));
  CHECK(store.value()->GapCount("/event/A").value() == 1);
  CHECK(store.value()->GapCount("/event/B").value() == 0);
}

TEST_CASE("an unusable path is an IO error, not a crash", "[replay_store]") {
  auto store = ReplayStore::Open("/nonexistent-dir/x/replay.sqlite");
  REQUIRE_FALSE(store.ok());
  CHECK(store.status().code() == sfn::StatusCode::kIOError);
}
