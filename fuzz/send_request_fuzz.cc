// Fuzzes the JSON body of POST /v1/notifications (connector/intake/api_server.h
// ParseSendRequest): any bytes must give a request or an error naming a field.
#include <cstddef>
#include <cstdint>
#include <string>

#include "connector/intake/api_server.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  std::string field;
  auto parsed = sfn::connector::ParseSendRequest(body, /*max_record_ids=*/50, &field);
  if (parsed.ok()) {
    // A parsed request always carries the fields the engine relies on.
    if (parsed->request_id.empty() || parsed->contact_point.empty()) __builtin_trap();
    if (parsed->record_ids.size() > 50) __builtin_trap();
  }
  return 0;
}
