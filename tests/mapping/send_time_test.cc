#include <catch2/catch.hpp>

#include <date/date.h>

#include <chrono>

#include "connector/compliance/send_time.h"

using sfn::connector::SendTimeGate;
using sfn::connector::SendTimeRule;

namespace {
int64_t UtcMs(int y, unsigned mo, unsigned d, int h, int mi) {
  auto t = date::sys_days(date::year(y) / date::month(mo) / date::day(d)) + std::chrono::hours(h) +
           std::chrono::minutes(mi);
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
}  // namespace

TEST_CASE("send-time gate: quiet hours in the stored zone, the default zone when unknown",
          "[send_time]") {
  auto gate = SendTimeGate::Create(
      {{"Main", "federal", "America/Los_Angeles"}, {"Loud", "none", ""}}, "US");
  REQUIRE(gate.ok());
  // 2025-06-10 19:00 UTC = 12:00 in Los Angeles: allowed.
  auto noon =
      (*gate)->Check("Main", "+14155550100", "America/Los_Angeles", UtcMs(2025, 6, 10, 19, 0));
  CHECK(noon.allowed);
  // 2025-06-11 05:00 UTC = 22:00 the day before in Los Angeles: deferred to 08:00 there (15:00
  // UTC).
  auto night =
      (*gate)->Check("Main", "+14155550100", "America/Los_Angeles", UtcMs(2025, 6, 11, 5, 0));
  CHECK_FALSE(night.allowed);
  CHECK(night.defer_until_ms == UtcMs(2025, 6, 11, 15, 0));
  // No stored zone (the lookup failed at planning): the contact point's default, never "send
  // anyway".
  auto unknown = (*gate)->Check("Main", "+442079460000", "", UtcMs(2025, 6, 11, 5, 0));
  CHECK_FALSE(unknown.allowed);
  auto garbage = (*gate)->Check("Main", "+442079460000", "Mars/Olympus", UtcMs(2025, 6, 11, 5, 0));
  CHECK_FALSE(garbage.allowed);
  // quiet_hours none: always allowed; an unknown contact point: never.
  CHECK((*gate)->Check("Loud", "+14155550100", "", UtcMs(2025, 6, 11, 5, 0)).allowed);
  CHECK_FALSE((*gate)->Check("Nope", "+14155550100", "", UtcMs(2025, 6, 10, 19, 0)).allowed);
}

TEST_CASE("send-time gate refuses a configuration without a valid default zone", "[send_time]") {
  auto missing = SendTimeGate::Create({{"Main", "federal", ""}}, "US");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message().find("default_time_zone") != std::string::npos);
  auto bad = SendTimeGate::Create({{"Main", "08-20", "Not/AZone"}}, "US");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("Not/AZone") != std::string::npos);
  CHECK(SendTimeGate::Create({{"Main", "none", ""}}, "US").ok());
}
