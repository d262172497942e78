// What an inbound SMS asks for.
//
// Opt-out (FCC 24-18 revocation rule, April 2025: any reasonable request to
// stop counts): the whole message is one of `opt_out_keywords` ("STOP",
// "opt-out!", "Stop please"), or it contains one of `opt_out_phrases` as whole
// words ("please stop texting me", "can you remove me from the list"). START
// and HELP stay strict, the whole message being one word (START UNSTOP YES,
// HELP INFO), as Twilio's default handling does, so "yes please, 3pm works"
// is a reply. An opt-out wins over everything else (the safe side).
//
// Matching ignores case, spacing and punctuation: ASCII letters are folded,
// apostrophes (' ‘ ’) are dropped ("don’t" → "dont"), every other ASCII
// non-alphanumeric separates words; other characters are kept as letters.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "connector/config/config.h"

namespace sfn::connector {

enum class ReplyKind { kStop, kStart, kHelp, kOther };

class ReplyClassifier {
 public:
  explicit ReplyClassifier(const ComplianceConfig& config = ComplianceConfig());
  ReplyKind Classify(std::string_view body) const;
  // True when the gateway answers this opt-out itself (config.gateway_opt_out_keywords).
  bool GatewayConfirms(std::string_view body) const;

 private:
  std::vector<std::string> opt_out_keywords_, opt_out_phrases_, gateway_keywords_;
};

// Classification with the default lists.
ReplyKind ClassifyReply(std::string_view body);
const char* ReplyKindName(ReplyKind kind);  // "stop" | "start" | "help" | "reply"
// The normal form matching compares: lower-case words separated by single spaces.
std::string NormalizeReply(std::string_view body);

}  // namespace sfn::connector
