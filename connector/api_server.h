// The connector's own HTTP API (behind common/http_server, which enforces the http.* limits):
//   POST /v1/notifications[?dry_run=true]  send (sender/admin key) → 202 + preflight
//   GET  /v1/notifications/{id}            one notification with its recipients (read key)
//   GET  /v1/notifications/by-request/{request_id}   the same, found by the caller's request id
//   GET  /healthz                          liveness, no key
//   GET  /metrics                          Prometheus text format, no key (no secrets in it)
// Keys are sent as `Authorization: Bearer <key>` or `X-API-Key: <key>`.
// Errors are JSON: {"error":{"code":"...","message":"...","field":"..."}}.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/http_server.h"
#include "common/work_queue.h"
#include "connector/engine.h"

namespace sfn::connector {

enum class ApiRole { kRead, kSender, kAdmin };

struct ApiKeyEntry {
  std::string name;
  std::string key;  // secret
  ApiRole role = ApiRole::kSender;
};

struct ApiServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: the OS picks
  std::vector<ApiKeyEntry> keys;
  http::ServerLimits limits;      // header/body sizes, timeouts, connections (http.* in the config)
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
  // Extra lines for /metrics (e.g. Salesforce API usage).
  void SetMetricsSource(std::function<std::string()> source) { metrics_source_ = std::move(source); }

 private:
  void Handle(http::Request&& request, http::Responder responder);
  void PostNotification(const http::Request& request, http::Responder responder);
  void GetNotification(const std::string& id, http::Responder responder);
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
struct ParsedSendRequest {
  NotificationRequest request;
};
Result<NotificationRequest> ParseSendRequest(const std::string& body, size_t max_record_ids, std::string* field);

}  // namespace sfn::connector
