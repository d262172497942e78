// quiqemu: Quiq's notification API and conversation webhooks on loopback. See
// docs/quiq.md for the options and the /__emulator/ hooks.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/http_server.h"
#include "common/signals.h"
#include "sandbox/quiqemu/emulator.h"

namespace {

constexpr const char* kUsage =
    "usage: quiqemu [--host 127.0.0.1] [--port N (0 = pick)] [--identity ID] [--secret S]\n"
    "               [--hook-secret S] [--webhook-url URL]\n";

struct CommandLine {
  sfn::http::ServerOptions server;
  sfn::quiqemu::EmulatorOptions emulator;
};

// Returns an error message, "help", or "" on success.
std::string Parse(int argc, char** argv, CommandLine* cl) {
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") return "help";
    if (i + 1 >= argc) return flag + " needs a value";
    std::string value = argv[++i];
    if (flag == "--host") {
      cl->server.host = value;
    } else if (flag == "--port") {
      char* end = nullptr;
      long port = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || port < 0 || port > 65535) {
        return "--port: expected 0-65535, got '" + value + "'";
      }
      cl->server.port = static_cast<int>(port);
    } else if (flag == "--identity" || flag == "--secret" || flag == "--hook-secret") {
      if (value.empty()) return flag + ": must not be empty";
      if (flag == "--identity") cl->emulator.identity = value;
      if (flag == "--secret") cl->emulator.secret = value;
      if (flag == "--hook-secret") cl->emulator.hook_secret = value;
    } else if (flag == "--webhook-url") {
      if (value.rfind("http://", 0) != 0 && value.rfind("https://", 0) != 0) {
        return "--webhook-url: expected an absolute http(s) URL";
      }
      cl->emulator.webhook_url = value;
    } else {
      return "unknown option " + flag;
    }
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  sfn::BlockTerminationSignals();
  CommandLine cl;
  std::string problem = Parse(argc, argv, &cl);
  if (problem == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!problem.empty()) {
    std::fprintf(stderr, "quiqemu: %s\n%s", problem.c_str(), kUsage);
    return 2;
  }
  sfn::quiqemu::Emulator emulator(cl.emulator);
  sfn::http::Server server(
      cl.server, [&emulator](sfn::http::Request&& request, sfn::http::Responder responder) {
        emulator.Handle(std::move(request), std::move(responder));
      });
  auto status = server.Start();
  if (!status.ok()) {
    std::fprintf(stderr, "quiqemu: %s\n", status.message().c_str());
    return 1;
  }
  std::printf("quiqemu listening on %s\n", server.base_url().c_str());
  std::fflush(stdout);
  sfn::WaitForTermination();
  emulator.ReleaseHeldRequests();
  server.Stop();
  return 0;
}
