// Posts signed webhooks the way Twilio does: a form-encoded POST to the URL
// exactly as configured, with X-Twilio-Signature over that URL (query
// included, fragment removed) and the sorted parameters, and an
// I-Twilio-Idempotency-Token header. Posts run on the sender's own thread, in
// the order they were queued, so request handlers never wait on a receiver.
//
// Retries follow Twilio's connection overrides in the URL fragment
// (connection_overrides.h): by default one retry, and only when the
// connection could not be made; an HTTP answer of any status (500 included)
// is final unless `rp` names its class. Retries go out at once, with the same
// body, signature and idempotency token, `retry_delay` after the failure
// (Twilio documents no delay; 0 by default), while the total time `tt` lasts.
// One HTTP client is kept per (receiver base URL, timeout). Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/form.h"
#include "common/http_client.h"
#include "common/work_queue.h"

namespace sfn::smsemu {

struct WebhookPost {
  std::string url;  // absolute http(s) URL; a "#..." fragment is not sent
  form::Params params;
  std::string idempotency_token;
};

// One HTTP attempt: the receiver's status, or 0 with `error` set when none came back.
struct WebhookAttempt {
  int number = 1;  // 1 = first try, 2 = first retry, ...
  int http_status = 0;
  std::string error;
  int64_t at_ms = 0;    // wall clock when the attempt finished
  std::string warning;  // ignored connection overrides (first attempt only)
};

// Called after every attempt, as it happens; `last` on the one that decides.
using WebhookDone = std::function<void(const WebhookAttempt& attempt, bool last)>;

class WebhookSender {
 public:
  explicit WebhookSender(std::string auth_token,
                         std::chrono::milliseconds retry_delay = std::chrono::milliseconds(0));
  ~WebhookSender();  // finishes queued posts first

  void Post(WebhookPost post, WebhookDone done);

 private:
  void Deliver(const WebhookPost& post, const WebhookDone& done);
  const http::Client& ClientFor(const std::string& base, std::chrono::milliseconds timeout);

  const std::string auth_token_;
  const std::chrono::milliseconds retry_delay_;
  std::mutex mu_;
  std::map<std::pair<std::string, int64_t>, std::unique_ptr<http::Client>> clients_;
  WorkQueue queue_{1};  // one thread keeps each message's callbacks in order; declared last
};

}  // namespace sfn::smsemu
