#include "sandbox/smsemu/resource_json.h"

#include "common/time_util.h"

namespace sfn::smsemu {

namespace {

void Str(JsonWriter* w, const char* key, const std::string& value) {
  w->Key(key);
  w->String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
}

void StrOrNull(JsonWriter* w, const char* key, const std::string& value) {
  w->Key(key);
  if (value.empty()) {
    w->Null();
  } else {
    w->String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
  }
}

void DateOrNull(JsonWriter* w, const char* key, const std::optional<int64_t>& epoch_s) {
  StrOrNull(w, key, epoch_s ? timeutil::FormatRfc2822(*epoch_s) : "");
}

}  // namespace

std::string MessageUri(const Message& m) {
  return "/2010-04-01/Accounts/" + m.account_sid + "/Messages/" + m.sid + ".json";
}

void WriteMessageResource(const Message& m, bool hide_segments, JsonWriter* w) {
  std::string base = "/2010-04-01/Accounts/" + m.account_sid + "/Messages/" + m.sid;
  w->StartObject();
  Str(w, "account_sid", m.account_sid);
  Str(w, "api_version", "2010-04-01");
  Str(w, "body", m.body);
  DateOrNull(w, "date_created", m.date_created_s);
  DateOrNull(w, "date_sent", m.date_sent_s);
  DateOrNull(w, "date_updated", m.date_updated_s);
  Str(w, "direction", m.direction);
  w->Key("error_code");
  if (m.error_code) {
    w->Int(*m.error_code);
  } else {
    w->Null();
  }
  StrOrNull(w, "error_message", m.error_message);
  StrOrNull(w, "from", m.from);
  StrOrNull(w, "messaging_service_sid", m.messaging_service_sid);
  Str(w, "num_media", "0");
  Str(w, "num_segments", hide_segments ? "0" : std::to_string(m.num_segments));
  StrOrNull(w, "price", m.price.value_or(""));
  Str(w, "price_unit", "USD");
  Str(w, "sid", m.sid);
  Str(w, "status", m.status);
  w->Key("subresource_uris");
  w->StartObject();
  Str(w, "media", base + "/Media.json");
  Str(w, "feedback", base + "/Feedback.json");
  w->EndObject();
  Str(w, "to", m.to);
  Str(w, "uri", base + ".json");
  w->EndObject();
}

void WriteEmulatorView(const Message& m, JsonWriter* w) {
  w->StartObject();
  Str(w, "sid", m.sid);
  Str(w, "direction", m.direction);
  Str(w, "to", m.to);
  StrOrNull(w, "from", m.from);
  StrOrNull(w, "messaging_service_sid", m.messaging_service_sid);
  Str(w, "body", m.body);
  Str(w, "status", m.status);
  w->Key("num_segments");
  w->Int(m.num_segments);
  Str(w, "encoding", m.encoding);
  w->Key("error_code");
  if (m.error_code) {
    w->Int(*m.error_code);
  } else {
    w->Null();
  }
  StrOrNull(w, "price", m.price.value_or(""));
  DateOrNull(w, "date_created", m.date_created_s);
  DateOrNull(w, "date_sent", m.date_sent_s);
  StrOrNull(w, "status_callback", m.status_callback);
  w->Key("created_ms");
  w->Int64(m.created_ms);
  w->Key("dequeued_at_ms");
  if (m.dequeued_at_ms) {
    w->Int64(*m.dequeued_at_ms);
  } else {
    w->Null();
  }
  w->Key("callbacks");
  w->StartArray();
  for (const auto& c : m.callbacks) {
    w->StartObject();
    Str(w, "status", c.status);
    Str(w, "url", c.url);
    Str(w, "idempotency_token", c.idempotency_token);
    w->Key("http_status");
    w->Int(c.http_status);
    StrOrNull(w, "error", c.error);
    w->Key("attempt");
    w->Int(c.attempt);
    StrOrNull(w, "warning", c.warning);
    w->Key("duplicate");
    w->Bool(c.duplicate);
    w->Key("dropped");
    w->Bool(c.dropped);
    Str(w, "at", timeutil::FormatRfc3339Millis(c.at_ms));
    w->EndObject();
  }
  w->EndArray();
  w->EndObject();
}

}  // namespace sfn::smsemu
