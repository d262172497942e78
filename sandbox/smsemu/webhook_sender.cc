#include "sandbox/smsemu/webhook_sender.h"

#include "common/twilio_signature.h"

namespace sfn::smsemu {

WebhookSender::WebhookSender(std::string auth_token, std::chrono::milliseconds timeout)
    : auth_token_(std::move(auth_token)), timeout_(timeout) {}

WebhookSender::~WebhookSender() = default;

void WebhookSender::Post(WebhookPost post, WebhookDone done) {
  queue_.Post([this, post = std::move(post), done = std::move(done)] { Deliver(post, done); });
}

const http::Client& WebhookSender::ClientFor(const std::string& base) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& client = clients_[base];
  if (!client) {
    http::ClientOptions options;
    options.timeout = timeout_;
    client = std::make_unique<http::Client>(base, options);
  }
  return *client;
}

void WebhookSender::Deliver(const WebhookPost& post, const WebhookDone& done) {
  std::string url = post.url.substr(0, post.url.find('#'));
  std::string base, target;
  Status split = http::SplitUrl(url, &base, &target);
  if (!split.ok()) {
    done(0, split.message());
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
  auto response = ClientFor(base).Send(request);
  if (!response.ok()) {
    done(0, response.status().message());
    return;
  }
  done(response->status, "");
}

}  // namespace sfn::smsemu
