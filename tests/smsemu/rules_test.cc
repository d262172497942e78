// Pure rules of the emulator: keywords, stop list, sender queues, webhook
// connection overrides, carrier rules.
#include <catch2/catch.hpp>

#include "sandbox/smsemu/carrier.h"
#include "sandbox/smsemu/connection_overrides.h"
#include "sandbox/smsemu/sender_queue.h"
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

TEST_CASE("a sender's queue drains segments at its rate and refuses waits over the limit",
          "[rules]") {
  SenderQueues queues(SenderQueueOptions{5, 1000});  // 5 segments/s, 1 s limit
  CHECK(queues.Enqueue("+15005550006", 1, 0).wait_ms == 0);
  CHECK(queues.Enqueue("+15005550006", 2, 0).wait_ms == 200);    // after 1 segment
  CHECK(queues.Enqueue("+15005550006", 1, 100).wait_ms == 500);  // after 3 segments, 100 ms later
  CHECK(queues.Enqueue("+15005550007", 1, 100).wait_ms == 0);    // per sender
  CHECK(queues.Backlog("+15005550006", 100) == 700);
  // 4 segments are booked until t=800; at t=0 a wait of 800 is still inside the limit.
  CHECK_FALSE(queues.Enqueue("+15005550006", 5, 0).expires);  // leaves at 800, frees 1800
  QueueSlot late = queues.Enqueue("+15005550006", 1, 0);
  CHECK(late.expires);
  CHECK(late.wait_ms == 1800);
  CHECK(queues.Backlog("+15005550006", 0) == 1800);             // an expiring message books nothing
  CHECK_FALSE(queues.Enqueue("+15005550006", 1, 900).expires);  // waits 900 <= 1000
  // Once drained, the queue starts from now again.
  CHECK(queues.Enqueue("+15005550006", 1, 10000).wait_ms == 0);
  // Rates that do not divide a second stay exact (3/s: 333.33 ms each).
  SenderQueues thirds(SenderQueueOptions{3, 36000000});
  int64_t wait = 0;
  for (int i = 0; i < 4; ++i) wait = thirds.Enqueue("MG1", 1, 0).wait_ms;
  CHECK(wait == 1000);
  thirds.Reset();
  CHECK(thirds.Backlog("MG1", 0) == 0);
}

TEST_CASE("webhook connection overrides default to one retry on connection failure", "[rules]") {
  ConnectionOverrides none = ParseConnectionOverrides("https://example.com/status?x=1");
  CHECK(none.retry_count == 1);
  CHECK(none.Retries(FailureClass::kConnect));
  CHECK_FALSE(none.Retries(FailureClass::kRead));
  CHECK_FALSE(none.Retries(FailureClass::kHttp5xx));
  CHECK_FALSE(none.Retries(FailureClass::kHttp4xx));
  CHECK(none.connect_timeout_ms == 5000);
  CHECK(none.read_timeout_ms == 15000);
  CHECK(none.total_time_ms == 15000);
  CHECK(none.problems.empty());

  ConnectionOverrides set = ParseConnectionOverrides(
      "https://example.com/s#rc=3&rp=5xx,rt&ct=200&rt=1000&tt=9000&e=ashburn");
  CHECK(set.retry_count == 3);
  CHECK_FALSE(set.Retries(FailureClass::kConnect));  // rp replaces the default
  CHECK(set.Retries(FailureClass::kRead));
  CHECK(set.Retries(FailureClass::kHttp5xx));
  CHECK(set.connect_timeout_ms == 200);
  CHECK(set.read_timeout_ms == 1000);
  CHECK(set.total_time_ms == 9000);
  CHECK(set.problems.empty());

  ConnectionOverrides all = ParseConnectionOverrides("http://h/#rp=all");
  CHECK(all.Retries(FailureClass::kHttp4xx));
  CHECK(all.Retries(FailureClass::kConnect));

  ConnectionOverrides bad = ParseConnectionOverrides("http://h/#rc=9&rp=sometimes&tt=50&zz=1");
  CHECK(bad.retry_count == 1);
  CHECK(bad.total_time_ms == 15000);
  CHECK(bad.Retries(FailureClass::kConnect));
  REQUIRE(bad.problems.size() == 4);
  CHECK(bad.problems[1].rfind("11243", 0) == 0);
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
