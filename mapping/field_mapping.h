// The field mapping: which Lead/Contact fields the connector reads (phones in
// priority order, consent, opt-out, time zone, template fields), which Task it
// writes back per send and per reply, and the named message templates.
//
// It loads from a JSON file (docs/mapping.md) or from the Custom Metadata
// records `SMS_Field_Mapping__mdt` and `SMS_Template__mdt` as a SOQL query
// returns them. Every template is compiled while loading, so a bad merge field
// is a load error, never a blank at send time. Load errors name the file or
// record, the JSON path and the problem:
//   "mapping.json: objects.Lead.task.subject: line 1, column 6: unknown field Lead.Foo: ..."
// A loaded FieldMapping is immutable and safe to share between threads.
#pragma once

#include <rapidjson/document.h>

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "mapping/template.h"

namespace sfn::mapping {

// Who owns the Task written for a send.
enum class TaskOwnerRule {
  kRequester,    // the Salesforce user who asked for the notification
  kRecordOwner,  // the Lead/Contact's OwnerId
};

// The Task written for each sent recipient. Blank strings mean "leave the
// field to Salesforce's default".
struct TaskSpec {
  Template subject;                  // required in effect; default "SMS: {!Message.Body}"
  std::string status = "Completed";  // Task.Status
  std::string priority = "Normal";   // Task.Priority
  std::string type;                  // Task.Type; "" = not set
  std::string subtype = "Task";      // Task.TaskSubtype
  TaskOwnerRule owner = TaskOwnerRule::kRequester;
  bool has_description = false;
  Template description;  // when has_description
  // Extra Task fields (API name → value template), in file order.
  std::vector<std::pair<std::string, Template>> custom_fields;

  // Field values for one recipient, Subject and Description cut to
  // Salesforce's 255 / 32,000 characters. WhoId and OwnerId are the engine's.
  std::vector<std::pair<std::string, std::string>> Render(const FieldLookup& lookup) const;
};

struct ObjectMapping {
  std::string object;                        // "Lead" or "Contact"
  std::vector<std::string> phone_fields;     // priority order, at least one
  std::string opt_in_field;                  // consent field
  std::string opt_in_value = "true";         // value meaning consent (case-insensitive)
  std::string opt_out_field;                 // written on STOP
  std::string opt_out_value = "true";        // value written on STOP
  std::string time_zone_field;               // IANA zone name field; "" = none
  std::vector<std::string> template_fields;  // usable as {!<object>.X}
  TaskSpec task;
  Template reply_task_subject;  // Task subject when the recipient replies

  // Where each setting was declared ("<origin>: <path>"), keyed by the
  // setting's name ("phone_fields[0]", "opt_in.field", "task.custom_fields.X"...).
  std::map<std::string, std::string> locations;

  // True when the record's opt-in field holds the consent value (a JSON true
  // for boolean fields, or the text compared case-insensitively).
  bool HasConsent(const rapidjson::Value& record) const;
  // The record's non-blank phone values in priority order.
  std::vector<std::string> PhoneValues(const rapidjson::Value& record) const;
};

struct MessageTemplate {
  std::string name;    // API name, e.g. "Appointment_Reminder"
  std::string label;   // human label
  std::string object;  // "Lead", "Contact", or "" for any object
  Template body;
  std::string location;  // where it was declared
};

// One problem found by Validate, e.g. location "mapping.json: objects.Lead.phone_fields[1]".
struct MappingProblem {
  std::string location;
  std::string problem;
  std::string ToString() const { return location + ": " + problem; }
};

class FieldMapping {
 public:
  // Reads and parses a JSON mapping file.
  static Result<FieldMapping> LoadFile(const std::string& path);
  // Parses mapping JSON; `origin` names it in messages.
  static Result<FieldMapping> Parse(std::string_view json, const std::string& origin);
  // Builds a mapping from SOQL results (the whole response or its records
  // array) of SMS_Field_Mapping__mdt and SMS_Template__mdt.
  static Result<FieldMapping> FromMetadata(std::string_view field_mapping_records,
                                           std::string_view template_records);

  // nullptr when the object is not mapped.
  const ObjectMapping* Object(std::string_view object) const;
  std::vector<std::string> Objects() const;
  const std::vector<MessageTemplate>& Templates() const { return templates_; }
  // The template called `name` for `object` (an object-specific one wins over
  // an any-object one); nullptr when none.
  const MessageTemplate* FindTemplate(std::string_view name, std::string_view object) const;
  // Compiles an ad-hoc message body for records of `object` under the same
  // rules as named templates.
  Result<Template> CompileMessage(std::string_view text, std::string_view object) const;

  // The SOQL field list for `object`: Id, phone fields, opt-in/out, time
  // zone, OwnerId, and every record field a template may merge. Deduplicated
  // case-insensitively, in that order. Empty for an unmapped object. `extra`
  // adds the record fields of templates compiled later (ad-hoc messages).
  std::vector<std::string> RequiredFields(std::string_view object,
                                          const std::vector<const Template*>& extra = {}) const;

  // Checks the mapping against `/sobjects/X/describe` JSON (`name`,
  // `fields[].name/type/length/updateable/createable/picklistValues`).
  // A Lead/Contact describe checks that object's fields, a Task describe the
  // Task settings of every object. Returns every problem found.
  std::vector<MappingProblem> Validate(const rapidjson::Value& describe) const;

  // Shared by the loaders: checks and compiles what they read (raw_mapping.h).
  static Result<FieldMapping> Build(const struct RawMapping& raw);

 private:
  std::vector<ObjectMapping> objects_;
  std::vector<MessageTemplate> templates_;
};

}  // namespace sfn::mapping
