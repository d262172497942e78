#include "sandbox/smsemu/emulator.h"

#include "common/time_util.h"

namespace sfn::smsemu {

Emulator::Emulator(EmulatorOptions options, Seed seed)
    : options_(std::move(options)),
      seed_(std::move(seed)),
      limiter_(options_.segments_per_second),
      callback_sender_(options_.auth_token, std::chrono::milliseconds(options_.webhook_timeout_ms)),
      inbound_sender_(options_.auth_token, std::chrono::milliseconds(options_.webhook_timeout_ms)),
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
  std::vector<http::Responder> held;
  {
    std::lock_guard<std::mutex> lock(mu_);
    held.swap(held_);
  }
  for (auto& responder : held) {
    responder.Send(TwilioError(504, 20500, "Gateway timeout after the message was accepted"));
  }
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
