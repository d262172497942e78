#include "sandbox/sfemu/hooks.h"

#include "common/form.h"
#include "common/json.h"
#include "common/time_util.h"
#include "salesforce/record_id.h"

namespace sfemu {

namespace {

using sfn::http::Response;

Response Bad(const std::string& field, const std::string& message) {
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  doc.AddMember("error", sfn::json::Str(message, a), a);
  doc.AddMember("field", sfn::json::Str(field, a), a);
  return sfn::http::JsonResponse(400, sfn::json::Serialize(doc));
}

Response Ok(int status, const rapidjson::Value& v) {
  return sfn::http::JsonResponse(status, sfn::json::Serialize(v));
}

// Parses a JSON object body; an empty body is an empty object.
bool ParseBody(const sfn::http::Request& r, rapidjson::Document* doc, Response* error) {
  auto parsed =
      sfn::json::Parse(r.body.empty() ? std::string_view("{}") : std::string_view(r.body));
  if (!parsed.ok()) {
    *error = Bad("body", "the body must be a JSON object: " + parsed.status().message());
    return false;
  }
  if (!parsed->IsObject()) {
    *error = Bad("body", "the body must be a JSON object");
    return false;
  }
  *doc = std::move(parsed.value());
  return true;
}

}  // namespace

Response EmulatorHooks::Handle(const sfn::http::Request& r) {
  const std::string& p = r.path;
  if (p == "/__emulator/health") return sfn::http::JsonResponse(200, R"({"status":"ok"})");
  if (p == "/__emulator/faults") return Faults(r);
  if (p == "/__emulator/expire-tokens" && r.method == "POST") {
    t_.oauth.ExpireAllAccessTokens();
    return sfn::http::JsonResponse(200, R"({"expired":true})");
  }
  if (p == "/__emulator/cometd/drop-sessions" && r.method == "POST") {
    t_.cometd.DropAllSessions();
    return sfn::http::JsonResponse(200, R"({"dropped":true})");
  }
  if (p == "/__emulator/requests") return Requests(r);
  if (p == "/__emulator/limits") return Limits(r);
  if (p == "/__emulator/records" && r.method == "GET") return Records(r);
  if (p == "/__emulator/publish" && r.method == "POST") return Publish(r);
  if (p.rfind("/__emulator/oauth/", 0) == 0 && r.method == "POST") return OAuth(r);
  if (p == "/__emulator/leads/convert" && r.method == "POST") return ConvertLead(r);
  return sfn::http::JsonResponse(404, R"({"error":"no such emulator hook"})");
}

Response EmulatorHooks::Faults(const sfn::http::Request& r) {
  if (r.method == "DELETE") {
    t_.faults.Clear();
    return sfn::http::JsonResponse(200, R"({"cleared":true})");
  }
  if (r.method != "POST") return sfn::http::JsonResponse(405, R"({"error":"use POST or DELETE"})");
  rapidjson::Document doc;
  Response error;
  if (!ParseBody(r, &doc, &error)) return error;
  Fault f;
  sfn::Status type_error;
  auto kind = sfn::json::GetString(doc, "fault", &type_error);
  if (!kind)
    return Bad(
        "fault",
        "fault: required, one of INVALID_SESSION_ID, REQUEST_LIMIT_EXCEEDED, "
        "UNABLE_TO_LOCK_ROW, SERVER_UNAVAILABLE, http_500, http_503, latency, unknown_error");
  f.kind = *kind;
  f.count = sfn::json::GetInt(doc, "count", &type_error).value_or(1);
  f.method = sfn::json::GetString(doc, "method", &type_error).value_or("");
  f.path = sfn::json::GetString(doc, "path", &type_error).value_or("");
  f.latency_ms = sfn::json::GetInt(doc, "latency_ms", &type_error).value_or(0);
  if (!type_error.ok()) return Bad("body", type_error.message());
  auto id = t_.faults.Add(f);
  if (!id.ok()) {
    std::string msg = id.status().message();
    return Bad(msg.substr(0, msg.find(':')), msg);
  }
  return sfn::http::JsonResponse(201, "{\"id\":\"" + *id + "\"}");
}

Response EmulatorHooks::Requests(const sfn::http::Request& r) {
  if (r.method == "DELETE") {
    t_.log.Clear();
    return sfn::http::JsonResponse(200, R"({"cleared":true})");
  }
  if (r.method != "GET") return sfn::http::JsonResponse(405, R"({"error":"use GET or DELETE"})");
  auto params = sfn::form::Parse(r.query);
  bool given = false;
  std::string since_text = sfn::form::Get(params, "since", &given);
  char* end = nullptr;
  long long since = given ? std::strtoll(since_text.c_str(), &end, 10) : 0;
  if (given && (since_text.empty() || *end != '\0'))
    return Bad("since", "since: must be an integer sequence number");
  int64_t last = 0;
  auto entries = t_.log.Since(since, &last);
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  rapidjson::Value list(rapidjson::kArrayType);
  for (const auto& e : entries) {
    rapidjson::Value v(rapidjson::kObjectType);
    v.AddMember("seq", e.seq, a);
    v.AddMember("method", sfn::json::Str(e.method, a), a);
    v.AddMember("path", sfn::json::Str(e.path, a), a);
    v.AddMember("query", sfn::json::Str(e.query, a), a);
    v.AddMember("status", e.status, a);
    v.AddMember("api_call", e.api_call, a);
    v.AddMember("user", sfn::json::Str(e.user, a), a);
    list.PushBack(v, a);
  }
  doc.AddMember("requests", list, a);
  doc.AddMember("last_seq", last, a);
  return Ok(200, doc);
}

Response EmulatorHooks::Limits(const sfn::http::Request& r) {
  if (r.method == "POST") {
    rapidjson::Document doc;
    Response error;
    if (!ParseBody(r, &doc, &error)) return error;
    if (!doc.HasMember("DailyApiRequests") || !doc["DailyApiRequests"].IsObject()) {
      return Bad("DailyApiRequests",
                 "DailyApiRequests: required object {\"Max\":N,\"Remaining\":N}");
    }
    const auto& d = doc["DailyApiRequests"];
    sfn::Status type_error;
    auto max = sfn::json::GetInt(d, "Max", &type_error);
    auto remaining = sfn::json::GetInt(d, "Remaining", &type_error);
    if (!type_error.ok()) return Bad("DailyApiRequests", type_error.message());
    int64_t m = max.value_or(t_.usage.max());
    if (m < 0) return Bad("DailyApiRequests.Max", "Max: must not be negative");
    int64_t rem = remaining.value_or(m);
    if (rem < 0 || rem > m)
      return Bad("DailyApiRequests.Remaining", "Remaining: must be between 0 and Max");
    t_.usage.Set(m, rem);
  } else if (r.method != "GET") {
    return sfn::http::JsonResponse(405, R"({"error":"use GET or POST"})");
  }
  return sfn::http::JsonResponse(
      200, "{\"DailyApiRequests\":{\"Max\":" + std::to_string(t_.usage.max()) +
               ",\"Remaining\":" + std::to_string(t_.usage.remaining()) + "}}");
}

Response EmulatorHooks::Records(const sfn::http::Request& r) {
  auto params = sfn::form::Parse(r.query);
  std::string type = sfn::form::Get(params, "type");
  std::string id = sfn::form::Get(params, "id");
  if (type.empty()) return Bad("type", "type: required, an sObject name such as Task");
  auto txn = t_.store.Begin();
  const ObjectDef* object = txn.FindObject(type);
  if (!object) return Bad("type", "type: unknown sObject '" + type + "'");
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  rapidjson::Value list(rapidjson::kArrayType);
  const Record* only = id.empty() ? nullptr : txn.Find(id);
  txn.data().Scan(object->name, [&](const Record& rec) {
    if (!id.empty() && &rec != only) return;
    list.PushBack(RecordToJson(rec, *object, t_.api_version, {}, a), a);
  });
  doc.AddMember("records", list, a);
  return Ok(200, doc);
}

Response EmulatorHooks::Publish(const sfn::http::Request& r) {
  rapidjson::Document doc;
  Response error;
  if (!ParseBody(r, &doc, &error)) return error;
  std::string channel =
      sfn::json::GetString(doc, "channel").value_or("/event/Outbound_Notification__e");
  if (channel.rfind("/event/", 0) != 0) return Bad("channel", "channel: must be /event/<Event__e>");
  std::string user = sfn::json::GetString(doc, "user").value_or("");
  if (user.empty()) return Bad("user", "user: required, a username or User Id");
  std::string user_id;
  {
    auto txn = t_.store.Begin();
    const Record* u = txn.FindBy("User", "Username", user);
    if (!u) {
      u = txn.Find(user);
      if (u && u->type != "User") u = nullptr;
    }
    if (!u) return Bad("user", "user: no such user '" + user + "'");
    user_id = u->id;
  }
  if (!doc.HasMember("payload") || !doc["payload"].IsObject())
    return Bad("payload", "payload: required JSON object");
  // Optional: when the event was published (RFC 3339), for events retained from before a
  // subscriber started; Salesforce itself always stamps the publish time.
  int64_t created_ms = 0;
  if (auto created = sfn::json::GetString(doc, "created_date")) {
    auto t = sfn::timeutil::ParseRfc3339(*created);
    if (!t.ok() || *t > sfn::timeutil::NowMillis())
      return Bad("created_date", "created_date: must be an RFC 3339 time, not in the future");
    created_ms = *t;
  }
  StoredEvent event;
  ApiError err;
  if (!t_.rest.Publish(channel.substr(7), doc["payload"], user_id, &event, &err, created_ms)) {
    rapidjson::Document out(rapidjson::kObjectType);
    auto& a = out.GetAllocator();
    out.AddMember("error", sfn::json::Str(err.message, a), a);
    out.AddMember("errorCode", sfn::json::Str(err.code, a), a);
    out.AddMember(
        "field", sfn::json::Str(err.fields.empty() ? "payload" : "payload." + err.fields[0], a), a);
    return sfn::http::JsonResponse(400, sfn::json::Serialize(out));
  }
  return sfn::http::JsonResponse(201, "{\"replayId\":" + std::to_string(event.replay_id) +
                                          ",\"eventUuid\":\"" + event.event_uuid + "\"}");
}

Response EmulatorHooks::OAuth(const sfn::http::Request& r) {
  rapidjson::Document doc;
  Response error;
  if (!ParseBody(r, &doc, &error)) return error;
  if (r.path == "/__emulator/oauth/refresh-token") {
    std::string username = sfn::json::GetString(doc, "username").value_or("");
    if (username.empty()) return Bad("username", "username: required");
    auto token = t_.oauth.IssueRefreshToken(username);
    if (!token) return Bad("username", "username: no such active user '" + username + "'");
    return sfn::http::JsonResponse(201, "{\"refresh_token\":\"" + *token + "\"}");
  }
  if (r.path == "/__emulator/oauth/settings") {
    sfn::Status type_error;
    auto rotation = sfn::json::GetBool(doc, "refresh_token_rotation", &type_error);
    if (!type_error.ok() || !rotation)
      return Bad("refresh_token_rotation", "refresh_token_rotation: required boolean");
    t_.oauth.set_rotate_refresh_tokens(*rotation);
    return sfn::http::JsonResponse(
        200, std::string("{\"refresh_token_rotation\":") + (*rotation ? "true" : "false") + "}");
  }
  return sfn::http::JsonResponse(404, R"({"error":"no such emulator hook"})");
}

}  // namespace sfemu

namespace sfemu {

// Converts a Lead as LeadConvert would: a new Contact (and Account, unless accountId names one)
// from the Lead's fields, or the given contactId; then IsConverted, ConvertedContactId,
// ConvertedAccountId, ConvertedDate and Status "Closed - Converted" on the Lead.
Response EmulatorHooks::ConvertLead(const sfn::http::Request& r) {
  rapidjson::Document doc;
  Response error;
  if (!ParseBody(r, &doc, &error)) return error;
  std::string lead_id = sfn::json::GetString(doc, "leadId").value_or("");
  if (lead_id.empty()) return Bad("leadId", "leadId: required, the Id of a Lead");
  std::string contact_id = sfn::json::GetString(doc, "contactId").value_or("");
  std::string account_id = sfn::json::GetString(doc, "accountId").value_or("");
  auto txn = t_.store.Begin();
  const Record* lead = txn.Find(lead_id);
  if (!lead || lead->deleted || lead->type != "Lead")
    return Bad("leadId", "leadId: no live Lead " + lead_id);
  auto text = [](const Record& rec, const char* f) {
    auto it = rec.fields.find(f);
    return it != rec.fields.end() && std::holds_alternative<std::string>(it->second)
               ? std::get<std::string>(it->second)
               : std::string();
  };
  auto converted = lead->fields.find("IsConverted");
  if (converted != lead->fields.end() && std::holds_alternative<bool>(converted->second) &&
      std::get<bool>(converted->second)) {
    return Bad("leadId", "leadId: the Lead is already converted");
  }
  std::string owner = text(*lead, "OwnerId");
  ApiError err;
  auto fail = [&](const char* field) {
    return Bad(field, std::string(field) + ": " + err.code + " " + err.message);
  };
  if (account_id.empty()) {
    rapidjson::Document acc(rapidjson::kObjectType);
    auto& a = acc.GetAllocator();
    std::string company = text(*lead, "Company");
    acc.AddMember("Name", sfn::json::Str(company.empty() ? text(*lead, "LastName") : company, a),
                  a);
    if (!owner.empty()) acc.AddMember("OwnerId", sfn::json::Str(owner, a), a);
    auto id = txn.Create(*txn.FindObject("Account"), acc, owner, &err);
    if (!id) return fail("accountId");
    account_id = *id;
  } else if (const Record* acc = txn.Find(account_id); !acc || acc->type != "Account") {
    return Bad("accountId", "accountId: no Account " + account_id);
  }
  lead = txn.Find(lead_id);  // the store may have moved records
  if (contact_id.empty()) {
    rapidjson::Document c(rapidjson::kObjectType);
    auto& a = c.GetAllocator();
    for (const char* f :
         {"FirstName", "LastName", "Email", "Phone", "MobilePhone", "Title", "SMS_Time_Zone__c"}) {
      std::string v = text(*lead, f);
      if (!v.empty()) c.AddMember(rapidjson::StringRef(f), sfn::json::Str(v, a), a);
    }
    c.AddMember("AccountId", sfn::json::Str(account_id, a), a);
    if (!owner.empty()) c.AddMember("OwnerId", sfn::json::Str(owner, a), a);
    auto id = txn.Create(*txn.FindObject("Contact"), c, owner, &err);
    if (!id) return fail("contactId");
    contact_id = *id;
  } else if (const Record* c = txn.Find(contact_id); !c || c->type != "Contact") {
    return Bad("contactId", "contactId: no Contact " + contact_id);
  }
  lead = txn.Find(lead_id);
  rapidjson::Document patch(rapidjson::kObjectType);
  auto& a = patch.GetAllocator();
  patch.AddMember("IsConverted", true, a);
  patch.AddMember("ConvertedContactId",
                  sfn::json::Str(*sfn::salesforce::NormalizeId(contact_id), a), a);
  patch.AddMember("ConvertedAccountId",
                  sfn::json::Str(*sfn::salesforce::NormalizeId(account_id), a), a);
  patch.AddMember("ConvertedDate",
                  sfn::json::Str(sfn::timeutil::FormatDate(sfn::timeutil::NowSeconds()), a), a);
  patch.AddMember("Status", "Closed - Converted", a);
  if (!txn.SetFields(lead->id, patch, &err)) return fail("leadId");
  if (auto s = txn.Commit(); !s.ok()) return Bad("state", s.message());
  rapidjson::Document out(rapidjson::kObjectType);
  auto& o = out.GetAllocator();
  out.AddMember("leadId", sfn::json::Str(lead->id, o), o);
  out.AddMember("contactId", sfn::json::Str(*sfn::salesforce::NormalizeId(contact_id), o), o);
  out.AddMember("accountId", sfn::json::Str(*sfn::salesforce::NormalizeId(account_id), o), o);
  return Ok(201, out);
}

}  // namespace sfemu
