#include "common/time_util.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace sfn::timeutil {

int64_t NowMillis() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

int64_t NowSeconds() { return NowMillis() / 1000; }

namespace {
std::tm UtcTm(int64_t epoch_seconds) {
  std::time_t t = static_cast<std::time_t>(epoch_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm;
}

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}
}  // namespace

std::string FormatRfc3339Millis(int64_t epoch_ms) {
  int64_t secs = epoch_ms >= 0 ? epoch_ms / 1000 : (epoch_ms - 999) / 1000;
  int ms = static_cast<int>(epoch_ms - secs * 1000);
  std::tm tm = UtcTm(secs);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  return buf;
}

Result<int64_t> ParseRfc3339(std::string_view s) {
  int y, mo, d, h, mi, se;
  auto bad = [&](const char* why) {
    return Status::InvalidArgument("'" + std::string(s) + "' is not an RFC 3339 timestamp: " + why);
  };
  if (!Digits(s, 0, 4, &y) || s.size() < 19 || s[4] != '-' || !Digits(s, 5, 2, &mo) || s[7] != '-' ||
      !Digits(s, 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !Digits(s, 11, 2, &h) ||
      s[13] != ':' || !Digits(s, 14, 2, &mi) || s[16] != ':' || !Digits(s, 17, 2, &se)) {
    return bad("expected YYYY-MM-DDTHH:MM:SS");
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return bad("field out of range");
  size_t pos = 19;
  int ms = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    int scale = 100;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      ms += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return bad("empty fraction");
  }
  int offset_min = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int sign = s[pos] == '-' ? -1 : 1;
    int oh, om;
    ++pos;
    if (!Digits(s, pos, 2, &oh)) return bad("bad offset");
    pos += 2;
    if (pos < s.size() && s[pos] == ':') ++pos;
    if (!Digits(s, pos, 2, &om)) return bad("bad offset");
    pos += 2;
    offset_min = sign * (oh * 60 + om);
  } else {
    return bad("missing time zone");
  }
  if (pos != s.size()) return bad("trailing characters");
  int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  int64_t secs = days * 86400 + h * 3600 + mi * 60 + se - offset_min * 60;
  return secs * 1000 + ms;
}

std::string FormatRfc2822(int64_t epoch_seconds) {
  static const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::tm tm = UtcTm(epoch_seconds);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday], tm.tm_mday,
                kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

Result<int64_t> ParseRfc2822(std::string_view s) {
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  auto bad = [&] { return Status::InvalidArgument("'" + std::string(s) + "' is not an RFC 2822 date"); };
  size_t comma = s.find(", ");
  std::string_view rest = comma == std::string_view::npos ? s : s.substr(comma + 2);
  // "14 May 2024 15:04:05 +0000"
  int d, y, h, mi, se;
  size_t p = 0;
  size_t sp = rest.find(' ');
  if (sp == std::string_view::npos || sp > 2 || !Digits(rest, 0, sp, &d)) return bad();
  p = sp + 1;
  if (rest.size() < p + 4) return bad();
  int month = -1;
  for (int i = 0; i < 12; ++i) {
    if (rest.substr(p, 3) == kMonths[i]) month = i + 1;
  }
  if (month < 0 || rest[p + 3] != ' ') return bad();
  p += 4;
  if (!Digits(rest, p, 4, &y) || rest.size() < p + 14 || rest[p + 4] != ' ') return bad();
  p += 5;
  if (!Digits(rest, p, 2, &h) || rest[p + 2] != ':' || !Digits(rest, p + 3, 2, &mi) || rest[p + 5] != ':' ||
      !Digits(rest, p + 6, 2, &se)) {
    return bad();
  }
  p += 8;
  int offset_min = 0;
  if (p < rest.size()) {
    if (rest[p] != ' ' || p + 6 > rest.size()) return bad();
    char sign = rest[p + 1];
    int oh, om;
    if ((sign != '+' && sign != '-') || !Digits(rest, p + 2, 2, &oh) || !Digits(rest, p + 4, 2, &om)) return bad();
    offset_min = (sign == '-' ? -1 : 1) * (oh * 60 + om);
  }
  int64_t days = DaysFromCivil(y, static_cast<unsigned>(month), static_cast<unsigned>(d));
  return days * 86400 + h * 3600 + mi * 60 + se - offset_min * 60;
}

std::string FormatDate(int64_t epoch_seconds) {
  std::tm tm = UtcTm(epoch_seconds);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  return buf;
}

}  // namespace sfn::timeutil
