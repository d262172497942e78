// The seam between the engine and an SMS gateway. Implementations: Twilio-
// compatible REST (twilio_transport.h) and the in-process sandbox
// (sandbox_transport.h); Quiq later. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace sfn::connector {

struct OutboundMessage {
  std::string to;               // E.164
  std::string from;             // E.164 sender, or a messaging service SID (MG...)
  std::string body;
  std::string status_callback;  // absolute URL; empty = none
  std::string key;              // our per-recipient key, stable across retries
};

struct SendOutcome {
  enum class Kind {
    kAccepted,    // the gateway took the message: sid is set
    kRejected,    // permanent refusal (error_code says why); never retry as-is
    kRetryLater,  // nothing was sent (429, 503 before acceptance, connection refused)
    kUnknown,     // the gateway may have taken it (timeout, reset, 5xx): reconcile before any retry
  };
  Kind kind = Kind::kUnknown;
  std::string sid;
  std::string status;          // gateway status, e.g. "queued"
  int segments = 0;            // gateway's count when known
  int error_code = 0;          // e.g. 21610
  std::string error_message;
  int retry_after_ms = 0;      // hint for kRetryLater
  bool throttled = false;      // 429 / 20429: the whole gateway should slow down
};

// A message's current state as the gateway reports it (status polling).
struct MessageStatus {
  bool found = false;  // false: the gateway could not tell (error, unknown sid)
  std::string status;  // gateway status, e.g. "delivered"
  int error_code = 0;
  std::string error_message;
};

class Transport {
 public:
  virtual ~Transport() = default;
  virtual SendOutcome Send(const OutboundMessage& message) = 0;
  // True when SendAsync does not block (the sender then keeps max_in_flight calls open without a
  // thread each); otherwise the sender runs Send on a bounded pool.
  virtual bool async() const { return false; }
  // Sends without waiting; `done` runs exactly once, on any thread. Default: Send, then done.
  virtual void SendAsync(const OutboundMessage& message, std::function<void(SendOutcome)> done) {
    done(Send(message));
  }
  // Fetches the current status of sent messages by gateway id (at most 100 per call).
  // Default: nothing known (found=false for each).
  virtual std::vector<MessageStatus> Lookup(const std::vector<std::string>& sids) {
    return std::vector<MessageStatus>(sids.size());
  }
  // Looks for a message sent by an earlier attempt whose outcome was lost (same
  // to/from/body, created at or after since_epoch_ms). kAccepted with its sid when
  // found; kRetryLater when surely not sent; kUnknown when the gateway could not tell.
  virtual SendOutcome Reconcile(const OutboundMessage& message, int64_t since_epoch_ms) = 0;
  // Every message the gateway holds that could be that earlier attempt (kAccepted each, with its
  // sid), so the caller can drop those it already knows and refuse to guess between several.
  // Empty: surely not sent. One kUnknown: the gateway could not tell. Default: from Reconcile.
  virtual std::vector<SendOutcome> FindSent(const OutboundMessage& message,
                                            int64_t since_epoch_ms) {
    SendOutcome found = Reconcile(message, since_epoch_ms);
    if (found.kind == SendOutcome::Kind::kRetryLater) return {};
    return {found};
  }
  virtual const char* name() const = 0;
};

}  // namespace sfn::connector
