// Writing a JSON text with RapidJSON's streaming writer, plus the few helpers
// every response body repeats. Strings are written with their length, so a
// value with an embedded NUL is kept whole instead of cut.
#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "common/http_types.h"

namespace sfn::json {

namespace detail {
// Holds the buffer so that it is built before the writer that points at it.
struct BufferHolder {
  rapidjson::StringBuffer buffer;
};
}  // namespace detail

// Use it as a rapidjson::Writer (Key, Int, StartObject, ...); take the text with str().
class Writer : private detail::BufferHolder, public rapidjson::Writer<rapidjson::StringBuffer> {
 public:
  Writer() : rapidjson::Writer<rapidjson::StringBuffer>(buffer) {}
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  void Str(std::string_view value);
  void KeyStr(const char* key, std::string_view value);
  // RFC 3339 with milliseconds, or null when ms <= 0 (not known yet).
  void KeyTime(const char* key, int64_t ms);

  // `key`: {"name": count, ...} from a map of names to whole numbers (counts by state, reason).
  template <typename Map>
  void KeyCounts(const char* key, const Map& counts) {
    Key(key);
    StartObject();
    for (const auto& [name, n] : counts) {
      Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
      Int64(static_cast<int64_t>(n));
    }
    EndObject();
  }

  std::string str() const { return buffer.GetString(); }
  // The text as an application/json response.
  http::Response Response(int status) const { return http::JsonResponse(status, str()); }
};

}  // namespace sfn::json
