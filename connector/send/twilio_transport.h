// Transport for any Twilio-compatible Messaging REST API (Twilio, smsemu).
//
// Outcome mapping (see docs/architecture.md): 201 → accepted; 4xx with a
// Twilio error code → rejected (21610 also asks to suppress the number);
// 429/20429, 21611 (the sender's queue is over Twilio's time limit: nothing
// was created, slow down) and connection failures before sending → retry later; timeouts,
// resets and 5xx → unknown, to be reconciled through the list endpoint before
// any new attempt, because Twilio has no idempotency key on create.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/http_client.h"
#include "connector/send/transport.h"

namespace sfn::connector {

struct TwilioOptions {
  std::string base_url = "https://api.twilio.com";  // scheme://host[:port]
  std::string account_sid;                          // AC...
  std::string auth_token;                           // secret: never logged
  std::chrono::milliseconds timeout{15000};         // per request
  bool verify_tls = true;
};

class TwilioTransport final : public Transport {
 public:
  explicit TwilioTransport(TwilioOptions options);
  SendOutcome Send(const OutboundMessage& message) override;
  bool async() const override { return true; }
  void SendAsync(const OutboundMessage& message, std::function<void(SendOutcome)> done) override;
  // GET /Messages/{Sid}.json for each sid, all at once (each its own request on the shared pool).
  std::vector<MessageStatus> Lookup(const std::vector<std::string>& sids) override;
  SendOutcome Reconcile(const OutboundMessage& message, int64_t since_epoch_ms) override;
  // Lists To+From (one page of up to 1000, newest first) and keeps those with the same body
  // created at or after the claim (second precision, so one second earlier).
  std::vector<SendOutcome> FindSent(const OutboundMessage& message,
                                    int64_t since_epoch_ms) override;
  const char* name() const override { return "twilio"; }

 private:
  http::Request BaseRequest(const std::string& method, const std::string& path) const;
  http::Request CreateRequest(const OutboundMessage& message) const;

  TwilioOptions options_;
  std::unique_ptr<http::Client> client_;
};

// Twilio error codes that mean "this recipient opted out" (feed the suppression list).
bool IsOptOutError(int code);

}  // namespace sfn::connector
