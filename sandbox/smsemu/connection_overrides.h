// Twilio's webhook connection overrides: key=value pairs in the URL fragment
// ("https://host/status#rc=3&rp=ct,5xx&rt=2000") that set how Twilio connects
// and retries for that one webhook. The fragment itself is never sent and is
// not part of the signed URL. Defaults and ranges are Twilio's
// (twilio.com/docs/usage/webhooks/webhooks-connection-overrides):
//   ct  connect timeout ms   100..10000, default 5000
//   rt  read timeout ms      100..15000, default 15000
//   tt  total time ms        100..15000, default 15000 (all attempts together)
//   rc  retry count          0..5,       default 1
//   rp  retry policy         comma list of 4xx, 5xx, ct, rt, all; default ct
//                            (retry only when the connection failed)
//   e, sni                   edge / SNI: accepted and ignored (no edges on loopback)
// An unknown key or a value out of range is ignored (the default applies) and
// reported in `problems`; an invalid rp is Twilio's warning 11243.
#pragma once

#include <string>
#include <vector>

namespace sfn::smsemu {

enum class FailureClass { kConnect, kRead, kHttp4xx, kHttp5xx };

struct ConnectionOverrides {
  int connect_timeout_ms = 5000;
  int read_timeout_ms = 15000;
  int total_time_ms = 15000;
  int retry_count = 1;
  bool retry_connect = true;  // rp "ct"
  bool retry_read = false;    // rp "rt"
  bool retry_4xx = false;
  bool retry_5xx = false;
  std::vector<std::string> problems;  // what was ignored, for the emulator's record

  bool Retries(FailureClass failure) const;
};

// Parses the fragment of `url` (everything after '#'; none = all defaults).
ConnectionOverrides ParseConnectionOverrides(const std::string& url);

}  // namespace sfn::smsemu
