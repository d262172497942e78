#include "connector/compliance/quiet_hours.h"

#include <date/tz.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace sfn::connector {

namespace {

using Clock = std::chrono::system_clock;
using Seconds = std::chrono::seconds;
using Minutes = std::chrono::minutes;

constexpr int kMinutesPerDay = 24 * 60;
// Windows recur weekly, so a common instant exists within a week and a day
// or never.
constexpr auto kHorizon = std::chrono::hours(24 * 8);

WeeklyWindows EveryDay(int start_hour, int end_hour) {
  WeeklyWindows w;
  w.fill(DailyWindow{start_hour * 60, end_hour * 60});
  return w;
}

// Reads "H", "HH" or "HH:MM" from `text` at `pos`; minutes after midnight.
bool ReadClock(std::string_view text, size_t* pos, int* minutes) {
  auto digits = [&](int max_len, int* value) {
    size_t start = *pos;
    *value = 0;
    while (*pos < text.size() && *pos - start < static_cast<size_t>(max_len) &&
           std::isdigit(static_cast<unsigned char>(text[*pos]))) {
      *value = *value * 10 + (text[*pos] - '0');
      ++*pos;
    }
    return *pos > start;
  };
  int hours = 0, mins = 0;
  if (!digits(2, &hours)) return false;
  if (*pos < text.size() && text[*pos] == ':') {
    ++*pos;
    size_t before = *pos;
    if (!digits(2, &mins) || *pos - before != 2) return false;
  }
  if (hours > 24 || mins > 59 || (hours == 24 && mins != 0)) return false;
  *minutes = hours * 60 + mins;
  return true;
}

void SkipBlanks(std::string_view text, size_t* pos) {
  while (*pos < text.size() && (text[*pos] == ' ' || text[*pos] == '\t')) ++*pos;
}

const date::time_zone* LocateZone(const std::string& name) {
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {  // date reports an unknown zone by throwing
    return nullptr;
  }
}

// Whether `t` is inside the zone's window, and if not the next window start.
struct ZoneVerdict {
  bool allowed;
  Clock::time_point next;
};

ZoneVerdict CheckZone(const date::time_zone* zone, const WeeklyWindows& windows,
                      Clock::time_point t) {
  auto now = date::floor<Seconds>(t);
  auto local = zone->to_local(now);
  auto day = date::floor<date::days>(local);
  auto since_midnight = local - day;
  const DailyWindow& today = windows[date::weekday(day).c_encoding()];
  if (today.open() && since_midnight >= Minutes(today.start_minute) &&
      since_midnight < Minutes(today.end_minute)) {
    return {true, t};
  }
  for (int offset = 0; offset <= 7; ++offset) {
    auto candidate_day = day + date::days(offset);
    const DailyWindow& w = windows[date::weekday(candidate_day).c_encoding()];
    if (!w.open()) continue;
    auto local_start = candidate_day + Minutes(w.start_minute);
    if (offset == 0 && local_start <= local) continue;
    // A start inside a spring-forward gap maps to the transition instant; an
    // ambiguous fall-back start to its first occurrence unless that is
    // already past.
    auto start = zone->to_sys(local_start, date::choose::earliest);
    if (start <= now) start = zone->to_sys(local_start, date::choose::latest);
    if (start <= now) continue;
    return {false, start};
  }
  return {false, t + kHorizon * 2};  // no window at all
}

}  // namespace

bool StateWindows(std::string_view state, WeeklyWindows* out) {
  if (state == "FL" || state == "MD" || state == "MS" || state == "NJ" || state == "OK") {
    *out = EveryDay(8, 20);
    return true;
  }
  if (state == "CT") {
    *out = EveryDay(9, 20);
    return true;
  }
  if (state == "TX") {
    *out = EveryDay(9, 21);
    (*out)[0] = DailyWindow{12 * 60, 21 * 60};  // Sunday
    return true;
  }
  if (state == "RI") {
    *out = EveryDay(9, 18);
    (*out)[0] = (*out)[6] = DailyWindow{10 * 60, 17 * 60};  // Sunday, Saturday
    return true;
  }
  return false;
}

QuietHoursPolicy::QuietHoursPolicy() = default;

Result<QuietHoursPolicy> QuietHoursPolicy::Parse(std::string_view text) {
  QuietHoursPolicy policy;
  policy.text_ = std::string(text);
  if (text == "federal") return policy;
  if (text == "none") {
    policy.enabled_ = false;
    return policy;
  }
  size_t pos = 0;
  int start = 0, end = 0;
  bool ok = ReadClock(text, &pos, &start);
  SkipBlanks(text, &pos);
  ok = ok && pos < text.size() && text[pos] == '-';
  ++pos;
  SkipBlanks(text, &pos);
  ok = ok && ReadClock(text, &pos, &end) && pos == text.size();
  if (!ok) {
    return Status::InvalidArgument(
        "quiet hours '" + std::string(text) +
        "': expected federal, none, HH-HH or HH:MM-HH:MM (local allowed window)");
  }
  if (start >= end || start >= kMinutesPerDay) {
    return Status::InvalidArgument("quiet hours '" + std::string(text) +
                                   "': the window must start before it ends on the same day");
  }
  policy.daily_ = DailyWindow{start, end};
  return policy;
}

WeeklyWindows QuietHoursPolicy::WindowsFor(std::string_view state) const {
  WeeklyWindows windows;
  windows.fill(enabled_ ? daily_ : DailyWindow{0, kMinutesPerDay});
  WeeklyWindows law;
  if (!enabled_ || !StateWindows(state, &law)) return windows;
  for (size_t i = 0; i < windows.size(); ++i) {
    windows[i].start_minute = std::max(windows[i].start_minute, law[i].start_minute);
    windows[i].end_minute = std::min(windows[i].end_minute, law[i].end_minute);
  }
  return windows;
}

Result<QuietHoursDecision> CheckQuietHours(const QuietHoursPolicy& policy, Clock::time_point at,
                                           const std::vector<std::string>& zones,
                                           std::string_view state) {
  QuietHoursDecision decision;
  decision.next_allowed = at;
  if (zones.empty()) return Status::InvalidArgument("quiet hours need at least one time zone");
  std::vector<const date::time_zone*> located;
  for (const std::string& name : zones) {
    const date::time_zone* zone = LocateZone(name);
    if (!zone) return Status::InvalidArgument("unknown time zone '" + name + "'");
    located.push_back(zone);
  }
  if (!policy.enabled()) return decision;

  const WeeklyWindows windows = policy.WindowsFor(state);
  Clock::time_point t = at;
  // Each pass moves t to the next window start of a zone that refused it;
  // windows recur, so either every zone agrees or the horizon runs out.
  while (t - at <= kHorizon) {
    bool everywhere = true;
    for (size_t i = 0; i < located.size(); ++i) {
      ZoneVerdict v = CheckZone(located[i], windows, t);
      if (v.allowed) continue;
      if (t == at && decision.blocking_zone.empty()) decision.blocking_zone = zones[i];
      t = v.next;
      everywhere = false;
      break;
    }
    if (everywhere) {
      decision.allowed = (t == at);
      decision.next_allowed = t;
      return decision;
    }
  }
  return Status::InvalidArgument("quiet hours: zones share no allowed time within 8 days");
}

}  // namespace sfn::connector
