// smsemu: a Twilio-compatible SMS gateway emulator on loopback. See
// docs/smsemu.md for the options, the seed file and the /__emulator/ hooks.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/delayed_handler.h"
#include "common/http_server.h"
#include "common/signals.h"
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

bool ParseInt(const std::string& text, int min, int max, int* out) {
  char* end = nullptr;
  long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || value < min || value > max) return false;
  *out = static_cast<int>(value);
  return true;
}

// Returns an error message, or "" on success.
std::string Parse(int argc, char** argv, CommandLine* cl) {
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") return "help";
    if (i + 1 >= argc) return flag + " needs a value";
    std::string value = argv[++i];
    if (flag == "--host") {
      cl->server.host = value;
    } else if (flag == "--port") {
      if (!ParseInt(value, 0, 65535, &cl->server.port))
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
      if (!ParseInt(value, 1, 1000000, &cl->emulator.segments_per_second)) {
        return "--mps: expected a positive number of segments per second, got '" + value + "'";
      }
    } else if (flag == "--queue-limit-seconds") {
      // Twilio's ValidityPeriod range: 1 s to 10 h (the default).
      if (!ParseInt(value, 1, 36000, &cl->emulator.queue_limit_seconds)) {
        return "--queue-limit-seconds: expected 1-36000 seconds, got '" + value + "'";
      }
    } else if (flag == "--max-concurrent") {
      if (!ParseInt(value, 1, 100000, &cl->emulator.max_concurrent)) {
        return "--max-concurrent: expected a positive number of requests, got '" + value + "'";
      }
    } else if (flag == "--delivery-delay-ms") {
      if (!ParseInt(value, 0, 3600000, &cl->emulator.delivery_delay_ms)) {
        return "--delivery-delay-ms: expected milliseconds >= 0, got '" + value + "'";
      }
    } else if (flag == "--callback-retry-delay-ms") {
      if (!ParseInt(value, 0, 15000, &cl->emulator.callback_retry_delay_ms)) {
        return "--callback-retry-delay-ms: expected 0-15000 milliseconds, got '" + value + "'";
      }
    } else if (flag == "--latency-ms") {
      if (!ParseInt(value, 0, 60000, &cl->latency_ms)) {
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
    std::fprintf(stderr, "smsemu: %s\n%s", problem.c_str(), kUsage);
    return 2;
  }
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
  auto status = server.Start();
  if (!status.ok()) {
    std::fprintf(stderr, "smsemu: %s\n", status.message().c_str());
    return 1;
  }
  std::printf("smsemu listening on %s\n", server.base_url().c_str());
  std::fflush(stdout);
  sfn::WaitForTermination();
  emulator.ReleaseHeldRequests();
  server.Stop();
  return 0;
}
