// sfemu like an org: converted Leads refuse updates, permission set groups and assignments
// through them, and the --sharing switch (INSUFFICIENT_ACCESS_OR_READONLY without ownership
// or Modify All Data).
#include <chrono>

#include "common/child_process.h"
#include "common/form.h"
#include "sfemu_fixture.h"

using namespace sfemu_test;

namespace {

constexpr const char* kSender = "sender@sfnotify.demo";
constexpr const char* kViewer = "viewer@sfnotify.demo";

std::string FirstId(const Sfemu& emu, const std::string& token, const std::string& soql) {
  auto r = emu.Api("GET", "/query?q=" + sfn::form::Encode(soql), token);
  INFO(r.body);
  REQUIRE(r.status == 200);
  auto doc = Parse(r.body);
  REQUIRE(doc["records"].Size() >= 1);
  return doc["records"][0]["Id"].GetString();
}

}  // namespace

TEST_CASE("a converted Lead refuses updates with CANNOT_UPDATE_CONVERTED_LEAD", "[sfemu][org]") {
  Sfemu emu;
  std::string token = emu.Login();
  std::string lead = FirstId(emu, token, "SELECT Id FROM Lead WHERE IsConverted = false LIMIT 1");
  auto converted = emu.Send("POST", "/__emulator/leads/convert", R"({"leadId":")" + lead + "\"}");
  INFO(converted.body);
  REQUIRE(converted.status == 201);
  std::string contact = Parse(converted.body)["contactId"].GetString();

  auto q =
      emu.Api("GET",
              "/query?q=" + sfn::form::Encode("SELECT IsConverted, ConvertedContactId, Status, "
                                              "ConvertedContact.LastName FROM Lead WHERE Id = '" +
                                              lead + "'"),
              token);
  auto rec = Parse(q.body);
  CHECK(rec["records"][0]["IsConverted"].GetBool());
  CHECK(std::string(rec["records"][0]["ConvertedContactId"].GetString()) == contact);
  CHECK(std::string(rec["records"][0]["Status"].GetString()) == "Closed - Converted");
  CHECK(rec["records"][0]["ConvertedContact"].IsObject());

  auto patch = emu.Api("PATCH", "/sobjects/Lead/" + lead, token, R"({"Title":"after"})");
  CHECK(patch.status == 400);
  auto err = Parse(patch.body);
  CHECK(std::string(err[0]["errorCode"].GetString()) == "CANNOT_UPDATE_CONVERTED_LEAD");
  CHECK(std::string(err[0]["message"].GetString()) == "cannot reference converted lead");

  auto coll = emu.Api(
      "PATCH", "/composite/sobjects", token,
      R"({"records":[{"attributes":{"type":"Lead"},"id":")" + lead + R"(","Title":"after"}]})");
  REQUIRE(coll.status == 200);
  auto results = Parse(coll.body);
  CHECK_FALSE(results[0]["success"].GetBool());
  CHECK(std::string(results[0]["errors"][0]["statusCode"].GetString()) ==
        "CANNOT_UPDATE_CONVERTED_LEAD");
  CHECK(results[0]["errors"][0]["fields"].IsArray());

  // IsConverted cannot be written through the API; converting twice is refused.
  auto other = FirstId(emu, token, "SELECT Id FROM Lead WHERE IsConverted = false LIMIT 1");
  auto write = emu.Api("PATCH", "/sobjects/Lead/" + other, token, R"({"IsConverted":true})");
  CHECK(ErrorCode(write) == "INVALID_FIELD_FOR_INSERT_UPDATE");
  CHECK(emu.Send("POST", "/__emulator/leads/convert", R"({"leadId":")" + lead + "\"}").status ==
        400);
  CHECK(emu.Send("POST", "/__emulator/leads/convert", R"({})").status == 400);
}

TEST_CASE("a seed can create converted Leads", "[sfemu][org]") {
  sfn::test::TempDir dir;
  std::string seed = dir.Write("converted-seed.json", R"({"records":[
      {"attributes":{"type":"Contact","ref":"c"},"LastName":"Was Lead"},
      {"attributes":{"type":"Lead"},"LastName":"Converted","Company":"Seed Co",
       "IsConverted":true,"ConvertedContactId":"@c","Status":"Closed - Converted"}]})");
  Sfemu emu({"--seed", seed});
  std::string token = emu.Login();
  std::string lead = FirstId(emu, token, "SELECT Id FROM Lead WHERE IsConverted = true");
  CHECK(ErrorCode(emu.Api("PATCH", "/sobjects/Lead/" + lead, token, R"({"Title":"x"})")) ==
        "CANNOT_UPDATE_CONVERTED_LEAD");
}

TEST_CASE("permission set groups: assignments point at the group's aggregate permission set",
          "[sfemu][org]") {
  Sfemu emu;
  std::string token = emu.Login();
  std::string viewer =
      FirstId(emu, token, "SELECT Id FROM User WHERE Username = 'viewer@sfnotify.demo'");
  std::string group =
      FirstId(emu, token,
              "SELECT Id FROM PermissionSetGroup WHERE DeveloperName = 'SMS_Notification_Team'");
  auto assigned =
      emu.Api("POST", "/sobjects/PermissionSetAssignment", token,
              R"({"AssigneeId":")" + viewer + R"(","PermissionSetGroupId":")" + group + "\"}");
  INFO(assigned.body);
  REQUIRE(assigned.status == 201);

  // As in Salesforce: the assignment row names the group and the group's own (Type = Group)
  // permission set, not the permission sets inside the group.
  auto q =
      emu.Api("GET",
              "/query?q=" + sfn::form::Encode("SELECT PermissionSetGroupId, PermissionSet.Name, "
                                              "PermissionSet.Type FROM PermissionSetAssignment "
                                              "WHERE AssigneeId = '" +
                                              viewer + "'"),
              token);
  auto rows = Parse(q.body);
  INFO(q.body);
  REQUIRE(rows["totalSize"].GetInt() == 1);
  CHECK(std::string(rows["records"][0]["PermissionSetGroupId"].GetString()) == group);
  CHECK(std::string(rows["records"][0]["PermissionSet"]["Type"].GetString()) == "Group");
  CHECK(std::string(rows["records"][0]["PermissionSet"]["Name"].GetString()) !=
        "SMS_Notification_Sender");
  auto direct = emu.Api(
      "GET",
      "/query?q=" +
          sfn::form::Encode("SELECT Id FROM PermissionSetAssignment WHERE AssigneeId = '" + viewer +
                            "' AND PermissionSet.Name = 'SMS_Notification_Sender'"),
      token);
  CHECK(Parse(direct.body)["totalSize"].GetInt() == 0);
  // The group's permission sets are found through PermissionSetGroupComponent.
  auto components = emu.Api(
      "GET",
      "/query?q=" + sfn::form::Encode("SELECT PermissionSet.Name FROM PermissionSetGroupComponent "
                                      "WHERE PermissionSetGroupId = '" +
                                      group + "'"),
      token);
  auto comp = Parse(components.body);
  REQUIRE(comp["totalSize"].GetInt() == 1);
  CHECK(std::string(comp["records"][0]["PermissionSet"]["Name"].GetString()) ==
        "SMS_Notification_Sender");

  // An assignment needs a permission set or a group.
  auto none = emu.Api("POST", "/sobjects/PermissionSetAssignment", token,
                      R"({"AssigneeId":")" + viewer + "\"}");
  CHECK(ErrorCode(none) == "REQUIRED_FIELD_MISSING");
}

TEST_CASE("sharing switch, Lead private: only owners and Modify All Data may update",
          "[sfemu][org]") {
  Sfemu emu({"--sharing", "Lead=private"});
  std::string admin = emu.Login();
  std::string sender = emu.Login(kSender);
  std::string viewer_token = emu.Login(kViewer);
  std::string sender_id =
      FirstId(emu, admin, "SELECT Id FROM User WHERE Username = 'sender@sfnotify.demo'");
  std::string others =
      FirstId(emu, admin, "SELECT Id FROM Lead WHERE OwnerId != '" + sender_id + "'");
  std::string own = FirstId(emu, admin, "SELECT Id FROM Lead WHERE OwnerId = '" + sender_id + "'");

  auto refused = emu.Api("PATCH", "/sobjects/Lead/" + others, sender, R"({"Title":"x"})");
  INFO(refused.body);
  CHECK(refused.status == 400);
  CHECK(ErrorCode(refused) == "INSUFFICIENT_ACCESS_OR_READONLY");
  CHECK(emu.Api("PATCH", "/sobjects/Lead/" + own, sender, R"({"Title":"mine"})").status == 204);
  // The integration user's System Administrator profile has Modify All Data.
  CHECK(emu.Api("PATCH", "/sobjects/Lead/" + others, admin, R"({"Title":"admin"})").status == 204);
  auto coll = emu.Api(
      "PATCH", "/composite/sobjects", sender,
      R"({"records":[{"attributes":{"type":"Lead"},"id":")" + others + R"(","Title":"x"}]})");
  CHECK(std::string(Parse(coll.body)[0]["errors"][0]["statusCode"].GetString()) ==
        "INSUFFICIENT_ACCESS_OR_READONLY");
  CHECK(ErrorCode(emu.Api("DELETE", "/sobjects/Lead/" + others, sender)) ==
        "INSUFFICIENT_ACCESS_OR_READONLY");
  // Other objects keep read/write sharing.
  std::string contact =
      FirstId(emu, admin, "SELECT Id FROM Contact WHERE OwnerId != '" + sender_id + "'");
  CHECK(emu.Api("PATCH", "/sobjects/Contact/" + contact, sender, R"({"Title":"x"})").status == 204);

  // Modify All Data through a permission set group's component set.
  std::string viewer =
      FirstId(emu, admin, "SELECT Id FROM User WHERE Username = 'viewer@sfnotify.demo'");
  CHECK(ErrorCode(emu.Api("PATCH", "/sobjects/Lead/" + others, viewer_token, R"({"Title":"v"})")) ==
        "INSUFFICIENT_ACCESS_OR_READONLY");
  auto set =
      emu.Api("POST", "/sobjects/PermissionSet", admin,
              R"({"Name":"Data_Steward","Label":"Data Steward","PermissionsModifyAllData":true})");
  REQUIRE(set.status == 201);
  auto group = emu.Api("POST", "/sobjects/PermissionSetGroup", admin,
                       R"({"DeveloperName":"Stewards","MasterLabel":"Stewards"})");
  REQUIRE(group.status == 201);
  std::string set_id = Parse(set.body)["id"].GetString();
  std::string group_id = Parse(group.body)["id"].GetString();
  REQUIRE(emu.Api("POST", "/sobjects/PermissionSetGroupComponent", admin,
                  R"({"PermissionSetGroupId":")" + group_id + R"(","PermissionSetId":")" + set_id +
                      "\"}")
              .status == 201);
  REQUIRE(
      emu.Api("POST", "/sobjects/PermissionSetAssignment", admin,
              R"({"AssigneeId":")" + viewer + R"(","PermissionSetGroupId":")" + group_id + "\"}")
          .status == 201);
  CHECK(emu.Api("PATCH", "/sobjects/Lead/" + others, viewer_token, R"({"Title":"v"})").status ==
        204);
}

TEST_CASE("the sharing switch is validated", "[sfemu][org]") {
  sfn::test::TempDir dir;
  for (const char* bad : {"Lead", "Lead=secret", "Nope__c=private", "=private"}) {
    INFO(bad);
    std::string err = dir.File(std::string("stderr-") + std::to_string(bad[0]) + ".txt");
    auto child = sfn::ChildProcess::Start(
        {sfn::test::BinDir() + "/sfemu", "--port", "0", "--sharing", bad}, err);
    REQUIRE(child.ok());
    int code = child->Wait(std::chrono::seconds(20));
    CHECK(code != 0);
    CHECK(code != -1);
    CHECK(sfn::test::ReadFile(err).find("--sharing") != std::string::npos);
  }
}
