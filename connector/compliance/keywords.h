// What an inbound SMS asks for. The whole message is the keyword (after
// trimming whitespace and surrounding punctuation, case-insensitive), as
// Twilio's default opt-out handling does, so "Stop the delivery on Tuesday"
// is a reply, not an opt-out. "OPT OUT" / "opt-out" (FCC 24-18) count as STOP.
#pragma once

#include <string_view>

namespace sfn::connector {

enum class ReplyKind { kStop, kStart, kHelp, kOther };

ReplyKind ClassifyReply(std::string_view body);
const char* ReplyKindName(ReplyKind kind);  // "stop" | "start" | "help" | "reply"

}  // namespace sfn::connector
