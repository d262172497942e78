#include "connector/config/config.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "common/json.h"
#include "salesforce/soql.h"

namespace sfn::connector {

namespace {

// Walks a JSON object and records the first problem with its full field path.
class Reader {
 public:
  Reader(const std::string& origin) : origin_(origin) {}

  bool ok() const { return error_.empty(); }
  Status status() const { return Status::InvalidArgument(origin_ + ": " + error_); }

  void Fail(const std::string& path, const std::string& problem) {
    if (error_.empty()) error_ = path + ": " + problem;
  }

  const rapidjson::Value* Object(const rapidjson::Value& parent, const std::string& prefix, const char* name,
                                 bool required) {
    auto it = parent.FindMember(name);
    std::string path = Join(prefix, name);
    if (it == parent.MemberEnd()) {
      if (required) Fail(path, "required field is missing");
      return nullptr;
    }
    if (!it->value.IsObject()) {
      Fail(path, "must be an object");
      return nullptr;
    }
    return &it->value;
  }

  void String(const rapidjson::Value& parent, const std::string& prefix, const char* name, std::string* out,
              bool required) {
    auto it = parent.FindMember(name);
    std::string path = Join(prefix, name);
    if (it == parent.MemberEnd()) {
      if (required) Fail(path, "required field is missing");
      return;
    }
    if (!it->value.IsString()) return Fail(path, "must be a string");
    *out = it->value.GetString();
    if (required && out->empty()) Fail(path, "must not be empty");
  }

  void Number(const rapidjson::Value& parent, const std::string& prefix, const char* name, double* out) {
    auto it = parent.FindMember(name);
    if (it == parent.MemberEnd()) return;
    if (!it->value.IsNumber()) return Fail(Join(prefix, name), "must be a number");
    *out = it->value.GetDouble();
  }

  void Bool(const rapidjson::Value& parent, const std::string& prefix, const char* name, bool* out) {
    auto it = parent.FindMember(name);
    if (it == parent.MemberEnd()) return;
    if (!it->value.IsBool()) return Fail(Join(prefix, name), "must be true or false");
    *out = it->value.GetBool();
  }

  void StringList(const rapidjson::Value& parent, const std::string& prefix, const char* name,
                  std::vector<std::string>* out) {
    auto it = parent.FindMember(name);
    if (it == parent.MemberEnd()) return;
    std::string path = Join(prefix, name);
    if (!it->value.IsArray()) return Fail(path, "must be an array of strings");
    out->clear();
    for (rapidjson::SizeType i = 0; i < it->value.Size(); ++i) {
      if (!it->value[i].IsString()) return Fail(path + "[" + std::to_string(i) + "]", "must be a string");
      out->push_back(it->value[i].GetString());
    }
  }

  void OneOf(const std::string& path, const std::string& value, std::initializer_list<const char*> allowed) {
    std::string list;
    for (const char* a : allowed) {
      if (value == a) return;
      list += list.empty() ? a : std::string(", ") + a;
    }
    Fail(path, "'" + value + "' is not one of: " + list);
  }

  static std::string Join(const std::string& prefix, const std::string& name) {
    return prefix.empty() ? name : prefix + "." + name;
  }

 private:
  std::string origin_;
  std::string error_;
};

void ReadSalesforce(Reader& r, const rapidjson::Value& root, SalesforceOptions* sf) {
  const auto* obj = r.Object(root, "", "salesforce", true);
  if (!obj) return;
  const std::string p = "salesforce";
  r.String(*obj, p, "login_url", &sf->login_url, true);
  r.String(*obj, p, "auth_flow", &sf->auth_flow, false);
  if (r.ok()) r.OneOf(p + ".auth_flow", sf->auth_flow, {"jwt", "client_credentials", "refresh_token", "password"});
  r.String(*obj, p, "client_id", &sf->client_id, true);
  r.String(*obj, p, "client_secret_env", &sf->client_secret_env, sf->auth_flow != "jwt");
  r.String(*obj, p, "username", &sf->username, sf->auth_flow == "jwt" || sf->auth_flow == "password");
  r.String(*obj, p, "private_key_file", &sf->private_key_file, sf->auth_flow == "jwt");
  r.String(*obj, p, "api_version", &sf->api_version, false);
  r.String(*obj, p, "event_channel", &sf->event_channel, false);
  r.Bool(*obj, p, "verify_tls", &sf->verify_tls);
  if (r.ok() && sf->login_url.rfind("http://", 0) != 0 && sf->login_url.rfind("https://", 0) != 0) {
    r.Fail(p + ".login_url", "must start with https:// (or http:// for a local emulator)");
  }
}

void ReadQuiqGateway(Reader& r, const rapidjson::Value& obj, QuiqGatewayOptions* quiq) {
  const std::string p = "gateway";
  r.String(obj, p, "identity", &quiq->identity, true);
  r.String(obj, p, "secret_env", &quiq->secret_env, false);
  r.String(obj, p, "api", &quiq->api, false);
  if (r.ok()) r.OneOf(p + ".api", quiq->api, {"notify", "send-notifications"});
  r.String(obj, p, "topic", &quiq->topic, false);
  r.String(obj, p, "webhook_secret_env", &quiq->webhook_secret_env, false);
  double batch_size = quiq->batch_size, linger = quiq->batch_linger_ms, timeout = quiq->timeout_ms;
  r.Number(obj, p, "batch_size", &batch_size);
  r.Number(obj, p, "batch_linger_ms", &linger);
  r.Number(obj, p, "timeout_ms", &timeout);
  if (r.ok() && (batch_size < 1 || batch_size > 1000)) r.Fail(p + ".batch_size", "must be between 1 and 1000");
  if (r.ok() && (linger < 0 || linger > 10000)) r.Fail(p + ".batch_linger_ms", "must be between 0 and 10000");
  if (r.ok() && timeout < 100) r.Fail(p + ".timeout_ms", "must be at least 100");
  quiq->batch_size = static_cast<int>(batch_size);
  quiq->batch_linger_ms = static_cast<int>(linger);
  quiq->timeout_ms = static_cast<int>(timeout);
}

void ReadGateway(Reader& r, const rapidjson::Value& root, GatewayOptions* gw) {
  const auto* obj = r.Object(root, "", "gateway", false);
  if (!obj) return;
  const std::string p = "gateway";
  r.String(*obj, p, "type", &gw->type, false);
  if (r.ok()) r.OneOf(p + ".type", gw->type, {"sandbox", "twilio", "quiq"});
  bool twilio = gw->type == "twilio";
  r.String(*obj, p, "base_url", &gw->base_url, twilio || gw->type == "quiq");
  r.String(*obj, p, "account_sid", &gw->account_sid, twilio);
  r.String(*obj, p, "auth_token_env", &gw->auth_token_env, false);
  double reconcile_after_ms = gw->reconcile_after_ms;
  r.Number(*obj, p, "reconcile_after_ms", &reconcile_after_ms);
  if (r.ok() && reconcile_after_ms < 0) r.Fail(p + ".reconcile_after_ms", "must not be negative");
  gw->reconcile_after_ms = static_cast<int>(reconcile_after_ms);
  double in_flight = gw->max_in_flight, max_backoff = gw->retry_max_backoff_ms;
  double breaker_failures = gw->breaker_failures, breaker_probe = gw->breaker_probe_ms;
  r.Number(*obj, p, "max_in_flight", &in_flight);
  r.Number(*obj, p, "retry_max_backoff_ms", &max_backoff);
  r.Number(*obj, p, "breaker_failures", &breaker_failures);
  r.Number(*obj, p, "breaker_probe_ms", &breaker_probe);
  if (r.ok() && (in_flight < 1 || in_flight > 10000))
    r.Fail(p + ".max_in_flight", "must be between 1 and 10000");
  if (r.ok() && (max_backoff < 10 || max_backoff > 3600000))
    r.Fail(p + ".retry_max_backoff_ms", "must be between 10 and 3600000");
  if (r.ok() && (breaker_failures < 1 || breaker_failures > 100000))
    r.Fail(p + ".breaker_failures", "must be between 1 and 100000");
  if (r.ok() && (breaker_probe < 10 || breaker_probe > 600000))
    r.Fail(p + ".breaker_probe_ms", "must be between 10 and 600000");
  gw->max_in_flight = static_cast<int>(in_flight);
  gw->retry_max_backoff_ms = static_cast<int>(max_backoff);
  gw->breaker_failures = static_cast<int>(breaker_failures);
  gw->breaker_probe_ms = static_cast<int>(breaker_probe);
  if (r.ok() && gw->type == "quiq") ReadQuiqGateway(r, *obj, &gw->quiq);
}

void ReadContactPoints(Reader& r, const rapidjson::Value& root, std::vector<ContactPoint>* out, bool quiq) {
  auto it = root.FindMember("contact_points");
  if (it == root.MemberEnd()) return r.Fail("contact_points", "required field is missing");
  if (!it->value.IsArray() || it->value.Empty()) return r.Fail("contact_points", "must be a non-empty array");
  std::set<std::string> names;
  for (rapidjson::SizeType i = 0; i < it->value.Size() && r.ok(); ++i) {
    const std::string p = "contact_points[" + std::to_string(i) + "]";
    const auto& item = it->value[i];
    if (!item.IsObject()) return r.Fail(p, "must be an object");
    ContactPoint cp;
    cp.roles = {"Everyone"};
    r.String(item, p, "name", &cp.name, true);
    r.String(item, p, "sender", &cp.sender, true);
    r.StringList(item, p, "roles", &cp.roles);
    r.Number(item, p, "max_messages_per_second", &cp.max_messages_per_second);
    r.String(item, p, "quiet_hours", &cp.quiet_hours, false);
    r.String(item, p, "default_time_zone", &cp.default_time_zone, false);
    r.Number(item, p, "send_window_minutes", &cp.send_window_minutes);
    if (r.ok() && (cp.send_window_minutes <= 0 || cp.send_window_minutes > 7 * 24 * 60))
      r.Fail(p + ".send_window_minutes", "must be more than 0 and at most 10080 (7 days)");
    double budget = 0;
    r.Number(item, p, "segment_budget", &budget);
    cp.segment_budget = static_cast<int>(budget);
    r.Number(item, p, "price_per_segment", &cp.price_per_segment);
    r.String(item, p, "quiq_contact_point", &cp.quiq_contact_point, quiq);
    if (r.ok() && budget < 0) r.Fail(p + ".segment_budget", "must not be negative");
    if (r.ok() && cp.max_messages_per_second <= 0) r.Fail(p + ".max_messages_per_second", "must be positive");
    if (r.ok() && !names.insert(cp.name).second) r.Fail(p + ".name", "duplicate contact point '" + cp.name + "'");
    out->push_back(std::move(cp));
  }
}

void ReadHttp(Reader& r, const rapidjson::Value& root, HttpOptions* http) {
  const auto* obj = r.Object(root, "", "http", false);
  if (!obj) return;
  const std::string p = "http";
  r.String(*obj, p, "listen", &http->listen, false);
  r.String(*obj, p, "public_url", &http->public_url, false);
  auto it = obj->FindMember("api_keys");
  if (it == obj->MemberEnd()) return;
  if (!it->value.IsArray()) return r.Fail(p + ".api_keys", "must be an array");
  for (rapidjson::SizeType i = 0; i < it->value.Size() && r.ok(); ++i) {
    const std::string kp = p + ".api_keys[" + std::to_string(i) + "]";
    const auto& item = it->value[i];
    if (!item.IsObject()) return r.Fail(kp, "must be an object");
    ApiKey key;
    r.String(item, kp, "name", &key.name, true);
    r.String(item, kp, "key_env", &key.key_env, true);
    r.String(item, kp, "role", &key.role, false);
    if (r.ok()) r.OneOf(kp + ".role", key.role, {"admin", "sender", "read"});
    http->api_keys.push_back(std::move(key));
  }
}

void ReadHistory(Reader& r, const rapidjson::Value& root, HistoryConfig* history) {
  const auto* obj = r.Object(root, "", "history", false);
  if (!obj) return;
  const std::string p = "history";
  double interval = history->purge_interval_seconds;
  r.Number(*obj, p, "retention_days", &history->retention_days);
  r.Number(*obj, p, "purge_interval_seconds", &interval);
  r.Bool(*obj, p, "full_text_search", &history->full_text_search);
  if (r.ok() && history->retention_days < 0) r.Fail(p + ".retention_days", "must not be negative (0 keeps forever)");
  if (r.ok() && interval < 1) r.Fail(p + ".purge_interval_seconds", "must be at least 1");
  history->purge_interval_seconds = static_cast<int>(interval);
}

void ReadSync(Reader& r, const rapidjson::Value& root, SyncConfig* sync) {
  const auto* obj = r.Object(root, "", "sync", false);
  if (!obj) return;
  const std::string p = "sync";
  double interval = sync->task_status_interval_ms;
  r.String(*obj, p, "task_delivery_field", &sync->task_delivery_field, false);
  r.Number(*obj, p, "task_status_interval_ms", &interval);
  if (r.ok() && !sync->task_delivery_field.empty() &&
      !salesforce::soql::IsValidIdentifier(sync->task_delivery_field)) {
    r.Fail(p + ".task_delivery_field", "must be a Task field API name (letters, digits, underscores) or \"\"");
  }
  if (r.ok() && (interval < 50 || interval > 3600000)) {
    r.Fail(p + ".task_status_interval_ms", "must be between 50 and 3600000");
  }
  sync->task_status_interval_ms = static_cast<int>(interval);
  r.Number(*obj, p, "status_poll_after_minutes", &sync->status_poll_after_minutes);
  if (r.ok() &&
      (sync->status_poll_after_minutes <= 0 || sync->status_poll_after_minutes > 72 * 60)) {
    r.Fail(p + ".status_poll_after_minutes", "must be more than 0 and at most 4320 (72 h)");
  }
}

}  // namespace

Result<Config> ParseConfig(const std::string& text, const std::string& origin) {
  auto doc = json::Parse(text);
  if (!doc.ok()) return Status::InvalidArgument(origin + ": " + doc.status().message());
  const auto& root = doc.value();
  if (!root.IsObject()) return Status::InvalidArgument(origin + ": top level must be a JSON object");
  Reader r(origin);
  Config config;
  config.path = origin;
  ReadSalesforce(r, root, &config.salesforce);
  if (r.ok()) ReadGateway(r, root, &config.gateway);
  if (r.ok()) ReadContactPoints(r, root, &config.contact_points, config.gateway.type == "quiq");
  if (r.ok()) {
    if (const auto* store = r.Object(root, "", "store", false)) {
      r.String(*store, "store", "path", &config.store_path, true);
    }
  }
  if (r.ok()) r.String(root, "", "mapping_source", &config.mapping_source, false);
  if (r.ok()) r.OneOf("mapping_source", config.mapping_source, {"file", "metadata"});
  if (r.ok()) r.String(root, "", "mapping_file", &config.mapping_file, config.mapping_source == "file");
  if (r.ok() && !config.mapping_file.empty() && config.mapping_file[0] != '/') {
    size_t slash = origin.rfind('/');
    if (slash != std::string::npos) config.mapping_file = origin.substr(0, slash + 1) + config.mapping_file;
  }
  if (r.ok()) r.String(root, "", "default_region", &config.default_region, false);
  if (r.ok()) ReadHttp(r, root, &config.http);
  if (r.ok()) ReadHistory(r, root, &config.history);
  if (r.ok()) ReadSync(r, root, &config.sync);
  if (r.ok()) r.String(root, "", "log_level", &config.log_level, false);
  if (r.ok()) r.OneOf("log_level", config.log_level, {"debug", "info", "warn", "error"});
  if (!r.ok()) return r.status();
  return config;
}

Result<Config> LoadConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidArgument(path + ": cannot read file: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return ParseConfig(text.str(), path);
}

}  // namespace sfn::connector
