#include <catch2/catch.hpp>

#include "connector/compliance/keywords.h"

using sfn::connector::ClassifyReply;
using sfn::connector::ComplianceConfig;
using sfn::connector::NormalizeReply;
using sfn::connector::ReplyClassifier;
using sfn::connector::ReplyKind;

TEST_CASE("opt-out keywords, whatever the case, spacing and punctuation", "[keywords]") {
  for (const char* body :
       {"STOP", "stop", " Stop. ", "STOPALL", "stop all", "unsubscribe", "Cancel", "END", "quit!",
        "REVOKE", "OPTOUT", "opt out", "Opt-Out", "OPT OUT!!", "\tstop\n"}) {
    INFO(body);
    CHECK(ClassifyReply(body) == ReplyKind::kStop);
  }
}

TEST_CASE("a message whose meaning is a request to stop is an opt-out (FCC revocation rule)",
          "[keywords]") {
  for (const char* body :
       {"stop texting me", "Please stop", "STOP PLEASE!", "Please stop texting me.", "remove me",
        "Remove me from this list please", "can you take me off your list", "Don't text me again",
        "don\u2019t text me", "Do not contact me", "no more texts", "Stop sending me these",
        "unsubscribe me", "opt me out", "Leave me alone", "wrong number"}) {
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
  CHECK(ClassifyReply("Please stop by the office at 3") == ReplyKind::kOther);
  CHECK(ClassifyReply("yes please, 3pm works") == ReplyKind::kOther);
  CHECK(ClassifyReply("Thanks!") == ReplyKind::kOther);
  CHECK(ClassifyReply("Can you remove meeting notes?") == ReplyKind::kOther);
  CHECK(ClassifyReply("") == ReplyKind::kOther);
  CHECK(ClassifyReply("!!!") == ReplyKind::kOther);
  CHECK(ClassifyReply("STOPP") == ReplyKind::kOther);
  CHECK(ClassifyReply("😀") == ReplyKind::kOther);
}

TEST_CASE("normal form: lower-case words, apostrophes dropped, punctuation separates",
          "[keywords]") {
  CHECK(NormalizeReply("  Opt-Out!! ") == "opt out");
  CHECK(NormalizeReply("Don\u2019t  TEXT\tme") == "dont text me");
  CHECK(NormalizeReply("Café, stop.") == "café stop");
}

TEST_CASE("the lists are configurable", "[keywords]") {
  ComplianceConfig config;
  config.opt_out_keywords = {"ARRET", "Halt"};
  config.opt_out_phrases = {"never again"};
  config.gateway_opt_out_keywords = {};
  ReplyClassifier classifier(config);
  CHECK(classifier.Classify("arrêt") == ReplyKind::kOther);  // non-ASCII letters are compared as is
  CHECK(classifier.Classify("ARRET") == ReplyKind::kStop);
  CHECK(classifier.Classify("halt!") == ReplyKind::kStop);
  CHECK(classifier.Classify("text me never again, ok?") == ReplyKind::kStop);
  CHECK(classifier.Classify("STOP") == ReplyKind::kOther);  // replaced, not added to
  CHECK(classifier.Classify("START") == ReplyKind::kStart);
  CHECK_FALSE(classifier.GatewayConfirms("STOP"));
  ReplyClassifier defaults;
  CHECK(defaults.GatewayConfirms("stop."));
  CHECK(defaults.GatewayConfirms("OPTOUT"));
  CHECK_FALSE(defaults.GatewayConfirms("opt out"));  // Twilio's own list has OPTOUT only
  CHECK_FALSE(defaults.GatewayConfirms("please stop"));
}
