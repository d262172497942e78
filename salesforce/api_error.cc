#include "salesforce/api_error.h"

#include "common/json.h"

namespace sfn::salesforce {
namespace {

constexpr std::string_view kHttpMarker = " (HTTP ";
constexpr std::string_view kFieldsMarker = " [fields: ";

ApiError FromRestObject(int http_status, const rapidjson::Value& v) {
  ApiError e;
  e.http_status = http_status;
  e.error_code = json::GetString(v, "errorCode").value_or("");
  if (e.error_code.empty()) e.error_code = json::GetString(v, "statusCode").value_or("");
  e.message = json::GetString(v, "message").value_or("");
  auto it = v.FindMember("fields");
  if (it != v.MemberEnd() && it->value.IsArray()) {
    for (const auto& f : it->value.GetArray()) {
      if (f.IsString()) e.fields.emplace_back(f.GetString(), f.GetStringLength());
    }
  }
  return e;
}

bool IsOneOf(const std::string& code, std::initializer_list<const char*> codes) {
  for (const char* c : codes) {
    if (code == c) return true;
  }
  return false;
}

}  // namespace

std::vector<ApiError> ParseApiErrors(int http_status, std::string_view body) {
  std::vector<ApiError> out;
  auto doc = json::Parse(body);
  if (!doc.ok()) return out;
  const rapidjson::Value& v = doc.value();
  if (v.IsArray()) {
    for (const auto& item : v.GetArray()) {
      if (item.IsObject()) out.push_back(FromRestObject(http_status, item));
    }
  } else if (v.IsObject()) {
    if (v.HasMember("errorCode")) {
      out.push_back(FromRestObject(http_status, v));
    } else if (auto error = json::GetString(v, "error")) {
      ApiError e;
      e.http_status = http_status;
      e.error_code = *error;
      e.message = json::GetString(v, "error_description").value_or("");
      out.push_back(std::move(e));
    }
  }
  return out;
}

StatusCode CategoryFor(const ApiError& e) {
  const std::string& c = e.error_code;
  if (c == "INVALID_SESSION_ID" || c == "invalid_grant" || c == "invalid_client_id" ||
      c == "invalid_client_credentials" || c == "inactive_user" || c == "inactive_org" ||
      c == "invalid_client" || e.http_status == 401) {
    return StatusCode::kUnauthenticated;
  }
  if (c == "REQUEST_LIMIT_EXCEEDED" || c == "rate_limit_exceeded" || c == "LOGIN_RATE_EXCEEDED") {
    return StatusCode::kRateLimited;
  }
  if (IsRetryableError(e)) return StatusCode::kUnavailable;
  if (c == "NOT_FOUND" || e.http_status == 404) return StatusCode::kNotFound;
  if (IsOneOf(c, {"INSUFFICIENT_ACCESS_OR_READONLY", "INSUFFICIENT_ACCESS", "API_DISABLED_FOR_ORG",
                  "API_CURRENTLY_DISABLED", "FUNCTIONALITY_NOT_ENABLED"}) ||
      e.http_status == 403) {
    return StatusCode::kPermissionDenied;
  }
  if (IsOneOf(c, {"DUPLICATE_VALUE", "DUPLICATES_DETECTED"})) return StatusCode::kConflict;
  if (e.http_status >= 500) return StatusCode::kUnknownOutcome;
  if (c == "STRING_TOO_LONG" || c == "ALL_OR_NONE_OPERATION_ROLLED_BACK")
    return StatusCode::kPermanent;
  return StatusCode::kInvalidArgument;
}

bool IsRetryableError(const ApiError& e) {
  return e.error_code == "UNABLE_TO_LOCK_ROW" || e.error_code == "unknown_error" ||
         e.error_code == "SERVER_UNAVAILABLE" || e.http_status == 502 || e.http_status == 503 ||
         e.http_status == 504;
}

Status ToStatus(const ApiError& e) {
  return ToStatus(e, CategoryFor(e));
}

Status ToStatus(const ApiError& e, StatusCode code) {
  std::string text = e.error_code.empty() ? "UNKNOWN" : e.error_code;
  text += kHttpMarker;
  text += std::to_string(e.http_status) + "): " + e.message;
  if (!e.fields.empty()) {
    text += kFieldsMarker;
    for (size_t i = 0; i < e.fields.size(); ++i) text += (i ? ", " : "") + e.fields[i];
    text += "]";
  }
  return Status(code, std::move(text));
}

std::optional<ApiError> ApiError::From(const Status& status) {
  if (status.ok()) return std::nullopt;
  const std::string& m = status.message();
  size_t http = m.find(kHttpMarker);
  if (http == std::string::npos || http == 0) return std::nullopt;
  size_t close = m.find("): ", http);
  if (close == std::string::npos) return std::nullopt;
  ApiError e;
  e.error_code = m.substr(0, http);
  if (e.error_code.find(' ') != std::string::npos) return std::nullopt;
  try {
    e.http_status =
        std::stoi(m.substr(http + kHttpMarker.size(), close - http - kHttpMarker.size()));
  } catch (...) {
    return std::nullopt;
  }
  std::string rest = m.substr(close + 3);
  size_t fields = rest.rfind(kFieldsMarker);
  if (fields != std::string::npos && !rest.empty() && rest.back() == ']') {
    std::string list =
        rest.substr(fields + kFieldsMarker.size(), rest.size() - fields - kFieldsMarker.size() - 1);
    rest.resize(fields);
    size_t start = 0;
    while (start <= list.size()) {
      size_t comma = list.find(", ", start);
      std::string f =
          list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!f.empty()) e.fields.push_back(f);
      if (comma == std::string::npos) break;
      start = comma + 2;
    }
  }
  e.message = std::move(rest);
  return e;
}

}  // namespace sfn::salesforce
