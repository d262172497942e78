// sfemu's data model: object schemas (fields, types, lengths) and records.
// Shared by the org store (REST), the SOQL engine and the event bus.
// Field and object names compare case-insensitively, as in Salesforce.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sfemu {

struct CaseInsensitiveLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const;
};
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

enum class FieldType {
  kId,         // the record's own Id
  kReference,  // lookup to another object (reference_to lists the targets)
  kString,     // text with `length`
  kTextArea,   // textarea with `length`
  kPhone,
  kEmail,
  kUrl,
  kPicklist,
  kMultiPicklist,
  kBoolean,
  kInt,
  kDouble,
  kCurrency,
  kDate,      // stored as "YYYY-MM-DD"
  kDateTime,  // stored as "YYYY-MM-DDTHH:MM:SS.000+0000"
};

// Salesforce's describe name for a type ("string", "reference", "datetime", ...).
const char* FieldTypeName(FieldType type);
std::optional<FieldType> ParseFieldType(std::string_view name);

struct FieldDef {
  std::string name;  // API name, e.g. "MobilePhone", "SMS_Opt_In__c"
  std::string label;
  FieldType type = FieldType::kString;
  int length = 0;  // for string-like types (bytes via API)
  bool nillable = true;
  bool required_on_create = false;  // REQUIRED_FIELD_MISSING when absent and no default
  bool createable = true;
  bool updateable = true;
  bool custom = false;
  std::vector<std::string> reference_to;  // for kReference, e.g. {"Lead","Contact"}
  std::string relationship_name;          // for kReference, e.g. "Owner", "Who"
  std::vector<std::string> picklist_values;
  bool restricted_picklist = false;
  std::optional<std::string> default_value;
};

struct ObjectDef {
  std::string name;  // "Lead", "Outbound_Notification__e"
  std::string label;
  std::string key_prefix;  // "00Q"; platform events "e00"
  bool custom = false;
  bool platform_event = false;
  bool custom_metadata = false;  // __mdt types (queryable, read-only)
  bool read_only = false;        // no create/update/delete through the API (Organization)
  std::vector<FieldDef> fields;

  const FieldDef* FindField(std::string_view name) const;  // case-insensitive
};

// A field value. Numbers are doubles; dates and datetimes are strings in the
// formats above; null is monostate.
using Value = std::variant<std::monostate, bool, double, std::string>;

struct Record {
  std::string id;                                            // 18 characters
  std::string type;                                          // object API name as declared
  std::map<std::string, Value, CaseInsensitiveLess> fields;  // includes Id, CreatedDate, ...
  bool deleted = false;
};

// Read access to the org for the SOQL engine. Implementations must be safe to
// call while the caller holds the org's lock (no re-locking inside).
class DataSource {
 public:
  virtual ~DataSource() = default;
  virtual const ObjectDef* FindObject(std::string_view name) const = 0;
  // Looks up any record by its 18-character Id (deleted ones too).
  virtual const Record* FindRecord(std::string_view id18) const = 0;
  // Calls fn for every record of `object` in insertion order, deleted ones too.
  virtual void Scan(std::string_view object,
                    const std::function<void(const Record&)>& fn) const = 0;
};

}  // namespace sfemu
