#include "connector/history/history_api.h"


#include <cctype>
#include <set>

#include "common/form.h"
#include "common/json_writer.h"
#include "common/time_util.h"
#include "connector/history/history_web.h"
#include "connector/outbox/recipient_state.h"
#include "salesforce/record_id.h"

namespace sfn::connector {

namespace {


// A parameter problem: 400 naming the parameter.
struct ParamError {
  std::string field, message;
};

// "2024-05-14" (start of that UTC day) or RFC 3339.
std::optional<int64_t> ParseTime(const std::string& text) {
  if (text.size() == 10 && text[4] == '-' && text[7] == '-') {
    auto t = timeutil::ParseRfc3339(text + "T00:00:00Z");
    if (t.ok()) return *t;
    return std::nullopt;
  }
  auto t = timeutil::ParseRfc3339(text);
  if (!t.ok()) return std::nullopt;
  return *t;
}

std::optional<ParamError> ParseListParams(const std::string& query, const PhoneNormalizer& phones,
                                          HistoryFilter* filter, std::string* cursor, int* limit) {
  static const std::set<std::string> kKnown = {
      "from",   "to", "contact_point", "requested_by", "record_id", "phone", "status",
      "reason", "q",  "cursor",        "limit"};
  for (const auto& [name, value] : form::Parse(query)) {
    if (!kKnown.count(name)) return ParamError{name, "unknown parameter '" + name + "'"};
    if (value.empty()) continue;
    if (value.size() > 200) return ParamError{name, "'" + name + "' is longer than 200 characters"};
    if (name == "from" || name == "to") {
      auto t = ParseTime(value);
      if (!t)
        return ParamError{name, "'" + name + "' must be a date (YYYY-MM-DD) or an RFC 3339 time"};
      (name == "from" ? filter->from_ms : filter->to_ms) = *t;
    } else if (name == "contact_point") {
      filter->contact_point = value;
    } else if (name == "requested_by" || name == "record_id") {
      // An Id, or else a name (the whole Name, any case). Letters and digits starting with a
      // digit are taken for a mistyped Id (names do not start so), so a typo is not a name search.
      auto id = salesforce::NormalizeId(value);
      if (!id.ok()) {
        bool id_like = std::isdigit(static_cast<unsigned char>(value[0])) != 0;
        for (char c : value) id_like = id_like && std::isalnum(static_cast<unsigned char>(c)) != 0;
        if (id_like) {
          return ParamError{name, "'" + name + "' is neither a name nor a Salesforce Id: " +
                                      id.status().message()};
        }
        (name == "requested_by" ? filter->requested_by_name : filter->record_name) = value;
        continue;
      }
      if (name == "requested_by") {
        if (salesforce::KeyPrefix(*id) != "005")
          return ParamError{name, "'requested_by' must be a User Id (005...)"};
        filter->requested_by = *id;
      } else {
        filter->record_id = *id;
      }
    } else if (name == "phone") {
      auto number = phones.Normalize(value);
      if (!number.ok()) return ParamError{name, "'phone' is not a valid phone number"};
      filter->phone_e164 = number->e164;
    } else if (name == "status") {
      if (value == "received" || value == "refused" || value == "sending" || value == "done") {
        filter->status = value;
      } else if (ParseRecipientState(value)) {
        filter->recipient_state = value;
      } else {
        return ParamError{
            name,
            "'status' must be a notification status (received, refused, sending, done) or a "
            "recipient state (pending, deferred, suppressed, sending, accepted, sent, delivered, "
            "undelivered, failed)"};
      }
    } else if (name == "reason") {
      filter->reason = value;
    } else if (name == "q") {
      filter->text = value;
    } else if (name == "cursor") {
      if (!DecodeHistoryCursor(value).ok())
        return ParamError{name, "'cursor' is not a cursor returned by this API"};
      *cursor = value;
    } else if (name == "limit") {
      char* end = nullptr;
      long n = std::strtol(value.c_str(), &end, 10);
      if (*end != '\0' || n < 1 || n > 500)
        return ParamError{name, "'limit' must be an integer from 1 to 500"};
      *limit = static_cast<int>(n);
    }
  }
  if (filter->from_ms && filter->to_ms && filter->from_ms >= filter->to_ms) {
    return ParamError{"from", "'from' must be before 'to'"};
  }
  return std::nullopt;
}

void WriteSummary(json::Writer& w, const NotificationSummary& s,
                  const std::string& requested_by_url) {
  w.KeyStr("notification_id", s.id);
  w.KeyStr("request_id", s.request_id);
  w.KeyTime("created_at", s.created_ms);
  w.KeyTime("updated_at", s.updated_ms);
  w.KeyStr("contact_point", s.contact_point);
  w.KeyStr("requested_by", s.requested_by);
  w.KeyStr("requested_by_name", s.requested_by_name);
  w.KeyStr("requested_by_url", requested_by_url);
  w.KeyStr("source", s.source);
  w.KeyStr("status", s.status);
  w.KeyStr("refusal_reason", s.refusal_reason);
  w.KeyStr("message", s.message);
  w.KeyStr("template", s.template_name);
  w.KeyStr("campaign_id", s.campaign_id);
  w.Key("recipients");
  w.Int(s.recipients);
  w.Key("segments");
  w.Int(s.segments);
  w.Key("responded");
  w.Int(s.responded);
  w.KeyCounts("counts", s.by_state);
}

void WriteUsageRow(json::Writer& w, const UsageRow& row) {
  w.StartObject();
  w.KeyStr("key", row.key);
  if (!row.name.empty()) w.KeyStr("name", row.name);
  w.Key("messages");
  w.Int64(row.messages);
  w.Key("segments");
  w.Int64(row.segments);
  w.Key("billable_units");
  w.Int64(row.billable_units);
  w.Key("estimated_cost");
  // Rounded to 1/10,000 of the currency unit: what a price per segment like 0.0079 needs.
  w.Double(static_cast<double>(static_cast<int64_t>(row.estimated_cost * 10000 + 0.5)) / 10000);
  w.Key("failed");
  w.Int64(row.failed);
  w.Key("suppressed");
  w.Int64(row.suppressed);
  w.KeyCounts("suppressed_by_reason", row.suppressed_by_reason);
  w.EndObject();
}

http::Response StatusError(const Status& s, const std::string& field) {
  if (s.code() == StatusCode::kInvalidArgument)
    return ApiError(400, "invalid_request", s.message(), field);
  if (s.code() == StatusCode::kNotFound) return ApiError(404, "not_found", s.message(), field);
  return ApiError(503, "unavailable", s.message());
}

}  // namespace

HistoryApi::HistoryApi(HistoryApiOptions options, HistoryQuery& query, Authenticator authenticate)
    : options_(std::move(options)),
      query_(query),
      authenticate_(std::move(authenticate)),
      phones_(PhoneOptions{options_.default_region}),
      workers_(std::make_unique<WorkQueue>(options_.worker_threads)) {}

HistoryApi::~HistoryApi() {
  workers_.reset();
}

bool HistoryApi::Handle(http::Request& request, http::Responder& responder) {
  const std::string& path = request.path;
  if (const WebAsset* asset = FindWebAsset(path)) {
    if (request.method != "GET" && request.method != "HEAD") {
      responder.Send(ApiError(405, "method_not_allowed", "use GET"));
      return true;
    }
    http::Response r = http::TextResponse(
        200, std::string(reinterpret_cast<const char*>(asset->data), asset->size),
        asset->content_type);
    r.headers.Set("Cache-Control", "no-cache");
    r.headers.Set("X-Content-Type-Options", "nosniff");
    // The page only talks to this origin; nothing inline or from elsewhere runs.
    r.headers.Set("Content-Security-Policy",
                  "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'");
    responder.Send(std::move(r));
    return true;
  }
  if (path == "/auth/me" && !options_.web_login) {
    responder.Send(http::JsonResponse(200, R"({"signed_in":false,"sign_in_available":false})"));
    return true;
  }
  const bool history = path == "/v1/history" || path.rfind("/v1/history/", 0) == 0;
  const bool usage = path == "/v1/usage";
  if (!history && !usage) return false;
  auto viewer = authenticate_(request);
  if (!viewer) {
    responder.Send(
        ApiError(401, "unauthenticated",
                 "sign in with Salesforce or send a valid API key (Authorization: Bearer <key>)"));
    return true;
  }
  if (request.method != "GET") {
    responder.Send(ApiError(405, "method_not_allowed", "use GET"));
    return true;
  }
  Principal who = *viewer;
  std::string query = request.query;
  http::Responder reply = responder;
  if (usage) {
    workers_->Post([this, query, who, reply] { Usage(query, who, reply); });
  } else if (path == "/v1/history" || path == "/v1/history/") {
    workers_->Post([this, query, who, reply] { List(query, who, reply); });
  } else {
    std::string id = form::Decode(path.substr(std::string("/v1/history/").size()));
    workers_->Post([this, id, who, reply] { Detail(id, who, reply); });
  }
  return true;
}

std::string HistoryApi::RecordUrl(const std::string& id) const {
  if (id.empty() || !options_.instance_url) return "";
  std::string base = options_.instance_url();
  return base.empty() ? "" : base + "/" + id;
}

void HistoryApi::List(const std::string& query, const Principal& viewer,
                      http::Responder responder) {
  HistoryFilter filter;
  std::string cursor;
  int limit = 50;
  if (auto error = ParseListParams(query, phones_, &filter, &cursor, &limit)) {
    responder.Send(ApiError(400, "invalid_request", error->message, error->field));
    return;
  }
  if (!viewer.rights.sees_all) filter.visible_contact_points = viewer.rights.contact_points;
  auto page = query_.List(filter, cursor, limit);
  if (!page.ok()) {
    responder.Send(StatusError(page.status(), "cursor"));
    return;
  }
  json::Writer w;
  w.StartObject();
  w.Key("items");
  w.StartArray();
  for (const auto& s : page->items) {
    w.StartObject();
    WriteSummary(w, s, RecordUrl(s.requested_by));
    w.EndObject();
  }
  w.EndArray();
  w.Key("next_cursor");
  if (page->next_cursor.empty()) {
    w.Null();
  } else {
    w.Str(page->next_cursor);
  }
  w.Key("limit");
  w.Int(limit);
  w.EndObject();
  responder.Send(w.Response(200));
}

void HistoryApi::Detail(const std::string& id, const Principal& viewer, http::Responder responder) {
  auto detail = query_.Detail(id);
  if (!detail.ok()) {
    responder.Send(StatusError(detail.status(), "notification_id"));
    return;
  }
  if (!CanSee(viewer.rights, detail->summary.contact_point)) {
    responder.Send(ApiError(403, "forbidden",
                            "you hold none of contact point '" + detail->summary.contact_point +
                                "' roles, so its notifications are not shown to you",
                            "notification_id"));
    return;
  }
  const bool admin = viewer.rights.full_numbers;
  json::Writer w;
  w.StartObject();
  w.Key("notification");
  w.StartObject();
  WriteSummary(w, detail->summary, RecordUrl(detail->summary.requested_by));
  w.EndObject();
  w.Key("phones_masked");
  w.Bool(!admin);
  w.Key("recipients");
  w.StartArray();
  for (const auto& r : detail->recipients) {
    w.StartObject();
    w.Key("recipient_id");
    w.Int64(r.id);
    w.KeyStr("record_id", r.record_id);
    w.KeyStr("record_name", r.record_name);
    w.KeyStr("record_url", RecordUrl(r.record_id));
    w.KeyStr("object", r.object_type);
    w.KeyStr("phone", admin ? r.phone_e164 : MaskPhone(r.phone_e164));
    w.KeyStr("state", r.state);
    w.KeyStr("reason", r.reason);
    w.Key("segments");
    w.Int(r.segments);
    w.KeyStr("encoding", r.encoding);
    w.KeyStr("body", r.body);
    w.KeyStr("gateway_sid", r.gateway_sid);
    w.Key("error_code");
    w.Int(r.error_code);
    w.KeyStr("task_id", r.task_id);
    w.KeyStr("task_state", r.task_state);
    w.Key("responded");
    w.Bool(r.responded);
    w.Key("reply");
    if (r.reply.empty()) {
      w.Null();
    } else {
      w.Str(admin ? r.reply : MaskPhonesInText(r.reply));
    }
    w.KeyTime("created_at", r.created_ms);
    w.KeyTime("last_attempt_at", r.last_attempt_ms);
    w.KeyTime("updated_at", r.updated_ms);
    w.Key("timestamps");
    w.StartObject();
    for (const auto& [state, ms] : r.state_times) w.KeyTime(state.c_str(), ms);
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
  w.Key("events");
  w.StartArray();
  for (const auto& e : detail->events) {
    w.StartObject();
    w.KeyTime("at", e.at_ms);
    w.Key("recipient_id");
    w.Int64(e.recipient_id);
    w.KeyStr("kind", e.kind);
    w.KeyStr("state", e.state);
    w.KeyStr("detail", admin ? e.detail : MaskPhonesInText(e.detail));
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  responder.Send(w.Response(200));
}

void HistoryApi::Usage(const std::string& query, const Principal& viewer,
                       http::Responder responder) {
  int64_t to = 0, from = 0;
  UsageGroupBy group_by = UsageGroupBy::kContactPoint;
  for (const auto& [name, value] : form::Parse(query)) {
    if (name == "from" || name == "to") {
      auto t = ParseTime(value);
      if (!t) {
        responder.Send(ApiError(400, "invalid_request",
                                "'" + name + "' must be a date (YYYY-MM-DD) or an RFC 3339 time",
                                name));
        return;
      }
      (name == "from" ? from : to) = *t;
    } else if (name == "group_by") {
      auto g = ParseUsageGroupBy(value);
      if (!g) {
        responder.Send(ApiError(400, "invalid_request",
                                "'group_by' must be contact_point, user or day", "group_by"));
        return;
      }
      group_by = *g;
    } else {
      responder.Send(ApiError(400, "invalid_request", "unknown parameter '" + name + "'", name));
      return;
    }
  }
  if (to == 0) to = timeutil::NowMillis();
  if (from == 0) from = to - static_cast<int64_t>(options_.usage_default_days) * 86400000;
  if (from >= to) {
    responder.Send(ApiError(400, "invalid_request", "'from' must be before 'to'", "from"));
    return;
  }
  std::optional<std::vector<std::string>> visible;
  if (!viewer.rights.sees_all) visible = viewer.rights.contact_points;
  auto report = query_.Usage(from, to, group_by, visible);
  if (!report.ok()) {
    responder.Send(StatusError(report.status(), ""));
    return;
  }
  json::Writer w;
  w.StartObject();
  w.KeyTime("from", report->from_ms);
  w.KeyTime("to", report->to_ms);
  w.KeyStr("group_by", UsageGroupByName(report->group_by));
  w.Key("rows");
  w.StartArray();
  for (const auto& row : report->rows) WriteUsageRow(w, row);
  w.EndArray();
  w.Key("total");
  WriteUsageRow(w, report->total);
  w.EndObject();
  responder.Send(w.Response(200));
}

}  // namespace sfn::connector
