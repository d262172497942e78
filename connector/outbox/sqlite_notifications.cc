// SQLite store, the `notifications` table: intake (idempotent on the request id),
// refusal, saving the resolved recipients, and completion.
#include "connector/outbox/sqlite_store.h"

#include <algorithm>
#include <set>

#include "common/crypto.h"
#include "common/time_util.h"

namespace sfn::connector::sqlite {

const char* const kNotificationsSchema = R"sql(
CREATE TABLE IF NOT EXISTS notifications (
  id TEXT PRIMARY KEY,
  request_id TEXT NOT NULL UNIQUE,
  fingerprint TEXT NOT NULL,
  contact_point TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  source TEXT NOT NULL,
  message TEXT NOT NULL,
  template_name TEXT NOT NULL,
  record_ids TEXT NOT NULL,
  campaign_id TEXT NOT NULL,
  replay_id INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL,
  refusal_reason TEXT NOT NULL DEFAULT '',
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS notifications_status ON notifications(status, created_ms);
CREATE INDEX IF NOT EXISTS notifications_created ON notifications(created_ms DESC, id);
)sql";

Result<IntakeResult> SqliteStore::Intake(const NotificationRequest& request) {
  return Write<IntakeResult>([&]() { return IntakeLocked(request, ""); });
}

Result<IntakeResult> SqliteStore::IntakeRefused(const NotificationRequest& request,
                                                const std::string& reason) {
  return Write<IntakeResult>([&]() { return IntakeLocked(request, reason); });
}

Result<IntakeResult> SqliteStore::IntakeLocked(const NotificationRequest& request,
                                               const std::string& refusal,
                                               const std::vector<HistoryEntry>& notes) {
  {
    std::string fingerprint = RequestFingerprint(request);
    SQLite::Statement find(db_, "SELECT id, fingerprint FROM notifications WHERE request_id = ?");
    find.bind(1, request.request_id);
    if (find.executeStep()) {
      if (find.getColumn(1).getString() != fingerprint) {
        return Status::Conflict("request id '" + request.request_id +
                                "' was already used for a different notification");
      }
      return IntakeResult{find.getColumn(0).getString(), false};
    }
    std::string id = "ntf_" + crypto::RandomHex(12);
    int64_t now = timeutil::NowMillis();
    SQLite::Statement insert(
        db_,
        "INSERT INTO notifications (id, request_id, fingerprint, contact_point, requested_by, "
        "source, message, template_name, record_ids, campaign_id, replay_id, status, "
        "created_ms, updated_ms) VALUES (?,?,?,?,?,?,?,?,?,?,?,'received',?,?)");
    insert.bind(1, id);
    insert.bind(2, request.request_id);
    insert.bind(3, fingerprint);
    insert.bind(4, request.contact_point);
    insert.bind(5, request.requested_by);
    insert.bind(6, request.source);
    insert.bind(7, request.message);
    insert.bind(8, request.template_name);
    insert.bind(9, JoinIds(request.record_ids));
    insert.bind(10, request.campaign_id);
    insert.bind(11, static_cast<int64_t>(request.replay_id));
    insert.bind(12, now);
    insert.bind(13, now);
    insert.exec();
    std::string detail =
        "source=" + request.source + " records=" + std::to_string(request.record_ids.size());
    if (!request.api_key.empty()) detail += " via key " + request.api_key;
    InsertHistory({0, id, 0, now, "intake", "received", detail});
    for (const auto& note : notes)
      InsertHistory({0, id, 0, now, note.kind, note.state, note.detail});
    if (!refusal.empty()) {
      SQLite::Statement refuse(
          db_, "UPDATE notifications SET status='refused', refusal_reason=? WHERE id=?");
      refuse.bind(1, refusal);
      refuse.bind(2, id);
      refuse.exec();
      InsertHistory({0, id, 0, now, "refused", "refused", refusal});
    }
    return IntakeResult{id, true};
  }
}

Status SqliteStore::Refuse(const std::string& notification_id, const std::string& reason) {
  return WriteStatus([&]() {
    int64_t now = timeutil::NowMillis();
    SQLite::Statement q(db_,
                        "UPDATE notifications SET status='refused', refusal_reason=?, updated_ms=? "
                        "WHERE id=? AND status='received'");
    q.bind(1, reason);
    q.bind(2, now);
    q.bind(3, notification_id);
    if (q.exec() == 1) InsertHistory({0, notification_id, 0, now, "refused", "refused", reason});
    return Status::Ok();
  });
}

Status SqliteStore::SetRequesterName(const std::string& notification_id, const std::string& name) {
  return WriteStatus([&]() {
    SQLite::Statement q(db_, "UPDATE notifications SET requested_by_name=? WHERE id=?");
    q.bind(1, name);
    q.bind(2, notification_id);
    q.exec();
    return Status::Ok();
  });
}

Status SqliteStore::SaveRecipients(const std::string& notification_id,
                                   const std::vector<RecipientPlan>& plans) {
  return WriteStatus([&]() {
    int64_t now = timeutil::NowMillis();
    SQLite::Statement status(db_, "SELECT status, contact_point FROM notifications WHERE id=?");
    status.bind(1, notification_id);
    if (!status.executeStep()) return Status::NotFound("no notification " + notification_id);
    if (status.getColumn(0).getString() != "received") return Status::Ok();  // already resolved
    std::string contact_point = status.getColumn(1).getString();
    SQLite::Statement insert(
        db_,
        "INSERT OR IGNORE INTO recipients (notification_id, contact_point, record_id, object_type, "
        "owner_id, "
        "phone_raw, phone_e164, time_zone, body, encoding, units, segments, state, state_rank, "
        "reason, "
        "deferred_until_ms, next_attempt_ms, created_ms, updated_ms, merge_json, record_name) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    for (const auto& p : plans) {
      insert.reset();
      insert.bind(1, notification_id);
      insert.bind(2, contact_point);
      insert.bind(3, p.record_id);
      insert.bind(4, p.object_type);
      insert.bind(5, p.owner_id);
      insert.bind(6, p.phone_raw);
      insert.bind(7, p.phone_e164);
      insert.bind(8, p.time_zone);
      insert.bind(9, p.body);
      insert.bind(10, p.encoding);
      insert.bind(11, p.units);
      insert.bind(12, p.segments);
      insert.bind(13, RecipientStateName(p.state));
      insert.bind(14, StateRank(p.state));
      insert.bind(15, p.reason);
      insert.bind(16, static_cast<int64_t>(p.deferred_until_ms));
      insert.bind(17, static_cast<int64_t>(p.deferred_until_ms));
      insert.bind(18, now);
      insert.bind(19, now);
      insert.bind(20, p.merge_json.empty() ? std::string("{}") : p.merge_json);
      insert.bind(21, p.record_name);
      insert.exec();
      int64_t rid = db_.getLastInsertRowid();
      std::string detail = p.reason.empty() ? "" : "reason=" + p.reason;
      if (p.state == RecipientState::kDeferred) {
        detail += " until=" + timeutil::FormatRfc3339Millis(p.deferred_until_ms);
      }
      InsertHistory({0, notification_id, rid, now, "state", RecipientStateName(p.state), detail});
    }
    SQLite::Statement update(db_,
                             "UPDATE notifications SET status='sending', updated_ms=? WHERE id=?");
    update.bind(1, now);
    update.bind(2, notification_id);
    update.exec();
    InsertHistory({0, notification_id, 0, now, "resolved", "sending",
                   "recipients=" + std::to_string(plans.size())});
    CompleteIfFinishedLocked(notification_id, now);
    return Status::Ok();
  });
}

std::vector<NotificationRow> SqliteStore::NotificationsInStatus(NotificationStatus status,
                                                                size_t limit) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<NotificationRow> out;
  SQLite::Statement q(
      db_, std::string(kNotificationSelect) + " WHERE status=? ORDER BY created_ms LIMIT ?");
  q.bind(1, NotificationStatusName(status));
  q.bind(2, static_cast<int64_t>(limit));
  while (q.executeStep()) out.push_back(ReadNotification(q));
  return out;
}

Result<NotificationRow> SqliteStore::GetNotification(const std::string& notification_id) {
  std::lock_guard<std::mutex> lock(mu_);
  SQLite::Statement q(db_, std::string(kNotificationSelect) + " WHERE id=?");
  q.bind(1, notification_id);
  if (!q.executeStep()) return Status::NotFound("no notification '" + notification_id + "'");
  return ReadNotification(q);
}

std::optional<std::string> SqliteStore::NotificationIdForRequest(const std::string& request_id) {
  std::lock_guard<std::mutex> lock(mu_);
  SQLite::Statement q(db_, "SELECT id FROM notifications WHERE request_id=?");
  q.bind(1, request_id);
  if (!q.executeStep()) return std::nullopt;
  return q.getColumn(0).getString();
}

Status SqliteStore::CompleteIfFinished(const std::string& notification_id) {
  return WriteStatus([&]() {
    CompleteIfFinishedLocked(notification_id, timeutil::NowMillis());
    return Status::Ok();
  });
}

NotificationRow SqliteStore::ReadNotification(SQLite::Statement& q) {
  NotificationRow n;
  n.id = q.getColumn(0).getString();
  n.request.request_id = q.getColumn(1).getString();
  n.request.contact_point = q.getColumn(2).getString();
  n.request.requested_by = q.getColumn(3).getString();
  n.request.source = q.getColumn(4).getString();
  n.request.message = q.getColumn(5).getString();
  n.request.template_name = q.getColumn(6).getString();
  n.request.record_ids = SplitIds(q.getColumn(7).getString());
  n.request.campaign_id = q.getColumn(8).getString();
  n.request.replay_id = q.getColumn(9).getInt64();
  n.status = ParseNotificationStatus(q.getColumn(10).getString());
  n.refusal_reason = q.getColumn(11).getString();
  n.created_ms = q.getColumn(12).getInt64();
  n.updated_ms = q.getColumn(13).getInt64();
  n.requested_by_name = q.getColumn(14).getString();
  return n;
}

void SqliteStore::CompleteIfFinishedLocked(const std::string& notification_id, int64_t now) {
  // EXISTS over the (notification_id, state) index: O(1) per call, not a scan of the audience.
  SQLite::Statement open(db_,
                         "SELECT 1 FROM recipients WHERE notification_id=? AND state IN "
                         "('pending','deferred','sending') LIMIT 1");
  open.bind(1, notification_id);
  if (open.executeStep()) return;
  SQLite::Statement u(
      db_, "UPDATE notifications SET status='done', updated_ms=? WHERE id=? AND status='sending'");
  u.bind(1, now);
  u.bind(2, notification_id);
  if (u.exec() == 1) InsertHistory({0, notification_id, 0, now, "done", "done", ""});
}

}  // namespace sfn::connector::sqlite
