// SQLite store, the write-back queues: Tasks to insert and to update with a
// delivery status, and the `opt_out_sync` table.
#include "connector/outbox/sqlite_store.h"

#include <algorithm>
#include <set>

#include "common/time_util.h"

namespace sfn::connector::sqlite {

const char* const kOptOutSyncSchema = R"sql(
CREATE TABLE IF NOT EXISTS opt_out_sync (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  phone_e164 TEXT NOT NULL,
  contact_point TEXT NOT NULL,
  opted_out INTEGER NOT NULL,
  reason TEXT NOT NULL,
  created_ms INTEGER NOT NULL
);
)sql";

std::vector<RecipientRow> SqliteStore::TasksToWrite(size_t limit) {
  return SelectRecipients("WHERE task_state='pending' ORDER BY id LIMIT ?",
                          [&](SQLite::Statement& q) { q.bind(1, static_cast<int64_t>(limit)); });
}

Status SqliteStore::MarkTasksInFlight(const std::vector<int64_t>& ids) {
  return WriteStatus([&]() {
    SQLite::Statement u(
        db_, "UPDATE recipients SET task_state='in_flight' WHERE id=? AND task_state='pending'");
    for (int64_t id : ids) {
      u.reset();
      u.bind(1, id);
      u.exec();
    }
    return Status::Ok();
  });
}

std::vector<RecipientRow> SqliteStore::TasksInFlight(size_t limit) {
  return SelectRecipients("WHERE task_state='in_flight' ORDER BY id LIMIT ?",
                          [&](SQLite::Statement& q) { q.bind(1, static_cast<int64_t>(limit)); });
}

Status SqliteStore::RecordTaskOutcomes(const std::vector<TaskOutcome>& outcomes) {
  return WriteStatus([&]() {
    int64_t now = timeutil::NowMillis();
    for (const auto& o : outcomes) {
      std::string next = o.success ? "written" : (o.retryable ? "pending" : "failed");
      SQLite::Statement u(
          db_,
          "UPDATE recipients SET task_state=?, task_id=CASE WHEN ?!='' THEN ? ELSE task_id END, "
          "updated_ms=? WHERE id=? AND task_state IN ('pending','in_flight')");
      u.bind(1, next);
      u.bind(2, o.task_id);
      u.bind(3, o.task_id);
      u.bind(4, now);
      u.bind(5, o.recipient_id);
      bool changed = u.exec() == 1;
      if (changed && next == "written") {
        // The Task carries the delivery state known when it was written; only a later final
        // state needs an update call. A final callback that came before the insert marked the
        // row dirty already: when the insert wrote that very state the mark is cleared, or the
        // status writer would PATCH the same value again.
        SQLite::Statement d(db_,
                            "UPDATE recipients SET task_status_dirty=CASE WHEN state IN "
                            "('delivered','undelivered','failed') AND state != ? THEN 1 ELSE 0 "
                            "END WHERE id=?");
        d.bind(1, o.status_written);
        d.bind(2, o.recipient_id);
        d.exec();
      }
      if (changed && next != "pending") {
        InsertHistory({0, NotificationOf(o.recipient_id), o.recipient_id, now, "task", next,
                       o.success ? "task=" + o.task_id : o.error});
      }
    }
    return Status::Ok();
  });
}

std::vector<OptOutSync> SqliteStore::PendingOptOutSyncs(size_t limit) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<OptOutSync> out;
  SQLite::Statement q(
      db_,
      "SELECT id, phone_e164, contact_point, opted_out, reason, created_ms FROM opt_out_sync "
      "ORDER BY id LIMIT ?");
  q.bind(1, static_cast<int64_t>(limit));
  while (q.executeStep()) {
    out.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getString(),
                   q.getColumn(2).getString(), q.getColumn(3).getInt() != 0,
                   q.getColumn(4).getString(), q.getColumn(5).getInt64()});
  }
  return out;
}

Status SqliteStore::CompleteOptOutSync(int64_t id) {
  return WriteStatus([&]() {
    SQLite::Statement q(db_, "DELETE FROM opt_out_sync WHERE id=?");
    q.bind(1, id);
    q.exec();
    return Status::Ok();
  });
}

std::vector<TaskStatusUpdate> SqliteStore::TaskStatusUpdates(size_t limit) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<TaskStatusUpdate> out;
  SQLite::Statement q(
      db_,
      "SELECT id, task_id, state, error_code, updated_ms FROM recipients WHERE task_status_dirty=1 "
      "AND task_id!='' ORDER BY id LIMIT ?");
  q.bind(1, static_cast<int64_t>(limit));
  while (q.executeStep()) {
    out.push_back(
        {q.getColumn(0).getInt64(), q.getColumn(1).getString(),
         ParseRecipientState(q.getColumn(2).getString()).value_or(RecipientState::kAccepted),
         q.getColumn(3).getInt(), q.getColumn(4).getInt64()});
  }
  return out;
}

Status SqliteStore::MarkTaskStatusSynced(const std::vector<TaskStatusUpdate>& updates) {
  return WriteStatus([&]() {
    // Only when the state is still the one written: a newer status keeps the row dirty.
    SQLite::Statement u(db_, "UPDATE recipients SET task_status_dirty=0 WHERE id=? AND state=?");
    for (const auto& up : updates) {
      u.reset();
      u.bind(1, up.recipient_id);
      u.bind(2, RecipientStateName(up.state));
      u.exec();
    }
    return Status::Ok();
  });
}

void SqliteStore::QueueOptOutSyncLocked(const std::string& phone, const std::string& contact_point,
                                        bool opted_out, const std::string& reason, int64_t now) {
  SQLite::Statement q(
      db_,
      "INSERT INTO opt_out_sync (phone_e164, contact_point, opted_out, reason, created_ms) "
      "VALUES (?,?,?,?,?)");
  q.bind(1, phone);
  q.bind(2, contact_point);
  q.bind(3, opted_out ? 1 : 0);
  q.bind(4, reason);
  q.bind(5, now);
  q.exec();
}

}  // namespace sfn::connector::sqlite
