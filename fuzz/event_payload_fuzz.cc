// Fuzzes the Outbound_Notification__e payload the streaming client hands to
// the engine (connector/intake/event_intake.h ParseEventPayload).
#include <cstddef>
#include <cstdint>
#include <string>

#include "connector/intake/event_intake.h"
#include "salesforce/record_id.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string payload(reinterpret_cast<const char*>(data), size);
  auto parsed = sfn::connector::ParseEventPayload(payload, 42, "uuid-1");
  if (parsed.ok()) {
    // Every accepted id is a normalised 18-character Lead or Contact id.
    for (const auto& id : parsed->record_ids) {
      if (id.size() != 18) __builtin_trap();
      auto prefix = sfn::salesforce::KeyPrefix(id);
      if (prefix != "00Q" && prefix != "003") __builtin_trap();
    }
    if (parsed->request_id.empty() || parsed->contact_point.empty()) __builtin_trap();
  }
  return 0;
}
