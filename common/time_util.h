// Wall-clock helpers. All times are UTC; local time is never read from the
// server's zone.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace sfn::timeutil {

int64_t NowMillis();   // milliseconds since the Unix epoch
int64_t NowSeconds();  // seconds since the Unix epoch

// "2024-05-14T15:04:05.123Z" (Salesforce style, millisecond precision, UTC).
std::string FormatRfc3339Millis(int64_t epoch_ms);
// Accepts "YYYY-MM-DDTHH:MM:SS[.fff](Z|+hh:mm|-hhmm)"; returns epoch milliseconds.
Result<int64_t> ParseRfc3339(std::string_view text);
// "Tue, 14 May 2024 15:04:05 +0000" (RFC 2822, used by Twilio).
std::string FormatRfc2822(int64_t epoch_seconds);
// Parses RFC 2822 dates as Twilio writes them ("Tue, 14 May 2024 15:04:05 +0000"); epoch seconds.
Result<int64_t> ParseRfc2822(std::string_view text);
// "YYYY-MM-DD" of the UTC day.
std::string FormatDate(int64_t epoch_seconds);

}  // namespace sfn::timeutil
