#include "connector/sender.h"

#include <algorithm>
#include <random>

#include "common/log.h"
#include "common/time_util.h"

namespace sfn::connector {

Sender::Sender(SenderOptions options, Store& store, Transport& transport)
    : options_(std::move(options)), store_(store), transport_(transport) {}

Sender::~Sender() { Stop(); }

void Sender::Start() {
  stopping_ = false;
  threads_.emplace_back([this] { DispatchLoop(); });
  for (int i = 0; i < std::max(1, options_.threads); ++i) threads_.emplace_back([this] { WorkerLoop(); });
}

void Sender::Stop() {
  stopping_ = true;
  cv_.notify_all();
  queue_cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void Sender::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    wake_ = true;
  }
  cv_.notify_all();
}

TokenBucket& Sender::BucketFor(const std::string& contact_point) {
  std::lock_guard<std::mutex> lock(buckets_mu_);
  auto& bucket = buckets_[contact_point];
  if (!bucket) {
    auto it = options_.rate_per_contact_point.find(contact_point);
    double rate = it == options_.rate_per_contact_point.end() ? 1.0 : it->second;
    bucket = std::make_unique<TokenBucket>(rate, std::max(1.0, rate));
  }
  return *bucket;
}

OutboundMessage Sender::MessageFor(const RecipientRow& row) const {
  OutboundMessage m;
  m.to = row.plan.phone_e164;
  auto it = options_.sender_per_contact_point.find(row.contact_point);
  m.from = it == options_.sender_per_contact_point.end() ? "" : it->second;
  m.body = row.plan.body;
  m.key = "r" + std::to_string(row.id);
  if (!options_.status_callback_base.empty()) {
    m.status_callback = options_.status_callback_base + "?r=" + std::to_string(row.id);
  }
  return m;
}

namespace {
int64_t BackoffMs(int attempts) {
  // Exponential with full jitter, capped at 5 minutes.
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  int64_t cap = std::min<int64_t>(300000, 1000LL << std::min(attempts, 8));
  return std::uniform_int_distribution<int64_t>(cap / 2, cap)(rng);
}
}  // namespace

void Sender::SendOne(const RecipientRow& row) {
  if (store_.IsSuppressed(row.plan.phone_e164, row.contact_point)) {
    store_.SuppressPending(row.id, "opted_out");
    return;
  }
  // Mark the call as under way BEFORE claiming, so the reconciler never takes
  // a freshly claimed row for one whose answer was lost.
  {
    std::lock_guard<std::mutex> lock(in_progress_mu_);
    in_progress_.insert(row.id);
  }
  auto claimed = store_.BeginAttempt(row.id, timeutil::NowMillis());
  if (!claimed.ok() || !claimed.value()) {  // someone else has it
    std::lock_guard<std::mutex> lock(in_progress_mu_);
    in_progress_.erase(row.id);
    return;
  }
  BucketFor(row.contact_point).Acquire(std::max(1, row.plan.segments));
  SendOutcome outcome = transport_.Send(MessageFor(row));
  AttemptResult result;
  result.sid = outcome.sid;
  result.gateway_status = outcome.status;
  result.segments = outcome.segments;
  result.error_code = outcome.error_code;
  result.error_message = outcome.error_message;
  switch (outcome.kind) {
    case SendOutcome::Kind::kAccepted:
      result.kind = AttemptResult::Kind::kAccepted;
      break;
    case SendOutcome::Kind::kRejected:
      result.kind = AttemptResult::Kind::kRejected;
      result.suppress_number = outcome.error_code == 21610;
      break;
    case SendOutcome::Kind::kRetryLater:
      if (row.attempts + 1 >= options_.max_attempts) {
        result.kind = AttemptResult::Kind::kRejected;
        if (result.error_message.empty()) result.error_message = "gave up after retries";
      } else {
        result.kind = AttemptResult::Kind::kRetry;
        result.retry_at_ms = timeutil::NowMillis() + std::max<int64_t>(outcome.retry_after_ms, BackoffMs(row.attempts));
      }
      break;
    case SendOutcome::Kind::kUnknown:
      result.kind = AttemptResult::Kind::kUnknown;
      break;
  }
  Status s = store_.RecordAttempt(row.id, result, timeutil::NowMillis());
  if (!s.ok()) log::Error("sender", "cannot record attempt for recipient " + std::to_string(row.id) + ": " + s.message());
  {
    std::lock_guard<std::mutex> lock(in_progress_mu_);
    in_progress_.erase(row.id);
  }
  if (outcome.kind == SendOutcome::Kind::kUnknown) {
    log::Warn("sender", "outcome unknown for recipient " + std::to_string(row.id) + " (" + outcome.error_message +
                            "); will reconcile with the gateway before any retry");
  }
}

void Sender::Reconcile(const RecipientRow& row) {
  SendOutcome found = transport_.Reconcile(MessageFor(row), row.last_attempt_ms);
  AttemptResult result;
  switch (found.kind) {
    case SendOutcome::Kind::kAccepted:
      result.kind = AttemptResult::Kind::kAccepted;
      result.sid = found.sid;
      result.gateway_status = found.status;
      result.segments = found.segments;
      break;
    case SendOutcome::Kind::kRetryLater:
      result.kind = AttemptResult::Kind::kRetry;
      result.retry_at_ms = timeutil::NowMillis();
      result.error_message = "reconciled: not sent";
      break;
    default:
      return;  // still unknown: ask again later
  }
  store_.RecordAttempt(row.id, result, timeutil::NowMillis());
}

void Sender::ReconcileAll() {
  for (const auto& row : store_.InFlight(100000)) Reconcile(row);
}

int Sender::RunOnce() {
  int64_t now = timeutil::NowMillis();
  store_.ReleaseDeferred(now);
  // Rows left in `sending` by an earlier attempt whose answer never came.
  for (const auto& row : store_.InFlight(options_.batch)) {
    bool busy;
    {
      std::lock_guard<std::mutex> lock(in_progress_mu_);
      busy = in_progress_.count(row.id) > 0;
    }
    if (!busy && row.last_attempt_ms + options_.reconcile_after_ms <= now) Reconcile(row);
  }
  auto due = store_.DuePending(now, options_.batch);
  for (const auto& row : due) {
    if (stopping_) break;
    SendOne(row);
  }
  return static_cast<int>(due.size());
}

void Sender::DispatchLoop() {
  while (!stopping_) {
    int64_t now = timeutil::NowMillis();
    store_.ReleaseDeferred(now);
    size_t added = 0;
    {
      std::unique_lock<std::mutex> lock(mu_);
      // Wait for room so the queue stays bounded.
      queue_cv_.wait(lock, [&] { return stopping_ || queue_.size() < options_.batch; });
      if (stopping_) return;
    }
    for (auto& row : store_.DuePending(now, options_.batch)) {
      std::lock_guard<std::mutex> lock(mu_);
      if (queued_.insert(row.id).second) {
        queue_.push_back(std::move(row));
        ++added;
      }
    }
    if (added) queue_cv_.notify_all();
    for (const auto& row : store_.InFlight(options_.batch)) {
      bool busy;
      {
        std::lock_guard<std::mutex> lock(in_progress_mu_);
        busy = in_progress_.count(row.id) > 0;
      }
      if (!busy && row.last_attempt_ms + options_.reconcile_after_ms <= timeutil::NowMillis()) Reconcile(row);
    }
    std::unique_lock<std::mutex> lock(mu_);
    if (added == 0 || !queue_.empty()) {
      cv_.wait_for(lock, std::chrono::milliseconds(options_.poll_interval_ms),
                   [&] { return wake_ || stopping_ || (added > 0 && queue_.empty()); });
    }
    wake_ = false;
  }
}

void Sender::WorkerLoop() {
  while (true) {
    RecipientRow row;
    {
      std::unique_lock<std::mutex> lock(mu_);
      queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      row = std::move(queue_.front());
      queue_.pop_front();
    }
    SendOne(row);
    {
      std::lock_guard<std::mutex> lock(mu_);
      queued_.erase(row.id);
    }
    queue_cv_.notify_all();
    cv_.notify_all();
  }
}

}  // namespace sfn::connector
