// Transport over Quiq's notification API (wire format and every assumption:
// quiq_api.h). The sender's per-recipient Send calls are gathered by a
// SendBatcher into bulk calls (`notify` or `send-notifications`) per Quiq
// contact point, which arrives as OutboundMessage.from. Our per-recipient key
// travels as the searchId, so Reconcile can ask Quiq whether an attempt whose
// answer was lost (timeout, reset, 5xx) went out before anything is resent.
// Thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/http_client.h"
#include "connector/send/batching_transport.h"
#include "connector/send/transport.h"

namespace sfn::connector {

struct QuiqOptions {
  std::string base_url;                      // https://{tenant}.goquiq.com
  std::string identity;                      // app token identity
  std::string secret;                        // app token secret: never logged
  std::string api = "notify";                // notify | send-notifications
  std::string platform = "SMS";              // send-notifications path segment
  std::string topic = "default";             // notify only
  size_t batch_size = 50;                    // notifications per bulk call
  int batch_linger_ms = 25;                  // wait for a batch to fill
  std::chrono::milliseconds timeout{15000};  // per bulk call
  bool verify_tls = true;
};

class QuiqTransport final : public Transport, private BulkSender {
 public:
  explicit QuiqTransport(QuiqOptions options);
  SendOutcome Send(const OutboundMessage& message) override;
  // Looks the message up by its searchId (our key); `since_epoch_ms` is not needed.
  SendOutcome Reconcile(const OutboundMessage& message, int64_t since_epoch_ms) override;
  const char* name() const override { return "quiq"; }

  // One authenticated read: OK when Quiq accepts the app token, kUnauthenticated
  // when it refuses it, kUnavailable when the tenant cannot be reached.
  Status CheckCredentials();

 private:
  std::vector<SendOutcome> SendBulk(const std::vector<OutboundMessage>& messages) override;
  http::Request BaseRequest(const std::string& method, const std::string& path) const;

  QuiqOptions options_;
  std::unique_ptr<http::Client> client_;
  SendBatcher batcher_;
};

}  // namespace sfn::connector
