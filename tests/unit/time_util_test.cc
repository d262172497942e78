#include <catch2/catch.hpp>

#include "common/time_util.h"

using namespace sfn::timeutil;

TEST_CASE("RFC 3339 round trip with milliseconds", "[time]") {
  CHECK(FormatRfc3339Millis(0) == "1970-01-01T00:00:00.000Z");
  CHECK(FormatRfc3339Millis(1715699045123) == "2024-05-14T15:04:05.123Z");
  auto ms = ParseRfc3339("2024-05-14T15:04:05.123Z");
  REQUIRE(ms.ok());
  CHECK(ms.value() == 1715699045123);
}

TEST_CASE("RFC 3339 offsets and Salesforce's +0000 form", "[time]") {
  CHECK(ParseRfc3339("2024-05-14T17:04:05+02:00").value() == 1715699045000);
  CHECK(ParseRfc3339("2024-05-14T15:04:05.000+0000").value() == 1715699045000);
  CHECK(ParseRfc3339("2024-05-14T10:04:05-05:00").value() == 1715699045000);
  CHECK(ParseRfc3339("2000-02-29T00:00:00Z").value() == 951782400000);
}

TEST_CASE("RFC 3339 rejects malformed timestamps with a reason", "[time]") {
  CHECK_FALSE(ParseRfc3339("2024-05-14").ok());
  CHECK_FALSE(ParseRfc3339("2024-13-14T15:04:05Z").ok());
  CHECK_FALSE(ParseRfc3339("2024-05-14T15:04:05").ok());
  CHECK_FALSE(ParseRfc3339("2024-05-14T15:04:05Zjunk").ok());
  CHECK(ParseRfc3339("nope").status().message().find("RFC 3339") != std::string::npos);
}

TEST_CASE("RFC 2822 dates as Twilio writes them", "[time]") {
  CHECK(FormatRfc2822(1715699045) == "Tue, 14 May 2024 15:04:05 +0000");
  CHECK(FormatDate(1715699045) == "2024-05-14");
  CHECK(ParseRfc2822("Tue, 14 May 2024 15:04:05 +0000").value() == 1715699045);
  CHECK(ParseRfc2822("Tue, 14 May 2024 17:04:05 +0200").value() == 1715699045);
  CHECK(ParseRfc2822(FormatRfc2822(1700000000)).value() == 1700000000);
  CHECK_FALSE(ParseRfc2822("14/05/2024").ok());
  CHECK_FALSE(ParseRfc2822("Tue, 14 Foo 2024 15:04:05 +0000").ok());
}
