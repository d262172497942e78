// sfnotify reconcile-optouts as an operator runs it: fixes drift, says what it
// changed, changes nothing the second time, and fails loudly (non-zero exit,
// a message on stderr) when it cannot do its job.
#include <catch2/catch.hpp>

#include "common/child_process.h"
#include "stack.h"

using namespace e2e;

namespace {

struct Run {
  int exit_code = -1;
  std::string out, err;
};

Run Reconcile(Stack& stack, std::vector<std::string> args) {
  static int n = 0;
  std::string err_file = stack.dir().File("reconcile-" + std::to_string(++n) + ".err");
  std::vector<std::string> argv = {sfn::test::BinDir() + "/sfnotify", "reconcile-optouts"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto child = sfn::ChildProcess::Start(argv, err_file, {"E2E_SMS_TOKEN=smsemu-demo-token"});
  REQUIRE(child.ok());
  Run run;
  run.out = child->ReadRemaining(std::chrono::seconds(60));
  run.exit_code = child->Wait(std::chrono::seconds(30));
  run.err = sfn::test::ReadFile(err_file);
  return run;
}

bool OptedOut(Stack& stack, const std::string& id) {
  auto leads = stack.Records("Lead");
  for (const auto& r : leads["records"].GetArray()) {
    if (id == r["Id"].GetString())
      return r["SMS_Opt_Out__c"].IsBool() && r["SMS_Opt_Out__c"].GetBool();
  }
  FAIL("no Lead " << id);
  return false;
}

}  // namespace

TEST_CASE(
    "reconcile-optouts fixes drift once, is idempotent, and exits non-zero when it cannot write",
    "[e2e][sync]") {
  Stack stack;
  stack.RouteInboundToConnector();
  auto ids = stack.CreateRecords(
      "Lead",
      {R"({"LastName":"Drift","Company":"Drift Co","SMS_Opt_In__c":true,"MobilePhone":"(212) 555-0221"})"});
  // A STOP (the number was never messaged: still an opt-out of that contact point's number).
  REQUIRE(stack.gateway
              ->Send("POST", "/__emulator/inbound",
                     R"({"From":"+12125550221","To":"+15005550006","Body":"STOP"})")
              .status == 200);
  REQUIRE(Stack::WaitUntil([&] { return OptedOut(stack, ids[0]); }));
  // Someone clears the field in Salesforce.
  REQUIRE(stack.org
              ->Send("PATCH", "/services/data/v62.0/sobjects/Lead/" + ids[0],
                     R"({"SMS_Opt_Out__c":false})",
                     {{"Authorization", "Bearer " + stack.OrgToken()}})
              .status == 204);

  // The org refuses every Collections update: the command says so and exits 1, changing nothing.
  REQUIRE(
      stack.org
          ->Send(
              "POST", "/__emulator/faults",
              R"({"fault":"http_500","count":100,"method":"PATCH","path":"/services/data/v62.0/composite/sobjects"})")
          .status == 201);
  auto failed = Reconcile(stack, {"--config", stack.config_path()});
  INFO(failed.out << failed.err);
  CHECK(failed.exit_code == 1);
  CHECK(failed.err.find("sfnotify: ") != std::string::npos);
  CHECK_FALSE(OptedOut(stack, ids[0]));
  REQUIRE(stack.org->Send("DELETE", "/__emulator/faults").status == 200);

  auto fixed = Reconcile(stack, {"--config", stack.config_path()});
  INFO(fixed.out << fixed.err);
  CHECK(fixed.exit_code == 0);
  CHECK(fixed.out.find("opted out Lead " + ids[0] + " (********0221)") != std::string::npos);
  CHECK(fixed.out.find("1 suppressed number(s), 1 record(s) checked, 1 changed") !=
        std::string::npos);
  CHECK(fixed.out.find("+12125550221") == std::string::npos);  // numbers are masked in the report
  CHECK(OptedOut(stack, ids[0]));

  auto again = Reconcile(stack, {"--config", stack.config_path()});
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("1 record(s) checked, 0 changed") != std::string::npos);

  auto no_config = Reconcile(stack, {});
  CHECK(no_config.exit_code == 2);
  CHECK(no_config.err.find("--config") != std::string::npos);
}
