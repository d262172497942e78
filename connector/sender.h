// The sender: takes due recipients from the outbox and sends them through the
// transport, at most once each.
//
// Exactly-once argument (details in docs/architecture.md): a recipient moves
// pending → sending in its own committed transaction BEFORE the gateway is
// called (Store::BeginAttempt only succeeds once). If the process dies after
// that, the row stays in `sending` and is never picked up as pending again;
// the reconciler asks the gateway whether the message exists and only a
// "surely not sent" answer returns it to pending. Consent and the suppression
// list are re-checked immediately before each send.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "connector/rate_limiter.h"
#include "connector/store.h"
#include "connector/transport.h"

namespace sfn::connector {

struct SenderOptions {
  int threads = 4;                       // concurrent gateway calls
  size_t batch = 200;                    // recipients fetched per poll
  int poll_interval_ms = 200;            // idle wait between polls (Wake() cuts it short)
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
  void Stop();
  // Signals that new recipients may be due.
  void Wake();
  // Sets where gateways post delivery status (before Start).
  void SetStatusCallbackBase(const std::string& url) { options_.status_callback_base = url; }
  // Reconciles every `sending` row now (used once at start-up, when no attempt can be in progress).
  void ReconcileAll();
  // One synchronous pass (for tests and the demo): release deferred, send what is due. Returns sends attempted.
  int RunOnce();

 private:
  void DispatchLoop();
  void WorkerLoop();
  void SendOne(const RecipientRow& row);
  void Reconcile(const RecipientRow& row);
  TokenBucket& BucketFor(const std::string& contact_point);
  OutboundMessage MessageFor(const RecipientRow& row) const;

  SenderOptions options_;
  Store& store_;
  Transport& transport_;
  std::mutex buckets_mu_;
  std::map<std::string, std::unique_ptr<TokenBucket>> buckets_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool wake_ = false;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
  // Work handed from the dispatcher to the workers (bounded by options_.batch).
  std::deque<RecipientRow> queue_;
  std::set<int64_t> queued_;
  std::condition_variable queue_cv_;
  std::mutex in_progress_mu_;
  std::set<int64_t> in_progress_;  // recipients with a gateway call under way in this process
};

}  // namespace sfn::connector
