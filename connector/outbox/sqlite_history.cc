// SQLite store, the append-only `history` table.
#include "connector/outbox/sqlite_store.h"

#include "common/time_util.h"

namespace sfn::connector::sqlite {

const char* const kHistorySchema = R"sql(
CREATE TABLE IF NOT EXISTS history (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  notification_id TEXT NOT NULL,
  recipient_id INTEGER NOT NULL DEFAULT 0,
  at_ms INTEGER NOT NULL,
  kind TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS history_notification ON history(notification_id, id);
)sql";

std::vector<HistoryEntry> SqliteStore::History(const std::string& notification_id) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<HistoryEntry> out;
  SQLite::Statement q(
      db_,
      "SELECT id, notification_id, recipient_id, at_ms, kind, state, detail FROM history "
      "WHERE notification_id=? ORDER BY id");
  q.bind(1, notification_id);
  while (q.executeStep()) {
    out.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getString(), q.getColumn(2).getInt64(),
                   q.getColumn(3).getInt64(), q.getColumn(4).getString(),
                   q.getColumn(5).getString(), q.getColumn(6).getString()});
  }
  return out;
}

Status SqliteStore::AppendHistory(const HistoryEntry& entry) {
  return WriteStatus([&]() {
    InsertHistory(entry);
    return Status::Ok();
  });
}

void SqliteStore::InsertHistory(const HistoryEntry& e) {
  SQLite::Statement q(
      db_,
      "INSERT INTO history (notification_id, recipient_id, at_ms, kind, state, detail) "
      "VALUES (?,?,?,?,?,?)");
  q.bind(1, e.notification_id);
  q.bind(2, e.recipient_id);
  q.bind(3, e.at_ms ? e.at_ms : timeutil::NowMillis());
  q.bind(4, e.kind);
  q.bind(5, e.state);
  q.bind(6, e.detail);
  q.exec();
}

}  // namespace sfn::connector::sqlite
