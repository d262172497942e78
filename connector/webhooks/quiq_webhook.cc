#include "connector/webhooks/quiq_webhook.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <mutex>

#include "common/crypto.h"
#include "common/json.h"
#include "common/log.h"
#include "common/time_util.h"
#include "common/utf8.h"
#include "mapping/field_mapping.h"
#include "salesforce/collections.h"
#include "salesforce/connection.h"
#include "salesforce/query.h"
#include "salesforce/soql.h"

namespace sfn::connector {

namespace {

constexpr const char* kQuiqSource = "quiq";

constexpr const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS quiq_webhook_events (
  id TEXT PRIMARY KEY,
  event_type TEXT NOT NULL,
  received_ms INTEGER NOT NULL,
  state TEXT NOT NULL,            -- received | handled | ignored | unmatched
  recipient_id INTEGER NOT NULL DEFAULT 0,
  detail TEXT NOT NULL DEFAULT ''
);
)";

const rapidjson::Value* Member(const rapidjson::Value& obj, const char* name) {
  if (!obj.IsObject()) return nullptr;
  auto it = obj.FindMember(name);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

std::string StringOf(const rapidjson::Value* v) {
  return v && v->IsString() ? v->GetString() : "";
}

// The customer's number: data.customerHandle, else data.customer.phoneNumber.
std::string HandleOf(const rapidjson::Value& data) {
  std::string handle = StringOf(Member(data, "customerHandle"));
  if (handle.empty()) {
    if (const auto* customer = Member(data, "customer"))
      handle = StringOf(Member(*customer, "phoneNumber"));
  }
  std::string e164;
  for (char c : handle) {
    if ((c >= '0' && c <= '9') || (c == '+' && e164.empty())) e164 += c;
  }
  if (!e164.empty() && e164[0] != '+')
    e164 = (e164.size() == 10 ? "+1" : "+") + e164;  // NANP without +1
  return e164;
}

// The last message the customer wrote.
std::string ReplyTextOf(const rapidjson::Value& data) {
  const auto* messages = Member(data, "messages");
  if (!messages || !messages->IsArray()) return "";
  std::string text;
  for (const auto& m : messages->GetArray()) {
    const auto* from_customer = Member(m, "fromCustomer");
    if (from_customer && from_customer->IsBool() && !from_customer->GetBool()) continue;
    text = StringOf(Member(m, "text"));
  }
  return text;
}

}  // namespace

struct QuiqWebhook::Impl {
  QuiqWebhookOptions options;
  Store& store;
  ReplySink sink;
  std::mutex mu;  // serialises this connection's writes
  SQLite::Database db;
  WebhookInbox& inbox;

  Impl(QuiqWebhookOptions o, Store& s, WebhookInbox& i, ReplySink k)
      : options(std::move(o)),
        store(s),
        sink(std::move(k)),
        db(options.store_path,
           SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_FULLMUTEX),
        inbox(i) {
    db.setBusyTimeout(5000);
    db.exec(kSchema);
  }

  // The inbox processor: what the event asks for, retried by the inbox until it succeeds.
  Status Process(const WebhookItem& item);

  // Records the event as received; returns its state when it was seen before ("" when new).
  Result<std::string> Claim(const std::string& id, const std::string& type) {
    std::lock_guard<std::mutex> lock(mu);
    try {
      SQLite::Statement insert(
          db,
          "INSERT OR IGNORE INTO quiq_webhook_events(id, event_type, received_ms, state) "
          "VALUES (?, ?, ?, 'received')");
      insert.bind(1, id);
      insert.bind(2, type);
      insert.bind(3, static_cast<int64_t>(timeutil::NowMillis()));
      if (insert.exec() == 1) return std::string();
      SQLite::Statement q(db, "SELECT state FROM quiq_webhook_events WHERE id=?");
      q.bind(1, id);
      if (!q.executeStep()) return std::string();
      return q.getColumn(0).getString();
    } catch (const std::exception& e) {
      return Status::IOError(std::string("quiq webhook events: ") + e.what());
    }
  }

  Status Finish(const std::string& id, const std::string& state, const std::string& detail) {
    std::lock_guard<std::mutex> lock(mu);
    try {
      SQLite::Statement u(db, "UPDATE quiq_webhook_events SET state=?, detail=? WHERE id=?");
      u.bind(1, state);
      u.bind(2, detail);
      u.bind(3, id);
      u.exec();
      return Status::Ok();
    } catch (const std::exception& e) {
      return Status::IOError(std::string("quiq webhook events: ") + e.what());
    }
  }

  // The event handled, the recipient responded and its history row: one transaction.
  Status FinishReply(const InboundReply& reply) {
    std::lock_guard<std::mutex> lock(mu);
    try {
      SQLite::Transaction tx(db);
      SQLite::Statement e(
          db,
          "UPDATE quiq_webhook_events SET state='handled', recipient_id=?, detail=? "
          "WHERE id=? AND state='received'");
      e.bind(1, reply.recipient.id);
      e.bind(2, "conversation " + reply.conversation_id);
      e.bind(3, reply.event_id);
      if (e.exec() == 1) {
        SQLite::Statement r(db, "UPDATE recipients SET responded=1, updated_ms=? WHERE id=?");
        r.bind(1, static_cast<int64_t>(reply.at_ms));
        r.bind(2, reply.recipient.id);
        r.exec();
        SQLite::Statement h(
            db,
            "INSERT INTO history(notification_id, recipient_id, at_ms, kind, state, detail) "
            "VALUES (?, ?, ?, 'reply', ?, ?)");
        h.bind(1, reply.recipient.notification_id);
        h.bind(2, reply.recipient.id);
        h.bind(3, static_cast<int64_t>(reply.at_ms));
        h.bind(4, RecipientStateName(reply.recipient.state));
        h.bind(5, "quiq event " + reply.event_id + ", conversation " + reply.conversation_id +
                      ": " + utf8::TruncateBytes(reply.text, 500));
        h.exec();
      }
      tx.commit();
      return Status::Ok();
    } catch (const std::exception& e) {
      return Status::IOError(std::string("recording a Quiq reply: ") + e.what());
    }
  }
};

Result<std::unique_ptr<QuiqWebhook>> QuiqWebhook::Create(QuiqWebhookOptions options, Store& store,
                                                         WebhookInbox& inbox, ReplySink sink) {
  if (options.secret.empty())
    return Status::InvalidArgument("the Quiq webhook needs a shared secret");
  try {
    auto impl = std::make_unique<Impl>(std::move(options), store, inbox, std::move(sink));
    Impl* raw = impl.get();
    inbox.Register(kQuiqSource, [raw](const WebhookItem& item) { return raw->Process(item); });
    return std::unique_ptr<QuiqWebhook>(new QuiqWebhook(std::move(impl)));
  } catch (const std::exception& e) {
    return Status::IOError(std::string("cannot open the Quiq webhook event table: ") + e.what());
  }
}

QuiqWebhook::QuiqWebhook(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
QuiqWebhook::~QuiqWebhook() = default;

bool QuiqWebhook::Handle(http::Request& request, http::Responder& responder) {
  if (request.path != "/v1/webhooks/quiq") return false;
  if (request.method != "POST") {
    responder.Send(ApiError(405, "method_not_allowed", "use POST"));
    return true;
  }
  std::string token = request.headers.Get("X-Centricient-Hook-Token");
  if (token.empty() || !crypto::ConstantTimeEquals(token, impl_->options.secret)) {
    log::Warn("quiq", "webhook refused: wrong or missing X-Centricient-Hook-Token");
    responder.Send(ApiError(401, "unauthorized", "wrong or missing X-Centricient-Hook-Token",
                            "X-Centricient-Hook-Token"));
    return true;
  }
  auto doc = json::Parse(request.body);
  if (!doc.ok() || !doc->IsObject()) {
    std::string problem = doc.ok() ? "expected a JSON object" : doc.status().message();
    responder.Send(ApiError(400, "invalid_json", "body: " + problem, "body"));
    return true;
  }
  std::string id = StringOf(Member(doc.value(), "id"));
  std::string type = StringOf(Member(doc.value(), "eventType"));
  if (id.empty()) {
    responder.Send(ApiError(400, "invalid_field", "id: required string", "id"));
    return true;
  }
  if (type.empty()) {
    responder.Send(ApiError(400, "invalid_field", "eventType: required string", "eventType"));
    return true;
  }
  // Committed to the inbox, then answered: the reply Task follows from there, retried while
  // Salesforce is down, so Quiq never has to redeliver it.
  auto added = impl_->inbox.Accept(kQuiqSource, id, request.body);
  if (!added.ok()) {
    responder.Send(ApiError(503, "store_unavailable", added.status().message()));
    return true;
  }
  responder.Send(
      http::JsonResponse(200, *added ? R"({"outcome":"accepted"})" : R"({"outcome":"duplicate"})"));
  return true;
}

Status QuiqWebhook::Impl::Process(const WebhookItem& item) {
  auto doc = json::Parse(item.payload);
  if (!doc.ok() || !doc->IsObject()) return Status::InvalidArgument("not a JSON object");
  std::string id = StringOf(Member(doc.value(), "id"));
  std::string type = StringOf(Member(doc.value(), "eventType"));
  auto seen = Claim(id, type);
  if (!seen.ok()) return seen.status();
  if (!seen->empty() && *seen != "received") return Status::Ok();  // handled before
  const rapidjson::Value* data = Member(doc.value(), "data");
  if (type != "ConversationRequested" || !data || !data->IsObject())
    return Finish(id, "ignored", "");
  InboundReply reply;
  reply.event_id = id;
  reply.conversation_id = StringOf(Member(*data, "id"));
  reply.handle = HandleOf(*data);
  reply.text = ReplyTextOf(*data);
  reply.at_ms = item.received_ms;
  std::string quiq_cp = StringOf(Member(*data, "contactPointId"));
  std::optional<RecipientRow> recipient;
  // The contact point the customer answered; without one, the most recent send to that number.
  for (const auto& [quiq_id, ours] : options.contact_point_by_quiq_id) {
    if (!quiq_cp.empty() && quiq_id != quiq_cp) continue;
    auto candidate = store.LatestSentTo(reply.handle, ours);
    if (candidate && (!recipient || candidate->updated_ms > recipient->updated_ms)) {
      recipient = candidate;
      reply.contact_point = ours;
    }
  }
  if (!recipient) return Finish(id, "unmatched", "no notification sent to " + reply.handle);
  reply.recipient = *recipient;
  // Salesforce may be down: the error sends the item back to the inbox (the sink is idempotent
  // on the event id, so a retry finds the Task a half-finished attempt wrote).
  Status written = sink ? sink(reply) : Status::Ok();
  if (!written.ok()) return written;
  return FinishReply(reply);
}

std::string QuiqReplyTaskKey(const std::string& event_id) {
  return "QE" + crypto::Hex(crypto::Sha256(event_id)).substr(0, 32);
}

ReplySink MakeReplyTaskSink(salesforce::Connection& connection,
                                    const mapping::FieldMapping& mapping) {
  return [&connection, &mapping](const InboundReply& reply) -> Status {
    const std::string key = reply.task_key.empty() ? QuiqReplyTaskKey(reply.event_id) : reply.task_key;
    // A retried event finds the Task its first delivery wrote.
    bool exists = false;
    Status found = salesforce::ForEachRecord(connection,
                                             "SELECT Id FROM Task WHERE SMS_Message_Sid__c = " +
                                                 salesforce::soql::Quote(key) + " LIMIT 1",
                                             [&](const rapidjson::Value&) {
                                               exists = true;
                                               return Status::Ok();
                                             });
    if (!found.ok()) return found;
    if (exists) return Status::Ok();
    const RecipientRow& row = reply.recipient;
    const mapping::ObjectMapping* om = mapping.Object(row.plan.object_type);
    auto merge = json::Parse(row.plan.merge_json);
    auto lookup = [&](const mapping::MergeField& f) -> std::optional<std::string> {
      if (f.name == "Reply.Body") return reply.text;
      if (f.name == "Reply.From") return reply.handle;
      if (f.name == "Message.Body") return row.plan.body;
      if (merge.ok() && merge->IsObject()) {
        if (auto v = json::GetString(merge.value(), f.name.c_str())) return v;
      }
      return std::nullopt;
    };
    std::string subject = om && !om->reply_task_subject.source().empty()
                              ? om->reply_task_subject.Render(lookup)
                              : "SMS reply: " + reply.text;
    // Task.Subject holds 255 characters; a cut never splits one.
    subject = utf8::TruncateChars(subject, 255);
    rapidjson::Document task(rapidjson::kObjectType);
    auto& a = task.GetAllocator();
    task.AddMember("WhoId", json::Str(row.plan.record_id, a), a);
    task.AddMember("Subject", json::Str(subject, a), a);
    task.AddMember("Description", json::Str(reply.text, a), a);
    task.AddMember("Status", "Completed", a);
    task.AddMember("ActivityDate", json::Str(timeutil::FormatDate(reply.at_ms / 1000), a), a);
    task.AddMember("SMS_Message_Sid__c", json::Str(key, a), a);
    std::vector<rapidjson::Document> records;
    records.push_back(std::move(task));
    auto results = salesforce::InsertRecords(connection, "Task", records);
    if (results.empty()) return Status::Unavailable("no answer to the reply Task insert");
    return results[0].status;
  };
}

}  // namespace sfn::connector
