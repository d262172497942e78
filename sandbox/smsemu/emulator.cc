#include "sandbox/smsemu/emulator.h"

#include <optional>

#include "common/time_util.h"

namespace sfn::smsemu {

Emulator::Emulator(EmulatorOptions options, Seed seed)
    : options_(std::move(options)),
      seed_(std::move(seed)),
      concurrency_(options_.max_concurrent),
      queues_(SenderQueueOptions{options_.segments_per_second,
                                 int64_t{options_.queue_limit_seconds} * 1000}),
      callback_sender_(options_.auth_token,
                       std::chrono::milliseconds(options_.callback_retry_delay_ms)),
      inbound_sender_(options_.auth_token,
                      std::chrono::milliseconds(options_.callback_retry_delay_ms)),
      lifecycle_(&store_, &callback_sender_, &timer_, options_.delivery_delay_ms) {
  ApplySeed();
}

Emulator::~Emulator() {
  ReleaseHeldRequests();
}

void Emulator::ApplySeed() {
  for (const auto& [number, rule] : seed_.carrier) carrier_.Set(number, rule);
  int64_t now = timeutil::NowSeconds();
  for (const auto& entry : seed_.stop_list) stop_list_.Add(entry.handset, entry.sender, now);
  lifecycle_.SetBehaviour(seed_.callbacks);
  std::lock_guard<std::mutex> lock(mu_);
  inbound_url_ = options_.inbound_url.empty() ? seed_.inbound_url : options_.inbound_url;
}

std::string Emulator::inbound_url() const {
  std::lock_guard<std::mutex> lock(mu_);
  return inbound_url_;
}

void Emulator::ReleaseHeldRequests() {
  std::map<int64_t, Held> held;
  {
    std::lock_guard<std::mutex> lock(mu_);
    held.swap(held_);
  }
  for (auto& [id, h] : held) {
    h.ticket.reset();
    h.responder.Send(TwilioError(504, 20500, "Gateway timeout after the message was accepted"));
  }
}

void Emulator::AnswerHeld(int64_t id) {
  std::optional<Held> held;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = held_.find(id);
    if (it == held_.end()) return;  // already released
    held = std::move(it->second);
    held_.erase(it);
  }
  held->ticket.reset();
  held->responder.Send(TwilioError(504, 20500, "Gateway timeout after the message was accepted"));
}

void Emulator::Handle(http::Request&& request, http::Responder responder) {
  std::vector<std::string> parts = http::SplitPath(request.path);
  if (parts.size() == 2 && parts[0] == "__emulator")
    return HandleHook(request, parts[1], responder);
  if (parts.size() >= 2 && parts[0] == "2010-04-01" && parts[1] == "Accounts") {
    return HandleApi(request, parts, responder);
  }
  responder.Send(
      TwilioError(404, 20404, "The requested resource " + request.path + " was not found"));
}

}  // namespace sfn::smsemu
