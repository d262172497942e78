// The log of every non-hook request sfemu served, read by tests through
// GET /__emulator/requests to count API calls. Thread-safe; keeps the most
// recent 200,000 entries.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace sfemu {

struct LoggedRequest {
  int64_t seq = 0;
  std::string method;
  std::string path;
  std::string query;
  int status = 0;
  bool api_call = false;  // counted against DailyApiRequests
  std::string user;       // User Id of the bearer token; empty when none
};

class RequestLog {
 public:
  void Add(LoggedRequest entry) {
    std::lock_guard<std::mutex> lock(mu_);
    entry.seq = ++last_seq_;
    entries_.push_back(std::move(entry));
    if (entries_.size() > kMaxEntries) entries_.pop_front();
  }
  // Entries with seq > since, oldest first; *last_seq is the newest seq handed out.
  std::vector<LoggedRequest> Since(int64_t since, int64_t* last_seq) const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<LoggedRequest> out;
    for (const auto& e : entries_) {
      if (e.seq > since) out.push_back(e);
    }
    *last_seq = last_seq_;
    return out;
  }
  // Forgets the entries; sequence numbers keep increasing.
  void Clear() {
    std::lock_guard<std::mutex> lock(mu_);
    entries_.clear();
  }

 private:
  static constexpr size_t kMaxEntries = 200000;
  mutable std::mutex mu_;
  std::deque<LoggedRequest> entries_;
  int64_t last_seq_ = 0;
};

}  // namespace sfemu
