// The mapping against a real org's answers: sfemu's demo seed, over REST.
#include <catch2/catch.hpp>

#include "common/form.h"
#include "common/http_client.h"
#include "common/json.h"
#include "mapping/field_mapping.h"
#include "support/test_env.h"

using sfn::mapping::FieldMapping;
using sfn::mapping::MappingProblem;

namespace {

class Org {
 public:
  explicit Org(const std::string& url) : client_(url) {
    sfn::http::Request r;
    r.method = "POST";
    r.path = "/services/oauth2/token";
    r.headers.Set("Content-Type", "application/x-www-form-urlencoded");
    r.body =
        "grant_type=client_credentials&client_id=sfnotify-local&client_secret=sfnotify-local-"
        "secret";
    auto response = client_.Send(r);
    REQUIRE(response.ok());
    REQUIRE(response->status == 200);
    auto doc = sfn::json::Parse(response->body);
    REQUIRE(doc.ok());
    token_ = sfn::json::GetString(*doc, "access_token").value_or("");
    REQUIRE_FALSE(token_.empty());
  }

  std::string Get(const std::string& path, const std::string& query = "") {
    sfn::http::Request r;
    r.path = "/services/data/v62.0" + path;
    r.query = query;
    r.headers.Set("Authorization", "Bearer " + token_);
    auto response = client_.Send(r);
    REQUIRE(response.ok());
    INFO(response->body);
    REQUIRE(response->status == 200);
    return response->body;
  }

  std::string Query(const std::string& soql) {
    return Get("/query", "q=" + sfn::form::Encode(soql));
  }

 private:
  sfn::http::Client client_;
  std::string token_;
};

std::vector<std::string> Problems(const FieldMapping& m, const std::string& describe_json) {
  auto doc = sfn::json::Parse(describe_json);
  REQUIRE(doc.ok());
  std::vector<std::string> out;
  for (const MappingProblem& p : m.Validate(*doc)) out.push_back(p.ToString());
  return out;
}

}  // namespace

TEST_CASE("sfemu's metadata records load and validate against its describes", "[mapping][sfemu]") {
  auto server = sfn::test::StartServer("sfemu", {"--port", "0"});
  Org org(server.url);
  auto mapping = FieldMapping::FromMetadata(
      org.Query(
          "SELECT DeveloperName, Object__c, Phone_Fields__c, Opt_In_Field__c, Opt_In_Value__c, "
          "Opt_Out_Field__c, Time_Zone_Field__c, Task_Subject__c, Task_Status__c, "
          "Task_Priority__c, "
          "Task_Type__c, Task_Owner__c, Task_Description__c, Reply_Task_Subject__c "
          "FROM SMS_Field_Mapping__mdt"),
      org.Query("SELECT DeveloperName, MasterLabel, Object__c, Body__c FROM SMS_Template__mdt"));
  INFO(mapping.status().message());
  REQUIRE(mapping.ok());
  CHECK(mapping->Objects().size() == 2);
  CHECK(mapping->FindTemplate("Appointment_Reminder", "Lead"));

  auto file = FieldMapping::LoadFile(sfn::test::SourceDir() + "/mapping/demo-mapping.json");
  REQUIRE(file.ok());
  for (const char* object : {"Lead", "Contact", "Task"}) {
    INFO(object);
    std::string describe = org.Get(std::string("/sobjects/") + object + "/describe");
    CHECK(Problems(*mapping, describe).empty());
    CHECK(Problems(*file, describe).empty());
  }

  // The field list RequiredFields builds is a query the org accepts.
  std::string fields;
  for (const auto& f : file->RequiredFields("Lead")) fields += (fields.empty() ? "" : ", ") + f;
  auto rows = sfn::json::Parse(org.Query("SELECT " + fields + " FROM Lead LIMIT 5"));
  REQUIRE(rows.ok());
  CHECK((*rows)["records"].Size() > 0);
}

TEST_CASE("Validate finds a field the org does not have", "[mapping][sfemu]") {
  auto server = sfn::test::StartServer("sfemu", {"--port", "0"});
  Org org(server.url);
  auto m = FieldMapping::Parse(R"({"objects": {"Contact": {
      "phone_fields": ["MobilePhone", "HomePhone__c"], "opt_in": {"field": "SMS_Opt_In__c"},
      "opt_out": {"field": "Name"}}}})",
                               "m.json");
  REQUIRE(m.ok());
  CHECK(Problems(*m, org.Get("/sobjects/Contact/describe")) ==
        std::vector<std::string>{
            "m.json: objects.Contact.phone_fields[1]: unknown field Contact.HomePhone__c",
            "m.json: objects.Contact.opt_out.field: opt-out field Contact.Name is not "
            "updateable"});
}
