#include "connector/send/batching_transport.h"

#include <chrono>

namespace sfn::connector {

struct SendBatcher::Batch {
  std::vector<OutboundMessage> messages;
  std::vector<SendOutcome> outcomes;
  bool closed = false;  // no more messages join
  bool done = false;    // outcomes are filled
  std::condition_variable full_cv;
  std::condition_variable done_cv;
};

SendBatcher::SendBatcher(SendBatcherOptions options, BulkSender& bulk)
    : options_(options), bulk_(bulk) {
  if (options_.max_batch == 0) options_.max_batch = 1;
}

SendOutcome SendBatcher::Send(const OutboundMessage& message) {
  std::unique_lock<std::mutex> lock(mu_);
  std::shared_ptr<Batch> batch;
  bool leader = false;
  auto it = open_.find(message.from);
  if (it == open_.end()) {
    batch = std::make_shared<Batch>();
    open_[message.from] = batch;
    leader = true;
  } else {
    batch = it->second;
  }
  size_t index = batch->messages.size();
  batch->messages.push_back(message);
  if (batch->messages.size() >= options_.max_batch) {
    batch->closed = true;
    open_.erase(message.from);
    batch->full_cv.notify_all();
  }

  if (leader) {
    batch->full_cv.wait_for(lock, std::chrono::milliseconds(options_.linger_ms),
                            [&] { return batch->closed; });
    if (!batch->closed) {
      batch->closed = true;
      open_.erase(message.from);
    }
    std::vector<OutboundMessage> messages = batch->messages;  // no one adds after closing
    lock.unlock();
    std::vector<SendOutcome> outcomes = bulk_.SendBulk(messages);
    if (outcomes.size() != messages.size()) {
      // A bulk sender that broke its contract: nobody can know what was sent.
      SendOutcome unknown;
      unknown.kind = SendOutcome::Kind::kUnknown;
      unknown.error_message = "bulk call returned " + std::to_string(outcomes.size()) +
                              " outcomes for " + std::to_string(messages.size()) + " messages";
      outcomes.assign(messages.size(), unknown);
    }
    lock.lock();
    batch->outcomes = std::move(outcomes);
    batch->done = true;
    batch->done_cv.notify_all();
    return batch->outcomes[index];
  }
  batch->done_cv.wait(lock, [&] { return batch->done; });
  return batch->outcomes[index];
}

}  // namespace sfn::connector
