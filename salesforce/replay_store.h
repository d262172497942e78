// Durable replay ids per streaming channel (SQLite). The streaming client
// saves an event's replay id only after its handler succeeded, so after a
// crash or restart it resumes right after the last handled event. Also keeps
// a log of replay gaps (stored id no longer retained) for operators.
// Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/status.h"

namespace SQLite {
class Database;
}

namespace sfn::salesforce {

class ReplayStore {
 public:
  // Opens or creates the database at `path` (":memory:" for tests).
  static Result<std::unique_ptr<ReplayStore>> Open(const std::string& path);
  ~ReplayStore();

  // The last saved replay id for `channel`, or nullopt when none was saved.
  Result<std::optional<int64_t>> Load(const std::string& channel);
  // Saves `replay_id`; durable when this returns ok.
  Status Save(const std::string& channel, int64_t replay_id);
  // Records that events after `lost_after` may have been missed (they were no
  // longer retained) and that the subscription restarted from `resumed_from`.
  Status RecordGap(const std::string& channel, int64_t lost_after, int64_t resumed_from);
  // Number of gaps recorded for `channel`.
  Result<int64_t> GapCount(const std::string& channel);
  // When this store first subscribed to `channel`: the stored time, or `now_ms`
  // (then stored) on the very first call. Lets a restart that has no replay id
  // yet (no event handled) replay what it missed without taking events that
  // were published before the connector ever listened.
  Result<int64_t> FirstSubscribed(const std::string& channel, int64_t now_ms);

 private:
  explicit ReplayStore(std::unique_ptr<SQLite::Database> db);
  std::mutex mu_;
  std::unique_ptr<SQLite::Database> db_;
};

}  // namespace sfn::salesforce
