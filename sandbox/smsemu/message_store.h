// The gateway's record of every message it has seen (outbound via the REST
// API, inbound via the reply hook), with the status callbacks it attempted.
// Thread-safe: every method takes the store's lock; callers receive copies.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace sfn::smsemu {

// One status-callback POST (or a deliberate drop) for a message.
struct CallbackAttempt {
  std::string status;             // MessageStatus that was posted
  std::string url;                // where it went (signed exactly as this)
  std::string idempotency_token;  // I-Twilio-Idempotency-Token; equal for duplicates
  int http_status = 0;            // receiver's answer; 0 when no answer (see error)
  std::string error;              // transport error, or "dropped by emulator"
  bool duplicate = false;         // a deliberate second copy
  bool dropped = false;           // not sent because of the callbacks hook
  int64_t at_ms = 0;              // when the attempt finished
  int attempt = 1;                // 1 = first try, 2 = first retry (connection overrides)
  std::string warning;            // connection overrides that were ignored
};

struct Message {
  std::string sid;  // "SM" + 32 hex
  std::string account_sid;
  std::string messaging_service_sid;  // empty when sent with From
  std::string from;                   // empty for Messaging Service sends
  std::string to;
  std::string body;
  std::string direction = "outbound-api";  // or "inbound"
  std::string status;                      // queued, accepted, sending, sent, delivered, ...
  std::string encoding;                    // "GSM-7" / "UCS-2"
  int num_segments = 0;
  std::optional<int> error_code;
  std::string error_message;
  std::string status_callback;
  std::optional<std::string> price;  // negative decimal string, set when terminal
  int64_t date_created_s = 0;
  int64_t created_ms = 0;                 // wall clock ms, for queue measurements
  std::optional<int64_t> dequeued_at_ms;  // when it left the sender's queue (sending)
  int64_t date_updated_s = 0;
  std::optional<int64_t> date_sent_s;
  std::vector<CallbackAttempt> callbacks;
};

// Filters of the List endpoint. Dates are inclusive UTC epoch-second bounds.
struct MessageFilter {
  std::string to;
  std::string from;
  std::optional<int64_t> sent_on_or_after_s;
  std::optional<int64_t> sent_before_s;  // exclusive
};

class MessageStore {
 public:
  void Add(Message message);
  std::optional<Message> Get(const std::string& sid) const;
  // Applies `change` to the message under the lock; false when unknown.
  bool Update(const std::string& sid, const std::function<void(Message&)>& change);
  // Matching messages, oldest first. A message that has not been sent yet is
  // filtered by its creation date, so reconciliation finds it right away.
  std::vector<Message> List(const MessageFilter& filter) const;
  void Clear();

 private:
  mutable std::mutex mu_;
  std::vector<Message> messages_;  // creation order; the emulator keeps a test's worth
  // sid → index in messages_, so lifecycle updates stay O(1) at 100k messages (benchmarks).
  std::unordered_map<std::string, size_t> by_sid_;
};

}  // namespace sfn::smsemu
