#include "connector/engine/engine.h"

#include <algorithm>
#include <chrono>
#include <optional>

#include "common/log.h"
#include "common/time_util.h"
#include "connector/writeback/task_writer.h"

namespace sfn::connector {

Engine::Engine(EngineOptions options, Store& store, Transport& transport, Resolver& resolver,
               TaskWriter* task_writer)
    : options_(std::move(options)),
      store_(store),
      transport_(transport),
      resolver_(resolver),
      task_writer_(task_writer),
      clock_(options_.sender.clock ? options_.sender.clock : std::make_shared<SystemClock>()),
      sender_(options_.sender, store, transport) {}

Engine::~Engine() { Stop(); }

Preflight Engine::Summarize(const std::string& contact_point, const std::vector<RecipientPlan>& plans) const {
  Preflight p;
  p.total = static_cast<int>(plans.size());
  for (const auto& plan : plans) {
    switch (plan.state) {
      case RecipientState::kSuppressed:
        p.suppressed++;
        p.suppressed_by_reason[plan.reason]++;
        continue;
      case RecipientState::kDeferred:
        p.deferred++;
        break;
      default:
        p.to_send++;
        break;
    }
    p.segments += plan.segments;
  }
  auto price = options_.price_per_segment.find(contact_point);
  if (price != options_.price_per_segment.end()) p.estimated_cost = p.segments * price->second;
  return p;
}

Result<SubmitOutcome> Engine::ResolveAndSave(const std::string& notification_id,
                                             const NotificationRequest& request) {
  {
    std::unique_lock<std::mutex> lock(claims_mu_);
    claims_cv_.wait(lock, [&] { return resolving_.count(notification_id) == 0; });
    resolving_.insert(notification_id);
  }
  auto out = ResolveClaimed(notification_id, request);
  ReleaseClaim(notification_id);
  return out;
}

void Engine::ReleaseClaim(const std::string& notification_id) {
  {
    std::lock_guard<std::mutex> lock(claims_mu_);
    resolving_.erase(notification_id);
  }
  claims_cv_.notify_all();
}

Result<SubmitOutcome> Engine::ResolveClaimed(const std::string& notification_id,
                                             const NotificationRequest& request) {
  auto current = store_.GetNotification(notification_id);
  if (!current.ok()) return current.status();
  SubmitOutcome out;
  out.notification_id = notification_id;
  if (current->status != NotificationStatus::kReceived) {
    // Already resolved (a redelivery raced with us, or recovery did it).
    out.status = current->status;
    out.refusal_reason = current->refusal_reason;
    // From an aggregate: a large audience is never loaded row by row just to be counted.
    for (const auto& c : store_.CountByState(notification_id)) {
      out.preflight.total += c.count;
      if (c.state == RecipientState::kSuppressed) {
        out.preflight.suppressed += c.count;
        out.preflight.suppressed_by_reason[c.reason] += c.count;
        continue;
      }
      if (c.state == RecipientState::kDeferred) out.preflight.deferred += c.count;
      else out.preflight.to_send += c.count;
      out.preflight.segments += c.segments;
    }
    auto price = options_.price_per_segment.find(request.contact_point);
    if (price != options_.price_per_segment.end()) out.preflight.estimated_cost = out.preflight.segments * price->second;
    return out;
  }
  auto resolution = resolver_.Resolve(request, clock_->NowMillis());
  if (!resolution.ok()) return resolution.status();
  if (!resolution->requester_name.empty()) {
    Status named = store_.SetRequesterName(notification_id, resolution->requester_name);
    if (!named.ok()) return named;
  }
  if (resolution->refused) {
    Status s = store_.Refuse(notification_id, resolution->refusal_reason + ": " + resolution->refusal_detail);
    if (!s.ok()) return s;
    out.status = NotificationStatus::kRefused;
    out.refusal_reason = resolution->refusal_reason;
    out.refusal_detail = resolution->refusal_detail;
    return out;
  }
  Status s = store_.SaveRecipients(notification_id, resolution->plans);
  if (!s.ok()) return s;
  out.status = store_.GetNotification(notification_id)->status;
  out.preflight = Summarize(request.contact_point, resolution->plans);
  sender_.Wake();
  return out;
}

Result<SubmitOutcome> Engine::Submit(const NotificationRequest& request, bool dry_run) {
  if (dry_run) {
    auto resolution = resolver_.Resolve(request, clock_->NowMillis());
    if (!resolution.ok()) return resolution.status();
    SubmitOutcome out;
    if (resolution->refused) {
      out.status = NotificationStatus::kRefused;
      out.refusal_reason = resolution->refusal_reason;
      out.refusal_detail = resolution->refusal_detail;
    }
    out.preflight = Summarize(request.contact_point, resolution->plans);
    return out;
  }
  auto intake = store_.Intake(request);
  if (!intake.ok()) return intake.status();
  auto outcome = ResolveAndSave(intake->notification_id, request);
  if (!outcome.ok()) return outcome.status();
  outcome->created = intake->created;
  return outcome;
}

void Engine::Start() {
  stopping_ = false;
  // No attempt can be under way yet: whatever is in `sending` lost its answer in a crash.
  sender_.ReconcileAll();
  sender_.Start();
  if (task_writer_) task_writer_->Start();
  for (int i = 0; i < std::max(1, options_.resolve_workers); ++i) {
    resolvers_.emplace_back([this] { ResolverLoop(); });
  }
}

void Engine::Stop() {
  {
    std::lock_guard<std::mutex> lock(claims_mu_);
    stopping_ = true;
  }
  wake_cv_.notify_all();
  for (auto& t : resolvers_) t.join();
  resolvers_.clear();
  sender_.Stop();
  if (task_writer_) task_writer_->Stop();
}

void Engine::Wake() {
  {
    std::lock_guard<std::mutex> lock(claims_mu_);
    ++wakes_;
  }
  wake_cv_.notify_all();
}

void Engine::ResolverLoop() {
  while (!stopping_) {
    uint64_t seen_wakes;
    {
      std::lock_guard<std::mutex> lock(claims_mu_);
      seen_wakes = wakes_;
    }
    // The oldest received notifications not being resolved and not backing off; ones in
    // backoff are skipped, so one failing request never holds up the rest.
    size_t skip;
    {
      std::lock_guard<std::mutex> lock(claims_mu_);
      skip = resolving_.size() + retry_.size();
    }
    auto candidates = store_.NotificationsInStatus(NotificationStatus::kReceived, 20 + skip);
    std::optional<NotificationRow> chosen;
    int64_t now = timeutil::NowMillis();
    int64_t next_retry = 0;
    {
      std::lock_guard<std::mutex> lock(claims_mu_);
      if (candidates.size() < 20 + skip) {
        // Every received notification is in the list: forget backoffs of those resolved elsewhere.
        std::set<std::string> received;
        for (const auto& n : candidates) received.insert(n.id);
        for (auto it = retry_.begin(); it != retry_.end();) {
          it = received.count(it->first) ? std::next(it) : retry_.erase(it);
        }
      }
      for (auto& n : candidates) {
        if (resolving_.count(n.id)) continue;
        auto retry = retry_.find(n.id);
        if (retry != retry_.end() && retry->second.next_ms > now) {
          if (next_retry == 0 || retry->second.next_ms < next_retry)
            next_retry = retry->second.next_ms;
          continue;
        }
        resolving_.insert(n.id);
        chosen = std::move(n);
        break;
      }
    }
    if (chosen) {
      auto r = ResolveClaimed(chosen->id, chosen->request);
      {
        std::lock_guard<std::mutex> lock(claims_mu_);
        if (r.ok()) {
          retry_.erase(chosen->id);
        } else {
          Retry& retry = retry_[chosen->id];
          retry.failures++;
          int64_t delay =
              std::min<int64_t>(options_.retry_max_ms, 1000LL << std::min(retry.failures - 1, 16));
          retry.next_ms = timeutil::NowMillis() + delay;
        }
      }
      ReleaseClaim(chosen->id);
      if (!r.ok()) {
        log::Warn("engine",
                  "notification " + chosen->id +
                      " still unresolved (retried with backoff): " + r.status().message());
      }
      continue;
    }
    // Nothing to do now: sleep until woken, the next retry is due, or the recovery interval passed.
    int64_t wait_ms = options_.recovery_interval_ms;
    if (next_retry > 0)
      wait_ms = std::max<int64_t>(10, std::min<int64_t>(wait_ms, next_retry - now));
    std::unique_lock<std::mutex> lock(claims_mu_);
    wake_cv_.wait_for(lock, std::chrono::milliseconds(wait_ms),
                      [&] { return stopping_.load() || wakes_ != seen_wakes; });
  }
}

}  // namespace sfn::connector
