// The emulator's starting state, from `--seed FILE` (JSON); `POST
// /__emulator/reset` returns to it. Every member is optional:
//
//   {"from_numbers": ["+15017122661"],           // extra account numbers
//    "carrier": [{"number": "+15551230001", "outcome": "undelivered", "error_code": 30003},
//                {"number": "+15551230002", "reject": 21614}],
//    "stop_list": [{"handset": "+15551230003", "sender": "+15005550006"}],  // sender "*" = all
//    "inbound_url": "http://127.0.0.1:8080/webhooks/twilio/inbound",
//    "callbacks": {"duplicate": false, "reorder": false, "drop_status": ["sent"]}}
//
// The same object shapes are accepted by the /__emulator/carrier and
// /__emulator/callbacks hooks, so their parsers live here too.
#pragma once

#include <rapidjson/document.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "sandbox/smsemu/carrier.h"
#include "sandbox/smsemu/lifecycle.h"
#include "sandbox/smsemu/stop_list.h"

namespace sfn::smsemu {

struct Seed {
  std::vector<std::string> from_numbers;
  std::map<std::string, CarrierRule> carrier;
  std::vector<StopEntry> stop_list;
  std::string inbound_url;
  CallbackBehaviour callbacks;
};

Result<Seed> ParseSeed(std::string_view json_text);
Result<Seed> LoadSeedFile(const std::string& path);

// {"number": "+1...", "outcome": ..., "error_code": ...} or {"number": ..., "reject": ...}.
Status ParseCarrierRule(const rapidjson::Value& object, std::string* number, CarrierRule* rule);
// {"duplicate": bool, "reorder": bool, "drop_status": "sent" | ["sent", ...]}; absent members keep
// `*behaviour`.
Status ParseCallbackBehaviour(const rapidjson::Value& object, CallbackBehaviour* behaviour);

// True for "+" followed by a possible international number (libphonenumber).
bool IsE164Number(const std::string& text);

}  // namespace sfn::smsemu
