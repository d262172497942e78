#include "sandbox/smsemu/webhook_sender.h"

#include <algorithm>
#include <thread>

#include "common/time_util.h"
#include "common/twilio_signature.h"
#include "sandbox/smsemu/connection_overrides.h"

namespace sfn::smsemu {

WebhookSender::WebhookSender(std::string auth_token, std::chrono::milliseconds retry_delay)
    : auth_token_(std::move(auth_token)), retry_delay_(retry_delay) {}

WebhookSender::~WebhookSender() = default;

void WebhookSender::Post(WebhookPost post, WebhookDone done) {
  queue_.Post([this, post = std::move(post), done = std::move(done)] { Deliver(post, done); });
}

const http::Client& WebhookSender::ClientFor(const std::string& base,
                                             std::chrono::milliseconds timeout) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& client = clients_[{base, timeout.count()}];
  if (!client) {
    http::ClientOptions options;
    options.timeout = timeout;
    client = std::make_unique<http::Client>(base, options);
  }
  return *client;
}

void WebhookSender::Deliver(const WebhookPost& post, const WebhookDone& done) {
  ConnectionOverrides overrides = ParseConnectionOverrides(post.url);
  std::string warning;
  for (const auto& problem : overrides.problems) warning += (warning.empty() ? "" : "; ") + problem;
  std::string url = post.url.substr(0, post.url.find('#'));
  std::string base, target;
  Status split = http::SplitUrl(url, &base, &target);
  if (!split.ok()) {
    done({1, 0, split.message(), timeutil::NowMillis(), warning}, true);
    return;
  }
  http::Request request;
  request.method = "POST";
  http::SplitTarget(target.empty() ? "/" : target, &request.path, &request.query);
  if (request.path.empty()) request.path = "/";
  request.body = form::Serialize(post.params);
  request.headers.Set("Content-Type", "application/x-www-form-urlencoded");
  request.headers.Set("X-Twilio-Signature",
                      twilio::ComputeSignature(auth_token_, url, post.params));
  request.headers.Set("I-Twilio-Idempotency-Token", post.idempotency_token);
  request.headers.Set("User-Agent", "TwilioProxy/1.1 (smsemu)");

  // The client has one timeout for the whole request: each attempt gets the
  // read timeout, cut to what is left of the total time.
  const int64_t started = timeutil::NowMillis();
  for (int attempt = 0;; ++attempt) {
    int64_t left = overrides.total_time_ms - (timeutil::NowMillis() - started);
    auto timeout = std::chrono::milliseconds(
        std::max<int64_t>(1, std::min<int64_t>(overrides.read_timeout_ms, left)));
    auto response = ClientFor(base, timeout).Send(request);
    WebhookAttempt result;
    result.number = attempt + 1;
    result.at_ms = timeutil::NowMillis();
    if (attempt == 0) result.warning = warning;
    FailureClass failure;
    bool failed = true;
    if (!response.ok()) {
      result.error = response.status().message();
      failure = response.status().code() == StatusCode::kUnavailable ? FailureClass::kConnect
                                                                     : FailureClass::kRead;
    } else {
      result.http_status = response->status;
      failed = response->status >= 400;
      failure = response->status >= 500 ? FailureClass::kHttp5xx : FailureClass::kHttp4xx;
    }
    int64_t retry_at = result.at_ms + retry_delay_.count();
    bool last = !failed || attempt >= overrides.retry_count || !overrides.Retries(failure) ||
                retry_at - started >= overrides.total_time_ms;
    done(result, last);
    if (last) return;
    if (retry_delay_.count() > 0) std::this_thread::sleep_for(retry_delay_);
  }
}

}  // namespace sfn::smsemu
