// Pure rules of the emulator: keywords, stop list, segment rate limit, carrier rules.
#include <catch2/catch.hpp>

#include "sandbox/smsemu/carrier.h"
#include "sandbox/smsemu/rate_limiter.h"
#include "sandbox/smsemu/stop_list.h"

using namespace sfn::smsemu;

TEST_CASE("opt-out keywords follow Twilio's default lists", "[rules]") {
  for (const char* stop : {"STOP", "stop", " Stop. ", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END",
                           "QUIT", "REVOKE", "OPTOUT"}) {
    INFO(stop);
    CHECK(ClassifyKeyword(stop) == Keyword::kStop);
  }
  for (const char* start : {"START", "unstop", "Yes"})
    CHECK(ClassifyKeyword(start) == Keyword::kStart);
  for (const char* help : {"HELP", "info!"}) CHECK(ClassifyKeyword(help) == Keyword::kHelp);
  for (const char* none : {"", "stop please", "Thanks", "STOP STOP", "ok"}) {
    INFO(none);
    CHECK(ClassifyKeyword(none) == Keyword::kNone);
  }
}

TEST_CASE("stop list blocks pairs and wildcard senders", "[rules]") {
  StopList list;
  CHECK(list.Add("+14155550100", "+15005550006", 1));
  CHECK_FALSE(list.Add("+14155550100", "+15005550006", 2));
  CHECK(list.Blocks("+14155550100", "+15005550006"));
  CHECK_FALSE(list.Blocks("+14155550100", "+15005550007"));
  CHECK(list.BlocksAnySender("+14155550100"));
  list.Add("+14155550101", "*", 3);
  CHECK(list.Blocks("+14155550101", "+15005550099"));
  CHECK(list.Remove("+14155550100", "+15005550006"));
  CHECK_FALSE(list.Blocks("+14155550100", "+15005550006"));
  CHECK(list.Entries().size() == 1);
}

TEST_CASE("rate limit counts segments in a sliding second", "[rules]") {
  SegmentRateLimiter limiter(5);
  CHECK(limiter.TryAcquire("AC1", 3, 1000));
  CHECK(limiter.TryAcquire("AC1", 2, 1100));
  CHECK_FALSE(limiter.TryAcquire("AC1", 1, 1500));  // 5 of 5 used
  CHECK(limiter.TryAcquire("AC2", 5, 1500));        // per account
  CHECK(limiter.TryAcquire("AC1", 3, 2001));        // the first 3 left the window
  CHECK_FALSE(limiter.TryAcquire("AC1", 1, 2050));
  // A message larger than the whole budget still goes when the window is empty.
  SegmentRateLimiter tight(2);
  CHECK(tight.TryAcquire("AC1", 7, 0));
  CHECK_FALSE(tight.TryAcquire("AC1", 1, 10));
  tight.Reset();
  CHECK(tight.TryAcquire("AC1", 1, 20));
}

TEST_CASE("carrier rules are validated and get default error codes", "[rules]") {
  CarrierRule undelivered;
  undelivered.outcome = "undelivered";
  CHECK(NormalizeCarrierRule(&undelivered).empty());
  CHECK(undelivered.error_code == 30003);
  CarrierRule failed;
  failed.outcome = "failed";
  failed.error_code = 30007;
  CHECK(NormalizeCarrierRule(&failed).empty());
  CHECK(failed.error_code == 30007);
  CarrierRule bad;
  bad.outcome = "lost";
  CHECK_FALSE(NormalizeCarrierRule(&bad).empty());
  CarrierRule reject;
  reject.reject_code = 21614;
  CHECK(NormalizeCarrierRule(&reject).empty());
  reject.reject_code = 12345;
  CHECK_FALSE(NormalizeCarrierRule(&reject).empty());
}
