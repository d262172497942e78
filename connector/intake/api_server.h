// The connector's own HTTP API (cpprestsdk listener behind common/http_server):
//   POST /v1/notifications[?dry_run=true]  send (sender/admin key) → 202 + preflight
//   GET  /v1/notifications/{id}            one notification with its recipients (read key)
//   GET  /v1/notifications/by-request/{request_id}   the same, found by the caller's request id
//   GET  /healthz                          liveness, no key
//   GET  /metrics                          Prometheus text format, no key (no secrets in it)
// Keys are sent as `Authorization: Bearer <key>` or `X-API-Key: <key>`. A
// sender key sends only as its Salesforce user (requested_by omitted = that
// user; another user = 403 naming requested_by); an admin key may name anyone.
// The key's name is recorded in the intake history row ("via key NAME").
// Phone numbers are masked except their last 4 digits for keys below admin.
// Errors are JSON: {"error":{"code":"...","message":"...","field":"..."}}.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/http_server.h"
#include "common/work_queue.h"
#include "connector/engine/engine.h"

namespace sfn::connector {

enum class ApiRole { kRead, kSender, kAdmin };

struct ApiKeyEntry {
  std::string name;
  std::string key;  // secret
  ApiRole role = ApiRole::kSender;
  std::string salesforce_user;  // 18-char User Id the key acts as; required for kSender
};

struct ApiServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: the OS picks
  std::vector<ApiKeyEntry> keys;
  size_t max_body_bytes = 1024 * 1024;
  size_t max_record_ids = 50000;  // per request
  int worker_threads = 4;         // for handlers that call Salesforce
};

// Extra routes mounted by later components (webhooks, history). Return false
// when the request is not theirs.
using RouteHandler = std::function<bool(http::Request& request, http::Responder& responder)>;

class ApiServer {
 public:
  ApiServer(ApiServerOptions options, Engine& engine);
  ~ApiServer();
  void AddRoutes(RouteHandler handler);
  Status Start();
  void Stop();
  std::string base_url() const;

  // Resolves the key in a request; nullopt when missing or unknown.
  std::optional<ApiRole> Authenticate(const http::Request& request) const;
  // The same, with the key's name and user; null when missing or unknown.
  const ApiKeyEntry* FindKey(const http::Request& request) const;
  // Extra lines for /metrics (e.g. Salesforce API usage).
  void SetMetricsSource(std::function<std::string()> source) { metrics_source_ = std::move(source); }

 private:
  void Handle(http::Request&& request, http::Responder responder);
  void PostNotification(const http::Request& request, const ApiKeyEntry& key,
                        http::Responder responder);
  void GetNotification(const std::string& id, bool mask_phones, http::Responder responder);
  std::string Metrics();

  ApiServerOptions options_;
  Engine& engine_;
  std::vector<RouteHandler> routes_;
  std::function<std::string()> metrics_source_;
  std::unique_ptr<WorkQueue> workers_;
  std::unique_ptr<http::Server> server_;
};

// {"error":{"code":code,"message":message,"field":field}} with `status`.
http::Response ApiError(int status, const std::string& code, const std::string& message,
                        const std::string& field = "");

// Parses the JSON body of POST /v1/notifications. Errors name the field.
// An absent requested_by is `default_requested_by` (the key's user); required when that is empty.
struct ParsedSendRequest {
  NotificationRequest request;
};
Result<NotificationRequest> ParseSendRequest(const std::string& body, size_t max_record_ids,
                                             std::string* field,
                                             const std::string& default_requested_by = "");

}  // namespace sfn::connector
