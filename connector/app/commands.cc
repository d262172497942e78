#include "connector/app/commands.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <set>
#include <thread>

#include "common/crypto.h"
#include "common/form.h"
#include "common/http_client.h"
#include "common/json.h"
#include "connector/app/wiring.h"
#include "connector/compliance/send_time.h"
#include "connector/config/config.h"
#include "connector/outbox/store.h"
#include "connector/send/quiq_transport.h"
#include "connector/writeback/opt_out_writer.h"
#include "salesforce/connection.h"

namespace sfn::connector {

bool FlagValue(const std::vector<std::string>& args, const std::string& name, std::string* value) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == name && i + 1 < args.size()) {
      *value = args[i + 1];
      return true;
    }
    if (args[i].rfind(name + "=", 0) == 0) {
      *value = args[i].substr(name.size() + 1);
      return true;
    }
  }
  return false;
}

bool HasFlag(const std::vector<std::string>& args, const std::string& name) {
  for (const auto& a : args) {
    if (a == name) return true;
  }
  return false;
}

namespace {

Result<Config> ConfigFromArgs(const std::vector<std::string>& args, const char* command) {
  std::string path;
  if (!FlagValue(args, "--config", &path)) {
    return Status::InvalidArgument(std::string("sfnotify ") + command + ": --config FILE is required");
  }
  auto config = LoadConfig(path);
  if (!config.ok()) return Status::InvalidArgument("sfnotify: config error: " + config.status().message());
  return config;
}

// One doctor line: "ok    <check>  <detail>" or "FAIL  <check>  <detail>".
bool Report(bool ok, const std::string& check, const std::string& detail) {
  std::printf("%-5s %-16s %s\n", ok ? "ok" : "FAIL", check.c_str(), detail.c_str());
  std::fflush(stdout);
  return ok;
}

// Describes `object`; the Document on success.
Result<rapidjson::Document> Describe(salesforce::Connection& connection, const std::string& object) {
  return connection.CallJson("GET", "/sobjects/" + object + "/describe");
}

bool CheckGateway(const GatewayOptions& gateway, std::string* detail) {
  if (gateway.type == "quiq") {
    Status checked = CheckQuiqGateway(gateway);
    *detail = checked.ok() ? "Quiq app token '" + gateway.quiq.identity + "' accepted at " + gateway.base_url
                           : checked.message();
    return checked.ok();
  }
  if (gateway.type != "twilio") {
    *detail = "sandbox gateway (no network)";
    return true;
  }
  auto token = ReadSecretEnv(gateway.auth_token_env, "gateway.auth_token_env");
  if (!token.ok()) {
    *detail = token.status().message();
    return false;
  }
  http::Client client(gateway.base_url);
  http::Request request;
  request.path = "/2010-04-01/Accounts/" + gateway.account_sid + "/Messages.json";
  request.query = "PageSize=1";
  request.headers.Set("Authorization", "Basic " + crypto::Base64Encode(gateway.account_sid + ":" + *token));
  auto response = client.Send(request);
  if (!response.ok()) {
    *detail = gateway.base_url + ": " + response.status().message();
    return false;
  }
  if (response->status == 401 || response->status == 403) {
    *detail = "credentials refused for account " + gateway.account_sid;
    return false;
  }
  *detail = response->status == 200 ? "account " + gateway.account_sid + " answers at " + gateway.base_url
                                    : "HTTP " + std::to_string(response->status) + " from " + gateway.base_url;
  return response->status == 200;
}

}  // namespace

int RunDoctor(const std::vector<std::string>& args) {
  auto config = ConfigFromArgs(args, "doctor");
  if (!config.ok()) {
    std::fprintf(stderr, "%s\n", config.status().message().c_str());
    return 2;
  }
  bool all = Report(true, "config", config->path);
  std::vector<SendTimeRule> rules;
  for (const auto& cp : config->contact_points)
    rules.push_back({cp.name, cp.quiet_hours, cp.default_time_zone});
  auto gate = SendTimeGate::Create(rules, config->default_region);
  all &= Report(
      gate.ok(), "quiet hours",
      gate.ok() ? "every contact point has a policy and a fallback zone" : gate.status().message());
  auto token_source = MakeTokenSource(config->salesforce);
  if (!Report(token_source.ok(), "credentials",
              token_source.ok() ? std::string(token_source.value()->flow()) + " flow for " + config->salesforce.username
                                : token_source.status().message())) {
    return 1;
  }
  salesforce::ConnectionOptions options;
  options.api_version = config->salesforce.api_version;
  salesforce::Connection connection(*token_source, options);
  Status login = connection.Connect();
  if (!Report(login.ok(), "login", login.ok() ? config->salesforce.login_url + " (API v" + connection.api_version() + ")"
                                              : login.message())) {
    return 1;
  }
  std::string event = config->salesforce.event_channel;
  std::string event_object = event.substr(event.rfind('/') + 1);
  auto event_describe = Describe(connection, event_object);
  all &= Report(event_describe.ok(), "event channel",
                event_describe.ok() ? event + " exists" : event + ": " + event_describe.status().message());
  for (const auto& key : config->http.api_keys) {
    if (key.salesforce_user.empty()) continue;
    auto user = ResolveSalesforceUser(connection, key.salesforce_user);
    all &= Report(user.ok(), "api key user",
                  "'" + key.name + "': " +
                      (user.ok() ? key.salesforce_user + " is " + *user : user.status().message()));
  }
  auto mapping = LoadMapping(config.value(), connection);
  if (Report(mapping.ok(), "mapping", mapping.ok() ? "loaded (" + config->mapping_source + ")" : mapping.status().message())) {
    size_t problems = 0;
    for (const std::string object : {"Lead", "Contact", "Task"}) {
      auto describe = Describe(connection, object);
      if (!describe.ok()) {
        ++problems;
        continue;
      }
      problems += mapping->Validate(describe.value()).size();
    }
    all &= Report(problems == 0, "mapping fields",
                  problems == 0 ? "every mapped field exists with a usable type"
                                : std::to_string(problems) + " problem(s); run `sfnotify mapping validate`");
  } else {
    all = false;
  }
  std::string gateway_detail;
  all &= Report(CheckGateway(config->gateway, &gateway_detail), "gateway", gateway_detail);
  try {
    SQLite::Database db(config->store_path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("CREATE TABLE IF NOT EXISTS doctor_probe(x); DROP TABLE doctor_probe;");
    Report(true, "store", config->store_path + " is writable");
  } catch (const std::exception& e) {
    all &= Report(false, "store", config->store_path + ": " + e.what());
  }
  return all ? 0 : 1;
}

// The config, a logged-in connection and the mapping: what the org-facing commands share.
// On failure prints one line and sets *exit_code (2: usage/config, 1: login or mapping).
struct OrgSession {
  Config config;
  std::unique_ptr<salesforce::Connection> connection;
  std::unique_ptr<mapping::FieldMapping> mapping;
};

std::optional<OrgSession> OpenOrgSession(const std::vector<std::string>& args, const char* command, int* exit_code) {
  auto config = ConfigFromArgs(args, command);
  if (!config.ok()) {
    std::fprintf(stderr, "%s\n", config.status().message().c_str());
    *exit_code = 2;
    return std::nullopt;
  }
  auto token_source = MakeTokenSource(config->salesforce);
  if (!token_source.ok()) {
    std::fprintf(stderr, "sfnotify: %s\n", token_source.status().message().c_str());
    *exit_code = 2;
    return std::nullopt;
  }
  salesforce::ConnectionOptions options;
  options.api_version = config->salesforce.api_version;
  OrgSession session;
  session.connection = std::make_unique<salesforce::Connection>(*token_source, options);
  Status login = session.connection->Connect();
  if (!login.ok()) {
    std::fprintf(stderr, "sfnotify: cannot log in to Salesforce: %s\n", login.message().c_str());
    *exit_code = 1;
    return std::nullopt;
  }
  auto mapping = LoadMapping(config.value(), *session.connection);
  if (!mapping.ok()) {
    std::printf("%s\n", mapping.status().message().c_str());
    *exit_code = 1;
    return std::nullopt;
  }
  session.mapping = std::make_unique<mapping::FieldMapping>(std::move(mapping.value()));
  session.config = std::move(config.value());
  return session;
}

int RunMappingValidate(const std::vector<std::string>& args) {
  int exit_code = 0;
  auto session = OpenOrgSession(args, "mapping validate", &exit_code);
  if (!session) return exit_code;
  salesforce::Connection& connection = *session->connection;
  const mapping::FieldMapping* mapping = session->mapping.get();
  size_t problems = 0;
  for (const std::string object : {"Lead", "Contact", "Task"}) {
    auto describe = Describe(connection, object);
    if (!describe.ok()) {
      std::printf("%s: cannot describe: %s\n", object.c_str(), describe.status().message().c_str());
      ++problems;
      continue;
    }
    for (const auto& p : mapping->Validate(describe.value())) {
      std::printf("%s\n", p.ToString().c_str());
      ++problems;
    }
  }
  if (problems == 0) std::printf("mapping is valid: every mapped field exists in the org with a usable type\n");
  return problems == 0 ? 0 : 1;
}

namespace {

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  std::string item;
  for (char c : text + ",") {
    if (c == ',' || c == '\n' || c == ' ' || c == '\r' || c == '\t') {
      if (!item.empty()) out.push_back(item);
      item.clear();
    } else {
      item.push_back(c);
    }
  }
  return out;
}

std::string JsonString(const std::string& s) {
  rapidjson::Value v(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
  return json::Serialize(v);
}

}  // namespace

int RunSend(const std::vector<std::string>& args) {
  std::string url = "http://127.0.0.1:8080", key, contact_point, requested_by, message, template_name, records,
              records_file, campaign, request_id;
  FlagValue(args, "--url", &url);
  if (!FlagValue(args, "--key", &key) && std::getenv("SFNOTIFY_API_KEY")) key = std::getenv("SFNOTIFY_API_KEY");
  FlagValue(args, "--contact-point", &contact_point);
  FlagValue(args, "--requested-by", &requested_by);
  FlagValue(args, "--message", &message);
  FlagValue(args, "--template", &template_name);
  FlagValue(args, "--records", &records);
  FlagValue(args, "--records-file", &records_file);
  FlagValue(args, "--campaign", &campaign);
  if (!FlagValue(args, "--request-id", &request_id)) request_id = "cli-" + crypto::RandomHex(8);
  bool dry_run = HasFlag(args, "--dry-run");
  auto usage = [](const std::string& problem) {
    std::fprintf(stderr,
                 "sfnotify send: %s\nusage: sfnotify send --contact-point NAME --requested-by USER_ID "
                 "(--message TEXT | --template NAME) (--records ID,ID | --records-file FILE | --campaign ID) "
                 "[--url URL] [--key KEY | env SFNOTIFY_API_KEY] [--request-id ID] [--dry-run]\n",
                 problem.c_str());
    return 2;
  };
  if (key.empty()) return usage("an API key is required (--key or SFNOTIFY_API_KEY)");
  if (contact_point.empty()) return usage("--contact-point is required");
  if (requested_by.empty()) return usage("--requested-by is required");
  if (message.empty() && template_name.empty()) return usage("--message or --template is required");
  std::vector<std::string> ids = SplitList(records);
  if (!records_file.empty()) {
    std::ifstream in(records_file);
    if (!in) return usage("cannot read " + records_file);
    std::stringstream text;
    text << in.rdbuf();
    for (auto& id : SplitList(text.str())) ids.push_back(id);
  }
  if (ids.empty() && campaign.empty()) return usage("--records, --records-file or --campaign is required");

  std::string body = "{\"request_id\":" + JsonString(request_id) + ",\"contact_point\":" + JsonString(contact_point) +
                     ",\"requested_by\":" + JsonString(requested_by);
  if (!message.empty()) body += ",\"message\":" + JsonString(message);
  if (!template_name.empty()) body += ",\"template\":" + JsonString(template_name);
  if (!campaign.empty()) body += ",\"campaign_id\":" + JsonString(campaign);
  body += ",\"record_ids\":[";
  for (size_t i = 0; i < ids.size(); ++i) body += (i ? "," : "") + JsonString(ids[i]);
  body += "]}";

  http::Client client(url, {std::chrono::seconds(300), true});
  http::Request post;
  post.method = "POST";
  post.path = "/v1/notifications";
  if (dry_run) post.query = "dry_run=true";
  post.body = body;
  post.headers.Set("Content-Type", "application/json");
  post.headers.Set("Authorization", "Bearer " + key);
  auto response = client.Send(post);
  if (!response.ok()) {
    std::fprintf(stderr, "sfnotify send: %s: %s\n", url.c_str(), response.status().message().c_str());
    return 1;
  }
  auto doc = json::Parse(response->body);
  if (response->status >= 400 || !doc.ok()) {
    std::fprintf(stderr, "sfnotify send: HTTP %d: %s\n", response->status, response->body.c_str());
    return 1;
  }
  const auto& p = doc.value()["preflight"];
  std::printf("%s: %d recipients, %d to send, %d deferred, %d suppressed, %d segments, est. cost %.4f\n",
              dry_run ? "preflight" : "accepted", p["total"].GetInt(), p["to_send"].GetInt(), p["deferred"].GetInt(),
              p["suppressed"].GetInt(), p["segments"].GetInt(), p["estimated_cost"].GetDouble());
  for (auto it = p["suppressed_by_reason"].MemberBegin(); it != p["suppressed_by_reason"].MemberEnd(); ++it) {
    std::printf("  suppressed %-16s %d\n", it->name.GetString(), it->value.GetInt());
  }
  if (dry_run) return 0;
  std::string id = doc.value()["notification_id"].GetString();
  std::string status = doc.value()["status"].GetString();
  if (status == "refused") {
    std::fprintf(stderr, "refused: %s\n", json::GetString(doc.value(), "refusal_detail").value_or("").c_str());
    return 1;
  }
  std::printf("notification %s\n", id.c_str());
  // Progress until every recipient reached a state the connector will not change on its own.
  bool tty = isatty(STDOUT_FILENO);
  for (int i = 0; i < 36000; ++i) {
    http::Request get;
    get.path = "/v1/notifications/" + id;
    get.headers.Set("Authorization", "Bearer " + key);
    auto r = client.Send(get);
    if (r.ok() && r->status == 200) {
      auto view = json::Parse(r->body);
      if (view.ok()) {
        std::string line;
        for (auto it = view.value()["counts"].MemberBegin(); it != view.value()["counts"].MemberEnd(); ++it) {
          line += std::string(line.empty() ? "" : "  ") + it->name.GetString() + " " + std::to_string(it->value.GetInt());
        }
        std::string st = view.value()["status"].GetString();
        std::printf(tty ? "\r%-100s" : "%s\n", (st + ": " + line).c_str());
        std::fflush(stdout);
        if (st == "done") {
          if (tty) std::printf("\n");
          return 0;
        }
      }
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  return 1;
}

int RunReconcileOptOuts(const std::vector<std::string>& args) {
  int exit_code = 0;
  auto session = OpenOrgSession(args, "reconcile-optouts", &exit_code);
  if (!session) return exit_code;
  const Config* config = &session->config;
  auto store = OpenSqliteStore({config->store_path});
  if (!store.ok()) {
    std::fprintf(stderr, "sfnotify: %s\n", store.status().message().c_str());
    return 1;
  }
  OptOutWriter writer(**store, *session->connection, *session->mapping, config->default_region);
  std::set<std::string> numbers;
  for (const auto& [phone, contact_point] : (*store)->Suppressions()) numbers.insert(phone);
  size_t checked = 0, changed = 0;
  for (const auto& phone : numbers) {
    auto records = writer.FindRecords(phone);
    if (!records.ok()) {
      std::fprintf(stderr, "sfnotify: %s\n", records.status().message().c_str());
      return 1;
    }
    std::vector<PhoneRecord> fix;
    for (const auto& r : *records) {
      ++checked;
      if (!r.opted_out) fix.push_back(r);
    }
    Status s = writer.Write(fix, true);
    if (!s.ok()) {
      std::fprintf(stderr, "sfnotify: %s\n", s.message().c_str());
      return 1;
    }
    std::string masked = phone.size() > 4 ? std::string(phone.size() - 4, '*') + phone.substr(phone.size() - 4) : phone;
    for (const auto& r : fix) std::printf("opted out %s %s (%s)\n", r.object.c_str(), r.id.c_str(), masked.c_str());
    changed += fix.size();
  }
  std::printf("%zu suppressed number(s), %zu record(s) checked, %zu changed\n", numbers.size(), checked, changed);
  return 0;
}

}  // namespace sfn::connector
