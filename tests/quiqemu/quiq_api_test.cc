// The Quiq wire format (connector/send/quiq_api.h): request bodies and the tolerant
// reading of answers whose exact shape Quiq does not document.
#include <catch2/catch.hpp>

#include "common/json.h"
#include "connector/send/quiq_api.h"

using namespace sfn::connector;
using Kind = SendOutcome::Kind;

namespace {
const std::vector<std::string> kIds = {"r1", "r2", "r3"};

std::vector<SendOutcome> Outcomes(const std::string& body, int status = 201,
                                  const std::string& retry_after = "") {
  return quiq::OutcomesFromBulkResponse(status, retry_after, body, kIds);
}
}  // namespace

TEST_CASE(
    "quiq: notify and send-notifications bodies carry the handle, the text and our key as searchId",
    "[quiq][unit]") {
  std::vector<quiq::Notification> n = {{"+14155552671", "Hi \"there\"", "r7"}};
  auto notify = sfn::json::Parse(quiq::NotifyBody("cp-1", "default", n));
  REQUIRE(notify.ok());
  CHECK(std::string(notify.value()["contactPoint"].GetString()) == "cp-1");
  CHECK(std::string(notify.value()["topic"].GetString()) == "default");
  const auto& row = notify.value()["notifications"][0];
  CHECK(std::string(row["precedence"][0]["platform"].GetString()) == "SMS");
  CHECK(std::string(row["searchInfo"]["phoneNumber"].GetString()) == "+14155552671");
  CHECK(std::string(row["searchInfo"]["searchId"].GetString()) == "r7");
  CHECK(std::string(row["messageMap"]["default"]["text"].GetString()) == "Hi \"there\"");
  CHECK(row["integrations"].IsArray());

  auto bulk = sfn::json::Parse(quiq::SendNotificationsBody("cp-1", n));
  REQUIRE(bulk.ok());
  const auto& b = bulk.value()["notifications"][0];
  CHECK(std::string(b["handle"].GetString()) == "+14155552671");
  CHECK(std::string(b["message"]["text"].GetString()) == "Hi \"there\"");
  CHECK(std::string(b["searchInfo"]["searchId"].GetString()) == "r7");
}

TEST_CASE("quiq: rows are matched by searchId in any order, and by position without one",
          "[quiq][unit]") {
  auto by_id = Outcomes(R"({"notifications":[{"searchId":"r3","id":"c"},{"searchId":"r1","id":"a"},
                            {"searchInfo":{"searchId":"r2"},"notificationId":"b"}]})");
  REQUIRE(by_id.size() == 3);
  CHECK(by_id[0].kind == Kind::kAccepted);
  CHECK(by_id[0].sid == "a");
  CHECK(by_id[1].sid == "b");
  CHECK(by_id[2].sid == "c");
  CHECK(by_id[0].status == "accepted");

  auto positional = Outcomes(R"([{"id":"x"},{"messageId":"y"},{"id":"z"}])");
  CHECK(positional[0].sid == "x");
  CHECK(positional[1].sid == "y");
  CHECK(positional[2].sid == "z");

  for (const char* key : {"results", "responses", "items", "data"}) {
    auto wrapped =
        Outcomes(std::string(R"({")") + key + R"(":[{"id":"1"},{"id":"2"},{"id":"3"}]})");
    CHECK(wrapped[2].sid == "3");
  }
}

TEST_CASE("quiq: a 2xx answer without rows means every notification was taken", "[quiq][unit]") {
  for (const std::string body : {"", "{}", "not json", R"({"status":"ok"})"}) {
    auto out = Outcomes(body);
    REQUIRE(out.size() == 3);
    CHECK(out[1].kind == Kind::kAccepted);
    CHECK(out[1].sid == "quiq:r2");
  }
  // But rows for some and none for another: that one is unknown, to be reconciled.
  auto partial =
      Outcomes(R"({"notifications":[{"searchId":"r1","id":"a"},{"searchId":"r3","id":"c"}]})");
  CHECK(partial[0].kind == Kind::kAccepted);
  CHECK(partial[1].kind == Kind::kUnknown);
  CHECK(partial[2].kind == Kind::kAccepted);
}

TEST_CASE("quiq: per-row errors in their several shapes map onto rejected, opted out or retry",
          "[quiq][unit]") {
  auto out = Outcomes(R"({"notifications":[
      {"searchId":"r1","error":{"code":"INVALID_HANDLE","message":"bad number"}},
      {"searchId":"r2","errors":[{"code":"STOPPED","message":"customer opted out"}]},
      {"searchId":"r3","status":"failed","errorCode":"RATE_LIMITED"}]})");
  CHECK(out[0].kind == Kind::kRejected);
  CHECK(out[0].error_code == 0);
  CHECK(out[0].error_message == "INVALID_HANDLE: bad number");
  CHECK(out[1].kind == Kind::kRejected);
  CHECK(out[1].error_code == quiq::kOptOutErrorCode);
  CHECK(out[2].kind == Kind::kRetryLater);

  auto text = Outcomes(
      R"([{"error":"no such contact point"},{"status":"ERROR"},{"error":{"code":"30006"}}])");
  CHECK(text[0].kind == Kind::kRejected);
  CHECK(text[0].error_message == "no such contact point");
  CHECK(text[1].kind == Kind::kRejected);
  CHECK(text[2].error_code == 30006);
  auto null_error = Outcomes(R"([{"id":"a","error":null},{"id":"b","errors":[]},{"id":"c"}])");
  CHECK(null_error[0].kind == Kind::kAccepted);
  CHECK(null_error[1].kind == Kind::kAccepted);
}

TEST_CASE(
    "quiq: whole-call HTTP failures: 429/503 retry, 401 retry later, 5xx unknown, 4xx rejected",
    "[quiq][unit]") {
  auto limited = Outcomes(R"({"message":"slow down"})", 429, "3");
  CHECK(limited[0].kind == Kind::kRetryLater);
  CHECK(limited[0].retry_after_ms == 3000);
  CHECK(Outcomes("", 503)[2].kind == Kind::kRetryLater);
  CHECK(Outcomes("", 401)[0].kind == Kind::kRetryLater);
  CHECK(Outcomes("", 401)[0].retry_after_ms == 30000);
  for (int status : {500, 502, 504}) CHECK(Outcomes("", status)[1].kind == Kind::kUnknown);
  auto bad = Outcomes(R"({"message":"contactPoint: required"})", 400);
  CHECK(bad[0].kind == Kind::kRejected);
  CHECK(bad[0].error_message.find("contactPoint: required") != std::string::npos);
}

TEST_CASE("quiq: a lookup by searchId says found, never sent, or cannot tell", "[quiq][unit]") {
  auto found =
      quiq::OutcomeFromLookup(200, R"({"notifications":[{"id":"qn-1","searchId":"r1"}]})", "r1");
  CHECK(found.kind == Kind::kAccepted);
  CHECK(found.sid == "qn-1");
  CHECK(quiq::OutcomeFromLookup(200, R"({"notifications":[]})", "r1").kind == Kind::kRetryLater);
  CHECK(quiq::OutcomeFromLookup(200, R"({"notifications":[{"id":"o","searchId":"r9"}]})", "r1")
            .kind == Kind::kRetryLater);
  CHECK(quiq::OutcomeFromLookup(404, "", "r1").kind == Kind::kUnknown);  // maybe no such endpoint
  CHECK(quiq::OutcomeFromLookup(500, "", "r1").kind == Kind::kUnknown);
  CHECK(quiq::OutcomeFromLookup(200, "garbage", "r1").kind == Kind::kUnknown);
  auto single =
      quiq::OutcomeFromLookup(200, R"({"id":"qn-2","searchInfo":{"searchId":"r1"}})", "r1");
  CHECK(single.kind == Kind::kAccepted);
  CHECK(single.sid == "qn-2");
  auto failed = quiq::OutcomeFromLookup(200, R"([{"searchId":"r1","status":"failed"}])", "r1");
  CHECK(failed.kind == Kind::kRetryLater);
}
