// The Streaming API (CometD / Bayeux, long-polling) endpoint of sfemu at
// /cometd/XX.X: handshake, subscribe (with the replay extension), connect
// (held up to advice.timeout), unsubscribe, disconnect, cookies
// (BAYEUX_BROWSER), and Salesforce's error strings (401::Authentication invalid,
// 403::Unknown client, 400::The replayId ... was invalid ...).
//
// Handle() never blocks: a connect with nothing to deliver keeps its Responder
// and is answered later by a publish, the timeout timer, DropAllSessions or
// Shutdown. Bayeux-level failures are HTTP 200 with "successful":false in the
// message (as Salesforce sends them); only a bad URI version or an unreadable
// body is an HTTP 400. A missing token is "401::Request requires
// authentication", an invalid one "401::Authentication invalid" (a handshake
// gets "403::Handshake denied" with ext.sfdc.failureReason). Thread-safe.
#pragma once

#include <functional>
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
  int connect_timeout_ms = 110000;  // advice.timeout; how long a connect is held
  // A client that has no connect held for this long is forgotten (its next
  // connect gets 403::Unknown client), as Salesforce expects a reconnect
  // within 40 s after a connect returns.
  int max_idle_ms = 40000;
  // At most this many events go into one connect response; the rest wait for
  // the next connect.
  size_t max_events_per_connect = 2000;
  // Whether a channel can be subscribed to. Empty: only
  // /event/Outbound_Notification__e exists. The router passes the org's
  // platform events ("/event/<Name>__e").
  std::function<bool(const std::string& channel)> channel_exists;
};

class CometdEndpoint {
 public:
  CometdEndpoint(EventBus& bus, CometdOptions options);
  ~CometdEndpoint();

  // Handles POST /cometd/<version>[/...] (the router passes every such request).
  void Handle(sfn::http::Request&& request, sfn::http::Responder responder, const AuthInfo& auth);

  // Fault hook: forget every client, so the next connect gets 403::Unknown client.
  // A connect held at that moment is answered (successfully, without events).
  void DropAllSessions();
  // Every held connect is answered with 401::Authentication invalid (advice
  // reconnect none), as Salesforce does when it finds a token revoked while a
  // client waits. For /__emulator/expire-tokens.
  void InvalidateAuthentication();
  // Answers every held connect (used at shutdown).
  void Shutdown();
  size_t ActiveClients() const;
  // Connects currently held waiting for events (for tests and diagnostics).
  size_t HeldConnects() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sfemu
