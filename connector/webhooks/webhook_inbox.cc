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

void WebhookInbox::RegisterBatch(const std::string& source, WebhookBatchProcessor processor) {
  batch_processors_[source] = std::move(processor);
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

void WebhookInbox::Retry(const WebhookItem& item, const Status& error) {
  // Exponential backoff per item; the others go on.
  int shift = std::min(item.attempts, 20);
  int64_t delay =
      std::min<int64_t>(int64_t{options_.retry_initial_ms} << shift, options_.retry_max_ms);
  log::Warn("webhooks", item.source + " webhook " + std::to_string(item.id) +
                            " not processed yet (" + error.message() + "); retry in " +
                            std::to_string(delay) + " ms");
  store_.RetryWebhook(item.id, timeutil::NowMillis() + delay, error.message());
}

int WebhookInbox::RunOnce() {
  // Finished items are recorded together at the end of the pass (one transaction); a crash before
  // that only repeats their processing, which processors make harmless.
  std::vector<std::pair<int64_t, std::string>> finished;
  auto due = store_.DueWebhooks(timeutil::NowMillis(), options_.batch);
  for (size_t i = 0; i < due.size() && !stopping_;) {
    const WebhookItem& item = due[i];
    auto batch = batch_processors_.find(item.source);
    if (batch != batch_processors_.end()) {
      size_t end = i;
      while (end < due.size() && due[end].source == item.source) ++end;
      std::vector<WebhookItem> run(due.begin() + static_cast<std::ptrdiff_t>(i),
                                   due.begin() + static_cast<std::ptrdiff_t>(end));
      Status s = batch->second(run);
      for (const auto& r : run) {
        if (s.ok()) {
          finished.emplace_back(r.id, "done");
        } else {
          Retry(r, s);
        }
      }
      i = end;
      continue;
    }
    ++i;
    auto processor = processors_.find(item.source);
    Status s = processor == processors_.end()
                   ? Status::InvalidArgument("no processor for webhook source " + item.source)
                   : processor->second(item);
    if (s.ok()) {
      finished.emplace_back(item.id, "done");
    } else if (s.code() == StatusCode::kInvalidArgument) {
      log::Warn("webhooks",
                item.source + " webhook " + std::to_string(item.id) + " refused: " + s.message());
      finished.emplace_back(item.id, s.message());
    } else {
      Retry(item, s);
    }
  }
  if (!store_.FinishWebhooks(finished).ok()) return 0;  // processed again next pass
  return static_cast<int>(due.size() == options_.batch ? due.size() : finished.size());
}

void WebhookInbox::Loop() {
  while (!stopping_) {
    if (RunOnce() >= static_cast<int>(options_.batch)) continue;  // a full batch: more may wait
    std::unique_lock<std::mutex> lock(mu_);
    wake_.wait_for(lock, std::chrono::milliseconds(options_.poll_ms),
                   [this] { return woken_ || stopping_.load(); });
    woken_ = false;
  }
}

}  // namespace sfn::connector
