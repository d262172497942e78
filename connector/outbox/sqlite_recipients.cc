// SQLite store, the `recipients` table as the sender uses it: due rows, claims
// before the gateway call, outcomes, rows left in flight, deferrals.
#include "connector/outbox/sqlite_store.h"

#include <algorithm>
#include <set>

#include "common/time_util.h"

namespace sfn::connector::sqlite {

const char* const kRecipientsSchema = R"sql(
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
)sql";

std::vector<RecipientRow> SqliteStore::Recipients(const std::string& notification_id) {
  return SelectRecipients("WHERE notification_id=? ORDER BY id",
                          [&](SQLite::Statement& q) { q.bind(1, notification_id); });
}

std::vector<Store::StateCount> SqliteStore::CountByState(const std::string& notification_id) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<StateCount> out;
  SQLite::Statement q(
      db_,
      "SELECT state, reason, COUNT(*), SUM(segments) FROM recipients WHERE notification_id=? "
      "GROUP BY state, reason");
  q.bind(1, notification_id);
  while (q.executeStep()) {
    out.push_back(
        {ParseRecipientState(q.getColumn(0).getString()).value_or(RecipientState::kPending),
         q.getColumn(1).getString(), q.getColumn(2).getInt(), q.getColumn(3).getInt()});
  }
  return out;
}

Result<RecipientRow> SqliteStore::GetRecipient(int64_t recipient_id) {
  auto rows =
      SelectRecipients("WHERE id=?", [&](SQLite::Statement& q) { q.bind(1, recipient_id); });
  if (rows.empty()) return Status::NotFound("no recipient " + std::to_string(recipient_id));
  return rows.front();
}

int SqliteStore::ReleaseDeferred(int64_t now_ms) {
  int released = 0;
  WriteStatus([&]() {
    std::vector<std::pair<int64_t, std::string>> due;
    SQLite::Statement q(
        db_,
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

std::vector<RecipientRow> SqliteStore::DuePending(int64_t now_ms, size_t limit) {
  // Index order (state, next_attempt_ms, id): LIMIT stops early instead of sorting every pending
  // row.
  return SelectRecipients(
      "WHERE state='pending' AND next_attempt_ms<=? ORDER BY next_attempt_ms, id LIMIT ?",
      [&](SQLite::Statement& q) {
        q.bind(1, now_ms);
        q.bind(2, static_cast<int64_t>(limit));
      });
}

Result<bool> SqliteStore::BeginAttempt(int64_t recipient_id, int64_t now_ms) {
  return Write<bool>([&]() -> Result<bool> { return BeginAttemptLocked(recipient_id, now_ms); });
}

Result<std::vector<int64_t>> SqliteStore::BeginAttempts(const std::vector<int64_t>& ids,
                                                        int64_t now_ms) {
  return Write<std::vector<int64_t>>([&]() -> Result<std::vector<int64_t>> {
    std::vector<int64_t> claimed;
    for (int64_t id : ids) {
      if (BeginAttemptLocked(id, now_ms)) claimed.push_back(id);
    }
    return claimed;
  });
}

Status SqliteStore::RecordAttempts(const std::vector<std::pair<int64_t, AttemptResult>>& results,
                                   int64_t now_ms) {
  return WriteStatus([&]() {
    std::set<std::string> notifications;
    for (const auto& [id, result] : results)
      notifications.insert(RecordAttemptLocked(id, result, now_ms));
    for (const auto& nid : notifications) CompleteIfFinishedLocked(nid, now_ms);
    return Status::Ok();
  });
}

Status SqliteStore::RecordAttempt(int64_t recipient_id, const AttemptResult& result,
                                  int64_t now_ms) {
  return WriteStatus([&]() {
    CompleteIfFinishedLocked(RecordAttemptLocked(recipient_id, result, now_ms), now_ms);
    return Status::Ok();
  });
}

std::vector<RecipientRow> SqliteStore::InFlight(size_t limit) {
  return SelectRecipients("WHERE state='sending' ORDER BY id LIMIT ?",
                          [&](SQLite::Statement& q) { q.bind(1, static_cast<int64_t>(limit)); });
}

std::vector<RecipientRow> SqliteStore::AwaitingFinalStatus(int64_t sent_after_ms,
                                                           int64_t sent_before_ms, int64_t after_id,
                                                           size_t limit) {
  return SelectRecipients(
      "WHERE state IN ('accepted','sent') AND gateway_sid != '' AND last_attempt_ms BETWEEN ? AND "
      "? "
      "AND id > ? ORDER BY id LIMIT ?",
      [&](SQLite::Statement& q) {
        q.bind(1, sent_after_ms);
        q.bind(2, sent_before_ms);
        q.bind(3, after_id);
        q.bind(4, static_cast<int64_t>(limit));
      });
}

Status SqliteStore::SuppressPending(int64_t recipient_id, const std::string& reason) {
  return WriteStatus([&]() {
    int64_t now = timeutil::NowMillis();
    SQLite::Statement u(
        db_,
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

bool SqliteStore::SendsUnderWay() {
  std::lock_guard<std::mutex> lock(mu_);
  SQLite::Statement q(db_, "SELECT 1 FROM recipients WHERE state IN ('pending','sending') LIMIT 1");
  return q.executeStep();
}

bool SqliteStore::BeginAttemptLocked(int64_t recipient_id, int64_t now_ms) {
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
std::string SqliteStore::RecordAttemptLocked(int64_t recipient_id, const AttemptResult& result,
                                             int64_t now_ms) {
  std::string nid = NotificationOf(recipient_id);
  switch (result.kind) {
    case AttemptResult::Kind::kAccepted: {
      RecipientState state =
          StateForGatewayStatus(result.gateway_status).value_or(RecipientState::kAccepted);
      if (StateRank(state) < StateRank(RecipientState::kAccepted))
        state = RecipientState::kAccepted;
      SQLite::Statement u(
          db_,
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
        InsertHistory({0, nid, recipient_id, now_ms, "state", RecipientStateName(state),
                       "sid=" + result.sid});
        ApplyEarlyStatusesLocked(result.sid, recipient_id, nid, StateRank(state), now_ms);
      }
      break;
    }
    case AttemptResult::Kind::kRejected: {
      SQLite::Statement u(
          db_,
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
        if (row)
          AddSuppressionLocked(row->plan.phone_e164, row->contact_point, "gateway_opt_out", now_ms);
      }
      break;
    }
    case AttemptResult::Kind::kRetry: {
      SQLite::Statement u(
          db_,
          "UPDATE recipients SET state='pending', state_rank=0, next_attempt_ms=?, updated_ms=? "
          "WHERE id=? AND state='sending'");
      u.bind(1, static_cast<int64_t>(result.retry_at_ms));
      u.bind(2, now_ms);
      u.bind(3, recipient_id);
      if (u.exec() == 1) {
        InsertHistory(
            {0, nid, recipient_id, now_ms, "state", "pending", "retry: " + result.error_message});
      }
      break;
    }
    case AttemptResult::Kind::kSuppressed: {
      SQLite::Statement u(
          db_,
          "UPDATE recipients SET state='suppressed', state_rank=?, reason=?, updated_ms=? "
          "WHERE id=? AND state='sending'");
      u.bind(1, StateRank(RecipientState::kSuppressed));
      u.bind(2, result.error_message);
      u.bind(3, now_ms);
      u.bind(4, recipient_id);
      if (u.exec() == 1) {
        InsertHistory({0, nid, recipient_id, now_ms, "state", "suppressed",
                       "reason=" + result.error_message});
      }
      break;
    }
    case AttemptResult::Kind::kDeferred: {
      SQLite::Statement u(db_,
                          "UPDATE recipients SET state='deferred', state_rank=?, "
                          "reason='quiet_hours', next_attempt_ms=?, "
                          "deferred_until_ms=?, updated_ms=? WHERE id=? AND state='sending'");
      u.bind(1, StateRank(RecipientState::kDeferred));
      u.bind(2, static_cast<int64_t>(result.retry_at_ms));
      u.bind(3, static_cast<int64_t>(result.retry_at_ms));
      u.bind(4, now_ms);
      u.bind(5, recipient_id);
      if (u.exec() == 1) {
        InsertHistory({0, nid, recipient_id, now_ms, "state", "deferred",
                       "reason=quiet_hours at send time: " + result.error_message});
      }
      break;
    }
    case AttemptResult::Kind::kExpired: {
      SQLite::Statement u(
          db_,
          "UPDATE recipients SET state='failed', state_rank=?, error_code=?, reason='expired', "
          "updated_ms=? WHERE id=? AND state='sending'");
      u.bind(1, StateRank(RecipientState::kFailed));
      u.bind(2, result.error_code);
      u.bind(3, now_ms);
      u.bind(4, recipient_id);
      if (u.exec() == 1) {
        InsertHistory({0, nid, recipient_id, now_ms, "state", "failed",
                       "reason=expired " + result.error_message});
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

std::optional<RecipientRow> SqliteStore::GetRecipientLocked(int64_t id) {
  SQLite::Statement q(db_,
                      std::string("SELECT ") + kRecipientColumns + " FROM recipients WHERE id=?");
  q.bind(1, id);
  if (!q.executeStep()) return std::nullopt;
  return ReadRecipient(q);
}

std::string SqliteStore::NotificationOf(int64_t recipient_id) {
  SQLite::Statement q(db_, "SELECT notification_id FROM recipients WHERE id=?");
  q.bind(1, recipient_id);
  return q.executeStep() ? q.getColumn(0).getString() : "";
}

}  // namespace sfn::connector::sqlite
