// The gateway's own opt-out list, as Twilio's default opt-out handling keeps
// it: a (handset, sender) pair is blocked after the handset texts a STOP
// keyword to that sender and unblocked by a START keyword. Sends to a blocked
// pair fail with 21610. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace sfn::smsemu {

enum class Keyword { kNone, kStop, kStart, kHelp };

// Classifies an inbound body as Twilio's default handling does: the whole
// body, trimmed of whitespace and trailing punctuation, matched without case
// against STOP/STOPALL/UNSUBSCRIBE/CANCEL/END/QUIT/REVOKE/OPTOUT,
// START/UNSTOP/YES and HELP/INFO. "stop please" is not a keyword.
Keyword ClassifyKeyword(std::string_view body);
// "STOP", "START", "HELP" (the OptOutType value), or "" for kNone.
const char* KeywordName(Keyword keyword);

struct StopEntry {
  std::string handset;  // E.164 of the person who opted out
  std::string sender;   // the number they texted; "*" blocks every sender
  int64_t since_s = 0;
};

class StopList {
 public:
  // Returns true when the pair was not listed before.
  bool Add(const std::string& handset, const std::string& sender, int64_t now_s);
  // Returns true when the pair was listed.
  bool Remove(const std::string& handset, const std::string& sender);
  // A send from `sender` to `handset`: blocked by the pair or by a "*" entry.
  bool Blocks(const std::string& handset, const std::string& sender) const;
  // True when `handset` opted out of any sender (Messaging Service sends use
  // the whole number pool, so any opt-out from the pool blocks them).
  bool BlocksAnySender(const std::string& handset) const;
  std::vector<StopEntry> Entries() const;
  void Clear();

 private:
  mutable std::mutex mu_;
  std::vector<StopEntry> entries_;
};

}  // namespace sfn::smsemu
