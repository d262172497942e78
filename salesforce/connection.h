// The authenticated link to one org: token cache and refresh, REST base and
// API version, typed errors, retries and the API budget. Thread-safe: share
// one Connection between all callers; they share one HTTP client per host.
//
// Refresh policy: the cached token is reused until the org answers
// 401 INVALID_SESSION_ID; then exactly one caller fetches a new token
// (single-flight, however many requests were rejected together) and each
// rejected request is retried once. Other 401s and 403 REQUEST_LIMIT_EXCEEDED
// never trigger a refresh.
//
// Retry policy: UNABLE_TO_LOCK_ROW, 503/SERVER_UNAVAILABLE and refused
// connections are retried with backoff + full jitter (the server did not act).
// 502/504 and timeouts/resets after sending are ambiguous: retried only for
// idempotent calls (GET/DELETE, or CallOptions::idempotent).
//
// Calls block the calling thread (they wait for the network); run them on
// worker threads, never inside an HTTP server handler.
#pragma once

#include <rapidjson/document.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/http_client.h"
#include "common/http_types.h"
#include "common/status.h"
#include "salesforce/api_budget.h"
#include "salesforce/retry_policy.h"
#include "salesforce/token_source.h"

namespace sfn::salesforce {

struct ConnectionOptions {
  // Pinned REST API version. Empty: discover the newest version the org serves
  // (GET /services/data/) on first use.
  std::string api_version = "62.0";
  std::chrono::milliseconds timeout{30000};  // per HTTP request
  RetryOptions retry;                        // for retryable failures (see above)
  double budget_threshold = 0.9;  // fraction of DailyApiRequests reserved for essential calls
};

struct CallOptions {
  bool idempotent = false;  // GET, HEAD and DELETE always are; set for writes safe to repeat
  bool essential =
      true;  // false: refused with kRateLimited once the API budget threshold is crossed
  http::Headers headers;  // extra request headers (e.g. Sforce-Query-Options)
};

struct RestResponse {
  int status = 0;
  http::Headers headers;
  std::string body;
};

class Connection {
 public:
  Connection(std::shared_ptr<TokenSource> token_source, ConnectionOptions options = {});
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Obtains a token (when none is cached) and resolves the API version. Optional:
  // the first call does the same.
  Status Connect();

  // Sends one REST call. `path` is either absolute ("/services/data/v62.0/limits",
  // a nextRecordsUrl) or relative to the REST base ("/sobjects/Task"); it may
  // carry a query string. Ok only for 2xx; other answers become a Status built
  // from the ApiError (see api_error.h).
  Result<RestResponse> Call(const std::string& method, const std::string& path,
                            const std::string& body = "", const CallOptions& options = {});
  // Call() plus JSON parsing of the body (an empty object for 204).
  Result<rapidjson::Document> CallJson(const std::string& method, const std::string& path,
                                       const std::string& body = "",
                                       const CallOptions& options = {});

  // The cached token, fetching one when there is none.
  Result<Token> CurrentToken();
  // Single-flight refresh: fetches a new token only if `rejected_access_token`
  // is still the cached one; otherwise returns the token another caller got.
  Result<Token> RefreshToken(const std::string& rejected_access_token);

  std::string api_version();  // after Connect(); "" before discovery
  std::string data_path();    // "/services/data/v62.0"
  ApiUsage usage() const { return budget_.usage(); }
  ApiBudget& budget() { return budget_; }
  int64_t token_fetches() const {
    return token_fetches_.load();
  }  // times the TokenSource was asked

  // The shared client for `base_url` (created on first use).
  std::shared_ptr<http::Client> ClientFor(const std::string& base_url);

 private:
  Result<Token> FetchLocked();
  Status ResolveVersion(const Token& token);
  std::string AbsolutePath(const std::string& path);

  std::shared_ptr<TokenSource> token_source_;
  ConnectionOptions options_;
  Backoff backoff_;
  ApiBudget budget_;
  std::atomic<int64_t> token_fetches_{0};

  std::mutex refresh_mu_;  // held while fetching a token: this is the single flight
  std::mutex mu_;          // guards the fields below
  std::optional<Token> token_;
  std::string api_version_;
  std::map<std::string, std::shared_ptr<http::Client>> clients_;
};

}  // namespace sfn::salesforce
