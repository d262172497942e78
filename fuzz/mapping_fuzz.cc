// Fuzzes the mapping loader (mapping/field_mapping.h FieldMapping::Parse) and,
// for a mapping that loads, renders every template and Task spec it holds and
// builds the SOQL field lists, as the engine would.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "mapping/field_mapping.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto mapping = sfn::mapping::FieldMapping::Parse(text, "fuzz.json");
  if (!mapping.ok()) return 0;
  auto lookup = [](const sfn::mapping::MergeField& f) -> std::optional<std::string> {
    if (f.name.size() % 3 == 0) return std::nullopt;
    return "v:" + f.name;
  };
  for (const auto& t : mapping->Templates()) (void)t.body.Render(lookup);
  for (const auto& object : mapping->Objects()) {
    const auto* m = mapping->Object(object);
    if (m == nullptr) __builtin_trap();
    (void)m->task.Render(lookup);
    (void)m->reply_task_subject.Render(lookup);
    (void)mapping->RequiredFields(object);
  }
  return 0;
}
