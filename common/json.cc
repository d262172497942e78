#include "common/json.h"

#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace sfn::json {

Result<rapidjson::Document> Parse(std::string_view text) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError()) {
    return Status::InvalidArgument("invalid JSON at offset " + std::to_string(doc.GetErrorOffset()) + ": " +
                                   rapidjson::GetParseError_En(doc.GetParseError()));
  }
  return Result<rapidjson::Document>(std::move(doc));
}

std::string Serialize(const rapidjson::Value& value) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buf);
  value.Accept(writer);
  return std::string(buf.GetString(), buf.GetSize());
}

std::string SerializePretty(const rapidjson::Value& value) {
  rapidjson::StringBuffer buf;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buf);
  writer.SetIndent(' ', 2);
  value.Accept(writer);
  return std::string(buf.GetString(), buf.GetSize());
}

namespace {
const rapidjson::Value* Member(const rapidjson::Value& obj, const char* field) {
  if (!obj.IsObject()) return nullptr;
  auto it = obj.FindMember(field);
  if (it == obj.MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}
void SetTypeError(Status* error, const char* field, const char* expected) {
  if (error) *error = Status::InvalidArgument(std::string("field '") + field + "' must be " + expected);
}
}  // namespace

std::optional<std::string> GetString(const rapidjson::Value& obj, const char* field, Status* error) {
  const auto* v = Member(obj, field);
  if (!v) return std::nullopt;
  if (!v->IsString()) {
    SetTypeError(error, field, "a string");
    return std::nullopt;
  }
  return std::string(v->GetString(), v->GetStringLength());
}

std::optional<int64_t> GetInt(const rapidjson::Value& obj, const char* field, Status* error) {
  const auto* v = Member(obj, field);
  if (!v) return std::nullopt;
  if (!v->IsInt64()) {
    SetTypeError(error, field, "an integer");
    return std::nullopt;
  }
  return v->GetInt64();
}

std::optional<double> GetDouble(const rapidjson::Value& obj, const char* field, Status* error) {
  const auto* v = Member(obj, field);
  if (!v) return std::nullopt;
  if (!v->IsNumber()) {
    SetTypeError(error, field, "a number");
    return std::nullopt;
  }
  return v->GetDouble();
}

std::optional<bool> GetBool(const rapidjson::Value& obj, const char* field, Status* error) {
  const auto* v = Member(obj, field);
  if (!v) return std::nullopt;
  if (!v->IsBool()) {
    SetTypeError(error, field, "true or false");
    return std::nullopt;
  }
  return v->GetBool();
}

}  // namespace sfn::json
