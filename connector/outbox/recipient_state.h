// A recipient's state in the outbox. States only move forward (by rank), so a
// late, duplicated or reordered event can never undo progress:
//   pending → suppressed | deferred → sending → accepted → sent → delivered | undelivered | failed
// `deferred` returns to `pending` when its time comes (the one allowed step back,
// taken only by the scheduler, never by a gateway callback).
#pragma once

#include <optional>
#include <string_view>

namespace sfn::connector {

enum class RecipientState {
  kPending,
  kDeferred,
  kSuppressed,   // terminal: never sent (reason says why)
  kSending,      // attempt recorded before calling the gateway; outcome unknown until answered
  kAccepted,     // gateway took it (queued/accepted)
  kSent,         // carrier has it
  kDelivered,    // terminal
  kUndelivered,  // terminal
  kFailed,       // terminal (gateway refusal or carrier failure; error_code says why)
};

const char* RecipientStateName(RecipientState state);
std::optional<RecipientState> ParseRecipientState(std::string_view name);

// Order used for forward-only updates. Terminal states share the top rank.
int StateRank(RecipientState state);
bool IsTerminal(RecipientState state);
// True when moving from `from` to `to` is progress (callbacks use this).
bool IsForward(RecipientState from, RecipientState to);

// Maps a Twilio MessageStatus ("queued", "sent", "delivered", ...) to a state.
std::optional<RecipientState> StateForGatewayStatus(std::string_view status);

}  // namespace sfn::connector
