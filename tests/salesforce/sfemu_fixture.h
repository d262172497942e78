// Starts a real sfemu process for one test and offers its /__emulator/ hooks
// plus ready-made token sources for the demo org.
#pragma once

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "common/http_client.h"
#include "common/json.h"
#include "salesforce/connection.h"
#include "salesforce/oauth.h"
#include "support/test_env.h"

namespace sfn::salesforce::testing {

constexpr const char* kClientId = "sfnotify-local";
constexpr const char* kClientSecret = "sfnotify-local-secret";
constexpr const char* kIntegrationUser = "integration@sfnotify.demo";
constexpr const char* kPassword = "sfnotify-demo";

struct LoggedRequest {
  std::string method, path, query;
  int status = 0;
};

class Sfemu {
 public:
  explicit Sfemu(std::vector<std::string> args = {})
      : server_(test::StartServer("sfemu", WithPort(args))) {
    hooks_ = std::make_unique<http::Client>(server_.url);
  }
  const std::string& url() const { return server_.url; }

  // POSTs `body` to /__emulator/<hook> and returns the parsed answer.
  rapidjson::Document Hook(const std::string& method, const std::string& hook,
                           const std::string& body = "") {
    http::Request r;
    r.method = method;
    http::SplitTarget("/__emulator/" + hook, &r.path, &r.query);
    if (!body.empty()) r.headers.Set("Content-Type", "application/json");
    r.body = body;
    auto response = hooks_->Send(r);
    REQUIRE(response.ok());
    INFO(method << " " << hook << " -> " << response->status << " " << response->body);
    REQUIRE(response->status / 100 == 2);
    if (response->body.empty()) return rapidjson::Document(rapidjson::kObjectType);
    auto doc = json::Parse(response->body);
    REQUIRE(doc.ok());
    return std::move(doc.value());
  }
  void Fault(const std::string& kind, int count, const std::string& method = "",
             const std::string& path = "") {
    std::string body = R"({"fault":")" + kind + R"(","count":)" + std::to_string(count);
    if (!method.empty()) body += R"(,"method":")" + method + "\"";
    if (!path.empty()) body += R"(,"path":")" + path + "\"";
    Hook("POST", "faults", body + "}");
  }
  void ClearRequests() { Hook("DELETE", "requests"); }
  std::vector<LoggedRequest> Requests() {
    auto doc = Hook("GET", "requests");
    std::vector<LoggedRequest> out;
    for (const auto& r : doc["requests"].GetArray()) {
      out.push_back({json::GetString(r, "method").value_or(""),
                     json::GetString(r, "path").value_or(""),
                     json::GetString(r, "query").value_or(""),
                     static_cast<int>(json::GetInt(r, "status").value_or(0))});
    }
    return out;
  }
  // Requests whose method matches and whose path starts with `prefix`.
  size_t Count(const std::string& method, const std::string& prefix) {
    size_t n = 0;
    for (const auto& r : Requests()) {
      if (r.method == method && r.path.rfind(prefix, 0) == 0) n++;
    }
    return n;
  }
  size_t TokenRequests() { return Count("POST", "/services/oauth2/token"); }
  int64_t Publish(const std::string& request_id, const std::string& user = "sender@sfnotify.demo") {
    auto doc =
        Hook("POST", "publish",
             R"({"channel":"/event/Outbound_Notification__e","user":")" + user +
                 R"(","payload":{"Request_Id__c":")" + request_id + R"(","Message__c":"hello"}})");
    return json::GetInt(doc, "replayId").value_or(-1);
  }

  JwtBearerOptions JwtOptions() const {
    JwtBearerOptions o;
    o.login_url = url();
    o.client_id = kClientId;
    o.username = kIntegrationUser;
    o.private_key_pem = test::ReadFile(test::SourceDir() + "/sandbox/certs/sfemu-demo.key");
    o.retry.initial_backoff = std::chrono::milliseconds(10);
    return o;
  }
  std::shared_ptr<TokenSource> Jwt() const {
    return std::make_shared<JwtBearerTokenSource>(JwtOptions());
  }
  std::unique_ptr<Connection> Connect(ConnectionOptions options = {}) const {
    options.retry.initial_backoff = std::chrono::milliseconds(10);
    options.retry.max_backoff = std::chrono::milliseconds(100);
    return std::make_unique<Connection>(Jwt(), options);
  }

 private:
  static std::vector<std::string> WithPort(std::vector<std::string> args) {
    args.insert(args.begin(), {"--port", "0"});
    return args;
  }
  test::RunningServer server_;
  std::unique_ptr<http::Client> hooks_;
};

}  // namespace sfn::salesforce::testing
