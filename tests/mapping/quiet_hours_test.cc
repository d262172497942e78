#include <catch2/catch.hpp>

#include <date/date.h>

#include <cstdio>

#include "connector/compliance/quiet_hours.h"

using sfn::connector::CheckQuietHours;
using sfn::connector::QuietHoursDecision;
using sfn::connector::QuietHoursPolicy;
using Clock = std::chrono::system_clock;

namespace {

// "2025-03-09 06:59" read as UTC.
Clock::time_point Utc(const char* text) {
  int y = 0;
  unsigned mo = 0, d = 0;
  int h = 0, mi = 0;
  REQUIRE(std::sscanf(text, "%d-%u-%u %d:%d", &y, &mo, &d, &h, &mi) == 5);
  return date::sys_days(date::year(y) / date::month(mo) / date::day(d)) + std::chrono::hours(h) +
         std::chrono::minutes(mi);
}

std::string Format(Clock::time_point t) {
  return date::format("%Y-%m-%d %H:%M", date::floor<std::chrono::minutes>(t));
}

QuietHoursPolicy Policy(const char* text) {
  auto p = QuietHoursPolicy::Parse(text);
  REQUIRE(p.ok());
  return *p;
}

QuietHoursDecision Check(const char* policy, const char* utc, std::vector<std::string> zones,
                         std::string_view state = "") {
  auto d = CheckQuietHours(Policy(policy), Utc(utc), zones, state);
  REQUIRE(d.ok());
  return *d;
}

// The deferral time in UTC, or "now" when allowed.
std::string Next(const char* policy, const char* utc, std::vector<std::string> zones,
                 std::string_view state = "") {
  auto d = Check(policy, utc, std::move(zones), state);
  return d.allowed ? "now" : Format(d.next_allowed);
}

const std::vector<std::string> kNewYork = {"America/New_York"};

}  // namespace

TEST_CASE("federal window is 8:00 to 21:00 local", "[quiet]") {
  // 2025-06-10 is a Tuesday; New York is UTC-4 in June.
  CHECK(Next("federal", "2025-06-10 12:00", kNewYork) == "now");  // 08:00 local
  CHECK(Next("federal", "2025-06-10 11:59", kNewYork) == "2025-06-10 12:00");
  CHECK(Next("federal", "2025-06-10 00:59", kNewYork) == "now");  // 20:59 local
  CHECK(Next("federal", "2025-06-11 01:00", kNewYork) ==
        "2025-06-11 12:00");  // 21:00 local: closed
  CHECK(Check("federal", "2025-06-11 01:00", kNewYork).blocking_zone == "America/New_York");
}

TEST_CASE("an allowed instant is returned unchanged", "[quiet]") {
  auto d = Check("federal", "2025-06-10 16:00", kNewYork);
  CHECK(d.allowed);
  CHECK(d.next_allowed == Utc("2025-06-10 16:00"));
  CHECK(d.blocking_zone.empty());
}

TEST_CASE("policy none always allows, even where state rules exist", "[quiet]") {
  CHECK(Next("none", "2025-06-10 07:00", kNewYork, "FL") == "now");
}

TEST_CASE("custom windows HH-HH and HH:MM-HH:MM", "[quiet]") {
  CHECK(Next("10-18", "2025-06-10 13:59", kNewYork) == "2025-06-10 14:00");
  CHECK(Next("10-18", "2025-06-10 21:59", kNewYork) == "now");
  CHECK(Next("10-18", "2025-06-10 22:00", kNewYork) == "2025-06-11 14:00");
  CHECK(Next("09:30-17:45", "2025-06-10 13:29", kNewYork) == "2025-06-10 13:30");
  CHECK(Next("9:30 - 17:45", "2025-06-10 21:44", kNewYork) == "now");
  CHECK(Next("09:30-17:45", "2025-06-10 21:45", kNewYork) == "2025-06-11 13:30");
  CHECK(Next("0-24", "2025-06-10 03:00", kNewYork) == "now");
}

TEST_CASE("bad policy text is an error that says what is expected", "[quiet]") {
  for (const char* bad :
       {"", "Federal", "8", "8-", "25-26", "08:5-09", "8-9x", "08:60-10", "24:30-10"}) {
    INFO(bad);
    auto p = QuietHoursPolicy::Parse(bad);
    REQUIRE_FALSE(p.ok());
    CHECK(p.status().message().find("expected federal, none, HH-HH or HH:MM-HH:MM") !=
          std::string::npos);
  }
  auto reversed = QuietHoursPolicy::Parse("21-8");
  REQUIRE_FALSE(reversed.ok());
  CHECK(reversed.status().message() ==
        "quiet hours '21-8': the window must start before it ends on the same day");
}

TEST_CASE("spring forward in New York: the window follows local time", "[quiet][dst]") {
  // 2025-03-09 02:00 EST jumps to 03:00 EDT. 8:00 local is 12:00 UTC that day (EDT),
  // and 13:00 UTC the day before (EST).
  CHECK(Next("federal", "2025-03-09 02:00", kNewYork) ==
        "2025-03-09 12:00");  // 21:00 EST on the 8th
  CHECK(Next("federal", "2025-03-08 12:59", kNewYork) == "2025-03-08 13:00");
  CHECK(Next("federal", "2025-03-09 11:59", kNewYork) == "2025-03-09 12:00");
  CHECK(Next("federal", "2025-03-10 00:59", kNewYork) == "now");  // 20:59 EDT
  CHECK(Next("federal", "2025-03-10 01:00", kNewYork) == "2025-03-10 12:00");
  // A window starting inside the skipped hour opens at the transition.
  CHECK(Next("02:30-05", "2025-03-09 06:00", kNewYork) == "2025-03-09 07:00");
}

TEST_CASE("fall back in New York: the window follows local time", "[quiet][dst]") {
  // 2025-11-02 02:00 EDT falls back to 01:00 EST. 8:00 local is 13:00 UTC that day.
  CHECK(Next("federal", "2025-11-02 11:59", kNewYork) == "2025-11-02 13:00");
  CHECK(Next("federal", "2025-11-01 12:00", kNewYork) == "now");  // 08:00 EDT the day before
  CHECK(Next("federal", "2025-11-03 01:59", kNewYork) == "now");  // 20:59 EST
  CHECK(Next("federal", "2025-11-03 02:00", kNewYork) == "2025-11-03 13:00");
  // A window starting in the repeated hour opens at its first occurrence (05:30 UTC, EDT).
  CHECK(Next("01:30-03", "2025-11-02 05:00", kNewYork) == "2025-11-02 05:30");
}

TEST_CASE("Southern hemisphere DST in Sydney", "[quiet][dst]") {
  const std::vector<std::string> sydney = {"Australia/Sydney"};
  // DST starts 2025-10-05 02:00 AEST -> 03:00 AEDT (UTC+11). 8:00 AEDT = 21:00 UTC the day before.
  CHECK(Next("federal", "2025-10-04 20:59", sydney) == "2025-10-04 21:00");
  // The day before, 8:00 AEST = 22:00 UTC.
  CHECK(Next("federal", "2025-10-03 21:00", sydney) == "2025-10-03 22:00");
  // DST ends 2025-04-06 03:00 AEDT -> 02:00 AEST. 8:00 AEST = 22:00 UTC on the 5th.
  CHECK(Next("federal", "2025-04-05 21:00", sydney) == "2025-04-05 22:00");
  CHECK(Next("federal", "2025-04-06 10:59", sydney) == "now");  // 20:59 AEST
  CHECK(Next("federal", "2025-04-06 11:00", sydney) == "2025-04-06 22:00");
}

TEST_CASE("several candidate zones allow only the intersection", "[quiet]") {
  const std::vector<std::string> texas = {"America/Chicago", "America/Denver"};
  // June: Chicago UTC-5, Denver UTC-6. 8:00 Denver = 14:00 UTC; 21:00 Chicago = 02:00 UTC.
  CHECK(Next("federal", "2025-06-10 13:30", texas) == "2025-06-10 14:00");
  auto d = Check("federal", "2025-06-10 13:30", texas);
  CHECK(d.blocking_zone == "America/Denver");
  CHECK(Next("federal", "2025-06-11 01:59", texas) == "now");
  CHECK(Next("federal", "2025-06-11 02:00", texas) == "2025-06-11 14:00");
  // Zones far apart may share nothing: an error, not a silent send.
  auto none = CheckQuietHours(Policy("10-12"), Utc("2025-06-10 12:00"),
                              {"America/New_York", "Asia/Tokyo"}, "");
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().message() == "quiet hours: zones share no allowed time within 8 days");
}

TEST_CASE("stricter state windows: 8-20 and Connecticut 9-20", "[quiet][state]") {
  for (const char* state : {"FL", "MD", "MS", "NJ", "OK"}) {
    INFO(state);
    CHECK(Next("federal", "2025-06-11 00:00", kNewYork, state) ==
          "2025-06-11 12:00");  // 20:00 local
  }
  CHECK(Next("federal", "2025-06-11 00:00", kNewYork, "NY") == "now");
  CHECK(Next("federal", "2025-06-10 12:30", kNewYork, "CT") == "2025-06-10 13:00");  // 9:00 local
  // A custom window narrower than the law keeps its own limits.
  CHECK(Next("10-18", "2025-06-10 13:30", kNewYork, "CT") == "2025-06-10 14:00");
}

TEST_CASE("Texas: Mon-Sat 9-21, Sunday 12-21", "[quiet][state]") {
  const std::vector<std::string> chicago = {"America/Chicago"};  // UTC-5 in June
  // Saturday 2025-06-14 9:00 CDT = 14:00 UTC.
  CHECK(Next("federal", "2025-06-14 13:30", chicago, "TX") == "2025-06-14 14:00");
  // Sunday 2025-06-15 9:30 CDT is still closed; noon = 17:00 UTC.
  CHECK(Next("federal", "2025-06-15 14:30", chicago, "TX") == "2025-06-15 17:00");
  CHECK(Next("federal", "2025-06-15 17:00", chicago, "TX") == "now");
  // Monday 9:00 CDT.
  CHECK(Next("federal", "2025-06-16 02:00", chicago, "TX") == "2025-06-16 14:00");
}

TEST_CASE("Rhode Island: weekdays 9-18, weekends 10-17", "[quiet][state]") {
  // Friday 2025-06-13 18:00 EDT = 22:00 UTC: closed until Saturday 10:00 EDT = 14:00 UTC.
  CHECK(Next("federal", "2025-06-13 21:59", kNewYork, "RI") == "now");
  CHECK(Next("federal", "2025-06-13 22:00", kNewYork, "RI") == "2025-06-14 14:00");
  // Saturday 17:00 EDT closes; Sunday opens at 10:00.
  CHECK(Next("federal", "2025-06-14 21:00", kNewYork, "RI") == "2025-06-15 14:00");
  // Sunday evening defers to Monday 9:00 EDT = 13:00 UTC.
  CHECK(Next("federal", "2025-06-15 21:30", kNewYork, "RI") == "2025-06-16 13:00");
}

TEST_CASE("unknown zones are errors", "[quiet]") {
  auto d = CheckQuietHours(QuietHoursPolicy(), Utc("2025-06-10 12:00"), {"Mars/Olympus"}, "");
  REQUIRE_FALSE(d.ok());
  CHECK(d.status().message() == "unknown time zone 'Mars/Olympus'");
  CHECK_FALSE(CheckQuietHours(QuietHoursPolicy(), Utc("2025-06-10 12:00"), {}, "").ok());
}
