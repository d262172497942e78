// SQLite implementation of the outbox and view-history store: opening the database,
// the schema in order, counters, and the helpers the table files share.
//
// One connection guarded by a mutex: SQLite serialises writers anyway, and a
// single connection keeps `BEGIN IMMEDIATE` transactions simple. WAL lets
// readers (the history API) proceed while the sender writes.
#include "connector/outbox/sqlite_store.h"

#include "common/crypto.h"
#include "common/time_util.h"

namespace sfn::connector::sqlite {

NotificationStatus ParseNotificationStatus(const std::string& s) {
  if (s == "refused") return NotificationStatus::kRefused;
  if (s == "sending") return NotificationStatus::kSending;
  if (s == "done") return NotificationStatus::kDone;
  return NotificationStatus::kReceived;
}

std::string JoinIds(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) {
    if (!out.empty()) out.push_back(',');
    out += id;
  }
  return out;
}

std::vector<std::string> SplitIds(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string::npos) comma = text.size();
    if (comma > pos) out.push_back(text.substr(pos, comma - pos));
    pos = comma + 1;
  }
  return out;
}

RecipientRow ReadRecipient(SQLite::Statement& q) {
  RecipientRow r;
  r.id = q.getColumn(0).getInt64();
  r.notification_id = q.getColumn(1).getString();
  r.contact_point = q.getColumn(2).getString();
  r.plan.record_id = q.getColumn(3).getString();
  r.plan.object_type = q.getColumn(4).getString();
  r.plan.owner_id = q.getColumn(5).getString();
  r.plan.phone_raw = q.getColumn(6).getString();
  r.plan.phone_e164 = q.getColumn(7).getString();
  r.plan.time_zone = q.getColumn(8).getString();
  r.plan.body = q.getColumn(9).getString();
  r.plan.encoding = q.getColumn(10).getString();
  r.plan.units = q.getColumn(11).getInt();
  r.plan.segments = q.getColumn(12).getInt();
  r.state = ParseRecipientState(q.getColumn(13).getString()).value_or(RecipientState::kPending);
  r.plan.state = r.state;
  r.reason = q.getColumn(14).getString();
  r.plan.reason = r.reason;
  r.plan.deferred_until_ms = q.getColumn(15).getInt64();
  r.attempts = q.getColumn(16).getInt();
  r.last_attempt_ms = q.getColumn(17).getInt64();
  r.next_attempt_ms = q.getColumn(18).getInt64();
  r.gateway_sid = q.getColumn(19).getString();
  r.error_code = q.getColumn(20).getInt();
  r.task_id = q.getColumn(21).getString();
  r.task_state = q.getColumn(22).getString();
  r.responded = q.getColumn(23).getInt() != 0;
  r.updated_ms = q.getColumn(24).getInt64();
  r.plan.merge_json = q.getColumn(25).getString();
  r.plan.record_name = q.getColumn(26).getString();
  r.created_ms = q.getColumn(27).getInt64();
  return r;
}

SqliteStore::SqliteStore(const SqliteStoreOptions& options)
    : db_(options.path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_FULLMUTEX),
      reader_(options.path, SQLite::OPEN_READONLY | SQLite::OPEN_FULLMUTEX) {
  db_.setBusyTimeout(options.busy_timeout_ms);
  db_.exec("PRAGMA journal_mode=WAL");
  db_.exec("PRAGMA synchronous=FULL");
  db_.exec("PRAGMA foreign_keys=ON");
  db_.exec(kNotificationsSchema);
  db_.exec(kRecipientsSchema);
  db_.exec(kHistorySchema);
  db_.exec(kEarlyStatusesSchema);
  db_.exec(kOptOutSyncSchema);
  db_.exec(kInboundMessagesSchema);
  db_.exec(kSuppressionsSchema);
  db_.exec(kEventChunksSchema);
  db_.exec(kWebhookInboxSchema);
  db_.exec(kWebSessionsSchema);
  reader_.setBusyTimeout(options.busy_timeout_ms);
  // Columns added after the first release (older stores lack them).
  AddColumnIfMissing("recipients", "task_status_dirty", "INTEGER NOT NULL DEFAULT 0");
  // Display names for the view history; rows from before stay '' and show their Ids.
  AddColumnIfMissing("recipients", "record_name", "TEXT NOT NULL DEFAULT ''");
  AddColumnIfMissing("notifications", "requested_by_name", "TEXT NOT NULL DEFAULT ''");
  db_.exec(
      "CREATE INDEX IF NOT EXISTS recipients_task_status ON recipients(task_status_dirty) "
      "WHERE task_status_dirty = 1");
}

void SqliteStore::AddColumnIfMissing(const std::string& table, const std::string& column,
                                     const std::string& type) {
  SQLite::Statement q(db_, "SELECT 1 FROM pragma_table_info('" + table + "') WHERE name = ?");
  q.bind(1, column);
  if (!q.executeStep()) db_.exec("ALTER TABLE " + table + " ADD COLUMN " + column + " " + type);
}

StoreCounters SqliteStore::Counters() {
  std::lock_guard<std::mutex> lock(mu_);
  StoreCounters c;
  SQLite::Statement q(db_, "SELECT state, COUNT(*) FROM recipients GROUP BY state");
  while (q.executeStep()) {
    std::string s = q.getColumn(0).getString();
    int64_t n = q.getColumn(1).getInt64();
    if (s == "pending")
      c.pending = n;
    else if (s == "deferred")
      c.deferred = n;
    else if (s == "sending")
      c.sending = n;
    else if (s == "accepted")
      c.accepted = n;
    else if (s == "sent")
      c.sent = n;
    else if (s == "delivered")
      c.delivered = n;
    else if (s == "undelivered")
      c.undelivered = n;
    else if (s == "failed")
      c.failed = n;
    else if (s == "suppressed")
      c.suppressed = n;
  }
  SQLite::Statement t(db_, "SELECT task_state, COUNT(*) FROM recipients GROUP BY task_state");
  while (t.executeStep()) {
    std::string s = t.getColumn(0).getString();
    if (s == "pending" || s == "in_flight") c.tasks_pending += t.getColumn(1).getInt64();
    if (s == "written") c.tasks_written = t.getColumn(1).getInt64();
  }
  return c;
}

}  // namespace sfn::connector::sqlite

namespace sfn::connector {

const char* NotificationStatusName(NotificationStatus s) {
  switch (s) {
    case NotificationStatus::kReceived:
      return "received";
    case NotificationStatus::kRefused:
      return "refused";
    case NotificationStatus::kSending:
      return "sending";
    case NotificationStatus::kDone:
      return "done";
  }
  return "received";
}

std::string RequestFingerprint(const NotificationRequest& r) {
  std::string canonical = r.contact_point + '\x1f' + r.message + '\x1f' + r.template_name + '\x1f' +
                          sqlite::JoinIds(r.record_ids) + '\x1f' + r.campaign_id + '\x1f' + r.requested_by;
  return crypto::Hex(crypto::Sha256(canonical));
}

Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteStoreOptions& options) {
  try {
    return std::unique_ptr<Store>(std::make_unique<sqlite::SqliteStore>(options));
  } catch (const std::exception& e) {
    return Status::IOError(options.path + ": cannot open store: " + e.what());
  }
}

}  // namespace sfn::connector
