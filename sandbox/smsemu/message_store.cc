#include "sandbox/smsemu/message_store.h"

namespace sfn::smsemu {

void MessageStore::Add(Message message) {
  std::lock_guard<std::mutex> lock(mu_);
  messages_.push_back(std::move(message));
}

std::optional<Message> MessageStore::Get(const std::string& sid) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& m : messages_) {
    if (m.sid == sid) return m;
  }
  return std::nullopt;
}

bool MessageStore::Update(const std::string& sid, const std::function<void(Message&)>& change) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& m : messages_) {
    if (m.sid == sid) {
      change(m);
      return true;
    }
  }
  return false;
}

std::vector<Message> MessageStore::List(const MessageFilter& filter) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Message> out;
  for (const auto& m : messages_) {
    if (!filter.to.empty() && m.to != filter.to) continue;
    if (!filter.from.empty() && m.from != filter.from) continue;
    int64_t sent = m.date_sent_s.value_or(m.date_created_s);
    if (filter.sent_on_or_after_s && sent < *filter.sent_on_or_after_s) continue;
    if (filter.sent_before_s && sent >= *filter.sent_before_s) continue;
    out.push_back(m);
  }
  return out;
}

void MessageStore::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  messages_.clear();
}

}  // namespace sfn::smsemu
