#include <catch2/catch.hpp>

#include "salesforce/retry_policy.h"

using namespace std::chrono;
using sfn::salesforce::Backoff;
using sfn::salesforce::RetryOptions;

TEST_CASE("backoff windows grow exponentially up to the cap", "[retry]") {
  Backoff b(RetryOptions{5, milliseconds(100), milliseconds(1000), 2.0}, 42);
  CHECK(b.Window(0) == milliseconds(100));
  CHECK(b.Window(1) == milliseconds(200));
  CHECK(b.Window(3) == milliseconds(800));
  CHECK(b.Window(4) == milliseconds(1000));
  CHECK(b.Window(1000) == milliseconds(1000));  // no overflow
}

TEST_CASE("full jitter draws across the whole window", "[retry]") {
  Backoff b(RetryOptions{5, milliseconds(100), milliseconds(1000), 2.0}, 7);
  milliseconds lowest(100000), highest(0);
  for (int i = 0; i < 2000; ++i) {
    auto d = b.Delay(3);
    REQUIRE(d >= milliseconds(0));
    REQUIRE(d <= milliseconds(800));
    lowest = std::min(lowest, d);
    highest = std::max(highest, d);
  }
  CHECK(lowest < milliseconds(100));  // not "base + small jitter": the whole range is used
  CHECK(highest > milliseconds(700));
}

TEST_CASE("attempts stop at max_attempts", "[retry]") {
  Backoff b(RetryOptions{3, milliseconds(1), milliseconds(2), 2.0});
  CHECK(b.ShouldRetry(1));
  CHECK(b.ShouldRetry(2));
  CHECK_FALSE(b.ShouldRetry(3));
  Backoff never(RetryOptions{1, milliseconds(1), milliseconds(2), 2.0});
  CHECK_FALSE(never.ShouldRetry(1));
}
