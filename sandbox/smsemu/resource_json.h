// JSON renderings of a stored message: the Twilio Message resource (REST API)
// and the emulator's fuller view (/__emulator/messages), which adds the
// encoding, the integer segment count and every callback attempt.
#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "sandbox/smsemu/message_store.h"

namespace sfn::smsemu {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// `hide_segments`: Twilio answers num_segments "0" when creating through a
// Messaging Service; the real count shows on later fetches.
void WriteMessageResource(const Message& message, bool hide_segments, JsonWriter* writer);
void WriteEmulatorView(const Message& message, JsonWriter* writer);

std::string MessageUri(const Message& message);

}  // namespace sfn::smsemu
