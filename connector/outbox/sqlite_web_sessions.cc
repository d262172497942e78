// SQLite store, the `web_sessions` table: people signed in to the history web
// page. Owned by history/ (web_login.h); nothing else reads it.
#include "connector/outbox/sqlite_store.h"

namespace sfn::connector::sqlite {

const char* const kWebSessionsSchema = R"sql(
CREATE TABLE IF NOT EXISTS web_sessions (
  id_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  user_name TEXT NOT NULL,
  permission_sets TEXT NOT NULL,
  csrf_token TEXT NOT NULL,
  access_token TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS web_sessions_expires ON web_sessions(expires_ms);
)sql";

Status SqliteStore::CreateWebSession(const WebSession& s) {
  return WriteStatus([&]() {
    SQLite::Statement q(
        db_,
        "INSERT INTO web_sessions (id_hash, user_id, user_name, permission_sets, "
        "csrf_token, access_token, created_ms, expires_ms) VALUES (?,?,?,?,?,?,?,?)");
    q.bind(1, s.id_hash);
    q.bind(2, s.user_id);
    q.bind(3, s.user_name);
    q.bind(4, JoinIds(s.permission_sets));
    q.bind(5, s.csrf_token);
    q.bind(6, s.access_token);
    q.bind(7, static_cast<int64_t>(s.created_ms));
    q.bind(8, static_cast<int64_t>(s.expires_ms));
    q.exec();
    return Status::Ok();
  });
}

std::optional<WebSession> SqliteStore::FindWebSession(const std::string& id_hash, int64_t now_ms) {
  std::optional<WebSession> found;
  bool expired = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    SQLite::Statement q(db_,
                        "SELECT id_hash, user_id, user_name, permission_sets, csrf_token, "
                        "access_token, created_ms, expires_ms FROM web_sessions WHERE id_hash=?");
    q.bind(1, id_hash);
    if (!q.executeStep()) return std::nullopt;
    WebSession s;
    s.id_hash = q.getColumn(0).getString();
    s.user_id = q.getColumn(1).getString();
    s.user_name = q.getColumn(2).getString();
    s.permission_sets = SplitIds(q.getColumn(3).getString());
    s.csrf_token = q.getColumn(4).getString();
    s.access_token = q.getColumn(5).getString();
    s.created_ms = q.getColumn(6).getInt64();
    s.expires_ms = q.getColumn(7).getInt64();
    expired = s.expires_ms <= now_ms;
    if (!expired) found = std::move(s);
  }
  if (expired) DeleteWebSession(id_hash);
  return found;
}

Status SqliteStore::DeleteWebSession(const std::string& id_hash) {
  return WriteStatus([&]() {
    SQLite::Statement q(db_, "DELETE FROM web_sessions WHERE id_hash=?");
    q.bind(1, id_hash);
    q.exec();
    return Status::Ok();
  });
}

int SqliteStore::PurgeWebSessions(int64_t now_ms) {
  int removed = 0;
  WriteStatus([&]() {
    SQLite::Statement q(db_, "DELETE FROM web_sessions WHERE expires_ms<=?");
    q.bind(1, static_cast<int64_t>(now_ms));
    removed = q.exec();
    return Status::Ok();
  });
  return removed;
}

}  // namespace sfn::connector::sqlite
