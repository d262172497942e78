// The operator commands against a running stack: doctor, mapping validate, send.
#include <catch2/catch.hpp>

#include "stack.h"

using namespace e2e;

namespace {
struct Run {
  int code;
  std::string out;
  std::string err;
};

Run Sfnotify(const Stack& stack, std::vector<std::string> args, std::vector<std::string> env = {}) {
  args.insert(args.begin(), sfn::test::BinDir() + "/sfnotify");
  std::string err_path = stack.dir().File("cli-stderr.txt");
  std::remove(err_path.c_str());
  auto child = sfn::ChildProcess::Start(args, err_path, env);
  REQUIRE(child.ok());
  std::string out = child->ReadRemaining(std::chrono::seconds(120));
  int code = child->Wait(std::chrono::seconds(60));
  return {code, out, sfn::test::ReadFile(err_path)};
}
}  // namespace

TEST_CASE("doctor reports one line per check and fails on bad gateway credentials", "[e2e][cli]") {
  Stack stack;
  auto good = Sfnotify(stack, {"doctor", "--config", stack.config_path()}, {"E2E_SMS_TOKEN=smsemu-demo-token"});
  INFO(good.out << good.err);
  CHECK(good.code == 0);
  for (const char* check : {"config", "credentials", "login", "event channel", "mapping", "mapping fields", "gateway",
                            "store"}) {
    CHECK(good.out.find(std::string("ok    ") + check) != std::string::npos);
  }
  auto bad = Sfnotify(stack, {"doctor", "--config", stack.config_path()}, {"E2E_SMS_TOKEN=wrong-token"});
  INFO(bad.out);
  CHECK(bad.code == 1);
  CHECK(bad.out.find("FAIL  gateway") != std::string::npos);
  auto missing = Sfnotify(stack, {"doctor", "--config", stack.config_path()}, {});
  CHECK(missing.out.find("E2E_SMS_TOKEN is not set") != std::string::npos);
}

TEST_CASE("mapping validate accepts the demo mapping and names each bad field with its location", "[e2e][cli]") {
  Stack stack;
  auto ok = Sfnotify(stack, {"mapping", "validate", "--config", stack.config_path()});
  INFO(ok.out << ok.err);
  CHECK(ok.code == 0);
  CHECK(ok.out.find("mapping is valid") != std::string::npos);

  // A mapping that names a field the org does not have.
  std::string mapping = sfn::test::ReadFile(sfn::test::SourceDir() + "/mapping/demo-mapping.json");
  auto pos = mapping.find("\"SMS_Time_Zone__c\"");
  REQUIRE(pos != std::string::npos);
  mapping.replace(pos, std::string("\"SMS_Time_Zone__c\"").size(), "\"SMS_Zone_Typo__c\"");
  std::string bad_mapping = stack.dir().Write("bad-mapping.json", mapping);
  std::string config = sfn::test::ReadFile(stack.config_path());
  auto mpos = config.find(sfn::test::SourceDir() + "/mapping/demo-mapping.json");
  REQUIRE(mpos != std::string::npos);
  config.replace(mpos, (sfn::test::SourceDir() + "/mapping/demo-mapping.json").size(), bad_mapping);
  std::string bad_config = stack.dir().Write("bad-config.json", config);
  auto bad = Sfnotify(stack, {"mapping", "validate", "--config", bad_config});
  INFO(bad.out << bad.err);
  CHECK(bad.code == 1);
  CHECK(bad.out.find("SMS_Zone_Typo__c") != std::string::npos);
  CHECK(bad.out.find("bad-mapping.json") != std::string::npos);
}

TEST_CASE("sfnotify send goes through the API and reports progress until done", "[e2e][cli]") {
  Stack stack;
  auto leads = stack.RecordIds("Lead");
  std::string records = leads[0] + "," + leads[1] + "," + leads[2];
  std::vector<std::string> common = {"--url", stack.api->client->base_url(), "--contact-point", "Alerts",
                                     "--requested-by", "0055g0000000002AAA", "--message", "CLI hello",
                                     "--records", records};
  auto dry = Sfnotify(stack, [&] { auto a = common; a.insert(a.begin(), "send"); a.push_back("--dry-run"); return a; }(),
                      {std::string("SFNOTIFY_API_KEY=") + kApiKey});
  INFO(dry.out << dry.err);
  CHECK(dry.code == 0);
  CHECK(dry.out.find("preflight: 3 recipients") != std::string::npos);
  CHECK(stack.Messages()["messages"].Size() == 0);

  auto sent = Sfnotify(stack, [&] { auto a = common; a.insert(a.begin(), "send"); a.push_back("--request-id");
                                    a.push_back("cli-1"); return a; }(),
                       {std::string("SFNOTIFY_API_KEY=") + kApiKey});
  INFO(sent.out << sent.err);
  CHECK(sent.code == 0);
  CHECK(sent.out.find("accepted: 3 recipients") != std::string::npos);
  CHECK(sent.out.find("done:") != std::string::npos);
  auto view = Json(stack.Api("GET", "/v1/notifications/by-request/cli-1").body);
  int to_send = 0;
  for (const auto& r : view["recipients"].GetArray()) to_send += std::string(r["state"].GetString()) != "suppressed";
  CHECK(stack.Messages()["messages"].Size() == static_cast<size_t>(to_send));

  auto no_key = Sfnotify(stack, [&] { auto a = common; a.insert(a.begin(), "send"); return a; }());
  CHECK(no_key.code == 2);
  CHECK(no_key.err.find("API key is required") != std::string::npos);
}
