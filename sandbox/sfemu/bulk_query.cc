#include "sandbox/sfemu/bulk_query.h"

#include <cstdlib>

#include "common/crypto.h"
#include "common/json.h"
#include "common/time_util.h"
#include "salesforce/record_id.h"
#include "sandbox/sfemu/api_error.h"
#include "sandbox/sfemu/org_store.h"
#include "sandbox/sfemu/soql.h"
#include "sandbox/sfemu/soql_ast.h"

namespace sfemu {

namespace {

using sfn::http::Response;

Response Json(int status, std::string body) {
  Response r = sfn::http::JsonResponse(status, std::move(body));
  r.headers.Set("Content-Type", "application/json;charset=UTF-8");
  return r;
}
Response Error(int status, const std::string& code, const std::string& message) {
  return Json(status, ErrorArrayJson(ApiError{status, code, message, {}}));
}
Response NotFound() {
  return Error(404, "NOT_FOUND", "The requested resource does not exist");
}

const std::map<std::string, std::string>& Delimiters() {
  static const std::map<std::string, std::string> kDelimiters = {
      {"COMMA", ","},     {"TAB", "\t"},  {"PIPE", "|"},
      {"SEMICOLON", ";"}, {"CARET", "^"}, {"BACKQUOTE", "`"}};
  return kDelimiters;
}

// Finds `key` in a JSON object ignoring case (SOQL names are case-insensitive).
const rapidjson::Value* Member(const rapidjson::Value& obj, const std::string& key) {
  if (!obj.IsObject()) return nullptr;
  for (const auto& m : obj.GetObject()) {
    if (EqualsIgnoreCase(std::string_view(m.name.GetString(), m.name.GetStringLength()), key))
      return &m.value;
  }
  return nullptr;
}

std::string CellText(const rapidjson::Value* v) {
  if (!v || v->IsNull() || v->IsObject() || v->IsArray()) return "";
  if (v->IsString()) return std::string(v->GetString(), v->GetStringLength());
  if (v->IsBool()) return v->GetBool() ? "true" : "false";
  return sfn::json::Serialize(*v);
}

// Salesforce's Bulk API 2.0 results quote every value and double embedded quotes.
std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

// Locators are opaque to clients; sfemu's are the Base64 row offset.
std::string EncodeLocator(size_t offset) {
  std::string b = sfn::crypto::Base64Encode(std::to_string(offset));
  while (!b.empty() && b.back() == '=') b.pop_back();
  return b;
}
bool DecodeLocator(const std::string& locator, size_t* offset) {
  std::string padded = locator;
  while (padded.size() % 4 != 0) padded.push_back('=');
  auto decoded = sfn::crypto::Base64Decode(padded);
  if (!decoded.ok() || decoded->empty()) return false;
  char* end = nullptr;
  unsigned long long n = std::strtoull(decoded->c_str(), &end, 10);
  if (*end != '\0') return false;
  *offset = static_cast<size_t>(n);
  return true;
}

}  // namespace

std::string BulkQueryJobs::InfoJson(const Job& job, bool full) {
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  doc.AddMember("id", sfn::json::Str(job.id, a), a);
  doc.AddMember("operation", sfn::json::Str(job.operation, a), a);
  doc.AddMember("object", sfn::json::Str(job.object, a), a);
  doc.AddMember("createdById", sfn::json::Str(job.created_by, a), a);
  doc.AddMember("createdDate", sfn::json::Str(job.created_date, a), a);
  doc.AddMember("systemModstamp", sfn::json::Str(job.created_date, a), a);
  doc.AddMember("state", sfn::json::Str(job.state, a), a);
  doc.AddMember("concurrencyMode", "Parallel", a);
  doc.AddMember("contentType", "CSV", a);
  doc.AddMember("apiVersion", std::atof(job.api_version.c_str()), a);
  doc.AddMember("lineEnding", sfn::json::Str(job.line_ending, a), a);
  doc.AddMember("columnDelimiter", sfn::json::Str(job.column_delimiter, a), a);
  if (full) {
    doc.AddMember("jobType", "V2Query", a);
    doc.AddMember("numberRecordsProcessed",
                  static_cast<int64_t>(job.state == "JobComplete" ? job.rows.size() : 0), a);
    doc.AddMember("retries", 0, a);
    doc.AddMember("totalProcessingTime", 0, a);
    doc.AddMember("isPkChunkingSupported", true, a);
  }
  return sfn::json::Serialize(doc);
}

Response BulkQueryJobs::Handle(const std::string& method, const std::vector<std::string>& seg,
                               const sfn::form::Params& params, const std::string& body,
                               const std::string& api_version, const std::string& user_id,
                               const DataSource& data) {
  if (seg.size() == 2) {
    if (method == "POST") return Create(body, api_version, user_id, data);
    if (method != "GET") {
      return Error(405, "METHOD_NOT_ALLOWED",
                   "HTTP Method '" + method + "' not allowed. Allowed are GET,POST");
    }
    std::lock_guard<std::mutex> lock(mu_);
    std::string out = "{\"done\":true,\"records\":[";
    bool first = true;
    for (const auto& [id, job] : jobs_) {
      if (!first) out.push_back(',');
      first = false;
      out += InfoJson(job, false);
    }
    out += "],\"nextRecordsUrl\":null}";
    return Json(200, out);
  }
  if (seg.size() > 4 || (seg.size() == 4 && seg[3] != "results")) return NotFound();
  std::lock_guard<std::mutex> lock(mu_);
  auto id = sfn::salesforce::NormalizeId(seg[2]);
  auto it = id.ok() ? jobs_.find(*id) : jobs_.end();
  if (it == jobs_.end()) return Error(404, "NOT_FOUND", "Could not find job " + seg[2]);
  Job& job = it->second;
  if (seg.size() == 4) {
    if (method != "GET")
      return Error(405, "METHOD_NOT_ALLOWED",
                   "HTTP Method '" + method + "' not allowed. Allowed are GET");
    return Results(job, params);
  }
  if (method == "GET") {
    if (job.state == "UploadComplete") job.state = "JobComplete";
    return Json(200, InfoJson(job, true));
  }
  if (method == "DELETE") {
    jobs_.erase(it);
    return Response{204, {}, ""};
  }
  if (method == "PATCH") {
    auto doc = sfn::json::Parse(body);
    auto state = doc.ok() && doc->IsObject() ? sfn::json::GetString(*doc, "state") : std::nullopt;
    if (!state || *state != "Aborted")
      return Error(400, "INVALIDJOBSTATE", "state: only Aborted can be set on a query job");
    if (job.state == "JobComplete")
      return Error(400, "INVALIDJOBSTATE", "Job is already complete and cannot be aborted");
    job.state = "Aborted";
    return Json(200, InfoJson(job, false));
  }
  return Error(405, "METHOD_NOT_ALLOWED",
               "HTTP Method '" + method + "' not allowed. Allowed are GET,PATCH,DELETE");
}

Response BulkQueryJobs::Create(const std::string& body, const std::string& api_version,
                               const std::string& user_id, const DataSource& data) {
  auto doc = sfn::json::Parse(body);
  if (!doc.ok() || !doc->IsObject())
    return Error(400, "JSON_PARSER_ERROR", "The request body must be a JSON object");
  std::string operation = sfn::json::GetString(*doc, "operation").value_or("");
  if (operation != "query" && operation != "queryAll")
    return Error(400, "INVALIDJOB",
                 "operation: must be query or queryAll, got '" + operation + "'");
  auto query = sfn::json::GetString(*doc, "query");
  if (!query || query->empty()) return Error(400, "INVALIDJOB", "query: a SOQL query is required");
  Job job;
  job.operation = operation;
  job.api_version = api_version;
  if (auto d = sfn::json::GetString(*doc, "columnDelimiter")) job.column_delimiter = *d;
  if (auto l = sfn::json::GetString(*doc, "lineEnding")) job.line_ending = *l;
  if (!Delimiters().count(job.column_delimiter))
    return Error(400, "INVALIDJOB", "columnDelimiter: unknown value " + job.column_delimiter);
  if (job.line_ending != "LF" && job.line_ending != "CRLF")
    return Error(400, "INVALIDJOB", "lineEnding: must be LF or CRLF");
  auto content = sfn::json::GetString(*doc, "contentType").value_or("CSV");
  if (content != "CSV") return Error(400, "INVALIDJOB", "contentType: only CSV is supported");

  soql::ParsedQuery parsed;
  soql::Error err;
  if (!soql::Parse(*query, &parsed, &err)) return Error(400, err.code, err.message);
  if (parsed.query->count_only)
    return Error(400, "API_ERROR", "COUNT() is not supported by Bulk API 2.0 query jobs");
  soql::ExecuteOptions opts;
  opts.include_deleted = operation == "queryAll";
  opts.api_version = api_version;
  soql::QueryResult result;
  if (!soql::Execute(parsed, data, opts, &result, &err)) return Error(400, err.code, err.message);
  const ObjectDef* object = data.FindObject(parsed.query->object);
  job.object = object ? object->name : parsed.object;

  std::vector<std::vector<std::string>> paths;
  for (const auto& ref : parsed.query->select) {
    std::vector<std::string> path = ref.path;
    if (path.size() > 1 && EqualsIgnoreCase(path[0], job.object)) path.erase(path.begin());
    std::string name;
    for (const auto& p : path) name += (name.empty() ? "" : ".") + p;
    job.header.push_back(name);
    paths.push_back(std::move(path));
  }
  for (const auto& json : result.records) {
    rapidjson::Document row;
    row.Parse(json.c_str(), json.size());
    std::vector<std::string> cells;
    for (const auto& path : paths) {
      const rapidjson::Value* v = &row;
      for (const auto& segment : path) v = v ? Member(*v, segment) : nullptr;
      cells.push_back(CellText(v));
    }
    job.rows.push_back(std::move(cells));
  }
  // Header spelling as the schema writes it (the first row's keys), e.g. "Name" for "name".
  if (!result.records.empty()) {
    rapidjson::Document row;
    row.Parse(result.records[0].c_str(), result.records[0].size());
    for (size_t i = 0; i < paths.size(); ++i) {
      const rapidjson::Value* v = &row;
      std::string name;
      for (const auto& segment : paths[i]) {
        if (!v || !v->IsObject()) break;
        for (const auto& m : v->GetObject()) {
          if (EqualsIgnoreCase(m.name.GetString(), segment)) {
            name += (name.empty() ? "" : ".") + std::string(m.name.GetString());
            v = &m.value;
            break;
          }
        }
      }
      if (!name.empty() && EqualsIgnoreCase(name, job.header[i])) job.header[i] = name;
    }
  }
  job.created_by = user_id;
  job.created_date = SalesforceDateTime(sfn::timeutil::NowMillis());
  job.state = "UploadComplete";
  std::lock_guard<std::mutex> lock(mu_);
  job.id = sfn::salesforce::MakeId("750", next_job_++);
  std::string info = InfoJson(job, false);
  jobs_[job.id] = std::move(job);
  return Json(200, info);
}

Response BulkQueryJobs::Results(Job& job, const sfn::form::Params& params) {
  if (job.state == "Aborted")
    return Error(400, "INVALIDJOBSTATE", "Job " + job.id + " was aborted; it has no results");
  bool found = false;
  std::string max_text = sfn::form::Get(params, "maxRecords", &found);
  size_t page = options_.default_page_records;
  if (found) {
    char* end = nullptr;
    long long n = std::strtoll(max_text.c_str(), &end, 10);
    if (max_text.empty() || *end != '\0' || n <= 0)
      return Error(400, "API_ERROR",
                   "maxRecords: must be a positive integer, got '" + max_text + "'");
    page = static_cast<size_t>(n);
  }
  size_t offset = 0;
  std::string locator = sfn::form::Get(params, "locator", &found);
  if (found && !locator.empty() && (!DecodeLocator(locator, &offset) || offset > job.rows.size()))
    return Error(400, "INVALID_LOCATOR", "locator: '" + locator + "' is not a locator of this job");
  const std::string& delim = Delimiters().at(job.column_delimiter);
  const char* eol = job.line_ending == "CRLF" ? "\r\n" : "\n";
  std::string csv;
  for (size_t i = 0; i < job.header.size(); ++i) csv += (i ? delim : "") + Quote(job.header[i]);
  csv += eol;
  size_t end = std::min(job.rows.size(), offset + page);
  for (size_t r = offset; r < end; ++r) {
    const auto& row = job.rows[r];
    for (size_t i = 0; i < row.size(); ++i) csv += (i ? delim : "") + Quote(row[i]);
    csv += eol;
  }
  Response response = sfn::http::TextResponse(200, std::move(csv), "text/csv");
  response.headers.Set("Sforce-Locator", end < job.rows.size() ? EncodeLocator(end) : "null");
  response.headers.Set("Sforce-NumberOfRecords", std::to_string(end - offset));
  return response;
}

}  // namespace sfemu
