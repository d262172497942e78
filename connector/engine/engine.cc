#include "connector/engine/engine.h"

#include <chrono>

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
  std::lock_guard<std::mutex> lock(resolve_mu_);
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
  recovery_ = std::thread([this] { RecoveryLoop(); });
}

void Engine::Stop() {
  stopping_ = true;
  if (recovery_.joinable()) recovery_.join();
  sender_.Stop();
  if (task_writer_) task_writer_->Stop();
}

void Engine::RecoveryLoop() {
  while (!stopping_) {
    for (const auto& n : store_.NotificationsInStatus(NotificationStatus::kReceived, 20)) {
      if (stopping_) return;
      auto r = ResolveAndSave(n.id, n.request);
      if (!r.ok()) {
        log::Warn("engine", "notification " + n.id + " still unresolved: " + r.status().message());
        break;  // Salesforce is unhappy; wait before the next try
      }
    }
    for (int waited = 0; waited < options_.recovery_interval_ms && !stopping_; waited += 50) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

}  // namespace sfn::connector
