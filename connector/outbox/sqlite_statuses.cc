// SQLite store, gateway statuses: forward-only updates by SID, and the
// `early_statuses` table for callbacks that overtake the recorded SID.
#include "connector/outbox/sqlite_store.h"

#include <algorithm>
#include <set>

#include "common/time_util.h"

namespace sfn::connector::sqlite {

const char* const kEarlyStatusesSchema = R"sql(
CREATE TABLE IF NOT EXISTS early_statuses (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  sid TEXT NOT NULL,
  raw_status TEXT NOT NULL,
  state TEXT NOT NULL,
  error_code INTEGER NOT NULL,
  at_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS early_statuses_sid ON early_statuses(sid);
)sql";

Result<bool> SqliteStore::ApplyGatewayStatus(const std::string& sid, RecipientState state,
                                             int error_code, const std::string& raw_status) {
  return Write<bool>([&]() -> Result<bool> {
    return ApplyGatewayStatusLocked(sid, state, error_code, raw_status, timeutil::NowMillis());
  });
}

Status SqliteStore::ApplyGatewayStatuses(const std::vector<GatewayStatus>& statuses) {
  return WriteStatus([&]() {
    int64_t now = timeutil::NowMillis();
    for (const auto& s : statuses)
      ApplyGatewayStatusLocked(s.sid, s.state, s.error_code, s.raw_status, now);
    return Status::Ok();
  });
}

bool SqliteStore::ApplyGatewayStatusLocked(const std::string& sid, RecipientState state,
                                           int error_code, const std::string& raw_status,
                                           int64_t now) {
  {
    SQLite::Statement find(
        db_, "SELECT id, notification_id, state_rank FROM recipients WHERE gateway_sid=?");
    find.bind(1, sid);
    if (!find.executeStep()) {
      // A callback can overtake the sender recording the SID: keep it, and apply it when the
      // SID is recorded (ApplyEarlyStatusesLocked).
      SQLite::Statement keep(
          db_,
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
      SQLite::Statement prune(
          db_,
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
  }
}

// Status callbacks that arrived before their SID was recorded, applied in arrival order.
void SqliteStore::ApplyEarlyStatusesLocked(const std::string& sid, int64_t id,
                                           const std::string& nid, int rank, int64_t now) {
  if (sid.empty()) return;
  SQLite::Statement q(
      db_, "SELECT raw_status, state, error_code FROM early_statuses WHERE sid=? ORDER BY id");
  q.bind(1, sid);
  bool any = false;
  while (q.executeStep()) {
    any = true;
    auto state =
        ParseRecipientState(q.getColumn(1).getString()).value_or(RecipientState::kAccepted);
    if (ApplyStatusLocked(id, nid, rank, state, q.getColumn(2).getInt(), q.getColumn(0).getString(),
                          now)) {
      rank = StateRank(state);
    }
  }
  if (!any) return;
  SQLite::Statement d(db_, "DELETE FROM early_statuses WHERE sid=?");
  d.bind(1, sid);
  d.exec();
}

// Records one gateway status event for a known recipient; forward-only.
bool SqliteStore::ApplyStatusLocked(int64_t id, const std::string& nid, int rank,
                                    RecipientState state, int error_code,
                                    const std::string& raw_status, int64_t now) {
  {
    // Every status event is kept in the history, applied or not.
    InsertHistory({0, nid, id, now, "gateway_status", raw_status,
                   error_code ? "code=" + std::to_string(error_code) : ""});
    if (StateRank(state) <= rank) return false;
    SQLite::Statement u(
        db_,
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

Result<RecipientRow> SqliteStore::RecipientBySid(const std::string& sid) {
  auto rows =
      SelectRecipients("WHERE gateway_sid=?", [&](SQLite::Statement& q) { q.bind(1, sid); });
  if (rows.empty()) return Status::NotFound("no recipient with message sid " + sid);
  return rows.front();
}

std::optional<RecipientRow> SqliteStore::LatestSentTo(const std::string& phone,
                                                      const std::string& contact_point) {
  auto rows = SelectRecipients(
      "WHERE phone_e164=? AND contact_point=? AND gateway_sid!='' ORDER BY last_attempt_ms DESC, "
      "id DESC LIMIT 1",
      [&](SQLite::Statement& q) {
        q.bind(1, phone);
        q.bind(2, contact_point);
      });
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

}  // namespace sfn::connector::sqlite
