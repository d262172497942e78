#include "sandbox/sfemu/event_bus.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <map>
#include <mutex>
#include <optional>

#include "common/crypto.h"
#include "common/json.h"
#include "common/log.h"
#include "common/time_util.h"

namespace sfemu {

namespace {

constexpr char kComponent[] = "sfemu.event_bus";

// Random v4 UUID text, the shape of data.event.EventUuid.
std::string NewEventUuid() {
  std::string hex = sfn::crypto::RandomHex(16);
  hex[12] = '4';
  hex[16] = "89ab"[std::stoi(hex.substr(16, 1), nullptr, 16) & 3];
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

// Gap between consecutive replay ids: 2..9. Always above 1 so that no client
// can get away with assuming contiguous ids (Salesforce's never promise it).
int64_t NextReplayStep() {
  return 2 + (std::stoi(sfn::crypto::RandomHex(1), nullptr, 16) % 8);
}

// Adds CreatedDate when the caller left it out, so data.payload always has it.
std::string WithCreatedDate(const std::string& payload_json, int64_t created_ms) {
  auto doc = sfn::json::Parse(payload_json);
  if (!doc.ok() || !doc->IsObject() || doc->HasMember("CreatedDate")) return payload_json;
  auto& alloc = doc->GetAllocator();
  doc->AddMember("CreatedDate",
                 sfn::json::Str(sfn::timeutil::FormatRfc3339Millis(created_ms), alloc), alloc);
  return sfn::json::Serialize(*doc);
}

}  // namespace

std::string SchemaIdForChannel(const std::string& channel) {
  return sfn::crypto::Base64UrlEncode(sfn::crypto::Sha256("sfemu-schema:" + channel)).substr(0, 22);
}

struct EventBus::Impl {
  EventBusOptions options;

  // Serialises Publish (store + callbacks) and Unlisten against callbacks.
  std::mutex publish_mu;

  mutable std::mutex mu;                                         // guards everything below
  std::map<std::string, std::map<int64_t, StoredEvent>> events;  // channel -> replay id -> event
  int64_t last_replay_id = 0;
  std::map<int, std::function<void(const StoredEvent&)>> listeners;
  int next_listener = 1;
  std::unique_ptr<SQLite::Database> db;
  sfn::Status status;

  int64_t Cutoff() const { return sfn::timeutil::NowMillis() - options.retention_ms; }

  void OpenState() {
    try {
      db = std::make_unique<SQLite::Database>(options.state_path,
                                              SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
      db->setBusyTimeout(5000);  // the org store writes to the same file
      db->exec("PRAGMA journal_mode=WAL");
      db->exec(
          "CREATE TABLE IF NOT EXISTS sfemu_platform_events ("
          " replay_id INTEGER PRIMARY KEY, channel TEXT NOT NULL, event_uuid TEXT NOT NULL,"
          " schema_id TEXT NOT NULL, payload_json TEXT NOT NULL, created_ms INTEGER NOT NULL)");
      db->exec(
          "CREATE INDEX IF NOT EXISTS sfemu_platform_events_created"
          " ON sfemu_platform_events(created_ms)");
      db->exec(
          "CREATE TABLE IF NOT EXISTS sfemu_event_bus_meta ("
          " name TEXT PRIMARY KEY, value INTEGER NOT NULL)");
      SQLite::Statement last(*db,
                             "SELECT value FROM sfemu_event_bus_meta WHERE name='last_replay_id'");
      if (last.executeStep()) last_replay_id = last.getColumn(0).getInt64();

      SQLite::Statement purge(*db, "DELETE FROM sfemu_platform_events WHERE created_ms < ?");
      purge.bind(1, static_cast<int64_t>(Cutoff()));
      purge.exec();

      SQLite::Statement load(*db,
                             "SELECT replay_id, channel, event_uuid, schema_id, payload_json,"
                             " created_ms FROM sfemu_platform_events ORDER BY replay_id");
      while (load.executeStep()) {
        StoredEvent e;
        e.replay_id = load.getColumn(0).getInt64();
        e.channel = load.getColumn(1).getString();
        e.event_uuid = load.getColumn(2).getString();
        e.schema = load.getColumn(3).getString();
        e.payload_json = load.getColumn(4).getString();
        e.created_ms = load.getColumn(5).getInt64();
        if (e.replay_id > last_replay_id) last_replay_id = e.replay_id;
        events[e.channel][e.replay_id] = std::move(e);
      }
    } catch (const std::exception& ex) {
      db.reset();
      status =
          sfn::Status::IOError("event bus state file " + options.state_path + ": " + ex.what());
      sfn::log::Error(kComponent, status.message() + " (events kept in memory only)");
    }
  }

  // Writes the event and the new last replay id in one transaction. Caller holds mu.
  void Persist(const StoredEvent& e, int64_t cutoff) {
    if (!db) return;
    try {
      SQLite::Transaction tx(*db);
      SQLite::Statement insert(*db,
                               "INSERT INTO sfemu_platform_events (replay_id, channel, event_uuid,"
                               " schema_id, payload_json, created_ms) VALUES (?,?,?,?,?,?)");
      insert.bind(1, static_cast<int64_t>(e.replay_id));
      insert.bind(2, e.channel);
      insert.bind(3, e.event_uuid);
      insert.bind(4, e.schema);
      insert.bind(5, e.payload_json);
      insert.bind(6, static_cast<int64_t>(e.created_ms));
      insert.exec();
      SQLite::Statement meta(*db,
                             "INSERT INTO sfemu_event_bus_meta (name, value) VALUES"
                             " ('last_replay_id', ?) ON CONFLICT(name) DO UPDATE SET"
                             " value=excluded.value");
      meta.bind(1, static_cast<int64_t>(e.replay_id));
      meta.exec();
      SQLite::Statement purge(*db, "DELETE FROM sfemu_platform_events WHERE created_ms < ?");
      purge.bind(1, static_cast<int64_t>(cutoff));
      purge.exec();
      tx.commit();
    } catch (const std::exception& ex) {
      status = sfn::Status::IOError(std::string("event bus cannot persist an event: ") + ex.what());
      sfn::log::Error(kComponent, status.message());
    }
  }

  // Drops expired events from memory. Caller holds mu.
  void PruneMemory(int64_t cutoff) {
    for (auto& [channel, by_id] : events) {
      for (auto it = by_id.begin(); it != by_id.end() && it->second.created_ms < cutoff;) {
        it = by_id.erase(it);
      }
    }
  }
};

EventBus::EventBus(EventBusOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  if (!impl_->options.state_path.empty()) impl_->OpenState();
}

EventBus::~EventBus() = default;

sfn::Status EventBus::status() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->status;
}

StoredEvent EventBus::Publish(const std::string& channel, const std::string& payload_json,
                              int64_t created_ms) {
  std::lock_guard<std::mutex> publish_lock(impl_->publish_mu);
  StoredEvent e;
  std::vector<std::function<void(const StoredEvent&)>> listeners;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    e.channel = channel;
    e.replay_id = impl_->last_replay_id + NextReplayStep();
    impl_->last_replay_id = e.replay_id;
    e.event_uuid = NewEventUuid();
    e.schema = SchemaIdForChannel(channel);
    e.created_ms = created_ms > 0 ? created_ms : sfn::timeutil::NowMillis();
    e.payload_json = WithCreatedDate(payload_json, e.created_ms);
    int64_t cutoff = impl_->Cutoff();
    impl_->PruneMemory(cutoff);
    impl_->events[channel][e.replay_id] = e;
    impl_->Persist(e, cutoff);
    for (auto& [id, fn] : impl_->listeners) listeners.push_back(fn);
  }
  for (auto& fn : listeners) fn(e);
  return e;
}

std::vector<StoredEvent> EventBus::After(const std::string& channel, int64_t after,
                                         size_t limit) const {
  std::vector<StoredEvent> out;
  if (after == -1) return out;
  std::lock_guard<std::mutex> lock(impl_->mu);
  auto found = impl_->events.find(channel);
  if (found == impl_->events.end()) return out;
  int64_t cutoff = impl_->Cutoff();
  const auto& by_id = found->second;
  auto it = after == -2 ? by_id.begin() : by_id.upper_bound(after);
  for (; it != by_id.end() && out.size() < limit; ++it) {
    if (it->second.created_ms >= cutoff) out.push_back(it->second);
  }
  return out;
}

bool EventBus::IsRetained(const std::string& channel, int64_t replay_id) const {
  if (replay_id == -1 || replay_id == -2) return true;
  std::lock_guard<std::mutex> lock(impl_->mu);
  auto found = impl_->events.find(channel);
  if (found == impl_->events.end()) return false;
  auto it = found->second.find(replay_id);
  return it != found->second.end() && it->second.created_ms >= impl_->Cutoff();
}

int64_t EventBus::LatestReplayId(const std::string& channel) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  auto found = impl_->events.find(channel);
  if (found == impl_->events.end() || found->second.empty()) return 0;
  const auto& newest = found->second.rbegin()->second;
  return newest.created_ms >= impl_->Cutoff() ? newest.replay_id : 0;
}

int EventBus::Listen(std::function<void(const StoredEvent&)> fn) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  int id = impl_->next_listener++;
  impl_->listeners[id] = std::move(fn);
  return id;
}

void EventBus::Unlisten(int handle) {
  // Taking publish_mu waits for a Publish whose callbacks may still use the listener.
  std::lock_guard<std::mutex> publish_lock(impl_->publish_mu);
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->listeners.erase(handle);
}

}  // namespace sfemu
