#include "common/delayed_handler.h"

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "common/work_queue.h"

namespace sfn::http {

namespace {

// Due requests in arrival order (equal latency keeps FIFO), one thread waiting for the next.
class Delayer {
 public:
  Delayer(Handler inner, DelayOptions options)
      : inner_(std::move(inner)),
        options_(std::move(options)),
        pool_(options_.threads),
        thread_([this] { Loop(); }) {}
  ~Delayer() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  void Handle(Request&& request, Responder responder) {
    if (options_.applies && !options_.applies(request)) {
      inner_(std::move(request), std::move(responder));
      return;
    }
    auto due = std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.latency_ms);
    bool first;
    {
      std::lock_guard<std::mutex> lock(mu_);
      first = due_.empty();
      due_.emplace(due, Pending{std::move(request), std::move(responder)});
    }
    if (first) cv_.notify_one();
  }

 private:
  struct Pending {
    Request request;
    Responder responder;
  };

  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
      if (due_.empty()) {
        cv_.wait(lock);
        continue;
      }
      auto now = std::chrono::steady_clock::now();
      if (due_.begin()->first > now) {
        cv_.wait_until(lock, due_.begin()->first);
        continue;
      }
      // Everything due now goes to the pool in one go.
      while (!due_.empty() && due_.begin()->first <= now) {
        auto pending = std::make_shared<Pending>(std::move(due_.begin()->second));
        due_.erase(due_.begin());
        pool_.Post([this, pending] { inner_(std::move(pending->request), pending->responder); });
      }
    }
  }

  Handler inner_;
  DelayOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::multimap<std::chrono::steady_clock::time_point, Pending> due_;
  bool stopping_ = false;
  WorkQueue pool_;
  std::thread thread_;
};

}  // namespace

Handler WithLatency(Handler inner, DelayOptions options) {
  if (options.latency_ms <= 0) return inner;
  auto delayer = std::make_shared<Delayer>(std::move(inner), std::move(options));
  return [delayer](Request&& request, Responder responder) {
    delayer->Handle(std::move(request), std::move(responder));
  };
}

bool IsApiPath(const Request& request) {
  return request.path.rfind("/__emulator/", 0) != 0;
}

}  // namespace sfn::http
