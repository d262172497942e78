// smsemu's request router: the Twilio Messages REST API
// (/2010-04-01/Accounts/{AccountSid}/Messages...) and the test hooks under
// /__emulator/. It owns the gateway's state (messages, stop list, carrier
// rules, faults, sender queues, concurrency limit) and the background threads that run the
// delivery lifecycle and post signed webhooks. Handle() never blocks on the
// network: webhook posts and delayed answers finish on the emulator's threads.
// Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/http_server.h"
#include "sandbox/smsemu/carrier.h"
#include "sandbox/smsemu/concurrency_limit.h"
#include "sandbox/smsemu/faults.h"
#include "sandbox/smsemu/lifecycle.h"
#include "sandbox/smsemu/message_store.h"
#include "sandbox/smsemu/seed.h"
#include "sandbox/smsemu/sender_queue.h"
#include "sandbox/smsemu/stop_list.h"
#include "sandbox/smsemu/timer.h"
#include "sandbox/smsemu/webhook_sender.h"

namespace sfn::smsemu {

struct EmulatorOptions {
  std::string account_sid = "AC0123456789abcdef0123456789abcdef";
  std::string auth_token = "smsemu-demo-token";  // demo secret; signs webhooks
  int segments_per_second = 100;                 // per sender; more waits in its queue
  int queue_limit_seconds = 36000;               // longest queue time (Twilio: 10 h), then 30001
  int max_concurrent = 100;                      // API requests in flight; more → 429 / 20429
  int delivery_delay_ms = 50;                    // between lifecycle steps
  int callback_retry_delay_ms = 0;               // pause before a webhook retry
  std::string inbound_url;                       // overrides the seed's; empty = none
};

class Emulator {
 public:
  Emulator(EmulatorOptions options, Seed seed);
  ~Emulator();
  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;

  void Handle(http::Request&& request, http::Responder responder);
  // Answers every request still held by timeout_after_accept (504), so the
  // HTTP server can stop without waiting for them.
  void ReleaseHeldRequests();

 private:
  // rest_api.cc
  void HandleApi(const http::Request& request, const std::vector<std::string>& parts,
                 http::Responder responder);
  void CreateMessage(const http::Request& request, http::Responder responder,
                     ConcurrencyLimit::Ticket* ticket);  // released before answering
  http::Response ListMessages(const http::Request& request);
  http::Response UpdateMessage(const http::Request& request, const std::string& sid);
  bool IsAccountNumber(const std::string& number) const;
  // Answers 504 after `hold_ms` (or at ReleaseHeldRequests); the ticket keeps
  // the request counted as in flight until then.
  void Hold(http::Responder responder, ConcurrencyLimit::Ticket ticket, int hold_ms);
  void AnswerHeld(int64_t id);

  // emulator_hooks.cc
  void HandleHook(const http::Request& request, const std::string& hook, http::Responder responder);
  http::Response MessagesHook(const http::Request& request);
  http::Response FaultsHook(const http::Request& request);
  http::Response CarrierHook(const http::Request& request);
  http::Response CallbacksHook(const http::Request& request);
  http::Response StopListHook();
  http::Response InboundUrlHook(const http::Request& request);
  void InboundHook(const http::Request& request, http::Responder responder);
  void ApplySeed();
  std::string inbound_url() const;

  const EmulatorOptions options_;
  const Seed seed_;
  // Declaration order is destruction order reversed: the timer stops first,
  // then the senders drain their queues into the store, which goes last.
  MessageStore store_;
  ConcurrencyLimit concurrency_;  // outlives every ticket (held requests, timer tasks)
  StopList stop_list_;
  CarrierRules carrier_;
  FaultInjector faults_;
  SenderQueues queues_;
  mutable std::mutex mu_;
  std::string inbound_url_;  // guarded by mu_
  struct Held {
    http::Responder responder;
    ConcurrencyLimit::Ticket ticket;
  };
  std::map<int64_t, Held> held_;  // guarded by mu_; id -> request held by timeout_after_accept
  int64_t next_held_id_ = 0;      // guarded by mu_
  WebhookSender callback_sender_;
  WebhookSender inbound_sender_;
  DeliveryLifecycle lifecycle_;
  Timer timer_;
};

// Helpers shared by the two halves of the router.
http::Response TwilioError(int http_status, int code, std::string message = "");
http::Response TooManyRequests();        // 429 / 20429 with Retry-After: 1
std::string NewSid(const char* prefix);  // prefix + 32 lowercase hex

}  // namespace sfn::smsemu
