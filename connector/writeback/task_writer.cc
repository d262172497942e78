#include "connector/writeback/task_writer.h"

#include <chrono>

#include <algorithm>

#include "common/log.h"
#include "common/time_util.h"

namespace sfn::connector {

TaskWriter::TaskWriter(TaskWriterOptions options, Store& store, TaskSink& sink)
    : options_(options), store_(store), sink_(sink) {}

TaskWriter::~TaskWriter() { Stop(); }

void TaskWriter::Start() {
  stopping_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void TaskWriter::Stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

int TaskWriter::Settle() {
  int settled = 0;
  while (true) {
    auto in_flight = store_.TasksInFlight(options_.batch);
    if (in_flight.empty()) return settled;
    auto existing = sink_.FindExisting(in_flight);
    if (!existing.ok()) {
      log::Warn("tasks", "cannot check Tasks left in flight: " + existing.status().message());
      return -1;
    }
    std::vector<TaskOutcome> outcomes;
    for (const auto& row : in_flight) {
      auto it = existing->find(row.id);
      if (it != existing->end()) {
        outcomes.push_back({row.id, true, it->second, "", false, ""});
      } else {
        outcomes.push_back({row.id, false, "", "not written before restart", true, ""});  // back to the queue
      }
    }
    Status s = store_.RecordTaskOutcomes(outcomes);
    if (!s.ok()) return -1;
    settled += static_cast<int>(existing->size());
  }
}

int TaskWriter::FlushOnce(bool force) {
  if (Settle() < 0) return -1;
  int written = 0;
  while (!stopping_) {
    auto rows = store_.TasksToWrite(options_.batch);
    if (rows.empty()) break;
    if (!force && rows.size() < options_.batch) {
      int64_t oldest = rows.front().updated_ms;
      for (const auto& r : rows) oldest = std::min(oldest, r.updated_ms);
      int64_t waited = timeutil::NowMillis() - oldest;
      bool busy = waited < options_.max_wait_busy_ms && store_.SendsUnderWay();
      if (waited < options_.max_wait_ms || busy) break;  // let the batch fill up
    }
    std::vector<int64_t> ids;
    for (const auto& r : rows) ids.push_back(r.id);
    Status marked = store_.MarkTasksInFlight(ids);
    if (!marked.ok()) return -1;
    std::vector<TaskOutcome> outcomes;
    Status s = sink_.Insert(rows, &outcomes);
    if (!s.ok()) {
      // The call may or may not have created Tasks: leave them in flight; Settle() decides.
      log::Warn("tasks", "Task batch failed (" + s.message() + "); will check and retry");
      return -1;
    }
    Status recorded = store_.RecordTaskOutcomes(outcomes);
    if (!recorded.ok()) return -1;
    bool retry_later = false;
    for (const auto& o : outcomes) {
      written += o.success;
      retry_later |= !o.success && o.retryable;
    }
    // Retryable failures are back in the queue: back off rather than ask again at once.
    if (retry_later) return -1;
  }
  return written;
}

void TaskWriter::Loop() {
  while (!stopping_) {
    int r = FlushOnce();
    int wait = r < 0 ? options_.backoff_ms : options_.flush_interval_ms;
    for (int waited = 0; waited < wait && !stopping_; waited += 50) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

}  // namespace sfn::connector
