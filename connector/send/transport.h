// The seam between the engine and an SMS gateway. Implementations: Twilio-
// compatible REST (twilio_transport.h) and the in-process sandbox
// (sandbox_transport.h); Quiq later. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

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
};

class Transport {
 public:
  virtual ~Transport() = default;
  virtual SendOutcome Send(const OutboundMessage& message) = 0;
  // Looks for a message sent by an earlier attempt whose outcome was lost (same
  // to/from/body, created at or after since_epoch_ms). kAccepted with its sid when
  // found; kRetryLater when surely not sent; kUnknown when the gateway could not tell.
  virtual SendOutcome Reconcile(const OutboundMessage& message, int64_t since_epoch_ms) = 0;
  virtual const char* name() const = 0;
};

}  // namespace sfn::connector
