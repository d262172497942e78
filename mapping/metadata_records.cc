// FieldMapping from Custom Metadata records, as a SOQL query returns them:
//   {"totalSize":1,"done":true,"records":[{"attributes":{...},"DeveloperName":"Lead_SMS",...}]}
// SMS_Field_Mapping__mdt has no field for the template field list, the Task
// subtype or custom Task fields; the optional fields Template_Fields__c,
// Task_Subtype__c and Opt_Out_Value__c are read when an org adds them, and
// otherwise the template fields default to the object's name and e-mail
// fields (docs/mapping.md).
#include <cctype>

#include "common/json.h"
#include "mapping/field_mapping.h"
#include "mapping/raw_mapping.h"

namespace sfn::mapping {

namespace {

std::vector<std::string> DefaultTemplateFields(const std::string& object) {
  std::vector<std::string> fields = {"FirstName", "LastName", "Name", "Email"};
  std::string lower = object;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "lead") fields.push_back("Company");
  return fields;
}

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

// The records array of a query response (or the array itself).
Result<const rapidjson::Value*> Records(const rapidjson::Document& doc, const std::string& type) {
  if (doc.IsArray()) return &doc;
  if (doc.IsObject()) {
    auto it = doc.FindMember("records");
    if (it != doc.MemberEnd() && it->value.IsArray()) return &it->value;
  }
  return Status::InvalidArgument(type + ": expected a query result with a records array");
}

class RecordReader {
 public:
  RecordReader(const std::string& type, const rapidjson::Value& record, size_t index, Status* error)
      : record_(record), error_(error) {
    std::string name;
    if (record.IsObject()) {
      auto it = record.FindMember("DeveloperName");
      if (it != record.MemberEnd() && it->value.IsString()) name = it->value.GetString();
    }
    origin_ = type + " " + (name.empty() ? "records[" + std::to_string(index) + "]" : name);
    if (!record.IsObject()) Fail(origin_, "must be a JSON object");
  }

  const std::string& origin() const { return origin_; }

  void Fail(const std::string& location, const std::string& problem) {
    if (error_->ok()) *error_ = Status::InvalidArgument(location + ": " + problem);
  }

  // A text field; null and "" count as absent, as Salesforce stores them alike.
  RawText Text(const char* field) {
    RawText raw;
    raw.location = origin_ + ": " + field;
    if (!record_.IsObject()) return raw;
    auto it = record_.FindMember(field);
    if (it == record_.MemberEnd() || it->value.IsNull()) return raw;
    if (!it->value.IsString()) {
      Fail(raw.location, "must be text");
      return raw;
    }
    raw.text.assign(it->value.GetString(), it->value.GetStringLength());
    raw.present = !raw.text.empty();
    return raw;
  }

  // A comma-separated list field, each item located as "<field>[i]".
  std::vector<RawText> List(const char* field) {
    std::vector<RawText> list;
    RawText raw = Text(field);
    if (!raw.present) return list;
    size_t start = 0;
    while (start <= raw.text.size()) {
      size_t comma = raw.text.find(',', start);
      if (comma == std::string::npos) comma = raw.text.size();
      std::string item = Trim(std::string_view(raw.text).substr(start, comma - start));
      std::string location = raw.location + "[" + std::to_string(list.size()) + "]";
      if (item.empty()) {
        Fail(location, "empty item in the comma-separated list");
        return list;
      }
      list.push_back(RawText{item, location, true});
      start = comma + 1;
    }
    return list;
  }

 private:
  const rapidjson::Value& record_;
  Status* error_;
  std::string origin_;
};

}  // namespace

Result<FieldMapping> FieldMapping::FromMetadata(std::string_view field_mapping_records,
                                                std::string_view template_records) {
  static const std::string kMappingType = "SMS_Field_Mapping__mdt";
  static const std::string kTemplateType = "SMS_Template__mdt";
  auto mapping_doc = json::Parse(field_mapping_records);
  if (!mapping_doc.ok())
    return Status::InvalidArgument(kMappingType + ": " + mapping_doc.status().message());
  auto mapping_records = Records(*mapping_doc, kMappingType);
  if (!mapping_records.ok()) return mapping_records.status();

  Status error;
  RawMapping raw;
  const rapidjson::Value& records = **mapping_records;
  for (rapidjson::SizeType i = 0; i < records.Size(); ++i) {
    RecordReader r(kMappingType, records[i], i, &error);
    RawObject object;
    RawText object_name = r.Text("Object__c");
    if (error.ok() && !object_name.present)
      r.Fail(r.origin() + ": Object__c", "required field is missing");
    object.object = object_name.text;
    object.location = r.origin();
    object.phone_fields = r.List("Phone_Fields__c");
    object.phone_fields_location = r.origin() + ": Phone_Fields__c";
    object.opt_in_field = r.Text("Opt_In_Field__c");
    object.opt_in_value = r.Text("Opt_In_Value__c");
    object.opt_out_field = r.Text("Opt_Out_Field__c");
    object.opt_out_value = r.Text("Opt_Out_Value__c");
    object.time_zone_field = r.Text("Time_Zone_Field__c");
    object.template_fields = r.List("Template_Fields__c");
    if (object.template_fields.empty()) {
      for (const std::string& f : DefaultTemplateFields(object.object)) {
        object.template_fields.push_back(
            RawText{f, r.origin() + ": default template fields", true});
      }
    }
    object.task_subject = r.Text("Task_Subject__c");
    object.task_status = r.Text("Task_Status__c");
    object.task_priority = r.Text("Task_Priority__c");
    object.task_type = r.Text("Task_Type__c");
    object.task_subtype = r.Text("Task_Subtype__c");
    object.task_owner = r.Text("Task_Owner__c");
    object.task_description = r.Text("Task_Description__c");
    object.reply_task_subject = r.Text("Reply_Task_Subject__c");
    if (!error.ok()) return error;
    raw.objects.push_back(std::move(object));
  }

  auto template_doc = json::Parse(template_records);
  if (!template_doc.ok())
    return Status::InvalidArgument(kTemplateType + ": " + template_doc.status().message());
  auto template_list = Records(*template_doc, kTemplateType);
  if (!template_list.ok()) return template_list.status();
  const rapidjson::Value& templates = **template_list;
  for (rapidjson::SizeType i = 0; i < templates.Size(); ++i) {
    RecordReader r(kTemplateType, templates[i], i, &error);
    RawTemplate t;
    t.location = r.origin();
    t.name = r.Text("DeveloperName");
    t.label = r.Text("MasterLabel");
    t.object = r.Text("Object__c");
    t.body = r.Text("Body__c");
    if (error.ok() && !t.name.present)
      r.Fail(r.origin() + ": DeveloperName", "required field is missing");
    if (!error.ok()) return error;
    raw.templates.push_back(std::move(t));
  }
  return Build(raw);
}

}  // namespace sfn::mapping
