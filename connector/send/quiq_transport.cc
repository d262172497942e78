#include "connector/send/quiq_transport.h"

#include "common/crypto.h"
#include "common/form.h"
#include "common/log.h"
#include "common/sms_segments.h"
#include "connector/send/quiq_api.h"

namespace sfn::connector {

QuiqTransport::QuiqTransport(QuiqOptions options)
    : options_(std::move(options)),
      batcher_({options_.batch_size, options_.batch_linger_ms}, *this) {
  http::ClientOptions client_options;
  client_options.timeout = options_.timeout;
  client_options.verify_tls = options_.verify_tls;
  client_ = std::make_unique<http::Client>(options_.base_url, client_options);
}

http::Request QuiqTransport::BaseRequest(const std::string& method, const std::string& path) const {
  http::Request request;
  request.method = method;
  request.path = path;
  request.headers.Set("Authorization",
                      "Basic " + crypto::Base64Encode(options_.identity + ":" + options_.secret));
  request.headers.Set("Accept", "application/json");
  return request;
}

SendOutcome QuiqTransport::Send(const OutboundMessage& message) {
  return batcher_.Send(message);
}

std::vector<SendOutcome> QuiqTransport::SendBulk(const std::vector<OutboundMessage>& messages) {
  const std::string& contact_point = messages.front().from;
  std::vector<quiq::Notification> notifications;
  std::vector<std::string> search_ids;
  std::vector<int> segments;
  bool multiple_segments = false;
  for (const auto& m : messages) {
    notifications.push_back({m.to, m.body, m.key});
    search_ids.push_back(m.key);
    int count = sms::CountSegments(m.body).segments;
    segments.push_back(count);
    multiple_segments = multiple_segments || count > 1;
  }
  bool notify = options_.api == "notify";
  http::Request request = BaseRequest(
      "POST", notify ? "/api/v1/messaging/notify"
                     : "/api/v1/messaging/platforms/" + options_.platform + "/send-notifications");
  if (multiple_segments) request.query = "allowMultipleSegments=true";
  request.body = notify ? quiq::NotifyBody(contact_point, options_.topic, notifications)
                        : quiq::SendNotificationsBody(contact_point, notifications);
  request.headers.Set("Content-Type", "application/json");

  std::vector<SendOutcome> outcomes;
  auto response = client_->Send(request);
  if (!response.ok()) {
    SendOutcome failed;
    // Not connected: nothing went out. Anything later: Quiq may have taken it.
    failed.kind = response.status().code() == StatusCode::kUnavailable
                      ? SendOutcome::Kind::kRetryLater
                      : SendOutcome::Kind::kUnknown;
    failed.retry_after_ms = 1000;
    failed.error_message = response.status().message();
    outcomes.assign(messages.size(), failed);
  } else {
    outcomes = quiq::OutcomesFromBulkResponse(
        response->status, response->headers.Get("Retry-After"), response->body, search_ids);
  }
  for (size_t i = 0; i < outcomes.size(); ++i) {
    if (outcomes[i].kind == SendOutcome::Kind::kAccepted) outcomes[i].segments = segments[i];
  }
  log::Debug("quiq", "bulk call for " + std::to_string(messages.size()) +
                         " notifications from contact point " + contact_point + ": " +
                         (response.ok() ? "HTTP " + std::to_string(response->status)
                                        : response.status().message()));
  return outcomes;
}

SendOutcome QuiqTransport::Reconcile(const OutboundMessage& message, int64_t /*since_epoch_ms*/) {
  http::Request request = BaseRequest("GET", "/api/v1/messaging/notifications");
  request.query = form::Serialize({{"searchId", message.key}});
  auto response = client_->Send(request);
  if (!response.ok()) {
    SendOutcome unknown;
    unknown.kind = SendOutcome::Kind::kUnknown;
    unknown.error_message = "reconcile failed: " + response.status().message();
    return unknown;
  }
  SendOutcome found = quiq::OutcomeFromLookup(response->status, response->body, message.key);
  if (found.kind == SendOutcome::Kind::kAccepted)
    found.segments = sms::CountSegments(message.body).segments;
  return found;
}

Status QuiqTransport::CheckCredentials() {
  // A lookup for a searchId nobody uses: any answer but 401/403 proves the token.
  http::Request request = BaseRequest("GET", "/api/v1/messaging/notifications");
  request.query = form::Serialize({{"searchId", "sfnotify-credentials-check"}});
  auto response = client_->Send(request);
  if (!response.ok())
    return Status::Unavailable("cannot reach Quiq at " + options_.base_url + ": " +
                               response.status().message());
  if (response->status == 401 || response->status == 403) {
    return Status::Unauthenticated("Quiq refused the app token of identity '" + options_.identity +
                                   "' (HTTP " + std::to_string(response->status) + ")");
  }
  if (response->status >= 500) {
    return Status::Unavailable("Quiq answered HTTP " + std::to_string(response->status));
  }
  return Status::Ok();
}

}  // namespace sfn::connector
