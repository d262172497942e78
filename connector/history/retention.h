// Retention of the view history: a background purge of notifications (with
// their recipients and history rows) older than `retention_days` whose every
// recipient is terminal and whose Task write-back is finished. Work is done in
// small batches, each its own short transaction on a connection of its own, so
// the sender's writes wait at most one batch (milliseconds) for the file lock.
// Thread-safe; Stop() (or the destructor) waits for the current batch.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/status.h"

namespace SQLite {
class Database;
}

namespace sfn::connector {

struct RetentionOptions {
  std::string path;           // the store's SQLite file
  double retention_days = 0;  // 0: keep forever (the purge never runs)
  int interval_ms = 300000;   // between purge passes
  int notifications_per_batch = 50;
  int rows_per_batch = 2000;  // recipients or history rows deleted per transaction
  int busy_timeout_ms = 5000;
};

struct PurgeCounts {
  int64_t notifications = 0, recipients = 0, history = 0;
};

class Retention {
 public:
  static Result<std::unique_ptr<Retention>> Open(RetentionOptions options);
  ~Retention();

  // Purges everything eligible at `now_ms` (in batches) and returns what this pass removed.
  Result<PurgeCounts> PurgeOnce(int64_t now_ms);
  // Runs PurgeOnce every interval_ms in a thread (no-op when retention_days is 0).
  void Start();
  void Stop();
  PurgeCounts totals() const;
  // Prometheus lines: sfnotify_history_purged_total{kind=...}.
  std::string Metrics() const;

 private:
  explicit Retention(RetentionOptions options);
  Result<int64_t> DeleteRows(const std::string& table, const std::string& column,
                             const std::string& id);
  void Loop();

  RetentionOptions options_;
  std::unique_ptr<SQLite::Database> db_;
  std::mutex db_mu_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  PurgeCounts totals_;
  std::thread thread_;
};

}  // namespace sfn::connector
