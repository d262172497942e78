// The default gateway when none is configured: no network; every message is
// "sent" at once with a generated SID and kept in memory so Reconcile can find it.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "connector/send/transport.h"

namespace sfn::connector {

class SandboxTransport final : public Transport {
 public:
  SendOutcome Send(const OutboundMessage& message) override;
  SendOutcome Reconcile(const OutboundMessage& message, int64_t since_epoch_ms) override;
  const char* name() const override { return "sandbox"; }
  size_t sent_count() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::string> sent_by_key_;  // message key → sid
};

}  // namespace sfn::connector
