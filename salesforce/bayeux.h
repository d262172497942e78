// Bayeux (CometD) messages as the Salesforce Streaming API speaks them:
// builders for the four meta requests (with the replay extension on
// subscribe) and a parser for response arrays, events included.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace sfn::salesforce::bayeux {

struct Advice {
  std::string reconnect;  // "retry", "handshake", "none" or empty when absent
  int64_t interval_ms = -1;
  int64_t timeout_ms = -1;
};

struct Message {
  std::string channel;
  std::string id;
  std::string client_id;
  std::string subscription;
  bool successful = false;
  bool has_successful = false;  // meta replies carry it; events do not
  std::string error;            // e.g. "403::Unknown client"
  std::string failure_reason;   // ext.sfdc.failureReason on a denied handshake
  Advice advice;
  // For events (data present): replay id, EventUuid and the payload object as JSON.
  bool is_event = false;
  int64_t replay_id = 0;
  std::string event_uuid;
  std::string payload_json;

  bool is_meta() const { return channel.rfind("/meta/", 0) == 0; }
  // "401::Authentication invalid" -> 401 (also from failure_reason); 0 when none.
  int ErrorCode() const;
};

std::string Handshake(const std::string& id);
// `replay_from`: -1 new events only, -2 every retained event, N events after N.
std::string Subscribe(const std::string& client_id, const std::string& channel, int64_t replay_from,
                      const std::string& id);
std::string Connect(const std::string& client_id, const std::string& id);
std::string Disconnect(const std::string& client_id, const std::string& id);

// Parses a response body: a JSON array of messages (a single object is accepted too).
Result<std::vector<Message>> Parse(std::string_view body);

}  // namespace sfn::salesforce::bayeux
