// Runs the built binaries as a user would.
#include <catch2/catch.hpp>

#include "common/http_client.h"
#include "support/test_env.h"

using sfn::ChildProcess;
using namespace sfn::test;

namespace {
struct Outcome {
  int code;
  std::string stdout_text;
  std::string stderr_text;
};

Outcome RunSfnotify(std::vector<std::string> args, const TempDir& dir) {
  args.insert(args.begin(), BinDir() + "/sfnotify");
  std::string err = dir.File("stderr.txt");
  auto child = ChildProcess::Start(args, err);
  REQUIRE(child.ok());
  std::string out = child->ReadRemaining(std::chrono::seconds(60));
  int code = child->Wait(std::chrono::seconds(60));
  return {code, out, ReadFile(err)};
}
}  // namespace

TEST_CASE("sfnotify run with a bad config exits non-zero with one line naming file and field", "[cli]") {
  TempDir dir;
  std::string cfg = dir.Write("cfg.json", R"({"salesforce": {"login_url": true}})");
  auto r = RunSfnotify({"run", "--config", cfg}, dir);
  CHECK(r.code == 2);
  CHECK(r.stderr_text == "sfnotify: config error: " + cfg + ": salesforce.login_url: must be a string\n");

  auto missing = RunSfnotify({"run", "--config", dir.File("absent.json")}, dir);
  CHECK(missing.code == 2);
  CHECK(missing.stderr_text.find(dir.File("absent.json") + ": cannot read file") != std::string::npos);
}

TEST_CASE("sfnotify with no command prints usage and fails", "[cli]") {
  TempDir dir;
  auto r = RunSfnotify({}, dir);
  CHECK(r.code == 2);
  CHECK(r.stderr_text.find("usage: sfnotify") != std::string::npos);
  auto unknown = RunSfnotify({"frobnicate"}, dir);
  CHECK(unknown.code == 2);
  CHECK(unknown.stderr_text.find("unknown command 'frobnicate'") != std::string::npos);
}

TEST_CASE("emulators start on an OS-chosen port and stop on SIGTERM", "[cli]") {
  for (const char* program : {"sfemu", "smsemu"}) {
    auto server = StartServer(program, {"--port", "0"});
    CHECK(server.process.output().find(std::string(program) + " listening on http://127.0.0.1:") == 0);
    sfn::http::Client client(server.url);
    sfn::http::Request request;
    request.path = "/__emulator/health";
    auto response = client.Send(request);
    REQUIRE(response.ok());
    CHECK(response->status == 200);
    CHECK(server.process.Stop() == 0);
  }
}

TEST_CASE("sfnotify demo runs and exits 0", "[cli][demo]") {
  TempDir dir;
  auto r = RunSfnotify({"demo"}, dir);
  INFO(r.stdout_text << r.stderr_text);
  CHECK(r.code == 0);
  CHECK(r.stdout_text.find("demo done") != std::string::npos);
}
