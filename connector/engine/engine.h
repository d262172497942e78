// The notification engine: intake (idempotent on the request id), resolution,
// the durable outbox and the sender, Task write-back, and recovery after a
// crash. One Engine per process; thread-safe.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/status.h"
#include "connector/resolve/resolver.h"
#include "connector/send/sender.h"
#include "connector/outbox/store.h"
#include "connector/send/transport.h"

namespace sfn::connector {

class TaskWriter;

struct Preflight {
  int total = 0;
  int to_send = 0;  // pending now
  int deferred = 0;
  int suppressed = 0;
  std::map<std::string, int> suppressed_by_reason;
  int segments = 0;           // billable segments of the sends
  double estimated_cost = 0;  // segments × price per segment
};

struct SubmitOutcome {
  std::string notification_id;  // empty for a dry run
  bool created = false;         // false: the same request was already taken
  NotificationStatus status = NotificationStatus::kReceived;
  std::string refusal_reason;
  std::string refusal_detail;
  Preflight preflight;
};

struct EngineOptions {
  SenderOptions sender;  // sender.clock is the engine's clock too (planning-time quiet hours)
  std::map<std::string, double> price_per_segment;  // by contact point
  int recovery_interval_ms = 2000;                  // retry of unresolved notifications
};

class Engine {
 public:
  // `task_writer` may be null (no Salesforce write-back, e.g. in unit tests).
  Engine(EngineOptions options, Store& store, Transport& transport, Resolver& resolver, TaskWriter* task_writer);
  ~Engine();

  // Records and resolves a request. A repeated request id with the same content
  // returns the existing notification (created=false); with other content,
  // kConflict. With dry_run nothing is stored or sent. A transient failure while
  // resolving returns an error but keeps the request: it is resolved later.
  Result<SubmitOutcome> Submit(const NotificationRequest& request, bool dry_run);

  // Starts the sender, the Task writer and the recovery loop (resolving
  // requests left unresolved by a crash or a Salesforce outage, reconciling
  // sends whose outcome is unknown).
  void Start();
  void Stop();

  // Where gateways post delivery status, e.g. https://sms.acme.com/v1/webhooks/twilio/status (before Start).
  void SetStatusCallbackBase(const std::string& url) { sender_.SetStatusCallbackBase(url); }
  Store& store() { return store_; }
  Transport& transport() { return transport_; }
  Preflight Summarize(const std::string& contact_point, const std::vector<RecipientPlan>& plans) const;

 private:
  Result<SubmitOutcome> ResolveAndSave(const std::string& notification_id, const NotificationRequest& request);
  void RecoveryLoop();

  EngineOptions options_;
  Store& store_;
  Transport& transport_;
  Resolver& resolver_;
  TaskWriter* task_writer_;
  std::shared_ptr<const Clock> clock_;
  Sender sender_;
  std::mutex resolve_mu_;  // one resolution at a time per process keeps API usage predictable
  std::atomic<bool> stopping_{false};
  std::thread recovery_;
};

}  // namespace sfn::connector
