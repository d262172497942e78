#include "sandbox/smsemu/stop_list.h"

#include <algorithm>
#include <cctype>

namespace sfn::smsemu {

Keyword ClassifyKeyword(std::string_view body) {
  std::string word;
  for (char c : body)
    word.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  auto is_trim = [](char c) {
    return std::isspace(static_cast<unsigned char>(c)) || c == '.' || c == '!' || c == '?';
  };
  while (!word.empty() && is_trim(word.back())) word.pop_back();
  size_t start = 0;
  while (start < word.size() && std::isspace(static_cast<unsigned char>(word[start]))) ++start;
  word.erase(0, start);
  static const char* kStop[] = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL",
                                "END",  "QUIT",    "REVOKE",      "OPTOUT"};
  static const char* kStart[] = {"START", "UNSTOP", "YES"};
  static const char* kHelp[] = {"HELP", "INFO"};
  for (const char* k : kStop) {
    if (word == k) return Keyword::kStop;
  }
  for (const char* k : kStart) {
    if (word == k) return Keyword::kStart;
  }
  for (const char* k : kHelp) {
    if (word == k) return Keyword::kHelp;
  }
  return Keyword::kNone;
}

const char* KeywordName(Keyword keyword) {
  switch (keyword) {
    case Keyword::kStop:
      return "STOP";
    case Keyword::kStart:
      return "START";
    case Keyword::kHelp:
      return "HELP";
    case Keyword::kNone:
      break;
  }
  return "";
}

bool StopList::Add(const std::string& handset, const std::string& sender, int64_t now_s) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& e : entries_) {
    if (e.handset == handset && e.sender == sender) return false;
  }
  entries_.push_back({handset, sender, now_s});
  return true;
}

bool StopList::Remove(const std::string& handset, const std::string& sender) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = std::remove_if(entries_.begin(), entries_.end(), [&](const StopEntry& e) {
    return e.handset == handset && e.sender == sender;
  });
  bool removed = it != entries_.end();
  entries_.erase(it, entries_.end());
  return removed;
}

bool StopList::Blocks(const std::string& handset, const std::string& sender) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& e : entries_) {
    if (e.handset == handset && (e.sender == sender || e.sender == "*")) return true;
  }
  return false;
}

bool StopList::BlocksAnySender(const std::string& handset) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& e : entries_) {
    if (e.handset == handset) return true;
  }
  return false;
}

std::vector<StopEntry> StopList::Entries() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_;
}

void StopList::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.clear();
}

}  // namespace sfn::smsemu
