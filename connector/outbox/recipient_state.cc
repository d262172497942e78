#include "connector/outbox/recipient_state.h"

namespace sfn::connector {

namespace {
struct Entry {
  RecipientState state;
  const char* name;
  int rank;
};
constexpr Entry kStates[] = {
    {RecipientState::kPending, "pending", 0},       {RecipientState::kDeferred, "deferred", 1},
    {RecipientState::kSuppressed, "suppressed", 9}, {RecipientState::kSending, "sending", 2},
    {RecipientState::kAccepted, "accepted", 3},     {RecipientState::kSent, "sent", 4},
    {RecipientState::kDelivered, "delivered", 9},   {RecipientState::kUndelivered, "undelivered", 9},
    {RecipientState::kFailed, "failed", 9},
};
}  // namespace

const char* RecipientStateName(RecipientState state) {
  for (const auto& e : kStates) {
    if (e.state == state) return e.name;
  }
  return "unknown";
}

std::optional<RecipientState> ParseRecipientState(std::string_view name) {
  for (const auto& e : kStates) {
    if (name == e.name) return e.state;
  }
  return std::nullopt;
}

int StateRank(RecipientState state) {
  for (const auto& e : kStates) {
    if (e.state == state) return e.rank;
  }
  return 0;
}

bool IsTerminal(RecipientState state) { return StateRank(state) == 9; }

bool IsForward(RecipientState from, RecipientState to) { return StateRank(to) > StateRank(from); }

std::optional<RecipientState> StateForGatewayStatus(std::string_view status) {
  if (status == "queued" || status == "accepted" || status == "scheduled") return RecipientState::kAccepted;
  if (status == "sending" || status == "sent") return RecipientState::kSent;
  if (status == "delivered" || status == "read") return RecipientState::kDelivered;
  if (status == "undelivered") return RecipientState::kUndelivered;
  if (status == "failed" || status == "canceled") return RecipientState::kFailed;
  return std::nullopt;
}

}  // namespace sfn::connector
