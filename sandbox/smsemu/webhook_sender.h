// Posts signed webhooks the way Twilio does: a form-encoded POST to the URL
// exactly as configured, with X-Twilio-Signature over that URL (query
// included, fragment removed) and the sorted parameters, and an
// I-Twilio-Idempotency-Token header. Posts run on the sender's own thread, in
// the order they were queued, so request handlers never wait on a receiver.
// One HTTP client is kept per receiver base URL. Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "common/form.h"
#include "common/http_client.h"
#include "common/work_queue.h"

namespace sfn::smsemu {

struct WebhookPost {
  std::string url;  // absolute http(s) URL; a "#..." fragment is not sent
  form::Params params;
  std::string idempotency_token;
};

// `http_status` is the receiver's status, or 0 with `error` set when none came back.
using WebhookDone = std::function<void(int http_status, const std::string& error)>;

class WebhookSender {
 public:
  WebhookSender(std::string auth_token, std::chrono::milliseconds timeout);
  ~WebhookSender();  // finishes queued posts first

  void Post(WebhookPost post, WebhookDone done);

 private:
  void Deliver(const WebhookPost& post, const WebhookDone& done);
  const http::Client& ClientFor(const std::string& base);

  const std::string auth_token_;
  const std::chrono::milliseconds timeout_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<http::Client>> clients_;
  WorkQueue queue_{1};  // one thread keeps each message's callbacks in order; declared last
};

}  // namespace sfn::smsemu
