#include "connector/config/config.h"

#include <cctype>
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

  // An integer within [min, max]. JSON numbers are doubles to RapidJSON's callers, so a
  // value is checked before it is converted (1.22e13 into an int is undefined behaviour).
  template <typename Int>
  void Integer(const rapidjson::Value& parent, const std::string& prefix, const char* name,
               Int* out, double min, double max) {
    auto it = parent.FindMember(name);
    if (it == parent.MemberEnd()) return;
    std::string path = Join(prefix, name);
    if (!it->value.IsNumber()) return Fail(path, "must be a number");
    double v = it->value.GetDouble();
    if (!(v >= min && v <= max)) {
      return Fail(path, "must be between " + std::to_string(static_cast<int64_t>(min)) + " and " +
                            std::to_string(static_cast<int64_t>(max)));
    }
    if (v != static_cast<double>(static_cast<int64_t>(v)))
      return Fail(path, "must be a whole number");
    *out = static_cast<Int>(v);
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
  auto replay = obj->FindMember("initial_replay");
  if (r.ok() && replay != obj->MemberEnd()) {
    if (replay->value.IsInt64() && replay->value.GetInt64() >= 0) {
      sf->initial_replay = std::to_string(replay->value.GetInt64());
    } else if (replay->value.IsString()) {
      sf->initial_replay = replay->value.GetString();
    } else {
      r.Fail(p + ".initial_replay", "must be \"new\", \"all\" or a replay id");
    }
  }
  if (r.ok()) {
    const std::string& v = sf->initial_replay;
    if (v == "new") {
      sf->initial_replay_from = -1;
    } else if (v == "all") {
      sf->initial_replay_from = -2;
    } else if (!v.empty() && v.size() <= 18 &&
               v.find_first_not_of("0123456789") == std::string::npos) {
      sf->initial_replay_from = std::stoll(v);
    } else {
      r.Fail(p + ".initial_replay", "'" + v + "' is not \"new\", \"all\" or a replay id");
    }
  }
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
  r.Integer(obj, p, "batch_size", &quiq->batch_size, 1, 1000);
  r.Integer(obj, p, "batch_linger_ms", &quiq->batch_linger_ms, 0, 10000);
  r.Integer(obj, p, "timeout_ms", &quiq->timeout_ms, 100, 3600000);
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
  r.Integer(*obj, p, "reconcile_after_ms", &gw->reconcile_after_ms, 0, 86400000);
  r.Integer(*obj, p, "max_in_flight", &gw->max_in_flight, 1, 10000);
  r.Integer(*obj, p, "retry_max_backoff_ms", &gw->retry_max_backoff_ms, 10, 3600000);
  r.Integer(*obj, p, "breaker_failures", &gw->breaker_failures, 1, 100000);
  r.Integer(*obj, p, "breaker_probe_ms", &gw->breaker_probe_ms, 10, 600000);
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
    r.Integer(item, p, "segment_budget", &cp.segment_budget, 0, 1000000000);
    r.Number(item, p, "price_per_segment", &cp.price_per_segment);
    r.String(item, p, "quiq_contact_point", &cp.quiq_contact_point, quiq);
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
  r.Number(*obj, p, "session_hours", &http->session_hours);
  if (r.ok() && !(http->session_hours > 0 && http->session_hours <= 24 * 30)) {
    r.Fail(p + ".session_hours", "must be more than 0 and at most 720 (30 days)");
  }
  r.String(*obj, p, "admin_permission_set", &http->admin_permission_set, false);
  if (const auto* login = r.Object(*obj, p, "web_login", false)) {
    const std::string lp = p + ".web_login";
    WebLoginOptions& w = http->web_login;
    r.String(*login, lp, "client_id", &w.client_id, true);
    r.String(*login, lp, "callback_url", &w.callback_url, false);
    r.String(*login, lp, "client_secret_env", &w.client_secret_env, false);
    r.String(*login, lp, "login_url", &w.login_url, false);
    r.String(*login, lp, "scopes", &w.scopes, false);
    auto web_url = [](const std::string& url) {
      return url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0;
    };
    if (w.callback_url.empty()) {
      // {public_url or the listen address}/auth/callback, set when the server listens.
    } else if (r.ok() && !web_url(w.callback_url)) {
      r.Fail(lp + ".callback_url", "must be an http(s):// URL ending in /auth/callback");
    } else if (r.ok() &&
               (w.callback_url.size() < 14 ||
                w.callback_url.compare(w.callback_url.size() - 14, 14, "/auth/callback") != 0)) {
      r.Fail(lp + ".callback_url", "must end in /auth/callback (the connector's callback route)");
    }
    if (r.ok() && !w.login_url.empty() && !web_url(w.login_url)) {
      r.Fail(lp + ".login_url", "must start with https:// (or http:// for a local emulator)");
    }
  }
  auto& limits = http->limits;
  r.Integer(*obj, p, "max_header_bytes", &limits.max_header_bytes, 1024, 1024 * 1024);
  r.Integer(*obj, p, "max_body_bytes", &limits.max_body_bytes, 1024, 64 * 1024 * 1024);
  r.Integer(*obj, p, "header_timeout_ms", &limits.header_timeout_ms, 100, 600000);
  r.Integer(*obj, p, "body_timeout_ms", &limits.body_timeout_ms, 100, 3600000);
  r.Integer(*obj, p, "idle_timeout_ms", &limits.idle_timeout_ms, 100, 3600000);
  r.Integer(*obj, p, "write_timeout_ms", &limits.write_timeout_ms, 100, 3600000);
  r.Integer(*obj, p, "max_connections", &limits.max_connections, 1, 100000);
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
    r.String(item, kp, "salesforce_user", &key.salesforce_user, false);
    if (r.ok()) r.OneOf(kp + ".role", key.role, {"admin", "sender", "read"});
    if (r.ok() && key.role == "sender" && key.salesforce_user.empty()) {
      // Before keys were bound to users a sender key could name anyone as requested_by.
      r.Fail(
          kp + ".salesforce_user",
          "required for a sender key (the Salesforce User Id or username it sends as); a key "
          "without a "
          "user may only be \"role\": \"admin\" (acts for anyone, recorded as via key) or \"read\" "
          "(see docs/configuration.md, API keys)");
    }
    if (r.ok() && key.role == "read" && !key.salesforce_user.empty()) {
      r.Fail(kp + ".salesforce_user", "a read key sends nothing and takes no user");
    }
    http->api_keys.push_back(std::move(key));
  }
}

void ReadIntake(Reader& r, const rapidjson::Value& root, IntakeConfig* intake) {
  const auto* obj = r.Object(root, "", "intake", false);
  if (!obj) return;
  const std::string p = "intake";
  double workers = intake->resolve_workers;
  r.Number(*obj, p, "max_event_age_minutes", &intake->max_event_age_minutes);
  r.Number(*obj, p, "chunk_wait_seconds", &intake->chunk_wait_seconds);
  r.Number(*obj, p, "resolve_workers", &workers);
  if (r.ok() && intake->max_event_age_minutes < 0) {
    r.Fail(p + ".max_event_age_minutes", "must not be negative (0 = no limit)");
  }
  if (r.ok() && (intake->chunk_wait_seconds <= 0 || intake->chunk_wait_seconds > 86400)) {
    r.Fail(p + ".chunk_wait_seconds", "must be above 0 and at most 86400");
  }
  if (r.ok() && (workers < 1 || workers > 64))
    r.Fail(p + ".resolve_workers", "must be between 1 and 64");
  intake->resolve_workers = static_cast<int>(workers);
}

void ReadHistory(Reader& r, const rapidjson::Value& root, HistoryConfig* history) {
  const auto* obj = r.Object(root, "", "history", false);
  if (!obj) return;
  const std::string p = "history";
  r.Number(*obj, p, "retention_days", &history->retention_days);
  r.Integer(*obj, p, "purge_interval_seconds", &history->purge_interval_seconds, 1, 31536000);
  r.Bool(*obj, p, "full_text_search", &history->full_text_search);
  if (r.ok() && history->retention_days < 0)
    r.Fail(p + ".retention_days", "must not be negative (0 keeps forever)");
}

void ReadSync(Reader& r, const rapidjson::Value& root, SyncConfig* sync) {
  const auto* obj = r.Object(root, "", "sync", false);
  if (!obj) return;
  const std::string p = "sync";
  r.String(*obj, p, "task_delivery_field", &sync->task_delivery_field, false);
  if (r.ok() && !sync->task_delivery_field.empty() &&
      !salesforce::soql::IsValidIdentifier(sync->task_delivery_field)) {
    r.Fail(p + ".task_delivery_field", "must be a Task field API name (letters, digits, underscores) or \"\"");
  }
  r.Integer(*obj, p, "task_status_interval_ms", &sync->task_status_interval_ms, 50, 3600000);
  r.Number(*obj, p, "status_poll_after_minutes", &sync->status_poll_after_minutes);
  if (r.ok() &&
      (sync->status_poll_after_minutes <= 0 || sync->status_poll_after_minutes > 72 * 60)) {
    r.Fail(p + ".status_poll_after_minutes", "must be more than 0 and at most 4320 (72 h)");
  }
}

void ReadCompliance(Reader& r, const rapidjson::Value& root, ComplianceConfig* c) {
  const auto* obj = r.Object(root, "", "compliance", false);
  if (!obj) return;
  const std::string p = "compliance";
  r.StringList(*obj, p, "opt_out_keywords", &c->opt_out_keywords);
  r.StringList(*obj, p, "opt_out_phrases", &c->opt_out_phrases);
  r.StringList(*obj, p, "gateway_opt_out_keywords", &c->gateway_opt_out_keywords);
  r.String(*obj, p, "opt_out_confirmation", &c->opt_out_confirmation, false);
  auto words = [&](const char* name, const std::vector<std::string>& list) {
    for (size_t i = 0; i < list.size() && r.ok(); ++i) {
      bool any = false;
      for (unsigned char ch : list[i]) any |= std::isalnum(ch) || ch >= 0x80;
      if (!any) r.Fail(p + "." + name + "[" + std::to_string(i) + "]", "must contain a word");
    }
  };
  words("opt_out_keywords", c->opt_out_keywords);
  words("opt_out_phrases", c->opt_out_phrases);
  words("gateway_opt_out_keywords", c->gateway_opt_out_keywords);
  if (r.ok() && c->opt_out_keywords.empty())
    r.Fail(p + ".opt_out_keywords", "must name at least one keyword (STOP)");
  if (r.ok() && c->opt_out_confirmation.size() > 320)
    r.Fail(p + ".opt_out_confirmation", "must be at most 320 bytes (two SMS segments)");
}

void ReadWebhooks(Reader& r, const rapidjson::Value& root, WebhooksConfig* w) {
  const auto* obj = r.Object(root, "", "webhooks", false);
  if (!obj) return;
  const std::string p = "webhooks";
  double initial = w->retry_initial_ms, max = w->retry_max_ms;
  r.Number(*obj, p, "retry_initial_ms", &initial);
  r.Number(*obj, p, "retry_max_ms", &max);
  if (r.ok() && (initial < 10 || initial > 3600000))
    r.Fail(p + ".retry_initial_ms", "must be between 10 and 3600000");
  if (r.ok() && (max < initial || max > 86400000))
    r.Fail(p + ".retry_max_ms", "must be between retry_initial_ms and 86400000");
  w->retry_initial_ms = static_cast<int>(initial);
  w->retry_max_ms = static_cast<int>(max);
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
  if (r.ok()) ReadIntake(r, root, &config.intake);
  if (r.ok() && !config.http.web_login.client_id.empty() &&
      config.http.web_login.login_url.empty()) {
    config.http.web_login.login_url = config.salesforce.login_url;  // the configured org
  }
  if (r.ok()) ReadHistory(r, root, &config.history);
  if (r.ok()) ReadSync(r, root, &config.sync);
  if (r.ok()) ReadCompliance(r, root, &config.compliance);
  if (r.ok()) ReadWebhooks(r, root, &config.webhooks);
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
