#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "common/time_util.h"
#include "connector/send/sandbox_transport.h"
#include "connector/send/sender.h"
#include "support/test_env.h"

using namespace sfn::connector;

namespace {

// A scripted gateway: answers each Send with the next scripted outcome and
// remembers what it "really" delivered, like a gateway that may accept and
// then lose the answer.
class ScriptedTransport : public Transport {
 public:
  std::vector<SendOutcome::Kind> script;  // consumed in order; afterwards: accepted
  SendOutcome Send(const OutboundMessage& m) override {
    std::lock_guard<std::mutex> lock(mu);
    calls++;
    SendOutcome::Kind kind = next < script.size() ? script[next++] : SendOutcome::Kind::kAccepted;
    SendOutcome out;
    out.kind = kind;
    if (kind == SendOutcome::Kind::kAccepted || kind == SendOutcome::Kind::kUnknown) {
      // Unknown: the gateway did take it, but the answer was lost.
      delivered[m.key] = "SM" + std::to_string(delivered.size() + 1);
      delivered_count[m.to]++;
      out.sid = delivered[m.key];
      out.status = "queued";
    }
    if (kind == SendOutcome::Kind::kRejected) out.error_code = 21610;
    if (kind == SendOutcome::Kind::kUnknown) out.sid.clear();
    return out;
  }
  SendOutcome Reconcile(const OutboundMessage& m, int64_t) override {
    std::lock_guard<std::mutex> lock(mu);
    reconciles++;
    SendOutcome out;
    auto it = delivered.find(m.key);
    if (it == delivered.end()) {
      out.kind = SendOutcome::Kind::kRetryLater;
    } else {
      out.kind = SendOutcome::Kind::kAccepted;
      out.sid = it->second;
      out.status = "queued";
    }
    return out;
  }
  const char* name() const override { return "scripted"; }
  std::mutex mu;
  size_t next = 0;
  int calls = 0, reconciles = 0;
  std::map<std::string, std::string> delivered;
  std::map<std::string, int> delivered_count;
};

std::string SeedNotification(Store& store, int recipients) {
  NotificationRequest r;
  r.request_id = "req-" + std::to_string(recipients);
  r.contact_point = "Main";
  r.requested_by = "0055g00000000001AAA";
  r.source = "api";
  r.message = "Hi";
  std::vector<RecipientPlan> plans;
  for (int i = 0; i < recipients; ++i) {
    RecipientPlan p;
    p.record_id = "rec" + std::to_string(i);
    r.record_ids.push_back(p.record_id);
    p.object_type = "Lead";
    p.phone_e164 = "+1415555" + std::to_string(1000 + i);
    p.body = "Hi";
    p.segments = 1;
    plans.push_back(p);
  }
  auto nid = store.Intake(r).value().notification_id;
  REQUIRE(store.SaveRecipients(nid, plans).ok());
  return nid;
}

SenderOptions FastOptions() {
  SenderOptions o;
  o.max_in_flight = 4;
  o.reconcile_after_ms = 0;
  o.poll_interval_ms = 10;
  o.rate_per_contact_point["Main"] = 100000;
  o.sender_per_contact_point["Main"] = "+15005550006";
  return o;
}
}  // namespace

TEST_CASE("the threaded sender sends every recipient exactly once", "[sender]") {
  sfn::test::TempDir dir;
  auto store = OpenSqliteStore({dir.File("s.sqlite")}).value();
  auto nid = SeedNotification(*store, 300);
  ScriptedTransport gateway;
  Sender sender(FastOptions(), *store, gateway);
  sender.Start();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (store->GetNotification(nid)->status != NotificationStatus::kDone &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  sender.Stop();
  CHECK(store->GetNotification(nid)->status == NotificationStatus::kDone);
  CHECK(gateway.calls == 300);
  for (const auto& [to, n] : gateway.delivered_count) CHECK(n == 1);
  CHECK(store->Counters().accepted == 300);
}

TEST_CASE("an unknown outcome is reconciled, never resent blindly", "[sender]") {
  sfn::test::TempDir dir;
  auto store = OpenSqliteStore({dir.File("s.sqlite")}).value();
  auto nid = SeedNotification(*store, 1);
  ScriptedTransport gateway;
  gateway.script = {SendOutcome::Kind::kUnknown};
  auto options = FastOptions();
  options.reconcile_after_ms = 0;
  Sender sender(options, *store, gateway);
  sender.RunOnce();  // sends; the answer is lost
  CHECK(store->InFlight(10).size() == 1);
  sender.RunOnce();  // reconciles: the gateway has it
  CHECK(gateway.calls == 1);
  CHECK(gateway.reconciles == 1);
  auto row = store->Recipients(nid).at(0);
  CHECK(row.state == RecipientState::kAccepted);
  CHECK(row.gateway_sid == "SM1");
}

TEST_CASE("a retryable failure goes back to pending and is retried, a rejection is final", "[sender]") {
  sfn::test::TempDir dir;
  auto store = OpenSqliteStore({dir.File("s.sqlite")}).value();
  auto nid = SeedNotification(*store, 2);
  ScriptedTransport gateway;
  gateway.script = {SendOutcome::Kind::kRetryLater, SendOutcome::Kind::kRejected};
  Sender sender(FastOptions(), *store, gateway);
  sender.RunOnce();
  auto rows = store->Recipients(nid);
  CHECK(rows[0].state == RecipientState::kPending);
  CHECK(rows[0].next_attempt_ms > sfn::timeutil::NowMillis());
  CHECK(rows[1].state == RecipientState::kFailed);
  CHECK(rows[1].error_code == 21610);
  CHECK(store->IsSuppressed(rows[1].plan.phone_e164, "Main"));
}

TEST_CASE("a number suppressed after planning is not sent", "[sender]") {
  sfn::test::TempDir dir;
  auto store = OpenSqliteStore({dir.File("s.sqlite")}).value();
  auto nid = SeedNotification(*store, 1);
  auto row = store->Recipients(nid).at(0);
  REQUIRE(store->AddSuppression(row.plan.phone_e164, "Main", "stop_reply").ok());
  ScriptedTransport gateway;
  Sender sender(FastOptions(), *store, gateway);
  sender.RunOnce();
  CHECK(gateway.calls == 0);
  CHECK(store->Recipients(nid).at(0).state == RecipientState::kSuppressed);
  CHECK(store->Recipients(nid).at(0).reason == "opted_out");
}

TEST_CASE(
    "gateway health: 429 pauses everyone, the breaker opens on failures and probes one at a time",
    "[sender][breaker]") {
  GatewayHealthOptions o;
  o.breaker_failures = 3;
  o.probe_ms = 100;
  o.max_probe_ms = 400;
  GatewayHealth health(o);
  CHECK(health.TryStart(1000) == 0);
  health.Done(GatewayHealth::Answer::kThrottled, 1000, 500);  // Retry-After: 0.5 s
  CHECK(health.TryStart(1100) == 400);
  CHECK(health.ResumeAt(1100) == 1500);
  CHECK(health.TryStart(1500) == 0);
  CHECK_FALSE(health.breaker_open());
  for (int i = 0; i < 3; ++i) health.Done(GatewayHealth::Answer::kFailure, 2000);
  CHECK(health.breaker_open());
  CHECK(health.TryStart(2050) == 50);
  CHECK(health.TryStart(2100) == 0);                   // the probe
  CHECK(health.TryStart(2100) > 0);                    // only one at a time
  health.Done(GatewayHealth::Answer::kFailure, 2200);  // probe failed: pause doubles
  CHECK(health.TryStart(2300) == 100);
  CHECK(health.TryStart(2400) == 0);
  health.Done(GatewayHealth::Answer::kSuccess, 2450);
  CHECK_FALSE(health.breaker_open());
  CHECK(health.TryStart(2450) == 0);
  CHECK(health.TryStart(2450) == 0);
}

TEST_CASE("a second send to the same number waits until the first is settled",
          "[sender][reconcile]") {
  sfn::test::TempDir dir;
  auto store = OpenSqliteStore({dir.File("s.sqlite")}).value();
  // Two notifications, the same number and body.
  NotificationRequest r;
  r.contact_point = "Main";
  r.requested_by = "0055g00000000001AAA";
  r.source = "api";
  r.message = "Hi";
  r.record_ids = {"rec0"};
  RecipientPlan p;
  p.record_id = "rec0";
  p.object_type = "Lead";
  p.phone_e164 = "+14155551000";
  p.body = "Hi";
  p.segments = 1;
  for (const char* id : {"twin-a", "twin-b"}) {
    r.request_id = id;
    auto nid = store->Intake(r).value().notification_id;
    REQUIRE(store->SaveRecipients(nid, {p}).ok());
  }
  ScriptedTransport gateway;
  gateway.script = {SendOutcome::Kind::kUnknown};
  auto options = FastOptions();
  options.reconcile_after_ms = 3600000;  // not yet
  Sender sender(options, *store, gateway);
  CHECK(sender.RunOnce() == 1);  // only the first: the second waits for its outcome
  CHECK(gateway.calls == 1);
  CHECK(sender.RunOnce() == 0);  // still unsettled
  CHECK(gateway.calls == 1);
}
