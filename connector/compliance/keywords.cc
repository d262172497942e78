#include "connector/compliance/keywords.h"

#include <cctype>
#include <string>

namespace sfn::connector {

namespace {
// Upper-cased letters and digits only; spaces, hyphens and punctuation dropped
// ("Opt-Out!" → "OPTOUT", " stop. " → "STOP").
std::string Normalize(std::string_view body) {
  std::string out;
  for (unsigned char c : body) {
    if (std::isalnum(c)) out.push_back(static_cast<char>(std::toupper(c)));
    else if (!std::isspace(c) && !std::ispunct(c)) out.push_back(static_cast<char>(c));  // non-ASCII: keep
  }
  return out;
}

// True when the words of `body` (letters only) are exactly one word, or "opt out".
bool SingleWord(std::string_view body) {
  int words = 0;
  bool in_word = false;
  for (unsigned char c : body) {
    bool letter = std::isalnum(c) || c >= 0x80;
    if (letter && !in_word) ++words;
    in_word = letter;
  }
  return words == 1;
}
}  // namespace

ReplyKind ClassifyReply(std::string_view body) {
  std::string word = Normalize(body);
  if (word == "OPTOUT") return ReplyKind::kStop;  // "opt out", "opt-out", "OPTOUT"
  if (!SingleWord(body)) return ReplyKind::kOther;
  for (const char* k : {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}) {
    if (word == k) return ReplyKind::kStop;
  }
  for (const char* k : {"START", "UNSTOP", "YES"}) {
    if (word == k) return ReplyKind::kStart;
  }
  for (const char* k : {"HELP", "INFO"}) {
    if (word == k) return ReplyKind::kHelp;
  }
  return ReplyKind::kOther;
}

const char* ReplyKindName(ReplyKind kind) {
  switch (kind) {
    case ReplyKind::kStop: return "stop";
    case ReplyKind::kStart: return "start";
    case ReplyKind::kHelp: return "help";
    case ReplyKind::kOther: return "reply";
  }
  return "reply";
}

}  // namespace sfn::connector
