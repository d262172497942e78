// POST /v1/webhooks/quiq: Quiq's conversation webhooks (docs/quiq.md).
//
//  - The shared secret arrives in X-Centricient-Hook-Token and is compared in
//    constant time; a wrong or missing one gets 401 and nothing is recorded.
//  - A verified event is committed to the durable webhook inbox
//    (webhook_inbox.h) and answered 200 at once ({"outcome":"accepted"}, or
//    "duplicate" for an event id already received); Quiq never needs to
//    redeliver. Every event id is also recorded in the quiq_webhook_events
//    table (same SQLite file as the store) when it is processed.
//  - ConversationRequested from a handle we notified (data.customerHandle,
//    data.contactPointId → our contact point) is a reply: the recipient last
//    sent to that number from that contact point is marked responded and the
//    ReplySink writes the reply Task. The event is marked handled in the same
//    transaction as the responded flag and its history row. If the sink
//    fails (Salesforce down) the inbox retries it with backoff (the sink is
//    idempotent on the event id).
//  - Other event types, and replies from handles we never notified, are
//    recorded and ignored.
// Thread-safe; the Salesforce call runs on the inbox's worker.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "common/status.h"
#include "connector/intake/api_server.h"
#include "connector/outbox/store.h"
#include "connector/webhooks/webhook_inbox.h"

namespace sfn::mapping {
class FieldMapping;
}
namespace sfn::salesforce {
class Connection;
}

namespace sfn::connector {

// A reply from a recipient, from either gateway's webhook (Quiq conversation
// events, Twilio inbound messages).
struct InboundReply {
  std::string event_id;         // the gateway's event or message id (idempotency key)
  std::string task_key;         // SMS_Message_Sid__c of the reply Task; "" = QuiqReplyTaskKey(event_id)
  std::string conversation_id;  // Quiq's conversation id
  std::string handle;           // E.164
  std::string contact_point;    // our contact point name
  std::string text;             // the customer's last message
  int64_t at_ms = 0;
  RecipientRow recipient;  // the recipient last notified on that number
};

// Writes what a reply causes in Salesforce (the reply Task). Must be
// idempotent on reply.event_id.
using ReplySink = std::function<Status(const InboundReply& reply)>;

struct QuiqWebhookOptions {
  std::string secret;                                           // the webhook's shared secret
  std::map<std::string, std::string> contact_point_by_quiq_id;  // Quiq contact point id → ours
  std::string store_path;                                       // SQLite file of the store
};

class QuiqWebhook {
 public:
  // Registers its processor with `inbox`.
  static Result<std::unique_ptr<QuiqWebhook>> Create(QuiqWebhookOptions options, Store& store,
                                                     WebhookInbox& inbox, ReplySink sink);
  ~QuiqWebhook();
  // The route for ApiServer::AddRoutes.
  bool Handle(http::Request& request, http::Responder& responder);

 private:
  struct Impl;
  explicit QuiqWebhook(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The value written to the reply Task's SMS_Message_Sid__c for a Quiq event:
// "QE" + 32 hex of SHA-256(event id) — 34 characters, the field's length.
std::string QuiqReplyTaskKey(const std::string& event_id);

// The reply Task (for both gateways): on the recipient's record (WhoId), Subject from the
// mapping's reply_task subject ({!Reply.Body}, record fields), Description the
// reply text, Status Completed, SMS_Message_Sid__c QuiqReplyTaskKey(event id)
// so a retried event finds the Task it already wrote.
ReplySink MakeReplyTaskSink(salesforce::Connection& connection,
                                    const mapping::FieldMapping& mapping);

}  // namespace sfn::connector
