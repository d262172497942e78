// Thin helpers over RapidJSON: parsing with a readable error, serialising,
// and typed field access that reports which field was wrong.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace sfn::json {

// Deepest nesting of arrays and objects Parse accepts. Nothing the project reads
// legitimately comes near it; a deeper document is refused instead of parsed.
inline constexpr int kMaxDepth = 64;

// Parses `text` with RapidJSON's iterative parser (its stack lives on the heap, so
// no input can overflow the thread's stack) and refuses nesting deeper than
// kMaxDepth. On failure the message names the byte offset and the problem, e.g.
// "invalid JSON at offset 64: nesting deeper than 64 levels". Every parse of
// outside input (API bodies, webhooks, Salesforce and gateway answers, config,
// mapping, the emulators' requests) goes through here.
Result<rapidjson::Document> Parse(std::string_view text);

std::string Serialize(const rapidjson::Value& value);
std::string SerializePretty(const rapidjson::Value& value);

// Typed getters: nullopt when the member is absent or null; an error Status
// (naming `field`) is written to *error when the member has the wrong type.
std::optional<std::string> GetString(const rapidjson::Value& obj, const char* field, Status* error = nullptr);
std::optional<int64_t> GetInt(const rapidjson::Value& obj, const char* field, Status* error = nullptr);
std::optional<double> GetDouble(const rapidjson::Value& obj, const char* field, Status* error = nullptr);
std::optional<bool> GetBool(const rapidjson::Value& obj, const char* field, Status* error = nullptr);

// Convenience for building documents.
inline rapidjson::Value Str(std::string_view s, rapidjson::Document::AllocatorType& a) {
  return rapidjson::Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
}

}  // namespace sfn::json
