// sfemu's front door: enforces Salesforce's request-size limits (414 / 431),
// sends /__emulator/ to the hooks, applies injected faults, authenticates
// bearer tokens, counts API usage (Sforce-Limit-Info), logs every non-hook
// request, and hands the rest to OAuth, REST or CometD.
#pragma once

#include <mutex>
#include <string>

#include "common/http_server.h"
#include "sandbox/sfemu/api_usage.h"
#include "sandbox/sfemu/cometd.h"
#include "sandbox/sfemu/faults.h"
#include "sandbox/sfemu/hooks.h"
#include "sandbox/sfemu/oauth.h"
#include "sandbox/sfemu/request_log.h"
#include "sandbox/sfemu/rest.h"

namespace sfemu {

struct RouterTargets {
  OAuthServer& oauth;
  RestApi& rest;
  CometdEndpoint& cometd;
  EmulatorHooks& hooks;
  FaultInjector& faults;
  RequestLog& log;
  ApiUsage& usage;
  std::string org_id;
  OrgStore* store = nullptr;  // for the record pages (record_page.h); none when null
};

class Router {
 public:
  // Salesforce help article 000386264: URI plus headers at most 16,384 bytes.
  static constexpr size_t kMaxUriAndHeaderBytes = 16384;

  explicit Router(RouterTargets targets) : t_(std::move(targets)) {}
  void Handle(sfn::http::Request&& request, sfn::http::Responder responder);
  // instance_url for requests without a Host header (set once the port is known).
  void set_base_url(std::string url) {
    std::lock_guard<std::mutex> lock(mu_);
    base_url_ = std::move(url);
  }

 private:
  AuthInfo Authenticate(const sfn::http::Request& request) const;
  std::string InstanceUrl(const sfn::http::Request& request) const;
  void Finish(const sfn::http::Request& request, const sfn::http::Responder& responder,
              sfn::http::Response response, bool api_call, const std::string& user);

  RouterTargets t_;
  mutable std::mutex mu_;
  std::string base_url_;
};

}  // namespace sfemu
