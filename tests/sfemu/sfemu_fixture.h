// Test helpers for sfemu suites: start the emulator, log in, call REST and the
// /__emulator/ hooks over HTTP, parse JSON bodies.
#pragma once

#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "common/http_client.h"
#include "common/json.h"
#include "support/test_env.h"

namespace sfemu_test {

inline constexpr const char* kClientId = "sfnotify-local";
inline constexpr const char* kClientSecret = "sfnotify-local-secret";
inline constexpr const char* kPassword = "sfnotify-demo";
inline constexpr const char* kIntegration = "integration@sfnotify.demo";
inline constexpr const char* kV = "/services/data/v62.0";

inline rapidjson::Document Parse(const std::string& body) {
  auto doc = sfn::json::Parse(body);
  INFO("body: " << body);
  REQUIRE(doc.ok());
  return std::move(doc.value());
}

class Sfemu {
 public:
  explicit Sfemu(std::vector<std::string> args = {}) {
    args.insert(args.begin(), {"--port", "0"});
    server_ = sfn::test::StartServer("sfemu", args);
    client_ = std::make_unique<sfn::http::Client>(server_.url);
  }
  const std::string& url() const { return server_.url; }
  sfn::ChildProcess& process() { return server_.process; }

  sfn::http::Response Send(
      const std::string& method, const std::string& target, const std::string& body = "",
      const std::vector<std::pair<std::string, std::string>>& headers = {}) const {
    sfn::http::Request req;
    req.method = method;
    sfn::http::SplitTarget(target, &req.path, &req.query);
    req.body = body;
    for (const auto& [n, v] : headers) req.headers.Add(n, v);
    if (!body.empty() && !req.headers.Has("Content-Type"))
      req.headers.Add("Content-Type", "application/json");
    auto r = client_->Send(req);
    INFO(method << " " << target << ": " << (r.ok() ? "" : r.status().message()));
    REQUIRE(r.ok());
    return r.value();
  }
  sfn::http::Response Form(const std::string& path, const std::string& body,
                           std::vector<std::pair<std::string, std::string>> headers = {}) const {
    headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
    return Send("POST", path, body, headers);
  }
  // Username-password login; returns the access token.
  std::string Login(const std::string& user = kIntegration) const {
    auto r = Form("/services/oauth2/token", std::string("grant_type=password&client_id=") +
                                                kClientId + "&client_secret=" + kClientSecret +
                                                "&username=" + user + "&password=" + kPassword);
    INFO(r.body);
    REQUIRE(r.status == 200);
    return Parse(r.body)["access_token"].GetString();
  }
  // REST under /services/data/v62.0 with a bearer token.
  sfn::http::Response Api(const std::string& method, const std::string& path,
                          const std::string& token, const std::string& body = "",
                          std::vector<std::pair<std::string, std::string>> headers = {}) const {
    headers.push_back({"Authorization", "Bearer " + token});
    return Send(method, std::string(kV) + path, body, headers);
  }
  // Records of `type` as the hook shows them (deleted ones too).
  rapidjson::Document Records(const std::string& type) const {
    auto r = Send("GET", "/__emulator/records?type=" + type);
    REQUIRE(r.status == 200);
    return Parse(r.body);
  }
  size_t LiveCount(const std::string& type, const std::string& field = "",
                   const std::string& value = "") const {
    auto doc = Records(type);
    size_t n = 0;
    for (const auto& r : doc["records"].GetArray()) {
      if (r["IsDeleted"].GetBool()) continue;
      if (!field.empty() && !(r[field.c_str()].IsString() && value == r[field.c_str()].GetString()))
        continue;
      ++n;
    }
    return n;
  }

 private:
  sfn::test::RunningServer server_;
  std::unique_ptr<sfn::http::Client> client_;
};

// First error of a Salesforce error array.
inline std::string ErrorCode(const sfn::http::Response& r) {
  auto doc = Parse(r.body);
  REQUIRE(doc.IsArray());
  REQUIRE(doc.Size() >= 1);
  return doc[0]["errorCode"].GetString();
}

}  // namespace sfemu_test
