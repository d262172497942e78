#include "sandbox/sfemu/api_error.h"

#include "common/json.h"

namespace sfemu {

std::string ErrorArrayJson(const ApiError& error) {
  rapidjson::Document doc(rapidjson::kArrayType);
  auto& a = doc.GetAllocator();
  rapidjson::Value item(rapidjson::kObjectType);
  item.AddMember("message", sfn::json::Str(error.message, a), a);
  item.AddMember("errorCode", sfn::json::Str(error.code, a), a);
  if (!error.fields.empty()) {
    rapidjson::Value fields(rapidjson::kArrayType);
    for (const auto& f : error.fields) fields.PushBack(sfn::json::Str(f, a), a);
    item.AddMember("fields", fields, a);
  }
  doc.PushBack(item, a);
  return sfn::json::Serialize(doc);
}

rapidjson::Value SaveErrorValue(const ApiError& error, rapidjson::Document::AllocatorType& a) {
  rapidjson::Value item(rapidjson::kObjectType);
  item.AddMember("statusCode", sfn::json::Str(error.code, a), a);
  item.AddMember("message", sfn::json::Str(error.message, a), a);
  rapidjson::Value fields(rapidjson::kArrayType);
  for (const auto& f : error.fields) fields.PushBack(sfn::json::Str(f, a), a);
  item.AddMember("fields", fields, a);
  return item;
}

}  // namespace sfemu
