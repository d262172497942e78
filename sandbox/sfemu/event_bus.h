// Platform Event retention for sfemu: assigns increasing (not contiguous)
// replay ids, keeps events for the retention window (72 h by default), and
// persists them in the state file so a restarted emulator can replay them.
// Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace sfemu {

struct StoredEvent {
  std::string channel;       // "/event/Outbound_Notification__e"
  int64_t replay_id = 0;
  std::string event_uuid;    // data.event.EventUuid
  std::string schema;        // data.schema
  std::string payload_json;  // data.payload: the event's fields incl. CreatedById, CreatedDate
  int64_t created_ms = 0;
};

struct EventBusOptions {
  std::string state_path;                       // SQLite file shared with the org; empty = memory only
  int64_t retention_ms = 72LL * 3600 * 1000;    // high-volume platform events: 72 h
};

class EventBus {
 public:
  explicit EventBus(EventBusOptions options);
  ~EventBus();

  // Stores the event and wakes subscribers. `payload_json` is a JSON object of
  // the event's fields (already validated against the schema by the caller,
  // with CreatedById and CreatedDate set). Returns the stored event.
  StoredEvent Publish(const std::string& channel, const std::string& payload_json);

  // Events on `channel` with replay id > after_replay_id (after = -2: all retained),
  // oldest first, at most `limit`.
  std::vector<StoredEvent> After(const std::string& channel, int64_t after_replay_id, size_t limit) const;
  // True when `replay_id` is within retention for `channel` (or is -1/-2).
  bool IsRetained(const std::string& channel, int64_t replay_id) const;
  int64_t LatestReplayId(const std::string& channel) const;

  // Registers a callback run (on the publishing thread) after each Publish. Returns a handle for Unsubscribe.
  int Listen(std::function<void(const StoredEvent&)> fn);
  void Unlisten(int handle);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sfemu
