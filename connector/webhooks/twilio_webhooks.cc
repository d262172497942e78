#include "connector/webhooks/twilio_webhooks.h"


#include <chrono>
#include <cstdlib>
#include <thread>
#include <utility>

#include "common/form.h"
#include "common/json_writer.h"
#include "common/log.h"
#include "common/time_util.h"
#include "common/twilio_signature.h"
#include "connector/compliance/keywords.h"

namespace sfn::connector {

namespace {
constexpr const char* kStatusPath = "/v1/webhooks/twilio/status";
constexpr const char* kInboundPath = "/v1/webhooks/twilio/inbound";

http::Response TwiML() {
  return http::TextResponse(200, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>",
                            "text/xml");
}

std::string Mask(const std::string& phone, bool full) {
  if (full || phone.size() <= 4) return phone;
  return std::string(phone.size() - 4, '*') + phone.substr(phone.size() - 4);
}
}  // namespace

TwilioWebhooks::TwilioWebhooks(TwilioWebhookOptions options, Store& store, ApiServer& api,
                               ReplySink reply_sink)
    : options_(std::move(options)),
      store_(store),
      api_(api),
      reply_sink_(std::move(reply_sink)),
      phones_(PhoneOptions{options_.default_region}) {
  while (!options_.public_url.empty() && options_.public_url.back() == '/')
    options_.public_url.pop_back();
  status_thread_ = std::thread([this] { StatusLoop(); });
}

TwilioWebhooks::~TwilioWebhooks() {
  {
    std::lock_guard<std::mutex> lock(status_mu_);
    status_stop_ = true;
  }
  status_cv_.notify_all();
  status_thread_.join();
}

void TwilioWebhooks::StatusLoop() {
  while (true) {
    std::vector<QueuedStatus> group;
    {
      std::unique_lock<std::mutex> lock(status_mu_);
      status_cv_.wait(lock, [&] { return status_stop_ || !statuses_.empty(); });
      if (statuses_.empty()) return;  // stopping and drained
      group.swap(statuses_);
    }
    std::vector<GatewayStatusEvent> events;
    events.reserve(group.size());
    for (const auto& q : group) events.push_back(q.event);
    auto applied = store_.ApplyGatewayStatuses(events);
    for (size_t i = 0; i < group.size(); ++i) {
      if (!applied.ok()) {
        group[i].responder.Send(
            ApiError(503, "unavailable", applied.status().message()));  // the gateway retries
      } else {
        group[i].responder.Send(http::JsonResponse(
            200, (*applied)[i] ? R"({"applied":true})" : R"({"applied":false})"));
      }
    }
  }
}

bool TwilioWebhooks::Handle(http::Request& request, http::Responder& responder) {
  if (request.path == "/v1/conversations" && request.method == "GET") {
    ListConversations(request, responder);
    return true;
  }
  bool status = request.path == kStatusPath;
  bool inbound = request.path == kInboundPath;
  if (!status && !inbound) return false;
  if (request.method != "POST") {
    responder.Send(ApiError(405, "method_not_allowed", "use POST"));
    return true;
  }
  form::Params params = form::Parse(request.body);
  if (!Verify(request, params)) {
    log::Warn("webhooks",
              std::string("refused an unsigned or wrongly signed call to ") + request.path);
    responder.Send(ApiError(403, "bad_signature", "X-Twilio-Signature is missing or does not match",
                            "X-Twilio-Signature"));
    return true;
  }
  if (status)
    HandleStatus(request, params, responder);
  else
    HandleInbound(request, params, responder);
  return true;
}

void TwilioWebhooks::SetPublicUrl(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  std::lock_guard<std::mutex> lock(url_mu_);
  options_.public_url = std::move(url);
}

bool TwilioWebhooks::Verify(const http::Request& request, const form::Params& params) const {
  std::string signature = request.headers.Get("X-Twilio-Signature");
  if (signature.empty() || options_.auth_token.empty()) return false;
  std::string base;
  {
    std::lock_guard<std::mutex> lock(url_mu_);
    base = options_.public_url;
  }
  std::string url = base + request.Target();
  return twilio::ValidateSignature(options_.auth_token, signature, url, params);
}

void TwilioWebhooks::HandleStatus(const http::Request&, const form::Params& params,
                                  http::Responder& responder) {
  std::string sid = form::Get(params, "MessageSid");
  std::string raw = form::Get(params, "MessageStatus");
  if (sid.empty() || raw.empty()) {
    responder.Send(ApiError(400, "invalid_request", "MessageSid and MessageStatus are required",
                            sid.empty() ? "MessageSid" : "MessageStatus"));
    return;
  }
  auto state = StateForGatewayStatus(raw);
  if (!state) {  // e.g. "receiving": nothing to apply, acknowledge
    responder.Send(http::JsonResponse(200, R"({"applied":false})"));
    return;
  }
  int error_code = std::atoi(form::Get(params, "ErrorCode").c_str());
  bool first;
  {
    std::lock_guard<std::mutex> lock(status_mu_);
    first = statuses_.empty();
    statuses_.push_back({{sid, *state, error_code, raw}, responder});
  }
  if (first) status_cv_.notify_one();  // the committer wakes once per group, not per callback
}

void TwilioWebhooks::HandleInbound(const http::Request&, const form::Params& params,
                                   http::Responder& responder) {
  InboundMessage m;
  m.sid = form::Get(params, "MessageSid");
  if (m.sid.empty()) m.sid = form::Get(params, "SmsSid");
  m.body = form::Get(params, "Body");
  m.at_ms = timeutil::NowMillis();
  auto from = phones_.Normalize(form::Get(params, "From"));
  auto to = phones_.Normalize(form::Get(params, "To"));
  if (m.sid.empty() || !from.ok()) {
    responder.Send(ApiError(400, "invalid_request", "MessageSid and a valid From are required",
                            m.sid.empty() ? "MessageSid" : "From"));
    return;
  }
  m.from = from->e164;
  m.to = to.ok() ? to->e164 : form::Get(params, "To");
  std::vector<std::string> contact_points;
  // A contact point sending through a Messaging Service has the service SID as its sender; the
  // handset texted one of the service's numbers, and the gateway names the service.
  for (const std::string& key : {m.to, form::Get(params, "MessagingServiceSid")}) {
    auto senders = options_.contact_points_by_sender.find(key);
    if (!key.empty() && senders != options_.contact_points_by_sender.end()) {
      contact_points = senders->second;
      break;
    }
  }
  ReplyKind kind = ClassifyReply(m.body);
  // The send ledger, not a phone search in Salesforce: the latest message to this number from any
  // contact point using the number that was texted.
  std::optional<RecipientRow> last;
  for (const auto& name : contact_points) {
    auto row = store_.LatestSentTo(m.from, name);
    if (row && (!last || std::make_pair(row->last_attempt_ms, row->id) >
                             std::make_pair(last->last_attempt_ms, last->id))) {
      last = std::move(row);
    }
  }
  m.contact_point = last                     ? last->contact_point
                    : contact_points.empty() ? ""
                                             : contact_points.front();
  if (last) {
    m.recipient_id = last->id;
    m.notification_id = last->notification_id;
    m.record_id = last->plan.record_id;
  }
  m.kind = kind == ReplyKind::kOther && !last ? "unmatched" : ReplyKindName(kind);
  if (store_.InboundSeen(m.sid)) {  // a redelivered webhook: everything was done the first time
    responder.Send(TwiML());
    return;
  }
  // Effects first, each idempotent, then the inbound record that marks the message handled: a
  // crash in between means the gateway's retry does the (harmless) work again, never less.
  Store& store = store_;
  auto finish = [&store, m](http::Responder later, Status effects) {
    if (effects.ok()) effects = store.RecordInbound(m).status();
    if (!effects.ok()) {
      later.Send(ApiError(503, "unavailable", effects.message()));  // the gateway retries
      return;
    }
    later.Send(TwiML());
  };
  if (kind == ReplyKind::kStop || kind == ReplyKind::kStart) {
    // The handset opted out of (or back into) the number it texted, whichever of our contact
    // points sends from it. A To that is none of ours changes nothing but is still recorded.
    Status changed = Status::Ok();
    for (const auto& name : contact_points) {
      Status s = kind == ReplyKind::kStop ? store_.AddSuppression(m.from, name, "stop_reply")
                                          : store_.RemoveSuppression(m.from, name);
      if (!s.ok()) changed = s;
    }
    finish(responder, changed);
    return;
  }
  if (kind != ReplyKind::kOther || !last) {  // HELP/INFO (the gateway answers it), or unmatched
    finish(responder, Status::Ok());
    return;
  }
  InboundReply reply;
  reply.event_id = m.sid;
  reply.task_key = m.sid;  // the reply Task is found again by the inbound message's SID
  reply.handle = m.from;
  reply.contact_point = m.contact_point;
  reply.text = m.body;
  reply.at_ms = m.at_ms;
  reply.recipient = *last;
  {
    std::lock_guard<std::mutex> lock(in_flight_mu_);
    auto [waiting, first] = in_flight_.try_emplace(m.sid);
    waiting->second.push_back(responder);
    if (!first) return;  // the first delivery's answer will be this one's too
  }
  // The reply Task needs Salesforce: off the listener threads, answered when done.
  replies_.Post([this, m, reply]() { WriteReply(m, reply); });
}

void TwilioWebhooks::WriteReply(const InboundMessage& message, const InboundReply& reply) {
  Status written = reply_sink_(reply);
  if (written.ok()) written = store_.MarkResponded(message.recipient_id, reply.text);
  if (written.ok()) written = store_.RecordInbound(message).status();
  if (!written.ok())
    log::Warn("webhooks",
              "reply not recorded yet (" + written.message() + "); the gateway retries");
  http::Response answer = written.ok() ? TwiML() : ApiError(503, "unavailable", written.message());
  std::vector<http::Responder> waiting;
  {
    std::lock_guard<std::mutex> lock(in_flight_mu_);
    auto it = in_flight_.find(message.sid);
    if (it != in_flight_.end()) {
      waiting = std::move(it->second);
      in_flight_.erase(it);
    }
  }
  for (const auto& r : waiting) r.Send(answer);
}

void TwilioWebhooks::ListConversations(const http::Request& request, http::Responder& responder) {
  auto role = api_.Authenticate(request);
  if (!role) {
    responder.Send(ApiError(401, "unauthenticated",
                            "a valid API key is required (Authorization: Bearer <key>)"));
    return;
  }
  size_t limit = 50;
  int64_t before = 0;
  for (const auto& [name, value] : form::Parse(request.query)) {
    char* end = nullptr;
    long long v = std::strtoll(value.c_str(), &end, 10);
    bool number = !value.empty() && *end == '\0' && v >= 0;
    if (name == "limit") {
      if (!number || v < 1 || v > 500) {
        responder.Send(ApiError(400, "invalid_request", "limit must be 1..500", "limit"));
        return;
      }
      limit = static_cast<size_t>(v);
    } else if (name == "before") {
      if (!number) {
        responder.Send(ApiError(400, "invalid_request", "before must be a message id", "before"));
        return;
      }
      before = v;
    }
  }
  bool full = *role == ApiRole::kAdmin;
  json::Writer w;
  w.StartObject();
  w.Key("conversations");
  w.StartArray();
  auto conversations = store_.Conversations(limit, before);
  int64_t cursor = 0;
  for (const auto& c : conversations) {
    if (c.messages.empty()) continue;
    // The conversation's summary is its latest reply (kept at the top level for simple inboxes).
    const InboundMessage& latest = c.messages.back();
    cursor = latest.id;
    w.StartObject();
    w.Key("id");
    w.Int64(latest.id);
    w.Key("recipient_id");
    w.Int64(c.recipient_id);
    w.Key("message_sid");
    w.String(latest.sid.c_str());
    w.Key("from");
    w.String(Mask(latest.from, full).c_str());
    w.Key("contact_point");
    w.String(latest.contact_point.c_str());
    w.Key("notification_id");
    w.String(latest.notification_id.c_str());
    w.Key("record_id");
    w.String(latest.record_id.c_str());
    w.Key("body");
    w.String(latest.body.c_str());
    w.Key("received_at");
    w.String(timeutil::FormatRfc3339Millis(latest.at_ms).c_str());
    w.Key("messages");
    w.StartArray();
    for (const auto& m : c.messages) {
      w.StartObject();
      w.Key("id");
      w.Int64(m.id);
      w.Key("message_sid");
      w.String(m.sid.c_str());
      w.Key("body");
      w.String(m.body.c_str());
      w.Key("received_at");
      w.String(timeutil::FormatRfc3339Millis(m.at_ms).c_str());
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  // Pass as ?before= for the next page; null on the last page.
  w.Key("next_before");
  if (conversations.size() < limit || cursor == 0) {
    w.Null();
  } else {
    w.Int64(cursor);
  }
  w.EndObject();
  responder.Send(w.Response(200));
}

}  // namespace sfn::connector
