#include "salesforce/connection.h"

#include <thread>

#include "common/json.h"
#include "common/log.h"
#include "common/utf8.h"
#include "salesforce/api_error.h"

namespace sfn::salesforce {

namespace {

constexpr const char* kComponent = "salesforce.connection";

bool IsIdempotentMethod(const std::string& method) {
  return method == "GET" || method == "HEAD" || method == "DELETE";
}

// 502 and 504 come from a proxy that may already have forwarded the request.
bool IsAmbiguous(const ApiError& e) {
  return e.http_status == 502 || e.http_status == 504;
}

ApiError ErrorFrom(const http::Response& response) {
  auto errors = ParseApiErrors(response.status, response.body);
  if (!errors.empty()) return errors.front();
  std::string snippet = utf8::TruncateBytes(response.body, 200);
  return ApiError{response.status, "http_" + std::to_string(response.status), snippet, {}};
}

}  // namespace

Connection::Connection(std::shared_ptr<TokenSource> token_source, ConnectionOptions options)
    : token_source_(std::move(token_source)),
      options_(std::move(options)),
      backoff_(options_.retry),
      budget_(options_.budget_threshold) {}

Connection::~Connection() = default;

Result<Token> Connection::FetchLocked() {
  token_fetches_++;
  auto token = token_source_->Fetch();
  if (!token.ok()) {
    log::Warn(kComponent, std::string(token_source_->flow()) +
                              " token request failed: " + token.status().message());
    return token;
  }
  std::lock_guard<std::mutex> lock(mu_);
  token_ = token.value();
  return token;
}

Result<Token> Connection::CurrentToken() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (token_) return *token_;
  }
  std::lock_guard<std::mutex> flight(refresh_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (token_) return *token_;  // another caller fetched it while we waited
  }
  return FetchLocked();
}

Result<Token> Connection::RefreshToken(const std::string& rejected_access_token) {
  std::lock_guard<std::mutex> flight(refresh_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (token_ && token_->access_token != rejected_access_token) return *token_;
  }
  log::Info(kComponent, "access token rejected (INVALID_SESSION_ID); fetching a new one");
  return FetchLocked();
}

Status Connection::Connect() {
  auto token = CurrentToken();
  if (!token.ok()) return token.status();
  return ResolveVersion(token.value());
}

Status Connection::ResolveVersion(const Token& token) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!api_version_.empty()) return Status::Ok();
    if (!options_.api_version.empty()) {
      api_version_ = options_.api_version;
      return Status::Ok();
    }
  }
  http::Request request;
  request.path = "/services/data/";
  request.headers.Set("Accept", "application/json");
  auto response = ClientFor(token.instance_url)->Send(request);
  if (!response.ok()) return response.status();
  if (response->status != 200) return ToStatus(ErrorFrom(response.value()));
  auto doc = json::Parse(response->body);
  if (!doc.ok() || !doc->IsArray()) return Status::Unavailable("version list is not a JSON array");
  std::string best;
  double best_number = 0;
  for (const auto& v : doc->GetArray()) {
    auto version = json::GetString(v, "version");
    if (!version) continue;
    double number = std::atof(version->c_str());
    if (number > best_number) {
      best_number = number;
      best = *version;
    }
  }
  if (best.empty()) return Status::Unavailable("the org lists no REST API versions");
  std::lock_guard<std::mutex> lock(mu_);
  api_version_ = best;
  log::Info(kComponent, "using REST API v" + best + " (discovered)");
  return Status::Ok();
}

std::string Connection::api_version() {
  std::lock_guard<std::mutex> lock(mu_);
  return api_version_.empty() ? options_.api_version : api_version_;
}

std::string Connection::data_path() {
  return "/services/data/v" + api_version();
}

std::shared_ptr<http::Client> Connection::ClientFor(const std::string& base_url) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& client = clients_[base_url];
  if (!client) {
    http::ClientOptions client_options;
    client_options.timeout = options_.timeout;
    client = std::make_shared<http::Client>(base_url, client_options);
  }
  return client;
}

std::string Connection::AbsolutePath(const std::string& path) {
  if (path.rfind("/services/", 0) == 0) return path;
  return data_path() + (path.empty() || path[0] == '/' ? "" : "/") + path;
}

Result<RestResponse> Connection::Call(const std::string& method, const std::string& path,
                                      const std::string& body, const CallOptions& options) {
  const bool idempotent = options.idempotent || IsIdempotentMethod(method);
  bool refreshed = false;
  for (int attempt = 1;; ++attempt) {
    Status admit = budget_.Admit(options.essential);
    if (!admit.ok()) return admit;
    auto token = CurrentToken();
    if (!token.ok()) return token.status();
    Status version = ResolveVersion(token.value());
    if (!version.ok()) return version;

    http::Request request;
    request.method = method;
    http::SplitTarget(AbsolutePath(path), &request.path, &request.query);
    request.headers = options.headers;
    request.headers.Set("Authorization", "Bearer " + token->access_token);
    request.headers.Set("Accept", "application/json");
    if (!body.empty()) request.headers.Set("Content-Type", "application/json");
    request.body = body;

    Status failure;
    auto response = ClientFor(token->instance_url)->Send(request);
    if (!response.ok()) {
      failure = response.status();
      bool retryable = failure.code() == StatusCode::kUnavailable ||
                       (idempotent && failure.code() == StatusCode::kUnknownOutcome);
      if (!retryable) return failure;
    } else {
      if (auto usage = ParseLimitInfo(response->headers.Get("Sforce-Limit-Info")))
        budget_.Record(*usage);
      if (response->status >= 200 && response->status < 300) {
        return RestResponse{response->status, std::move(response->headers),
                            std::move(response->body)};
      }
      ApiError error = ErrorFrom(response.value());
      if (response->status == 401 && error.error_code == "INVALID_SESSION_ID" && !refreshed) {
        refreshed = true;
        auto fresh = RefreshToken(token->access_token);
        if (!fresh.ok()) return fresh.status();
        --attempt;  // the refresh retry is not a retry of the call itself
        continue;
      }
      failure = ToStatus(error);
      if (!IsRetryableError(error) || (IsAmbiguous(error) && !idempotent)) return failure;
    }
    if (!backoff_.ShouldRetry(attempt)) return failure;
    auto delay = backoff_.Delay(attempt - 1);
    log::Warn(kComponent, method + " " + request.path + " failed (" + failure.message() +
                              "); retry " + std::to_string(attempt) + " in " +
                              std::to_string(delay.count()) + " ms");
    std::this_thread::sleep_for(delay);
  }
}

Result<rapidjson::Document> Connection::CallJson(const std::string& method, const std::string& path,
                                                 const std::string& body,
                                                 const CallOptions& options) {
  auto response = Call(method, path, body, options);
  if (!response.ok()) return response.status();
  if (response->body.empty()) return rapidjson::Document(rapidjson::kObjectType);
  auto doc = json::Parse(response->body);
  if (!doc.ok())
    return Status::Unavailable("response to " + method + " " + path +
                               " is not JSON: " + doc.status().message());
  return doc;
}

}  // namespace sfn::salesforce
