#include <catch2/catch.hpp>

#include "connector/outbox/store.h"
#include "common/time_util.h"
#include "support/test_env.h"

using namespace sfn::connector;

namespace {
NotificationRequest Request(const std::string& id) {
  NotificationRequest r;
  r.request_id = id;
  r.contact_point = "Main";
  r.requested_by = "0055g00000000001AAA";
  r.source = "api";
  r.message = "Hello";
  r.record_ids = {"00Q5g0000000001AAA", "00Q5g0000000002AAA"};
  return r;
}

RecipientPlan Plan(const std::string& record, const std::string& phone, RecipientState state = RecipientState::kPending,
                   const std::string& reason = "") {
  RecipientPlan p;
  p.record_id = record;
  p.object_type = "Lead";
  p.phone_e164 = phone;
  p.body = "Hello";
  p.encoding = "GSM-7";
  p.units = 5;
  p.segments = 1;
  p.state = state;
  p.reason = reason;
  return p;
}

std::unique_ptr<Store> Open(const sfn::test::TempDir& dir) {
  auto store = OpenSqliteStore({dir.File("store.sqlite")});
  REQUIRE(store.ok());
  return std::move(store.value());
}
}  // namespace

TEST_CASE("intake is idempotent on the request id and rejects a different body", "[store]") {
  sfn::test::TempDir dir;
  auto store = Open(dir);
  auto first = store->Intake(Request("req-1"));
  REQUIRE(first.ok());
  CHECK(first->created);
  auto again = store->Intake(Request("req-1"));
  REQUIRE(again.ok());
  CHECK_FALSE(again->created);
  CHECK(again->notification_id == first->notification_id);

  auto changed = Request("req-1");
  changed.message = "Different";
  auto conflict = store->Intake(changed);
  REQUIRE_FALSE(conflict.ok());
  CHECK(conflict.status().code() == sfn::StatusCode::kConflict);
}

TEST_CASE("a recipient is claimed for sending exactly once", "[store]") {
  sfn::test::TempDir dir;
  auto store = Open(dir);
  auto n = store->Intake(Request("req-2")).value();
  REQUIRE(store->SaveRecipients(n.notification_id, {Plan("00Q5g0000000001AAA", "+14155550100"),
                                                    Plan("00Q5g0000000002AAA", "", RecipientState::kSuppressed,
                                                         "invalid_phone")})
              .ok());
  // Saving again (a redelivered resolution) changes nothing.
  REQUIRE(store->SaveRecipients(n.notification_id, {Plan("00Q5g0000000003AAA", "+14155550101")}).ok());
  auto rows = store->Recipients(n.notification_id);
  REQUIRE(rows.size() == 2);
  CHECK(rows[1].state == RecipientState::kSuppressed);
  CHECK(rows[1].reason == "invalid_phone");

  auto due = store->DuePending(sfn::timeutil::NowMillis(), 10);
  REQUIRE(due.size() == 1);
  CHECK(store->BeginAttempt(due[0].id, 1).value());
  CHECK_FALSE(store->BeginAttempt(due[0].id, 2).value());
  CHECK(store->InFlight(10).size() == 1);

  AttemptResult accepted;
  accepted.kind = AttemptResult::Kind::kAccepted;
  accepted.sid = "SM0123";
  accepted.gateway_status = "queued";
  REQUIRE(store->RecordAttempt(due[0].id, accepted, 3).ok());
  auto row = store->GetRecipient(due[0].id).value();
  CHECK(row.state == RecipientState::kAccepted);
  CHECK(row.gateway_sid == "SM0123");
  CHECK(row.task_state == "pending");
  CHECK(store->GetNotification(n.notification_id)->status == NotificationStatus::kDone);
}

TEST_CASE("gateway statuses only move forward and every event is kept in history", "[store]") {
  sfn::test::TempDir dir;
  auto store = Open(dir);
  auto n = store->Intake(Request("req-3")).value();
  REQUIRE(store->SaveRecipients(n.notification_id, {Plan("00Q5g0000000001AAA", "+14155550100")}).ok());
  auto id = store->DuePending(sfn::timeutil::NowMillis(), 1).at(0).id;
  REQUIRE(store->BeginAttempt(id, 1).value());
  AttemptResult accepted;
  accepted.kind = AttemptResult::Kind::kAccepted;
  accepted.sid = "SMabc";
  accepted.gateway_status = "queued";
  REQUIRE(store->RecordAttempt(id, accepted, 2).ok());

  CHECK(store->ApplyGatewayStatus("SMabc", RecipientState::kDelivered, 0, "delivered").value());
  CHECK_FALSE(store->ApplyGatewayStatus("SMabc", RecipientState::kSent, 0, "sent").value());  // late
  CHECK_FALSE(store->ApplyGatewayStatus("SMabc", RecipientState::kDelivered, 0, "delivered").value());  // dup
  CHECK(store->GetRecipient(id)->state == RecipientState::kDelivered);
  int status_events = 0;
  for (const auto& h : store->History(n.notification_id)) status_events += h.kind == "gateway_status";
  CHECK(status_events == 3);
  auto unknown = store->ApplyGatewayStatus("SMnope", RecipientState::kSent, 0, "sent");
  REQUIRE(unknown.ok());  // kept for later: the SID may not be recorded yet
  CHECK_FALSE(unknown.value());
}

TEST_CASE("a status that overtakes the recorded SID is applied when the SID is recorded", "[store]") {
  sfn::test::TempDir dir;
  auto store = Open(dir);
  auto n = store->Intake(Request("req-early")).value();
  REQUIRE(store->SaveRecipients(n.notification_id, {Plan("00Q5g0000000001AAA", "+14155550100")}).ok());
  auto id = store->DuePending(sfn::timeutil::NowMillis(), 1).at(0).id;
  REQUIRE(store->BeginAttempt(id, 1).value());
  // The carrier's verdict arrives before the sender has written the gateway's answer.
  CHECK_FALSE(store->ApplyGatewayStatus("SMearly", RecipientState::kFailed, 30006, "failed").value());
  AttemptResult accepted;
  accepted.kind = AttemptResult::Kind::kAccepted;
  accepted.sid = "SMearly";
  accepted.gateway_status = "queued";
  REQUIRE(store->RecordAttempt(id, accepted, 2).ok());
  auto row = store->GetRecipient(id).value();
  CHECK(row.state == RecipientState::kFailed);
  CHECK(row.error_code == 30006);
  CHECK(row.task_state == "pending");  // the send still gets its Task
}

TEST_CASE("a gateway opt-out rejection suppresses the number for that contact point", "[store]") {
  sfn::test::TempDir dir;
  auto store = Open(dir);
  auto n = store->Intake(Request("req-4")).value();
  REQUIRE(store->SaveRecipients(n.notification_id, {Plan("00Q5g0000000001AAA", "+14155550100")}).ok());
  auto id = store->DuePending(sfn::timeutil::NowMillis(), 1).at(0).id;
  REQUIRE(store->BeginAttempt(id, 1).value());
  AttemptResult rejected;
  rejected.kind = AttemptResult::Kind::kRejected;
  rejected.error_code = 21610;
  rejected.suppress_number = true;
  REQUIRE(store->RecordAttempt(id, rejected, 2).ok());
  auto row = store->GetRecipient(id).value();
  CHECK(row.state == RecipientState::kFailed);
  CHECK(row.error_code == 21610);
  CHECK(store->IsSuppressed("+14155550100", "Main"));
  CHECK_FALSE(store->IsSuppressed("+14155550100", "Alerts"));
  REQUIRE(store->RemoveSuppression("+14155550100", "Main").ok());
  CHECK_FALSE(store->IsSuppressed("+14155550100", "Main"));
}

TEST_CASE("state survives reopening the store (crash recovery)", "[store]") {
  sfn::test::TempDir dir;
  int64_t id = 0;
  std::string nid;
  {
    auto store = Open(dir);
    nid = store->Intake(Request("req-5")).value().notification_id;
    REQUIRE(store->SaveRecipients(nid, {Plan("00Q5g0000000001AAA", "+14155550100")}).ok());
    id = store->DuePending(sfn::timeutil::NowMillis(), 1).at(0).id;
    REQUIRE(store->BeginAttempt(id, 1).value());
  }
  auto store = Open(dir);
  auto in_flight = store->InFlight(10);
  REQUIRE(in_flight.size() == 1);
  CHECK(in_flight[0].id == id);
  CHECK(store->DuePending(sfn::timeutil::NowMillis(), 10).empty());  // never re-sent blindly
  CHECK_FALSE(store->Intake(Request("req-5")).value().created);
}

TEST_CASE("deferred recipients are released when their time comes", "[store]") {
  sfn::test::TempDir dir;
  auto store = Open(dir);
  auto nid = store->Intake(Request("req-6")).value().notification_id;
  auto plan = Plan("00Q5g0000000001AAA", "+14155550100", RecipientState::kDeferred, "quiet_hours");
  plan.deferred_until_ms = 5000;
  REQUIRE(store->SaveRecipients(nid, {plan}).ok());
  CHECK(store->DuePending(4000, 10).empty());
  CHECK(store->ReleaseDeferred(4000) == 0);
  CHECK(store->ReleaseDeferred(5000) == 1);
  CHECK(store->DuePending(5000, 10).size() == 1);
}

TEST_CASE("task outcomes: written, retryable and failed", "[store]") {
  sfn::test::TempDir dir;
  auto store = Open(dir);
  auto nid = store->Intake(Request("req-7")).value().notification_id;
  REQUIRE(store->SaveRecipients(nid, {Plan("00Q5g0000000001AAA", "+14155550100"),
                                      Plan("00Q5g0000000002AAA", "+14155550101")})
              .ok());
  for (const auto& r : store->DuePending(sfn::timeutil::NowMillis(), 10)) {
    REQUIRE(store->BeginAttempt(r.id, 1).value());
    AttemptResult ok;
    ok.kind = AttemptResult::Kind::kAccepted;
    ok.sid = "SM" + std::to_string(r.id);
    REQUIRE(store->RecordAttempt(r.id, ok, 2).ok());
  }
  auto todo = store->TasksToWrite(10);
  REQUIRE(todo.size() == 2);
  REQUIRE(store->MarkTasksInFlight({todo[0].id, todo[1].id}).ok());
  CHECK(store->TasksToWrite(10).empty());
  CHECK(store->TasksInFlight(10).size() == 2);
  REQUIRE(store->RecordTaskOutcomes({{todo[0].id, true, "00T5g0000000001AAA", "", false, ""},
                                     {todo[1].id, false, "", "UNABLE_TO_LOCK_ROW", true, ""}})
              .ok());
  CHECK(store->GetRecipient(todo[0].id)->task_state == "written");
  CHECK(store->GetRecipient(todo[0].id)->task_id == "00T5g0000000001AAA");
  CHECK(store->TasksToWrite(10).size() == 1);  // the retryable one is queued again
}
