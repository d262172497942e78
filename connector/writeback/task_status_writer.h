// Keeps each Task's delivery field (SMS_Delivery_Status__c) in step with its
// recipient's state: status callbacks only mark rows dirty in the store; this
// writer sends the changes in Collections updates of up to 200 on its own
// thread, so a burst of callbacks costs one API call per 200, never one each.
#pragma once

#include <atomic>
#include <string>
#include <thread>

#include "connector/outbox/store.h"
#include "salesforce/connection.h"

namespace sfn::connector {

struct TaskStatusWriterOptions {
  std::string field = "SMS_Delivery_Status__c";  // Task text field holding the delivery state
  int interval_ms = 1000;                        // how often changes are collected
  // A partial Collections call (< 200 changes) waits up to this long for more, so a burst of status
  // callbacks costs about one call per 200 Tasks instead of one per interval.
  int max_wait_ms = 5000;
};

class TaskStatusWriter {
 public:
  TaskStatusWriter(TaskStatusWriterOptions options, Store& store, salesforce::Connection& connection);
  ~TaskStatusWriter();
  void Start();
  void Stop();
  // Tasks updated, -1 on an error (retried). Without `force` a partial batch younger than
  // max_wait_ms is left to fill up.
  int FlushOnce(bool force = true);

 private:
  TaskStatusWriterOptions options_;
  Store& store_;
  salesforce::Connection& connection_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace sfn::connector
