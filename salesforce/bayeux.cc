#include "salesforce/bayeux.h"

#include <cstdlib>

#include "common/json.h"

namespace sfn::salesforce::bayeux {

namespace {

std::string Wrap(rapidjson::Document& message) {
  rapidjson::Document list(rapidjson::kArrayType);
  list.PushBack(rapidjson::Value(message, list.GetAllocator()), list.GetAllocator());
  return json::Serialize(list);
}

int CodeOf(const std::string& text) {
  size_t sep = text.find("::");
  if (sep == std::string::npos || sep == 0) return 0;
  return std::atoi(text.substr(0, sep).c_str());
}

Message ParseOne(const rapidjson::Value& v) {
  Message m;
  m.channel = json::GetString(v, "channel").value_or("");
  m.id = json::GetString(v, "id").value_or("");
  m.client_id = json::GetString(v, "clientId").value_or("");
  m.subscription = json::GetString(v, "subscription").value_or("");
  if (auto s = json::GetBool(v, "successful")) {
    m.has_successful = true;
    m.successful = *s;
  }
  m.error = json::GetString(v, "error").value_or("");
  auto advice = v.FindMember("advice");
  if (advice != v.MemberEnd() && advice->value.IsObject()) {
    m.advice.reconnect = json::GetString(advice->value, "reconnect").value_or("");
    m.advice.interval_ms = json::GetInt(advice->value, "interval").value_or(-1);
    m.advice.timeout_ms = json::GetInt(advice->value, "timeout").value_or(-1);
  }
  auto ext = v.FindMember("ext");
  if (ext != v.MemberEnd() && ext->value.IsObject()) {
    auto sfdc = ext->value.FindMember("sfdc");
    if (sfdc != ext->value.MemberEnd() && sfdc->value.IsObject()) {
      m.failure_reason = json::GetString(sfdc->value, "failureReason").value_or("");
    }
  }
  auto data = v.FindMember("data");
  if (data != v.MemberEnd() && data->value.IsObject()) {
    m.is_event = true;
    auto event = data->value.FindMember("event");
    if (event != data->value.MemberEnd() && event->value.IsObject()) {
      m.replay_id = json::GetInt(event->value, "replayId").value_or(0);
      m.event_uuid = json::GetString(event->value, "EventUuid").value_or("");
    }
    auto payload = data->value.FindMember("payload");
    // PushTopic events carry "sobject" instead of "payload".
    if (payload == data->value.MemberEnd()) payload = data->value.FindMember("sobject");
    if (payload != data->value.MemberEnd()) m.payload_json = json::Serialize(payload->value);
  }
  return m;
}

}  // namespace

int Message::ErrorCode() const {
  int code = CodeOf(error);
  if (code == 403 && CodeOf(failure_reason) != 0) return CodeOf(failure_reason);
  return code != 0 ? code : CodeOf(failure_reason);
}

std::string Handshake(const std::string& id) {
  rapidjson::Document m(rapidjson::kObjectType);
  auto& a = m.GetAllocator();
  m.AddMember("channel", "/meta/handshake", a);
  m.AddMember("version", "1.0", a);
  m.AddMember("minimumVersion", "1.0", a);
  rapidjson::Value types(rapidjson::kArrayType);
  types.PushBack("long-polling", a);
  m.AddMember("supportedConnectionTypes", types, a);
  rapidjson::Value ext(rapidjson::kObjectType);
  ext.AddMember("replay", true, a);
  m.AddMember("ext", ext, a);
  m.AddMember("id", json::Str(id, a), a);
  return Wrap(m);
}

std::string Subscribe(const std::string& client_id, const std::string& channel, int64_t replay_from,
                      const std::string& id) {
  rapidjson::Document m(rapidjson::kObjectType);
  auto& a = m.GetAllocator();
  m.AddMember("channel", "/meta/subscribe", a);
  m.AddMember("clientId", json::Str(client_id, a), a);
  m.AddMember("subscription", json::Str(channel, a), a);
  rapidjson::Value replay(rapidjson::kObjectType);
  // Always a number: a null replay id makes Salesforce refuse the subscription.
  replay.AddMember(json::Str(channel, a), rapidjson::Value(replay_from), a);
  rapidjson::Value ext(rapidjson::kObjectType);
  ext.AddMember("replay", replay, a);
  m.AddMember("ext", ext, a);
  m.AddMember("id", json::Str(id, a), a);
  return Wrap(m);
}

std::string Connect(const std::string& client_id, const std::string& id) {
  rapidjson::Document m(rapidjson::kObjectType);
  auto& a = m.GetAllocator();
  m.AddMember("channel", "/meta/connect", a);
  m.AddMember("clientId", json::Str(client_id, a), a);
  m.AddMember("connectionType", "long-polling", a);
  m.AddMember("id", json::Str(id, a), a);
  return Wrap(m);
}

std::string Disconnect(const std::string& client_id, const std::string& id) {
  rapidjson::Document m(rapidjson::kObjectType);
  auto& a = m.GetAllocator();
  m.AddMember("channel", "/meta/disconnect", a);
  m.AddMember("clientId", json::Str(client_id, a), a);
  m.AddMember("id", json::Str(id, a), a);
  return Wrap(m);
}

Result<std::vector<Message>> Parse(std::string_view body) {
  auto doc = json::Parse(body);
  if (!doc.ok())
    return Status::Unavailable("Bayeux response is not JSON: " + doc.status().message());
  std::vector<Message> out;
  if (doc->IsArray()) {
    for (const auto& v : doc->GetArray()) {
      if (v.IsObject()) out.push_back(ParseOne(v));
    }
  } else if (doc->IsObject()) {
    out.push_back(ParseOne(doc.value()));
  } else {
    return Status::Unavailable("Bayeux response is neither an array nor an object");
  }
  return out;
}

}  // namespace sfn::salesforce::bayeux
