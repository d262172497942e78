#include "sandbox/smsemu/connection_overrides.h"

#include <cstdlib>

#include "common/form.h"

namespace sfn::smsemu {

namespace {

bool ParseBounded(const std::string& text, int min, int max, int* out) {
  if (text.empty() || text.size() > 6) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  int value = std::atoi(text.c_str());
  if (value < min || value > max) return false;
  *out = value;
  return true;
}

// rp: a comma-separated list; false (and nothing changed) when any item is unknown.
bool ParsePolicy(const std::string& text, ConnectionOverrides* o) {
  bool ct = false, rt = false, c4 = false, c5 = false;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string item =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (item == "ct") {
      ct = true;
    } else if (item == "rt") {
      rt = true;
    } else if (item == "4xx") {
      c4 = true;
    } else if (item == "5xx") {
      c5 = true;
    } else if (item == "all") {
      ct = rt = c4 = c5 = true;
    } else {
      return false;
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  o->retry_connect = ct;
  o->retry_read = rt;
  o->retry_4xx = c4;
  o->retry_5xx = c5;
  return true;
}

}  // namespace

bool ConnectionOverrides::Retries(FailureClass failure) const {
  switch (failure) {
    case FailureClass::kConnect:
      return retry_connect;
    case FailureClass::kRead:
      return retry_read;
    case FailureClass::kHttp4xx:
      return retry_4xx;
    case FailureClass::kHttp5xx:
      return retry_5xx;
  }
  return false;
}

ConnectionOverrides ParseConnectionOverrides(const std::string& url) {
  ConnectionOverrides o;
  size_t hash = url.find('#');
  if (hash == std::string::npos) return o;
  for (const auto& [key, value] : form::Parse(url.substr(hash + 1))) {
    bool ok = true;
    if (key == "ct") {
      ok = ParseBounded(value, 100, 10000, &o.connect_timeout_ms);
    } else if (key == "rt") {
      ok = ParseBounded(value, 100, 15000, &o.read_timeout_ms);
    } else if (key == "tt") {
      ok = ParseBounded(value, 100, 15000, &o.total_time_ms);
    } else if (key == "rc") {
      ok = ParseBounded(value, 0, 5, &o.retry_count);
    } else if (key == "rp") {
      if (!ParsePolicy(value, &o)) {
        o.problems.push_back("11243: HTTP retry policy is invalid (rp=" + value +
                             "); default ct used");
      }
      continue;
    } else if (key == "e" || key == "edge" || key == "sni") {
      continue;  // meaningful only across Twilio's edges
    } else {
      o.problems.push_back("unknown connection override '" + key + "' ignored");
      continue;
    }
    if (!ok) o.problems.push_back(key + "=" + value + " is out of range; default used");
  }
  return o;
}

}  // namespace sfn::smsemu
