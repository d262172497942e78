#include "salesforce/replay_store.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include "common/time_util.h"

namespace sfn::salesforce {

ReplayStore::ReplayStore(std::unique_ptr<SQLite::Database> db) : db_(std::move(db)) {}
ReplayStore::~ReplayStore() = default;

Result<std::unique_ptr<ReplayStore>> ReplayStore::Open(const std::string& path) {
  try {
    auto db =
        std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    // The connector keeps its outbox in the same file: wait for its writers instead of failing.
    db->setBusyTimeout(5000);
    db->exec("PRAGMA journal_mode=WAL");
    // FULL: a saved replay id survives power loss, not only a process crash.
    db->exec("PRAGMA synchronous=FULL");
    db->exec(
        "CREATE TABLE IF NOT EXISTS replay_position ("
        " channel TEXT PRIMARY KEY, replay_id INTEGER NOT NULL, updated_ms INTEGER NOT NULL)");
    db->exec(
        "CREATE TABLE IF NOT EXISTS replay_gap ("
        " id INTEGER PRIMARY KEY AUTOINCREMENT, channel TEXT NOT NULL, lost_after INTEGER NOT NULL,"
        " resumed_from INTEGER NOT NULL, at_ms INTEGER NOT NULL)");
    db->exec(
        "CREATE TABLE IF NOT EXISTS replay_first_subscription ("
        " channel TEXT PRIMARY KEY, at_ms INTEGER NOT NULL)");
    return std::unique_ptr<ReplayStore>(new ReplayStore(std::move(db)));
  } catch (const std::exception& e) {
    return Status::IOError("replay store '" + path + "': " + e.what());
  }
}

Result<std::optional<int64_t>> ReplayStore::Load(const std::string& channel) {
  std::lock_guard<std::mutex> lock(mu_);
  try {
    SQLite::Statement q(*db_, "SELECT replay_id FROM replay_position WHERE channel = ?");
    q.bind(1, channel);
    if (!q.executeStep()) return std::optional<int64_t>();
    return std::optional<int64_t>(q.getColumn(0).getInt64());
  } catch (const std::exception& e) {
    return Status::IOError(std::string("replay store load: ") + e.what());
  }
}

Status ReplayStore::Save(const std::string& channel, int64_t replay_id) {
  std::lock_guard<std::mutex> lock(mu_);
  try {
    SQLite::Statement q(
        *db_,
        "INSERT INTO replay_position (channel, replay_id, updated_ms) VALUES (?, ?, ?)"
        " ON CONFLICT(channel) DO UPDATE SET replay_id = excluded.replay_id,"
        " updated_ms = excluded.updated_ms");
    q.bind(1, channel);
    q.bind(2, static_cast<int64_t>(replay_id));
    q.bind(3, static_cast<int64_t>(timeutil::NowMillis()));
    q.exec();
    return Status::Ok();
  } catch (const std::exception& e) {
    return Status::IOError(std::string("replay store save: ") + e.what());
  }
}

Status ReplayStore::RecordGap(const std::string& channel, int64_t lost_after,
                              int64_t resumed_from) {
  std::lock_guard<std::mutex> lock(mu_);
  try {
    SQLite::Statement q(
        *db_,
        "INSERT INTO replay_gap (channel, lost_after, resumed_from, at_ms) VALUES (?, ?, ?, ?)");
    q.bind(1, channel);
    q.bind(2, static_cast<int64_t>(lost_after));
    q.bind(3, static_cast<int64_t>(resumed_from));
    q.bind(4, static_cast<int64_t>(timeutil::NowMillis()));
    q.exec();
    return Status::Ok();
  } catch (const std::exception& e) {
    return Status::IOError(std::string("replay store gap: ") + e.what());
  }
}

Result<int64_t> ReplayStore::GapCount(const std::string& channel) {
  std::lock_guard<std::mutex> lock(mu_);
  try {
    SQLite::Statement q(*db_, "SELECT COUNT(*) FROM replay_gap WHERE channel = ?");
    q.bind(1, channel);
    q.executeStep();
    return static_cast<int64_t>(q.getColumn(0).getInt64());
  } catch (const std::exception& e) {
    return Status::IOError(std::string("replay store gaps: ") + e.what());
  }
}

Result<int64_t> ReplayStore::FirstSubscribed(const std::string& channel, int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  try {
    SQLite::Statement insert(
        *db_, "INSERT OR IGNORE INTO replay_first_subscription (channel, at_ms) VALUES (?, ?)");
    insert.bind(1, channel);
    insert.bind(2, static_cast<int64_t>(now_ms));
    insert.exec();
    SQLite::Statement q(*db_, "SELECT at_ms FROM replay_first_subscription WHERE channel = ?");
    q.bind(1, channel);
    q.executeStep();
    return static_cast<int64_t>(q.getColumn(0).getInt64());
  } catch (const std::exception& e) {
    return Status::IOError(std::string("replay store first subscription: ") + e.what());
  }
}

}  // namespace sfn::salesforce
