// The delivery lifecycle of an accepted outbound message and the status
// callbacks it produces.
//
// Steps, one every `step_delay_ms`: (accepted →) queued → sending → sent →
// delivered | undelivered(30xxx); a "failed" carrier outcome goes sending →
// failed without reaching sent. The step out of the sender's queue (→
// sending) also waits the message's queue time (sender_queue.h); a message
// whose queue time is over the limit goes (accepted → queued →) failed with
// 30001 once it has waited the limit. No callback is sent for the initial status
// (queued, or accepted for Messaging Service sends); every later status is
// posted to the message's StatusCallback. `price` and `error_code` are filled
// at the terminal status. A message canceled before a step stops there.
//
// CallbackBehaviour makes callbacks misbehave as real carriers do:
// duplicate (each posted twice with the same idempotency token), reorder
// (non-terminal callbacks are held back and posted after the terminal one,
// newest first), drop_statuses (never posted; recorded as dropped).
// Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "sandbox/smsemu/carrier.h"
#include "sandbox/smsemu/message_store.h"
#include "sandbox/smsemu/sender_queue.h"
#include "sandbox/smsemu/timer.h"
#include "sandbox/smsemu/webhook_sender.h"

namespace sfn::smsemu {

struct CallbackBehaviour {
  bool duplicate = false;
  bool reorder = false;
  std::set<std::string> drop_statuses;
};

// Price per segment, as Twilio reports it for US long codes (negative = charged).
constexpr double kPricePerSegment = 0.0079;

class DeliveryLifecycle {
 public:
  DeliveryLifecycle(MessageStore* store, WebhookSender* sender, Timer* timer, int step_delay_ms);

  // Starts moving the stored message `sid` to `rule`'s outcome, after it
  // waited `slot.wait_ms` in its sender's queue (or failing with 30001 after
  // `queue_limit_ms` when the slot expires).
  void Start(const std::string& sid, const CarrierRule& rule, const QueueSlot& slot,
             int64_t queue_limit_ms);

  void SetBehaviour(CallbackBehaviour behaviour);
  CallbackBehaviour behaviour() const;
  // Forgets held-back callbacks (the reset hook; the timer is cleared by its owner).
  void Clear();

 private:
  struct Stage {
    std::string status;
    int64_t delay_ms;  // after the previous stage
  };
  void Schedule(const std::string& sid, std::vector<Stage> stages, size_t index, CarrierRule rule);
  void Step(const std::string& sid, std::vector<Stage> stages, size_t index, CarrierRule rule);
  void EmitCallback(const Message& message, bool terminal);
  void Send(const std::string& sid, const std::string& status, const WebhookPost& post,
            bool duplicate);

  MessageStore* const store_;
  WebhookSender* const sender_;
  Timer* const timer_;
  const int step_delay_ms_;
  mutable std::mutex mu_;
  CallbackBehaviour behaviour_;
  // sid -> (status, post) held back by `reorder` until the terminal status
  std::map<std::string, std::vector<std::pair<std::string, WebhookPost>>> held_;
};

}  // namespace sfn::smsemu
