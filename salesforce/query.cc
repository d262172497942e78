#include "salesforce/query.h"

#include "common/form.h"
#include "common/json.h"
#include "salesforce/api_error.h"

namespace sfn::salesforce {

QueryCursor::QueryCursor(Connection& connection, std::string soql, QueryOptions options)
    : connection_(connection), soql_(std::move(soql)), options_(options) {}

namespace {

CallOptions MakeCallOptions(const QueryOptions& options) {
  CallOptions call;
  call.essential = options.essential;
  call.idempotent = true;  // a query never changes data, even when POSTed through /composite
  if (options.batch_size > 0)
    call.headers.Set("Sforce-Query-Options", "batchSize=" + std::to_string(options.batch_size));
  return call;
}

Status CheckPage(const rapidjson::Document& page) {
  if (!page.IsObject() || !page.HasMember("records") || !page["records"].IsArray()) {
    return Status::Unavailable("query response has no records array");
  }
  return Status::Ok();
}

}  // namespace

Result<rapidjson::Document> QueryCursor::FirstPage() {
  if (soql_.empty()) return Status::InvalidArgument("SOQL query is empty");
  Status connected = connection_.Connect();
  if (!connected.ok()) return connected;
  std::string resource = options_.include_deleted ? "/queryAll" : "/query";
  std::string target = connection_.data_path() + resource + "?q=" + form::Encode(soql_);
  CallOptions call = MakeCallOptions(options_);
  if (target.size() <= options_.max_uri_bytes) return connection_.CallJson("GET", target, "", call);

  // Too long for a URI: the same GET travels inside a /composite body.
  rapidjson::Document request(rapidjson::kObjectType);
  auto& a = request.GetAllocator();
  rapidjson::Value sub(rapidjson::kObjectType);
  sub.AddMember("method", "GET", a);
  sub.AddMember("url", json::Str(target, a), a);
  sub.AddMember("referenceId", "query", a);
  rapidjson::Value list(rapidjson::kArrayType);
  list.PushBack(sub, a);
  request.AddMember("compositeRequest", list, a);
  auto response = connection_.CallJson("POST", connection_.data_path() + "/composite",
                                       json::Serialize(request), call);
  if (!response.ok()) return response.status();
  const auto& v = response.value();
  if (!v.HasMember("compositeResponse") || !v["compositeResponse"].IsArray() ||
      v["compositeResponse"].Empty()) {
    return Status::Unavailable("composite response lacks compositeResponse");
  }
  const auto& item = v["compositeResponse"][0];
  int status = static_cast<int>(json::GetInt(item, "httpStatusCode").value_or(0));
  if (!item.HasMember("body"))
    return Status::Unavailable("composite query subresponse has no body");
  std::string body = json::Serialize(item["body"]);
  if (status != 200) {
    auto errors = ParseApiErrors(status, body);
    if (errors.empty())
      return Status::Unavailable("composite query failed with HTTP " + std::to_string(status));
    return ToStatus(errors.front());
  }
  return json::Parse(body);
}

Result<bool> QueryCursor::Next(QueryPage* page) {
  Result<rapidjson::Document> doc = Status::Internal("unset");
  if (!started_) {
    started_ = true;
    doc = FirstPage();
  } else if (next_url_.empty()) {
    return false;
  } else {
    doc = connection_.CallJson("GET", next_url_, "", MakeCallOptions(options_));
  }
  if (!doc.ok()) {
    next_url_.clear();
    return doc.status();
  }
  Status valid = CheckPage(doc.value());
  if (!valid.ok()) return valid;
  bool done = json::GetBool(doc.value(), "done").value_or(true);
  next_url_ = done ? "" : json::GetString(doc.value(), "nextRecordsUrl").value_or("");
  page->total_size = json::GetInt(doc.value(), "totalSize").value_or(0);
  page->index = index_++;
  page->body = std::move(doc.value());
  return true;
}

Status ForEachPage(Connection& connection, const std::string& soql,
                   const std::function<Status(const QueryPage&)>& on_page,
                   const QueryOptions& options) {
  QueryCursor cursor(connection, soql, options);
  QueryPage page;
  while (true) {
    auto more = cursor.Next(&page);
    if (!more.ok()) return more.status();
    if (!more.value()) return Status::Ok();
    Status s = on_page(page);
    if (!s.ok()) return s;
  }
}

Status ForEachRecord(Connection& connection, const std::string& soql,
                     const std::function<Status(const rapidjson::Value& record)>& on_record,
                     const QueryOptions& options) {
  return ForEachPage(
      connection, soql,
      [&](const QueryPage& page) {
        for (const auto& record : page.records().GetArray()) {
          Status s = on_record(record);
          if (!s.ok()) return s;
        }
        return Status::Ok();
      },
      options);
}

}  // namespace sfn::salesforce
