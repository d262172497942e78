#include "connector/history/retention.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <chrono>
#include <vector>

#include "common/log.h"
#include "common/time_util.h"

namespace sfn::connector {

Retention::Retention(RetentionOptions options) : options_(std::move(options)) {}

Retention::~Retention() {
  Stop();
}

Result<std::unique_ptr<Retention>> Retention::Open(RetentionOptions options) {
  std::unique_ptr<Retention> r(new Retention(std::move(options)));
  try {
    r->db_ = std::make_unique<SQLite::Database>(r->options_.path, SQLite::OPEN_READWRITE);
    r->db_->setBusyTimeout(r->options_.busy_timeout_ms);
  } catch (const std::exception& e) {
    return Status::IOError(r->options_.path + ": cannot open store for retention: " + e.what());
  }
  return r;
}

Result<int64_t> Retention::DeleteRows(const std::string& table, const std::string& column,
                                      const std::string& id) {
  int64_t total = 0;
  SQLite::Statement del(*db_, "DELETE FROM " + table + " WHERE id IN (SELECT id FROM " + table +
                                  " WHERE " + column + " = ? LIMIT " +
                                  std::to_string(options_.rows_per_batch) + ")");
  for (;;) {
    del.reset();
    del.bind(1, id);
    int n = del.exec();  // one statement, one short transaction
    total += n;
    if (n < options_.rows_per_batch) return total;
  }
}

Result<PurgeCounts> Retention::PurgeOnce(int64_t now_ms) {
  PurgeCounts pass;
  if (options_.retention_days <= 0) return pass;
  const int64_t cutoff = now_ms - static_cast<int64_t>(options_.retention_days * 86400000.0);
  std::lock_guard<std::mutex> lock(db_mu_);
  try {
    // Keyset walk over old notifications so ones that cannot go yet (a message
    // still waiting for its final status) never block the ones behind them.
    int64_t after_ms = -1;
    std::string after_id;
    for (;;) {
      std::vector<std::pair<int64_t, std::string>> batch;
      {
        SQLite::Statement q(
            *db_,
            "SELECT n.created_ms, n.id, NOT EXISTS (SELECT 1 FROM recipients r "
            "WHERE r.notification_id = n.id AND (r.state_rank < 9 OR r.updated_ms >= ?1 "
            "OR r.task_state IN ('pending','in_flight'))) AND n.status IN ('done','refused') "
            "FROM notifications n INDEXED BY history_n_created "
            "WHERE n.created_ms < ?1 AND (n.created_ms, n.id) > (?2, ?3) "
            "ORDER BY n.created_ms, n.id LIMIT ?4");
        q.bind(1, cutoff);
        q.bind(2, after_ms);
        q.bind(3, after_id);
        q.bind(4, options_.notifications_per_batch);
        bool any = false;
        while (q.executeStep()) {
          any = true;
          after_ms = q.getColumn(0).getInt64();
          after_id = q.getColumn(1).getString();
          if (q.getColumn(2).getInt() != 0) batch.emplace_back(after_ms, after_id);
        }
        if (!any) break;
      }
      for (const auto& [created, id] : batch) {
        auto h = DeleteRows("history", "notification_id", id);
        auto r = DeleteRows("recipients", "notification_id", id);
        pass.history += h.ok() ? *h : 0;
        pass.recipients += r.ok() ? *r : 0;
        SQLite::Transaction tx(*db_);
        SQLite::Statement late(*db_, "DELETE FROM history WHERE notification_id = ?");
        late.bind(1, id);
        pass.history += late.exec();
        SQLite::Statement n(*db_, "DELETE FROM notifications WHERE id = ?");
        n.bind(1, id);
        pass.notifications += n.exec();
        tx.commit();
      }
    }
    // Chunks of split requests joined long ago (kept so a redelivered chunk is a no-op).
    if (db_->tableExists("event_chunks")) {
      SQLite::Statement chunks(*db_,
                               "DELETE FROM event_chunks WHERE joined = 1 AND received_ms < ?");
      chunks.bind(1, cutoff);
      chunks.exec();
    }
  } catch (const std::exception& e) {
    return Status::IOError(std::string("retention: ") + e.what());
  }
  std::lock_guard<std::mutex> totals_lock(mu_);
  totals_.notifications += pass.notifications;
  totals_.recipients += pass.recipients;
  totals_.history += pass.history;
  return pass;
}

void Retention::Start() {
  if (options_.retention_days <= 0 || thread_.joinable()) return;
  thread_ = std::thread([this] { Loop(); });
}

void Retention::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Retention::Loop() {
  for (;;) {
    auto purged = PurgeOnce(timeutil::NowMillis());
    if (!purged.ok()) {
      log::Warn("retention", purged.status().message());
    } else if (purged->notifications > 0) {
      log::Info("retention", "purged " + std::to_string(purged->notifications) +
                                 " notifications, " + std::to_string(purged->recipients) +
                                 " recipients, " + std::to_string(purged->history) +
                                 " history rows");
    }
    std::unique_lock<std::mutex> lock(mu_);
    if (cv_.wait_for(lock, std::chrono::milliseconds(options_.interval_ms),
                     [this] { return stopping_; }))
      return;
  }
}

PurgeCounts Retention::totals() const {
  std::lock_guard<std::mutex> lock(mu_);
  return totals_;
}

std::string Retention::Metrics() const {
  PurgeCounts t = totals();
  return "# HELP sfnotify_history_purged_total Rows removed by the history retention purge.\n"
         "# TYPE sfnotify_history_purged_total counter\n"
         "sfnotify_history_purged_total{kind=\"notifications\"} " +
         std::to_string(t.notifications) +
         "\n"
         "sfnotify_history_purged_total{kind=\"recipients\"} " +
         std::to_string(t.recipients) +
         "\n"
         "sfnotify_history_purged_total{kind=\"history\"} " +
         std::to_string(t.history) + "\n";
}

}  // namespace sfn::connector
