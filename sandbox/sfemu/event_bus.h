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

#include "common/status.h"

namespace sfemu {

struct StoredEvent {
  std::string channel;  // "/event/Outbound_Notification__e"
  int64_t replay_id = 0;
  std::string event_uuid;    // data.event.EventUuid
  std::string schema;        // data.schema
  std::string payload_json;  // data.payload: the event's fields incl. CreatedById, CreatedDate
  int64_t created_ms = 0;
};

struct EventBusOptions {
  // SQLite file shared with the org; empty = memory only. Events live in the
  // table `sfemu_platform_events` (WAL journal) and the last replay id handed
  // out in `sfemu_event_bus_meta`, so ids keep increasing across restarts even
  // after every stored event has expired.
  std::string state_path;
  int64_t retention_ms = 72LL * 3600 * 1000;  // high-volume platform events: 72 h
};

class EventBus {
 public:
  // Opens (creating when needed) the state file. When it cannot be opened the
  // bus still works from memory and status() says why.
  explicit EventBus(EventBusOptions options);
  ~EventBus();
  EventBus(const EventBus&) = delete;
  EventBus& operator=(const EventBus&) = delete;

  // Ok, or why the state file could not be opened or last failed to write.
  sfn::Status status() const;

  // Stores the event and wakes subscribers. `payload_json` is a JSON object of
  // the event's fields (already validated against the schema by the caller,
  // with CreatedById and CreatedDate set; CreatedDate is added when absent).
  // Returns the stored event. Publishes are serialised, so listeners see
  // events in replay-id order. created_ms > 0 backdates the event (emulator
  // hook: an event published while no subscriber ran); 0 = now.
  StoredEvent Publish(const std::string& channel, const std::string& payload_json,
                      int64_t created_ms = 0);

  // Events on `channel` still within retention with replay id > after_replay_id
  // (after = -2: all retained; after = -1: none), oldest first, at most `limit`.
  std::vector<StoredEvent> After(const std::string& channel, int64_t after_replay_id,
                                 size_t limit) const;
  // True for -1 and -2, and for the replay id of an event on `channel` that is
  // still within retention. Anything else (expired, unknown, another channel's
  // id) is the "replayId ... was invalid" case of the Streaming API.
  bool IsRetained(const std::string& channel, int64_t replay_id) const;
  // Replay id of the newest retained event on `channel`; 0 when there is none.
  int64_t LatestReplayId(const std::string& channel) const;

  // Registers a callback run on the publishing thread after each Publish (one
  // publish at a time). Returns a handle for Unlisten. Unlisten waits for a
  // running callback to finish, so it must not be called from a callback.
  int Listen(std::function<void(const StoredEvent&)> fn);
  void Unlisten(int handle);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Data schema id Salesforce shows as data.schema: a stable 22-character
// URL-safe id derived from the channel name.
std::string SchemaIdForChannel(const std::string& channel);

}  // namespace sfemu
