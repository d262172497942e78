// The Twilio-compatible gateway's webhooks and the conversations API:
//   POST /v1/webhooks/twilio/status   delivery status callbacks
//   POST /v1/webhooks/twilio/inbound  replies from handsets
//   GET  /v1/conversations            replies that started a conversation (read key or
//        web sign-in): newest first, one per recipient answered (with its
//        record_name), with its messages; phones masked but for the last 4
//        digits unless the key is admin (or the person holds the admin set);
//        a signed-in person sees only their contact points (intake/visibility.h);
//        ?limit=1..500 (50), ?before=<next_before of the previous page>
//
// Both webhooks verify X-Twilio-Signature against the public URL the gateway
// called (configured `http.public_url`, else the listen address) plus the
// request's path and query, over every form parameter received; an unsigned or
// wrongly signed call gets 403 and changes nothing.
//
// A verified webhook is committed to the durable inbox (webhook_inbox.h) and
// answered at once — status: 200 JSON; inbound: 200 with the empty TwiML
// `<Response/>` (text/xml), so the gateway sends nothing back. A copy of one
// already received (same MessageSid, or same MessageSid + MessageStatus) is
// answered the same and processed no second time. The inbox worker then:
//
// Status: forward-only (Store::ApplyGatewayStatus), every event kept in the
// history; the Task's delivery field is updated later in batches
// (TaskStatusWriter). Inbound: recorded (conversation, history), then
// classified (keywords.h). An opt-out suppresses (number, contact point) and
// queues the opt-out write-back to every Lead/Contact with the number, and gets
// exactly one confirmation text unless the gateway answers it itself; START
// reverses it; HELP is recorded; any other text from a number we messaged
// marks the recipient responded and writes one reply Task (retried until
// Salesforce takes it); from a number never messaged it is recorded as
// unmatched and creates nothing in Salesforce.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/form.h"
#include "connector/compliance/keywords.h"
#include "connector/compliance/phone.h"
#include "connector/config/config.h"
#include "connector/intake/api_server.h"
#include "connector/outbox/store.h"
#include "connector/webhooks/quiq_webhook.h"
#include "connector/webhooks/webhook_inbox.h"

namespace sfn::connector {

struct TwilioWebhookOptions {
  std::string public_url;  // scheme://host[:port] as the gateway calls us, no trailing slash
  std::string auth_token;  // signs the webhooks (secret)
  // Sender number (E.164) or Messaging Service SID (MG...) → the contact points sending from it,
  // matched against an inbound message's To, then its MessagingServiceSid. Several may share one: a
  // reply cannot tell them apart, so it answers the latest send from any of them, and STOP/START
  // apply to all of them.
  std::map<std::string, std::vector<std::string>> contact_points_by_sender;
  std::string default_region = "US";
  ComplianceConfig compliance;  // opt-out words and the confirmation text
};

// What became of an opt-out confirmation handed to the gateway.
struct ConfirmationResult {
  enum class Kind {
    kSent,     // the gateway took it (sid set), or found it sent by an earlier attempt
    kRetry,    // surely not sent: try again later
    kUnknown,  // may have been sent (timeout): look for it before any resend
    kRefused,  // the gateway refuses it for good (error says why)
  };
  Kind kind = Kind::kUnknown;
  std::string sid;
  std::string error;
};

// Sends the confirmation text through the gateway; wired to the Transport by the daemon.
struct ConfirmationChannel {
  std::function<ConfirmationResult(const std::string& to, const std::string& from,
                                   const std::string& body)>
      send;
  // Whether an attempt whose outcome was lost reached the gateway since `since_ms`.
  std::function<ConfirmationResult(const std::string& to, const std::string& from,
                                   const std::string& body, int64_t since_ms)>
      find;
};

class TwilioWebhooks {
 public:
  // Registers its processors with `inbox`.
  TwilioWebhooks(TwilioWebhookOptions options, Store& store, ApiServer& api, WebhookInbox& inbox,
                 ReplySink reply_sink, ConfirmationChannel confirmations);
  // The route for ApiServer::AddRoutes.
  bool Handle(http::Request& request, http::Responder& responder);
  // When the public URL is the listen address, it is known only once the API listens.
  void SetPublicUrl(std::string url);

 private:
  bool Verify(const http::Request& request, const form::Params& params) const;
  void AcceptStatus(const http::Request& request, const form::Params& params,
                    http::Responder& responder);
  void AcceptInbound(const http::Request& request, const form::Params& params,
                     http::Responder& responder);
  void ListConversations(const http::Request& request, http::Responder& responder);
  // Inbox processors.
  Status ProcessStatuses(const std::vector<WebhookItem>& items);
  Status ProcessInbound(const WebhookItem& item);
  // The one confirmation of an opt-out; `done` holds the item's finished steps.
  Status ConfirmOptOut(const WebhookItem& item, const InboundMessage& message,
                       std::vector<std::string>* done);

  TwilioWebhookOptions options_;
  mutable std::mutex url_mu_;  // guards options_.public_url
  Store& store_;
  ApiServer& api_;
  WebhookInbox& inbox_;
  ReplySink reply_sink_;
  ConfirmationChannel confirmations_;
  PhoneNormalizer phones_;
  ReplyClassifier classifier_;
};

}  // namespace sfn::connector
