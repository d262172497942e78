// SQLite store, the `webhook_inbox` table: verified gateway webhooks committed
// before they are answered, then processed (and retried) by the inbox worker.
#include "connector/outbox/sqlite_store.h"

#include "common/time_util.h"

namespace sfn::connector::sqlite {

const char* const kWebhookInboxSchema = R"sql(
CREATE TABLE IF NOT EXISTS webhook_inbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  source TEXT NOT NULL,
  key TEXT NOT NULL,
  payload TEXT NOT NULL,
  received_ms INTEGER NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending',   -- pending | done | refused
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms INTEGER NOT NULL DEFAULT 0,
  progress TEXT NOT NULL DEFAULT '',
  last_error TEXT NOT NULL DEFAULT '',
  finished_ms INTEGER NOT NULL DEFAULT 0,
  UNIQUE (source, key)
);
CREATE INDEX IF NOT EXISTS webhook_inbox_due ON webhook_inbox(next_attempt_ms, id)
  WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS webhook_inbox_finished ON webhook_inbox(finished_ms)
  WHERE state != 'pending';
)sql";

namespace {
// How long a finished item is kept so that a late copy of its webhook is still a duplicate.
constexpr int64_t kKeepFinishedMs = int64_t{7} * 24 * 3600 * 1000;
}  // namespace

Result<bool> SqliteStore::EnqueueWebhook(const WebhookItem& item) {
  return Write<bool>([&]() -> Result<bool> {
    SQLite::Statement q(db_,
                        "INSERT OR IGNORE INTO webhook_inbox (source, key, payload, received_ms, "
                        "next_attempt_ms) VALUES (?,?,?,?,0)");
    q.bind(1, item.source);
    q.bind(2, item.key);
    q.bind(3, item.payload);
    q.bind(4, item.received_ms ? item.received_ms : timeutil::NowMillis());
    return q.exec() == 1;
  });
}

std::vector<WebhookItem> SqliteStore::DueWebhooks(int64_t now_ms, size_t limit) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<WebhookItem> out;
  SQLite::Statement q(
      db_,
      "SELECT id, source, key, payload, received_ms, attempts, progress, last_error "
      "FROM webhook_inbox WHERE state='pending' AND next_attempt_ms<=? ORDER BY id "
      "LIMIT ?");
  q.bind(1, now_ms);
  q.bind(2, static_cast<int64_t>(limit));
  while (q.executeStep()) {
    WebhookItem item;
    item.id = q.getColumn(0).getInt64();
    item.source = q.getColumn(1).getString();
    item.key = q.getColumn(2).getString();
    item.payload = q.getColumn(3).getString();
    item.received_ms = q.getColumn(4).getInt64();
    item.attempts = q.getColumn(5).getInt();
    item.progress = q.getColumn(6).getString();
    item.last_error = q.getColumn(7).getString();
    out.push_back(std::move(item));
  }
  return out;
}

Status SqliteStore::SetWebhookProgress(int64_t id, const std::string& progress) {
  return WriteStatus([&]() {
    SQLite::Statement u(db_, "UPDATE webhook_inbox SET progress=? WHERE id=?");
    u.bind(1, progress);
    u.bind(2, id);
    u.exec();
    return Status::Ok();
  });
}

Status SqliteStore::RetryWebhook(int64_t id, int64_t next_attempt_ms, const std::string& error) {
  return WriteStatus([&]() {
    SQLite::Statement u(
        db_,
        "UPDATE webhook_inbox SET next_attempt_ms=?, last_error=?, attempts=attempts+1 "
        "WHERE id=? AND state='pending'");
    u.bind(1, next_attempt_ms);
    u.bind(2, error);
    u.bind(3, id);
    u.exec();
    return Status::Ok();
  });
}

Status SqliteStore::FinishWebhooks(const std::vector<std::pair<int64_t, std::string>>& outcomes) {
  if (outcomes.empty()) return Status::Ok();
  return WriteStatus([&]() {
    int64_t now = timeutil::NowMillis();
    SQLite::Statement u(
        db_,
        "UPDATE webhook_inbox SET state=?, finished_ms=?, last_error=CASE WHEN ?='' "
        "THEN last_error ELSE ? END WHERE id=?");
    for (const auto& [id, outcome] : outcomes) {
      bool done = outcome == "done";
      u.reset();
      u.bind(1, done ? "done" : "refused");
      u.bind(2, now);
      u.bind(3, done ? "" : outcome);
      u.bind(4, done ? "" : outcome);
      u.bind(5, id);
      u.exec();
    }
    // Finished items only serve deduplication; after a week they go, a few at a time.
    SQLite::Statement prune(
        db_,
        "DELETE FROM webhook_inbox WHERE id IN (SELECT id FROM webhook_inbox "
        "WHERE state!='pending' AND finished_ms<? ORDER BY finished_ms LIMIT 100)");
    prune.bind(1, now - kKeepFinishedMs);
    prune.exec();
    return Status::Ok();
  });
}

int64_t SqliteStore::PendingWebhooks() {
  std::lock_guard<std::mutex> lock(mu_);
  SQLite::Statement q(db_, "SELECT COUNT(*) FROM webhook_inbox WHERE state='pending'");
  return q.executeStep() ? q.getColumn(0).getInt64() : 0;
}

}  // namespace sfn::connector::sqlite
