#include "connector/webhooks/webhook_inbox.h"

#include <algorithm>
#include <chrono>

#include "common/log.h"
#include "common/time_util.h"

namespace sfn::connector {

WebhookInbox::WebhookInbox(WebhookInboxOptions options, Store& store)
    : options_(options), store_(store) {}

WebhookInbox::~WebhookInbox() {
  Stop();
}

void WebhookInbox::Register(const std::string& source, WebhookProcessor processor) {
  processors_[source] = std::move(processor);
}

Result<bool> WebhookInbox::Accept(const std::string& source, const std::string& key,
                                  const std::string& payload) {
  WebhookItem item;
  item.source = source;
  item.key = key;
  item.payload = payload;
  item.received_ms = timeutil::NowMillis();
  auto added = store_.EnqueueWebhook(item);
  if (added.ok() && *added) {
    std::lock_guard<std::mutex> lock(mu_);
    woken_ = true;
    wake_.notify_one();
  }
  return added;
}

void WebhookInbox::Start() {
  stopping_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void WebhookInbox::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

int WebhookInbox::RunOnce() {
  int finished = 0;
  for (const auto& item : store_.DueWebhooks(timeutil::NowMillis(), options_.batch)) {
    if (stopping_) break;
    auto processor = processors_.find(item.source);
    Status s = processor == processors_.end()
                   ? Status::InvalidArgument("no processor for webhook source " + item.source)
                   : processor->second(item);
    if (s.ok()) {
      if (store_.FinishWebhook(item.id, "done").ok()) ++finished;
      continue;
    }
    if (s.code() == StatusCode::kInvalidArgument) {
      log::Warn("webhooks",
                item.source + " webhook " + std::to_string(item.id) + " refused: " + s.message());
      if (store_.FinishWebhook(item.id, s.message()).ok()) ++finished;
      continue;
    }
    // Exponential backoff per item; the others go on.
    int shift = std::min(item.attempts, 20);
    int64_t delay =
        std::min<int64_t>(int64_t{options_.retry_initial_ms} << shift, options_.retry_max_ms);
    log::Warn("webhooks", item.source + " webhook " + std::to_string(item.id) +
                              " not processed yet (" + s.message() + "); retry in " +
                              std::to_string(delay) + " ms");
    store_.RetryWebhook(item.id, timeutil::NowMillis() + delay, s.message());
  }
  return finished;
}

void WebhookInbox::Loop() {
  while (!stopping_) {
    if (RunOnce() >= static_cast<int>(options_.batch)) continue;  // more are waiting
    std::unique_lock<std::mutex> lock(mu_);
    wake_.wait_for(lock, std::chrono::milliseconds(options_.poll_ms),
                   [this] { return woken_ || stopping_.load(); });
    woken_ = false;
  }
}

}  // namespace sfn::connector
