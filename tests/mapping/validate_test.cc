#include <catch2/catch.hpp>

#include "common/json.h"
#include "mapping/field_mapping.h"

using sfn::mapping::FieldMapping;
using sfn::mapping::MappingProblem;

namespace {

const char* kMapping = R"({
  "objects": {
    "Lead": {
      "phone_fields": ["MobilePhone", "Fax", "Pager__c"],
      "opt_in": {"field": "SMS_Opt_In__c"},
      "opt_out": {"field": "SMS_Opt_Out__c"},
      "time_zone_field": "SMS_Time_Zone__c",
      "template_fields": ["FirstName", "company", "Owner.Name", "Manager.Name"],
      "task": {"status": "Done", "owner": "record_owner",
               "custom_fields": {"SMS_Message_Sid__c": "{!Message.Sid}", "SMS_Unknown__c": "x",
                                 "IsClosed": "true"}}
    }
  }
})";

// A trimmed /sobjects/Lead/describe.
const char* kLeadDescribe = R"({"name": "Lead", "fields": [
  {"name": "Id", "type": "id", "updateable": false},
  {"name": "MobilePhone", "type": "phone", "length": 40, "updateable": true},
  {"name": "Fax", "type": "phone", "length": 40, "updateable": true},
  {"name": "FirstName", "type": "string", "length": 40, "updateable": true},
  {"name": "Company", "type": "string", "length": 255, "updateable": true},
  {"name": "OwnerId", "type": "reference", "relationshipName": "Owner", "updateable": true},
  {"name": "SMS_Opt_In__c", "type": "date", "updateable": true},
  {"name": "SMS_Opt_Out__c", "type": "boolean", "updateable": false},
  {"name": "SMS_Time_Zone__c", "type": "string", "length": 40, "updateable": true}
]})";

const char* kTaskDescribe = R"({"name": "Task", "fields": [
  {"name": "Subject", "type": "combobox", "length": 255, "createable": true, "updateable": true},
  {"name": "Status", "type": "picklist", "createable": true, "updateable": true,
   "picklistValues": [{"value": "Not Started", "active": true}, {"value": "Completed", "active": true},
                      {"value": "Done", "active": false}]},
  {"name": "Priority", "type": "picklist", "createable": true, "updateable": true,
   "picklistValues": [{"value": "Normal", "active": true}]},
  {"name": "TaskSubtype", "type": "picklist", "createable": true, "updateable": false},
  {"name": "WhoId", "type": "reference", "createable": true, "updateable": true},
  {"name": "IsClosed", "type": "boolean", "createable": false, "updateable": false},
  {"name": "SMS_Message_Sid__c", "type": "string", "length": 34, "createable": true, "updateable": true}
]})";

std::vector<std::string> Problems(const char* describe) {
  auto m = FieldMapping::Parse(kMapping, "m.json");
  REQUIRE(m.ok());
  auto doc = sfn::json::Parse(describe);
  REQUIRE(doc.ok());
  std::vector<std::string> out;
  for (const MappingProblem& p : m->Validate(*doc)) out.push_back(p.ToString());
  return out;
}

}  // namespace

TEST_CASE("Validate reports every problem of a record object with its location",
          "[mapping][validate]") {
  CHECK(
      Problems(kLeadDescribe) ==
      std::vector<std::string>{
          "m.json: objects.Lead.phone_fields[2]: unknown field Lead.Pager__c",
          "m.json: objects.Lead.opt_in.field: opt-in field Lead.SMS_Opt_In__c has type date; "
          "expected "
          "boolean/picklist/string",
          "m.json: objects.Lead.opt_out.field: opt-out field Lead.SMS_Opt_Out__c is not updateable",
          "m.json: objects.Lead.template_fields[1]: field Lead.company is spelled Company in the "
          "org",
          "m.json: objects.Lead.template_fields[3]: unknown relationship Lead.Manager in "
          "Manager.Name",
      });
}

TEST_CASE("Validate checks phone field types", "[mapping][validate]") {
  std::string describe = kLeadDescribe;
  const std::string from = R"("name": "Fax", "type": "phone")";
  describe.replace(describe.find(from), from.size(), R"("name": "Fax", "type": "double")");
  auto problems = Problems(describe.c_str());
  REQUIRE_FALSE(problems.empty());
  CHECK(problems[0] ==
        "m.json: objects.Lead.phone_fields[1]: phone field Lead.Fax has type double; expected "
        "phone/string");
}

TEST_CASE("Validate checks the Task settings against the Task describe", "[mapping][validate]") {
  CHECK(
      Problems(kTaskDescribe) ==
      std::vector<std::string>{
          "m.json: objects.Lead.task.status: 'Done' is not an active value of picklist Task.Status",
          "m.json: objects.Lead.task.custom_fields.SMS_Unknown__c: unknown field "
          "Task.SMS_Unknown__c",
          "m.json: objects.Lead.task.custom_fields.IsClosed: Task field IsClosed cannot be set "
          "when creating a "
          "Task",
      });
}

TEST_CASE("Validate refuses what is not a describe and ignores unmapped objects",
          "[mapping][validate]") {
  CHECK(
      Problems(R"({"records": []})") ==
      std::vector<std::string>{"describe: not an sObject describe result (needs name and fields)"});
  CHECK(Problems(R"({"name": "Account", "fields": []})").empty());
}
