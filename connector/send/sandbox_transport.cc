#include "connector/send/sandbox_transport.h"

#include "common/crypto.h"

namespace sfn::connector {

SendOutcome SandboxTransport::Send(const OutboundMessage& message) {
  std::lock_guard<std::mutex> lock(mu_);
  SendOutcome out;
  out.kind = SendOutcome::Kind::kAccepted;
  out.status = "sent";
  auto it = sent_by_key_.find(message.key);
  out.sid = it != sent_by_key_.end() ? it->second : "SM" + crypto::RandomHex(16);
  sent_by_key_[message.key] = out.sid;
  return out;
}

SendOutcome SandboxTransport::Reconcile(const OutboundMessage& message, int64_t) {
  std::lock_guard<std::mutex> lock(mu_);
  SendOutcome out;
  auto it = sent_by_key_.find(message.key);
  if (it == sent_by_key_.end()) {
    out.kind = SendOutcome::Kind::kRetryLater;
    return out;
  }
  out.kind = SendOutcome::Kind::kAccepted;
  out.sid = it->second;
  out.status = "sent";
  return out;
}

size_t SandboxTransport::sent_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sent_by_key_.size();
}

}  // namespace sfn::connector
