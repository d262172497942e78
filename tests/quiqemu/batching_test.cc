// SendBatcher: concurrent Send calls for one sender become one bulk call, and
// each caller gets the outcome of its own message.
#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <thread>

#include "connector/send/batching_transport.h"

using namespace sfn::connector;

namespace {
class RecordingBulk : public BulkSender {
 public:
  std::vector<SendOutcome> SendBulk(const std::vector<OutboundMessage>& messages) override {
    std::lock_guard<std::mutex> lock(mu);
    calls.push_back(messages.size());
    for (const auto& m : messages) CHECK(m.from == messages.front().from);
    std::vector<SendOutcome> out;
    if (broken) return out;
    for (const auto& m : messages) {
      SendOutcome o;
      o.kind = SendOutcome::Kind::kAccepted;
      o.sid = "sid-" + m.key;
      out.push_back(o);
    }
    return out;
  }
  std::mutex mu;
  std::vector<size_t> calls;
  bool broken = false;
};

std::vector<SendOutcome> SendConcurrently(SendBatcher& batcher, int n,
                                          const std::string& from_prefix, int senders) {
  std::vector<SendOutcome> outcomes(n);
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      OutboundMessage m;
      m.from = from_prefix + std::to_string(i % senders);
      m.key = "k" + std::to_string(i);
      outcomes[i] = batcher.Send(m);
    });
  }
  for (auto& t : threads) t.join();
  return outcomes;
}
}  // namespace

TEST_CASE(
    "batcher: concurrent sends share bulk calls of at most max_batch, each with its own outcome",
    "[quiq][unit]") {
  RecordingBulk bulk;
  SendBatcher batcher({10, 200}, bulk);
  auto outcomes = SendConcurrently(batcher, 40, "cp", 1);
  for (int i = 0; i < 40; ++i) CHECK(outcomes[i].sid == "sid-k" + std::to_string(i));
  size_t total = 0;
  for (size_t c : bulk.calls) {
    CHECK(c <= 10);
    total += c;
  }
  CHECK(total == 40);
  CHECK(bulk.calls.size() < 40);  // batched, not one call per message
}

TEST_CASE("batcher: messages of different senders never share a call", "[quiq][unit]") {
  RecordingBulk bulk;  // checks every call has one `from`
  SendBatcher batcher({50, 50}, bulk);
  auto outcomes = SendConcurrently(batcher, 30, "cp-", 3);
  for (int i = 0; i < 30; ++i) CHECK(outcomes[i].sid == "sid-k" + std::to_string(i));
  CHECK(bulk.calls.size() >= 3);
}

TEST_CASE("batcher: a lone message goes out after the linger time, a broken bulk answer is unknown",
          "[quiq][unit]") {
  RecordingBulk bulk;
  SendBatcher batcher({50, 5}, bulk);
  OutboundMessage m;
  m.from = "cp";
  m.key = "solo";
  CHECK(batcher.Send(m).sid == "sid-solo");
  bulk.broken = true;
  CHECK(batcher.Send(m).kind == SendOutcome::Kind::kUnknown);
}
