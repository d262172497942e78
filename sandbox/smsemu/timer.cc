#include "sandbox/smsemu/timer.h"

#include <chrono>

namespace sfn::smsemu {

namespace {
int64_t SteadyNowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}
}  // namespace

Timer::Timer() : thread_([this] { Loop(); }) {}

Timer::~Timer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Timer::RunAfter(int64_t delay_ms, std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    tasks_.emplace(SteadyNowMs() + delay_ms, std::move(task));
  }
  cv_.notify_all();
}

void Timer::CancelAll() {
  std::lock_guard<std::mutex> lock(mu_);
  tasks_.clear();
}

void Timer::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    if (tasks_.empty()) {
      cv_.wait(lock);
      continue;
    }
    int64_t due = tasks_.begin()->first;
    int64_t now = SteadyNowMs();
    if (due > now) {
      cv_.wait_for(lock, std::chrono::milliseconds(due - now));
      continue;
    }
    auto task = std::move(tasks_.begin()->second);
    tasks_.erase(tasks_.begin());
    lock.unlock();
    task();
    lock.lock();
  }
}

}  // namespace sfn::smsemu
