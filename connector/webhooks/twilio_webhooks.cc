#include "connector/webhooks/twilio_webhooks.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "common/form.h"
#include "common/json_writer.h"
#include "common/log.h"
#include "common/time_util.h"
#include "common/twilio_signature.h"
#include "connector/compliance/keywords.h"
#include "connector/compliance/phone_mask.h"

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
// Handsets type numbers into replies ("call me on 415 555 0123"): masked like the sender's.
std::string MaskText(const std::string& text, bool full) {
  return full ? text : MaskPhonesInText(text);
}

constexpr const char* kStatusSource = "twilio_status";
constexpr const char* kInboundSource = "twilio_inbound";

bool Has(const std::vector<std::string>& done, const std::string& step) {
  return std::find(done.begin(), done.end(), step) != done.end();
}

std::vector<std::string> SplitSteps(const std::string& progress) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < progress.size()) {
    size_t space = progress.find(' ', pos);
    if (space == std::string::npos) space = progress.size();
    if (space > pos) out.push_back(progress.substr(pos, space - pos));
    pos = space + 1;
  }
  return out;
}

std::string JoinSteps(const std::vector<std::string>& steps) {
  std::string out;
  for (const auto& s : steps) out += (out.empty() ? "" : " ") + s;
  return out;
}
}  // namespace

TwilioWebhooks::TwilioWebhooks(TwilioWebhookOptions options, Store& store, ApiServer& api,
                               WebhookInbox& inbox, ReplySink reply_sink,
                               ConfirmationChannel confirmations)
    : options_(std::move(options)),
      store_(store),
      api_(api),
      inbox_(inbox),
      reply_sink_(std::move(reply_sink)),
      confirmations_(std::move(confirmations)),
      phones_(PhoneOptions{options_.default_region}),
      classifier_(options_.compliance) {
  while (!options_.public_url.empty() && options_.public_url.back() == '/')
    options_.public_url.pop_back();
  inbox_.RegisterBatch(kStatusSource, [this](const std::vector<WebhookItem>& items) {
    return ProcessStatuses(items);
  });
  inbox_.Register(kInboundSource, [this](const WebhookItem& item) { return ProcessInbound(item); });
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
    AcceptStatus(request, params, responder);
  else
    AcceptInbound(request, params, responder);
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

void TwilioWebhooks::AcceptStatus(const http::Request& request, const form::Params& params,
                                  http::Responder& responder) {
  std::string sid = form::Get(params, "MessageSid");
  std::string raw = form::Get(params, "MessageStatus");
  if (sid.empty() || raw.empty()) {
    responder.Send(ApiError(400, "invalid_request", "MessageSid and MessageStatus are required",
                            sid.empty() ? "MessageSid" : "MessageStatus"));
    return;
  }
  if (!StateForGatewayStatus(raw)) {  // e.g. "receiving": nothing to apply, acknowledge
    responder.Send(http::JsonResponse(200, R"({"accepted":false})"));
    return;
  }
  // Twilio sends one callback per (message, status): a second one with both equal is a copy.
  auto added = inbox_.Accept(kStatusSource, sid + " " + raw, request.body);
  if (!added.ok()) {
    // Only the local store can fail here; the gateway may retry (docs/operations.md).
    responder.Send(ApiError(503, "store_unavailable", added.status().message()));
    return;
  }
  responder.Send(http::JsonResponse(
      200, *added ? R"({"accepted":true})" : R"({"accepted":true,"duplicate":true})"));
}

void TwilioWebhooks::AcceptInbound(const http::Request& request, const form::Params& params,
                                   http::Responder& responder) {
  std::string sid = form::Get(params, "MessageSid");
  if (sid.empty()) sid = form::Get(params, "SmsSid");
  if (sid.empty() || !phones_.Normalize(form::Get(params, "From")).ok()) {
    responder.Send(ApiError(400, "invalid_request", "MessageSid and a valid From are required",
                            sid.empty() ? "MessageSid" : "From"));
    return;
  }
  auto added = inbox_.Accept(kInboundSource, sid, request.body);
  if (!added.ok()) {
    responder.Send(ApiError(503, "store_unavailable", added.status().message()));
    return;
  }
  responder.Send(TwiML());  // a copy (same MessageSid) gets the same answer and nothing more
}

Status TwilioWebhooks::ProcessStatuses(const std::vector<WebhookItem>& items) {
  std::vector<Store::GatewayStatus> statuses;
  for (const auto& item : items) {
    form::Params params = form::Parse(item.payload);
    Store::GatewayStatus s;
    s.sid = form::Get(params, "MessageSid");
    s.raw_status = form::Get(params, "MessageStatus");
    auto state = StateForGatewayStatus(s.raw_status);
    if (s.sid.empty() || !state) continue;  // checked before it was accepted; never applicable
    s.state = *state;
    s.error_code = std::atoi(form::Get(params, "ErrorCode").c_str());
    statuses.push_back(std::move(s));
  }
  // One transaction for the burst. A SID not recorded yet (or never ours) is kept for when it is.
  return store_.ApplyGatewayStatuses(statuses);
}

Status TwilioWebhooks::ProcessInbound(const WebhookItem& item) {
  form::Params params = form::Parse(item.payload);
  InboundMessage m;
  m.sid = form::Get(params, "MessageSid");
  if (m.sid.empty()) m.sid = form::Get(params, "SmsSid");
  m.body = form::Get(params, "Body");
  m.at_ms = item.received_ms;
  auto from = phones_.Normalize(form::Get(params, "From"));
  auto to = phones_.Normalize(form::Get(params, "To"));
  if (m.sid.empty() || !from.ok()) return Status::InvalidArgument("no MessageSid or From");
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
  ReplyKind kind = classifier_.Classify(m.body);
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

  std::vector<std::string> done = SplitSteps(item.progress);
  auto mark = [&](const std::string& step) {
    done.push_back(step);
    return store_.SetWebhookProgress(item.id, JoinSteps(done));
  };
  // Store-only effects first, in arrival order (the inbox keeps it): the suppression change, then
  // the inbound record (conversation, history). Both are idempotent if a crash repeats them.
  if (!Has(done, "applied")) {
    if (kind == ReplyKind::kStop || kind == ReplyKind::kStart) {
      // The handset opted out of (or back into) the number it texted, whichever of our contact
      // points sends from it. A To that is none of ours changes nothing but is still recorded.
      for (const auto& name : contact_points) {
        Status s = kind == ReplyKind::kStop ? store_.AddSuppression(m.from, name, "stop_reply")
                                            : store_.RemoveSuppression(m.from, name);
        if (!s.ok()) return s;
      }
    }
    auto recorded = store_.RecordInbound(m);
    if (!recorded.ok()) return recorded.status();
    Status s = mark("applied");
    if (!s.ok()) return s;
  }
  if (kind == ReplyKind::kStop && !contact_points.empty() && !Has(done, "confirmed")) {
    // Twilio answers its own keywords (and says so with OptOutType); the rest are ours to confirm.
    bool gateway_confirms = http::EqualsIgnoreCase(form::Get(params, "OptOutType"), "STOP") ||
                            classifier_.GatewayConfirms(m.body);
    if (!gateway_confirms && !options_.compliance.opt_out_confirmation.empty()) {
      Status s = ConfirmOptOut(item, m, &done);
      if (!s.ok()) return s;
    }
  }
  if (kind != ReplyKind::kOther || !last || Has(done, "replied")) return Status::Ok();
  InboundReply reply;
  reply.event_id = m.sid;
  reply.task_key = m.sid;  // the reply Task is found again by the inbound message's SID
  reply.handle = m.from;
  reply.contact_point = m.contact_point;
  reply.text = m.body;
  reply.at_ms = m.at_ms;
  reply.recipient = *last;
  // Salesforce may be down: the error sends the item back to the inbox for a later retry.
  Status written = reply_sink_ ? reply_sink_(reply) : Status::Ok();
  if (written.ok()) written = store_.MarkResponded(m.recipient_id, m.body);
  if (written.ok()) written = mark("replied");
  return written;
}

Status TwilioWebhooks::ConfirmOptOut(const WebhookItem& item, const InboundMessage& m,
                                     std::vector<std::string>* done) {
  const std::string& body = options_.compliance.opt_out_confirmation;
  auto save = [&](std::vector<std::string> steps) {
    *done = std::move(steps);
    return store_.SetWebhookProgress(item.id, JoinSteps(*done));
  };
  auto without_claim = [&] {
    std::vector<std::string> steps;
    for (const auto& s : *done) {
      if (s.rfind("claimed:", 0) != 0) steps.push_back(s);
    }
    return steps;
  };
  auto confirmed = [&](const std::string& detail) {
    auto steps = without_claim();
    steps.push_back("confirmed");
    if (!m.notification_id.empty()) {
      store_.AppendHistory({0, m.notification_id, m.recipient_id, timeutil::NowMillis(), "opt_out",
                            "confirmed", detail});
    }
    return save(steps);
  };
  if (!confirmations_.send) return Status::Ok();
  // An attempt whose outcome was lost (timeout, crash after the claim): look before resending,
  // so the handset gets one confirmation, never two.
  for (const auto& s : *done) {
    if (s.rfind("claimed:", 0) != 0 || !confirmations_.find) continue;
    int64_t since = std::atoll(s.c_str() + 8);
    ConfirmationResult found = confirmations_.find(m.from, m.to, body, since);
    if (found.kind == ConfirmationResult::Kind::kSent)
      return confirmed("confirmation " + found.sid);
    if (found.kind != ConfirmationResult::Kind::kRetry)
      return Status::Unavailable("cannot tell whether the opt-out confirmation was sent");
  }
  // The claim is durable before the gateway is called.
  auto claim = without_claim();
  claim.push_back("claimed:" + std::to_string(timeutil::NowMillis() - 1000));
  Status s = save(claim);
  if (!s.ok()) return s;
  ConfirmationResult sent = confirmations_.send(m.from, m.to, body);
  switch (sent.kind) {
    case ConfirmationResult::Kind::kSent:
      log::Info("webhooks", "opt-out confirmed to the handset (" + sent.sid + ")");
      return confirmed("confirmation " + sent.sid);
    case ConfirmationResult::Kind::kRefused:
      log::Warn("webhooks", "the gateway refused the opt-out confirmation: " + sent.error);
      return confirmed("confirmation refused: " + sent.error);
    case ConfirmationResult::Kind::kRetry:
      s = save(without_claim());
      if (!s.ok()) return s;
      return Status::Unavailable("opt-out confirmation not sent yet: " + sent.error);
    case ConfirmationResult::Kind::kUnknown:
      break;
  }
  return Status::Unavailable("opt-out confirmation outcome unknown: " + sent.error);
}

void TwilioWebhooks::ListConversations(const http::Request& request, http::Responder& responder) {
  auto viewer = api_.AuthenticateViewer(request);
  if (!viewer) {
    responder.Send(
        ApiError(401, "unauthenticated",
                 "sign in with Salesforce or send a valid API key (Authorization: Bearer <key>)"));
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
  bool full = viewer->rights.full_numbers;
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
    // Only the contact points the viewer may see (the cursor still moves past the others).
    if (!CanSee(viewer->rights, latest.contact_point)) continue;
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
    w.Key("record_name");
    w.String(c.record_name.c_str());
    w.Key("body");
    w.String(MaskText(latest.body, full).c_str());
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
      w.String(MaskText(m.body, full).c_str());
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
