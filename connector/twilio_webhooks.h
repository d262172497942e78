// The Twilio-compatible gateway's webhooks and the conversations API:
//   POST /v1/webhooks/twilio/status   delivery status callbacks
//   POST /v1/webhooks/twilio/inbound  replies from handsets
//   GET  /v1/conversations            replies that started a conversation (read key)
//
// Both webhooks verify X-Twilio-Signature against the public URL the gateway
// called (configured `http.public_url`, else the listen address) plus the
// request's path and query, over every form parameter received; an unsigned or
// wrongly signed call gets 403 and changes nothing.
//
// Status: forward-only (Store::ApplyGatewayStatus), every event kept in the
// history; the Task's delivery field is updated later in batches
// (TaskStatusWriter). Inbound: deduplicated on MessageSid; STOP and its
// synonyms suppress (number, contact point) at once and queue the opt-out
// write-back to every Lead/Contact with the number; START reverses it; HELP is
// recorded; any other text from a number we messaged marks the recipient
// responded and writes one reply Task; from a number never messaged it is
// recorded as unmatched and creates nothing in Salesforce.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "common/form.h"
#include "common/work_queue.h"
#include "connector/api_server.h"
#include "connector/phone.h"
#include "connector/quiq_webhook.h"
#include "connector/store.h"

namespace sfn::connector {

struct TwilioWebhookOptions {
  std::string public_url;  // scheme://host[:port] as the gateway calls us, no trailing slash
  std::string auth_token;  // signs the webhooks (secret)
  std::map<std::string, std::string> contact_point_by_sender;  // From number of a contact point → its name
  std::string default_region = "US";
};

class TwilioWebhooks {
 public:
  TwilioWebhooks(TwilioWebhookOptions options, Store& store, ApiServer& api, ReplySink reply_sink);
  // The route for ApiServer::AddRoutes.
  bool Handle(http::Request& request, http::Responder& responder);
  // When the public URL is the listen address, it is known only once the API listens.
  void SetPublicUrl(std::string url);

 private:
  bool Verify(const http::Request& request, const form::Params& params) const;
  void HandleStatus(const http::Request& request, const form::Params& params, http::Responder& responder);
  void HandleInbound(const http::Request& request, const form::Params& params, http::Responder& responder);
  void ListConversations(const http::Request& request, http::Responder& responder);

  TwilioWebhookOptions options_;
  mutable std::mutex url_mu_;  // guards options_.public_url
  Store& store_;
  ApiServer& api_;
  ReplySink reply_sink_;
  PhoneNormalizer phones_;
  WorkQueue replies_{2};  // Salesforce writes for replies, off the listener threads
};

}  // namespace sfn::connector
