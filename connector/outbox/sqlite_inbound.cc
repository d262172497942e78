// SQLite store, the `inbound_messages` table: replies (idempotent on the SID),
// the responded flag and conversations.
#include "connector/outbox/sqlite_store.h"

#include <algorithm>
#include <set>

#include "common/time_util.h"

namespace sfn::connector::sqlite {

const char* const kInboundMessagesSchema = R"sql(
CREATE TABLE IF NOT EXISTS inbound_messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  sid TEXT NOT NULL UNIQUE,
  from_phone TEXT NOT NULL,
  to_phone TEXT NOT NULL,
  body TEXT NOT NULL,
  contact_point TEXT NOT NULL,
  kind TEXT NOT NULL,
  recipient_id INTEGER NOT NULL DEFAULT 0,
  notification_id TEXT NOT NULL DEFAULT '',
  record_id TEXT NOT NULL DEFAULT '',
  at_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS inbound_replies ON inbound_messages(recipient_id, id) WHERE kind = 'reply';
)sql";

Result<bool> SqliteStore::RecordInbound(const InboundMessage& m) {
  return Write<bool>([&]() -> Result<bool> {
    SQLite::Statement q(
        db_,
        "INSERT OR IGNORE INTO inbound_messages (sid, from_phone, to_phone, body, contact_point, "
        "kind, recipient_id, notification_id, record_id, at_ms) VALUES (?,?,?,?,?,?,?,?,?,?)");
    q.bind(1, m.sid);
    q.bind(2, m.from);
    q.bind(3, m.to);
    q.bind(4, m.body);
    q.bind(5, m.contact_point);
    q.bind(6, m.kind);
    q.bind(7, m.recipient_id);
    q.bind(8, m.notification_id);
    q.bind(9, m.record_id);
    q.bind(10, m.at_ms ? m.at_ms : timeutil::NowMillis());
    if (q.exec() != 1) return false;
    if (!m.notification_id.empty()) {
      InsertHistory({0, m.notification_id, m.recipient_id, m.at_ms, "inbound", m.kind, m.body});
    }
    return true;
  });
}

bool SqliteStore::InboundSeen(const std::string& sid) {
  std::lock_guard<std::mutex> lock(mu_);
  SQLite::Statement q(db_, "SELECT 1 FROM inbound_messages WHERE sid=?");
  q.bind(1, sid);
  return q.executeStep();
}

Status SqliteStore::MarkResponded(int64_t recipient_id, const std::string& detail) {
  return WriteStatus([&]() {
    int64_t now = timeutil::NowMillis();
    SQLite::Statement u(
        db_, "UPDATE recipients SET responded=1, updated_ms=? WHERE id=? AND responded=0");
    u.bind(1, now);
    u.bind(2, recipient_id);
    if (u.exec() == 1)
      InsertHistory(
          {0, NotificationOf(recipient_id), recipient_id, now, "reply", "responded", detail});
    return Status::Ok();
  });
}

std::vector<Conversation> SqliteStore::Conversations(size_t limit, int64_t before_id) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Conversation> out;
  SQLite::Statement threads(
      db_,
      "SELECT recipient_id, MAX(id) AS last FROM inbound_messages WHERE kind='reply' "
      "GROUP BY recipient_id HAVING ?=0 OR last<? ORDER BY last DESC LIMIT ?");
  threads.bind(1, before_id);
  threads.bind(2, before_id);
  threads.bind(3, static_cast<int64_t>(limit));
  while (threads.executeStep()) {
    Conversation c;
    c.recipient_id = threads.getColumn(0).getInt64();
    SQLite::Statement name(db_, "SELECT record_name FROM recipients WHERE id=?");
    name.bind(1, c.recipient_id);
    if (name.executeStep()) c.record_name = name.getColumn(0).getString();
    SQLite::Statement q(
        db_,
        "SELECT id, sid, from_phone, to_phone, body, contact_point, kind, recipient_id, "
        "notification_id, record_id, at_ms FROM inbound_messages WHERE kind='reply' AND "
        "recipient_id=? ORDER BY id DESC LIMIT 100");
    q.bind(1, c.recipient_id);
    while (q.executeStep()) {
      InboundMessage m;
      m.id = q.getColumn(0).getInt64();
      m.sid = q.getColumn(1).getString();
      m.from = q.getColumn(2).getString();
      m.to = q.getColumn(3).getString();
      m.body = q.getColumn(4).getString();
      m.contact_point = q.getColumn(5).getString();
      m.kind = q.getColumn(6).getString();
      m.recipient_id = q.getColumn(7).getInt64();
      m.notification_id = q.getColumn(8).getString();
      m.record_id = q.getColumn(9).getString();
      m.at_ms = q.getColumn(10).getInt64();
      c.messages.push_back(std::move(m));
    }
    std::reverse(c.messages.begin(), c.messages.end());
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace sfn::connector::sqlite
