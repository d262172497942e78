#include "connector/intake/api_server.h"

#include <rapidjson/document.h>

#include <optional>
#include <sstream>

#include "common/crypto.h"
#include "common/form.h"
#include "common/json.h"
#include "common/json_writer.h"
#include "common/time_util.h"
#include "connector/compliance/phone_mask.h"
#include "common/utf8.h"
#include "salesforce/record_id.h"

namespace sfn::connector {

namespace {

void WritePreflight(json::Writer& w, const Preflight& p) {
  w.StartObject();
  w.Key("total");
  w.Int(p.total);
  w.Key("to_send");
  w.Int(p.to_send);
  w.Key("deferred");
  w.Int(p.deferred);
  w.Key("suppressed");
  w.Int(p.suppressed);
  w.KeyCounts("suppressed_by_reason", p.suppressed_by_reason);
  w.Key("segments");
  w.Int(p.segments);
  w.Key("estimated_cost");
  w.Double(p.estimated_cost);
  w.EndObject();
}
// What is wrong with one piece of request text ("" when it is fine): invalid UTF-8, or a NUL,
// which no field may hold (SQLite and C strings would cut the text there).
std::string TextProblem(std::string_view text) {
  size_t bad = utf8::FindInvalid(text);
  if (bad != std::string_view::npos) return "invalid UTF-8 at byte " + std::to_string(bad);
  if (text.find('\0') != std::string_view::npos) return "contains a NUL character";
  return "";
}

// The first string (member name or value) of a JSON document with a problem, by its path.
bool FindBadJsonText(const rapidjson::Value& v, const std::string& path, std::string* field,
                     std::string* problem) {
  if (v.IsString()) {
    *problem = TextProblem(std::string_view(v.GetString(), v.GetStringLength()));
    if (!problem->empty()) *field = path.empty() ? "body" : path;
    return !problem->empty();
  }
  if (v.IsArray()) {
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      if (FindBadJsonText(v[i], path + "[" + std::to_string(i) + "]", field, problem)) return true;
    }
  }
  if (v.IsObject()) {
    for (const auto& m : v.GetObject()) {
      std::string_view name(m.name.GetString(), m.name.GetStringLength());
      std::string member = path.empty() ? std::string(name) : path + "." + std::string(name);
      *problem = TextProblem(name);
      if (!problem->empty()) {
        *field = path.empty() ? "body" : path;  // a bad name cannot name itself
        return true;
      }
      if (FindBadJsonText(m.value, member, field, problem)) return true;
    }
  }
  return false;
}

// Every endpoint, webhooks included, refuses text that is not UTF-8 or holds a NUL, naming the
// path, query parameter, form parameter or JSON member it is in.
std::optional<http::Response> RefuseBadText(const http::Request& request) {
  auto refuse = [](const std::string& field, const std::string& problem) {
    return ApiError(400, "invalid_text", field + ": " + problem, field);
  };
  if (std::string problem = TextProblem(form::Decode(request.path)); !problem.empty())
    return refuse("path", problem);
  for (const auto& [name, value] : form::Parse(request.query)) {
    std::string problem = TextProblem(name);
    if (problem.empty()) problem = TextProblem(value);
    if (!problem.empty()) return refuse(TextProblem(name).empty() ? name : "query", problem);
  }
  if (request.body.empty()) return std::nullopt;
  std::string type = request.headers.Get("Content-Type");
  if (type.find("x-www-form-urlencoded") != std::string::npos) {
    for (const auto& [name, value] : form::Parse(request.body)) {
      std::string problem = TextProblem(name);
      if (problem.empty()) problem = TextProblem(value);
      if (!problem.empty()) return refuse(TextProblem(name).empty() ? name : "body", problem);
    }
    return std::nullopt;
  }
  auto doc = json::Parse(request.body);
  if (doc.ok()) {
    std::string field, problem;
    if (FindBadJsonText(doc.value(), "", &field, &problem)) return refuse(field, problem);
    return std::nullopt;
  }
  // Not JSON: the handler says why; the raw text must still be UTF-8.
  if (size_t bad = utf8::FindInvalid(request.body); bad != std::string_view::npos)
    return refuse("body", "invalid UTF-8 at byte " + std::to_string(bad));
  return std::nullopt;
}
}  // namespace

http::Response ApiError(int status, const std::string& code, const std::string& message, const std::string& field) {
  json::Writer w;
  w.StartObject();
  w.Key("error");
  w.StartObject();
  w.Key("code");
  w.Str(code);
  w.Key("message");
  w.Str(message);
  if (!field.empty()) {
    w.Key("field");
    w.Str(field);
  }
  w.EndObject();
  w.EndObject();
  return w.Response(status);
}

Result<NotificationRequest> ParseSendRequest(const std::string& body, size_t max_record_ids,
                                             std::string* field,
                                             const std::string& default_requested_by) {
  auto fail = [&](const std::string& f, const std::string& message) {
    *field = f;
    return Status::InvalidArgument(message);
  };
  auto doc = json::Parse(body);
  if (!doc.ok()) return fail("", "request body is not valid JSON: " + doc.status().message());
  if (!doc->IsObject()) return fail("", "request body must be a JSON object");
  const auto& root = doc.value();
  NotificationRequest r;
  r.source = "api";
  Status type_error;
  auto text = [&](const char* name, bool required, size_t max_len, std::string* out) -> bool {
    auto v = json::GetString(root, name, &type_error);
    if (!type_error.ok()) {
      *field = name;
      return false;
    }
    if (!v || v->empty()) {
      if (required) {
        type_error = Status::InvalidArgument(std::string("'") + name + "' is required");
        *field = name;
        return false;
      }
      return true;
    }
    if (v->size() > max_len) {
      type_error = Status::InvalidArgument(std::string("'") + name + "' is longer than " + std::to_string(max_len));
      *field = name;
      return false;
    }
    *out = *v;
    return true;
  };
  if (!text("request_id", true, 64, &r.request_id) ||
      !text("contact_point", true, 80, &r.contact_point) ||
      !text("requested_by", default_requested_by.empty(), 18, &r.requested_by) ||
      !text("message", false, 10000, &r.message) ||
      !text("template", false, 80, &r.template_name) ||
      !text("campaign_id", false, 18, &r.campaign_id)) {
    return type_error;
  }
  // An SMS carries text and line breaks; any other control character is a caller's bug (or an
  // attempt to smuggle something past a reviewer) and some gateways refuse it.
  if (size_t at = utf8::FindControl(r.message, "\n\t"); at != std::string_view::npos) {
    return fail("message", "'message' contains a control character at byte " + std::to_string(at) +
                               " (only line breaks \\n and tabs \\t are allowed)");
  }
  if (r.message.empty() && r.template_name.empty()) {
    return fail("message", "either 'message' or 'template' is required");
  }
  if (!r.requested_by.empty()) {
    auto user = salesforce::NormalizeId(r.requested_by);
    if (!user.ok() || salesforce::KeyPrefix(*user) != "005") {
      return fail("requested_by", "'requested_by' must be a Salesforce User Id (005...)");
    }
    r.requested_by = *user;
  }
  if (!r.campaign_id.empty()) {
    auto campaign = salesforce::NormalizeId(r.campaign_id);
    if (!campaign.ok() || salesforce::KeyPrefix(*campaign) != "701") {
      return fail("campaign_id", "'campaign_id' must be a Campaign Id (701...)");
    }
    r.campaign_id = *campaign;
  }
  auto ids = root.FindMember("record_ids");
  if (ids != root.MemberEnd() && !ids->value.IsNull()) {
    if (!ids->value.IsArray()) return fail("record_ids", "'record_ids' must be an array of Lead/Contact Ids");
    if (ids->value.Size() > max_record_ids) {
      return fail("record_ids", "'record_ids' has more than " + std::to_string(max_record_ids) + " entries");
    }
    for (rapidjson::SizeType i = 0; i < ids->value.Size(); ++i) {
      std::string f = "record_ids[" + std::to_string(i) + "]";
      if (!ids->value[i].IsString()) return fail(f, "record ids must be strings");
      auto id = salesforce::NormalizeId(ids->value[i].GetString());
      if (!id.ok()) return fail(f, id.status().message());
      auto prefix = salesforce::KeyPrefix(*id);
      if (prefix != "00Q" && prefix != "003") return fail(f, "'" + *id + "' is not a Lead or Contact Id");
      r.record_ids.push_back(*id);
    }
  }
  if (r.record_ids.empty() && r.campaign_id.empty()) {
    return fail("record_ids", "either 'record_ids' or 'campaign_id' is required");
  }
  return r;
}

ApiServer::ApiServer(ApiServerOptions options, Engine& engine) : options_(std::move(options)), engine_(engine) {}

ApiServer::~ApiServer() { Stop(); }

void ApiServer::AddRoutes(RouteHandler handler) { routes_.push_back(std::move(handler)); }

Status ApiServer::Start() {
  workers_ = std::make_unique<WorkQueue>(options_.worker_threads);
  http::ServerOptions server_options;
  server_options.host = options_.host;
  server_options.port = options_.port;
  server_options.limits = options_.limits;
  server_ = std::make_unique<http::Server>(server_options, [this](http::Request&& request,
                                                                  http::Responder responder) {
    Handle(std::move(request), responder);
  });
  return server_->Start();
}

void ApiServer::Stop() {
  if (server_) server_->Stop();
  workers_.reset();  // finishes queued work
  server_.reset();
}

std::string ApiServer::base_url() const { return server_ ? server_->base_url() : ""; }

std::optional<ApiRole> ApiServer::Authenticate(const http::Request& request) const {
  const ApiKeyEntry* key = FindKey(request);
  if (!key) return std::nullopt;
  return key->role;
}

const ApiKeyEntry* ApiServer::FindKey(const http::Request& request) const {
  std::string presented = request.headers.Get("X-API-Key");
  std::string auth = request.headers.Get("Authorization");
  if (presented.empty() && auth.rfind("Bearer ", 0) == 0) presented = auth.substr(7);
  if (presented.empty()) return nullptr;
  for (const auto& key : options_.keys) {
    if (!key.key.empty() && crypto::ConstantTimeEquals(presented, key.key)) return &key;
  }
  return nullptr;
}

Principal ApiServer::KeyPrincipal(const ApiKeyEntry& key) const {
  Principal p;
  p.role = key.role;
  p.user_id = key.salesforce_user;
  if (key.role == ApiRole::kSender && !key.salesforce_user.empty()) {
    // A person's key: it sees what its user would see signed in, numbers masked as for every
    // key below admin. Without a rights source it sees nothing (never fail open).
    if (user_rights_) p.rights = user_rights_(key.salesforce_user);
    p.rights.full_numbers = false;
    return p;
  }
  // Machines (admin and read keys): their role decides.
  p.rights.sees_all = true;
  p.rights.full_numbers = key.role == ApiRole::kAdmin;
  return p;
}

std::optional<Principal> ApiServer::AuthenticateViewer(const http::Request& request) const {
  if (const ApiKeyEntry* key = FindKey(request)) return KeyPrincipal(*key);
  if (sessions_) return sessions_(request);
  return std::nullopt;
}

void ApiServer::Handle(http::Request&& request, http::Responder responder) {
  if (auto refused = RefuseBadText(request)) {
    responder.Send(*refused);
    return;
  }
  for (auto& route : routes_) {
    if (route(request, responder)) return;
  }
  const std::string& path = request.path;
  if (path == "/healthz" && request.method == "GET") {
    responder.Send(http::JsonResponse(200, R"({"status":"ok"})"));
    return;
  }
  if (path == "/metrics" && request.method == "GET") {
    responder.Send(http::TextResponse(200, Metrics(), "text/plain; version=0.0.4"));
    return;
  }
  if (path.rfind("/v1/", 0) != 0) {
    responder.Send(ApiError(404, "not_found", "no such endpoint: " + path));
    return;
  }
  const ApiKeyEntry* key = FindKey(request);
  auto role = key ? std::optional<ApiRole>(key->role) : std::nullopt;
  if (!role) {
    responder.Send(ApiError(401, "unauthenticated", "a valid API key is required (Authorization: Bearer <key>)"));
    return;
  }
  if (path == "/v1/notifications") {
    if (request.method != "POST") {
      responder.Send(ApiError(405, "method_not_allowed", "use POST"));
      return;
    }
    if (*role == ApiRole::kRead) {
      responder.Send(ApiError(403, "forbidden", "this API key may only read"));
      return;
    }
    auto req = std::make_shared<http::Request>(std::move(request));
    workers_->Post([this, req, key, responder] { PostNotification(*req, *key, responder); });
    return;
  }
  const std::string by_request = "/v1/notifications/by-request/";
  if (path.rfind(by_request, 0) == 0 && request.method == "GET") {
    auto id = engine_.store().NotificationIdForRequest(form::Decode(path.substr(by_request.size())));
    if (!id) {
      responder.Send(ApiError(404, "not_found", "no notification for that request id", "request_id"));
      return;
    }
    GetNotification(*id, KeyPrincipal(*key), responder);
    return;
  }
  const std::string prefix = "/v1/notifications/";
  if (path.rfind(prefix, 0) == 0 && request.method == "GET") {
    GetNotification(form::Decode(path.substr(prefix.size())), KeyPrincipal(*key), responder);
    return;
  }
  responder.Send(ApiError(404, "not_found", "no such endpoint: " + path));
}

void ApiServer::PostNotification(const http::Request& request, const ApiKeyEntry& key,
                                 http::Responder responder) {
  bool dry_run = false;
  for (const auto& [name, value] : form::Parse(request.query)) {
    if (name == "dry_run") dry_run = value == "true" || value == "1";
  }
  std::string field;
  auto parsed =
      ParseSendRequest(request.body, options_.max_record_ids, &field, key.salesforce_user);
  if (!parsed.ok()) {
    responder.Send(ApiError(400, "invalid_request", parsed.status().message(), field));
    return;
  }
  NotificationRequest& send = parsed.value();
  if (key.role == ApiRole::kSender && !send.requested_by.empty() &&
      send.requested_by != key.salesforce_user) {
    responder.Send(
        ApiError(403, "forbidden",
                 "API key '" + key.name + "' sends only as Salesforce user " + key.salesforce_user +
                     "; 'requested_by' names another user (only an admin key may act for others)",
                 "requested_by"));
    return;
  }
  if (send.requested_by.empty()) send.requested_by = key.salesforce_user;
  if (send.requested_by.empty()) {
    responder.Send(
        ApiError(400, "invalid_request",
                 "'requested_by' is required: API key '" + key.name + "' has no salesforce_user",
                 "requested_by"));
    return;
  }
  send.api_key = key.name;
  auto outcome = engine_.Submit(send, dry_run);
  if (!outcome.ok()) {
    const Status& s = outcome.status();
    if (s.code() == StatusCode::kConflict) {
      responder.Send(ApiError(409, "conflict", s.message(), "request_id"));
    } else if (s.code() == StatusCode::kInvalidArgument) {
      responder.Send(ApiError(422, "invalid_request", s.message()));
    } else {
      // Kept and retried by the engine; the caller may poll the id or repeat the request.
      responder.Send(ApiError(503, "unavailable", s.message()));
    }
    return;
  }
  json::Writer w;
  w.StartObject();
  if (!dry_run) {
    w.Key("notification_id");
    w.Str(outcome->notification_id);
    w.Key("created");
    w.Bool(outcome->created);
  }
  w.Key("dry_run");
  w.Bool(dry_run);
  w.Key("status");
  w.String(NotificationStatusName(outcome->status));
  if (!outcome->refusal_reason.empty()) {
    w.Key("refusal_reason");
    w.Str(outcome->refusal_reason);
    w.Key("refusal_detail");
    w.Str(outcome->refusal_detail);
  }
  w.Key("preflight");
  WritePreflight(w, outcome->preflight);
  w.EndObject();
  int status = dry_run ? 200 : (outcome->status == NotificationStatus::kRefused ? 403 : 202);
  responder.Send(w.Response(status));
}

void ApiServer::GetNotification(const std::string& id, const Principal& viewer,
                                http::Responder responder) {
  auto n = engine_.store().GetNotification(id);
  if (!n.ok()) {
    responder.Send(ApiError(404, "not_found", n.status().message(), "id"));
    return;
  }
  if (!CanSee(viewer.rights, n->request.contact_point)) {
    responder.Send(ApiError(403, "forbidden",
                            "this key's user holds no role of contact point '" +
                                n->request.contact_point + "'",
                            "contact_point"));
    return;
  }
  const bool mask_phones = !viewer.rights.full_numbers;
  json::Writer w;
  w.StartObject();
  w.Key("notification_id");
  w.Str(n->id);
  w.Key("request_id");
  w.Str(n->request.request_id);
  w.Key("status");
  w.String(NotificationStatusName(n->status));
  w.Key("contact_point");
  w.Str(n->request.contact_point);
  w.Key("requested_by");
  w.Str(n->request.requested_by);
  w.Key("created_at");
  w.Str(timeutil::FormatRfc3339Millis(n->created_ms));
  if (!n->refusal_reason.empty()) {
    w.Key("refusal_reason");
    w.Str(mask_phones ? MaskPhonesInText(n->refusal_reason) : n->refusal_reason);
  }
  w.Key("phones_masked");
  w.Bool(mask_phones);
  std::map<std::string, int> by_state;
  w.Key("recipients");
  w.StartArray();
  for (const auto& r : engine_.store().Recipients(id)) {
    by_state[RecipientStateName(r.state)]++;
    w.StartObject();
    w.Key("record_id");
    w.Str(r.plan.record_id);
    w.Key("object");
    w.Str(r.plan.object_type);
    w.Key("phone");
    w.Str(mask_phones ? MaskPhone(r.plan.phone_e164) : r.plan.phone_e164);
    w.Key("state");
    w.String(RecipientStateName(r.state));
    w.Key("reason");
    w.Str(r.reason);
    w.Key("segments");
    w.Int(r.plan.segments);
    w.Key("gateway_sid");
    w.Str(r.gateway_sid);
    w.Key("error_code");
    w.Int(r.error_code);
    w.Key("task_id");
    w.Str(r.task_id);
    w.Key("task_state");
    w.Str(r.task_state);
    w.Key("responded");
    w.Bool(r.responded);
    w.Key("updated_at");
    w.Str(timeutil::FormatRfc3339Millis(r.updated_ms));
    w.EndObject();
  }
  w.EndArray();
  w.Key("counts");
  w.StartObject();
  for (const auto& [state, count] : by_state) {
    w.Key(state.c_str());
    w.Int(count);
  }
  w.EndObject();
  w.EndObject();
  responder.Send(w.Response(200));
}

std::string ApiServer::Metrics() {
  StoreCounters c = engine_.store().Counters();
  std::ostringstream out;
  out << "# HELP sfnotify_recipients Recipients in the outbox by state.\n"
      << "# TYPE sfnotify_recipients gauge\n";
  const std::pair<const char*, int64_t> states[] = {
      {"pending", c.pending},     {"deferred", c.deferred},   {"sending", c.sending},
      {"accepted", c.accepted},   {"sent", c.sent},           {"delivered", c.delivered},
      {"undelivered", c.undelivered}, {"failed", c.failed},   {"suppressed", c.suppressed}};
  for (const auto& [state, n] : states) out << "sfnotify_recipients{state=\"" << state << "\"} " << n << "\n";
  out << "# HELP sfnotify_queue_depth Recipients waiting to be sent (pending + deferred + sending).\n"
      << "# TYPE sfnotify_queue_depth gauge\n"
      << "sfnotify_queue_depth " << (c.pending + c.deferred + c.sending) << "\n"
      << "# HELP sfnotify_tasks Task write-back by state.\n# TYPE sfnotify_tasks gauge\n"
      << "sfnotify_tasks{state=\"pending\"} " << c.tasks_pending << "\n"
      << "sfnotify_tasks{state=\"written\"} " << c.tasks_written << "\n";
  if (metrics_source_) out << metrics_source_();
  return out.str();
}

}  // namespace sfn::connector
