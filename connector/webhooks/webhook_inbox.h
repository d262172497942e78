// The durable webhook inbox's front and worker. A webhook handler verifies a
// callback (signature or shared secret, required fields), commits it with
// Accept() and answers the gateway at once; nothing it asks for needs
// Salesforce (or anything else that can be down) before the answer.
//
// One worker thread then hands each item, oldest first, to the processor
// registered for its source:
//   Ok                 → finished ("done");
//   kInvalidArgument   → finished as refused (a payload that can never work), logged;
//   anything else      → retried after retry_initial_ms, doubling up to retry_max_ms, forever:
//                        a Salesforce outage delays a reply Task, never loses it.
// One thread keeps the gateway's order (a STOP then a START from one handset
// apply in that order). Items survive a restart: they are due again when the
// worker starts. A processor must be idempotent (a crash may repeat it) and may
// record finished steps with Store::SetWebhookProgress. Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "connector/outbox/store.h"

namespace sfn::connector {

struct WebhookInboxOptions {
  int retry_initial_ms = 1000;  // first retry of a failed item
  int retry_max_ms = 300000;    // backoff cap
  int poll_ms = 250;            // how often due retries are looked for (new items wake the worker)
  size_t batch = 100;           // items read per pass
};

using WebhookProcessor = std::function<Status(const WebhookItem& item)>;
// Processes a run of consecutive items of one source at once (e.g. a burst of status callbacks in
// one transaction): Ok finishes them all, an error retries them all; items that can never work are
// the processor's to skip.
using WebhookBatchProcessor = std::function<Status(const std::vector<WebhookItem>& items)>;

class WebhookInbox {
 public:
  WebhookInbox(WebhookInboxOptions options, Store& store);
  ~WebhookInbox();
  // Before Start().
  void Register(const std::string& source, WebhookProcessor processor);
  void RegisterBatch(const std::string& source, WebhookBatchProcessor processor);
  // Commits a verified webhook. true: new; false: a copy of one already received (answer as for
  // the first); an error: the store failed (answer 503, nothing was kept).
  Result<bool> Accept(const std::string& source, const std::string& key,
                      const std::string& payload);
  void Start();
  void Stop();  // lets the item being processed finish
  // Processes the items due now; returns how many finished (the batch size when it read a full
  // batch, so the worker goes on at once).
  int RunOnce();

 private:
  void Loop();
  void Retry(const WebhookItem& item, const Status& error);

  WebhookInboxOptions options_;
  Store& store_;
  std::map<std::string, WebhookProcessor> processors_;
  std::map<std::string, WebhookBatchProcessor> batch_processors_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool woken_ = false;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace sfn::connector
