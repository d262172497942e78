// sfemu REST: versions, sObject CRUD, field validation error codes, describe,
// query paging, sObject Collections and Composite.
#include <set>

#include "common/form.h"

#include "sfemu_fixture.h"

using namespace sfemu_test;

namespace {

std::string CreateTask(const Sfemu& emu, const std::string& token, const std::string& body) {
  auto r = emu.Api("POST", "/sobjects/Task", token, body);
  INFO(r.body);
  REQUIRE(r.status == 201);
  auto doc = Parse(r.body);
  CHECK(doc["success"].GetBool());
  return doc["id"].GetString();
}

std::string FirstId(const Sfemu& emu, const std::string& token, const std::string& soql) {
  auto r = emu.Api("GET", "/query?q=" + sfn::form::Encode(soql), token);
  INFO(r.body);
  REQUIRE(r.status == 200);
  auto doc = Parse(r.body);
  REQUIRE(doc["records"].Size() > 0);
  return doc["records"][0]["Id"].GetString();
}

void RequireError(const sfn::http::Response& r, int status, const std::string& code,
                  const std::string& field = "") {
  INFO(r.body);
  REQUIRE(r.status == status);
  auto doc = Parse(r.body);
  REQUIRE(doc.IsArray());
  CHECK(std::string(doc[0]["errorCode"].GetString()) == code);
  CHECK(doc[0]["message"].GetStringLength() > 0);
  if (!field.empty()) {
    REQUIRE(doc[0].HasMember("fields"));
    CHECK(std::string(doc[0]["fields"][0].GetString()) == field);
  }
}

}  // namespace

TEST_CASE("version list is served without auth and not counted, every version 31.0..62.0 works",
          "[sfemu][rest]") {
  Sfemu emu;
  auto r = emu.Send("GET", "/services/data/");
  REQUIRE(r.status == 200);
  auto doc = Parse(r.body);
  REQUIRE(doc.IsArray());
  CHECK(doc.Size() == 32);
  CHECK(std::string(doc[0]["version"].GetString()) == "31.0");
  CHECK(std::string(doc[doc.Size() - 1]["url"].GetString()) == "/services/data/v62.0");
  CHECK(r.headers.Get("Sforce-Limit-Info") == "api-usage=0/15000");
  std::string token = emu.Login();
  CHECK(emu.Send("GET", "/services/data/v31.0/limits", "", {{"Authorization", "Bearer " + token}})
            .status == 200);
  RequireError(
      emu.Send("GET", "/services/data/v30.0/limits", "", {{"Authorization", "Bearer " + token}}),
      404, "NOT_FOUND");
  RequireError(emu.Send("GET", "/services/data/v62.0/limits"), 401, "INVALID_SESSION_ID");
}

TEST_CASE("sObject create, retrieve, update (PATCH and _HttpMethod), delete", "[sfemu][rest]") {
  Sfemu emu;
  std::string token = emu.Login("sender@sfnotify.demo");
  std::string lead = FirstId(emu, token, "SELECT Id FROM Lead LIMIT 1");
  std::string id =
      CreateTask(emu, token, R"({"WhoId":")" + lead + R"(","Subject":"SMS: Reminder"})");
  CHECK(id.size() == 18);
  CHECK(id.substr(0, 3) == "00T");

  auto got = emu.Api("GET", "/sobjects/Task/" + id, token);
  REQUIRE(got.status == 200);
  auto task = Parse(got.body);
  CHECK(std::string(task["attributes"]["type"].GetString()) == "Task");
  CHECK(std::string(task["attributes"]["url"].GetString()) ==
        std::string(kV) + "/sobjects/Task/" + id);
  CHECK(std::string(task["Status"].GetString()) == "Not Started");  // defaults
  CHECK(std::string(task["Priority"].GetString()) == "Normal");
  CHECK_FALSE(task["IsClosed"].GetBool());
  CHECK(std::string(task["WhoId"].GetString()) == lead);
  CHECK(std::string(task["OwnerId"].GetString()).substr(0, 3) == "005");
  CHECK(std::string(task["CreatedDate"].GetString()).find("+0000") != std::string::npos);

  // 15-character ids are accepted; PATCH derives IsClosed from Status.
  std::string id15 = id.substr(0, 15);
  REQUIRE(emu.Api("PATCH", "/sobjects/Task/" + id15, token, R"({"Status":"Completed"})").status ==
          204);
  auto subset =
      Parse(emu.Api("GET", "/sobjects/Task/" + id15 + "?fields=Status,IsClosed", token).body);
  CHECK(std::string(subset["Status"].GetString()) == "Completed");
  CHECK(subset["IsClosed"].GetBool());
  CHECK_FALSE(subset.HasMember("Subject"));

  REQUIRE(emu.Api("POST", "/sobjects/Task/" + id + "?_HttpMethod=PATCH", token,
                  R"({"Subject":"Changed"})")
              .status == 204);
  CHECK(std::string(
            Parse(emu.Api("GET", "/sobjects/Task/" + id, token).body)["Subject"].GetString()) ==
        "Changed");

  REQUIRE(emu.Api("DELETE", "/sobjects/Task/" + id, token).status == 204);
  RequireError(emu.Api("GET", "/sobjects/Task/" + id, token), 404, "ENTITY_IS_DELETED");
  RequireError(emu.Api("DELETE", "/sobjects/Task/" + id, token), 404, "ENTITY_IS_DELETED");
}

TEST_CASE("field validation uses Salesforce's error codes", "[sfemu][rest]") {
  Sfemu emu;
  std::string token = emu.Login();
  std::string lead = FirstId(emu, token, "SELECT Id FROM Lead LIMIT 1");
  std::string user = FirstId(emu, token, "SELECT Id FROM User LIMIT 1");

  RequireError(emu.Api("POST", "/sobjects/Task", token, R"({"Bogus__c":"x"})"), 400,
               "INVALID_FIELD", "Bogus__c");
  RequireError(emu.Api("POST", "/sobjects/Task", token, R"({"Id":")" + lead + R"("})"), 400,
               "INVALID_FIELD");
  RequireError(emu.Api("POST", "/sobjects/Lead", token, R"({"LastName":"Only"})"), 400,
               "REQUIRED_FIELD_MISSING", "Company");
  RequireError(
      emu.Api("POST", "/sobjects/Task", token, R"({"Subject":")" + std::string(256, 'x') + R"("})"),
      400, "STRING_TOO_LONG", "Subject");
  RequireError(emu.Api("POST", "/sobjects/Task", token,
                       R"({"SMS_Message_Sid__c":")" + std::string(35, 'S') + R"("})"),
               400, "STRING_TOO_LONG", "SMS_Message_Sid__c");
  RequireError(emu.Api("POST", "/sobjects/Task", token, R"({"WhoId":"not-an-id"})"), 400,
               "MALFORMED_ID", "WhoId");
  RequireError(emu.Api("POST", "/sobjects/Task", token, R"({"WhoId":")" + user + R"("})"), 400,
               "INVALID_CROSS_REFERENCE_KEY", "WhoId");
  RequireError(emu.Api("POST", "/sobjects/Task", token, R"({"Status":"Sent"})"), 400,
               "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "Status");
  RequireError(emu.Api("POST", "/sobjects/Task", token, R"({"IsClosed":true})"), 400,
               "INVALID_FIELD_FOR_INSERT_UPDATE", "IsClosed");
  RequireError(
      emu.Api("POST", "/sobjects/Lead", token, R"({"LastName":"A","Company":"B","Email":"nope"})"),
      400, "INVALID_EMAIL_ADDRESS", "Email");
  RequireError(emu.Api("POST", "/sobjects/Lead", token,
                       R"({"LastName":"A","Company":"B","SMS_Opt_In__c":"maybe"})"),
               400, "JSON_PARSER_ERROR");
  RequireError(emu.Api("POST", "/sobjects/Task", token, "{not json"), 400, "JSON_PARSER_ERROR");
  RequireError(emu.Api("POST", "/sobjects/NoSuchThing__c", token, "{}"), 404, "NOT_FOUND");
  RequireError(emu.Api("GET", "/sobjects/Task/00T5g00000009ZZ", token), 404, "NOT_FOUND");
  RequireError(emu.Api("GET", "/sobjects/Task/" + lead, token), 400, "MALFORMED_ID");
  RequireError(emu.Api("GET", "/sobjects/Lead/" + lead + "?fields=Nope", token), 400,
               "INVALID_FIELD");
  RequireError(emu.Api("PATCH", "/sobjects/Lead/" + lead, token, R"({"LastName":null})"), 400,
               "REQUIRED_FIELD_MISSING", "LastName");
  RequireError(emu.Api("PUT", "/sobjects/Lead/" + lead, token, "{}"), 405, "METHOD_NOT_ALLOWED");
  RequireError(emu.Api("POST", "/sobjects/SMS_Template__mdt", token, R"({"DeveloperName":"X"})"),
               400, "INVALID_TYPE_FOR_OPERATION");
  // Nothing invalid was stored.
  CHECK(emu.LiveCount("Task") == 0);
}

TEST_CASE("describe and describeGlobal", "[sfemu][rest]") {
  Sfemu emu;
  std::string token = emu.Login();
  auto global = Parse(emu.Api("GET", "/sobjects", token).body);
  std::set<std::string> names;
  for (const auto& o : global["sobjects"].GetArray()) names.insert(o["name"].GetString());
  for (const char* n :
       {"Lead", "Contact", "Task", "User", "PermissionSet", "PermissionSetAssignment", "Campaign",
        "CampaignMember", "Outbound_Notification__e", "SMS_Contact_Point__mdt"}) {
    CHECK(names.count(n) == 1);
  }
  auto task =
      Parse(emu.Api("GET", "/sobjects/task/describe", token).body);  // names are case-insensitive
  CHECK(std::string(task["keyPrefix"].GetString()) == "00T");
  bool saw_status = false;
  for (const auto& f : task["fields"].GetArray()) {
    std::string name = f["name"].GetString();
    if (name == "Status") {
      saw_status = true;
      CHECK(f["restrictedPicklist"].GetBool());
      CHECK(std::string(f["defaultValue"].GetString()) == "Not Started");
    }
    if (name == "Subject") CHECK(f["length"].GetInt() == 255);
    if (name == "WhoId") CHECK(f["referenceTo"].Size() == 2);
  }
  CHECK(saw_status);
  auto info = Parse(emu.Api("GET", "/sobjects/Lead", token).body);
  CHECK(std::string(info["objectDescribe"]["keyPrefix"].GetString()) == "00Q");
}

TEST_CASE("query pages with nextRecordsUrl and batchSize, queryAll sees deleted rows",
          "[sfemu][rest][soql]") {
  Sfemu emu;
  std::string token = emu.Login();
  std::string q = "/query?q=" + sfn::form::Encode("SELECT Id, Name FROM Lead");
  auto first = emu.Api("GET", q, token, "", {{"Sforce-Query-Options", "batchSize=200"}});
  REQUIRE(first.status == 200);
  auto doc = Parse(first.body);
  int64_t total = doc["totalSize"].GetInt64();
  CHECK(total >= 500);
  std::set<std::string> ids;
  size_t pages = 0;
  while (true) {
    ++pages;
    for (const auto& r : doc["records"].GetArray()) ids.insert(r["Id"].GetString());
    if (doc["done"].GetBool()) break;
    CHECK(doc["records"].Size() == 200);
    std::string next = doc["nextRecordsUrl"].GetString();
    CHECK(next.rfind(std::string(kV) + "/query/01g", 0) == 0);
    auto page = emu.Send("GET", next, "", {{"Authorization", "Bearer " + token}});
    REQUIRE(page.status == 200);
    doc = Parse(page.body);
    CHECK(doc["totalSize"].GetInt64() == total);
  }
  CHECK(static_cast<int64_t>(ids.size()) == total);
  CHECK(pages == static_cast<size_t>((total + 199) / 200));

  // Default batch is 2000: one page.
  CHECK(Parse(emu.Api("GET", q, token).body)["done"].GetBool());
  RequireError(emu.Api("GET", "/query/01gNOPE-200", token), 400, "INVALID_QUERY_LOCATOR");
  RequireError(emu.Api("GET", "/query?q=" + sfn::form::Encode("SELECT FROM"), token), 400,
               "MALFORMED_QUERY");

  std::string id = CreateTask(emu, token, R"({"Subject":"gone"})");
  REQUIRE(emu.Api("DELETE", "/sobjects/Task/" + id, token).status == 204);
  std::string tq = sfn::form::Encode("SELECT Id, IsDeleted FROM Task");
  CHECK(Parse(emu.Api("GET", "/query?q=" + tq, token).body)["totalSize"].GetInt() == 0);
  auto all = Parse(emu.Api("GET", "/queryAll?q=" + tq, token).body);
  REQUIRE(all["totalSize"].GetInt() == 1);
  CHECK(all["records"][0]["IsDeleted"].GetBool());
}

TEST_CASE("sObject Collections: order, allOrNone, limits, update and delete",
          "[sfemu][rest][collections]") {
  Sfemu emu;
  std::string token = emu.Login();
  std::string lead = FirstId(emu, token, "SELECT Id FROM Lead LIMIT 1");
  auto task = [&](const std::string& extra) {
    return R"({"attributes":{"type":"Task"},"WhoId":")" + lead +
           R"(","Subject":"SMS sent","Status":"Completed")" + extra + "}";
  };
  std::string three =
      task("") + "," + task(R"(,"Status":"Bogus")") + "," + task(R"(,"SMS_Segments__c":2)");

  SECTION("allOrNone false: each record stands alone, results in request order") {
    auto r = emu.Api("POST", "/composite/sobjects", token,
                     R"({"allOrNone":false,"records":[)" + three + "]}");
    REQUIRE(r.status == 200);
    auto doc = Parse(r.body);
    REQUIRE(doc.Size() == 3);
    CHECK(doc[0]["success"].GetBool());
    CHECK_FALSE(doc[1]["success"].GetBool());
    CHECK(std::string(doc[1]["errors"][0]["statusCode"].GetString()) ==
          "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST");
    CHECK(std::string(doc[1]["errors"][0]["fields"][0].GetString()) == "Status");
    CHECK(doc[2]["success"].GetBool());
    CHECK(emu.LiveCount("Task") == 2);
    CHECK(r.headers.Get("Sforce-Limit-Info") ==
          "api-usage=2/15000");  // query + one collection call

    // Update and delete through collections.
    std::string a = doc[0]["id"].GetString(), c = doc[2]["id"].GetString();
    auto up = emu.Api(
        "PATCH", "/composite/sobjects", token,
        R"({"allOrNone":false,"records":[{"attributes":{"type":"Task"},"id":")" + a +
            R"(","SMS_Delivery_Status__c":"delivered"},{"attributes":{"type":"Task"},"id":"00T5g00000009ZZ"}]})");
    REQUIRE(up.status == 200);
    auto updoc = Parse(up.body);
    CHECK(updoc[0]["success"].GetBool());
    CHECK_FALSE(updoc[1]["success"].GetBool());
    CHECK(emu.LiveCount("Task", "SMS_Delivery_Status__c", "delivered") == 1);
    auto del = emu.Api("DELETE", "/composite/sobjects?allOrNone=false&ids=" + a + "," + c, token);
    REQUIRE(del.status == 200);
    CHECK(Parse(del.body)[1]["success"].GetBool());
    CHECK(emu.LiveCount("Task") == 0);
  }
  SECTION("allOrNone true: one failure rolls every record back") {
    auto r = emu.Api("POST", "/composite/sobjects", token,
                     R"({"allOrNone":true,"records":[)" + three + "]}");
    REQUIRE(r.status == 200);
    auto doc = Parse(r.body);
    REQUIRE(doc.Size() == 3);
    for (const auto& item : doc.GetArray()) CHECK_FALSE(item["success"].GetBool());
    CHECK(std::string(doc[0]["errors"][0]["statusCode"].GetString()) ==
          "ALL_OR_NONE_OPERATION_ROLLED_BACK");
    CHECK(std::string(doc[1]["errors"][0]["statusCode"].GetString()) ==
          "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST");
    CHECK(emu.LiveCount("Task") == 0);
  }
  SECTION("200 records are fine, 201 are refused with EXCEEDED_ID_LIMIT") {
    std::string many;
    for (int i = 0; i < 200; ++i) many += (i ? "," : "") + task("");
    auto ok = emu.Api("POST", "/composite/sobjects", token,
                      R"({"allOrNone":true,"records":[)" + many + "]}");
    REQUIRE(ok.status == 200);
    CHECK(Parse(ok.body).Size() == 200);
    CHECK(emu.LiveCount("Task") == 200);
    auto r = emu.Api("POST", "/composite/sobjects", token,
                     R"({"records":[)" + many + "," + task("") + "]}");
    RequireError(r, 400, "EXCEEDED_ID_LIMIT");
    CHECK(emu.LiveCount("Task") == 200);
  }
  SECTION("records need a known attributes.type and no id on create") {
    auto r = emu.Api(
        "POST", "/composite/sobjects", token,
        R"({"records":[{"Subject":"x"},{"attributes":{"type":"Nope__c"}},{"attributes":{"type":"Task"},"id":")" +
            lead + R"("}]})");
    REQUIRE(r.status == 200);
    auto doc = Parse(r.body);
    CHECK(std::string(doc[0]["errors"][0]["statusCode"].GetString()) == "INVALID_TYPE");
    CHECK(std::string(doc[1]["errors"][0]["statusCode"].GetString()) == "INVALID_TYPE");
    CHECK(std::string(doc[2]["errors"][0]["statusCode"].GetString()) == "INVALID_FIELD");
  }
}

TEST_CASE("composite: references, allOrNone, the 25-subrequest limit, queries in the body",
          "[sfemu][rest][composite]") {
  Sfemu emu;
  std::string token = emu.Login();
  std::string lead_then_task =
      R"({"method":"POST","url":"/services/data/v62.0/sobjects/Lead","referenceId":"newLead",)"
      R"("body":{"LastName":"Composite","Company":"Refs Inc"}},)"
      R"({"method":"POST","url":"/services/data/v62.0/sobjects/Task","referenceId":"newTask",)"
      R"("body":{"WhoId":"@{newLead.id}","Subject":"SMS"}},)"
      R"({"method":"GET","url":"/services/data/v62.0/sobjects/Task/@{newTask.id}?fields=WhoId","referenceId":"readBack"})";

  SECTION("@{ref.id} chains subrequests; one API call") {
    auto r = emu.Api("POST", "/composite", token,
                     R"({"allOrNone":true,"compositeRequest":[)" + lead_then_task + "]}");
    REQUIRE(r.status == 200);
    auto doc = Parse(r.body);
    auto& list = doc["compositeResponse"];
    REQUIRE(list.Size() == 3);
    CHECK(list[0]["httpStatusCode"].GetInt() == 201);
    CHECK(std::string(list[0]["referenceId"].GetString()) == "newLead");
    std::string lead = list[0]["body"]["id"].GetString();
    CHECK(std::string(list[0]["httpHeaders"]["Location"].GetString()) ==
          std::string(kV) + "/sobjects/Lead/" + lead);
    CHECK(list[2]["httpStatusCode"].GetInt() == 200);
    CHECK(std::string(list[2]["body"]["WhoId"].GetString()) == lead);
    CHECK(r.headers.Get("Sforce-Limit-Info") == "api-usage=1/15000");
  }
  SECTION("allOrNone true: a failure rolls back earlier subrequests") {
    std::string failing = lead_then_task +
                          R"(,{"method":"POST","url":"/services/data/v62.0/sobjects/Task",)"
                          R"("referenceId":"bad","body":{"Status":"Nope"}})";
    auto r = emu.Api("POST", "/composite", token,
                     R"({"allOrNone":true,"compositeRequest":[)" + failing + "]}");
    REQUIRE(r.status == 200);
    auto doc = Parse(r.body);
    auto& list = doc["compositeResponse"];
    CHECK(list[0]["httpStatusCode"].GetInt() == 400);
    CHECK(std::string(list[0]["body"][0]["errorCode"].GetString()) == "PROCESSING_HALTED");
    CHECK(std::string(list[3]["body"][0]["errorCode"].GetString()) ==
          "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST");
    CHECK(emu.LiveCount("Task") == 0);
    CHECK(emu.LiveCount("Lead", "LastName", "Composite") == 0);
  }
  SECTION("allOrNone false: failures stay local; references to them halt dependants") {
    std::string body =
        R"({"compositeRequest":[)"
        R"({"method":"POST","url":"/services/data/v62.0/sobjects/Lead","referenceId":"badLead","body":{"LastName":"NoCompany"}},)"
        R"({"method":"POST","url":"/services/data/v62.0/sobjects/Task","referenceId":"t1","body":{"WhoId":"@{badLead.id}"}},)"
        R"({"method":"POST","url":"/services/data/v62.0/sobjects/Task","referenceId":"t2","body":{"Subject":"independent"}}]})";
    auto doc = Parse(emu.Api("POST", "/composite", token, body).body);
    auto& list = doc["compositeResponse"];
    CHECK(std::string(list[0]["body"][0]["errorCode"].GetString()) == "REQUIRED_FIELD_MISSING");
    CHECK(std::string(list[1]["body"][0]["errorCode"].GetString()) == "PROCESSING_HALTED");
    CHECK(list[2]["httpStatusCode"].GetInt() == 201);
    CHECK(emu.LiveCount("Task") == 1);
  }
  SECTION("more than 25 subrequests are refused; a query travels in the body") {
    std::string subs;
    for (int i = 0; i < 26; ++i) {
      subs +=
          (i ? "," : "") +
          std::string(R"({"method":"GET","url":"/services/data/v62.0/limits","referenceId":"r)") +
          std::to_string(i) + "\"}";
    }
    auto r = emu.Api("POST", "/composite", token, R"({"compositeRequest":[)" + subs + "]}");
    CHECK(r.status == 400);
    std::string in_list;
    for (int i = 0; i < 300; ++i)
      in_list += std::string(i ? "," : "") + "'00Q5g000000" + std::to_string(1000 + i) + "'";
    std::string q = sfn::form::Encode("SELECT Id FROM Lead WHERE Id IN (" + in_list +
                                      ") OR Name != null LIMIT 3");
    auto qr =
        emu.Api("POST", "/composite", token,
                R"({"compositeRequest":[{"method":"GET","url":"/services/data/v62.0/query?q=)" + q +
                    R"(","referenceId":"q"}]})");
    REQUIRE(qr.status == 200);
    auto qdoc = Parse(qr.body);
    INFO(qr.body);
    CHECK(qdoc["compositeResponse"][0]["httpStatusCode"].GetInt() == 200);
    CHECK(qdoc["compositeResponse"][0]["body"]["records"].Size() == 3);
  }
}
