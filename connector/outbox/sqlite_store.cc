// SQLite implementation of the outbox and view-history store.
//
// One connection guarded by a mutex: SQLite serialises writers anyway, and a
// single connection keeps `BEGIN IMMEDIATE` transactions simple. WAL lets
// readers (the history API) proceed while the sender writes.
#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <mutex>
#include <set>

#include "common/crypto.h"
#include "common/time_util.h"
#include "connector/outbox/store.h"

namespace sfn::connector {

const char* NotificationStatusName(NotificationStatus s) {
  switch (s) {
    case NotificationStatus::kReceived: return "received";
    case NotificationStatus::kRefused: return "refused";
    case NotificationStatus::kSending: return "sending";
    case NotificationStatus::kDone: return "done";
  }
  return "received";
}

namespace {

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

constexpr const char* kSchema = R"sql(
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
CREATE TABLE IF NOT EXISTS recipients (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  notification_id TEXT NOT NULL REFERENCES notifications(id),
  contact_point TEXT NOT NULL,
  record_id TEXT NOT NULL,
  object_type TEXT NOT NULL,
  owner_id TEXT NOT NULL,
  phone_raw TEXT NOT NULL,
  phone_e164 TEXT NOT NULL,
  time_zone TEXT NOT NULL,
  body TEXT NOT NULL,
  merge_json TEXT NOT NULL DEFAULT '{}',
  encoding TEXT NOT NULL,
  units INTEGER NOT NULL,
  segments INTEGER NOT NULL,
  state TEXT NOT NULL,
  state_rank INTEGER NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  deferred_until_ms INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_attempt_ms INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms INTEGER NOT NULL DEFAULT 0,
  gateway_sid TEXT NOT NULL DEFAULT '',
  error_code INTEGER NOT NULL DEFAULT 0,
  task_id TEXT NOT NULL DEFAULT '',
  task_state TEXT NOT NULL DEFAULT 'none',
  responded INTEGER NOT NULL DEFAULT 0,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  UNIQUE(notification_id, record_id)
);
CREATE INDEX IF NOT EXISTS recipients_due ON recipients(state, next_attempt_ms, id);
CREATE INDEX IF NOT EXISTS recipients_sid ON recipients(gateway_sid) WHERE gateway_sid != '';
CREATE INDEX IF NOT EXISTS recipients_phone ON recipients(phone_e164, contact_point, last_attempt_ms);
CREATE INDEX IF NOT EXISTS recipients_task ON recipients(task_state) WHERE task_state IN ('pending','in_flight');
CREATE INDEX IF NOT EXISTS recipients_record ON recipients(record_id);
CREATE INDEX IF NOT EXISTS recipients_open ON recipients(notification_id, state);
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
CREATE TABLE IF NOT EXISTS early_statuses (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  sid TEXT NOT NULL,
  raw_status TEXT NOT NULL,
  state TEXT NOT NULL,
  error_code INTEGER NOT NULL,
  at_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS early_statuses_sid ON early_statuses(sid);
CREATE TABLE IF NOT EXISTS opt_out_sync (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  phone_e164 TEXT NOT NULL,
  contact_point TEXT NOT NULL,
  opted_out INTEGER NOT NULL,
  reason TEXT NOT NULL,
  created_ms INTEGER NOT NULL
);
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
CREATE TABLE IF NOT EXISTS suppressions (
  phone_e164 TEXT NOT NULL,
  contact_point TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  PRIMARY KEY (phone_e164, contact_point)
);
)sql";

constexpr const char* kRecipientColumns =
    "id, notification_id, contact_point, record_id, object_type, owner_id, phone_raw, phone_e164, time_zone, body, "
    "encoding, units, segments, state, reason, deferred_until_ms, attempts, last_attempt_ms, next_attempt_ms, "
    "gateway_sid, error_code, task_id, task_state, responded, updated_ms, merge_json";

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
  return r;
}

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(const SqliteStoreOptions& options)
      : db_(options.path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_FULLMUTEX),
        reader_(options.path, SQLite::OPEN_READONLY | SQLite::OPEN_FULLMUTEX) {
    db_.setBusyTimeout(options.busy_timeout_ms);
    db_.exec("PRAGMA journal_mode=WAL");
    db_.exec("PRAGMA synchronous=FULL");
    db_.exec("PRAGMA foreign_keys=ON");
    db_.exec(kSchema);
    reader_.setBusyTimeout(options.busy_timeout_ms);
    // Columns added after the first release (older stores lack them).
    AddColumnIfMissing("recipients", "task_status_dirty", "INTEGER NOT NULL DEFAULT 0");
    db_.exec("CREATE INDEX IF NOT EXISTS recipients_task_status ON recipients(task_status_dirty) "
             "WHERE task_status_dirty = 1");
  }

  void AddColumnIfMissing(const std::string& table, const std::string& column, const std::string& type) {
    SQLite::Statement q(db_, "SELECT 1 FROM pragma_table_info('" + table + "') WHERE name = ?");
    q.bind(1, column);
    if (!q.executeStep()) db_.exec("ALTER TABLE " + table + " ADD COLUMN " + column + " " + type);
  }

  Result<IntakeResult> Intake(const NotificationRequest& request) override {
    return Write<IntakeResult>([&]() -> Result<IntakeResult> {
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
      SQLite::Statement insert(db_,
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
      InsertHistory({0, id, 0, now, "intake", "received",
                     "source=" + request.source + " records=" + std::to_string(request.record_ids.size())});
      return IntakeResult{id, true};
    });
  }

  Status Refuse(const std::string& notification_id, const std::string& reason) override {
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

  Status SaveRecipients(const std::string& notification_id, const std::vector<RecipientPlan>& plans) override {
    return WriteStatus([&]() {
      int64_t now = timeutil::NowMillis();
      SQLite::Statement status(db_, "SELECT status, contact_point FROM notifications WHERE id=?");
      status.bind(1, notification_id);
      if (!status.executeStep()) return Status::NotFound("no notification " + notification_id);
      if (status.getColumn(0).getString() != "received") return Status::Ok();  // already resolved
      std::string contact_point = status.getColumn(1).getString();
      SQLite::Statement insert(
          db_,
          "INSERT OR IGNORE INTO recipients (notification_id, contact_point, record_id, object_type, owner_id, "
          "phone_raw, phone_e164, time_zone, body, encoding, units, segments, state, state_rank, reason, "
          "deferred_until_ms, next_attempt_ms, created_ms, updated_ms, merge_json) "
          "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
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
        insert.exec();
        int64_t rid = db_.getLastInsertRowid();
        std::string detail = p.reason.empty() ? "" : "reason=" + p.reason;
        if (p.state == RecipientState::kDeferred) {
          detail += " until=" + timeutil::FormatRfc3339Millis(p.deferred_until_ms);
        }
        InsertHistory({0, notification_id, rid, now, "state", RecipientStateName(p.state), detail});
      }
      SQLite::Statement update(db_, "UPDATE notifications SET status='sending', updated_ms=? WHERE id=?");
      update.bind(1, now);
      update.bind(2, notification_id);
      update.exec();
      InsertHistory({0, notification_id, 0, now, "resolved", "sending",
                     "recipients=" + std::to_string(plans.size())});
      CompleteIfFinishedLocked(notification_id, now);
      return Status::Ok();
    });
  }

  std::vector<NotificationRow> NotificationsInStatus(NotificationStatus status, size_t limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<NotificationRow> out;
    SQLite::Statement q(db_, std::string(kNotificationSelect) + " WHERE status=? ORDER BY created_ms LIMIT ?");
    q.bind(1, NotificationStatusName(status));
    q.bind(2, static_cast<int64_t>(limit));
    while (q.executeStep()) out.push_back(ReadNotification(q));
    return out;
  }

  Result<NotificationRow> GetNotification(const std::string& notification_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    SQLite::Statement q(db_, std::string(kNotificationSelect) + " WHERE id=?");
    q.bind(1, notification_id);
    if (!q.executeStep()) return Status::NotFound("no notification '" + notification_id + "'");
    return ReadNotification(q);
  }

  std::optional<std::string> NotificationIdForRequest(const std::string& request_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    SQLite::Statement q(db_, "SELECT id FROM notifications WHERE request_id=?");
    q.bind(1, request_id);
    if (!q.executeStep()) return std::nullopt;
    return q.getColumn(0).getString();
  }

  std::vector<RecipientRow> Recipients(const std::string& notification_id) override {
    return SelectRecipients("WHERE notification_id=? ORDER BY id", [&](SQLite::Statement& q) {
      q.bind(1, notification_id);
    });
  }

  std::vector<StateCount> CountByState(const std::string& notification_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<StateCount> out;
    SQLite::Statement q(db_,
                        "SELECT state, reason, COUNT(*), SUM(segments) FROM recipients WHERE notification_id=? "
                        "GROUP BY state, reason");
    q.bind(1, notification_id);
    while (q.executeStep()) {
      out.push_back({ParseRecipientState(q.getColumn(0).getString()).value_or(RecipientState::kPending),
                     q.getColumn(1).getString(), q.getColumn(2).getInt(), q.getColumn(3).getInt()});
    }
    return out;
  }

  Result<RecipientRow> GetRecipient(int64_t recipient_id) override {
    auto rows = SelectRecipients("WHERE id=?", [&](SQLite::Statement& q) { q.bind(1, recipient_id); });
    if (rows.empty()) return Status::NotFound("no recipient " + std::to_string(recipient_id));
    return rows.front();
  }

  int ReleaseDeferred(int64_t now_ms) override {
    int released = 0;
    WriteStatus([&]() {
      std::vector<std::pair<int64_t, std::string>> due;
      SQLite::Statement q(db_,
                          "SELECT id, notification_id FROM recipients WHERE state='deferred' AND next_attempt_ms<=?");
      q.bind(1, now_ms);
      while (q.executeStep()) due.emplace_back(q.getColumn(0).getInt64(), q.getColumn(1).getString());
      for (const auto& [id, nid] : due) {
        SQLite::Statement u(db_,
                            "UPDATE recipients SET state='pending', state_rank=0, updated_ms=? "
                            "WHERE id=? AND state='deferred'");
        u.bind(1, now_ms);
        u.bind(2, id);
        if (u.exec() == 1) {
          ++released;
          InsertHistory({0, nid, id, now_ms, "state", "pending", "quiet hours over"});
        }
      }
      return Status::Ok();
    });
    return released;
  }

  std::vector<RecipientRow> DuePending(int64_t now_ms, size_t limit) override {
    // Index order (state, next_attempt_ms, id): LIMIT stops early instead of sorting every pending row.
    return SelectRecipients("WHERE state='pending' AND next_attempt_ms<=? ORDER BY next_attempt_ms, id LIMIT ?",
                            [&](SQLite::Statement& q) {
                              q.bind(1, now_ms);
                              q.bind(2, static_cast<int64_t>(limit));
                            });
  }

  Result<bool> BeginAttempt(int64_t recipient_id, int64_t now_ms) override {
    return Write<bool>([&]() -> Result<bool> { return BeginAttemptLocked(recipient_id, now_ms); });
  }

  Result<std::vector<int64_t>> BeginAttempts(const std::vector<int64_t>& ids, int64_t now_ms) override {
    return Write<std::vector<int64_t>>([&]() -> Result<std::vector<int64_t>> {
      std::vector<int64_t> claimed;
      for (int64_t id : ids) {
        if (BeginAttemptLocked(id, now_ms)) claimed.push_back(id);
      }
      return claimed;
    });
  }

  Status RecordAttempts(const std::vector<std::pair<int64_t, AttemptResult>>& results, int64_t now_ms) override {
    return WriteStatus([&]() {
      std::set<std::string> notifications;
      for (const auto& [id, result] : results) notifications.insert(RecordAttemptLocked(id, result, now_ms));
      for (const auto& nid : notifications) CompleteIfFinishedLocked(nid, now_ms);
      return Status::Ok();
    });
  }

  Status RecordAttempt(int64_t recipient_id, const AttemptResult& result, int64_t now_ms) override {
    return WriteStatus([&]() {
      CompleteIfFinishedLocked(RecordAttemptLocked(recipient_id, result, now_ms), now_ms);
      return Status::Ok();
    });
  }

  std::vector<RecipientRow> InFlight(size_t limit) override {
    return SelectRecipients("WHERE state='sending' ORDER BY id LIMIT ?",
                            [&](SQLite::Statement& q) { q.bind(1, static_cast<int64_t>(limit)); });
  }

  Status SuppressPending(int64_t recipient_id, const std::string& reason) override {
    return WriteStatus([&]() {
      int64_t now = timeutil::NowMillis();
      SQLite::Statement u(db_,
                          "UPDATE recipients SET state='suppressed', state_rank=?, reason=?, updated_ms=? "
                          "WHERE id=? AND state IN ('pending','deferred')");
      u.bind(1, StateRank(RecipientState::kSuppressed));
      u.bind(2, reason);
      u.bind(3, now);
      u.bind(4, recipient_id);
      if (u.exec() == 1) {
        std::string nid = NotificationOf(recipient_id);
        InsertHistory({0, nid, recipient_id, now, "state", "suppressed", "reason=" + reason});
        CompleteIfFinishedLocked(nid, now);
      }
      return Status::Ok();
    });
  }

  Result<bool> ApplyGatewayStatus(const std::string& sid, RecipientState state, int error_code,
                                  const std::string& raw_status) override {
    return Write<bool>([&]() -> Result<bool> {
      int64_t now = timeutil::NowMillis();
      SQLite::Statement find(db_, "SELECT id, notification_id, state_rank FROM recipients WHERE gateway_sid=?");
      find.bind(1, sid);
      if (!find.executeStep()) {
        // A callback can overtake the sender recording the SID: keep it, and apply it when the
        // SID is recorded (ApplyEarlyStatusesLocked).
        SQLite::Statement keep(db_,
                               "INSERT INTO early_statuses (sid, raw_status, state, error_code, at_ms) "
                               "VALUES (?,?,?,?,?)");
        keep.bind(1, sid);
        keep.bind(2, raw_status);
        keep.bind(3, RecipientStateName(state));
        keep.bind(4, error_code);
        keep.bind(5, now);
        keep.exec();
        // A SID that is never recorded (a message sent by another system with our callback URL)
        // must not pile up: after a week its events are dropped, oldest first, a few at a time.
        SQLite::Statement prune(db_,
                                "DELETE FROM early_statuses WHERE id IN (SELECT id FROM early_statuses "
                                "WHERE at_ms < ? ORDER BY id LIMIT 100)");
        prune.bind(1, now - int64_t{7} * 24 * 3600 * 1000);
        prune.exec();
        return false;
      }
      int64_t id = find.getColumn(0).getInt64();
      std::string nid = find.getColumn(1).getString();
      int rank = find.getColumn(2).getInt();
      return ApplyStatusLocked(id, nid, rank, state, error_code, raw_status, now);
    });
  }

  // Status callbacks that arrived before their SID was recorded, applied in arrival order.
  void ApplyEarlyStatusesLocked(const std::string& sid, int64_t id, const std::string& nid, int rank, int64_t now) {
    if (sid.empty()) return;
    SQLite::Statement q(db_, "SELECT raw_status, state, error_code FROM early_statuses WHERE sid=? ORDER BY id");
    q.bind(1, sid);
    bool any = false;
    while (q.executeStep()) {
      any = true;
      auto state = ParseRecipientState(q.getColumn(1).getString()).value_or(RecipientState::kAccepted);
      if (ApplyStatusLocked(id, nid, rank, state, q.getColumn(2).getInt(), q.getColumn(0).getString(), now)) {
        rank = StateRank(state);
      }
    }
    if (!any) return;
    SQLite::Statement d(db_, "DELETE FROM early_statuses WHERE sid=?");
    d.bind(1, sid);
    d.exec();
  }

  // Records one gateway status event for a known recipient; forward-only.
  bool ApplyStatusLocked(int64_t id, const std::string& nid, int rank, RecipientState state, int error_code,
                         const std::string& raw_status, int64_t now) {
    {
      // Every status event is kept in the history, applied or not.
      InsertHistory({0, nid, id, now, "gateway_status", raw_status,
                     error_code ? "code=" + std::to_string(error_code) : ""});
      if (StateRank(state) <= rank) return false;
      SQLite::Statement u(db_,
                          "UPDATE recipients SET state=?, state_rank=?, error_code=CASE WHEN ?>0 THEN ? ELSE "
                          "error_code END, updated_ms=?, task_status_dirty=? WHERE id=? AND state_rank<?");
      u.bind(1, RecipientStateName(state));
      u.bind(2, StateRank(state));
      u.bind(3, error_code);
      u.bind(4, error_code);
      u.bind(5, now);
      u.bind(6, IsTerminal(state) ? 1 : 0);  // the Task's delivery field shows final states only
      u.bind(7, id);
      u.bind(8, StateRank(state));
      bool changed = u.exec() == 1;
      if (changed) InsertHistory({0, nid, id, now, "state", RecipientStateName(state), ""});
      return changed;
    }
  }

  Result<RecipientRow> RecipientBySid(const std::string& sid) override {
    auto rows = SelectRecipients("WHERE gateway_sid=?", [&](SQLite::Statement& q) { q.bind(1, sid); });
    if (rows.empty()) return Status::NotFound("no recipient with message sid " + sid);
    return rows.front();
  }

  std::optional<RecipientRow> LatestSentTo(const std::string& phone, const std::string& contact_point) override {
    auto rows = SelectRecipients(
        "WHERE phone_e164=? AND contact_point=? AND gateway_sid!='' ORDER BY last_attempt_ms DESC, id DESC LIMIT 1",
        [&](SQLite::Statement& q) {
          q.bind(1, phone);
          q.bind(2, contact_point);
        });
    if (rows.empty()) return std::nullopt;
    return rows.front();
  }

  bool SendsUnderWay() override {
    std::lock_guard<std::mutex> lock(mu_);
    SQLite::Statement q(db_, "SELECT 1 FROM recipients WHERE state IN ('pending','sending') LIMIT 1");
    return q.executeStep();
  }

  std::vector<RecipientRow> TasksToWrite(size_t limit) override {
    return SelectRecipients("WHERE task_state='pending' ORDER BY id LIMIT ?",
                            [&](SQLite::Statement& q) { q.bind(1, static_cast<int64_t>(limit)); });
  }

  Status MarkTasksInFlight(const std::vector<int64_t>& ids) override {
    return WriteStatus([&]() {
      SQLite::Statement u(db_, "UPDATE recipients SET task_state='in_flight' WHERE id=? AND task_state='pending'");
      for (int64_t id : ids) {
        u.reset();
        u.bind(1, id);
        u.exec();
      }
      return Status::Ok();
    });
  }

  std::vector<RecipientRow> TasksInFlight(size_t limit) override {
    return SelectRecipients("WHERE task_state='in_flight' ORDER BY id LIMIT ?",
                            [&](SQLite::Statement& q) { q.bind(1, static_cast<int64_t>(limit)); });
  }

  Status RecordTaskOutcomes(const std::vector<TaskOutcome>& outcomes) override {
    return WriteStatus([&]() {
      int64_t now = timeutil::NowMillis();
      for (const auto& o : outcomes) {
        std::string next = o.success ? "written" : (o.retryable ? "pending" : "failed");
        SQLite::Statement u(db_,
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
          // state needs an update call.
          SQLite::Statement d(db_,
                              "UPDATE recipients SET task_status_dirty=1 WHERE id=? AND state IN "
                              "('delivered','undelivered','failed') AND state != ?");
          d.bind(1, o.recipient_id);
          d.bind(2, o.status_written);
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

  bool IsSuppressed(const std::string& phone, const std::string& contact_point) override {
    // Every sender thread asks this right before each send: a reader connection of its own (WAL)
    // so the check never waits behind a group commit's fsync on the writer connection.
    std::lock_guard<std::mutex> lock(reader_mu_);
    SQLite::Statement q(reader_, "SELECT 1 FROM suppressions WHERE phone_e164=? AND contact_point=?");
    q.bind(1, phone);
    q.bind(2, contact_point);
    return q.executeStep();
  }

  Status AddSuppression(const std::string& phone, const std::string& contact_point,
                        const std::string& reason) override {
    return WriteStatus([&]() {
      AddSuppressionLocked(phone, contact_point, reason, timeutil::NowMillis());
      return Status::Ok();
    });
  }

  Status RemoveSuppression(const std::string& phone, const std::string& contact_point) override {
    return WriteStatus([&]() {
      SQLite::Statement q(db_, "DELETE FROM suppressions WHERE phone_e164=? AND contact_point=?");
      q.bind(1, phone);
      q.bind(2, contact_point);
      if (q.exec() == 1) QueueOptOutSyncLocked(phone, contact_point, false, "opt_in", timeutil::NowMillis());
      return Status::Ok();
    });
  }

  std::vector<OptOutSync> PendingOptOutSyncs(size_t limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<OptOutSync> out;
    SQLite::Statement q(db_,
                        "SELECT id, phone_e164, contact_point, opted_out, reason, created_ms FROM opt_out_sync "
                        "ORDER BY id LIMIT ?");
    q.bind(1, static_cast<int64_t>(limit));
    while (q.executeStep()) {
      out.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getString(), q.getColumn(2).getString(),
                     q.getColumn(3).getInt() != 0, q.getColumn(4).getString(), q.getColumn(5).getInt64()});
    }
    return out;
  }

  Status CompleteOptOutSync(int64_t id) override {
    return WriteStatus([&]() {
      SQLite::Statement q(db_, "DELETE FROM opt_out_sync WHERE id=?");
      q.bind(1, id);
      q.exec();
      return Status::Ok();
    });
  }

  std::vector<std::pair<std::string, std::string>> Suppressions() override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::pair<std::string, std::string>> out;
    SQLite::Statement q(db_, "SELECT phone_e164, contact_point FROM suppressions ORDER BY phone_e164, contact_point");
    while (q.executeStep()) out.emplace_back(q.getColumn(0).getString(), q.getColumn(1).getString());
    return out;
  }

  Result<bool> RecordInbound(const InboundMessage& m) override {
    return Write<bool>([&]() -> Result<bool> {
      SQLite::Statement q(db_,
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

  bool InboundSeen(const std::string& sid) override {
    std::lock_guard<std::mutex> lock(mu_);
    SQLite::Statement q(db_, "SELECT 1 FROM inbound_messages WHERE sid=?");
    q.bind(1, sid);
    return q.executeStep();
  }

  Status MarkResponded(int64_t recipient_id, const std::string& detail) override {
    return WriteStatus([&]() {
      int64_t now = timeutil::NowMillis();
      SQLite::Statement u(db_, "UPDATE recipients SET responded=1, updated_ms=? WHERE id=? AND responded=0");
      u.bind(1, now);
      u.bind(2, recipient_id);
      if (u.exec() == 1) InsertHistory({0, NotificationOf(recipient_id), recipient_id, now, "reply", "responded", detail});
      return Status::Ok();
    });
  }

  std::vector<Conversation> Conversations(size_t limit, int64_t before_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<Conversation> out;
    SQLite::Statement threads(db_,
                              "SELECT recipient_id, MAX(id) AS last FROM inbound_messages WHERE kind='reply' "
                              "GROUP BY recipient_id HAVING ?=0 OR last<? ORDER BY last DESC LIMIT ?");
    threads.bind(1, before_id);
    threads.bind(2, before_id);
    threads.bind(3, static_cast<int64_t>(limit));
    while (threads.executeStep()) {
      Conversation c;
      c.recipient_id = threads.getColumn(0).getInt64();
      SQLite::Statement q(db_,
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

  std::vector<TaskStatusUpdate> TaskStatusUpdates(size_t limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<TaskStatusUpdate> out;
    SQLite::Statement q(db_,
                        "SELECT id, task_id, state, error_code FROM recipients WHERE task_status_dirty=1 "
                        "AND task_id!='' ORDER BY id LIMIT ?");
    q.bind(1, static_cast<int64_t>(limit));
    while (q.executeStep()) {
      out.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getString(),
                     ParseRecipientState(q.getColumn(2).getString()).value_or(RecipientState::kAccepted),
                     q.getColumn(3).getInt()});
    }
    return out;
  }

  Status MarkTaskStatusSynced(const std::vector<TaskStatusUpdate>& updates) override {
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

  Status CompleteIfFinished(const std::string& notification_id) override {
    return WriteStatus([&]() {
      CompleteIfFinishedLocked(notification_id, timeutil::NowMillis());
      return Status::Ok();
    });
  }

  std::vector<HistoryEntry> History(const std::string& notification_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<HistoryEntry> out;
    SQLite::Statement q(db_,
                        "SELECT id, notification_id, recipient_id, at_ms, kind, state, detail FROM history "
                        "WHERE notification_id=? ORDER BY id");
    q.bind(1, notification_id);
    while (q.executeStep()) {
      out.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getString(), q.getColumn(2).getInt64(),
                     q.getColumn(3).getInt64(), q.getColumn(4).getString(), q.getColumn(5).getString(),
                     q.getColumn(6).getString()});
    }
    return out;
  }

  Status AppendHistory(const HistoryEntry& entry) override {
    return WriteStatus([&]() {
      InsertHistory(entry);
      return Status::Ok();
    });
  }

  StoreCounters Counters() override {
    std::lock_guard<std::mutex> lock(mu_);
    StoreCounters c;
    SQLite::Statement q(db_, "SELECT state, COUNT(*) FROM recipients GROUP BY state");
    while (q.executeStep()) {
      std::string s = q.getColumn(0).getString();
      int64_t n = q.getColumn(1).getInt64();
      if (s == "pending") c.pending = n;
      else if (s == "deferred") c.deferred = n;
      else if (s == "sending") c.sending = n;
      else if (s == "accepted") c.accepted = n;
      else if (s == "sent") c.sent = n;
      else if (s == "delivered") c.delivered = n;
      else if (s == "undelivered") c.undelivered = n;
      else if (s == "failed") c.failed = n;
      else if (s == "suppressed") c.suppressed = n;
    }
    SQLite::Statement t(db_, "SELECT task_state, COUNT(*) FROM recipients GROUP BY task_state");
    while (t.executeStep()) {
      std::string s = t.getColumn(0).getString();
      if (s == "pending" || s == "in_flight") c.tasks_pending += t.getColumn(1).getInt64();
      if (s == "written") c.tasks_written = t.getColumn(1).getInt64();
    }
    return c;
  }

 private:
  static constexpr const char* kNotificationSelect =
      "SELECT id, request_id, contact_point, requested_by, source, message, template_name, record_ids, "
      "campaign_id, replay_id, status, refusal_reason, created_ms, updated_ms FROM notifications";

  static NotificationRow ReadNotification(SQLite::Statement& q) {
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
    return n;
  }

  // Runs fn inside BEGIN IMMEDIATE ... COMMIT under the mutex; rolls back on error.
  template <typename T, typename Fn>
  Result<T> Write(Fn&& fn) {
    std::lock_guard<std::mutex> lock(mu_);
    try {
      db_.exec("BEGIN IMMEDIATE");
      Result<T> result = fn();
      if (result.ok()) {
        db_.exec("COMMIT");
      } else {
        db_.exec("ROLLBACK");
      }
      return result;
    } catch (const std::exception& e) {
      try {
        db_.exec("ROLLBACK");
      } catch (...) {
      }
      return Status::IOError(std::string("store: ") + e.what());
    }
  }

  template <typename Fn>
  Status WriteStatus(Fn&& fn) {
    auto r = Write<bool>([&]() -> Result<bool> {
      Status s = fn();
      if (!s.ok()) return s;
      return true;
    });
    return r.status();
  }

  template <typename Bind>
  std::vector<RecipientRow> SelectRecipients(const std::string& where, Bind&& bind) {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<RecipientRow> out;
    SQLite::Statement q(db_, std::string("SELECT ") + kRecipientColumns + " FROM recipients " + where);
    bind(q);
    while (q.executeStep()) out.push_back(ReadRecipient(q));
    return out;
  }

  bool BeginAttemptLocked(int64_t recipient_id, int64_t now_ms) {
    SQLite::Statement u(db_,
                        "UPDATE recipients SET state='sending', state_rank=?, attempts=attempts+1, "
                        "last_attempt_ms=?, updated_ms=? WHERE id=? AND state='pending'");
    u.bind(1, StateRank(RecipientState::kSending));
    u.bind(2, now_ms);
    u.bind(3, now_ms);
    u.bind(4, recipient_id);
    if (u.exec() != 1) return false;
    InsertHistory({0, NotificationOf(recipient_id), recipient_id, now_ms, "state", "sending", ""});
    return true;
  }

  // Returns the recipient's notification id (for the caller's completion check).
  std::string RecordAttemptLocked(int64_t recipient_id, const AttemptResult& result, int64_t now_ms) {
    std::string nid = NotificationOf(recipient_id);
    switch (result.kind) {
      case AttemptResult::Kind::kAccepted: {
        RecipientState state = StateForGatewayStatus(result.gateway_status).value_or(RecipientState::kAccepted);
        if (StateRank(state) < StateRank(RecipientState::kAccepted)) state = RecipientState::kAccepted;
        SQLite::Statement u(db_,
                            "UPDATE recipients SET state=?, state_rank=?, gateway_sid=?, "
                            "segments=CASE WHEN ?>0 THEN ? ELSE segments END, task_state='pending', updated_ms=? "
                            "WHERE id=? AND state='sending'");
        u.bind(1, RecipientStateName(state));
        u.bind(2, StateRank(state));
        u.bind(3, result.sid);
        u.bind(4, result.segments);
        u.bind(5, result.segments);
        u.bind(6, now_ms);
        u.bind(7, recipient_id);
        if (u.exec() == 1) {
          InsertHistory({0, nid, recipient_id, now_ms, "state", RecipientStateName(state), "sid=" + result.sid});
          ApplyEarlyStatusesLocked(result.sid, recipient_id, nid, StateRank(state), now_ms);
        }
        break;
      }
      case AttemptResult::Kind::kRejected: {
        SQLite::Statement u(db_,
                            "UPDATE recipients SET state='failed', state_rank=?, error_code=?, reason=?, "
                            "updated_ms=? WHERE id=? AND state='sending'");
        u.bind(1, StateRank(RecipientState::kFailed));
        u.bind(2, result.error_code);
        u.bind(3, "gateway_" + std::to_string(result.error_code));
        u.bind(4, now_ms);
        u.bind(5, recipient_id);
        if (u.exec() == 1) {
          InsertHistory({0, nid, recipient_id, now_ms, "state", "failed",
                         "code=" + std::to_string(result.error_code) + " " + result.error_message});
        }
        if (result.suppress_number) {
          auto row = GetRecipientLocked(recipient_id);
          if (row) AddSuppressionLocked(row->plan.phone_e164, row->contact_point, "gateway_opt_out", now_ms);
        }
        break;
      }
      case AttemptResult::Kind::kRetry: {
        SQLite::Statement u(db_,
                            "UPDATE recipients SET state='pending', state_rank=0, next_attempt_ms=?, updated_ms=? "
                            "WHERE id=? AND state='sending'");
        u.bind(1, static_cast<int64_t>(result.retry_at_ms));
        u.bind(2, now_ms);
        u.bind(3, recipient_id);
        if (u.exec() == 1) {
          InsertHistory({0, nid, recipient_id, now_ms, "state", "pending",
                         "retry: " + result.error_message});
        }
        break;
      }
      case AttemptResult::Kind::kSuppressed: {
        SQLite::Statement u(db_,
                            "UPDATE recipients SET state='suppressed', state_rank=?, reason=?, updated_ms=? "
                            "WHERE id=? AND state='sending'");
        u.bind(1, StateRank(RecipientState::kSuppressed));
        u.bind(2, result.error_message);
        u.bind(3, now_ms);
        u.bind(4, recipient_id);
        if (u.exec() == 1) {
          InsertHistory({0, nid, recipient_id, now_ms, "state", "suppressed", "reason=" + result.error_message});
        }
        break;
      }
      case AttemptResult::Kind::kUnknown: {
        // Stays in `sending`; the reconciler decides. Record that it happened.
        InsertHistory({0, nid, recipient_id, now_ms, "attempt", "sending",
                       "outcome unknown: " + result.error_message});
        break;
      }
    }
    return nid;
  }

  std::optional<RecipientRow> GetRecipientLocked(int64_t id) {
    SQLite::Statement q(db_, std::string("SELECT ") + kRecipientColumns + " FROM recipients WHERE id=?");
    q.bind(1, id);
    if (!q.executeStep()) return std::nullopt;
    return ReadRecipient(q);
  }

  std::string NotificationOf(int64_t recipient_id) {
    SQLite::Statement q(db_, "SELECT notification_id FROM recipients WHERE id=?");
    q.bind(1, recipient_id);
    return q.executeStep() ? q.getColumn(0).getString() : "";
  }

  void InsertHistory(const HistoryEntry& e) {
    SQLite::Statement q(db_,
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

  void AddSuppressionLocked(const std::string& phone, const std::string& contact_point, const std::string& reason,
                            int64_t now) {
    if (phone.empty()) return;
    SQLite::Statement q(db_,
                        "INSERT OR IGNORE INTO suppressions (phone_e164, contact_point, reason, created_ms) "
                        "VALUES (?,?,?,?)");
    q.bind(1, phone);
    q.bind(2, contact_point);
    q.bind(3, reason);
    q.bind(4, now);
    if (q.exec() == 1) QueueOptOutSyncLocked(phone, contact_point, true, reason, now);
  }

  void QueueOptOutSyncLocked(const std::string& phone, const std::string& contact_point, bool opted_out,
                             const std::string& reason, int64_t now) {
    SQLite::Statement q(db_,
                        "INSERT INTO opt_out_sync (phone_e164, contact_point, opted_out, reason, created_ms) "
                        "VALUES (?,?,?,?,?)");
    q.bind(1, phone);
    q.bind(2, contact_point);
    q.bind(3, opted_out ? 1 : 0);
    q.bind(4, reason);
    q.bind(5, now);
    q.exec();
  }


  void CompleteIfFinishedLocked(const std::string& notification_id, int64_t now) {
    // EXISTS over the (notification_id, state) index: O(1) per call, not a scan of the audience.
    SQLite::Statement open(db_,
                           "SELECT 1 FROM recipients WHERE notification_id=? AND state IN "
                           "('pending','deferred','sending') LIMIT 1");
    open.bind(1, notification_id);
    if (open.executeStep()) return;
    SQLite::Statement u(db_, "UPDATE notifications SET status='done', updated_ms=? WHERE id=? AND status='sending'");
    u.bind(1, now);
    u.bind(2, notification_id);
    if (u.exec() == 1) InsertHistory({0, notification_id, 0, now, "done", "done", ""});
  }

  std::mutex mu_;
  SQLite::Database db_;
  std::mutex reader_mu_;
  SQLite::Database reader_;  // read-only, for the hot pre-send check
};

}  // namespace

std::string RequestFingerprint(const NotificationRequest& r) {
  std::string canonical = r.contact_point + '\x1f' + r.message + '\x1f' + r.template_name + '\x1f' +
                          JoinIds(r.record_ids) + '\x1f' + r.campaign_id + '\x1f' + r.requested_by;
  return crypto::Hex(crypto::Sha256(canonical));
}

Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteStoreOptions& options) {
  try {
    return std::unique_ptr<Store>(std::make_unique<SqliteStore>(options));
  } catch (const std::exception& e) {
    return Status::IOError(options.path + ": cannot open store: " + e.what());
  }
}

}  // namespace sfn::connector
