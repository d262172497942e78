#include "connector/writeback/task_status_writer.h"

#include <algorithm>
#include <chrono>

#include "common/json.h"
#include "common/log.h"
#include "common/time_util.h"
#include "salesforce/collections.h"

namespace sfn::connector {

TaskStatusWriter::TaskStatusWriter(TaskStatusWriterOptions options, Store& store,
                                   salesforce::Connection& connection)
    : options_(std::move(options)), store_(store), connection_(connection) {}

TaskStatusWriter::~TaskStatusWriter() {
  Stop();
}

void TaskStatusWriter::Start() {
  stopping_ = false;
  thread_ = std::thread([this] {
    while (!stopping_) {
      int r = FlushOnce(false);
      int wait = r < 0 ? options_.interval_ms * 5 : options_.interval_ms;
      for (int waited = 0; waited < wait && !stopping_; waited += 50) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  });
}

void TaskStatusWriter::Stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

int TaskStatusWriter::FlushOnce(bool force) {
  int written = 0;
  while (!stopping_) {
    auto updates = store_.TaskStatusUpdates(200);
    if (updates.empty()) break;
    if (!force && updates.size() < 200) {
      int64_t oldest = updates.front().changed_ms;
      for (const auto& u : updates) oldest = std::min(oldest, u.changed_ms);
      if (timeutil::NowMillis() - oldest < options_.max_wait_ms) break;
    }
    std::vector<rapidjson::Document> records;
    for (const auto& u : updates) {
      rapidjson::Document doc(rapidjson::kObjectType);
      auto& a = doc.GetAllocator();
      std::string value = RecipientStateName(u.state);
      if (u.error_code) value += " (" + std::to_string(u.error_code) + ")";
      doc.AddMember("Id", json::Str(u.task_id, a), a);
      doc.AddMember(json::Str(options_.field, a), json::Str(value, a), a);
      records.push_back(std::move(doc));
    }
    salesforce::CollectionOptions options;
    options.idempotent = true;  // writing the same value twice is harmless
    auto results = salesforce::UpdateRecords(connection_, "Task", records, options);
    std::vector<TaskStatusUpdate> done;
    bool retry = false;
    for (size_t i = 0; i < updates.size(); ++i) {
      const Status& s = results[i].status;
      if (results[i].ok()) {
        done.push_back(updates[i]);
        continue;
      }
      // A Task deleted in the org, or a field the org refuses, will never take the value: drop it,
      // or 200 such rows would sit at the head of the queue and starve every later update.
      bool transient = s.retryable() || s.code() == StatusCode::kUnauthenticated ||
                       s.code() == StatusCode::kUnknownOutcome;
      log::Warn("tasks", "delivery status not written to Task " + updates[i].task_id + ": " +
                             s.message() + (transient ? " (will retry)" : " (given up)"));
      if (transient) {
        retry = true;
      } else {
        done.push_back(updates[i]);
      }
    }
    if (!store_.MarkTaskStatusSynced(done).ok() || retry) return -1;
    written += static_cast<int>(done.size());
    // A short batch took everything there was; what changed during the call waits for the next
    // period, so a stream of callbacks is not chased one PATCH at a time.
    if (updates.size() < 200) break;
  }
  return written;
}

}  // namespace sfn::connector
