// One background thread that runs tasks at a due time (the delivery
// lifecycle's steps, delayed answers). Tasks run one at a time, in due order;
// they must be short and never block on the network. The destructor drops
// tasks that are not due yet and joins the thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace sfn::smsemu {

class Timer {
 public:
  Timer();
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  void RunAfter(int64_t delay_ms, std::function<void()> task);
  // Drops every task not yet run (used by the reset hook).
  void CancelAll();

 private:
  void Loop();
  std::mutex mu_;
  std::condition_variable cv_;
  std::multimap<int64_t, std::function<void()>> tasks_;  // steady-clock ms -> task
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace sfn::smsemu
