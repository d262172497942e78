// Turns the sender's one-message Send calls into bulk gateway calls. The
// sender sends from several threads at once, each blocking in Send for its own
// recipient (after claiming it in the store, so exactly-once is untouched);
// SendBatcher gathers the calls that arrive for the same sender (`from`, e.g.
// a Quiq contact point) within `linger_ms`, or until `max_batch` are waiting,
// makes one BulkSender call for all of them on the thread that arrived first,
// and hands each caller the outcome of its own message.
//
// The batch size is bounded by how many sender threads are blocked here, so
// the daemon runs as many sender threads as `max_batch`. Thread-safe.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "connector/send/transport.h"

namespace sfn::connector {

// A gateway that takes many messages of one sender in one call.
class BulkSender {
 public:
  virtual ~BulkSender() = default;
  // All messages share `from`. Returns exactly one outcome per message, in order.
  virtual std::vector<SendOutcome> SendBulk(const std::vector<OutboundMessage>& messages) = 0;
};

struct SendBatcherOptions {
  size_t max_batch = 50;  // messages per bulk call
  int linger_ms = 25;     // how long the first message waits for company
};

class SendBatcher {
 public:
  SendBatcher(SendBatcherOptions options, BulkSender& bulk);
  // Blocks until the bulk call holding `message` has answered.
  SendOutcome Send(const OutboundMessage& message);

 private:
  struct Batch;
  SendBatcherOptions options_;
  BulkSender& bulk_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Batch>>
      open_;  // by `from`: the batch still taking messages
};

}  // namespace sfn::connector
