// The sender: takes due recipients from the outbox and sends them through the
// transport, at most once each.
//
// Exactly-once argument (details in docs/architecture.md): recipients move
// pending → sending in a committed transaction BEFORE the gateway is called
// (Store::BeginAttempts only claims a row once). If the process dies after
// that, the row stays in `sending` and is never picked up as pending again;
// the reconciler asks the gateway whether the message exists and only a
// "surely not sent" answer returns it to pending. At most one send per
// (sender, number) is unsettled at a time, so the reconciler's match on
// (From, To, body, created after the claim) is unambiguous.
//
// Immediately before each gateway call: the suppression list, quiet hours in
// the recipient's zone (inside its window → deferred to the window's end) and
// the recipient's send window (over → failed(expired)).
//
// Throughput: one dispatcher thread keeps up to `max_in_flight` creates open
// at once (asynchronously when the transport can, else on a pool of that
// size), paced per contact point by a token bucket counting segments. Claims
// and outcomes are committed in groups by one recorder thread; completions
// wake nobody per message. A 429 pauses the whole gateway (GatewayHealth), as
// does the breaker when every call fails; neither charges a recipient.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/work_queue.h"
#include "connector/compliance/send_time.h"
#include "connector/outbox/store.h"
#include "connector/send/gateway_health.h"
#include "connector/send/rate_limiter.h"
#include "connector/send/transport.h"

namespace sfn::connector {

struct SenderOptions {
  int max_in_flight = 64;            // concurrent gateway creates (gateway.max_in_flight)
  size_t batch = 200;                // recipients fetched per poll
  int poll_interval_ms = 200;        // idle wait between polls (Wake() cuts it short)
  int record_interval_ms = 20;       // outcomes are committed at least this often
  int reconcile_after_ms = 30000;    // a `sending` row older than this is reconciled
  int retry_max_backoff_ms = 60000;  // cap of one recipient's backoff after transient trouble
  GatewayHealthOptions health;       // shared 429 backoff and breaker
  int64_t status_poll_after_ms = 15 * 60 * 1000;  // accepted/sent this long → fetched by SID
  int64_t status_poll_max_age_ms = 72LL * 3600 * 1000;  // ... until final or this old
  std::string
      status_callback_base;  // e.g. https://sms.acme.com/v1/webhooks/twilio/status; empty = none
  // Messages (segments) per second per contact point name (token bucket); missing = 1.
  std::map<std::string, double> rate_per_contact_point;
  // Sender (From) per contact point name.
  std::map<std::string, std::string> sender_per_contact_point;
  // How long transient trouble is retried per contact point (send_window_minutes); missing = 240
  // min.
  std::map<std::string, int64_t> send_window_ms_per_contact_point;
  // Quiet hours at send time; null = none checked (unit tests of the pipeline only).
  std::shared_ptr<const SendTimeGate> send_time_gate;
  // The clock of deferrals, windows and claims; null = the system clock.
  std::shared_ptr<const Clock> clock;
};

class Sender {
 public:
  Sender(SenderOptions options, Store& store, Transport& transport);
  ~Sender();  // stops

  void Start();
  void Stop();  // finishes calls under way and records their outcomes
  // Signals that new recipients may be due.
  void Wake();
  // Sets where gateways post delivery status (before Start).
  void SetStatusCallbackBase(const std::string& url) { options_.status_callback_base = url; }
  // Reconciles every `sending` row now (used once at start-up, when no attempt can be in progress).
  void ReconcileAll();
  // One synchronous pass (tests, tools): release deferred, reconcile stale rows, send what is due.
  // Returns the number of recipients claimed.
  int RunOnce();
  // One pass of the status poller (tests, tools): returns how many messages were looked up.
  int PollStatusesOnce();
  const GatewayHealth& health() const { return health_; }

 private:
  using Outcome = std::pair<int64_t, AttemptResult>;

  void DispatchLoop();
  void RecorderLoop();
  void MaintenanceLoop();
  // Claims due rows (bounded per contact point, one unsettled send per sender and number);
  // returns the claimed rows, marked in progress.
  std::vector<RecipientRow> ClaimDue(int64_t now_ms, size_t room);
  // Send-time compliance and the send window: an outcome when the row must not be sent now.
  bool CheckBeforeSend(const RecipientRow& row, int64_t now_ms, AttemptResult* result);
  // Maps the gateway's answer to the recipient's outcome and tells GatewayHealth.
  AttemptResult Classify(const RecipientRow& row, const SendOutcome& outcome, int64_t now_ms);
  void Dispatch(RecipientRow row);
  void Complete(Outcome outcome);
  void Record(std::vector<Outcome> outcomes);
  void ReconcileStale();
  void LearnUnsettled();
  void Reconcile(const RecipientRow& row);
  bool InProgress(int64_t id);
  TokenBucket& BucketFor(const std::string& contact_point);
  double RateFor(const std::string& contact_point) const;
  int64_t WindowMs(const std::string& contact_point) const;
  int64_t ExpiresAt(const RecipientRow& row) const;
  std::string KeyOf(const RecipientRow& row) const;  // (sender, number)
  OutboundMessage MessageFor(const RecipientRow& row) const;
  int64_t Now() const { return clock_->NowMillis(); }

  SenderOptions options_;
  Store& store_;
  Transport& transport_;
  std::shared_ptr<const Clock> clock_;
  GatewayHealth health_;
  std::unique_ptr<WorkQueue> pool_;  // for transports without SendAsync
  std::mutex buckets_mu_;
  std::map<std::string, std::unique_ptr<TokenBucket>> buckets_;

  std::mutex mu_;               // guards the dispatcher state below
  std::condition_variable cv_;  // dispatcher: wake, stop, or a free slot
  bool wake_ = false;
  bool waiting_for_slot_ = false;  // only then does a completion notify
  int in_flight_ = 0;              // calls started, answer not yet in
  std::map<std::string, std::deque<RecipientRow>>
      ready_;  // claimed, not yet sent, per contact point
  size_t ready_count_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread dispatcher_, maintenance_;

  std::mutex results_mu_;
  std::condition_variable results_cv_;
  std::vector<Outcome> results_;  // outcomes not yet committed
  bool recorder_stop_ = false;
  std::thread recorder_;

  std::mutex in_progress_mu_;
  std::map<int64_t, std::string>
      in_progress_;  // claimed in this process, not yet recorded → its key
  // (sender, number) with a send whose outcome is not settled (claimed, or unknown until
  // reconciled).
  std::map<std::string, int64_t> unsettled_;

  int64_t poll_cursor_ = 0;  // status poller: last recipient id looked at in this pass
  int64_t next_poll_pass_ms_ = 0;
};

}  // namespace sfn::connector
