// sfemu: a local Salesforce org for development and tests. See docs/sfemu.md.
// Wires the org store, seed, OAuth, REST, event bus, CometD, hooks and router
// together, prints "sfemu listening on URL" when ready, stops on SIGTERM.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "common/delayed_handler.h"
#include "common/http_server.h"
#include "salesforce/record_id.h"
#include "sandbox/common/emulator_cli.h"
#include "sandbox/sfemu/api_usage.h"
#include "sandbox/sfemu/cometd.h"
#include "sandbox/sfemu/event_bus.h"
#include "sandbox/sfemu/faults.h"
#include "sandbox/sfemu/hooks.h"
#include "sandbox/sfemu/oauth.h"
#include "sandbox/sfemu/org_store.h"
#include "sandbox/sfemu/request_log.h"
#include "sandbox/sfemu/rest.h"
#include "sandbox/sfemu/router.h"
#include "sandbox/sfemu/seed.h"

#ifndef SFEMU_DEFAULT_CERT
#define SFEMU_DEFAULT_CERT "sandbox/certs/sfemu-demo.crt"
#endif
#ifndef SFEMU_CERT_DIR
#define SFEMU_CERT_DIR "sandbox/certs"
#endif

namespace {

struct Flags {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string seed;
  std::string state;
  std::string client_id = "sfnotify-local";
  std::string client_secret = "sfnotify-local-secret";
  std::string jwt_cert = SFEMU_DEFAULT_CERT;
  long long token_ttl = 7200;
  std::string api_version = "62.0";
  bool rotate_refresh_tokens = false;
  bool tls = false;
  std::string tls_cert = SFEMU_CERT_DIR "/sfemu-tls.crt";
  std::string tls_key = SFEMU_CERT_DIR "/sfemu-tls.key";
  std::string tls_ca = SFEMU_CERT_DIR "/sfemu-demo.crt";
  long long bulk_page_records = 50000;
  std::vector<std::pair<std::string, std::string>> sharing;  // object, model
  long long latency_ms = 0;  // added to every API response (not /__emulator/)
};

const char* kUsage =
    "usage: sfemu [--host 127.0.0.1] [--port N (0 = pick)] [--seed FILE] [--state FILE.sqlite]\n"
    "             [--client-id ID] [--client-secret S] [--jwt-cert PEM] [--token-ttl SECONDS]\n"
    "             [--api-version 62.0] [--refresh-token-rotation] [--tls [--tls-cert PEM\n"
    "             --tls-key PEM --tls-ca PEM]] [--bulk-page-records N]\n"
    "             [--sharing OBJECT=private|read|readwrite]... [--latency-ms N]\n";

int Fail(const std::string& message) {
  std::fprintf(stderr, "sfemu: %s\n%s", message.c_str(), kUsage);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  sfn::sandbox::PrepareSignals();
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (arg == "--refresh-token-rotation") {
      flags.rotate_refresh_tokens = true;
      continue;
    }
    if (arg == "--tls") {
      flags.tls = true;
      continue;
    }
    if (i + 1 >= argc) return Fail("missing value for " + arg);
    std::string value = argv[++i];
    long long n = 0;
    if (arg == "--host")
      flags.host = value;
    else if (arg == "--port") {
      if (!sfn::sandbox::ParseWholeNumber(value, 0, 65535, &n))
        return Fail("--port must be 0..65535, got '" + value + "'");
      flags.port = static_cast<int>(n);
    } else if (arg == "--seed")
      flags.seed = value;
    else if (arg == "--state")
      flags.state = value;
    else if (arg == "--client-id")
      flags.client_id = value;
    else if (arg == "--client-secret")
      flags.client_secret = value;
    else if (arg == "--jwt-cert")
      flags.jwt_cert = value;
    else if (arg == "--token-ttl") {
      if (!sfn::sandbox::ParseWholeNumber(value, 1, 365LL * 86400, &n))
        return Fail("--token-ttl must be a positive number of seconds");
      flags.token_ttl = n;
    } else if (arg == "--tls-cert") {
      flags.tls_cert = value;
    } else if (arg == "--tls-key") {
      flags.tls_key = value;
    } else if (arg == "--tls-ca") {
      flags.tls_ca = value;
    } else if (arg == "--bulk-page-records") {
      if (!sfn::sandbox::ParseWholeNumber(value, 1, 100000000, &n))
        return Fail("--bulk-page-records must be a positive number, got '" + value + "'");
      flags.bulk_page_records = n;
    } else if (arg == "--sharing") {
      auto eq = value.find('=');
      std::string model = eq == std::string::npos ? "" : value.substr(eq + 1);
      if (eq == 0 || eq == std::string::npos ||
          (model != "private" && model != "read" && model != "readwrite")) {
        return Fail("--sharing must look like Lead=private (private, read or readwrite), got '" +
                    value + "'");
      }
      flags.sharing.emplace_back(value.substr(0, eq), model);
    } else if (arg == "--latency-ms") {
      if (!sfn::sandbox::ParseWholeNumber(value, 0, 60000, &flags.latency_ms))
        return Fail("--latency-ms must be 0..60000 milliseconds, got '" + value + "'");
    } else if (arg == "--api-version") {
      long long major = 0;
      if (value.size() < 4 || value.substr(value.size() - 2) != ".0" ||
          !sfn::sandbox::ParseWholeNumber(value.substr(0, value.size() - 2), 31, 99, &major)) {
        return Fail("--api-version must look like 62.0 (31.0 or later), got '" + value + "'");
      }
      flags.api_version = value;
    } else {
      return Fail("unknown option " + arg);
    }
  }

  std::ifstream cert_in(flags.jwt_cert);
  if (!cert_in) return Fail("cannot read --jwt-cert " + flags.jwt_cert);
  std::stringstream cert;
  cert << cert_in.rdbuf();

  if (flags.tls) {
    for (const auto& file : {flags.tls_cert, flags.tls_key, flags.tls_ca}) {
      if (!std::ifstream(file)) return Fail("cannot read TLS file " + file);
    }
  }

  sfemu::OrgStore store(sfemu::OrgStoreOptions{flags.state});
  bool loaded = false;
  if (auto s = store.Open(&loaded); !s.ok()) {
    std::fprintf(stderr, "sfemu: %s\n", s.message().c_str());
    return 1;
  }
  if (auto s = sfemu::ApplySeed(store, sfemu::SeedOptions{flags.seed, loaded}); !s.ok()) {
    std::fprintf(stderr, "sfemu: %s\n", s.message().c_str());
    return 1;
  }
  for (const auto& [object, model] : flags.sharing) {
    if (!store.FindObject(object)) return Fail("--sharing: unknown sObject '" + object + "'");
    store.SetSharing(object, model == "private" ? sfemu::SharingModel::kPrivate
                             : model == "read"  ? sfemu::SharingModel::kRead
                                                : sfemu::SharingModel::kReadWrite);
  }
  if (!loaded) {
    if (auto s = store.PersistAll(); !s.ok()) {
      std::fprintf(stderr, "sfemu: %s\n", s.message().c_str());
      return 1;
    }
  }

  std::string org_id = sfn::salesforce::MakeId("00D", 1);
  sfemu::OAuthOptions oauth_options;
  oauth_options.client_id = flags.client_id;
  oauth_options.client_secret = flags.client_secret;
  oauth_options.jwt_cert_pem = cert.str();
  oauth_options.token_ttl_seconds = flags.token_ttl;
  oauth_options.rotate_refresh_tokens = flags.rotate_refresh_tokens;
  oauth_options.org_id = org_id;
  oauth_options.api_version = flags.api_version;
  sfemu::OAuthServer oauth(store, oauth_options);

  sfemu::EventBusOptions bus_options;
  bus_options.state_path = flags.state;
  sfemu::EventBus bus(bus_options);
  sfemu::CometdOptions cometd_options;
  cometd_options.api_version = flags.api_version;
  sfemu::CometdEndpoint cometd(bus, cometd_options);

  sfemu::ApiUsage usage;
  sfemu::RequestLog log;
  sfemu::FaultInjector faults;
  sfemu::RestOptions rest_options;
  rest_options.max_version = std::atoi(flags.api_version.c_str());
  rest_options.bulk_page_records = static_cast<size_t>(flags.bulk_page_records);
  sfemu::RestApi rest(store, bus, usage, rest_options);
  sfemu::EmulatorHooks hooks(
      sfemu::HookTargets{store, oauth, rest, cometd, faults, log, usage, flags.api_version});

  sfn::http::ServerOptions server_options;
  server_options.host = flags.host;
  server_options.port = flags.port;
  if (flags.tls) {
    server_options.tls.certificate_chain_file = flags.tls_cert;
    server_options.tls.private_key_file = flags.tls_key;
  }
  // Salesforce answers an oversized URI with 414 and oversized headers with 431 in its own
  // words (Router checks 16,384 bytes); the transport limit sits above so those checks run.
  server_options.limits.max_header_bytes = 4 * sfemu::Router::kMaxUriAndHeaderBytes;
  sfemu::Router router(
      sfemu::RouterTargets{oauth, rest, cometd, hooks, faults, log, usage, org_id, &store});
  sfn::http::DelayOptions delay;
  delay.latency_ms = static_cast<int>(flags.latency_ms);
  delay.applies = sfn::http::IsApiPath;
  sfn::http::Server server(
      server_options, sfn::http::WithLatency(
                          [&router](sfn::http::Request&& request, sfn::http::Responder responder) {
                            router.Handle(std::move(request), std::move(responder));
                          },
                          delay));
  auto ready = [&] {
    router.set_base_url(server.base_url());
    if (flags.tls) {
      // The CA that signed the TLS certificate, for clients to trust (NODE_EXTRA_CA_CERTS,
      // curl --cacert, ...).
      std::printf("sfemu TLS CA certificate: %s\n", flags.tls_ca.c_str());
    }
  };
  return sfn::sandbox::ServeUntilTerminated("sfemu", server, ready,
                                            [&cometd] { cometd.Shutdown(); });
}
