// A full stack for end-to-end tests: sfemu (the org), smsemu (the gateway)
// and the sfnotify daemon as real processes on OS-chosen ports, configured in
// a temporary folder. Assertions read what the emulators recorded.
#pragma once

#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/http_client.h"
#include "common/json.h"
#include "connector/outbox/store.h"
#include "support/test_env.h"

namespace e2e {

inline constexpr const char* kApiKey = "test-admin-key";
inline constexpr const char* kReadKey = "test-read-key";
// Set as E2E_SENDER_KEY for keys a test adds with StackOptions::extra_api_keys_json.
inline constexpr const char* kSenderKey = "test-sender-key";

inline rapidjson::Document Json(const std::string& body) {
  auto doc = sfn::json::Parse(body);
  INFO("body: " << body.substr(0, 2000));
  REQUIRE(doc.ok());
  return std::move(doc.value());
}

struct Http {
  // follow_redirects false: a 3xx comes back as sent (what a browser test needs to see).
  explicit Http(const std::string& url, bool follow_redirects = true)
      : client(std::make_unique<sfn::http::Client>(url, Options(follow_redirects))) {}
  static sfn::http::ClientOptions Options(bool follow_redirects) {
    sfn::http::ClientOptions o;
    o.follow_redirects = follow_redirects;
    return o;
  }
  sfn::http::Response Send(const std::string& method, const std::string& target, const std::string& body = "",
                           std::vector<std::pair<std::string, std::string>> headers = {}) const {
    sfn::http::Request req;
    req.method = method;
    sfn::http::SplitTarget(target, &req.path, &req.query);
    req.body = body;
    for (auto& [n, v] : headers) req.headers.Add(n, v);
    if (!body.empty() && !req.headers.Has("Content-Type")) req.headers.Add("Content-Type", "application/json");
    auto r = client->Send(req);
    INFO(method << " " << target << ": " << (r.ok() ? "" : r.status().message()));
    REQUIRE(r.ok());
    return r.value();
  }
  std::unique_ptr<sfn::http::Client> client;
};

struct StackOptions {
  std::string main_quiet_hours = "none";
  std::string alerts_quiet_hours = "none";
  std::string default_time_zone = "America/New_York";  // both contact points
  // Members added to both contact points verbatim, e.g. R"("send_window_minutes": 1,)".
  std::string contact_point_extra_json;
  // Environment for the connector process, e.g. "SFNOTIFY_CLOCK_OFFSET_FILE=/tmp/x".
  std::vector<std::string> connector_env;
  double mps = 500;
  std::vector<std::string> smsemu_args;
  std::vector<std::string> sfemu_args;
  // "twilio" (smsemu) or "quiq" (quiqemu; contact points Main/Alerts send from Quiq
  // contact points "main-cp"/"alerts-cp"). extra_gateway_json adds members to "gateway" (either type).
  std::string gateway = "twilio";
  std::string extra_gateway_json;
  // Runs with the store path before the connector first starts (e.g. to seed a history).
  std::function<void(const std::string& store_path)> seed_store;
  // Top-level config members added verbatim, e.g. R"("history": {"retention_days": 1},)".
  std::string extra_config_json;
  // Sender numbers of the contact points (any +1500555xxxx is an smsemu account number); the
  // same number by default, as contact points sharing one sender.
  std::string main_sender = "+15005550006";
  std::string alerts_sender = "+15005550006";
  // http.public_url (as behind a proxy); "" = the connector's own listen address.
  std::string public_url;
  // Members added to "salesforce", e.g. R"("initial_replay": "all",)".
  std::string extra_salesforce_json;
  // Keys added to http.api_keys (after ops/admin and viewer/read), e.g.
  // R"({"name": "rep", "key_env": "E2E_SENDER_KEY", "role": "sender", "salesforce_user":
  // "sender@sfnotify.demo"})".
  std::string extra_api_keys_json;
  // false: the test calls StartConnector() itself (e.g. after publishing events it must not see).
  bool start_connector = true;
  // Members added verbatim to the "http" object, e.g. R"("session_hours": 1, )".
  std::string extra_http_json;
};

class Stack {
 public:
  explicit Stack(StackOptions options = {}) : options_(std::move(options)) {
    std::vector<std::string> sf_args = {"--port", "0", "--state", dir_.File("org.sqlite")};
    sf_args.insert(sf_args.end(), options_.sfemu_args.begin(), options_.sfemu_args.end());
    sfemu_ = sfn::test::StartServer("sfemu", sf_args);
    bool quiq = options_.gateway == "quiq";
    std::vector<std::string> sms_args = {"--port", "0"};
    if (!quiq) sms_args.insert(sms_args.end(), {"--delivery-delay-ms", "5"});
    sms_args.insert(sms_args.end(), options_.smsemu_args.begin(), options_.smsemu_args.end());
    smsemu_ = sfn::test::StartServer(quiq ? "quiqemu" : "smsemu", sms_args);
    org = std::make_unique<Http>(sfemu_.url);
    gateway = std::make_unique<Http>(smsemu_.url);
    WriteConfig();
    if (options_.seed_store) options_.seed_store(dir_.File("sfnotify.sqlite"));
    if (options_.start_connector) StartConnector();
  }
  ~Stack() { StopConnector(); }

  void WriteConfig() {
    std::string cfg =
        R"({
  "salesforce": {)" +
        options_.extra_salesforce_json + R"("login_url": ")" + sfemu_.url +
        R"(", "client_id": "sfnotify-local",
                 "username": "integration@sfnotify.demo",
                 "private_key_file": ")" +
        sfn::test::SourceDir() + R"(/sandbox/certs/sfemu-demo.key"},
  "gateway": )" +
        GatewayJson() + R"(,
  "contact_points": [
    {"name": "Main", "sender": ")" + options_.main_sender + R"(", "roles": ["SMS_Notification_Sender"],
     "max_messages_per_second": )" + std::to_string(options_.mps) + R"(, "quiet_hours": ")" + options_.main_quiet_hours +
                      R"(", "default_time_zone": ")" + options_.default_time_zone + R"(", )" +
                      options_.contact_point_extra_json + R"( "price_per_segment": 0.0079, "quiq_contact_point": "main-cp"},
    {"name": "Alerts", "sender": ")" + options_.alerts_sender + R"(", "roles": ["Everyone"], "max_messages_per_second": )" +
                      std::to_string(options_.mps) + R"(, "quiet_hours": ")" + options_.alerts_quiet_hours +
                      R"(", "default_time_zone": ")" + options_.default_time_zone + R"(", )" +
                      options_.contact_point_extra_json + R"( "quiq_contact_point": "alerts-cp"}
  ],
  "store": {"path": ")" +
        dir_.File("sfnotify.sqlite") + R"("},
  "mapping_file": ")" +
        sfn::test::SourceDir() + R"(/mapping/demo-mapping.json",
  "http": {"listen": "127.0.0.1:0", )" +
        (options_.public_url.empty() ? "" : R"("public_url": ")" + options_.public_url + R"(", )") +
        options_.extra_http_json + R"("api_keys": [
    {"name": "ops", "key_env": "E2E_API_KEY", "role": "admin"},
    {"name": "viewer", "key_env": "E2E_READ_KEY", "role": "read"})" +
        (options_.extra_api_keys_json.empty() ? "" : ",\n    " + options_.extra_api_keys_json) +
        R"(]},
  )" + options_.extra_config_json +
        R"(
  "log_level": "info"
})";
    config_path_ = dir_.Write("sfnotify.json", cfg);
  }

  std::string GatewayJson() const {
    if (options_.gateway == "quiq") {
      return R"({"type": "quiq", "base_url": ")" + smsemu_.url + R"(", "identity": "quiqemu-app",
              "secret_env": "E2E_QUIQ_SECRET", "webhook_secret_env": "E2E_QUIQ_HOOK_SECRET")" +
             (options_.extra_gateway_json.empty() ? "" : ", " + options_.extra_gateway_json) + "}";
    }
    return R"({"type": "twilio", "base_url": ")" + smsemu_.url + R"(",
              "account_sid": "AC0123456789abcdef0123456789abcdef", "auth_token_env": "E2E_SMS_TOKEN")" +
           (options_.extra_gateway_json.empty() ? "" : ", " + options_.extra_gateway_json) + "}";
  }

  void StartConnector() {
    const std::string subscribed = "subscribed to /event/Outbound_Notification__e";
    size_t subscriptions_before = Count(ConnectorLog(), subscribed);
    std::vector<std::string> env = {"E2E_SMS_TOKEN=smsemu-demo-token", std::string("E2E_API_KEY=") + kApiKey,
                                    std::string("E2E_READ_KEY=") + kReadKey,
                                    std::string("E2E_SENDER_KEY=") + kSenderKey, "E2E_QUIQ_SECRET=quiqemu-secret",
                                    "E2E_QUIQ_HOOK_SECRET=quiqemu-hook-secret"};
    env.insert(env.end(), options_.connector_env.begin(), options_.connector_env.end());
    auto child = sfn::ChildProcess::Start({sfn::test::BinDir() + "/sfnotify", "run", "--config", config_path_},
                                          dir_.File("sfnotify.log"), env);
    REQUIRE(child.ok());
    connector_ = std::move(child.value());
    auto line = connector_.WaitForLine("listening on", std::chrono::seconds(30));
    INFO("sfnotify log:\n" << sfn::test::ReadFile(dir_.File("sfnotify.log")));
    REQUIRE(line.ok());
    api_url = sfn::UrlFromReadyLine(line.value());
    api = std::make_unique<Http>(api_url);
    // New events only on a first start (-1): an event published before the subscription is
    // not seen, so wait for it (not required: some tests start with CometD failing).
    WaitUntil([&] { return Count(ConnectorLog(), subscribed) > subscriptions_before; },
              std::chrono::seconds(15));
  }
  static size_t Count(const std::string& text, const std::string& needle) {
    size_t n = 0;
    for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
      ++n;
    return n;
  }
  int ConnectorPid() const { return connector_.pid(); }
  void StopConnector() { connector_.Stop(); }
  void KillConnector() { connector_.Kill(); }
  std::string ConnectorLog() const { return sfn::test::ReadFile(dir_.File("sfnotify.log")); }

  // Publishes Outbound_Notification__e as `user` (a demo username) through the org;
  // `created_date` (RFC 3339) backdates it, as if published then.
  int64_t Publish(const std::string& user, const std::string& payload_json,
                  const std::string& created_date = "") {
    std::string created = created_date.empty() ? "" : R"(,"created_date":")" + created_date + "\"";
    auto r = org->Send("POST", "/__emulator/publish",
                       R"({"channel":"/event/Outbound_Notification__e","user":")" + user +
                           R"(","payload":)" + payload_json + created + "}");
    INFO(r.body);
    REQUIRE(r.status == 201);
    return Json(r.body)["replayId"].GetInt64();
  }

  rapidjson::Document Records(const std::string& type) {
    auto r = org->Send("GET", "/__emulator/records?type=" + type);
    REQUIRE(r.status == 200);
    return Json(r.body);
  }
  // Ids of live records of `type` whose field values satisfy `keep`.
  std::vector<std::string> RecordIds(const std::string& type,
                                     const std::function<bool(const rapidjson::Value&)>& keep = nullptr) {
    auto doc = Records(type);
    std::vector<std::string> ids;
    for (const auto& r : doc["records"].GetArray()) {
      if (r.HasMember("IsDeleted") && r["IsDeleted"].IsBool() && r["IsDeleted"].GetBool()) continue;
      if (!keep || keep(r)) ids.push_back(r["Id"].GetString());
    }
    return ids;
  }
  rapidjson::Document Messages() {
    auto r = gateway->Send("GET", "/__emulator/messages");
    REQUIRE(r.status == 200);
    return Json(r.body);
  }
  rapidjson::Document OrgRequests() {
    auto r = org->Send("GET", "/__emulator/requests");
    REQUIRE(r.status == 200);
    return Json(r.body);
  }
  sfn::http::Response Api(const std::string& method, const std::string& target, const std::string& body = "",
                          const std::string& key = kApiKey) {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!key.empty()) headers.push_back({"Authorization", "Bearer " + key});
    return api->Send(method, target, body, headers);
  }
  // An access token for the org's integration user (password flow).
  std::string OrgToken() {
    auto r = org->Send("POST", "/services/oauth2/token",
                       "grant_type=password&client_id=sfnotify-local&client_secret=sfnotify-local-secret"
                       "&username=integration%40sfnotify.demo&password=sfnotify-demo",
                       {{"Content-Type", "application/x-www-form-urlencoded"}});
    REQUIRE(r.status == 200);
    return Json(r.body)["access_token"].GetString();
  }
  // Inserts records of `type` (JSON objects of fields, e.g. R"({"LastName":"X"})") through
  // Collections, 200 per call; returns their ids in order.
  std::vector<std::string> CreateRecords(const std::string& type, const std::vector<std::string>& records) {
    std::string token = OrgToken();
    std::vector<std::string> ids;
    for (size_t start = 0; start < records.size(); start += 200) {
      std::string body = R"({"allOrNone":true,"records":[)";
      for (size_t i = start; i < std::min(records.size(), start + 200); ++i) {
        body += (i > start ? "," : "") + std::string(R"({"attributes":{"type":")") + type + R"("},)" +
                records[i].substr(1);
      }
      body += "]}";
      auto r = org->Send("POST", "/services/data/v62.0/composite/sobjects", body,
                         {{"Authorization", "Bearer " + token}});
      INFO(r.body.substr(0, 500));
      REQUIRE(r.status == 200);
      auto results = Json(r.body);
      for (const auto& res : results.GetArray()) {
        REQUIRE(res["success"].GetBool());
        ids.push_back(res["id"].GetString());
      }
    }
    return ids;
  }
  // The Id of the org's user `username` (a demo username, e.g. "sender@sfnotify.demo").
  std::string UserId(const std::string& username) {
    auto users = Records("User");
    for (const auto& u : users["records"].GetArray()) {
      if (username == u["Username"].GetString()) return u["Id"].GetString();
    }
    FAIL("no user " << username);
    return "";
  }
  // Consenting Leads (SMS_Opt_In__c) named `<name>0`, `<name>1`, ... at "<name> Co", one per
  // phone (MobilePhone exactly as given, any format); returns their ids in order.
  std::vector<std::string> CreateConsentingLeads(const std::string& name, const std::vector<std::string>& phones,
                                                 const std::string& first_name = "") {
    std::vector<std::string> records;
    for (size_t i = 0; i < phones.size(); ++i) {
      std::string first = first_name.empty() ? "" : R"("FirstName":")" + first_name + R"(",)";
      records.push_back(R"({"LastName":")" + name + std::to_string(i) + R"(",)" + first + R"("Company":")" + name +
                        R"( Co","SMS_Opt_In__c":true,"MobilePhone":")" + phones[i] + R"("})");
    }
    return CreateRecords("Lead", records);
  }
  // Handset texts posted to smsemu's /__emulator/inbound reach the connector's Twilio inbound webhook.
  void RouteInboundToConnector() {
    auto r = gateway->Send("POST", "/__emulator/inbound_url",
                           R"({"url":")" + api->client->base_url() + R"(/v1/webhooks/twilio/inbound"})");
    REQUIRE(r.status == 200);
  }
  // smsemu sends no status callbacks (the test posts its own, or none must arrive).
  void DropGatewayCallbacks() {
    auto r = gateway->Send("POST", "/__emulator/callbacks",
                           R"({"drop_status":["queued","sending","sent","delivered","undelivered","failed"]})");
    REQUIRE(r.status == 200);
  }
  // Waits until the notification is done and every sent recipient has its Task; returns its view.
  rapidjson::Document WaitSettled(const std::string& notification_id,
                                  std::chrono::seconds timeout = std::chrono::seconds(90)) {
    rapidjson::Document doc;
    bool settled = WaitUntil(
        [&] {
          auto r = Api("GET", "/v1/notifications/" + notification_id);
          if (r.status != 200) return false;
          doc = Json(r.body);
          if (std::string(doc["status"].GetString()) != "done") return false;
          for (const auto& rec : doc["recipients"].GetArray()) {
            std::string state = rec["state"].GetString();
            if (state != "suppressed" && state != "failed" &&
                std::string(rec["task_state"].GetString()) != "written") {
              return false;
            }
          }
          return true;
        },
        timeout);
    INFO(ConnectorLog());
    REQUIRE(settled);
    return doc;
  }

  // Webhooks are answered once they are in the durable inbox and processed right after: waits
  // until the inbox holds nothing unprocessed (the test's webhooks have had their effects).
  bool WaitInboxDrained(std::chrono::seconds timeout = std::chrono::seconds(60)) {
    auto store = sfn::connector::OpenSqliteStore({dir_.File("sfnotify.sqlite")});
    REQUIRE(store.ok());
    return WaitUntil([&] { return (*store)->PendingWebhooks() == 0; }, timeout);
  }
  int64_t PendingWebhooks() {
    auto store = sfn::connector::OpenSqliteStore({dir_.File("sfnotify.sqlite")});
    REQUIRE(store.ok());
    return (*store)->PendingWebhooks();
  }

  // The notification created for `request_id`, once intake happened (polls the API).
  std::string WaitForNotification(const std::string& request_id, std::chrono::seconds timeout = std::chrono::seconds(60));
  // Polls until `done` or the timeout; returns whether it became true.
  static bool WaitUntil(const std::function<bool()>& done, std::chrono::seconds timeout = std::chrono::seconds(60)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return done();
  }

  std::unique_ptr<Http> org, gateway, api;
  std::string api_url;  // the connector's base URL (http://127.0.0.1:PORT)
  const sfn::test::TempDir& dir() const { return dir_; }
  const std::string& org_url() const { return sfemu_.url; }
  const std::string& config_path() const { return config_path_; }
  const std::string& gateway_url() const { return smsemu_.url; }

 private:
  StackOptions options_;
  sfn::test::TempDir dir_;
  sfn::test::RunningServer sfemu_;
  sfn::test::RunningServer smsemu_;
  sfn::ChildProcess connector_;
  std::string config_path_;
};

// Comma-joined ids.
inline std::string Join(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ",") + id;
  return out;
}

}  // namespace e2e

namespace e2e {
inline std::string Stack::WaitForNotification(const std::string& request_id, std::chrono::seconds timeout) {
  // The API has no lookup by request id; the connector logs nothing secret, so
  // poll the history via the id the connector prints in the store instead:
  // we ask the API for a dry listing through GET /v1/notifications/by-request/{id}.
  std::string id;
  WaitUntil(
      [&] {
        auto r = Api("GET", "/v1/notifications/by-request/" + request_id);
        if (r.status != 200) return false;
        id = Json(r.body)["notification_id"].GetString();
        return true;
      },
      timeout);
  return id;
}
}  // namespace e2e
