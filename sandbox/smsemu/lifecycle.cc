#include "sandbox/smsemu/lifecycle.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "common/crypto.h"
#include "common/time_util.h"

namespace sfn::smsemu {

namespace {

bool IsTerminal(const std::string& status) {
  return status == "delivered" || status == "undelivered" || status == "failed";
}

std::string FormatPrice(int segments, const std::string& status) {
  // Carrier-rejected (undelivered) messages are still billed; failed ones never left Twilio.
  double price = status == "failed" ? 0.0 : -kPricePerSegment * segments;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.5f", price);
  return buf;
}

// "YYMMDDhhmm" in UTC, as carriers report RawDlrDoneDate.
std::string RawDlrDoneDate(int64_t epoch_s) {
  std::time_t t = static_cast<std::time_t>(epoch_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%02d%02d%02d%02d%02d", tm.tm_year % 100, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min);
  return buf;
}

}  // namespace

DeliveryLifecycle::DeliveryLifecycle(MessageStore* store, WebhookSender* sender, Timer* timer,
                                     int step_delay_ms)
    : store_(store), sender_(sender), timer_(timer), step_delay_ms_(step_delay_ms) {}

void DeliveryLifecycle::SetBehaviour(CallbackBehaviour behaviour) {
  std::lock_guard<std::mutex> lock(mu_);
  behaviour_ = std::move(behaviour);
}

CallbackBehaviour DeliveryLifecycle::behaviour() const {
  std::lock_guard<std::mutex> lock(mu_);
  return behaviour_;
}

void DeliveryLifecycle::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  held_.clear();
}

void DeliveryLifecycle::Start(const std::string& sid, const CarrierRule& rule,
                              const QueueSlot& slot, int64_t queue_limit_ms) {
  auto message = store_->Get(sid);
  if (!message) return;
  const int64_t d = step_delay_ms_;
  std::vector<Stage> stages;
  if (message->status == "accepted") stages.push_back({"queued", d});
  if (slot.expires) {
    // It never leaves the queue: failed with 30001 once it has waited the limit.
    int64_t waited = stages.empty() ? 0 : d;
    stages.push_back({"failed", std::max<int64_t>(0, queue_limit_ms - waited)});
    CarrierRule overflow;
    overflow.outcome = "failed";
    overflow.error_code = 30001;
    return Schedule(sid, std::move(stages), 0, overflow);
  }
  stages.push_back({"sending", d + slot.wait_ms});
  if (rule.outcome == "failed") {
    stages.push_back({"failed", d});
  } else {
    stages.push_back({"sent", d});
    stages.push_back({rule.outcome, d});
  }
  Schedule(sid, std::move(stages), 0, rule);
}

void DeliveryLifecycle::Schedule(const std::string& sid, std::vector<Stage> stages, size_t index,
                                 CarrierRule rule) {
  int64_t delay = stages[index].delay_ms;
  timer_->RunAfter(delay, [this, sid, stages = std::move(stages), index, rule]() mutable {
    Step(sid, std::move(stages), index, rule);
  });
}

void DeliveryLifecycle::Step(const std::string& sid, std::vector<Stage> stages, size_t index,
                             CarrierRule rule) {
  const std::string status = stages[index].status;
  bool terminal = IsTerminal(status);
  bool advanced = false;
  Message snapshot;
  store_->Update(sid, [&](Message& m) {
    if (m.status == "canceled" || IsTerminal(m.status)) return;
    int64_t now = timeutil::NowSeconds();
    m.status = status;
    m.date_updated_s = now;
    if (status == "sending") m.dequeued_at_ms = timeutil::NowMillis();
    if (status == "sent" || (status == "failed" && !m.date_sent_s && rule.error_code != 30001)) {
      m.date_sent_s = now;
    }
    if (terminal) {
      m.price = FormatPrice(m.num_segments, status);
      if (rule.error_code != 0) {
        m.error_code = rule.error_code;
        m.error_message = TwilioErrorMessage(rule.error_code);
      }
    }
    advanced = true;
    snapshot = m;
  });
  if (!advanced) return;
  if (!snapshot.status_callback.empty()) EmitCallback(snapshot, terminal);
  if (index + 1 < stages.size()) Schedule(sid, std::move(stages), index + 1, rule);
}

void DeliveryLifecycle::EmitCallback(const Message& m, bool terminal) {
  WebhookPost post;
  post.url = m.status_callback;
  post.idempotency_token = crypto::RandomHex(16);
  post.params = {{"MessageSid", m.sid},         {"SmsSid", m.sid},
                 {"MessageStatus", m.status},   {"SmsStatus", m.status},
                 {"AccountSid", m.account_sid}, {"To", m.to},
                 {"ApiVersion", "2010-04-01"}};
  if (!m.from.empty()) post.params.emplace_back("From", m.from);
  if (!m.messaging_service_sid.empty())
    post.params.emplace_back("MessagingServiceSid", m.messaging_service_sid);
  if (m.error_code) post.params.emplace_back("ErrorCode", std::to_string(*m.error_code));
  if (m.status == "delivered" || m.status == "undelivered") {
    post.params.emplace_back("RawDlrDoneDate", RawDlrDoneDate(m.date_updated_s));
  }

  std::vector<std::pair<std::string, WebhookPost>> release;
  bool duplicate;
  {
    std::lock_guard<std::mutex> lock(mu_);
    duplicate = behaviour_.duplicate;
    if (behaviour_.drop_statuses.count(m.status)) {
      store_->Update(m.sid, [&](Message& stored) {
        CallbackAttempt dropped;
        dropped.status = m.status;
        dropped.url = post.url;
        dropped.idempotency_token = post.idempotency_token;
        dropped.dropped = true;
        dropped.error = "dropped by emulator";
        dropped.at_ms = timeutil::NowMillis();
        stored.callbacks.push_back(dropped);
      });
      if (!terminal) return;
    } else if (behaviour_.reorder && !terminal) {
      held_[m.sid].emplace_back(m.status, std::move(post));
      return;
    } else {
      release.emplace_back(m.status, std::move(post));
    }
    if (terminal) {
      auto it = held_.find(m.sid);
      if (it != held_.end()) {
        release.insert(release.end(), it->second.rbegin(), it->second.rend());
        held_.erase(it);
      }
    }
  }
  for (const auto& [status, p] : release) {
    Send(m.sid, status, p, false);
    if (duplicate) Send(m.sid, status, p, true);
  }
}

void DeliveryLifecycle::Send(const std::string& sid, const std::string& status,
                             const WebhookPost& post, bool duplicate) {
  MessageStore* store = store_;
  sender_->Post(post, [store, sid, status, url = post.url, token = post.idempotency_token,
                       duplicate](const WebhookAttempt& result, bool) {
    store->Update(sid, [&](Message& m) {
      CallbackAttempt attempt;
      attempt.status = status;
      attempt.url = url;
      attempt.idempotency_token = token;
      attempt.http_status = result.http_status;
      attempt.error = result.error;
      attempt.warning = result.warning;
      attempt.attempt = result.number;
      attempt.duplicate = duplicate;
      attempt.at_ms = result.at_ms;
      m.callbacks.push_back(attempt);
    });
  });
}

}  // namespace sfn::smsemu
