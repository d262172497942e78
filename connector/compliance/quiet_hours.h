// Quiet hours: may a message go out now in the recipient's local time, and if
// not, when is the next allowed instant (the deferral time)?
//
// A policy is `federal` (8:00-21:00 local, 47 CFR 64.1200(c)(1)), `none`, or
// a custom daily window `HH-HH` / `HH:MM-HH:MM` (start inclusive, end
// exclusive, same day). Unless the policy is `none`, a known US state with a
// stricter law narrows the window further (docs/mapping.md lists them; TX and
// RI differ by weekday). Several candidate zones (a state split across zones)
// allow only instants inside the window in every zone. Local times come from
// the OS tz database through date/tz, so DST is handled and the server's own
// zone never matters. Everything here is immutable and thread-safe.
#pragma once

#include <array>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace sfn::connector {

// An allowed local window for one day, in minutes after midnight: [start, end).
// start >= end means no sending that day.
struct DailyWindow {
  int start_minute = 0;
  int end_minute = 0;
  bool open() const { return start_minute < end_minute; }
};

// Index 0 is Sunday, as in date::weekday::c_encoding().
using WeeklyWindows = std::array<DailyWindow, 7>;

// The stricter window a state's law sets, or nullopt-like empty optional.
// Keys are two-letter codes ("FL").
bool StateWindows(std::string_view state, WeeklyWindows* out);

class QuietHoursPolicy {
 public:
  // `federal` (the default), `none`, `HH-HH` or `HH:MM-HH:MM`. Errors
  // (InvalidArgument) say what is wrong with the text.
  static Result<QuietHoursPolicy> Parse(std::string_view text);
  QuietHoursPolicy();  // federal

  bool enabled() const { return enabled_; }
  const std::string& text() const { return text_; }
  // The windows in force for a recipient in `state` ("" when unknown).
  WeeklyWindows WindowsFor(std::string_view state) const;

 private:
  std::string text_ = "federal";
  bool enabled_ = true;
  DailyWindow daily_{8 * 60, 21 * 60};
};

struct QuietHoursDecision {
  bool allowed = true;
  // `at` itself when allowed, else the earliest later instant allowed in
  // every candidate zone: when a deferred send should be retried.
  std::chrono::system_clock::time_point next_allowed;
  std::string blocking_zone;  // a zone whose window excluded `at`; "" when allowed
};

// Decides for the instant `at` and the recipient's candidate `zones` (IANA
// names, at least one) and `state` ("" when unknown). Fails (InvalidArgument)
// on an unknown zone or when the zones share no allowed instant within 8 days.
Result<QuietHoursDecision> CheckQuietHours(const QuietHoursPolicy& policy,
                                           std::chrono::system_clock::time_point at,
                                           const std::vector<std::string>& zones,
                                           std::string_view state);

}  // namespace sfn::connector
