// Message and Task templates with Salesforce-style merge fields.
//
//   Hi {!Contact.FirstName, "there"}, your rep {!Sender.Name} will call.
//
// A merge field is `{!Namespace.Field}` with an optional default after a comma
// in double or single quotes (`\"`, `\'` and `\\` escape inside it). Blanks
// around the parts are allowed. The namespace is either the record's object
// (`Lead`, `Contact`), `Recipient` (the record, whatever its object), or one
// of the engine-supplied namespaces listed in kEngineVariables. Everything
// outside merge fields is kept byte for byte.
//
// Templates are compiled when the mapping loads: a malformed merge field, an
// object prefix that does not match, or a field the mapping does not allow is
// an error naming its line and column, so nothing renders blank at send time.
// Compilation is linear in the input and bounded by TemplateLimits, so hostile
// text cannot crash it or make it slow. A compiled Template is immutable and
// safe to share between threads.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace sfn::mapping {

// Variables the engine supplies when rendering, besides record fields.
// Sender.*       the requesting Salesforce user
// Notification.* the notification being sent
// Message.*      the outgoing message (for Task templates)
// Reply.*        an inbound reply (for reply Task templates)
// Template.*     the named template used (Name, Label); empty for ad-hoc text
extern const char* const kEngineVariables[];

// Where a merge field's value comes from.
enum class FieldSource {
  kRecord,    // a field of the Lead/Contact record; `name` is the API name
  kVariable,  // an engine variable; `name` is e.g. "Sender.Name"
};

struct MergeField {
  FieldSource source = FieldSource::kRecord;
  std::string name;      // canonical spelling (the mapping's, or kEngineVariables')
  std::string fallback;  // used when the value is null or empty; "" when none
};

struct TemplateLimits {
  size_t max_bytes = 64 * 1024;    // longer templates are refused
  size_t max_merge_fields = 1000;  // more merge fields are refused
};

// What a template may reference.
struct TemplateScope {
  // The record's object ("Lead", "Contact"), or "" when the template serves
  // any object: then only `Recipient.` and engine variables are allowed.
  std::string object;
  // Fields usable through `{!<object>.X}` / `{!Recipient.X}`, matched
  // case-insensitively and rewritten to this spelling.
  std::vector<std::string> record_fields;
  TemplateLimits limits;
};

// Returns the value for a merge field, or nullopt when it is null.
using FieldLookup = std::function<std::optional<std::string>(const MergeField&)>;

class Template {
 public:
  Template() = default;

  // Compiles `text`. Errors (InvalidArgument) read
  // "line L, column C: <problem>", the column counted in characters.
  static Result<Template> Compile(std::string_view text, const TemplateScope& scope);

  // Substitutes every merge field; null or empty values use the default.
  std::string Render(const FieldLookup& lookup) const;

  const std::string& source() const { return source_; }
  const std::vector<MergeField>& fields() const { return fields_; }
  // Record fields referenced, in first-use order, without duplicates.
  std::vector<std::string> RecordFields() const;

 private:
  struct Piece {
    bool is_field = false;
    std::string literal;  // when !is_field
    size_t field = 0;     // index into fields_ when is_field
  };
  std::string source_;
  std::vector<Piece> pieces_;
  std::vector<MergeField> fields_;
};

}  // namespace sfn::mapping
