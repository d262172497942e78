// quiqemu: Quiq's notification API and conversation webhooks on loopback. See
// docs/quiq.md for the options and the /__emulator/ hooks.
#include <string>

#include "common/http_server.h"
#include "sandbox/common/emulator_cli.h"
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
  return sfn::sandbox::ParseFlags(
      argc, argv, [cl](const std::string& flag, const std::string& value) -> std::string {
        if (flag == "--host") {
          cl->server.host = value;
        } else if (flag == "--port") {
          if (!sfn::sandbox::ParseWholeNumber(value, 0, 65535, &cl->server.port))
            return "--port: expected 0-65535, got '" + value + "'";
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
        return "";
      });
}

}  // namespace

int main(int argc, char** argv) {
  sfn::sandbox::PrepareSignals();
  CommandLine cl;
  int exit_code = sfn::sandbox::ReportFlags("quiqemu", Parse(argc, argv, &cl), kUsage);
  if (exit_code >= 0) return exit_code;
  sfn::quiqemu::Emulator emulator(cl.emulator);
  sfn::http::Server server(
      cl.server, [&emulator](sfn::http::Request&& request, sfn::http::Responder responder) {
        emulator.Handle(std::move(request), std::move(responder));
      });
  return sfn::sandbox::ServeUntilTerminated("quiqemu", server, nullptr,
                                            [&emulator] { emulator.ReleaseHeldRequests(); });
}
