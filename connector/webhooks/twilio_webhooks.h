// The Twilio-compatible gateway's webhooks and the conversations API:
//   POST /v1/webhooks/twilio/status   delivery status callbacks
//   POST /v1/webhooks/twilio/inbound  replies from handsets
//   GET  /v1/conversations            replies that started a conversation (read key):
//        newest first, one per recipient answered, with its messages; phones
//        masked but for the last 4 digits unless the key is admin;
//        ?limit=1..500 (50), ?before=<next_before of the previous page>
//
// Both webhooks verify X-Twilio-Signature against the public URL the gateway
// called (configured `http.public_url`, else the listen address) plus the
// request's path and query, over every form parameter received; an unsigned or
// wrongly signed call gets 403 and changes nothing.
//
// Status: forward-only (Store::ApplyGatewayStatuses), every event kept in the
// history; callbacks are group-committed (whatever arrived while the previous
// group was being written goes in one transaction, and each is answered once
// its group is durable); the Task's delivery field is updated later in
// batches (TaskStatusWriter). Inbound: deduplicated on MessageSid; STOP and its
// synonyms suppress (number, contact point) at once and queue the opt-out
// write-back to every Lead/Contact with the number; START reverses it; HELP is
// recorded; any other text from a number we messaged marks the recipient
// responded and writes one reply Task; from a number never messaged it is
// recorded as unmatched and creates nothing in Salesforce.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/form.h"
#include "common/work_queue.h"
#include "connector/intake/api_server.h"
#include "connector/compliance/phone.h"
#include "connector/webhooks/quiq_webhook.h"
#include "connector/outbox/store.h"

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
};

class TwilioWebhooks {
 public:
  TwilioWebhooks(TwilioWebhookOptions options, Store& store, ApiServer& api, ReplySink reply_sink);
  ~TwilioWebhooks();  // answers the status callbacks still queued
  // The route for ApiServer::AddRoutes.
  bool Handle(http::Request& request, http::Responder& responder);
  // When the public URL is the listen address, it is known only once the API listens.
  void SetPublicUrl(std::string url);

 private:
  bool Verify(const http::Request& request, const form::Params& params) const;
  void HandleStatus(const http::Request& request, const form::Params& params,
                    http::Responder& responder);
  void HandleInbound(const http::Request& request, const form::Params& params,
                     http::Responder& responder);
  void ListConversations(const http::Request& request, http::Responder& responder);
  void StatusLoop();
  // The reply Task and the responded flag, on a worker; answers every delivery of the message.
  void WriteReply(const InboundMessage& message, const InboundReply& reply);

  TwilioWebhookOptions options_;
  mutable std::mutex url_mu_;  // guards options_.public_url
  Store& store_;
  ApiServer& api_;
  ReplySink reply_sink_;
  PhoneNormalizer phones_;
  // Deliveries of a reply still being written, by MessageSid: a copy of the webhook arriving
  // meanwhile (gateway retry, proxy replay) waits for the first one's answer instead of writing a
  // second Task. Declared before replies_, whose destructor still runs queued work.
  std::mutex in_flight_mu_;
  std::map<std::string, std::vector<http::Responder>> in_flight_;
  WorkQueue replies_{2};  // Salesforce writes for replies, off the listener threads
  // Status callbacks waiting for the next group commit.
  struct QueuedStatus {
    GatewayStatusEvent event;
    http::Responder responder;
  };
  std::mutex status_mu_;
  std::condition_variable status_cv_;
  std::vector<QueuedStatus> statuses_;
  bool status_stop_ = false;
  std::thread status_thread_;
};

}  // namespace sfn::connector
