// quiqemu: an emulator of Quiq's notification API and conversation webhooks
// for tests and the demo (docs/quiq.md). It implements the documented request
// shapes and the assumptions written down in connector/send/quiq_api.h:
//   POST /api/v1/messaging/notify[?allowMultipleSegments=true]
//   POST /api/v1/messaging/platforms/SMS/send-notifications[?allowMultipleSegments=true]
//   GET  /api/v1/messaging/notifications?searchId=X    (lookup used to reconcile)
// all behind HTTP Basic (identity:secret), plus test hooks under /__emulator/
// (messages, calls, faults, handles, reply, replay, webhook_url, reset).
// A bulk call answers 201 {"notifications":[{"searchId","handle","id"} |
// {"searchId","handle","error":{"code","message"}}]}. Row errors:
// INVALID_HANDLE, MESSAGE_TOO_LONG (over one segment without
// allowMultipleSegments), OPTED_OUT (the handle replied STOP to that contact
// point), or whatever the handles hook armed. Thread-safe; Handle() never
// blocks on the network.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/http_server.h"
#include "common/work_queue.h"
#include "sandbox/smsemu/faults.h"
#include "sandbox/smsemu/timer.h"

namespace sfn::quiqemu {

struct EmulatorOptions {
  std::string identity = "quiqemu-app";             // Basic-auth user
  std::string secret = "quiqemu-secret";            // Basic-auth password
  std::string hook_secret = "quiqemu-hook-secret";  // X-Centricient-Hook-Token on webhooks
  std::string webhook_url;                          // where conversation events go; empty = none
  int webhook_timeout_ms = 10000;
};

struct StoredNotification {
  std::string id;
  std::string search_id;
  std::string handle;
  std::string contact_point;
  std::string text;
  std::string api;  // notify | send-notifications
  bool allow_multiple_segments = false;
  int segments = 0;
  int64_t call = 0;  // which bulk call carried it (1-based)
  int64_t timestamp_ms = 0;
};

class Emulator {
 public:
  explicit Emulator(EmulatorOptions options);
  ~Emulator();
  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;

  void Handle(http::Request&& request, http::Responder responder);
  // Answers every request held by timeout_after_accept (504) so the server can stop.
  void ReleaseHeldRequests();

 private:
  // emulator.cc: the API
  bool Authorized(const http::Request& request) const;
  void BulkSend(const http::Request& request, const std::string& api, http::Responder responder);
  http::Response Lookup(const http::Request& request);

  // hooks.cc
  void HandleHook(const http::Request& request, const std::string& hook, http::Responder responder);
  http::Response MessagesHook();
  http::Response CallsHook();
  http::Response FaultsHook(const http::Request& request);
  http::Response HandlesHook(const http::Request& request);
  http::Response WebhookUrlHook(const http::Request& request);
  void ReplyHook(const http::Request& request, http::Responder responder);
  void ReplayHook(const http::Request& request, http::Responder responder);
  void PostEvent(const std::string& event_json, const std::string& token, const std::string& url,
                 http::Responder responder);

  const EmulatorOptions options_;
  smsemu::FaultInjector faults_;
  mutable std::mutex mu_;
  // guarded by mu_:
  std::vector<StoredNotification> notifications_;
  std::map<std::string, int64_t> calls_by_api_;
  std::vector<int64_t> rows_per_call_;
  std::map<std::string, std::string> handle_errors_;       // handle → error code
  std::set<std::pair<std::string, std::string>> stopped_;  // (handle, contact point)
  std::map<std::pair<std::string, std::string>, std::string> conversations_;  // (handle, cp) → id
  std::map<std::string, std::string> events_;  // event id → envelope JSON
  std::string webhook_url_;
  std::vector<http::Responder> held_;
  int64_t next_id_ = 1;
  WorkQueue webhooks_{2};
  smsemu::Timer timer_;
};

// {"message": message, "status": status} with `status`.
http::Response QuiqError(int status, const std::string& message);
// 400 {"error": "field: problem", "field": field} for hook input.
http::Response HookError(const std::string& field, const std::string& problem);

}  // namespace sfn::quiqemu
