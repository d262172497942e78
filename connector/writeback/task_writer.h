// Writes one Task per sent recipient onto its Lead/Contact (WhoId), in
// Salesforce Collections of up to 200, without ever writing two for the same
// send. Runs on its own thread so a slow or limited org delays Tasks, never
// sends.
//
// Idempotency: a batch is marked in flight in the store before the call. If the
// process dies before the results are recorded, the next run first looks the
// in-flight sends up by SMS_Message_Sid__c (one SOQL query per 200) and only
// inserts the ones that truly have no Task yet.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <vector>
#include <memory>
#include <string>
#include <thread>

#include "common/status.h"
#include "connector/outbox/store.h"

namespace sfn::connector {

struct TaskWriterOptions {
  size_t batch = 200;            // records per Collections call (Salesforce's maximum)
  int flush_interval_ms = 250;   // how often the queue is checked
  // While sends are under way a partial batch waits for more Tasks (full
  // batches of 200: API calls ≈ sends / 200), but never longer than
  // max_wait_busy_ms; once sending is over it goes after max_wait_ms.
  int max_wait_ms = 500;
  int max_wait_busy_ms = 10000;
  int backoff_ms = 2000;         // after a failed call
};

// The Salesforce side of Task writing; implemented over salesforce::Connection.
class TaskSink {
 public:
  virtual ~TaskSink() = default;
  // Inserts Tasks for `rows`; fills one outcome per row, in order.
  virtual Status Insert(const std::vector<RecipientRow>& rows, std::vector<TaskOutcome>* outcomes) = 0;
  // Task Ids already in Salesforce for these rows (by message SID), keyed by recipient id.
  virtual Result<std::map<int64_t, std::string>> FindExisting(const std::vector<RecipientRow>& rows) = 0;
};

class TaskWriter {
 public:
  TaskWriter(TaskWriterOptions options, Store& store, TaskSink& sink);
  ~TaskWriter();
  void Start();
  void Stop();
  // One pass: settle in-flight batches, then write full batches, and a partial
  // one when it waited long enough or `force`. Returns Tasks written (-1 on error).
  int FlushOnce(bool force = false);

 private:
  void Loop();
  int Settle();

  TaskWriterOptions options_;
  Store& store_;
  TaskSink& sink_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace sfn::connector
