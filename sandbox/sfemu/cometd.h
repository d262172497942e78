// The Streaming API (CometD / Bayeux, long-polling) endpoint of sfemu at
// /cometd/XX.X: handshake, subscribe (with the replay extension), connect
// (held up to advice.timeout), unsubscribe, disconnect, cookies
// (BAYEUX_BROWSER), and Salesforce's error strings (401::Authentication invalid,
// 403::Unknown client, 400::The replayId ... was invalid ...).
#pragma once

#include <memory>
#include <string>

#include "common/http_server.h"
#include "sandbox/sfemu/event_bus.h"

namespace sfemu {

// What the router learned from the request's bearer token.
struct AuthInfo {
  bool present = false;  // an Authorization header was sent
  bool valid = false;    // the token is known and unexpired
  std::string user_id;   // 18-char User Id of the token's user
  std::string org_id;
};

struct CometdOptions {
  std::string api_version = "62.0";
  int connect_timeout_ms = 110000;   // advice.timeout; how long a connect is held
};

class CometdEndpoint {
 public:
  CometdEndpoint(EventBus& bus, CometdOptions options);
  ~CometdEndpoint();

  // Handles POST /cometd/<version>[/...] (the router passes every such request).
  void Handle(sfn::http::Request&& request, sfn::http::Responder responder, const AuthInfo& auth);

  // Fault hook: forget every client, so the next connect gets 403::Unknown client.
  void DropAllSessions();
  // Answers every held connect (used at shutdown).
  void Shutdown();
  size_t ActiveClients() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sfemu
