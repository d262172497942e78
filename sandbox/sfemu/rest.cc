#include "sandbox/sfemu/rest.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <regex>
#include <sstream>
#include <tuple>

#include "common/form.h"
#include "common/json.h"
#include "common/time_util.h"
#include "salesforce/record_id.h"
#include "sandbox/sfemu/bulk_query.h"
#include "sandbox/sfemu/soql.h"
#include "sandbox/sfemu/soql_ast.h"

namespace sfemu {

namespace {

using sfn::http::Response;
using Alloc = rapidjson::Document::AllocatorType;

constexpr size_t kMaxCollectionRecords = 200;
constexpr size_t kMaxCompositeSubrequests = 25;
constexpr int64_t kCursorLifetimeMs = 15 * 60 * 1000;

Response Json(int status, std::string body) {
  Response r = sfn::http::JsonResponse(status, std::move(body));
  r.headers.Set("Content-Type", "application/json;charset=UTF-8");
  return r;
}
Response Error(const ApiError& e) {
  return Json(e.http_status, ErrorArrayJson(e));
}
Response Error(int status, const std::string& code, const std::string& message,
               std::vector<std::string> fields = {}) {
  return Error(ApiError{status, code, message, std::move(fields)});
}
Response NotFound() {
  return Error(404, "NOT_FOUND", "The requested resource does not exist");
}
Response MethodNotAllowed(const std::string& method, const std::string& allowed) {
  return Error(405, "METHOD_NOT_ALLOWED",
               "HTTP Method '" + method + "' not allowed. Allowed are " + allowed);
}

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : path) {
    if (c == '/') {
      if (!cur.empty()) out.push_back(sfn::form::Decode(cur));
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) out.push_back(sfn::form::Decode(cur));
  return out;
}

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, ',')) {
    size_t b = cur.find_first_not_of(' '), e = cur.find_last_not_of(' ');
    if (b != std::string::npos) out.push_back(cur.substr(b, e - b + 1));
  }
  return out;
}

// Salesforce's JSON parser error for an unreadable body.
Response BodyError(const sfn::Status& status) {
  return Error(400, "JSON_PARSER_ERROR",
               "Unexpected character in the request body: " + status.message());
}

std::string ReleaseLabel(int version) {
  // v62.0 = Winter '25; three releases a year (Spring, Summer, Winter).
  static const char* kSeasons[] = {"Winter", "Summer", "Spring"};
  int back = 62 - version;
  int season = back % 3;
  int year = (season == 0 ? 25 : 24) - back / 3;
  return std::string(kSeasons[season]) + " '" + std::to_string(year);
}

struct Cursor {
  std::vector<std::string> records;
  int64_t total_size = 0;
  size_t batch = 2000;
  int64_t created_ms = 0;
};

struct Ctx {
  std::string version;
  std::string user_id;
  OrgStore::Txn* txn;
  const sfn::http::Headers* headers;
};

}  // namespace

struct RestApi::Impl {
  OrgStore& store;
  EventBus& bus;
  ApiUsage& usage;
  RestOptions options;
  std::mutex cursor_mu;
  std::map<std::string, Cursor> cursors;
  BulkQueryJobs bulk;

  Impl(OrgStore& s, EventBus& b, ApiUsage& u, RestOptions o)
      : store(s), bus(b), usage(u), options(o), bulk(BulkQueryOptions{o.bulk_page_records}) {}

  std::string Base(const Ctx& c) const { return "/services/data/v" + c.version; }

  // ---- dispatch -------------------------------------------------------------

  Response Dispatch(Ctx& c, std::string method, const std::string& sub_path,
                    const std::string& query, const std::string& body) {
    auto params = sfn::form::Parse(query);
    bool override_found = false;
    std::string override_method = sfn::form::Get(params, "_HttpMethod", &override_found);
    if (method == "POST" && override_found) method = override_method;
    auto seg = SplitPath(sub_path);
    if (seg.empty()) {
      if (method != "GET") return MethodNotAllowed(method, "GET,HEAD");
      return Resources(c);
    }
    const std::string& head = seg[0];
    if (head == "limits" && seg.size() == 1) {
      if (method != "GET") return MethodNotAllowed(method, "GET,HEAD");
      return Limits();
    }
    if ((head == "query" || head == "queryAll") && seg.size() <= 2) {
      if (method != "GET") return MethodNotAllowed(method, "GET,HEAD");
      if (seg.size() == 2) return NextPage(c, seg[1]);
      bool found = false;
      std::string q = sfn::form::Get(params, "q", &found);
      if (sfn::form::Get(params, "columns") == "true") return QueryColumns(c, q, found);
      return Query(c, q, found, head == "queryAll");
    }
    if (head == "sobjects") return SObjects(c, method, seg, params, body);
    if (head == "jobs" && seg.size() >= 2 && seg[1] == "query")
      return bulk.Handle(method, seg, params, body, c.version, c.user_id, c.txn->data());
    if (head == "composite" && seg.size() == 1) {
      if (method != "POST") return MethodNotAllowed(method, "POST");
      return Composite(c, body);
    }
    if (head == "composite" && seg.size() >= 2 && seg[1] == "sobjects")
      return Collections(c, method, seg, params, body);
    return NotFound();
  }

  Response Resources(const Ctx& c) {
    rapidjson::Document doc(rapidjson::kObjectType);
    auto& a = doc.GetAllocator();
    for (const char* r : {"sobjects", "query", "queryAll", "limits", "composite"}) {
      doc.AddMember(rapidjson::StringRef(r), sfn::json::Str(Base(c) + "/" + r, a), a);
    }
    return Json(200, sfn::json::Serialize(doc));
  }

  Response Limits() {
    rapidjson::Document doc(rapidjson::kObjectType);
    auto& a = doc.GetAllocator();
    auto add = [&](const char* name, int64_t max, int64_t remaining) {
      rapidjson::Value v(rapidjson::kObjectType);
      v.AddMember("Max", max, a);
      v.AddMember("Remaining", remaining, a);
      doc.AddMember(rapidjson::StringRef(name), v, a);
    };
    add("DailyApiRequests", usage.max(), usage.remaining());
    add("DailyAsyncApexExecutions", 250000, 250000);
    add("DailyBulkApiBatches", 15000, 15000);
    add("DailyDeliveredPlatformEvents", 50000, 50000);
    add("DailyStreamingApiEvents", 1000000, 1000000);
    add("DataStorageMB", 5, 5);
    add("FileStorageMB", 20, 20);
    add("HourlyPublishedPlatformEvents", 250000, 250000);
    add("SingleEmail", 15, 15);
    return Json(200, sfn::json::Serialize(doc));
  }

  // ---- query ----------------------------------------------------------------

  size_t BatchSize(const Ctx& c) const {
    std::string opts = c.headers ? c.headers->Get("Sforce-Query-Options") : "";
    auto pos = opts.find("batchSize=");
    if (pos == std::string::npos) return 2000;
    long n = std::atol(opts.c_str() + pos + 10);
    if (n < 200) n = 200;
    if (n > 2000) n = 2000;
    return static_cast<size_t>(n);
  }

  static std::string Page(int64_t total, bool done, const std::string& next_url,
                          const std::vector<std::string>& rows, size_t begin, size_t end) {
    std::string out =
        "{\"totalSize\":" + std::to_string(total) + ",\"done\":" + (done ? "true" : "false");
    if (!done) out += ",\"nextRecordsUrl\":\"" + next_url + "\"";
    out += ",\"records\":[";
    for (size_t i = begin; i < end; ++i) {
      if (i > begin) out.push_back(',');
      out += rows[i];
    }
    out += "]}";
    return out;
  }

  Response Query(Ctx& c, const std::string& q, bool given, bool all) {
    if (!given || q.empty())
      return Error(400, "MALFORMED_QUERY", "A query string has to be specified");
    soql::ParsedQuery parsed;
    soql::Error err;
    if (!soql::Parse(q, &parsed, &err)) return Error(400, err.code, err.message);
    soql::ExecuteOptions opts;
    opts.include_deleted = all;
    opts.api_version = c.version;
    soql::QueryResult result;
    if (!soql::Execute(parsed, c.txn->data(), opts, &result, &err))
      return Error(400, err.code, err.message);
    size_t batch = BatchSize(c);
    if (result.count_only || result.records.size() <= batch) {
      return Json(200, Page(result.total_size, true, "", result.records, 0, result.records.size()));
    }
    std::string cursor_id = c.txn->NewId("01g");
    std::string next = Base(c) + "/" + (all ? "queryAll" : "query") + "/" + cursor_id + "-" +
                       std::to_string(batch);
    std::string body = Page(result.total_size, false, next, result.records, 0, batch);
    int64_t now = sfn::timeutil::NowMillis();
    std::lock_guard<std::mutex> lock(cursor_mu);
    for (auto it = cursors.begin(); it != cursors.end();) {
      it = now - it->second.created_ms > kCursorLifetimeMs ? cursors.erase(it) : std::next(it);
    }
    cursors[cursor_id] = Cursor{std::move(result.records), result.total_size, batch, now};
    return Json(200, body);
  }

  // ---- query columns (?columns=true) ------------------------------------------

  static const char* ApexType(FieldType t) {
    switch (t) {
      case FieldType::kId:
      case FieldType::kReference:
        return "Id";
      case FieldType::kBoolean:
        return "Boolean";
      case FieldType::kInt:
        return "Integer";
      case FieldType::kDouble:
      case FieldType::kCurrency:
        return "Double";
      case FieldType::kDate:
        return "Date";
      case FieldType::kDateTime:
        return "Datetime";
      default:
        return "String";
    }
  }

  static rapidjson::Value Column(const std::string& name, const std::string& display,
                                 const FieldDef* leaf, rapidjson::Value join_columns, Alloc& a) {
    rapidjson::Value v(rapidjson::kObjectType);
    bool number = leaf && (leaf->type == FieldType::kInt || leaf->type == FieldType::kDouble ||
                           leaf->type == FieldType::kCurrency);
    const char* apex = leaf ? ApexType(leaf->type) : nullptr;
    v.AddMember("aggregate", false, a);
    if (apex)
      v.AddMember("apexType", rapidjson::StringRef(apex), a);
    else
      v.AddMember("apexType", rapidjson::Value(rapidjson::kNullType), a);
    v.AddMember("booleanType", leaf && leaf->type == FieldType::kBoolean, a);
    v.AddMember("columnName", sfn::json::Str(name, a), a);
    v.AddMember("custom", leaf && leaf->custom, a);
    v.AddMember("displayName", sfn::json::Str(display, a), a);
    v.AddMember("foreignKeyName", rapidjson::Value(rapidjson::kNullType), a);
    v.AddMember("insertable", leaf && leaf->createable, a);
    v.AddMember("joinColumns", join_columns, a);
    v.AddMember("numberType", number, a);
    v.AddMember("textType", apex && std::string(apex) == "String", a);
    v.AddMember("updatable", leaf && leaf->updateable, a);
    return v;
  }

  // One column for `path` starting at `object`: a field, or a relationship whose joinColumns
  // hold the rest of the path (as Salesforce nests "Owner.Name").
  rapidjson::Value PathColumn(const ObjectDef* object, const std::vector<std::string>& path,
                              size_t i, const std::string& display_prefix, Alloc& a) {
    const std::string& name = path[i];
    std::string display = display_prefix.empty() ? name : display_prefix + "." + name;
    if (i + 1 == path.size()) {
      const FieldDef* f = object ? object->FindField(name) : nullptr;
      return Column(f ? f->name : name, display, f, rapidjson::Value(rapidjson::kArrayType), a);
    }
    const FieldDef* ref = nullptr;
    if (object) {
      for (const auto& f : object->fields) {
        if (f.type == FieldType::kReference && EqualsIgnoreCase(f.relationship_name, name))
          ref = &f;
      }
    }
    const ObjectDef* target =
        ref && !ref->reference_to.empty() ? store.FindObject(ref->reference_to[0]) : nullptr;
    rapidjson::Value joins(rapidjson::kArrayType);
    joins.PushBack(PathColumn(target, path, i + 1, display, a), a);
    std::string shown = ref ? ref->relationship_name : name;
    return Column(shown, display, nullptr, std::move(joins), a);
  }

  // GET query?q=...&columns=true (what the Salesforce CLI and the Developer Console ask for):
  // the query's column metadata instead of its rows. The query is validated like a real one.
  Response QueryColumns(Ctx& c, const std::string& q, bool given) {
    if (!given || q.empty())
      return Error(400, "MALFORMED_QUERY", "A query string has to be specified");
    soql::ParsedQuery parsed;
    soql::Error err;
    if (!soql::Parse(q, &parsed, &err)) return Error(400, err.code, err.message);
    soql::ExecuteOptions opts;
    opts.api_version = c.version;
    soql::QueryResult result;
    if (!soql::Execute(parsed, c.txn->data(), opts, &result, &err))
      return Error(400, err.code, err.message);
    const ObjectDef* object = store.FindObject(parsed.query->object);
    rapidjson::Document doc(rapidjson::kObjectType);
    auto& a = doc.GetAllocator();
    rapidjson::Value columns(rapidjson::kArrayType);
    bool id_selected = false;
    for (const auto& ref : parsed.query->select) {
      std::vector<std::string> path = ref.path;
      // "Lead.Name" in FROM Lead names the object itself.
      if (path.size() > 1 && object && EqualsIgnoreCase(path[0], object->name))
        path.erase(path.begin());
      if (path.size() == 1 && EqualsIgnoreCase(path[0], "Id")) id_selected = true;
      columns.PushBack(PathColumn(object, path, 0, "", a), a);
    }
    doc.AddMember("columnMetadata", columns, a);
    doc.AddMember("entityName", sfn::json::Str(object ? object->name : parsed.object, a), a);
    doc.AddMember("groupBy", false, a);
    doc.AddMember("idSelected", id_selected, a);
    doc.AddMember("keyPrefix", sfn::json::Str(object ? object->key_prefix : "", a), a);
    return Json(200, sfn::json::Serialize(doc));
  }

  Response NextPage(const Ctx& c, const std::string& locator) {
    auto dash = locator.rfind('-');
    std::string id = locator.substr(0, dash);
    size_t offset =
        dash == std::string::npos ? 0 : std::strtoul(locator.c_str() + dash + 1, nullptr, 10);
    std::lock_guard<std::mutex> lock(cursor_mu);
    auto it = cursors.find(id);
    if (dash == std::string::npos || it == cursors.end() || offset > it->second.records.size()) {
      return Error(400, "INVALID_QUERY_LOCATOR", "invalid query locator");
    }
    const Cursor& cur = it->second;
    size_t end = std::min(offset + cur.batch, cur.records.size());
    bool done = end >= cur.records.size();
    std::string next = Base(c) + "/query/" + id + "-" + std::to_string(end);
    std::string body = Page(cur.total_size, done, next, cur.records, offset, end);
    return Json(200, body);
  }

  // ---- sObjects -------------------------------------------------------------

  Response SObjects(Ctx& c, const std::string& method, const std::vector<std::string>& seg,
                    const sfn::form::Params& params, const std::string& body) {
    if (seg.size() == 1) {
      if (method != "GET") return MethodNotAllowed(method, "GET,HEAD");
      return DescribeGlobal(c);
    }
    const ObjectDef* object = store.FindObject(seg[1]);
    if (!object) return NotFound();
    if (seg.size() == 2) {
      if (method == "GET") return ObjectInfo(c, *object);
      if (method != "POST") return MethodNotAllowed(method, "GET,HEAD,POST");
      auto doc = sfn::json::Parse(body);
      if (!doc.ok()) return BodyError(doc.status());
      if (!doc->IsObject())
        return Error(400, "JSON_PARSER_ERROR", "The request body must be a JSON object");
      if (object->platform_event) return PublishResponse(c, *object, *doc);
      ApiError err;
      auto id = c.txn->Create(*object, *doc, c.user_id, &err);
      if (!id) return Error(err);
      Response r = Json(201, SaveResultJson(*id));
      r.headers.Set("Location", Base(c) + "/sobjects/" + object->name + "/" + *id);
      return r;
    }
    if (seg.size() == 3 && seg[2] == "describe") {
      if (method != "GET") return MethodNotAllowed(method, "GET,HEAD");
      return Describe(c, *object);
    }
    if (seg.size() != 3) return NotFound();
    const std::string& id = seg[2];
    if (method == "GET") {
      ApiError err;
      const Record* r = c.txn->Locate(object, id, &err);
      if (!r) return Error(err);
      bool given = false;
      auto only = SplitComma(sfn::form::Get(params, "fields", &given));
      for (const auto& f : only) {
        if (!object->FindField(f))
          return Error(400, "INVALID_FIELD", NoSuchColumn(f, object->name), {f});
      }
      rapidjson::Document doc;
      auto v = RecordToJson(*r, *object, c.version, only, doc.GetAllocator());
      return Json(200, sfn::json::Serialize(v));
    }
    if (method == "PATCH") {
      auto doc = sfn::json::Parse(body);
      if (!doc.ok()) return BodyError(doc.status());
      ApiError err;
      if (!c.txn->Update(object, id, *doc, c.user_id, &err)) return Error(err);
      return Response{204, {}, ""};
    }
    if (method == "DELETE") {
      ApiError err;
      if (!c.txn->Delete(object, id, c.user_id, &err)) return Error(err);
      return Response{204, {}, ""};
    }
    return MethodNotAllowed(method, "GET,HEAD,PATCH,DELETE");
  }

  static std::string NoSuchColumn(const std::string& field, const std::string& object) {
    return "No such column '" + field + "' on entity '" + object +
           "'. If you are attempting to use a custom field, be sure to append the '__c' after the "
           "custom field "
           "name. Please reference your WSDL or the describe call for the appropriate names.";
  }

  static std::string SaveResultJson(const std::string& id) {
    return "{\"id\":\"" + id + "\",\"success\":true,\"errors\":[]}";
  }

  rapidjson::Value ObjectSummary(const Ctx& c, const ObjectDef& o, Alloc& a) {
    rapidjson::Value v(rapidjson::kObjectType);
    bool writable = !o.custom_metadata && !o.read_only;
    v.AddMember("name", sfn::json::Str(o.name, a), a);
    v.AddMember("label", sfn::json::Str(o.label, a), a);
    v.AddMember("labelPlural", sfn::json::Str(o.label + "s", a), a);
    v.AddMember("keyPrefix", sfn::json::Str(o.key_prefix, a), a);
    v.AddMember("custom", o.custom, a);
    v.AddMember("createable", writable, a);
    v.AddMember("updateable", writable && !o.platform_event, a);
    v.AddMember("deletable", writable && !o.platform_event, a);
    v.AddMember("queryable", !o.platform_event, a);
    v.AddMember("retrieveable", !o.platform_event, a);
    rapidjson::Value urls(rapidjson::kObjectType);
    std::string base = Base(c) + "/sobjects/" + o.name;
    urls.AddMember("sobject", sfn::json::Str(base, a), a);
    urls.AddMember("describe", sfn::json::Str(base + "/describe", a), a);
    urls.AddMember("rowTemplate", sfn::json::Str(base + "/{ID}", a), a);
    v.AddMember("urls", urls, a);
    return v;
  }

  Response DescribeGlobal(const Ctx& c) {
    rapidjson::Document doc(rapidjson::kObjectType);
    auto& a = doc.GetAllocator();
    doc.AddMember("encoding", "UTF-8", a);
    doc.AddMember("maxBatchSize", 200, a);
    rapidjson::Value list(rapidjson::kArrayType);
    for (const ObjectDef* o : store.Objects()) list.PushBack(ObjectSummary(c, *o, a), a);
    doc.AddMember("sobjects", list, a);
    return Json(200, sfn::json::Serialize(doc));
  }

  Response ObjectInfo(const Ctx& c, const ObjectDef& o) {
    rapidjson::Document doc(rapidjson::kObjectType);
    auto& a = doc.GetAllocator();
    doc.AddMember("objectDescribe", ObjectSummary(c, o, a), a);
    doc.AddMember("recentItems", rapidjson::Value(rapidjson::kArrayType), a);
    return Json(200, sfn::json::Serialize(doc));
  }

  Response Describe(const Ctx& c, const ObjectDef& o) {
    rapidjson::Document doc(rapidjson::kObjectType);
    auto& a = doc.GetAllocator();
    rapidjson::Value summary = ObjectSummary(c, o, a);
    for (auto& m : summary.GetObject()) doc.AddMember(m.name, m.value, a);
    rapidjson::Value fields(rapidjson::kArrayType);
    for (const auto& f : o.fields) {
      rapidjson::Value v(rapidjson::kObjectType);
      v.AddMember("name", sfn::json::Str(f.name, a), a);
      v.AddMember("label", sfn::json::Str(f.label, a), a);
      v.AddMember("type", rapidjson::StringRef(FieldTypeName(f.type)), a);
      v.AddMember("length", f.length, a);
      v.AddMember("nillable", f.nillable, a);
      v.AddMember("createable", f.createable, a);
      v.AddMember("updateable", f.updateable, a);
      v.AddMember("custom", f.custom, a);
      v.AddMember("defaultedOnCreate", f.default_value.has_value(), a);
      if (f.default_value)
        v.AddMember("defaultValue", sfn::json::Str(*f.default_value, a), a);
      else
        v.AddMember("defaultValue", rapidjson::Value(rapidjson::kNullType), a);
      rapidjson::Value refs(rapidjson::kArrayType);
      for (const auto& r : f.reference_to) refs.PushBack(sfn::json::Str(r, a), a);
      v.AddMember("referenceTo", refs, a);
      if (f.relationship_name.empty())
        v.AddMember("relationshipName", rapidjson::Value(rapidjson::kNullType), a);
      else
        v.AddMember("relationshipName", sfn::json::Str(f.relationship_name, a), a);
      rapidjson::Value picks(rapidjson::kArrayType);
      for (const auto& p : f.picklist_values) {
        rapidjson::Value pv(rapidjson::kObjectType);
        pv.AddMember("active", true, a);
        pv.AddMember("defaultValue", f.default_value && *f.default_value == p, a);
        pv.AddMember("label", sfn::json::Str(p, a), a);
        pv.AddMember("value", sfn::json::Str(p, a), a);
        picks.PushBack(pv, a);
      }
      v.AddMember("picklistValues", picks, a);
      v.AddMember("restrictedPicklist", f.restricted_picklist, a);
      v.AddMember("filterable", f.type != FieldType::kTextArea, a);
      v.AddMember("sortable", f.type != FieldType::kTextArea, a);
      fields.PushBack(v, a);
    }
    doc.AddMember("fields", fields, a);
    return Json(200, sfn::json::Serialize(doc));
  }

  // ---- platform events ------------------------------------------------------

  Response PublishResponse(Ctx& c, const ObjectDef& object, const rapidjson::Value& fields) {
    ApiError err;
    StoredEvent event;
    if (!PublishIn(*c.txn, object, fields, c.user_id, &event, &err)) return Error(err);
    return Json(201, PublishResultJson(c.txn->NewId("e00"), event));
  }

  static std::string PublishResultJson(const std::string& id, const StoredEvent& event) {
    return "{\"id\":\"" + id +
           "\",\"success\":true,\"errors\":[{\"statusCode\":\"OPERATION_ENQUEUED\",\"message\":\"" +
           event.event_uuid + "\",\"fields\":[]}]}";
  }

  bool PublishIn(OrgStore::Txn& txn, const ObjectDef& object, const rapidjson::Value& fields,
                 const std::string& user_id, StoredEvent* out, ApiError* error,
                 int64_t created_ms = 0) {
    auto payload = txn.BuildEventPayload(object, fields, user_id, error, created_ms);
    if (!payload) return false;
    *out = bus.Publish("/event/" + object.name, *payload, created_ms);
    return true;
  }

  // ---- collections ----------------------------------------------------------

  static rapidjson::Value Failure(const ApiError& e, const std::string& id, Alloc& a) {
    rapidjson::Value v(rapidjson::kObjectType);
    if (!id.empty()) v.AddMember("id", sfn::json::Str(id, a), a);
    v.AddMember("success", false, a);
    rapidjson::Value errors(rapidjson::kArrayType);
    errors.PushBack(SaveErrorValue(e, a), a);
    v.AddMember("errors", errors, a);
    return v;
  }
  static rapidjson::Value Success(const std::string& id, Alloc& a) {
    rapidjson::Value v(rapidjson::kObjectType);
    v.AddMember("id", sfn::json::Str(id, a), a);
    v.AddMember("success", true, a);
    v.AddMember("errors", rapidjson::Value(rapidjson::kArrayType), a);
    return v;
  }

  Response Collections(Ctx& c, const std::string& method, const std::vector<std::string>& seg,
                       const sfn::form::Params& params, const std::string& body) {
    if (seg.size() == 3 && method == "GET") return CollectionRetrieve(c, seg[2], params);
    if (seg.size() != 2) return NotFound();
    if (method == "DELETE") return CollectionDelete(c, params);
    if (method != "POST" && method != "PATCH") return MethodNotAllowed(method, "POST,PATCH,DELETE");
    auto doc = sfn::json::Parse(body);
    if (!doc.ok()) return BodyError(doc.status());
    if (!doc->IsObject() || !doc->HasMember("records") || !(*doc)["records"].IsArray()) {
      return Error(400, "JSON_PARSER_ERROR",
                   "The request body must be an object with a \"records\" array");
    }
    bool all_or_none = sfn::json::GetBool(*doc, "allOrNone").value_or(false);
    auto& records = (*doc)["records"];
    if (records.Size() > kMaxCollectionRecords) {
      return Error(400, "EXCEEDED_ID_LIMIT",
                   "record limit reached. cannot submit more than 200 records into this call");
    }
    bool creating = method == "POST";
    size_t savepoint = c.txn->Savepoint();
    rapidjson::Document out(rapidjson::kArrayType);
    auto& a = out.GetAllocator();
    std::vector<bool> ok;
    for (auto& r : records.GetArray()) {
      ApiError err;
      std::string id;
      bool success = false;
      std::string type;
      if (r.IsObject() && r.HasMember("attributes") && r["attributes"].IsObject()) {
        type = sfn::json::GetString(r["attributes"], "type").value_or("");
      }
      std::string given_id =
          r.IsObject()
              ? sfn::json::GetString(r, "id").value_or(sfn::json::GetString(r, "Id").value_or(""))
              : "";
      const ObjectDef* object = type.empty() ? nullptr : store.FindObject(type);
      if (!r.IsObject()) {
        err = ApiError{400, "JSON_PARSER_ERROR", "each record must be a JSON object", {}};
      } else if (creating && type.empty()) {
        err = ApiError{400, "INVALID_TYPE", "Must send a concrete entity type.", {}};
      } else if (!type.empty() && !object) {
        err = ApiError{400, "INVALID_TYPE", "sObject type '" + type + "' is not supported.", {}};
      } else if (creating && !given_id.empty()) {
        err = ApiError{400, "INVALID_FIELD", "cannot specify Id in an insert call", {}};
      } else if (!creating && given_id.empty()) {
        err = ApiError{400, "MISSING_ARGUMENT", "Id not specified in an update call", {}};
      } else if (creating && object->platform_event) {
        StoredEvent event;
        if (PublishIn(*c.txn, *object, r, c.user_id, &event, &err)) {
          id = c.txn->NewId("e00");
          success = true;
        }
      } else if (creating) {
        auto created = c.txn->Create(*object, r, c.user_id, &err);
        if (created) {
          id = *created;
          success = true;
        }
      } else {
        success = c.txn->Update(object, given_id, r, c.user_id, &err);
        id = given_id;
        if (success) {
          if (auto n = sfn::salesforce::NormalizeId(given_id); n.ok()) id = *n;
        }
      }
      ok.push_back(success);
      out.PushBack(success ? Success(id, a) : Failure(err, creating ? "" : given_id, a), a);
    }
    FinishCollection(c, all_or_none, savepoint, ok, out);
    return Json(200, sfn::json::Serialize(out));
  }

  // allOrNone: one failure rolls back every record of the call.
  void FinishCollection(Ctx& c, bool all_or_none, size_t savepoint, const std::vector<bool>& ok,
                        rapidjson::Document& out) {
    bool any_failed = std::find(ok.begin(), ok.end(), false) != ok.end();
    if (!all_or_none || !any_failed) return;
    c.txn->RollbackTo(savepoint);
    auto& a = out.GetAllocator();
    for (size_t i = 0; i < ok.size(); ++i) {
      if (!ok[i]) continue;
      std::string id =
          sfn::json::GetString(out[static_cast<rapidjson::SizeType>(i)], "id").value_or("");
      out[static_cast<rapidjson::SizeType>(i)] =
          Failure(ApiError{400,
                           "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                           "Record rolled back because not all records were valid and the request "
                           "was using AllOrNone header",
                           {}},
                  "", a);
      (void)id;
    }
  }

  Response CollectionDelete(Ctx& c, const sfn::form::Params& params) {
    auto ids = SplitComma(sfn::form::Get(params, "ids"));
    if (ids.empty()) return Error(400, "MISSING_ARGUMENT", "ids parameter is required", {"ids"});
    if (ids.size() > kMaxCollectionRecords) {
      return Error(400, "EXCEEDED_ID_LIMIT",
                   "record limit reached. cannot submit more than 200 records into this call");
    }
    bool all_or_none = sfn::form::Get(params, "allOrNone") == "true";
    size_t savepoint = c.txn->Savepoint();
    rapidjson::Document out(rapidjson::kArrayType);
    auto& a = out.GetAllocator();
    std::vector<bool> ok;
    for (const auto& id : ids) {
      ApiError err;
      bool success = c.txn->Delete(nullptr, id, c.user_id, &err);
      std::string shown = id;
      if (auto n = sfn::salesforce::NormalizeId(id); n.ok()) shown = *n;
      ok.push_back(success);
      out.PushBack(success ? Success(shown, a) : Failure(err, shown, a), a);
    }
    FinishCollection(c, all_or_none, savepoint, ok, out);
    return Json(200, sfn::json::Serialize(out));
  }

  Response CollectionRetrieve(Ctx& c, const std::string& type, const sfn::form::Params& params) {
    const ObjectDef* object = store.FindObject(type);
    if (!object) return NotFound();
    auto ids = SplitComma(sfn::form::Get(params, "ids"));
    auto fields = SplitComma(sfn::form::Get(params, "fields"));
    if (ids.size() > 2000)
      return Error(400, "EXCEEDED_ID_LIMIT", "too many ids: at most 2000 per call");
    if (fields.empty())
      return Error(400, "MISSING_ARGUMENT", "fields parameter is required", {"fields"});
    for (const auto& f : fields) {
      if (!object->FindField(f))
        return Error(400, "INVALID_FIELD", NoSuchColumn(f, object->name), {f});
    }
    rapidjson::Document out(rapidjson::kArrayType);
    auto& a = out.GetAllocator();
    for (const auto& id : ids) {
      ApiError err;
      const Record* r = c.txn->Locate(object, id, &err);
      if (r)
        out.PushBack(RecordToJson(*r, *object, c.version, fields, a), a);
      else
        out.PushBack(rapidjson::Value(rapidjson::kNullType), a);
    }
    return Json(200, sfn::json::Serialize(out));
  }

  // ---- composite ------------------------------------------------------------

  // Looks up "ref.path" (e.g. "refAcct.id", "q.records[0].Id") in earlier results.
  static bool ResolveReference(const std::string& expr,
                               const std::map<std::string, rapidjson::Document>& results,
                               std::string* out) {
    auto dot = expr.find_first_of(".[");
    std::string ref = expr.substr(0, dot);
    auto it = results.find(ref);
    if (it == results.end()) return false;
    const rapidjson::Value* v = &it->second;
    size_t i = dot;
    while (i != std::string::npos && i < expr.size()) {
      if (expr[i] == '.') {
        size_t next = expr.find_first_of(".[", i + 1);
        std::string key =
            expr.substr(i + 1, next == std::string::npos ? std::string::npos : next - i - 1);
        if (!v->IsObject() || !v->HasMember(key.c_str())) return false;
        v = &(*v)[key.c_str()];
        i = next;
      } else {
        size_t close = expr.find(']', i);
        if (close == std::string::npos) return false;
        size_t index = std::strtoul(expr.c_str() + i + 1, nullptr, 10);
        if (!v->IsArray() || index >= v->Size()) return false;
        v = &(*v)[static_cast<rapidjson::SizeType>(index)];
        i = close + 1 < expr.size() ? close + 1 : std::string::npos;
      }
    }
    if (v->IsString())
      *out = v->GetString();
    else if (v->IsNull())
      *out = "";
    else
      *out = sfn::json::Serialize(*v);
    return true;
  }

  // Replaces every @{...} in `text`; false with *missing set when one cannot be resolved.
  static bool Substitute(std::string* text,
                         const std::map<std::string, rapidjson::Document>& results,
                         std::string* missing) {
    size_t pos = 0;
    while ((pos = text->find("@{", pos)) != std::string::npos) {
      size_t end = text->find('}', pos);
      if (end == std::string::npos) return true;
      std::string expr = text->substr(pos + 2, end - pos - 2);
      std::string value;
      if (!ResolveReference(expr, results, &value)) {
        *missing = expr;
        return false;
      }
      text->replace(pos, end - pos + 1, value);
      pos += value.size();
    }
    return true;
  }

  static rapidjson::Value SubResponse(int status, const std::string& body,
                                      const std::string& reference, const std::string& location,
                                      Alloc& a) {
    rapidjson::Value v(rapidjson::kObjectType);
    rapidjson::Value b;
    if (!body.empty()) {
      if (auto parsed = sfn::json::Parse(body); parsed.ok()) b.CopyFrom(parsed.value(), a);
    }
    v.AddMember("body", b, a);
    rapidjson::Value headers(rapidjson::kObjectType);
    if (!location.empty()) headers.AddMember("Location", sfn::json::Str(location, a), a);
    v.AddMember("httpHeaders", headers, a);
    v.AddMember("httpStatusCode", status, a);
    v.AddMember("referenceId", sfn::json::Str(reference, a), a);
    return v;
  }

  Response Composite(Ctx& c, const std::string& body) {
    auto doc = sfn::json::Parse(body);
    if (!doc.ok()) return BodyError(doc.status());
    if (!doc->IsObject() || !doc->HasMember("compositeRequest") ||
        !(*doc)["compositeRequest"].IsArray()) {
      return Error(400, "JSON_PARSER_ERROR",
                   "The request body must be an object with a \"compositeRequest\" array");
    }
    auto& subs = (*doc)["compositeRequest"];
    if (subs.Size() > kMaxCompositeSubrequests) {
      return Error(400, "INVALID_FIELD",
                   "Composite request limit exceeded: at most 25 subrequests, found " +
                       std::to_string(subs.Size()),
                   {"compositeRequest"});
    }
    static const std::regex kReferenceId("^[A-Za-z0-9_]+$");
    std::map<std::string, bool> seen;
    for (const auto& s : subs.GetArray()) {
      auto ref = s.IsObject() ? sfn::json::GetString(s, "referenceId") : std::nullopt;
      auto method = s.IsObject() ? sfn::json::GetString(s, "method") : std::nullopt;
      auto url = s.IsObject() ? sfn::json::GetString(s, "url") : std::nullopt;
      if (!ref || !std::regex_match(*ref, kReferenceId)) {
        return Error(400, "INVALID_INPUT", "referenceId: must contain only letters, digits and '_'",
                     {"referenceId"});
      }
      if (seen[*ref])
        return Error(400, "INVALID_INPUT",
                     "Duplicate referenceId provided in the request: " + *ref);
      seen[*ref] = true;
      if (!method || !url)
        return Error(400, "INVALID_INPUT", "Each subrequest needs method and url",
                     {"method", "url"});
    }
    bool all_or_none = sfn::json::GetBool(*doc, "allOrNone").value_or(false);
    size_t savepoint = c.txn->Savepoint();
    rapidjson::Document out(rapidjson::kObjectType);
    auto& a = out.GetAllocator();
    rapidjson::Value list(rapidjson::kArrayType);
    std::map<std::string, rapidjson::Document> results;
    std::vector<std::string> refs;
    bool halted = false;
    for (auto& s : subs.GetArray()) {
      std::string ref = *sfn::json::GetString(s, "referenceId");
      refs.push_back(ref);
      if (halted) {
        list.PushBack(SubResponse(400, Halted(), ref, "", a), a);
        continue;
      }
      auto [status, response_body, location] = RunSubrequest(c, s, results);
      list.PushBack(SubResponse(status, response_body, ref, location, a), a);
      if (status < 400) {
        if (auto parsed = sfn::json::Parse(response_body); parsed.ok())
          results[ref] = std::move(parsed.value());
      } else if (all_or_none) {
        halted = true;
        c.txn->RollbackTo(savepoint);
      }
    }
    if (halted) {
      // Everything that had succeeded was rolled back with the transaction.
      for (auto& item : list.GetArray()) {
        if (item["httpStatusCode"].GetInt() < 400) {
          std::string ref = item["referenceId"].GetString();
          item = SubResponse(400, Halted(), ref, "", a);
        }
      }
    }
    out.AddMember("compositeResponse", list, a);
    return Json(200, sfn::json::Serialize(out));
  }

  static std::string Halted() {
    return ErrorArrayJson(
        ApiError{400,
                 "PROCESSING_HALTED",
                 "The transaction was rolled back since another operation in the same transaction "
                 "failed.",
                 {}});
  }

  std::tuple<int, std::string, std::string> RunSubrequest(
      Ctx& c, const rapidjson::Value& s,
      const std::map<std::string, rapidjson::Document>& results) {
    std::string method = *sfn::json::GetString(s, "method");
    std::string url = *sfn::json::GetString(s, "url");
    if (s.HasMember("httpHeaders") && s["httpHeaders"].IsObject()) {
      for (const auto& h : s["httpHeaders"].GetObject()) {
        std::string name = h.name.GetString();
        for (const char* banned : {"Accept", "Authorization", "Content-Type"}) {
          if (sfn::http::EqualsIgnoreCase(name, banned)) {
            return {
                400,
                ErrorArrayJson(ApiError{
                    400, "INVALID_INPUT", "Invalid httpHeaders: " + name + " is not allowed", {}}),
                ""};
          }
        }
      }
    }
    std::string body = s.HasMember("body") ? sfn::json::Serialize(s["body"]) : "";
    std::string missing;
    if (!Substitute(&url, results, &missing) || !Substitute(&body, results, &missing)) {
      std::string ref = missing.substr(0, missing.find_first_of(".["));
      return {400,
              ErrorArrayJson(ApiError{400,
                                      "PROCESSING_HALTED",
                                      "Invalid reference specified. No value for " + missing +
                                          " found in " + ref + ". Provided referenceId ('" + ref +
                                          "') refers to a subrequest that failed or was not run.",
                                      {}}),
              ""};
    }
    std::string path, query;
    sfn::http::SplitTarget(url, &path, &query);
    std::string version;
    std::string prefix = "/services/data/v";
    if (path.rfind(prefix, 0) != 0) {
      return {400,
              ErrorArrayJson(ApiError{
                  400, "INVALID_INPUT", "The url must start with /services/data/vXX.X/", {}}),
              ""};
    }
    size_t slash = path.find('/', prefix.size());
    std::string sub_path = slash == std::string::npos ? "" : path.substr(slash);
    std::string head = SplitPath(sub_path).empty() ? "" : SplitPath(sub_path)[0];
    if (head == "composite" && SplitPath(sub_path).size() == 1) {
      return {400, ErrorArrayJson(ApiError{400, "INVALID_INPUT", "composite cannot be nested", {}}),
              ""};
    }
    Response r = Dispatch(c, method, sub_path, query, body);
    return {r.status, r.body, r.headers.Get("Location")};
  }
};

RestApi::RestApi(OrgStore& store, EventBus& bus, ApiUsage& usage, RestOptions options)
    : impl_(std::make_unique<Impl>(store, bus, usage, options)) {}
RestApi::~RestApi() = default;

bool RestApi::ParseVersion(const std::string& path, std::string* version) const {
  static const std::string kPrefix = "/services/data/v";
  if (path.rfind(kPrefix, 0) != 0) return false;
  size_t end = path.find('/', kPrefix.size());
  std::string v = path.substr(kPrefix.size(),
                              end == std::string::npos ? std::string::npos : end - kPrefix.size());
  auto dot = v.find('.');
  if (dot == std::string::npos || v.substr(dot) != ".0") return false;
  for (size_t i = 0; i < dot; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(v[i]))) return false;
  }
  int major = std::atoi(v.c_str());
  if (dot == 0 || major < impl_->options.min_version || major > impl_->options.max_version)
    return false;
  *version = v;
  return true;
}

sfn::http::Response RestApi::Versions() const {
  rapidjson::Document doc(rapidjson::kArrayType);
  auto& a = doc.GetAllocator();
  for (int v = impl_->options.min_version; v <= impl_->options.max_version; ++v) {
    rapidjson::Value item(rapidjson::kObjectType);
    std::string version = std::to_string(v) + ".0";
    item.AddMember("label", sfn::json::Str(ReleaseLabel(v), a), a);
    item.AddMember("url", sfn::json::Str("/services/data/v" + version, a), a);
    item.AddMember("version", sfn::json::Str(version, a), a);
    doc.PushBack(item, a);
  }
  return Json(200, sfn::json::Serialize(doc));
}

sfn::http::Response RestApi::Handle(const sfn::http::Request& request, const std::string& user_id) {
  std::string version;
  if (!ParseVersion(request.path, &version)) return NotFound();
  std::string prefix = "/services/data/v" + version;
  std::string sub_path = request.path.substr(prefix.size());
  auto txn = impl_->store.Begin();
  Ctx c{version, user_id, &txn, &request.headers};
  Response r = impl_->Dispatch(c, request.method, sub_path, request.query, request.body);
  if (r.status >= 400) {
    txn.RollbackTo(0);
  } else {
    auto status = txn.Commit();
    if (!status.ok()) return Error(500, "UNKNOWN_EXCEPTION", "state file: " + status.message());
  }
  return r;
}

bool RestApi::Publish(const std::string& object, const rapidjson::Value& fields,
                      const std::string& user_id, StoredEvent* out, ApiError* error,
                      int64_t created_ms) {
  auto txn = impl_->store.Begin();
  const ObjectDef* def = txn.FindObject(object);
  if (!def || !def->platform_event) {
    *error = ApiError{404, "NOT_FOUND", "The requested resource does not exist", {}};
    return false;
  }
  if (!fields.IsObject()) {
    *error = ApiError{400, "JSON_PARSER_ERROR", "payload must be a JSON object", {}};
    return false;
  }
  return impl_->PublishIn(txn, *def, fields, user_id, out, error, created_ms);
}

}  // namespace sfemu
