#include "sandbox/smsemu/message_store.h"

namespace sfn::smsemu {

void MessageStore::Add(Message message) {
  std::lock_guard<std::mutex> lock(mu_);
  by_sid_[message.sid] = messages_.size();
  messages_.push_back(std::move(message));
}

std::optional<Message> MessageStore::Get(const std::string& sid) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_sid_.find(sid);
  if (it == by_sid_.end()) return std::nullopt;
  return messages_[it->second];
}

bool MessageStore::Update(const std::string& sid, const std::function<void(Message&)>& change) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_sid_.find(sid);
  if (it == by_sid_.end()) return false;
  change(messages_[it->second]);
  return true;
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
  by_sid_.clear();
}

}  // namespace sfn::smsemu
