#include "sandbox/quiqemu/emulator.h"

#include "common/crypto.h"
#include "common/form.h"
#include "common/json.h"
#include "common/sms_segments.h"
#include "common/time_util.h"

namespace sfn::quiqemu {

namespace {

bool IsE164(const std::string& s) {
  if (s.size() < 8 || s.size() > 16 || s[0] != '+' || s[1] == '0') return false;
  return s.find_first_not_of("0123456789", 1) == std::string::npos;
}

// One row of a bulk request, read from either call's shape.
struct RequestRow {
  std::string handle;
  std::string text;
  std::string search_id;
  std::string problem;  // why the row is malformed ("" when fine)
};

const rapidjson::Value* Member(const rapidjson::Value& obj, const char* name) {
  if (!obj.IsObject()) return nullptr;
  auto it = obj.FindMember(name);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

std::string StringAt(const rapidjson::Value* v) {
  return v && v->IsString() ? v->GetString() : "";
}

RequestRow ReadNotifyRow(const rapidjson::Value& item) {
  RequestRow row;
  const auto* info = Member(item, "searchInfo");
  row.handle = StringAt(info ? Member(*info, "phoneNumber") : nullptr);
  row.search_id = StringAt(info ? Member(*info, "searchId") : nullptr);
  const auto* map = Member(item, "messageMap");
  const auto* def = map ? Member(*map, "default") : nullptr;
  row.text = StringAt(def ? Member(*def, "text") : nullptr);
  if (!info)
    row.problem = "searchInfo is required";
  else if (!def)
    row.problem = "messageMap.default is required";
  return row;
}

RequestRow ReadSendNotificationsRow(const rapidjson::Value& item) {
  RequestRow row;
  row.handle = StringAt(Member(item, "handle"));
  const auto* message = Member(item, "message");
  row.text = StringAt(message ? Member(*message, "text") : nullptr);
  const auto* info = Member(item, "searchInfo");
  row.search_id = StringAt(info ? Member(*info, "searchId") : nullptr);
  if (!Member(item, "handle"))
    row.problem = "handle is required";
  else if (!message)
    row.problem = "message is required";
  return row;
}

}  // namespace

http::Response QuiqError(int status, const std::string& message) {
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  doc.AddMember("status", status, a);
  doc.AddMember("message", json::Str(message, a), a);
  return http::JsonResponse(status, json::Serialize(doc));
}

Emulator::Emulator(EmulatorOptions options)
    : options_(std::move(options)), webhook_url_(options_.webhook_url) {}

Emulator::~Emulator() {
  ReleaseHeldRequests();
}

void Emulator::ReleaseHeldRequests() {
  std::vector<http::Responder> held;
  {
    std::lock_guard<std::mutex> lock(mu_);
    held.swap(held_);
  }
  for (auto& r : held)
    r.Send(QuiqError(504, "Gateway timeout after the notifications were accepted"));
}

bool Emulator::Authorized(const http::Request& request) const {
  std::string header = request.headers.Get("Authorization");
  const std::string prefix = "Basic ";
  if (header.compare(0, prefix.size(), prefix) != 0) return false;
  auto decoded = crypto::Base64Decode(header.substr(prefix.size()));
  if (!decoded.ok()) return false;
  return crypto::ConstantTimeEquals(*decoded, options_.identity + ":" + options_.secret);
}

void Emulator::Handle(http::Request&& request, http::Responder responder) {
  std::vector<std::string> parts = http::SplitPath(request.path);
  if (parts.size() == 2 && parts[0] == "__emulator")
    return HandleHook(request, parts[1], responder);
  if (parts.size() < 3 || parts[0] != "api" || parts[1] != "v1" || parts[2] != "messaging") {
    return responder.Send(QuiqError(404, "no such resource: " + request.path));
  }
  if (!Authorized(request)) return responder.Send(QuiqError(401, "Unauthorized"));
  if (parts.size() == 4 && parts[3] == "notify") {
    if (request.method != "POST") return responder.Send(QuiqError(405, "use POST"));
    return BulkSend(request, "notify", responder);
  }
  if (parts.size() == 6 && parts[3] == "platforms" && parts[5] == "send-notifications") {
    if (request.method != "POST") return responder.Send(QuiqError(405, "use POST"));
    if (parts[4] != "SMS") return responder.Send(QuiqError(400, "platform: only SMS is supported"));
    return BulkSend(request, "send-notifications", responder);
  }
  if (parts.size() == 4 && parts[3] == "notifications") {
    if (request.method != "GET") return responder.Send(QuiqError(405, "use GET"));
    return responder.Send(Lookup(request));
  }
  responder.Send(QuiqError(404, "no such resource: " + request.path));
}

void Emulator::BulkSend(const http::Request& request, const std::string& api,
                        http::Responder responder) {
  auto doc = json::Parse(request.body);
  if (!doc.ok() || !doc->IsObject())
    return responder.Send(QuiqError(400, "body: expected a JSON object"));
  std::string contact_point = StringAt(Member(doc.value(), "contactPoint"));
  if (contact_point.empty()) return responder.Send(QuiqError(400, "contactPoint: required"));
  const auto* list = Member(doc.value(), "notifications");
  if (!list || !list->IsArray() || list->Empty()) {
    return responder.Send(QuiqError(400, "notifications: required non-empty array"));
  }
  bool multiple = form::Get(form::Parse(request.query), "allowMultipleSegments") == "true";

  std::optional<smsemu::Fault> fault = faults_.Take();
  if (fault && fault->kind == smsemu::FaultKind::kHttp500)
    return responder.Send(QuiqError(500, "Internal error"));
  if (fault && fault->kind == smsemu::FaultKind::kHttp503)
    return responder.Send(QuiqError(503, "Unavailable"));
  if (fault && fault->kind == smsemu::FaultKind::kHttp429) {
    http::Response r = QuiqError(429, "Too many requests");
    r.headers.Set("Retry-After", "1");
    return responder.Send(r);
  }

  rapidjson::Document out(rapidjson::kObjectType);
  auto& a = out.GetAllocator();
  rapidjson::Value rows(rapidjson::kArrayType);
  {
    std::lock_guard<std::mutex> lock(mu_);
    int64_t call = static_cast<int64_t>(rows_per_call_.size()) + 1;
    rows_per_call_.push_back(list->Size());
    calls_by_api_[api]++;
    for (const auto& item : list->GetArray()) {
      RequestRow row = api == "notify" ? ReadNotifyRow(item) : ReadSendNotificationsRow(item);
      rapidjson::Value result(rapidjson::kObjectType);
      if (!row.search_id.empty()) result.AddMember("searchId", json::Str(row.search_id, a), a);
      result.AddMember("handle", json::Str(row.handle, a), a);
      auto count = sms::CountSegments(row.text);
      std::string code, message;
      if (!row.problem.empty()) {
        code = "INVALID_REQUEST", message = row.problem;
      } else if (!IsE164(row.handle)) {
        code = "INVALID_HANDLE", message = "handle must be an E.164 phone number";
      } else if (row.text.empty()) {
        code = "INVALID_REQUEST", message = "text is required";
      } else if (count.segments > 1 && !multiple) {
        code = "MESSAGE_TOO_LONG", message = "message needs allowMultipleSegments=true";
      } else if (stopped_.count({row.handle, contact_point})) {
        code = "OPTED_OUT", message = "the customer opted out of this contact point";
      } else if (auto it = handle_errors_.find(row.handle); it != handle_errors_.end()) {
        code = it->second, message = "refused for this handle";
      }
      if (!code.empty()) {
        rapidjson::Value error(rapidjson::kObjectType);
        error.AddMember("code", json::Str(code, a), a);
        error.AddMember("message", json::Str(message, a), a);
        result.AddMember("error", error, a);
      } else {
        StoredNotification n;
        n.id = "qn-" + std::to_string(next_id_++) + "-" + crypto::RandomHex(4);
        n.search_id = row.search_id;
        n.handle = row.handle;
        n.contact_point = contact_point;
        n.text = row.text;
        n.api = api;
        n.allow_multiple_segments = multiple;
        n.segments = count.segments;
        n.call = call;
        n.timestamp_ms = timeutil::NowMillis();
        result.AddMember("id", json::Str(n.id, a), a);
        notifications_.push_back(std::move(n));
      }
      rows.PushBack(result, a);
    }
  }
  out.AddMember("notifications", rows, a);
  if (fault && fault->kind == smsemu::FaultKind::kTimeoutAfterAccept) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      held_.push_back(responder);
    }
    timer_.RunAfter(fault->hold_ms, [responder] {
      responder.Send(QuiqError(504, "Gateway timeout after the notifications were accepted"));
    });
    return;
  }
  responder.Send(http::JsonResponse(201, json::Serialize(out)));
}

http::Response Emulator::Lookup(const http::Request& request) {
  std::string search_id = form::Get(form::Parse(request.query), "searchId");
  if (search_id.empty()) return QuiqError(400, "searchId: required");
  rapidjson::Document out(rapidjson::kObjectType);
  auto& a = out.GetAllocator();
  rapidjson::Value rows(rapidjson::kArrayType);
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& n : notifications_) {
    if (n.search_id != search_id) continue;
    rapidjson::Value row(rapidjson::kObjectType);
    row.AddMember("id", json::Str(n.id, a), a);
    row.AddMember("searchId", json::Str(n.search_id, a), a);
    row.AddMember("handle", json::Str(n.handle, a), a);
    row.AddMember("contactPoint", json::Str(n.contact_point, a), a);
    row.AddMember("timestamp", n.timestamp_ms, a);
    rows.PushBack(row, a);
  }
  out.AddMember("notifications", rows, a);
  return http::JsonResponse(200, json::Serialize(out));
}

}  // namespace sfn::quiqemu
