// Fuzzes the template engine (mapping/template.h): Compile under a Lead scope
// or an any-object scope (chosen by the first byte), then Render with values
// that are sometimes null so defaults are exercised.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "mapping/template.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  sfn::mapping::TemplateScope scope;
  if (data[0] & 1) {
    scope.object = "Lead";
    scope.record_fields = {"FirstName", "LastName", "Company", "MobilePhone"};
  } else {
    scope.record_fields = {"FirstName", "Name"};
  }
  scope.limits.max_bytes = 4096;
  scope.limits.max_merge_fields = 64;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  auto compiled = sfn::mapping::Template::Compile(text, scope);
  if (!compiled.ok()) return 0;
  if (compiled->fields().size() > scope.limits.max_merge_fields) __builtin_trap();
  auto lookup = [](const sfn::mapping::MergeField& f) -> std::optional<std::string> {
    if (f.name.size() % 2 == 0) return std::nullopt;
    return std::string(f.name.size(), 'x');
  };
  (void)compiled->Render(lookup);
  (void)compiled->RecordFields();
  return 0;
}
