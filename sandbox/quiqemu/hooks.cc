// quiqemu's test hooks under /__emulator/ (docs/quiq.md lists them).
#include <algorithm>
#include <cctype>

#include "common/crypto.h"
#include "common/http_client.h"
#include "common/json.h"
#include "common/time_util.h"
#include "sandbox/quiqemu/emulator.h"

namespace sfn::quiqemu {

namespace {

std::string Upper(std::string s) {
  auto not_space = [](unsigned char c) {
    return !std::isspace(c) && c != '.' && c != '!' && c != '?';
  };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

http::Response Json(int status, const rapidjson::Value& v) {
  return http::JsonResponse(status, json::Serialize(v));
}

std::string Guid() {
  std::string h = crypto::RandomHex(16);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

}  // namespace

http::Response HookError(const std::string& field, const std::string& problem) {
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  doc.AddMember("error", json::Str(field + ": " + problem, a), a);
  doc.AddMember("field", json::Str(field, a), a);
  return Json(400, doc);
}

void Emulator::HandleHook(const http::Request& request, const std::string& hook,
                          http::Responder responder) {
  bool get = request.method == "GET", post = request.method == "POST";
  if (hook == "messages" && get) return responder.Send(MessagesHook());
  if (hook == "calls" && get) return responder.Send(CallsHook());
  if (hook == "faults" && (get || post)) return responder.Send(FaultsHook(request));
  if (hook == "handles" && post) return responder.Send(HandlesHook(request));
  if (hook == "webhook_url" && post) return responder.Send(WebhookUrlHook(request));
  if (hook == "reply" && post) return ReplyHook(request, responder);
  if (hook == "replay" && post) return ReplayHook(request, responder);
  if (hook == "reset" && post) {
    faults_.Clear();
    timer_.CancelAll();
    ReleaseHeldRequests();
    std::lock_guard<std::mutex> lock(mu_);
    notifications_.clear();
    calls_by_api_.clear();
    rows_per_call_.clear();
    handle_errors_.clear();
    stopped_.clear();
    conversations_.clear();
    events_.clear();
    webhook_url_ = options_.webhook_url;
    return responder.Send(http::JsonResponse(200, "{}"));
  }
  responder.Send(QuiqError(404, "no such hook: " + request.method + " /__emulator/" + hook));
}

http::Response Emulator::MessagesHook() {
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  rapidjson::Value list(rapidjson::kArrayType);
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& n : notifications_) {
    rapidjson::Value m(rapidjson::kObjectType);
    m.AddMember("id", json::Str(n.id, a), a);
    m.AddMember("searchId", json::Str(n.search_id, a), a);
    m.AddMember("handle", json::Str(n.handle, a), a);
    m.AddMember("contactPoint", json::Str(n.contact_point, a), a);
    m.AddMember("text", json::Str(n.text, a), a);
    m.AddMember("api", json::Str(n.api, a), a);
    m.AddMember("allowMultipleSegments", n.allow_multiple_segments, a);
    m.AddMember("segments", n.segments, a);
    m.AddMember("call", n.call, a);
    m.AddMember("timestamp", n.timestamp_ms, a);
    list.PushBack(m, a);
  }
  doc.AddMember("messages", list, a);
  return Json(200, doc);
}

http::Response Emulator::CallsHook() {
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  std::lock_guard<std::mutex> lock(mu_);
  doc.AddMember("calls", static_cast<int64_t>(rows_per_call_.size()), a);
  rapidjson::Value by_api(rapidjson::kObjectType);
  for (const auto& [api, n] : calls_by_api_)
    by_api.AddMember(json::Str(api, a), rapidjson::Value(static_cast<int64_t>(n)), a);
  doc.AddMember("by_api", by_api, a);
  rapidjson::Value rows(rapidjson::kArrayType);
  for (int64_t n : rows_per_call_) rows.PushBack(rapidjson::Value(n), a);
  doc.AddMember("notifications_per_call", rows, a);
  return Json(200, doc);
}

http::Response Emulator::FaultsHook(const http::Request& request) {
  if (request.method == "POST") {
    auto doc = json::Parse(request.body);
    if (!doc.ok() || !doc->IsObject()) return HookError("body", "expected a JSON object");
    smsemu::FaultKind kind;
    auto name = json::GetString(doc.value(), "fault");
    if (!name || !smsemu::ParseFaultKind(*name, &kind)) {
      return HookError("fault", "expected http_500, http_503, http_429 or timeout_after_accept");
    }
    Status type_error;
    int64_t count = json::GetInt(doc.value(), "count", &type_error).value_or(1);
    int64_t hold = json::GetInt(doc.value(), "hold_ms", &type_error).value_or(60000);
    if (!type_error.ok()) return HookError("count", type_error.message());
    if (count < 1 || count > 10000) return HookError("count", "expected 1-10000");
    if (hold < 0 || hold > 3600000) return HookError("hold_ms", "expected 0-3600000");
    faults_.Arm({kind, static_cast<int>(hold)}, static_cast<int>(count));
  }
  rapidjson::Document out(rapidjson::kObjectType);
  auto& a = out.GetAllocator();
  rapidjson::Value list(rapidjson::kArrayType);
  for (const auto& f : faults_.Pending())
    list.PushBack(rapidjson::StringRef(smsemu::FaultKindName(f.kind)), a);
  out.AddMember("pending", list, a);
  return Json(200, out);
}

http::Response Emulator::HandlesHook(const http::Request& request) {
  auto doc = json::Parse(request.body);
  if (!doc.ok() || !doc->IsObject()) return HookError("body", "expected a JSON object");
  auto handle = json::GetString(doc.value(), "handle");
  if (!handle || handle->empty()) return HookError("handle", "required");
  auto error = json::GetString(doc.value(), "error");
  std::lock_guard<std::mutex> lock(mu_);
  if (!error || error->empty()) {
    handle_errors_.erase(*handle);
  } else {
    handle_errors_[*handle] = *error;
  }
  return http::JsonResponse(200, "{}");
}

http::Response Emulator::WebhookUrlHook(const http::Request& request) {
  auto doc = json::Parse(request.body);
  if (!doc.ok() || !doc->IsObject()) return HookError("body", "expected a JSON object");
  auto url = json::GetString(doc.value(), "url");
  if (!url) return HookError("url", "required (\"\" clears it)");
  if (!url->empty() && url->rfind("http://", 0) != 0 && url->rfind("https://", 0) != 0) {
    return HookError("url", "expected an absolute http(s) URL");
  }
  std::lock_guard<std::mutex> lock(mu_);
  webhook_url_ = *url;
  return http::JsonResponse(200, "{}");
}

void Emulator::ReplyHook(const http::Request& request, http::Responder responder) {
  auto doc = json::Parse(request.body);
  if (!doc.ok() || !doc->IsObject())
    return responder.Send(HookError("body", "expected a JSON object"));
  std::string handle = json::GetString(doc.value(), "handle").value_or("");
  std::string text = json::GetString(doc.value(), "text").value_or("");
  if (handle.empty()) return responder.Send(HookError("handle", "required"));
  if (text.empty()) return responder.Send(HookError("text", "required"));
  std::string contact_point = json::GetString(doc.value(), "contactPoint").value_or("");
  std::string event_id = json::GetString(doc.value(), "id").value_or("");
  std::string token = json::GetString(doc.value(), "hook_token").value_or(options_.hook_secret);
  std::string event_type =
      json::GetString(doc.value(), "eventType").value_or("ConversationRequested");
  int64_t now = timeutil::NowMillis();

  std::string url, conversation_id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    url = json::GetString(doc.value(), "url").value_or(webhook_url_);
    if (contact_point.empty()) {
      // The contact point that last notified this handle (a reply goes back to it).
      contact_point = "default";
      for (auto it = notifications_.rbegin(); it != notifications_.rend(); ++it) {
        if (it->handle == handle) {
          contact_point = it->contact_point;
          break;
        }
      }
    }
    std::string keyword = Upper(text);
    if (keyword == "STOP" || keyword == "UNSUBSCRIBE" || keyword == "CANCEL" || keyword == "QUIT") {
      stopped_.insert({handle, contact_point});
    } else if (keyword == "START" || keyword == "UNSTOP") {
      stopped_.erase({handle, contact_point});
    }
    auto& conv = conversations_[{handle, contact_point}];
    if (conv.empty()) conv = "conv-" + crypto::RandomHex(8);
    conversation_id = conv;
    if (event_id.empty()) event_id = Guid();
  }

  rapidjson::Document event(rapidjson::kObjectType);
  auto& a = event.GetAllocator();
  event.AddMember("id", json::Str(event_id, a), a);
  event.AddMember("eventType", json::Str(event_type, a), a);
  event.AddMember("timestamp", now, a);
  rapidjson::Value data(rapidjson::kObjectType);
  data.AddMember("id", json::Str(conversation_id, a), a);
  data.AddMember("status", "pending", a);
  data.AddMember("owner", rapidjson::Value(rapidjson::kNullType), a);
  data.AddMember("customerPlatform", "SMS", a);
  data.AddMember("customerHandle", json::Str(handle, a), a);
  data.AddMember("contactPointId", json::Str(contact_point, a), a);
  rapidjson::Value messages(rapidjson::kArrayType);
  rapidjson::Value message(rapidjson::kObjectType);
  message.AddMember("id", json::Str("msg-" + crypto::RandomHex(8), a), a);
  message.AddMember("fromCustomer", true, a);
  message.AddMember("author", json::Str(handle, a), a);
  message.AddMember("text", json::Str(text, a), a);
  message.AddMember("assets", rapidjson::Value(rapidjson::kArrayType), a);
  message.AddMember("timestamp", now, a);
  messages.PushBack(message, a);
  data.AddMember("messages", messages, a);
  data.AddMember("events", rapidjson::Value(rapidjson::kArrayType), a);
  data.AddMember("startTime", now, a);
  event.AddMember("data", data, a);
  std::string envelope = json::Serialize(event);
  {
    std::lock_guard<std::mutex> lock(mu_);
    events_[event_id] = envelope;
  }
  PostEvent(envelope, token, url, responder);
}

void Emulator::ReplayHook(const http::Request& request, http::Responder responder) {
  auto doc = json::Parse(request.body);
  if (!doc.ok() || !doc->IsObject())
    return responder.Send(HookError("body", "expected a JSON object"));
  std::string id = json::GetString(doc.value(), "id").value_or("");
  std::string envelope, url;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = events_.find(id);
    if (it == events_.end())
      return responder.Send(HookError("id", "no event with this id was posted"));
    envelope = it->second;
    url = webhook_url_;
  }
  std::string token = json::GetString(doc.value(), "hook_token").value_or(options_.hook_secret);
  PostEvent(envelope, token, url, responder);
}

void Emulator::PostEvent(const std::string& envelope, const std::string& token,
                         const std::string& url, http::Responder responder) {
  int timeout_ms = options_.webhook_timeout_ms;
  webhooks_.Post([envelope, token, url, responder, timeout_ms] {
    rapidjson::Document out(rapidjson::kObjectType);
    auto& a = out.GetAllocator();
    auto event = json::Parse(envelope);
    rapidjson::Value copy;
    copy.CopyFrom(event.value(), a);
    out.AddMember("event", copy, a);
    out.AddMember("url", json::Str(url, a), a);
    if (url.empty()) {
      out.AddMember("webhook_status", rapidjson::Value(rapidjson::kNullType), a);
      return responder.Send(http::JsonResponse(200, json::Serialize(out)));
    }
    std::string base, target;
    Status split = http::SplitUrl(url, &base, &target);
    if (!split.ok()) return responder.Send(HookError("url", split.message()));
    http::ClientOptions client_options;
    client_options.timeout = std::chrono::milliseconds(timeout_ms);
    http::Client client(base, client_options);
    http::Request post;
    post.method = "POST";
    http::SplitTarget(target, &post.path, &post.query);
    post.body = envelope;
    post.headers.Set("Content-Type", "application/json");
    post.headers.Set("X-Centricient-Hook-Token", token);
    post.headers.Set("User-Agent", "quiqemu-webhooks");
    auto answer = client.Send(post);
    if (answer.ok()) {
      out.AddMember("webhook_status", answer->status, a);
      out.AddMember("webhook_body", json::Str(answer->body, a), a);
    } else {
      out.AddMember("webhook_status", rapidjson::Value(rapidjson::kNullType), a);
      out.AddMember("webhook_error", json::Str(answer.status().message(), a), a);
    }
    responder.Send(http::JsonResponse(200, json::Serialize(out)));
  });
}

}  // namespace sfn::quiqemu
