#include <catch2/catch.hpp>

#include "connector/compliance/keywords.h"

using sfn::connector::ClassifyReply;
using sfn::connector::ReplyKind;

TEST_CASE("opt-out keywords, whatever the case, spacing and punctuation", "[keywords]") {
  for (const char* body : {"STOP", "stop", " Stop. ", "STOPALL", "unsubscribe", "Cancel", "END", "quit!", "REVOKE",
                           "OPTOUT", "opt out", "Opt-Out", "\tstop\n"}) {
    INFO(body);
    CHECK(ClassifyReply(body) == ReplyKind::kStop);
  }
}

TEST_CASE("opt-in and help keywords", "[keywords]") {
  CHECK(ClassifyReply("START") == ReplyKind::kStart);
  CHECK(ClassifyReply("unstop") == ReplyKind::kStart);
  CHECK(ClassifyReply("Yes!") == ReplyKind::kStart);
  CHECK(ClassifyReply("help") == ReplyKind::kHelp);
  CHECK(ClassifyReply("INFO?") == ReplyKind::kHelp);
}

TEST_CASE("a sentence containing a keyword is a reply, not a command", "[keywords]") {
  CHECK(ClassifyReply("Stop the delivery on Tuesday") == ReplyKind::kOther);
  CHECK(ClassifyReply("yes please, 3pm works") == ReplyKind::kOther);
  CHECK(ClassifyReply("Thanks!") == ReplyKind::kOther);
  CHECK(ClassifyReply("") == ReplyKind::kOther);
  CHECK(ClassifyReply("STOPP") == ReplyKind::kOther);
  CHECK(ClassifyReply("😀") == ReplyKind::kOther);
}
