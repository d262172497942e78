// smsemu: a Twilio-compatible SMS gateway emulator on loopback. See
// docs/smsemu.md for the options, the seed file and the /__emulator/ hooks.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/delayed_handler.h"
#include "common/http_server.h"
#include "sandbox/common/emulator_cli.h"
#include "sandbox/smsemu/emulator.h"
#include "sandbox/smsemu/seed.h"

namespace {

constexpr const char* kUsage =
    "usage: smsemu [--host 127.0.0.1] [--port N (0 = pick)] [--account-sid AC...] [--auth-token "
    "T]\n"
    "              [--mps N] [--queue-limit-seconds N] [--max-concurrent N]\n"
    "              [--delivery-delay-ms N] [--callback-retry-delay-ms N] [--seed FILE]\n"
    "              [--inbound-url URL] [--latency-ms N]\n";

struct CommandLine {
  sfn::http::ServerOptions server;
  sfn::smsemu::EmulatorOptions emulator;
  std::string seed_path;
  int latency_ms = 0;  // added to every API response (not /__emulator/)
};

// Returns an error message, or "" on success.
std::string Parse(int argc, char** argv, CommandLine* cl) {
  return sfn::sandbox::ParseFlags(
      argc, argv, [cl](const std::string& flag, const std::string& value) -> std::string {
        if (flag == "--host") {
          cl->server.host = value;
        } else if (flag == "--port") {
          if (!sfn::sandbox::ParseWholeNumber(value, 0, 65535, &cl->server.port))
            return "--port: expected 0-65535, got '" + value + "'";
        } else if (flag == "--account-sid") {
          if (value.size() != 34 || value.compare(0, 2, "AC") != 0) {
            return "--account-sid: expected AC followed by 32 hex digits";
          }
          cl->emulator.account_sid = value;
        } else if (flag == "--auth-token") {
          if (value.empty()) return "--auth-token: must not be empty";
          cl->emulator.auth_token = value;
        } else if (flag == "--mps") {
          if (!sfn::sandbox::ParseWholeNumber(value, 1, 1000000,
                                              &cl->emulator.segments_per_second)) {
            return "--mps: expected a positive number of segments per second, got '" + value + "'";
          }
        } else if (flag == "--queue-limit-seconds") {
          // Twilio's ValidityPeriod range: 1 s to 10 h (the default).
          if (!sfn::sandbox::ParseWholeNumber(value, 1, 36000, &cl->emulator.queue_limit_seconds)) {
            return "--queue-limit-seconds: expected 1-36000 seconds, got '" + value + "'";
          }
        } else if (flag == "--max-concurrent") {
          if (!sfn::sandbox::ParseWholeNumber(value, 1, 100000, &cl->emulator.max_concurrent)) {
            return "--max-concurrent: expected a positive number of requests, got '" + value + "'";
          }
        } else if (flag == "--delivery-delay-ms") {
          if (!sfn::sandbox::ParseWholeNumber(value, 0, 3600000, &cl->emulator.delivery_delay_ms)) {
            return "--delivery-delay-ms: expected milliseconds >= 0, got '" + value + "'";
          }
        } else if (flag == "--callback-retry-delay-ms") {
          if (!sfn::sandbox::ParseWholeNumber(value, 0, 15000,
                                              &cl->emulator.callback_retry_delay_ms)) {
            return "--callback-retry-delay-ms: expected 0-15000 milliseconds, got '" + value + "'";
          }
        } else if (flag == "--latency-ms") {
          if (!sfn::sandbox::ParseWholeNumber(value, 0, 60000, &cl->latency_ms)) {
            return "--latency-ms: expected milliseconds 0-60000, got '" + value + "'";
          }
        } else if (flag == "--seed") {
          cl->seed_path = value;
        } else if (flag == "--inbound-url") {
          if (value.rfind("http://", 0) != 0 && value.rfind("https://", 0) != 0) {
            return "--inbound-url: expected an absolute http(s) URL";
          }
          cl->emulator.inbound_url = value;
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
  int exit_code = sfn::sandbox::ReportFlags("smsemu", Parse(argc, argv, &cl), kUsage);
  if (exit_code >= 0) return exit_code;
  sfn::smsemu::Seed seed;
  if (!cl.seed_path.empty()) {
    auto loaded = sfn::smsemu::LoadSeedFile(cl.seed_path);
    if (!loaded.ok()) {
      std::fprintf(stderr, "smsemu: --seed: %s\n", loaded.status().message().c_str());
      return 2;
    }
    seed = std::move(loaded.value());
  }

  sfn::smsemu::Emulator emulator(cl.emulator, std::move(seed));
  sfn::http::DelayOptions delay;
  delay.latency_ms = cl.latency_ms;
  delay.applies = sfn::http::IsApiPath;
  sfn::http::Server server(
      cl.server, sfn::http::WithLatency(
                     [&emulator](sfn::http::Request&& request, sfn::http::Responder responder) {
                       emulator.Handle(std::move(request), std::move(responder));
                     },
                     delay));
  return sfn::sandbox::ServeUntilTerminated("smsemu", server, nullptr,
                                            [&emulator] { emulator.ReleaseHeldRequests(); });
}
