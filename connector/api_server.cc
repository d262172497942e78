#include "connector/api_server.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <sstream>

#include "common/crypto.h"
#include "common/form.h"
#include "common/json.h"
#include "common/time_util.h"
#include "salesforce/record_id.h"

namespace sfn::connector {

namespace {
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void WriteString(Writer& w, const std::string& s) { w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size())); }

void WritePreflight(Writer& w, const Preflight& p) {
  w.StartObject();
  w.Key("total");
  w.Int(p.total);
  w.Key("to_send");
  w.Int(p.to_send);
  w.Key("deferred");
  w.Int(p.deferred);
  w.Key("suppressed");
  w.Int(p.suppressed);
  w.Key("suppressed_by_reason");
  w.StartObject();
  for (const auto& [reason, n] : p.suppressed_by_reason) {
    w.Key(reason.c_str());
    w.Int(n);
  }
  w.EndObject();
  w.Key("segments");
  w.Int(p.segments);
  w.Key("estimated_cost");
  w.Double(p.estimated_cost);
  w.EndObject();
}
}  // namespace

http::Response ApiError(int status, const std::string& code, const std::string& message, const std::string& field) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("error");
  w.StartObject();
  w.Key("code");
  WriteString(w, code);
  w.Key("message");
  WriteString(w, message);
  if (!field.empty()) {
    w.Key("field");
    WriteString(w, field);
  }
  w.EndObject();
  w.EndObject();
  return http::JsonResponse(status, buf.GetString());
}

Result<NotificationRequest> ParseSendRequest(const std::string& body, size_t max_record_ids, std::string* field) {
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
  if (!text("request_id", true, 64, &r.request_id) || !text("contact_point", true, 80, &r.contact_point) ||
      !text("requested_by", true, 18, &r.requested_by) || !text("message", false, 10000, &r.message) ||
      !text("template", false, 80, &r.template_name) || !text("campaign_id", false, 18, &r.campaign_id)) {
    return type_error;
  }
  if (r.message.empty() && r.template_name.empty()) {
    return fail("message", "either 'message' or 'template' is required");
  }
  auto user = salesforce::NormalizeId(r.requested_by);
  if (!user.ok() || salesforce::KeyPrefix(*user) != "005") {
    return fail("requested_by", "'requested_by' must be a Salesforce User Id (005...)");
  }
  r.requested_by = *user;
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
  std::string presented = request.headers.Get("X-API-Key");
  std::string auth = request.headers.Get("Authorization");
  if (presented.empty() && auth.rfind("Bearer ", 0) == 0) presented = auth.substr(7);
  if (presented.empty()) return std::nullopt;
  for (const auto& key : options_.keys) {
    if (!key.key.empty() && crypto::ConstantTimeEquals(presented, key.key)) return key.role;
  }
  return std::nullopt;
}

void ApiServer::Handle(http::Request&& request, http::Responder responder) {
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
  auto role = Authenticate(request);
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
    workers_->Post([this, req, responder] { PostNotification(*req, responder); });
    return;
  }
  const std::string by_request = "/v1/notifications/by-request/";
  if (path.rfind(by_request, 0) == 0 && request.method == "GET") {
    auto id = engine_.store().NotificationIdForRequest(form::Decode(path.substr(by_request.size())));
    if (!id) {
      responder.Send(ApiError(404, "not_found", "no notification for that request id", "request_id"));
      return;
    }
    GetNotification(*id, responder);
    return;
  }
  const std::string prefix = "/v1/notifications/";
  if (path.rfind(prefix, 0) == 0 && request.method == "GET") {
    GetNotification(form::Decode(path.substr(prefix.size())), responder);
    return;
  }
  responder.Send(ApiError(404, "not_found", "no such endpoint: " + path));
}

void ApiServer::PostNotification(const http::Request& request, http::Responder responder) {
  bool dry_run = false;
  for (const auto& [name, value] : form::Parse(request.query)) {
    if (name == "dry_run") dry_run = value == "true" || value == "1";
  }
  std::string field;
  auto parsed = ParseSendRequest(request.body, options_.max_record_ids, &field);
  if (!parsed.ok()) {
    responder.Send(ApiError(400, "invalid_request", parsed.status().message(), field));
    return;
  }
  auto outcome = engine_.Submit(parsed.value(), dry_run);
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
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  if (!dry_run) {
    w.Key("notification_id");
    WriteString(w, outcome->notification_id);
    w.Key("created");
    w.Bool(outcome->created);
  }
  w.Key("dry_run");
  w.Bool(dry_run);
  w.Key("status");
  w.String(NotificationStatusName(outcome->status));
  if (!outcome->refusal_reason.empty()) {
    w.Key("refusal_reason");
    WriteString(w, outcome->refusal_reason);
    w.Key("refusal_detail");
    WriteString(w, outcome->refusal_detail);
  }
  w.Key("preflight");
  WritePreflight(w, outcome->preflight);
  w.EndObject();
  int status = dry_run ? 200 : (outcome->status == NotificationStatus::kRefused ? 403 : 202);
  responder.Send(http::JsonResponse(status, buf.GetString()));
}

void ApiServer::GetNotification(const std::string& id, http::Responder responder) {
  auto n = engine_.store().GetNotification(id);
  if (!n.ok()) {
    responder.Send(ApiError(404, "not_found", n.status().message(), "id"));
    return;
  }
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("notification_id");
  WriteString(w, n->id);
  w.Key("request_id");
  WriteString(w, n->request.request_id);
  w.Key("status");
  w.String(NotificationStatusName(n->status));
  w.Key("contact_point");
  WriteString(w, n->request.contact_point);
  w.Key("requested_by");
  WriteString(w, n->request.requested_by);
  w.Key("created_at");
  WriteString(w, timeutil::FormatRfc3339Millis(n->created_ms));
  if (!n->refusal_reason.empty()) {
    w.Key("refusal_reason");
    WriteString(w, n->refusal_reason);
  }
  std::map<std::string, int> by_state;
  w.Key("recipients");
  w.StartArray();
  for (const auto& r : engine_.store().Recipients(id)) {
    by_state[RecipientStateName(r.state)]++;
    w.StartObject();
    w.Key("record_id");
    WriteString(w, r.plan.record_id);
    w.Key("object");
    WriteString(w, r.plan.object_type);
    w.Key("phone");
    WriteString(w, r.plan.phone_e164);
    w.Key("state");
    w.String(RecipientStateName(r.state));
    w.Key("reason");
    WriteString(w, r.reason);
    w.Key("segments");
    w.Int(r.plan.segments);
    w.Key("gateway_sid");
    WriteString(w, r.gateway_sid);
    w.Key("error_code");
    w.Int(r.error_code);
    w.Key("task_id");
    WriteString(w, r.task_id);
    w.Key("task_state");
    WriteString(w, r.task_state);
    w.Key("responded");
    w.Bool(r.responded);
    w.Key("updated_at");
    WriteString(w, timeutil::FormatRfc3339Millis(r.updated_ms));
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
  responder.Send(http::JsonResponse(200, buf.GetString()));
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
