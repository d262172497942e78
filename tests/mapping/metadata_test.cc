#include <catch2/catch.hpp>

#include "mapping/field_mapping.h"

using sfn::mapping::FieldMapping;
using sfn::mapping::TaskOwnerRule;

namespace {

// As GET /services/data/v62.0/query?q=SELECT ... FROM SMS_Field_Mapping__mdt returns it.
const char* kMappingRecords = R"({"totalSize": 2, "done": true, "records": [
  {"attributes": {"type": "SMS_Field_Mapping__mdt", "url": "/services/data/v62.0/sobjects/SMS_Field_Mapping__mdt/m00000000000001AAA"},
   "DeveloperName": "Lead_SMS", "Object__c": "Lead", "Phone_Fields__c": "MobilePhone, Phone",
   "Opt_In_Field__c": "SMS_Opt_In__c", "Opt_In_Value__c": "true", "Opt_Out_Field__c": "SMS_Opt_Out__c",
   "Time_Zone_Field__c": "SMS_Time_Zone__c", "Task_Subject__c": "SMS: {!Lead.FirstName}",
   "Task_Status__c": "Completed", "Task_Priority__c": "Normal", "Task_Type__c": null,
   "Task_Owner__c": "record_owner", "Task_Description__c": "{!Message.Body}",
   "Reply_Task_Subject__c": "Reply from {!Lead.Name}"},
  {"attributes": {"type": "SMS_Field_Mapping__mdt"},
   "DeveloperName": "Contact_SMS", "Object__c": "Contact", "Phone_Fields__c": "MobilePhone",
   "Opt_In_Field__c": "SMS_Opt_In__c", "Opt_In_Value__c": null, "Opt_Out_Field__c": "SMS_Opt_Out__c",
   "Time_Zone_Field__c": null, "Task_Subject__c": "SMS: {!Template.Name}", "Task_Status__c": null, "Task_Priority__c": null,
   "Task_Type__c": "Other", "Task_Owner__c": null, "Task_Description__c": null, "Reply_Task_Subject__c": null}
]})";

const char* kTemplateRecords = R"({"totalSize": 1, "done": true, "records": [
  {"attributes": {"type": "SMS_Template__mdt"}, "DeveloperName": "Reminder", "MasterLabel": "Reminder",
   "Object__c": null, "Body__c": "Hi {!Recipient.FirstName, \"there\"} from {!Sender.Name}"},
  {"attributes": {"type": "SMS_Template__mdt"}, "DeveloperName": "Lead_Hello", "MasterLabel": "Lead hello",
   "Object__c": "Lead", "Body__c": "Hello {!Lead.Company}"}
]})";

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("custom metadata records load into a mapping", "[mapping][metadata]") {
  auto m = FieldMapping::FromMetadata(kMappingRecords, kTemplateRecords);
  REQUIRE(m.ok());
  const auto* lead = m->Object("Lead");
  REQUIRE(lead);
  CHECK(lead->phone_fields == std::vector<std::string>{"MobilePhone", "Phone"});
  CHECK(lead->task.owner == TaskOwnerRule::kRecordOwner);
  CHECK(lead->task.type.empty());
  CHECK(lead->task.has_description);
  // No Template_Fields__c: the object's name and e-mail fields (plus Company for Leads).
  CHECK(lead->template_fields ==
        std::vector<std::string>{"FirstName", "LastName", "Name", "Email", "Company"});
  CHECK(lead->locations.at("phone_fields[1]") ==
        "SMS_Field_Mapping__mdt Lead_SMS: Phone_Fields__c[1]");

  const auto* contact = m->Object("Contact");
  REQUIRE(contact);
  CHECK(contact->opt_in_value == "true");
  CHECK(contact->task.type == "Other");
  CHECK(contact->task.owner == TaskOwnerRule::kRequester);
  CHECK(contact->time_zone_field.empty());
  // sfemu's demo seed names the template in the Task subject.
  CHECK(contact->task.subject.fields().at(0).name == "Template.Name");

  REQUIRE(m->FindTemplate("Reminder", "Contact"));
  CHECK(m->FindTemplate("Lead_Hello", "Lead")->label == "Lead hello");
  CHECK(m->FindTemplate("Lead_Hello", "Contact") == nullptr);
  // A bare records array works as well as the whole query response.
  CHECK(FieldMapping::FromMetadata(kMappingRecords, "[]").ok());
}

TEST_CASE("metadata errors name the record and the field", "[mapping][metadata]") {
  auto bad_template = FieldMapping::FromMetadata(
      kMappingRecords, Replace(kTemplateRecords, "Hello {!Lead.Company}", "Hello {!Lead.Title}"));
  REQUIRE_FALSE(bad_template.ok());
  CHECK(bad_template.status().message() ==
        "SMS_Template__mdt Lead_Hello: Body__c: line 1, column 7: unknown field Lead.Title: not "
        "among the "
        "mapping's template fields for Lead");

  auto no_object =
      FieldMapping::FromMetadata(Replace(kMappingRecords, "\"Object__c\": \"Contact\",", ""), "[]");
  CHECK(no_object.status().message() ==
        "SMS_Field_Mapping__mdt Contact_SMS: Object__c: required field is missing");

  auto empty_item = FieldMapping::FromMetadata(
      Replace(kMappingRecords, "MobilePhone, Phone", "MobilePhone,,Phone"), "[]");
  CHECK(empty_item.status().message() ==
        "SMS_Field_Mapping__mdt Lead_SMS: Phone_Fields__c[1]: empty item in the comma-separated "
        "list");

  auto no_opt_out = FieldMapping::FromMetadata(
      Replace(kMappingRecords,
              "\"Opt_Out_Field__c\": \"SMS_Opt_Out__c\",\n   \"Time_Zone_Field__c\": \"SMS",
              "\"Time_Zone_Field__c\": \"SMS"),
      "[]");
  CHECK(no_opt_out.status().message() ==
        "SMS_Field_Mapping__mdt Lead_SMS: Opt_Out_Field__c: required field is missing");

  auto wrong_type = FieldMapping::FromMetadata(
      Replace(kMappingRecords, "\"Task_Owner__c\": \"record_owner\"", "\"Task_Owner__c\": 5"),
      "[]");
  CHECK(wrong_type.status().message() ==
        "SMS_Field_Mapping__mdt Lead_SMS: Task_Owner__c: must be text");

  auto not_query = FieldMapping::FromMetadata(R"({"done": true})", "[]");
  CHECK(not_query.status().message() ==
        "SMS_Field_Mapping__mdt: expected a query result with a records array");

  auto duplicate = FieldMapping::FromMetadata(
      Replace(kMappingRecords, "\"Object__c\": \"Contact\"", "\"Object__c\": \"Lead\""), "[]");
  CHECK(duplicate.status().message() == "SMS_Field_Mapping__mdt Contact_SMS: Lead is mapped twice");
}
