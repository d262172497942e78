// SQLite store, the `suppressions` table keyed by (E.164, contact point); every
// change queues its opt-out write-back in the same transaction.
#include "connector/outbox/sqlite_store.h"

#include "common/time_util.h"

namespace sfn::connector::sqlite {

const char* const kSuppressionsSchema = R"sql(
CREATE TABLE IF NOT EXISTS suppressions (
  phone_e164 TEXT NOT NULL,
  contact_point TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  PRIMARY KEY (phone_e164, contact_point)
);
)sql";

bool SqliteStore::IsSuppressed(const std::string& phone, const std::string& contact_point) {
  // Every sender thread asks this right before each send: a reader connection of its own (WAL)
  // so the check never waits behind a group commit's fsync on the writer connection.
  std::lock_guard<std::mutex> lock(reader_mu_);
  SQLite::Statement q(reader_, "SELECT 1 FROM suppressions WHERE phone_e164=? AND contact_point=?");
  q.bind(1, phone);
  q.bind(2, contact_point);
  return q.executeStep();
}

Status SqliteStore::AddSuppression(const std::string& phone, const std::string& contact_point,
                                   const std::string& reason) {
  return WriteStatus([&]() {
    AddSuppressionLocked(phone, contact_point, reason, timeutil::NowMillis());
    return Status::Ok();
  });
}

Status SqliteStore::RemoveSuppression(const std::string& phone, const std::string& contact_point) {
  return WriteStatus([&]() {
    SQLite::Statement q(db_, "DELETE FROM suppressions WHERE phone_e164=? AND contact_point=?");
    q.bind(1, phone);
    q.bind(2, contact_point);
    if (q.exec() == 1)
      QueueOptOutSyncLocked(phone, contact_point, false, "opt_in", timeutil::NowMillis());
    return Status::Ok();
  });
}

std::vector<std::pair<std::string, std::string>> SqliteStore::Suppressions() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::pair<std::string, std::string>> out;
  SQLite::Statement q(
      db_, "SELECT phone_e164, contact_point FROM suppressions ORDER BY phone_e164, contact_point");
  while (q.executeStep()) out.emplace_back(q.getColumn(0).getString(), q.getColumn(1).getString());
  return out;
}

void SqliteStore::AddSuppressionLocked(const std::string& phone, const std::string& contact_point,
                                       const std::string& reason, int64_t now) {
  if (phone.empty()) return;
  SQLite::Statement q(
      db_,
      "INSERT OR IGNORE INTO suppressions (phone_e164, contact_point, reason, created_ms) "
      "VALUES (?,?,?,?)");
  q.bind(1, phone);
  q.bind(2, contact_point);
  q.bind(3, reason);
  q.bind(4, now);
  if (q.exec() == 1) QueueOptOutSyncLocked(phone, contact_point, true, reason, now);
}

}  // namespace sfn::connector::sqlite
