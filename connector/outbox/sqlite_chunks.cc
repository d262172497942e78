// SQLite store, the `event_chunks` table: the chunks of a request Apex split
// over several events (one Request_Id__c, Chunk_Index__c of Chunk_Count__c),
// held until all arrived or the wait ran out, then joined into one
// notification in the same transaction that marks them joined. Joined rows
// stay, so a redelivered chunk is recognised as a duplicate.
#include "connector/outbox/sqlite_store.h"

#include "common/crypto.h"
#include "common/time_util.h"

namespace sfn::connector::sqlite {

const char* const kEventChunksSchema = R"sql(
CREATE TABLE IF NOT EXISTS event_chunks (
  request_id TEXT NOT NULL,
  chunk_index INTEGER NOT NULL,
  chunk_count INTEGER NOT NULL,
  common_fingerprint TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  contact_point TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  message TEXT NOT NULL,
  template_name TEXT NOT NULL,
  record_ids TEXT NOT NULL,
  campaign_id TEXT NOT NULL,
  replay_id INTEGER NOT NULL,
  event_created_ms INTEGER NOT NULL,
  received_ms INTEGER NOT NULL,
  joined INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (request_id, chunk_index)
);
CREATE INDEX IF NOT EXISTS event_chunks_open ON event_chunks(joined, request_id);
)sql";

namespace {
// What every chunk of one request must share: all but the record ids.
std::string CommonFingerprint(const NotificationRequest& r) {
  NotificationRequest common = r;
  common.record_ids.clear();
  return RequestFingerprint(common) + ":" + std::to_string(r.chunk_count);
}
}  // namespace

Result<ChunkIntakeResult> SqliteStore::AddChunk(const NotificationRequest& chunk,
                                                int64_t received_ms) {
  return Write<ChunkIntakeResult>([&]() -> Result<ChunkIntakeResult> {
    ChunkIntakeResult out;
    std::string fingerprint = RequestFingerprint(chunk);
    std::string common = CommonFingerprint(chunk);
    SQLite::Statement same(
        db_, "SELECT fingerprint FROM event_chunks WHERE request_id=? AND chunk_index=?");
    same.bind(1, chunk.request_id);
    same.bind(2, chunk.chunk_index);
    if (same.executeStep()) {
      if (same.getColumn(0).getString() != fingerprint) {
        return Status::Conflict("chunk " + std::to_string(chunk.chunk_index) + " of request id '" +
                                chunk.request_id + "' was already taken with other content");
      }
      out.duplicate = true;
      return out;
    }
    SQLite::Statement sibling(
        db_, "SELECT common_fingerprint FROM event_chunks WHERE request_id=? LIMIT 1");
    sibling.bind(1, chunk.request_id);
    if (sibling.executeStep() && sibling.getColumn(0).getString() != common) {
      return Status::Conflict("chunk " + std::to_string(chunk.chunk_index) + " of request id '" +
                              chunk.request_id +
                              "' differs from its other chunks (contact point, message, template, "
                              "campaign, sender or Chunk_Count__c)");
    }
    SQLite::Statement joined(
        db_,
        "SELECT EXISTS(SELECT 1 FROM event_chunks WHERE request_id=?1 AND joined=1) OR "
        "EXISTS(SELECT 1 FROM notifications WHERE request_id=?1)");
    joined.bind(1, chunk.request_id);
    joined.executeStep();
    out.late = joined.getColumn(0).getInt() != 0;
    SQLite::Statement insert(
        db_,
        "INSERT INTO event_chunks (request_id, chunk_index, chunk_count, common_fingerprint, "
        "fingerprint, contact_point, requested_by, message, template_name, record_ids, "
        "campaign_id, replay_id, event_created_ms, received_ms, joined) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    insert.bind(1, chunk.request_id);
    insert.bind(2, chunk.chunk_index);
    insert.bind(3, chunk.chunk_count);
    insert.bind(4, common);
    insert.bind(5, fingerprint);
    insert.bind(6, chunk.contact_point);
    insert.bind(7, chunk.requested_by);
    insert.bind(8, chunk.message);
    insert.bind(9, chunk.template_name);
    insert.bind(10, JoinIds(chunk.record_ids));
    insert.bind(11, chunk.campaign_id);
    insert.bind(12, static_cast<int64_t>(chunk.replay_id));
    insert.bind(13, static_cast<int64_t>(chunk.event_created_ms));
    insert.bind(14, static_cast<int64_t>(received_ms));
    insert.bind(15, out.late ? 1 : 0);
    insert.exec();
    SQLite::Statement count(db_,
                            "SELECT COUNT(*) FROM event_chunks WHERE request_id=? AND joined=?");
    count.bind(1, chunk.request_id);
    count.bind(2, out.late ? 1 : 0);
    count.executeStep();
    out.chunks_present = count.getColumn(0).getInt();
    return out;
  });
}

std::vector<std::string> SqliteStore::ChunkedRequestsDue(int64_t first_before_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  SQLite::Statement q(db_,
                      "SELECT request_id FROM event_chunks WHERE joined=0 GROUP BY request_id "
                      "HAVING COUNT(*) >= MAX(chunk_count) OR MIN(received_ms) < ? "
                      "ORDER BY MIN(received_ms)");
  q.bind(1, static_cast<int64_t>(first_before_ms));
  while (q.executeStep()) out.push_back(q.getColumn(0).getString());
  return out;
}

Result<std::optional<IntakeResult>> SqliteStore::JoinChunks(
    const std::string& request_id,
    const std::function<std::string(const JoinedRequest&)>& refusal_for) {
  return Write<std::optional<IntakeResult>>([&]() -> Result<std::optional<IntakeResult>> {
    SQLite::Statement q(db_,
                        "SELECT chunk_index, chunk_count, contact_point, requested_by, message, "
                        "template_name, record_ids, campaign_id, replay_id, event_created_ms, "
                        "received_ms FROM event_chunks WHERE request_id=? AND joined=0 "
                        "ORDER BY chunk_index");
    q.bind(1, request_id);
    JoinedRequest joined;
    NotificationRequest& r = joined.request;
    std::vector<int> present;
    int count = 0;
    while (q.executeStep()) {
      int index = q.getColumn(0).getInt();
      if (present.empty()) {
        count = q.getColumn(1).getInt();
        r.request_id = request_id;
        r.source = "event";
        r.contact_point = q.getColumn(2).getString();
        r.requested_by = q.getColumn(3).getString();
        r.message = q.getColumn(4).getString();
        r.template_name = q.getColumn(5).getString();
        r.campaign_id = q.getColumn(7).getString();
        r.replay_id = q.getColumn(8).getInt64();
        r.chunk_count = count;
      }
      present.push_back(index);
      for (auto& id : SplitIds(q.getColumn(6).getString())) r.record_ids.push_back(std::move(id));
      int64_t created = q.getColumn(9).getInt64();
      int64_t received = q.getColumn(10).getInt64();
      if (created > 0 && (r.event_created_ms == 0 || created < r.event_created_ms)) {
        r.event_created_ms = created;
      }
      if (created > 0)
        joined.oldest_event_age_ms = std::max(joined.oldest_event_age_ms, received - created);
    }
    if (present.empty()) return std::optional<IntakeResult>();
    size_t next = 0;
    for (int i = 1; i <= count; ++i) {
      if (next < present.size() && present[next] == i) {
        ++next;
      } else {
        joined.missing.push_back(i);
      }
    }
    SQLite::Statement mark(db_, "UPDATE event_chunks SET joined=1 WHERE request_id=? AND joined=0");
    mark.bind(1, request_id);
    mark.exec();
    auto list = [](const std::vector<int>& v) {
      std::string s;
      for (int i : v) s += (s.empty() ? "" : ",") + std::to_string(i);
      return s;
    };
    HistoryEntry note;
    note.kind = "chunks";
    note.state = joined.missing.empty() ? "complete" : "incomplete";
    note.detail = "joined chunks " + list(present) + " of " + std::to_string(count);
    if (!joined.missing.empty()) {
      note.detail +=
          "; missing " + list(joined.missing) + " (not received within intake.chunk_wait_seconds)";
    }
    auto intake = IntakeLocked(r, refusal_for(joined), {note});
    if (!intake.ok()) return intake.status();
    return std::optional<IntakeResult>(*intake);
  });
}

}  // namespace sfn::connector::sqlite
