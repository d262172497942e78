// The /__emulator/ test hooks half of the router (JSON, no auth).
#include "common/crypto.h"
#include "common/form.h"
#include "common/json.h"
#include "common/sms_segments.h"
#include "common/time_util.h"
#include "sandbox/smsemu/emulator.h"
#include "sandbox/smsemu/resource_json.h"

namespace sfn::smsemu {

namespace {

http::Response JsonOf(int status, const rapidjson::StringBuffer& buffer) {
  return http::JsonResponse(status, std::string(buffer.GetString(), buffer.GetSize()));
}

void Str(JsonWriter* w, const char* key, const std::string& value) {
  w->Key(key);
  w->String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
}

// {"error": "...", "field": "..."}; the field is omitted when empty.
http::Response HookError(int status, const std::string& field, const std::string& message) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  Str(&w, "error", field.empty() ? message : field + ": " + message);
  if (!field.empty()) Str(&w, "field", field);
  w.EndObject();
  return JsonOf(status, buffer);
}

// The field a parser message names ("number: expected ..." -> "number").
std::string FieldOf(const std::string& message) {
  size_t colon = message.find(':');
  if (colon == std::string::npos || message.find(' ') < colon) return "";
  return message.substr(0, colon);
}

http::Response StatusError(const Status& status) {
  std::string field = FieldOf(status.message());
  std::string text = field.empty() ? status.message() : status.message().substr(field.size() + 2);
  return HookError(400, field, text);
}

Result<rapidjson::Document> ParseObject(const http::Request& request) {
  auto doc = json::Parse(request.body.empty() ? "{}" : request.body);
  if (!doc.ok()) return Status::InvalidArgument("body is not JSON: " + doc.status().message());
  if (!doc->IsObject()) return Status::InvalidArgument("body must be a JSON object");
  return doc;
}

void WriteBehaviour(const CallbackBehaviour& b, JsonWriter* w) {
  w->StartObject();
  w->Key("duplicate");
  w->Bool(b.duplicate);
  w->Key("reorder");
  w->Bool(b.reorder);
  w->Key("drop_status");
  w->StartArray();
  for (const auto& s : b.drop_statuses) w->String(s.c_str());
  w->EndArray();
  w->EndObject();
}

void WriteRule(const std::string& number, const CarrierRule& rule, JsonWriter* w) {
  w->StartObject();
  Str(w, "number", number);
  if (rule.reject_code != 0) {
    w->Key("reject");
    w->Int(rule.reject_code);
  } else {
    Str(w, "outcome", rule.outcome);
    w->Key("error_code");
    if (rule.error_code != 0) {
      w->Int(rule.error_code);
    } else {
      w->Null();
    }
  }
  w->EndObject();
}

// Twilio's default auto-replies to the opt-out keywords.
std::string AutoReply(Keyword keyword) {
  switch (keyword) {
    case Keyword::kStop:
      return "You have successfully been unsubscribed. You will not receive any more messages from "
             "this "
             "number. Reply START to resubscribe.";
    case Keyword::kStart:
      return "You have successfully been re-subscribed to messages from this number. Reply HELP "
             "for help. "
             "Reply STOP to unsubscribe. Msg&Data Rates May Apply.";
    case Keyword::kHelp:
      return "Reply STOP to unsubscribe. Msg&Data Rates May Apply.";
    case Keyword::kNone:
      break;
  }
  return "";
}

// The inbound hook's answer: what was posted where, the keyword handling, and
// the webhook's HTTP status (null when no URL is configured or no answer came).
std::string InboundAnswer(const std::string& sid, const WebhookPost& post, Keyword keyword,
                          std::optional<int> webhook_status, const std::string& webhook_error) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  Str(&w, "message_sid", sid);
  w.Key("url");
  if (post.url.empty()) {
    w.Null();
  } else {
    w.String(post.url.c_str(), static_cast<rapidjson::SizeType>(post.url.size()));
  }
  w.Key("posted");
  w.StartObject();
  for (const auto& [name, value] : post.params) Str(&w, name.c_str(), value);
  w.EndObject();
  Str(&w, "idempotency_token", post.idempotency_token);
  w.Key("opt_out_type");
  if (keyword == Keyword::kNone) {
    w.Null();
  } else {
    w.String(KeywordName(keyword));
  }
  w.Key("auto_reply");
  if (keyword == Keyword::kNone) {
    w.Null();
  } else {
    std::string reply = AutoReply(keyword);
    w.String(reply.c_str(), static_cast<rapidjson::SizeType>(reply.size()));
  }
  w.Key("webhook_status");
  if (webhook_status) {
    w.Int(*webhook_status);
  } else {
    w.Null();
  }
  w.Key("webhook_error");
  if (webhook_error.empty()) {
    w.Null();
  } else {
    w.String(webhook_error.c_str(), static_cast<rapidjson::SizeType>(webhook_error.size()));
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace

void Emulator::HandleHook(const http::Request& request, const std::string& hook,
                          http::Responder responder) {
  const std::string& method = request.method;
  auto wrong_method = [&] {
    responder.Send(HookError(405, "", "method " + method + " not allowed on " + hook));
  };
  if (hook == "health") {
    if (method != "GET") return wrong_method();
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartObject();
    Str(&w, "status", "ok");
    Str(&w, "account_sid", options_.account_sid);
    w.EndObject();
    return responder.Send(JsonOf(200, buffer));
  }
  if (hook == "messages")
    return method == "GET" ? responder.Send(MessagesHook(request)) : wrong_method();
  if (hook == "faults") return responder.Send(FaultsHook(request));
  if (hook == "carrier") return responder.Send(CarrierHook(request));
  if (hook == "callbacks") return responder.Send(CallbacksHook(request));
  if (hook == "stoplist") return method == "GET" ? responder.Send(StopListHook()) : wrong_method();
  if (hook == "inbound_url")
    return method == "POST" ? responder.Send(InboundUrlHook(request)) : wrong_method();
  if (hook == "inbound") return method == "POST" ? InboundHook(request, responder) : wrong_method();
  if (hook == "reset") {
    if (method != "POST") return wrong_method();
    timer_.CancelAll();
    ReleaseHeldRequests();
    lifecycle_.Clear();
    store_.Clear();
    stop_list_.Clear();
    carrier_.Clear();
    faults_.Clear();
    queues_.Reset();
    ApplySeed();
    return responder.Send(http::JsonResponse(200, R"({"reset":true})"));
  }
  responder.Send(HookError(404, "", "unknown emulator hook '" + hook + "'"));
}

http::Response Emulator::MessagesHook(const http::Request& request) {
  form::Params query = form::Parse(request.query);
  MessageFilter filter;
  filter.to = form::Get(query, "to");
  filter.from = form::Get(query, "from");
  // Tests often write "?to=+1415..." unencoded; the '+' then decodes as a space.
  for (std::string* number : {&filter.to, &filter.from}) {
    if (!number->empty() && (*number)[0] == ' ') (*number)[0] = '+';
  }
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("messages");
  w.StartArray();
  for (const auto& m : store_.List(filter)) WriteEmulatorView(m, &w);
  w.EndArray();
  w.EndObject();
  return JsonOf(200, buffer);
}

http::Response Emulator::FaultsHook(const http::Request& request) {
  if (request.method == "POST") {
    auto doc = ParseObject(request);
    if (!doc.ok()) return HookError(400, "", doc.status().message());
    Status error;
    auto name = json::GetString(doc.value(), "fault", &error);
    Fault fault{FaultKind::kHttp500};
    if (!name || !ParseFaultKind(*name, &fault.kind)) {
      return HookError(400, "fault",
                       "expected http_500, http_503, http_429 or timeout_after_accept");
    }
    auto count = json::GetInt(doc.value(), "count", &error);
    if (!error.ok() || (count && (*count < 1 || *count > 100000))) {
      return HookError(400, "count", "expected a positive integer");
    }
    auto hold = json::GetInt(doc.value(), "hold_ms", &error);
    if (!error.ok() || (hold && (*hold < 0 || *hold > 600000))) {
      return HookError(400, "hold_ms", "expected milliseconds between 0 and 600000");
    }
    if (hold) fault.hold_ms = static_cast<int>(*hold);
    faults_.Arm(fault, static_cast<int>(count.value_or(1)));
  } else if (request.method != "GET") {
    return HookError(405, "", "use GET or POST");
  }
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("pending");
  w.StartArray();
  for (const auto& f : faults_.Pending()) w.String(FaultKindName(f.kind));
  w.EndArray();
  w.EndObject();
  return JsonOf(200, buffer);
}

http::Response Emulator::CarrierHook(const http::Request& request) {
  if (request.method == "POST") {
    auto doc = ParseObject(request);
    if (!doc.ok()) return HookError(400, "", doc.status().message());
    std::string number;
    CarrierRule rule;
    Status s = ParseCarrierRule(doc.value(), &number, &rule);
    if (!s.ok()) return StatusError(s);
    carrier_.Set(number, rule);
  } else if (request.method != "GET") {
    return HookError(405, "", "use GET or POST");
  }
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("rules");
  w.StartArray();
  for (const auto& [number, rule] : carrier_.All()) WriteRule(number, rule, &w);
  w.EndArray();
  w.EndObject();
  return JsonOf(200, buffer);
}

http::Response Emulator::CallbacksHook(const http::Request& request) {
  if (request.method == "POST") {
    auto doc = ParseObject(request);
    if (!doc.ok()) return HookError(400, "", doc.status().message());
    CallbackBehaviour behaviour = lifecycle_.behaviour();
    Status s = ParseCallbackBehaviour(doc.value(), &behaviour);
    if (!s.ok()) return StatusError(s);
    lifecycle_.SetBehaviour(behaviour);
  } else if (request.method != "GET") {
    return HookError(405, "", "use GET or POST");
  }
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  WriteBehaviour(lifecycle_.behaviour(), &w);
  return JsonOf(200, buffer);
}

http::Response Emulator::StopListHook() {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("entries");
  w.StartArray();
  for (const auto& e : stop_list_.Entries()) {
    w.StartObject();
    Str(&w, "handset", e.handset);
    Str(&w, "sender", e.sender);
    Str(&w, "since", timeutil::FormatRfc2822(e.since_s));
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return JsonOf(200, buffer);
}

http::Response Emulator::InboundUrlHook(const http::Request& request) {
  auto doc = ParseObject(request);
  if (!doc.ok()) return HookError(400, "", doc.status().message());
  Status error;
  auto url = json::GetString(doc.value(), "url", &error);
  std::string base, target;
  if (!error.ok() || !url || (!url->empty() && !http::SplitUrl(*url, &base, &target).ok())) {
    return HookError(400, "url", "expected an absolute http(s) URL, or \"\" to clear it");
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    inbound_url_ = *url;
  }
  return http::JsonResponse(200, request.body);
}

void Emulator::InboundHook(const http::Request& request, http::Responder responder) {
  auto doc = ParseObject(request);
  if (!doc.ok()) return responder.Send(HookError(400, "", doc.status().message()));
  Status error;
  auto from = json::GetString(doc.value(), "From", &error);
  if (!error.ok() || !from || !IsE164Number(*from)) {
    return responder.Send(HookError(400, "From", "expected the handset's E.164 number"));
  }
  auto to = json::GetString(doc.value(), "To", &error);
  if (!error.ok() || !to || !IsAccountNumber(*to)) {
    return responder.Send(
        HookError(400, "To", "expected one of the account's numbers, e.g. +15005550006"));
  }
  auto body = json::GetString(doc.value(), "Body", &error);
  if (!error.ok() || !body)
    return responder.Send(HookError(400, "Body", "expected the reply text"));
  auto url_override = json::GetString(doc.value(), "Url", &error);
  if (!error.ok()) return responder.Send(HookError(400, "Url", "expected a URL string"));
  std::string url = url_override.value_or(inbound_url());
  std::string base, target;
  if (!url.empty() && !http::SplitUrl(url, &base, &target).ok()) {
    return responder.Send(HookError(400, "Url", "expected an absolute http(s) URL"));
  }

  // Opt-out keywords act on the gateway's list before the webhook, as Twilio does.
  Keyword keyword = ClassifyKeyword(*body);
  int64_t now = timeutil::NowSeconds();
  if (keyword == Keyword::kStop) stop_list_.Add(*from, *to, now);
  if (keyword == Keyword::kStart) stop_list_.Remove(*from, *to);

  sms::SegmentCount count = sms::CountSegments(*body);
  Message m;
  m.sid = NewSid("SM");
  m.account_sid = options_.account_sid;
  m.from = *from;
  m.to = *to;
  m.body = *body;
  m.direction = "inbound";
  m.status = "received";
  m.encoding = sms::SmsEncodingName(count.encoding);
  m.num_segments = count.segments;
  m.created_ms = timeutil::NowMillis();
  m.date_created_s = m.date_updated_s = now;
  m.date_sent_s = now;
  store_.Add(m);

  WebhookPost post;
  post.url = url;
  post.idempotency_token = crypto::RandomHex(16);
  post.params = {{"MessageSid", m.sid},
                 {"SmsMessageSid", m.sid},
                 {"SmsSid", m.sid},
                 {"AccountSid", m.account_sid},
                 {"From", m.from},
                 {"To", m.to},
                 {"Body", m.body},
                 {"NumMedia", "0"},
                 {"NumSegments", std::to_string(m.num_segments)},
                 {"SmsStatus", "received"},
                 {"ApiVersion", "2010-04-01"}};
  if (keyword != Keyword::kNone) post.params.emplace_back("OptOutType", KeywordName(keyword));

  if (url.empty()) {
    return responder.Send(
        http::JsonResponse(200, InboundAnswer(m.sid, post, keyword, std::nullopt, "")));
  }
  MessageStore* store = &store_;
  inbound_sender_.Post(post, [store, post, keyword, responder, sid = m.sid](
                                 const WebhookAttempt& result, bool last) {
    store->Update(sid, [&](Message& stored) {
      CallbackAttempt attempt;
      attempt.status = "received";
      attempt.url = post.url;
      attempt.idempotency_token = post.idempotency_token;
      attempt.http_status = result.http_status;
      attempt.error = result.error;
      attempt.warning = result.warning;
      attempt.attempt = result.number;
      attempt.at_ms = result.at_ms;
      stored.callbacks.push_back(attempt);
    });
    if (!last) return;
    std::optional<int> status;
    if (result.http_status != 0) status = result.http_status;
    responder.Send(
        http::JsonResponse(200, InboundAnswer(sid, post, keyword, status, result.error)));
  });
}

}  // namespace sfn::smsemu
