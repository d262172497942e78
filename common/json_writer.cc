#include "common/json_writer.h"

#include "common/time_util.h"

namespace sfn::json {

void Writer::Str(std::string_view value) {
  String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void Writer::KeyStr(const char* key, std::string_view value) {
  Key(key);
  Str(value);
}

void Writer::KeyTime(const char* key, int64_t ms) {
  Key(key);
  if (ms > 0) {
    Str(timeutil::FormatRfc3339Millis(ms));
  } else {
    Null();
  }
}

}  // namespace sfn::json
