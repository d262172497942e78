// The engine's resolver workers with a real SQLite store and a resolver that
// the test controls (the Salesforce side is exercised end to end in
// intake_e2e_test.cc): a notification that keeps failing is retried with its
// own backoff while the ones behind it are resolved, a slow resolution does not
// hold up the others, and event intake returns before anything is resolved.
#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "common/time_util.h"
#include "connector/engine/engine.h"
#include "connector/intake/event_intake.h"
#include "connector/outbox/store.h"
#include "connector/send/sandbox_transport.h"
#include "support/test_env.h"

using namespace sfn::connector;

namespace {

// Fails every request named in `failing`; blocks requests named in `blocked` until Release().
class ScriptedResolver : public Resolver {
 public:
  std::set<std::string> failing, blocked;

  sfn::Result<Resolution> Resolve(const NotificationRequest& request, int64_t) override {
    {
      std::unique_lock<std::mutex> lock(mu_);
      attempts_[request.request_id]++;
      if (failing.count(request.request_id))
        return sfn::Status::Unavailable("Salesforce is unhappy");
      cv_.wait(lock, [&] { return released_ || !blocked.count(request.request_id); });
    }
    Resolution r;
    RecipientPlan plan;
    plan.record_id = "00Q000000000001AAA";
    plan.object_type = "Lead";
    plan.phone_e164 = "+12125550100";
    plan.body = "hi";
    plan.segments = 1;
    plan.state = RecipientState::kSuppressed;  // nothing to send: resolution is what is tested
    plan.reason = "no_consent";
    r.plans.push_back(plan);
    return r;
  }
  int Attempts(const std::string& request_id) {
    std::lock_guard<std::mutex> lock(mu_);
    return attempts_[request_id];
  }
  void Release() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      released_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
  std::map<std::string, int> attempts_;
};

NotificationRequest Request(const std::string& id) {
  NotificationRequest r;
  r.request_id = id;
  r.contact_point = "Main";
  r.requested_by = "005000000000001AAA";
  r.source = "event";
  r.message = "hi";
  r.record_ids = {"00Q000000000001AAA"};
  return r;
}

bool WaitFor(const std::function<bool()>& done,
             std::chrono::seconds timeout = std::chrono::seconds(20)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

NotificationStatus StatusOf(Store& store, const std::string& request_id) {
  auto id = store.NotificationIdForRequest(request_id);
  REQUIRE(id);
  return store.GetNotification(*id)->status;
}

}  // namespace

TEST_CASE(
    "engine: a failing notification backs off on its own while the ones behind it are resolved",
    "[engine][intake]") {
  sfn::test::TempDir dir;
  auto store = OpenSqliteStore({dir.File("store.sqlite")});
  REQUIRE(store.ok());
  SandboxTransport transport;
  ScriptedResolver resolver;
  resolver.failing = {"bad-1"};
  EngineOptions options;
  options.recovery_interval_ms = 100;
  options.retry_max_ms = 400;
  Engine engine(options, **store, transport, resolver, nullptr);
  // The failing one is the oldest, so a loop that stops at the first failure never reaches the
  // rest.
  REQUIRE((*store)->Intake(Request("bad-1")).ok());
  for (const char* id : {"good-1", "good-2", "good-3"}) REQUIRE((*store)->Intake(Request(id)).ok());
  engine.Start();
  CHECK(WaitFor([&] {
    for (const char* id : {"good-1", "good-2", "good-3"}) {
      if (StatusOf(**store, id) == NotificationStatus::kReceived) return false;
    }
    return true;
  }));
  // Still received, and tried again (with backoff), not given up.
  CHECK(WaitFor([&] { return resolver.Attempts("bad-1") >= 3; }));
  CHECK(StatusOf(**store, "bad-1") == NotificationStatus::kReceived);
  resolver.failing.clear();
  CHECK(WaitFor([&] { return StatusOf(**store, "bad-1") != NotificationStatus::kReceived; }));
  engine.Stop();
  CHECK(resolver.Attempts("good-1") == 1);
}

TEST_CASE(
    "engine: a slow resolution does not hold up the others, and intake returns before resolving",
    "[engine][intake]") {
  sfn::test::TempDir dir;
  auto store = OpenSqliteStore({dir.File("store.sqlite")});
  REQUIRE(store.ok());
  SandboxTransport transport;
  ScriptedResolver resolver;
  resolver.blocked = {"slow-1"};
  EngineOptions options;
  options.recovery_interval_ms = 100;
  Engine engine(options, **store, transport, resolver, nullptr);
  engine.Start();
  EventIntake intake({}, **store, [&engine] { engine.Wake(); });
  auto event = [](const std::string& request_id) {
    return R"({"Request_Id__c":")" + request_id +
           R"(","Contact_Point__c":"Main","Message__c":"hi","CreatedById":"005000000000001AAA",)"
           R"("CreatedDate":")" +
           sfn::timeutil::FormatRfc3339Millis(sfn::timeutil::NowMillis()) +
           R"(","Record_Ids__c":"00Q000000000001EAA"})";
  };
  // The CometD thread's work: both events are recorded and the handler returns while slow-1's
  // resolution is blocked (it used to resolve inline, under one mutex for every resolution).
  REQUIRE(intake.Handle(event("slow-1"), 10, "uuid-1").ok());
  REQUIRE(WaitFor([&] { return resolver.Attempts("slow-1") == 1; }));
  REQUIRE(intake.Handle(event("fast-1"), 12, "uuid-2").ok());
  CHECK(WaitFor([&] { return StatusOf(**store, "fast-1") != NotificationStatus::kReceived; }));
  CHECK(StatusOf(**store, "slow-1") == NotificationStatus::kReceived);
  resolver.Release();
  CHECK(WaitFor([&] { return StatusOf(**store, "slow-1") != NotificationStatus::kReceived; }));
  engine.Stop();
}
