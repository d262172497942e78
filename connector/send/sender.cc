#include "connector/send/sender.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "common/log.h"
#include "common/time_util.h"

namespace sfn::connector {

Sender::Sender(SenderOptions options, Store& store, Transport& transport)
    : options_(std::move(options)), store_(store), transport_(transport) {}

Sender::~Sender() { Stop(); }

void Sender::Start() {
  stopping_ = false;
  workers_joined_ = false;
  recorder_ = std::thread([this] { RecorderLoop(); });
  threads_.emplace_back([this] { DispatchLoop(); });
  for (int i = 0; i < std::max(1, options_.threads); ++i) threads_.emplace_back([this] { WorkerLoop(); });
}

void Sender::Stop() {
  if (threads_.empty() && !recorder_.joinable()) return;
  stopping_ = true;
  cv_.notify_all();
  queue_cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
  workers_joined_ = true;
  results_cv_.notify_all();
  if (recorder_.joinable()) recorder_.join();
  // Claimed rows no worker took stay `sending`; the next start reconciles them.
  std::lock_guard<std::mutex> lock(mu_);
  queue_.clear();
  queued_per_contact_point_.clear();
}

void Sender::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    wake_ = true;
  }
  cv_.notify_all();
}

double Sender::RateFor(const std::string& contact_point) const {
  auto it = options_.rate_per_contact_point.find(contact_point);
  return it == options_.rate_per_contact_point.end() ? 1.0 : it->second;
}

TokenBucket& Sender::BucketFor(const std::string& contact_point) {
  std::lock_guard<std::mutex> lock(buckets_mu_);
  auto& bucket = buckets_[contact_point];
  if (!bucket) {
    double rate = RateFor(contact_point);
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

bool Sender::InProgress(int64_t id) {
  std::lock_guard<std::mutex> lock(in_progress_mu_);
  return in_progress_.count(id) > 0;
}

namespace {
int64_t BackoffMs(int attempts) {
  // Exponential with full jitter, capped at 5 minutes.
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  int64_t cap = std::min<int64_t>(300000, 1000LL << std::min(attempts, 8));
  return std::uniform_int_distribution<int64_t>(cap / 2, cap)(rng);
}
}  // namespace

std::vector<RecipientRow> Sender::ClaimDue(int64_t now_ms, bool bounded) {
  std::vector<RecipientRow> candidates;
  std::map<std::string, size_t> taking;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& row : store_.DuePending(now_ms, options_.batch)) {
      if (bounded) {
        // About one second of this contact point's rate, and never more than the batch, claimed ahead.
        size_t ahead = static_cast<size_t>(std::max<double>(options_.threads, std::ceil(RateFor(row.contact_point))));
        ahead = std::min(ahead, options_.batch);
        if (queued_per_contact_point_[row.contact_point] + taking[row.contact_point] >= ahead) continue;
      }
      taking[row.contact_point]++;
      candidates.push_back(std::move(row));
    }
  }
  if (candidates.empty()) return {};
  std::vector<int64_t> ids;
  {
    // In progress BEFORE the claim commits, so the reconciler never takes a fresh claim for a lost one.
    std::lock_guard<std::mutex> lock(in_progress_mu_);
    for (const auto& row : candidates) {
      in_progress_.insert(row.id);
      ids.push_back(row.id);
    }
  }
  auto claimed = store_.BeginAttempts(ids, now_ms);
  std::set<int64_t> won;
  if (claimed.ok()) won.insert(claimed->begin(), claimed->end());
  else log::Error("sender", "cannot claim recipients: " + claimed.status().message());
  std::vector<RecipientRow> rows;
  std::lock_guard<std::mutex> lock(in_progress_mu_);
  for (auto& row : candidates) {
    if (won.count(row.id)) {
      row.attempts += 1;
      row.last_attempt_ms = now_ms;
      rows.push_back(std::move(row));
    } else {
      in_progress_.erase(row.id);
    }
  }
  return rows;
}

std::pair<int64_t, AttemptResult> Sender::SendClaimed(const RecipientRow& row) {
  AttemptResult result;
  if (store_.IsSuppressed(row.plan.phone_e164, row.contact_point)) {
    result.kind = AttemptResult::Kind::kSuppressed;
    result.error_message = "opted_out";
    return {row.id, result};
  }
  BucketFor(row.contact_point).Acquire(std::max(1, row.plan.segments));
  SendOutcome outcome = transport_.Send(MessageFor(row));
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
      if (row.attempts >= options_.max_attempts) {
        result.kind = AttemptResult::Kind::kRejected;
        if (result.error_message.empty()) result.error_message = "gave up after retries";
      } else {
        result.kind = AttemptResult::Kind::kRetry;
        result.retry_at_ms =
            timeutil::NowMillis() + std::max<int64_t>(outcome.retry_after_ms, BackoffMs(row.attempts));
      }
      break;
    case SendOutcome::Kind::kUnknown:
      result.kind = AttemptResult::Kind::kUnknown;
      log::Warn("sender", "outcome unknown for recipient " + std::to_string(row.id) + " (" + outcome.error_message +
                              "); will reconcile with the gateway before any retry");
      break;
  }
  return {row.id, result};
}

void Sender::Record(std::vector<std::pair<int64_t, AttemptResult>> outcomes) {
  if (outcomes.empty()) return;
  Status s = store_.RecordAttempts(outcomes, timeutil::NowMillis());
  if (!s.ok()) log::Error("sender", "cannot record " + std::to_string(outcomes.size()) + " outcomes: " + s.message());
  // Only now may the reconciler look at these rows (a failed write leaves them `sending`: reconciled later).
  std::lock_guard<std::mutex> lock(in_progress_mu_);
  for (const auto& [id, result] : outcomes) in_progress_.erase(id);
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
  for (const auto& row : store_.InFlight(1000000)) Reconcile(row);
}

void Sender::ReconcileStale() {
  int64_t now = timeutil::NowMillis();
  for (const auto& row : store_.InFlight(options_.batch)) {
    if (!InProgress(row.id) && row.last_attempt_ms + options_.reconcile_after_ms <= now) Reconcile(row);
  }
}

int Sender::RunOnce() {
  store_.ReleaseDeferred(timeutil::NowMillis());
  ReconcileStale();
  auto rows = ClaimDue(timeutil::NowMillis(), false);
  std::vector<std::pair<int64_t, AttemptResult>> outcomes;
  for (const auto& row : rows) outcomes.push_back(SendClaimed(row));
  Record(std::move(outcomes));
  return static_cast<int>(rows.size());
}

void Sender::DispatchLoop() {
  while (!stopping_) {
    int64_t now = timeutil::NowMillis();
    store_.ReleaseDeferred(now);
    auto rows = ClaimDue(now, true);
    if (!rows.empty()) {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& row : rows) {
        queued_per_contact_point_[row.contact_point]++;
        queue_.push_back(std::move(row));
      }
    }
    queue_cv_.notify_all();
    ReconcileStale();
    std::unique_lock<std::mutex> lock(mu_);
    // Nothing more to claim now (none due, or a second of each rate is claimed ahead): wait for a
    // wake-up, a finished send (room to claim more) or the poll interval.
    uint64_t seen = completions_;
    cv_.wait_for(lock, std::chrono::milliseconds(rows.empty() ? options_.poll_interval_ms : 1),
                 [&] { return wake_ || stopping_ || completions_ != seen; });
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
      workers_busy_++;
    }
    auto outcome = SendClaimed(row);
    {
      std::lock_guard<std::mutex> lock(results_mu_);
      results_.push_back(std::move(outcome));
    }
    results_cv_.notify_one();
    {
      std::lock_guard<std::mutex> lock(mu_);
      queued_per_contact_point_[row.contact_point]--;
      workers_busy_--;
      completions_++;
    }
    cv_.notify_all();
  }
}

void Sender::RecorderLoop() {
  while (true) {
    std::vector<std::pair<int64_t, AttemptResult>> batch;
    bool done;
    {
      std::unique_lock<std::mutex> lock(results_mu_);
      results_cv_.wait_for(lock, std::chrono::milliseconds(options_.record_interval_ms),
                           [&] { return results_.size() >= 64 || workers_joined_; });
      batch.swap(results_);
      // Once the workers have joined nothing new arrives: drain and exit.
      done = workers_joined_;
    }
    Record(std::move(batch));
    if (done) {
      std::lock_guard<std::mutex> lock(results_mu_);
      if (results_.empty()) return;
    }
  }
}

}  // namespace sfn::connector
