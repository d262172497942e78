// Placeholder until the event bus lands: memory only, no persistence.
#include "sandbox/sfemu/event_bus.h"

#include <map>
#include <mutex>

#include "common/crypto.h"
#include "common/time_util.h"

namespace sfemu {

struct EventBus::Impl {
  EventBusOptions options;
  mutable std::mutex mu;
  std::vector<StoredEvent> events;
  int64_t next_replay = 1;
  std::map<int, std::function<void(const StoredEvent&)>> listeners;
  int next_listener = 1;
};

EventBus::EventBus(EventBusOptions options) : impl_(std::make_unique<Impl>()) { impl_->options = std::move(options); }
EventBus::~EventBus() = default;

StoredEvent EventBus::Publish(const std::string& channel, const std::string& payload_json) {
  StoredEvent e;
  std::vector<std::function<void(const StoredEvent&)>> listeners;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    e.channel = channel;
    e.replay_id = impl_->next_replay;
    impl_->next_replay += 3;
    e.event_uuid = sfn::crypto::RandomHex(16);
    e.payload_json = payload_json;
    e.created_ms = sfn::timeutil::NowMillis();
    impl_->events.push_back(e);
    for (auto& [id, fn] : impl_->listeners) listeners.push_back(fn);
  }
  for (auto& fn : listeners) fn(e);
  return e;
}

std::vector<StoredEvent> EventBus::After(const std::string& channel, int64_t after, size_t limit) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  std::vector<StoredEvent> out;
  for (const auto& e : impl_->events) {
    if (e.channel == channel && (after == -2 || e.replay_id > after) && out.size() < limit) out.push_back(e);
  }
  return out;
}

bool EventBus::IsRetained(const std::string&, int64_t) const { return true; }

int64_t EventBus::LatestReplayId(const std::string& channel) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  int64_t latest = 0;
  for (const auto& e : impl_->events) {
    if (e.channel == channel) latest = e.replay_id;
  }
  return latest;
}

int EventBus::Listen(std::function<void(const StoredEvent&)> fn) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  int id = impl_->next_listener++;
  impl_->listeners[id] = std::move(fn);
  return id;
}

void EventBus::Unlisten(int handle) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->listeners.erase(handle);
}

}  // namespace sfemu
