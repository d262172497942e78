// Platform Event intake: turns an Outbound_Notification__e payload (as the
// streaming client hands it over: the event's fields incl. CreatedById and
// CreatedDate) into a NotificationRequest, and takes it in durably.
// Field names and encodings are the ones OutboundNotificationService (apex/)
// publishes: Record_Ids__c is a comma-separated list of 18-character ids; a
// request split over several events carries one Request_Id__c with
// Chunk_Index__c (1-based) of Chunk_Count__c.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "common/status.h"
#include "connector/outbox/store.h"

namespace sfn::connector {

// Errors (kInvalidArgument) name the field, e.g. "Record_Ids__c[3]: '00Qx' is not a Lead or Contact Id".
Result<NotificationRequest> ParseEventPayload(const std::string& payload_json, int64_t replay_id,
                                              const std::string& event_uuid);

struct EventIntakeOptions {
  // An event whose CreatedDate is more than this before it arrived is taken in refused
  // `expired` (kept in the history, never sent); 0 = no limit.
  int64_t max_event_age_ms = 60LL * 60 * 1000;
  // How long the chunks of a split request are awaited after the first one arrived.
  int64_t chunk_wait_ms = 120000;
  int poll_interval_ms = 250;  // how often the chunk wait is checked
  // Events created before this (epoch ms) are skipped: published before the connector first
  // subscribed, when a restart without a stored replay id replays what is retained. 0 = none.
  int64_t ignore_created_before_ms = 0;
};

// The streaming handler's work: record, never resolve. Resolution (Salesforce
// queries) runs on the engine's workers; `on_taken_in` tells them (Engine::Wake).
// Thread-safe.
class EventIntake {
 public:
  EventIntake(EventIntakeOptions options, Store& store, std::function<void()> on_taken_in);
  ~EventIntake();  // Stop()

  // Records one event durably and returns: ok when it is taken in, held as a
  // chunk, a duplicate, or can never succeed (malformed, conflicting: logged);
  // an error only for store trouble, so the event comes again.
  Status Handle(const std::string& payload_json, int64_t replay_id, const std::string& event_uuid);

  // The thread that joins split requests whose chunk wait ran out (also those
  // held across a restart).
  void Start();
  void Stop();

  // Joins the split requests that are complete or waited long enough; returns how many.
  int JoinDue();

 private:
  // The refusal of an event created at `created_ms` that arrived `age_ms` later ("" = none).
  std::string ExpiryFor(int64_t created_ms, int64_t age_ms) const;
  Status Join(const std::string& request_id);
  void Run();

  EventIntakeOptions options_;
  Store& store_;
  std::function<void()> on_taken_in_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace sfn::connector
