// The notification engine: intake (idempotent on the request id), resolution,
// the durable outbox and the sender, Task write-back, and recovery after a
// crash. One Engine per process; thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

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
  int recovery_interval_ms = 2000;  // how often unresolved notifications are looked for
  int resolve_workers = 4;          // threads resolving received notifications
  int retry_max_ms = 60000;         // backoff cap of a notification that keeps failing
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

  // Starts the sender, the Task writer and the resolver workers. The workers
  // resolve every notification in `received` (taken in by event intake, or
  // left unresolved by a crash or a Salesforce outage), several at a time but
  // never one notification twice at once; a notification whose resolution
  // fails is retried with its own backoff while the others go on.
  void Start();
  void Stop();
  // Tells the resolver workers that a notification was taken in.
  void Wake();

  // Where gateways post delivery status, e.g. https://sms.acme.com/v1/webhooks/twilio/status (before Start).
  void SetStatusCallbackBase(const std::string& url) { sender_.SetStatusCallbackBase(url); }
  Store& store() { return store_; }
  Transport& transport() { return transport_; }
  Preflight Summarize(const std::string& contact_point, const std::vector<RecipientPlan>& plans) const;

 private:
  // Waits until no other thread resolves `notification_id`, then resolves it.
  Result<SubmitOutcome> ResolveAndSave(const std::string& notification_id, const NotificationRequest& request);
  Result<SubmitOutcome> ResolveClaimed(const std::string& notification_id,
                                       const NotificationRequest& request);
  void ReleaseClaim(const std::string& notification_id);
  void ResolverLoop();

  EngineOptions options_;
  Store& store_;
  Transport& transport_;
  Resolver& resolver_;
  TaskWriter* task_writer_;
  std::shared_ptr<const Clock> clock_;
  Sender sender_;
  // Notifications being resolved now, and the backoff of those that failed.
  struct Retry {
    int failures = 0;
    int64_t next_ms = 0;
  };
  std::mutex claims_mu_;
  std::condition_variable claims_cv_;  // a claim was released
  std::condition_variable wake_cv_;    // work may be waiting
  uint64_t wakes_ = 0;
  std::set<std::string> resolving_;
  std::map<std::string, Retry> retry_;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> resolvers_;
};

}  // namespace sfn::connector
