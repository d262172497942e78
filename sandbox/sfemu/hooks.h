// The /__emulator/ test hooks (no auth, not logged, not counted): health,
// faults, expire-tokens, cometd/drop-sessions, the request log, limits,
// records, publish, OAuth helpers (refresh-token issue, rotation switch) and
// Lead conversion (leads/convert, standing in for LeadConvert).
// Bodies are JSON; bad input gets 400 {"error":...,"field":...}.
#pragma once

#include "common/http_types.h"
#include "sandbox/sfemu/api_usage.h"
#include "sandbox/sfemu/cometd.h"
#include "sandbox/sfemu/faults.h"
#include "sandbox/sfemu/oauth.h"
#include "sandbox/sfemu/org_store.h"
#include "sandbox/sfemu/request_log.h"
#include "sandbox/sfemu/rest.h"

namespace sfemu {

struct HookTargets {
  OrgStore& store;
  OAuthServer& oauth;
  RestApi& rest;
  CometdEndpoint& cometd;
  FaultInjector& faults;
  RequestLog& log;
  ApiUsage& usage;
  std::string api_version;  // for attributes.url in /__emulator/records
};

class EmulatorHooks {
 public:
  explicit EmulatorHooks(HookTargets targets) : t_(targets) {}
  // Serves a request whose path starts with /__emulator/.
  sfn::http::Response Handle(const sfn::http::Request& request);

 private:
  sfn::http::Response Faults(const sfn::http::Request& request);
  sfn::http::Response Requests(const sfn::http::Request& request);
  sfn::http::Response Limits(const sfn::http::Request& request);
  sfn::http::Response Records(const sfn::http::Request& request);
  sfn::http::Response Publish(const sfn::http::Request& request);
  sfn::http::Response OAuth(const sfn::http::Request& request);
  sfn::http::Response ConvertLead(const sfn::http::Request& request);

  HookTargets t_;
};

}  // namespace sfemu
