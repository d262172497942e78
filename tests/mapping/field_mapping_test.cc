#include <catch2/catch.hpp>

#include "common/json.h"
#include "mapping/field_mapping.h"
#include "support/test_env.h"

using sfn::mapping::FieldMapping;
using sfn::mapping::MergeField;
using sfn::mapping::TaskOwnerRule;

namespace {

const char* kMapping = R"({
  "objects": {
    "Lead": {
      "phone_fields": ["MobilePhone", "Phone"],
      "opt_in": {"field": "SMS_Opt_In__c"},
      "opt_out": {"field": "SMS_Opt_Out__c"},
      "time_zone_field": "SMS_Time_Zone__c",
      "template_fields": ["FirstName", "Company", "Owner.Name"],
      "task": {"subject": "SMS to {!Lead.FirstName}", "type": "Other", "owner": "record_owner",
               "description": "{!Message.Body}",
               "custom_fields": {"SMS_Notification_Id__c": "{!Notification.Id}"}},
      "reply_task": {"subject": "Reply from {!Lead.Company, 'a lead'}"}
    },
    "Contact": {
      "phone_fields": ["Phone"],
      "opt_in": {"field": "SMS_Status__c", "value": "Opted In"},
      "opt_out": {"field": "SMS_Opt_Out__c"},
      "template_fields": ["FirstName", "Email"]
    }
  },
  "templates": [
    {"name": "Reminder", "body": "Hi {!Recipient.FirstName, \"there\"}"},
    {"name": "Reminder", "object": "Lead", "body": "Hi {!Lead.FirstName} at {!Lead.Company}"}
  ]
})";

std::string LoadError(const std::string& json) {
  auto m = FieldMapping::Parse(json, "m.json");
  REQUIRE_FALSE(m.ok());
  return m.status().message();
}

// kMapping with one substring replaced.
std::string With(const std::string& from, const std::string& to) {
  std::string text = kMapping;
  size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("a mapping file loads with its settings and documented defaults", "[mapping]") {
  auto m = FieldMapping::Parse(kMapping, "m.json");
  REQUIRE(m.ok());
  CHECK(m->Objects() == std::vector<std::string>{"Lead", "Contact"});
  const auto* lead = m->Object("lead");
  REQUIRE(lead);
  CHECK(lead->phone_fields == std::vector<std::string>{"MobilePhone", "Phone"});
  CHECK(lead->opt_in_value == "true");
  CHECK(lead->time_zone_field == "SMS_Time_Zone__c");
  CHECK(lead->task.owner == TaskOwnerRule::kRecordOwner);
  CHECK(lead->task.status == "Completed");
  CHECK(lead->task.priority == "Normal");
  CHECK(lead->task.subtype == "Task");
  CHECK(lead->locations.at("phone_fields[1]") == "m.json: objects.Lead.phone_fields[1]");

  const auto* contact = m->Object("Contact");
  REQUIRE(contact);
  CHECK(contact->task.owner == TaskOwnerRule::kRequester);
  CHECK(contact->task.subject.source() == "SMS: {!Message.Body}");
  CHECK(contact->time_zone_field.empty());
  CHECK(m->Object("Account") == nullptr);
}

TEST_CASE("the shipped demo mapping loads", "[mapping]") {
  auto m = FieldMapping::LoadFile(sfn::test::SourceDir() + "/mapping/demo-mapping.json");
  REQUIRE(m.ok());
  CHECK(m->Objects() == std::vector<std::string>{"Lead", "Contact"});
  // Template names and bodies mirror sfemu's SMS_Template__mdt seed records.
  REQUIRE(m->FindTemplate("Appointment_Reminder", "Lead"));
  CHECK(m->FindTemplate("Appointment_Reminder", "Contact") == nullptr);
  CHECK(m->FindTemplate("Account_Update", "Contact")->label == "Account Update");
  CHECK(m->FindTemplate("Reminder", "Contact")->object.empty());
  CHECK(m->Object("Lead")->task.type == "SMS");
}

TEST_CASE("mapping load errors name the file, the path and the problem", "[mapping]") {
  CHECK(LoadError("{").rfind("m.json: invalid JSON at offset", 0) == 0);
  CHECK(LoadError("[]") == "m.json: the mapping must be a JSON object");
  CHECK(LoadError("{}") == "m.json: objects: required field is missing");
  CHECK(LoadError(R"({"objects": {}})") == "m.json: the mapping maps no object (Lead or Contact)");
  CHECK(LoadError(With("\"phone_fields\": [\"Phone\"]", "\"phone_fields\": []")) ==
        "m.json: objects.Contact.phone_fields: at least one phone field is required");
  CHECK(LoadError(With("[\"MobilePhone\", \"Phone\"]", "[\"MobilePhone\", 7]")) ==
        "m.json: objects.Lead.phone_fields[1]: must be a string");
  CHECK(LoadError(With("\"opt_in\": {\"field\": \"SMS_Opt_In__c\"},", "")) ==
        "m.json: objects.Lead: opt_in.field: required field is missing");
  CHECK(LoadError(With("\"owner\": \"record_owner\"", "\"owner\": \"boss\"")) ==
        "m.json: objects.Lead.task.owner: must be \"requester\" or \"record_owner\", not 'boss'");
  CHECK(LoadError(With("\"type\": \"Other\"", "\"typ\": \"Other\"")) ==
        "m.json: objects.Lead.task.typ: unknown setting");
  CHECK(LoadError(With("\"Contact\": {", "\"Account\": {")) ==
        "m.json: objects.Account: object 'Account' cannot be mapped (use Lead or Contact)");
  CHECK(LoadError(With("[\"Phone\"]", "[\"Phone Number\"]")) ==
        "m.json: objects.Contact.phone_fields[0]: 'Phone Number' is not a field API name");
}

TEST_CASE("template errors in a mapping name the template's location and position", "[mapping]") {
  CHECK(LoadError(With("SMS to {!Lead.FirstName}", "SMS to {!Lead.Nickname}")) ==
        "m.json: objects.Lead.task.subject: line 1, column 8: unknown field Lead.Nickname: not "
        "among the "
        "mapping's template fields for Lead");
  CHECK(LoadError(With("{!Notification.Id}", "{!Notification.Id")) ==
        "m.json: objects.Lead.task.custom_fields.SMS_Notification_Id__c: line 1, column 1: merge "
        "field is not "
        "closed with '}'");
  // Company is a Lead template field but not a Contact one, so an any-object template cannot use
  // it.
  CHECK(LoadError(With("Hi {!Recipient.FirstName, \\\"there\\\"}", "Hi {!Recipient.Company}")) ==
        "m.json: templates[0].body: line 1, column 4: unknown field Recipient.Company: not among "
        "the mapping's "
        "template fields");
  CHECK(LoadError(With("\"object\": \"Lead\"", "\"object\": \"Contact\"")) ==
        "m.json: templates[1].body: line 1, column 4: merge field Lead.FirstName names object Lead "
        "but this "
        "template is for Contact");
}

TEST_CASE("templates resolve per object with any-object fallback", "[mapping]") {
  auto m = FieldMapping::Parse(kMapping, "m.json");
  REQUIRE(m.ok());
  CHECK(m->FindTemplate("Reminder", "Lead")->object == "Lead");
  CHECK(m->FindTemplate("reminder", "Contact")->object.empty());
  CHECK(m->FindTemplate("Missing", "Lead") == nullptr);
  auto adhoc = m->CompileMessage("Hello {!Contact.Email}", "Contact");
  REQUIRE(adhoc.ok());
  CHECK_FALSE(m->CompileMessage("Hello {!Contact.Company}", "Contact").ok());
}

TEST_CASE("RequiredFields lists what SOQL must select, deduplicated", "[mapping]") {
  auto m = FieldMapping::Parse(kMapping, "m.json");
  REQUIRE(m.ok());
  CHECK(m->RequiredFields("Lead") ==
        std::vector<std::string>{"Id", "MobilePhone", "Phone", "SMS_Opt_In__c", "SMS_Opt_Out__c",
                                 "SMS_Time_Zone__c", "OwnerId", "FirstName", "Company"});
  CHECK(m->RequiredFields("Contact") == std::vector<std::string>{"Id", "Phone", "SMS_Status__c",
                                                                 "SMS_Opt_Out__c", "OwnerId",
                                                                 "FirstName"});
  auto adhoc = m->CompileMessage("{!Contact.Email} {!contact.phone}", "Contact");
  // contact.phone is not a template field, so only Email can be added.
  REQUIRE_FALSE(adhoc.ok());
  adhoc = m->CompileMessage("{!Contact.Email} {!Contact.FirstName}", "Contact");
  REQUIRE(adhoc.ok());
  CHECK(m->RequiredFields("Contact", {&*adhoc}).back() == "Email");
  CHECK(m->RequiredFields("Account").empty());
}

TEST_CASE("consent, phone values and Task rendering", "[mapping]") {
  auto m = FieldMapping::Parse(kMapping, "m.json");
  REQUIRE(m.ok());
  const auto& lead = *m->Object("Lead");
  const auto& contact = *m->Object("Contact");
  auto rec =
      sfn::json::Parse(R"({"MobilePhone": "  ", "Phone": " (415) 555-2671 ", "SMS_Opt_In__c": true,
                                  "SMS_Status__c": "opted in", "FirstName": "Ada"})");
  REQUIRE(rec.ok());
  CHECK(lead.HasConsent(*rec));
  CHECK(contact.HasConsent(*rec));
  CHECK(lead.PhoneValues(*rec) == std::vector<std::string>{"(415) 555-2671"});
  auto no = sfn::json::Parse(R"({"SMS_Opt_In__c": false, "SMS_Status__c": null})");
  CHECK_FALSE(lead.HasConsent(*no));
  CHECK_FALSE(contact.HasConsent(*no));

  auto fields = lead.task.Render([](const MergeField& f) -> std::optional<std::string> {
    if (f.name == "FirstName") return std::string(300, 'x');
    if (f.name == "Notification.Id") return std::string("n-1");
    if (f.name == "Message.Body") return std::string("hello");
    return std::nullopt;
  });
  REQUIRE(fields.size() == 7);
  CHECK(fields[0].first == "Subject");
  CHECK(fields[0].second.size() == 255);
  CHECK(fields[1] == std::pair<std::string, std::string>{"Status", "Completed"});
  CHECK(fields[3] == std::pair<std::string, std::string>{"Type", "Other"});
  CHECK(fields[5] == std::pair<std::string, std::string>{"Description", "hello"});
  CHECK(fields[6] == std::pair<std::string, std::string>{"SMS_Notification_Id__c", "n-1"});
  CHECK(lead.reply_task_subject.Render([](const MergeField&) { return std::nullopt; }) ==
        "Reply from a lead");
}
