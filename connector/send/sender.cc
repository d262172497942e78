#include "connector/send/sender.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <random>

#include "common/log.h"

namespace sfn::connector {

namespace {
constexpr int64_t kDefaultWindowMs = 240LL * 60 * 1000;
constexpr size_t kRecordBatch = 256;  // outcomes that wake the recorder before its interval

int64_t BackoffMs(int attempts, int64_t cap_ms) {
  // Exponential with jitter in [cap/2, cap], from 0.5 s, capped.
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  int64_t cap = std::min<int64_t>(cap_ms, 500LL << std::min(std::max(attempts - 1, 0), 20));
  return std::uniform_int_distribution<int64_t>(cap / 2, std::max<int64_t>(cap / 2, cap))(rng);
}
}  // namespace

Sender::Sender(SenderOptions options, Store& store, Transport& transport)
    : options_(std::move(options)),
      store_(store),
      transport_(transport),
      clock_(options_.clock ? options_.clock : std::make_shared<SystemClock>()),
      health_(options_.health) {
  options_.max_in_flight = std::max(1, options_.max_in_flight);
}

Sender::~Sender() {
  Stop();
}

void Sender::Start() {
  stopping_ = false;
  recorder_stop_ = false;
  if (!transport_.async() && !pool_) pool_ = std::make_unique<WorkQueue>(options_.max_in_flight);
  LearnUnsettled();  // the numbers with an unsettled send left from earlier runs
  recorder_ = std::thread([this] { RecorderLoop(); });
  dispatcher_ = std::thread([this] { DispatchLoop(); });
  maintenance_ = std::thread([this] { MaintenanceLoop(); });
}

void Sender::Stop() {
  if (!dispatcher_.joinable() && !recorder_.joinable()) return;
  stopping_ = true;
  cv_.notify_all();
  if (dispatcher_.joinable()) dispatcher_.join();
  if (maintenance_.joinable()) maintenance_.join();
  std::vector<Outcome> unsent;
  {
    // Calls under way finish and record their outcomes.
    std::unique_lock<std::mutex> lock(mu_);
    waiting_for_slot_ = true;
    cv_.wait(lock, [&] { return in_flight_ == 0; });
    waiting_for_slot_ = false;
    // Claimed rows never handed to the gateway go back to pending at once (surely not sent).
    for (auto& [cp, rows] : ready_) {
      for (auto& row : rows) {
        AttemptResult r;
        r.kind = AttemptResult::Kind::kRetry;
        r.retry_at_ms = 0;
        r.error_message = "not sent: connector stopping";
        unsent.emplace_back(row.id, r);
      }
    }
    ready_.clear();
    ready_count_ = 0;
  }
  for (auto& o : unsent) Complete(std::move(o));
  {
    std::lock_guard<std::mutex> lock(results_mu_);
    recorder_stop_ = true;
  }
  results_cv_.notify_all();
  if (recorder_.joinable()) recorder_.join();
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

int64_t Sender::WindowMs(const std::string& contact_point) const {
  auto it = options_.send_window_ms_per_contact_point.find(contact_point);
  return it == options_.send_window_ms_per_contact_point.end() ? kDefaultWindowMs : it->second;
}

int64_t Sender::ExpiresAt(const RecipientRow& row) const {
  // The window counts from when the recipient could first be sent: planned, or its quiet hours
  // over.
  return std::max(row.created_ms, row.plan.deferred_until_ms) + WindowMs(row.contact_point);
}

std::string Sender::KeyOf(const RecipientRow& row) const {
  auto it = options_.sender_per_contact_point.find(row.contact_point);
  return (it == options_.sender_per_contact_point.end() ? row.contact_point : it->second) + "|" +
         row.plan.phone_e164;
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

std::vector<RecipientRow> Sender::ClaimDue(int64_t now_ms, size_t room) {
  if (room == 0) return {};
  std::vector<RecipientRow> candidates;
  std::map<std::string, size_t> taking;
  std::map<std::string, size_t> ready_sizes;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [cp, rows] : ready_) ready_sizes[cp] = rows.size();
  }
  auto due = store_.DuePending(now_ms, std::min(options_.batch, room + 16));
  {
    // In progress and unsettled BEFORE the claim commits, so the reconciler never takes a fresh
    // claim for a lost one, and no second send to the same number starts meanwhile.
    std::lock_guard<std::mutex> lock(in_progress_mu_);
    for (auto& row : due) {
      if (candidates.size() >= room) break;
      if (in_progress_.count(row.id)) continue;
      std::string key = KeyOf(row);
      if (unsettled_.count(key))
        continue;  // waits until the earlier send to this number is settled
      // About one second of this contact point's rate claimed ahead (and never more than the
      // batch).
      size_t ahead = static_cast<size_t>(std::max(1.0, std::ceil(RateFor(row.contact_point))));
      ahead = std::min(ahead, options_.batch);
      if (ready_sizes[row.contact_point] + taking[row.contact_point] >= ahead) continue;
      taking[row.contact_point]++;
      in_progress_[row.id] = key;
      unsettled_[key] = row.id;
      candidates.push_back(std::move(row));
    }
  }
  if (candidates.empty()) return {};
  std::vector<int64_t> ids;
  for (const auto& row : candidates) ids.push_back(row.id);
  auto claimed = store_.BeginAttempts(ids, now_ms);
  std::set<int64_t> won;
  if (claimed.ok())
    won.insert(claimed->begin(), claimed->end());
  else
    log::Error("sender", "cannot claim recipients: " + claimed.status().message());
  std::vector<RecipientRow> rows;
  std::lock_guard<std::mutex> lock(in_progress_mu_);
  for (auto& row : candidates) {
    if (won.count(row.id)) {
      row.attempts += 1;
      row.last_attempt_ms = now_ms;
      rows.push_back(std::move(row));
    } else {
      auto key = in_progress_.find(row.id);
      auto u = unsettled_.find(key->second);
      if (u != unsettled_.end() && u->second == row.id) unsettled_.erase(u);
      in_progress_.erase(key);
    }
  }
  return rows;
}

bool Sender::CheckBeforeSend(const RecipientRow& row, int64_t now_ms, AttemptResult* result) {
  int64_t expires = ExpiresAt(row);
  if (now_ms >= expires) {
    result->kind = AttemptResult::Kind::kExpired;
    result->error_message = "send window of " +
                            std::to_string(WindowMs(row.contact_point) / 60000) +
                            " min ended before it could be sent";
    return true;
  }
  if (store_.IsSuppressed(row.plan.phone_e164, row.contact_point)) {
    result->kind = AttemptResult::Kind::kSuppressed;
    result->error_message = "opted_out";
    return true;
  }
  if (options_.send_time_gate) {
    auto d = options_.send_time_gate->Check(row.contact_point, row.plan.phone_e164,
                                            row.plan.time_zone, now_ms);
    if (!d.allowed) {
      result->kind = AttemptResult::Kind::kDeferred;
      result->retry_at_ms = d.defer_until_ms;
      result->error_message = d.detail;
      return true;
    }
  }
  return false;
}

AttemptResult Sender::Classify(const RecipientRow& row, const SendOutcome& outcome,
                               int64_t now_ms) {
  AttemptResult result;
  result.sid = outcome.sid;
  result.gateway_status = outcome.status;
  result.segments = outcome.segments;
  result.error_code = outcome.error_code;
  result.error_message = outcome.error_message;
  switch (outcome.kind) {
    case SendOutcome::Kind::kAccepted:
      health_.Done(GatewayHealth::Answer::kSuccess, now_ms);
      result.kind = AttemptResult::Kind::kAccepted;
      break;
    case SendOutcome::Kind::kRejected:
      health_.Done(GatewayHealth::Answer::kSuccess, now_ms);
      result.kind = AttemptResult::Kind::kRejected;
      result.suppress_number = outcome.error_code == 21610;
      break;
    case SendOutcome::Kind::kRetryLater: {
      health_.Done(
          outcome.throttled ? GatewayHealth::Answer::kThrottled : GatewayHealth::Answer::kFailure,
          now_ms, outcome.retry_after_ms);
      int64_t retry_at = std::max({now_ms + BackoffMs(row.attempts, options_.retry_max_backoff_ms),
                                   now_ms + outcome.retry_after_ms, health_.ResumeAt(now_ms)});
      if (retry_at >= ExpiresAt(row)) {
        result.kind = AttemptResult::Kind::kExpired;
        result.error_message = "send window of " +
                               std::to_string(WindowMs(row.contact_point) / 60000) +
                               " min ended during transient trouble: " + outcome.error_message;
      } else {
        result.kind = AttemptResult::Kind::kRetry;
        result.retry_at_ms = retry_at;
      }
      break;
    }
    case SendOutcome::Kind::kUnknown:
      health_.Done(GatewayHealth::Answer::kFailure, now_ms);
      result.kind = AttemptResult::Kind::kUnknown;
      log::Warn("sender", "outcome unknown for recipient " + std::to_string(row.id) + " (" +
                              outcome.error_message +
                              "); will reconcile with the gateway before any retry");
      break;
  }
  return result;
}

void Sender::Complete(Outcome outcome) {
  bool wake;
  {
    std::lock_guard<std::mutex> lock(results_mu_);
    results_.push_back(std::move(outcome));
    wake = results_.size() == kRecordBatch;
  }
  if (wake) results_cv_.notify_one();
}

void Sender::Dispatch(RecipientRow row) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    in_flight_++;
  }
  auto shared = std::make_shared<RecipientRow>(std::move(row));
  auto done = [this, shared](SendOutcome outcome) {
    Complete({shared->id, Classify(*shared, outcome, Now())});
    // Under the lock: once in_flight_ reaches 0, Stop may return and the Sender go away.
    std::lock_guard<std::mutex> lock(mu_);
    in_flight_--;
    // Wake the dispatcher once a few slots are free, not per completion.
    int low_water = options_.max_in_flight - std::max(1, options_.max_in_flight / 16);
    if (waiting_for_slot_ && in_flight_ <= low_water) cv_.notify_all();
  };
  OutboundMessage message = MessageFor(*shared);
  if (transport_.async()) {
    transport_.SendAsync(message, std::move(done));
  } else {
    pool_->Post([this, message = std::move(message), done = std::move(done)]() mutable {
      done(transport_.Send(message));
    });
  }
}

void Sender::Record(std::vector<Outcome> outcomes) {
  if (outcomes.empty()) return;
  Status s = store_.RecordAttempts(outcomes, Now());
  if (!s.ok())
    log::Error("sender",
               "cannot record " + std::to_string(outcomes.size()) + " outcomes: " + s.message());
  // Only now may the reconciler look at these rows (a failed write leaves them `sending`:
  // reconciled later).
  std::lock_guard<std::mutex> lock(in_progress_mu_);
  for (const auto& [id, result] : outcomes) {
    auto it = in_progress_.find(id);
    if (it == in_progress_.end()) continue;
    // An unknown outcome keeps its number unsettled until the reconciler decides.
    if (s.ok() && result.kind != AttemptResult::Kind::kUnknown) {
      auto u = unsettled_.find(it->second);
      if (u != unsettled_.end() && u->second == id) unsettled_.erase(u);
    }
    in_progress_.erase(it);
  }
}

void Sender::Reconcile(const RecipientRow& row) {
  auto candidates = transport_.FindSent(MessageFor(row), row.last_attempt_ms);
  int64_t now = Now();
  AttemptResult result;
  if (candidates.size() == 1 && candidates[0].kind == SendOutcome::Kind::kUnknown)
    return;  // ask again later
  // A message some other recipient already owns is not this attempt.
  std::vector<SendOutcome> ours;
  for (auto& c : candidates) {
    auto owner = store_.RecipientBySid(c.sid);
    if (owner.ok() && owner->id != row.id) continue;
    ours.push_back(std::move(c));
  }
  if (ours.size() > 1) {
    log::Warn("sender",
              "recipient " + std::to_string(row.id) + ": " + std::to_string(ours.size()) +
                  " gateway messages could be its lost attempt; left unsettled (never guessed)");
    return;
  }
  if (ours.size() == 1) {
    result.kind = AttemptResult::Kind::kAccepted;
    result.sid = ours[0].sid;
    result.gateway_status = ours[0].status;
    result.segments = ours[0].segments;
  } else if (now >= ExpiresAt(row)) {
    result.kind = AttemptResult::Kind::kExpired;
    result.error_message = "reconciled: not sent, and the send window is over";
  } else {
    result.kind = AttemptResult::Kind::kRetry;
    result.retry_at_ms = now;
    result.error_message = "reconciled: not sent";
  }
  Status s = store_.RecordAttempt(row.id, result, now);
  if (!s.ok()) return;
  std::lock_guard<std::mutex> lock(in_progress_mu_);
  auto u = unsettled_.find(KeyOf(row));
  if (u != unsettled_.end() && u->second == row.id) unsettled_.erase(u);
}

void Sender::ReconcileAll() {
  for (const auto& row : store_.InFlight(1000000)) Reconcile(row);
}

void Sender::LearnUnsettled() {
  // Only while nothing runs: a snapshot taken while the recorder commits could see a row as
  // `sending` that is settled a moment later, and its number would stay blocked. While running,
  // Record keeps an unknown outcome's number unsettled itself.
  std::lock_guard<std::mutex> lock(in_progress_mu_);
  for (const auto& row : store_.InFlight(1000000)) {
    if (!in_progress_.count(row.id)) unsettled_.emplace(KeyOf(row), row.id);  // left from a crash
  }
}

void Sender::ReconcileStale() {
  int64_t now = Now();
  for (const auto& row : store_.InFlight(10000)) {
    if (InProgress(row.id)) continue;
    if (row.last_attempt_ms + options_.reconcile_after_ms <= now) Reconcile(row);
  }
}

int Sender::PollStatusesOnce() {
  int64_t now = Now();
  auto rows = store_.AwaitingFinalStatus(now - options_.status_poll_max_age_ms,
                                         now - options_.status_poll_after_ms, poll_cursor_, 100);
  if (rows.empty()) {
    poll_cursor_ = 0;
    return 0;
  }
  std::vector<std::string> sids;
  for (const auto& r : rows) sids.push_back(r.gateway_sid);
  auto statuses = transport_.Lookup(sids);
  for (size_t i = 0; i < rows.size() && i < statuses.size(); ++i) {
    if (!statuses[i].found) continue;
    auto state = StateForGatewayStatus(statuses[i].status);
    if (!state) continue;
    auto applied =
        store_.ApplyGatewayStatus(sids[i], *state, statuses[i].error_code, statuses[i].status);
    if (!applied.ok()) log::Warn("sender", "status poll: " + applied.status().message());
  }
  poll_cursor_ = rows.back().id;
  return static_cast<int>(rows.size());
}

int Sender::RunOnce() {
  int64_t now = Now();
  store_.ReleaseDeferred(now);
  LearnUnsettled();
  ReconcileStale();
  auto rows = ClaimDue(now, options_.batch);
  std::vector<Outcome> outcomes;
  for (const auto& row : rows) {
    AttemptResult r;
    if (!CheckBeforeSend(row, Now(), &r)) {
      BucketFor(row.contact_point).Acquire(std::max(1, row.plan.segments));
      r = Classify(row, transport_.Send(MessageFor(row)), Now());
    }
    outcomes.emplace_back(row.id, r);
  }
  Record(std::move(outcomes));
  return static_cast<int>(rows.size());
}

void Sender::DispatchLoop() {
  int64_t last_release = 0;
  while (!stopping_) {
    int64_t now = Now();
    bool woken;
    {
      std::lock_guard<std::mutex> lock(mu_);
      woken = wake_;
      wake_ = false;
    }
    if (woken || now - last_release >= 250) {
      store_.ReleaseDeferred(now);
      last_release = now;
    }
    // Paused (429 backoff or open breaker): claim nothing, so nobody is charged an attempt.
    int64_t resume = health_.ResumeAt(now);
    int64_t wait_ms = options_.poll_interval_ms;
    if (resume > now) {
      wait_ms = std::min<int64_t>(resume - now, options_.poll_interval_ms);
    } else {
      // Claims are fsynced transactions: take several round trips' worth at once so the dispatcher
      // seldom stops for one while slots are free.
      size_t limit = static_cast<size_t>(options_.max_in_flight) * 3;
      if (ready_count_ < static_cast<size_t>(options_.max_in_flight)) {
        auto rows = ClaimDue(now, limit - ready_count_);
        std::lock_guard<std::mutex> lock(mu_);
        for (auto& row : rows) {
          ready_[row.contact_point].push_back(std::move(row));
          ready_count_++;
        }
      }
      // Send what the rates, the gateway and the in-flight limit allow, contact point by contact
      // point.
      double token_wait = std::numeric_limits<double>::infinity();
      bool slot_full = false;
      bool progressed = false;
      for (auto& [cp, rows] : ready_) {
        while (!rows.empty() && !stopping_) {
          {
            std::lock_guard<std::mutex> lock(mu_);
            if (in_flight_ >= options_.max_in_flight) {
              slot_full = true;
              break;
            }
          }
          RecipientRow& row = rows.front();
          AttemptResult refused;
          if (CheckBeforeSend(row, Now(), &refused)) {
            Complete({row.id, refused});
            rows.pop_front();
            ready_count_--;
            progressed = true;
            continue;
          }
          double w = BucketFor(cp).TakeOrWait(std::max(1, row.plan.segments));
          if (w > 0) {
            token_wait = std::min(token_wait, w);
            break;
          }
          int64_t blocked = health_.TryStart(Now());
          if (blocked > 0) {
            token_wait = std::min(token_wait, blocked / 1000.0);
            break;
          }
          RecipientRow taken = std::move(row);
          rows.pop_front();
          ready_count_--;
          Dispatch(std::move(taken));
          progressed = true;
        }
        if (slot_full) break;
      }
      if (slot_full) {
        std::unique_lock<std::mutex> lock(mu_);
        waiting_for_slot_ = true;
        cv_.wait_for(lock, std::chrono::milliseconds(options_.poll_interval_ms), [&] {
          return stopping_ ||
                 in_flight_ < options_.max_in_flight - std::max(1, options_.max_in_flight / 16) + 1;
        });
        waiting_for_slot_ = false;
        continue;
      }
      if (token_wait < std::numeric_limits<double>::infinity()) {
        wait_ms = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(token_wait * 1000)));
      } else if (progressed) {
        continue;  // sent what was claimed: claim more at once
      }
    }
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(wait_ms), [&] { return wake_ || stopping_; });
  }
}

void Sender::RecorderLoop() {
  while (true) {
    std::vector<Outcome> batch;
    bool done;
    {
      std::unique_lock<std::mutex> lock(results_mu_);
      results_cv_.wait_for(lock, std::chrono::milliseconds(options_.record_interval_ms),
                           [&] { return results_.size() >= kRecordBatch || recorder_stop_; });
      batch.swap(results_);
      done = recorder_stop_;
    }
    bool recorded = !batch.empty();
    Record(std::move(batch));
    // Room to claim more: outcomes of rows that freed their numbers.
    if (recorded) Wake();
    if (done) {
      std::lock_guard<std::mutex> lock(results_mu_);
      if (results_.empty()) return;
    }
  }
}

void Sender::MaintenanceLoop() {
  int64_t next_reconcile = 0;
  while (!stopping_) {
    int64_t now = Now();
    if (now >= next_reconcile) {
      ReconcileStale();
      next_reconcile = now + std::max(100, std::min(options_.reconcile_after_ms / 2, 1000));
    }
    if (now >= next_poll_pass_ms_) {
      // Pages of 100 until the pass has seen every message awaiting its final status.
      while (!stopping_ && PollStatusesOnce() > 0) {
      }
      next_poll_pass_ms_ = now + std::clamp<int64_t>(options_.status_poll_after_ms / 4, 200, 60000);
    }
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(100), [&] { return stopping_.load(); });
  }
}

}  // namespace sfn::connector
