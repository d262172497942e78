// The connector's own HTTP API (behind common/http_server, which enforces the http.* limits):
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
#include "connector/intake/visibility.h"

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
  http::ServerLimits limits;      // header/body sizes, timeouts, connections (http.* in the config)
  size_t max_record_ids = 50000;  // per request
  int worker_threads = 4;         // for handlers that call Salesforce
};

// Who is reading: an API key (a machine; its role decides) or a person signed
// in through the web page (a session; visibility.h decides).
struct Principal {
  ApiRole role = ApiRole::kRead;
  bool session = false;  // signed in with Salesforce (cookie), not an API key
  std::string user_id;   // Salesforce User Id of a signed-in person
  std::string user_name;
  ViewerRights rights;  // keys: everything, whole numbers for admin keys only
};

// Looks up the signed-in person of a request (its session cookie); nullopt when none.
using SessionAuthenticator = std::function<std::optional<Principal>(const http::Request&)>;
// The rights of Salesforce user `user_id` under the visibility rule (nothing when unknown).
using UserRightsSource = std::function<ViewerRights(const std::string& user_id)>;

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
  // For read endpoints: the API key, else the web session; nullopt when neither.
  // Sessions never authorise writes (POST /v1/notifications takes keys only).
  std::optional<Principal> AuthenticateViewer(const http::Request& request) const;
  // Set before Start().
  void SetSessionAuthenticator(SessionAuthenticator sessions) { sessions_ = std::move(sessions); }
  // What a sender key bound to a Salesforce user may see: the visibility rule for that user
  // (visibility.h). Unset: such keys see nothing. Set before Start().
  void SetUserRightsSource(UserRightsSource rights) { user_rights_ = std::move(rights); }
  // Extra lines for /metrics (e.g. Salesforce API usage).
  void SetMetricsSource(std::function<std::string()> source) { metrics_source_ = std::move(source); }

 private:
  void Handle(http::Request&& request, http::Responder responder);
  void PostNotification(const http::Request& request, const ApiKeyEntry& key,
                        http::Responder responder);
  void GetNotification(const std::string& id, const Principal& viewer, http::Responder responder);
  Principal KeyPrincipal(const ApiKeyEntry& key) const;
  std::string Metrics();

  ApiServerOptions options_;
  Engine& engine_;
  std::vector<RouteHandler> routes_;
  std::function<std::string()> metrics_source_;
  SessionAuthenticator sessions_;
  UserRightsSource user_rights_;
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
