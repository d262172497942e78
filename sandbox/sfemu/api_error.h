// Salesforce REST errors as sfemu produces them. Top-level REST errors are a
// JSON array of {"message","errorCode","fields"}; per-record results in
// collections use the same content under "statusCode" instead of "errorCode".
#pragma once

#include <string>
#include <vector>

#include <rapidjson/document.h>

namespace sfemu {

struct ApiError {
  int http_status = 400;
  std::string code;     // errorCode / statusCode, e.g. "REQUIRED_FIELD_MISSING"
  std::string message;  // Salesforce's text where it is known
  std::vector<std::string> fields;
};

// `[{"message":...,"errorCode":...,"fields":[...]}]` (fields only when non-empty).
std::string ErrorArrayJson(const ApiError& error);
// `{"statusCode":...,"message":...,"fields":[...]}` for SaveResult.errors.
rapidjson::Value SaveErrorValue(const ApiError& error, rapidjson::Document::AllocatorType& alloc);

}  // namespace sfemu
