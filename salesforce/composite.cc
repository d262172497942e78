#include "salesforce/composite.h"

#include <cctype>
#include <set>

#include "common/json.h"

namespace sfn::salesforce {

namespace {
bool IsValidReferenceId(const std::string& ref) {
  if (ref.empty() || !std::isalpha(static_cast<unsigned char>(ref[0]))) return false;
  for (char c : ref) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}
}  // namespace

Result<std::vector<CompositeSubresponse>> SendComposite(
    Connection& connection, const std::vector<CompositeSubrequest>& subrequests, bool all_or_none,
    const CallOptions& options) {
  if (subrequests.empty()) return Status::InvalidArgument("composite: no subrequests");
  if (subrequests.size() > kMaxCompositeSubrequests) {
    return Status::InvalidArgument("composite: " + std::to_string(subrequests.size()) +
                                   " subrequests; at most 25 are allowed");
  }
  rapidjson::Document body(rapidjson::kObjectType);
  auto& a = body.GetAllocator();
  body.AddMember("allOrNone", all_or_none, a);
  rapidjson::Value list(rapidjson::kArrayType);
  std::set<std::string> refs;
  for (size_t i = 0; i < subrequests.size(); ++i) {
    const auto& sub = subrequests[i];
    std::string where = "composite subrequest " + std::to_string(i) + ": ";
    if (!IsValidReferenceId(sub.reference_id)) {
      return Status::InvalidArgument(where + "referenceId '" + sub.reference_id + "' is not valid");
    }
    if (!refs.insert(sub.reference_id).second) {
      return Status::InvalidArgument(where + "referenceId '" + sub.reference_id + "' is repeated");
    }
    if (sub.url.rfind("/services/", 0) != 0)
      return Status::InvalidArgument(where + "url must start with /services/");
    rapidjson::Value item(rapidjson::kObjectType);
    item.AddMember("method", json::Str(sub.method, a), a);
    item.AddMember("url", json::Str(sub.url, a), a);
    item.AddMember("referenceId", json::Str(sub.reference_id, a), a);
    if (!sub.body_json.empty()) {
      auto parsed = json::Parse(sub.body_json);
      if (!parsed.ok())
        return Status::InvalidArgument(where + "body: " + parsed.status().message());
      item.AddMember("body", rapidjson::Value(parsed.value(), a), a);
    }
    list.PushBack(item, a);
  }
  body.AddMember("compositeRequest", list, a);
  auto response = connection.CallJson("POST", "/composite", json::Serialize(body), options);
  if (!response.ok()) return response.status();
  const auto& v = response.value();
  if (!v.HasMember("compositeResponse") || !v["compositeResponse"].IsArray()) {
    return Status::Unavailable("composite response lacks compositeResponse");
  }
  std::vector<CompositeSubresponse> out;
  for (const auto& item : v["compositeResponse"].GetArray()) {
    CompositeSubresponse sub;
    sub.http_status = static_cast<int>(json::GetInt(item, "httpStatusCode").value_or(0));
    sub.reference_id = json::GetString(item, "referenceId").value_or("");
    if (item.HasMember("body")) sub.body.CopyFrom(item["body"], sub.body.GetAllocator());
    out.push_back(std::move(sub));
  }
  return out;
}

}  // namespace sfn::salesforce
