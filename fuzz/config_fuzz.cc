// Fuzzes the connector's configuration loader (connector/config/config.h ParseConfig).
#include <cstddef>
#include <cstdint>
#include <string>

#include "connector/config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto config = sfn::connector::ParseConfig(text, "fuzz.json");
  if (!config.ok() && config.status().message().empty()) __builtin_trap();
  return 0;
}
