// The sender: takes due recipients from the outbox and sends them through the
// transport, at most once each.
//
// Exactly-once argument (details in docs/architecture.md): recipients move
// pending → sending in a committed transaction BEFORE the gateway is called
// (Store::BeginAttempts only claims a row once). If the process dies after
// that, the row stays in `sending` and is never picked up as pending again;
// the reconciler asks the gateway whether the message exists and only a
// "surely not sent" answer returns it to pending. The suppression list is
// re-checked immediately before each call.
//
// Throughput: claims and outcomes are committed in groups (one fsync per
// group, not per message); at most about one second of each contact point's
// rate is claimed ahead, so a STOP or a crash affects few claimed rows.
#pragma once

#include <atomic>
#include <cstdint>
#include <condition_variable>
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

#include "connector/send/rate_limiter.h"
#include "connector/outbox/store.h"
#include "connector/send/transport.h"

namespace sfn::connector {

struct SenderOptions {
  int threads = 4;                       // concurrent gateway calls
  size_t batch = 200;                    // recipients fetched per poll and most claimed ahead in total
  int poll_interval_ms = 200;            // idle wait between polls (Wake() cuts it short)
  int record_interval_ms = 20;           // outcomes are committed at least this often
  int reconcile_after_ms = 30000;        // a `sending` row older than this is reconciled
  int max_attempts = 8;                  // retryable failures before giving up as failed
  std::string status_callback_base;      // e.g. https://sms.acme.com/v1/webhooks/twilio/status; empty = none
  // Messages per second per contact point name (token bucket); missing = 1.
  std::map<std::string, double> rate_per_contact_point;
  // Sender (From) per contact point name.
  std::map<std::string, std::string> sender_per_contact_point;
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

 private:
  void DispatchLoop();
  void WorkerLoop();
  void RecorderLoop();
  // Claims due rows (bounded per contact point); returns the claimed rows, marked in progress.
  std::vector<RecipientRow> ClaimDue(int64_t now_ms, bool bounded);
  std::pair<int64_t, AttemptResult> SendClaimed(const RecipientRow& row);
  void Record(std::vector<std::pair<int64_t, AttemptResult>> outcomes);
  void ReconcileStale();
  void Reconcile(const RecipientRow& row);
  bool InProgress(int64_t id);
  TokenBucket& BucketFor(const std::string& contact_point);
  double RateFor(const std::string& contact_point) const;
  OutboundMessage MessageFor(const RecipientRow& row) const;

  SenderOptions options_;
  Store& store_;
  Transport& transport_;
  std::mutex buckets_mu_;
  std::map<std::string, std::unique_ptr<TokenBucket>> buckets_;

  std::mutex mu_;  // guards the queue and counters below
  std::condition_variable cv_;        // dispatcher: wake or room in the queue
  std::condition_variable queue_cv_;  // workers: work available
  bool wake_ = false;
  std::deque<RecipientRow> queue_;    // claimed rows waiting for a worker
  std::map<std::string, size_t> queued_per_contact_point_;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;

  std::mutex results_mu_;
  std::condition_variable results_cv_;
  std::vector<std::pair<int64_t, AttemptResult>> results_;  // outcomes not yet committed
  std::atomic<int> workers_busy_{0};
  uint64_t completions_ = 0;            // sends finished (guarded by mu_); wakes the dispatcher
  std::atomic<bool> workers_joined_{false};
  std::thread recorder_;

  std::mutex in_progress_mu_;
  std::set<int64_t> in_progress_;  // claimed in this process and not yet recorded
};

}  // namespace sfn::connector
