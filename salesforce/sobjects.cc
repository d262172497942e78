#include "salesforce/sobjects.h"

#include "common/form.h"
#include "common/json.h"
#include "salesforce/record_id.h"
#include "salesforce/soql.h"

namespace sfn::salesforce {

namespace {

Status CheckType(const std::string& sobject) {
  if (!soql::IsValidIdentifier(sobject) || sobject.find('.') != std::string::npos) {
    return Status::InvalidArgument("sObject type '" + sobject + "' is not a valid name");
  }
  return Status::Ok();
}

Result<std::string> RecordPath(const std::string& sobject, const std::string& id) {
  Status type = CheckType(sobject);
  if (!type.ok()) return type;
  auto normalized = NormalizeId(id);
  if (!normalized.ok())
    return Status::InvalidArgument("record ID '" + id + "': " + normalized.status().message());
  return "/sobjects/" + sobject + "/" + normalized.value();
}

}  // namespace

Result<std::string> CreateRecord(Connection& connection, const std::string& sobject,
                                 const rapidjson::Value& fields, const CallOptions& options) {
  Status type = CheckType(sobject);
  if (!type.ok()) return type;
  if (!fields.IsObject()) return Status::InvalidArgument("record fields must be a JSON object");
  auto doc =
      connection.CallJson("POST", "/sobjects/" + sobject + "/", json::Serialize(fields), options);
  if (!doc.ok()) return doc.status();
  auto id = json::GetString(doc.value(), "id");
  if (!id) return Status::Unavailable("create response has no id");
  return *id;
}

Result<rapidjson::Document> RetrieveRecord(Connection& connection, const std::string& sobject,
                                           const std::string& id,
                                           const std::vector<std::string>& fields,
                                           const CallOptions& options) {
  auto path = RecordPath(sobject, id);
  if (!path.ok()) return path.status();
  std::string target = path.value();
  if (!fields.empty()) {
    std::string list;
    for (const auto& f : fields) {
      if (!soql::IsValidIdentifier(f))
        return Status::InvalidArgument("field '" + f + "' is not a valid name");
      list += (list.empty() ? "" : ",") + f;
    }
    target += "?fields=" + form::Encode(list);
  }
  return connection.CallJson("GET", target, "", options);
}

Status UpdateRecord(Connection& connection, const std::string& sobject, const std::string& id,
                    const rapidjson::Value& fields, CallOptions options) {
  auto path = RecordPath(sobject, id);
  if (!path.ok()) return path.status();
  if (!fields.IsObject()) return Status::InvalidArgument("record fields must be a JSON object");
  options.idempotent = true;
  return connection.Call("PATCH", path.value(), json::Serialize(fields), options).status();
}

Status DeleteRecord(Connection& connection, const std::string& sobject, const std::string& id,
                    const CallOptions& options) {
  auto path = RecordPath(sobject, id);
  if (!path.ok()) return path.status();
  return connection.Call("DELETE", path.value(), "", options).status();
}

Result<rapidjson::Document> GetLimits(Connection& connection, const CallOptions& options) {
  auto doc = connection.CallJson("GET", "/limits/", "", options);
  if (!doc.ok()) return doc;
  const auto& v = doc.value();
  if (v.HasMember("DailyApiRequests") && v["DailyApiRequests"].IsObject()) {
    auto max = json::GetInt(v["DailyApiRequests"], "Max");
    auto remaining = json::GetInt(v["DailyApiRequests"], "Remaining");
    if (max && remaining) connection.budget().Record(ApiUsage{*max - *remaining, *max});
  }
  return doc;
}

Result<std::shared_ptr<const rapidjson::Document>> DescribeCache::Describe(
    const std::string& sobject) {
  Status type = CheckType(sobject);
  if (!type.ok()) return type;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(sobject);
    if (it != cache_.end()) return it->second;
  }
  // Two callers may fetch the same describe at once; both results are equal, so
  // the duplicate costs one API call and no lock is held across the network.
  auto doc = connection_.CallJson("GET", "/sobjects/" + sobject + "/describe/");
  if (!doc.ok()) return doc.status();
  auto shared = std::make_shared<const rapidjson::Document>(std::move(doc.value()));
  std::lock_guard<std::mutex> lock(mu_);
  fetches_++;
  cache_.emplace(sobject, shared);
  return shared;
}

Result<std::vector<std::string>> DescribeCache::FieldNames(const std::string& sobject) {
  auto describe = Describe(sobject);
  if (!describe.ok()) return describe.status();
  const rapidjson::Document& d = *describe.value();
  std::vector<std::string> names;
  if (!d.HasMember("fields") || !d["fields"].IsArray())
    return Status::Unavailable("describe has no fields");
  for (const auto& f : d["fields"].GetArray()) {
    if (auto name = json::GetString(f, "name")) names.push_back(*name);
  }
  return names;
}

void DescribeCache::Invalidate(const std::string& sobject) {
  std::lock_guard<std::mutex> lock(mu_);
  cache_.erase(sobject);
}

size_t DescribeCache::fetches() const {
  std::lock_guard<std::mutex> lock(mu_);
  return fetches_;
}

}  // namespace sfn::salesforce
