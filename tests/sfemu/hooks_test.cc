// sfemu test hooks and cross-cutting behaviour: API usage and limits, faults,
// the request log, URI limits, platform-event publishing, state persistence,
// the demo seed and seed files, and command-line errors.
#include <map>

#include "common/form.h"
#include "sfemu_fixture.h"

using namespace sfemu_test;

TEST_CASE("Sforce-Limit-Info counts each API call once, limits hook and REQUEST_LIMIT_EXCEEDED",
          "[sfemu][hooks]") {
  Sfemu emu;
  std::string token = emu.Login();
  CHECK(emu.Api("GET", "/limits", token).headers.Get("Sforce-Limit-Info") == "api-usage=1/15000");
  auto second = emu.Api("GET", "/limits", token);
  CHECK(second.headers.Get("Sforce-Limit-Info") == "api-usage=2/15000");
  CHECK(Parse(second.body)["DailyApiRequests"]["Remaining"].GetInt() == 14998);
  emu.Send("GET", "/__emulator/health");  // hooks are free
  CHECK(emu.Api("GET", "/limits", token).headers.Get("Sforce-Limit-Info") == "api-usage=3/15000");

  REQUIRE(
      emu.Send("POST", "/__emulator/limits", R"({"DailyApiRequests":{"Max":100,"Remaining":1}})")
          .status == 200);
  auto last = emu.Api("GET", "/limits", token);
  REQUIRE(last.status == 200);
  CHECK(last.headers.Get("Sforce-Limit-Info") == "api-usage=100/100");
  auto refused = emu.Api("GET", "/limits", token);
  REQUIRE(refused.status == 403);
  CHECK(ErrorCode(refused) == "REQUEST_LIMIT_EXCEEDED");
  CHECK(emu.Send("POST", "/__emulator/limits", R"({"DailyApiRequests":{"Max":10,"Remaining":11}})")
            .status == 400);
  CHECK(emu.Send("POST", "/__emulator/limits", "[]").status == 400);
}

TEST_CASE("faults answer the next N matching requests, then clear", "[sfemu][hooks][faults]") {
  Sfemu emu;
  std::string token = emu.Login();
  auto inject = [&](const std::string& body) {
    auto r = emu.Send("POST", "/__emulator/faults", body);
    INFO(r.body);
    REQUIRE(r.status == 201);
    return std::string(Parse(r.body)["id"].GetString());
  };
  struct Case {
    const char* kind;
    int status;
    const char* code;
  };
  for (const Case& c : {Case{"INVALID_SESSION_ID", 401, "INVALID_SESSION_ID"},
                        Case{"REQUEST_LIMIT_EXCEEDED", 403, "REQUEST_LIMIT_EXCEEDED"},
                        Case{"UNABLE_TO_LOCK_ROW", 400, "UNABLE_TO_LOCK_ROW"},
                        Case{"SERVER_UNAVAILABLE", 503, "SERVER_UNAVAILABLE"},
                        Case{"http_500", 500, "UNKNOWN_EXCEPTION"}}) {
    INFO(c.kind);
    inject(std::string(R"({"fault":")") + c.kind + R"(","count":1})");
    auto r = emu.Api("GET", "/limits", token);
    REQUIRE(r.status == c.status);
    CHECK(ErrorCode(r) == c.code);
    CHECK(emu.Api("GET", "/limits", token).status == 200);  // used up
  }
  inject(R"({"fault":"http_503"})");
  CHECK(emu.Api("GET", "/limits", token).status == 503);

  // Method and path filters; count 2.
  inject(
      R"({"fault":"UNABLE_TO_LOCK_ROW","count":2,"method":"POST","path":"/services/data/v62.0/composite"})");
  CHECK(emu.Api("GET", "/limits", token).status == 200);
  std::string body = R"({"records":[{"attributes":{"type":"Task"},"Subject":"x"}]})";
  CHECK(emu.Api("POST", "/composite/sobjects", token, body).status == 400);
  CHECK(emu.Api("POST", "/composite/sobjects", token, body).status == 400);
  CHECK(emu.Api("POST", "/composite/sobjects", token, body).status == 200);
  CHECK(emu.LiveCount("Task") == 1);

  // unknown_error on the token endpoint, in OAuth form.
  inject(R"({"fault":"unknown_error","path":"/services/oauth2/token"})");
  auto t = emu.Form("/services/oauth2/token", "grant_type=password");
  REQUIRE(t.status == 400);
  CHECK(std::string(Parse(t.body)["error"].GetString()) == "unknown_error");
  CHECK(std::string(Parse(t.body)["error_description"].GetString()) == "retry your request");

  // latency delays but then serves normally.
  inject(R"({"fault":"latency","latency_ms":50})");
  CHECK(emu.Api("GET", "/limits", token).status == 200);

  inject(R"({"fault":"http_500","count":5})");
  REQUIRE(emu.Send("DELETE", "/__emulator/faults").status == 200);
  CHECK(emu.Api("GET", "/limits", token).status == 200);

  CHECK(emu.Send("POST", "/__emulator/faults", R"({"fault":"meteor"})").status == 400);
  CHECK(emu.Send("POST", "/__emulator/faults", R"({"fault":"latency"})").status == 400);
  CHECK(emu.Send("POST", "/__emulator/faults", R"({"count":1})").status == 400);
}

TEST_CASE("the request log records every non-hook request with status and api_call",
          "[sfemu][hooks]") {
  Sfemu emu;
  std::string token = emu.Login();
  emu.Api("GET", "/limits", token);
  emu.Send("GET", "/services/data/");
  emu.Api("GET", "/sobjects/Task/00T5g00000009ZZ", token);
  emu.Send("GET", "/__emulator/health");
  auto doc = Parse(emu.Send("GET", "/__emulator/requests").body);
  auto& list = doc["requests"];
  REQUIRE(list.Size() == 4);
  CHECK(std::string(list[0]["path"].GetString()) == "/services/oauth2/token");
  CHECK_FALSE(list[0]["api_call"].GetBool());
  CHECK(std::string(list[1]["path"].GetString()) == "/services/data/v62.0/limits");
  CHECK(list[1]["api_call"].GetBool());
  CHECK(std::string(list[1]["user"].GetString()).substr(0, 3) == "005");
  CHECK_FALSE(list[2]["api_call"].GetBool());
  CHECK(list[3]["status"].GetInt() == 404);
  int64_t last = doc["last_seq"].GetInt64();
  emu.Api("GET", "/limits", token);
  auto since = Parse(emu.Send("GET", "/__emulator/requests?since=" + std::to_string(last)).body);
  REQUIRE(since["requests"].Size() == 1);
  CHECK(since["requests"][0]["seq"].GetInt64() == last + 1);
  REQUIRE(emu.Send("DELETE", "/__emulator/requests").status == 200);
  CHECK(Parse(emu.Send("GET", "/__emulator/requests").body)["requests"].Size() == 0);
  CHECK(emu.Send("GET", "/__emulator/requests?since=abc").status == 400);
}

TEST_CASE("URIs over 16,384 bytes get 414, URI plus headers 431", "[sfemu][hooks]") {
  Sfemu emu;
  std::string token = emu.Login();
  std::string ids;
  while (ids.size() < 17000) ids += "'00Q5g0000000001EAA',";
  std::string q = sfn::form::Encode("SELECT Id FROM Lead WHERE Id IN (" + ids + "'x')");
  CHECK(emu.Api("GET", "/query?q=" + q, token).status == 414);
  auto big = emu.Api("GET", "/limits", token, "", {{"X-Padding", std::string(16300, 'p')}});
  CHECK(big.status == 431);
  CHECK(emu.Api("GET", "/limits", token).status == 200);
}

TEST_CASE("platform events: REST publish and the publish hook validate against the schema",
          "[sfemu][hooks][events]") {
  Sfemu emu;
  std::string token = emu.Login("sender@sfnotify.demo");
  auto r = emu.Api(
      "POST", "/sobjects/Outbound_Notification__e", token,
      R"({"Request_Id__c":"req-1","Contact_Point__c":"Main","Record_Ids__c":"00Q5g0000000001EAA",)"
      R"("Template__c":"Appointment_Reminder"})");
  INFO(r.body);
  REQUIRE(r.status == 201);
  auto doc = Parse(r.body);
  CHECK(doc["success"].GetBool());
  CHECK(std::string(doc["id"].GetString()).substr(0, 3) == "e00");
  CHECK(std::string(doc["errors"][0]["statusCode"].GetString()) == "OPERATION_ENQUEUED");

  auto bad_field =
      emu.Api("POST", "/sobjects/Outbound_Notification__e", token, R"({"Nope__c":"x"})");
  CHECK(bad_field.status == 400);
  CHECK(ErrorCode(bad_field) == "INVALID_FIELD");
  auto too_long = emu.Api("POST", "/sobjects/Outbound_Notification__e", token,
                          R"({"Message__c":")" + std::string(10001, 'm') + R"("})");
  CHECK(ErrorCode(too_long) == "STRING_TOO_LONG");
  auto created_by =
      emu.Api("POST", "/sobjects/Outbound_Notification__e", token, R"({"CreatedById":"x"})");
  CHECK(ErrorCode(created_by) == "INVALID_FIELD_FOR_INSERT_UPDATE");

  auto hook =
      emu.Send("POST", "/__emulator/publish",
               R"({"channel":"/event/Outbound_Notification__e","user":"sender@sfnotify.demo",)"
               R"("payload":{"Request_Id__c":"req-2","Message__c":"Hello"}})");
  REQUIRE(hook.status == 201);
  CHECK(Parse(hook.body)["replayId"].GetInt64() > 0);
  auto unknown_user = emu.Send("POST", "/__emulator/publish", R"({"user":"ghost@x","payload":{}})");
  REQUIRE(unknown_user.status == 400);
  CHECK(std::string(Parse(unknown_user.body)["field"].GetString()) == "user");
  auto invalid = emu.Send("POST", "/__emulator/publish",
                          R"({"user":"sender@sfnotify.demo","payload":{"Bad__c":1}})");
  REQUIRE(invalid.status == 400);
  CHECK(std::string(Parse(invalid.body)["errorCode"].GetString()) == "INVALID_FIELD");
}

TEST_CASE("records and ids survive a restart with --state", "[sfemu][state]") {
  sfn::test::TempDir dir;
  std::string state = dir.File("org.sqlite");
  std::string task_id, lead_count_before;
  {
    Sfemu emu({"--state", state});
    std::string token = emu.Login();
    auto r =
        emu.Api("POST", "/sobjects/Task", token, R"({"Subject":"persist me","SMS_Segments__c":3})");
    REQUIRE(r.status == 201);
    task_id = Parse(r.body)["id"].GetString();
    REQUIRE(emu.process().Stop() == 0);
  }
  Sfemu emu({"--state", state});
  std::string token = emu.Login();
  auto got = emu.Api("GET", "/sobjects/Task/" + task_id, token);
  REQUIRE(got.status == 200);
  auto doc = Parse(got.body);
  CHECK(std::string(doc["Subject"].GetString()) == "persist me");
  CHECK(doc["SMS_Segments__c"].GetDouble() == 3.0);
  auto second = emu.Api("POST", "/sobjects/Task", token, R"({"Subject":"after restart"})");
  REQUIRE(second.status == 201);
  CHECK(std::string(Parse(second.body)["id"].GetString()) != task_id);
  CHECK(emu.LiveCount("Task") == 2);
  CHECK(emu.LiveCount("Lead") >= 500);  // seeded once, not twice
  CHECK(emu.LiveCount("Lead") <= 600);
}

TEST_CASE("the demo seed: users, permission sets, metadata, campaigns, varied people",
          "[sfemu][seed]") {
  Sfemu emu;
  CHECK(emu.LiveCount("Lead") >= 500);
  CHECK(emu.LiveCount("Contact") >= 500);
  CHECK(emu.LiveCount("Campaign") == 2);
  CHECK(emu.LiveCount("CampaignMember") > 0);
  CHECK(emu.LiveCount("User") == 3);
  CHECK(emu.LiveCount("PermissionSet", "Name", "SMS_Notification_Sender") == 1);
  CHECK(emu.LiveCount("SMS_Contact_Point__mdt", "DeveloperName", "Main") == 1);
  CHECK(emu.LiveCount("SMS_Field_Mapping__mdt") == 2);
  CHECK(emu.LiveCount("SMS_Template__mdt") == 2);
  auto leads = emu.Records("Lead");
  size_t invalid = 0, opted_out = 0, with_tz = 0, without_tz = 0, uk = 0;
  std::map<std::string, int> mobiles;
  for (const auto& l : leads["records"].GetArray()) {
    std::string mobile = l["MobilePhone"].IsString() ? l["MobilePhone"].GetString() : "";
    if (mobile == "123" || mobile == "555-CALL-NOW") ++invalid;
    if (!mobile.empty()) ++mobiles[mobile];
    if (l["SMS_Opt_Out__c"].GetBool()) ++opted_out;
    if (l["SMS_Time_Zone__c"].IsString())
      ++with_tz;
    else
      ++without_tz;
    if (l["Country"].IsString() && std::string(l["Country"].GetString()) == "United Kingdom") ++uk;
  }
  int duplicated = 0;
  for (const auto& [n, count] : mobiles)
    duplicated += count > 1 && n != "123" && n != "555-CALL-NOW";
  CHECK(invalid > 0);
  CHECK(opted_out > 0);
  CHECK(with_tz > 0);
  CHECK(without_tz > 0);
  CHECK(uk > 0);
  CHECK(duplicated > 0);

  std::string token = emu.Login();
  auto q = emu.Api("GET",
                   "/query?q=" + sfn::form::Encode(
                                     "SELECT Sender__c, Quiet_Hours__c FROM SMS_Contact_Point__mdt "
                                     "WHERE DeveloperName = 'Main'"),
                   token);
  REQUIRE(q.status == 200);
  CHECK(std::string(Parse(q.body)["records"][0]["Sender__c"].GetString()) == "+15005550006");
}

TEST_CASE("a seed file adds objects, fields, users and records with refs", "[sfemu][seed]") {
  sfn::test::TempDir dir;
  std::string seed = dir.Write("seed.json", R"({
    "objects": [{"name":"Lead","fields":[{"name":"Region__c","type":"string","length":10}]},
                {"name":"Invoice__c","label":"Invoice","key_prefix":"a05",
                 "fields":[{"name":"Amount__c","type":"currency"},
                           {"name":"Lead__c","type":"reference","reference_to":["Lead"],"relationship_name":"Lead__r"}]}],
    "users": [{"Username":"ops@sfnotify.demo","LastName":"Ops","password":"s3cret","permission_sets":["SMS_Notification_Sender"]}],
    "records": [{"attributes":{"type":"Lead","ref":"l1"},"LastName":"Seeded","Company":"Seed Co","Region__c":"West"},
                {"attributes":{"type":"Invoice__c"},"Name":"INV-1","Amount__c":12.5,"Lead__c":"@l1"}]})");
  Sfemu emu({"--seed", seed});
  CHECK(emu.LiveCount("Lead") == 1);  // no demo data unless "demo_data": true
  CHECK(emu.LiveCount("User") == 4);
  auto invoices = emu.Records("Invoice__c");
  REQUIRE(invoices["records"].Size() == 1);
  auto& inv = invoices["records"][0];
  CHECK(std::string(inv["Id"].GetString()).substr(0, 3) == "a05");
  CHECK(std::string(inv["Lead__c"].GetString()).substr(0, 3) == "00Q");
  auto r = emu.Form("/services/oauth2/token", std::string("grant_type=password&client_id=") +
                                                  kClientId + "&client_secret=" + kClientSecret +
                                                  "&username=ops@sfnotify.demo&password=s3cret");
  REQUIRE(r.status == 200);
  std::string token = Parse(r.body)["access_token"].GetString();
  auto too_long = emu.Api("POST", "/sobjects/Lead", token,
                          R"({"LastName":"X","Company":"Y","Region__c":"Northwest-1"})");
  CHECK(ErrorCode(too_long) == "STRING_TOO_LONG");
}

TEST_CASE("bad command lines and seed files exit non-zero with a message", "[sfemu][cli]") {
  sfn::test::TempDir dir;
  std::string bad_seed = dir.Write("bad.json", R"({"records":[{"attributes":{"type":"Nope"}}]})");
  for (std::vector<std::string> args :
       std::vector<std::vector<std::string>>{{"--port", "notaport"},
                                             {"--token-ttl", "0"},
                                             {"--bogus"},
                                             {"--api-version", "sixty"},
                                             {"--jwt-cert", dir.File("missing.pem")},
                                             {"--seed", dir.File("missing.json")},
                                             {"--seed", bad_seed}}) {
    args.insert(args.begin(), sfn::test::BinDir() + "/sfemu");
    auto child = sfn::ChildProcess::Start(args, dir.File("stderr.txt"));
    REQUIRE(child.ok());
    int code = child->Wait(std::chrono::seconds(20));
    INFO(args[1]);
    CHECK(code != 0);
    CHECK(code != -1);
  }
  CHECK(sfn::test::ReadFile(dir.File("stderr.txt")).find("sfemu:") != std::string::npos);
}

TEST_CASE("SIGTERM stops sfemu cleanly", "[sfemu][cli]") {
  Sfemu emu;
  CHECK(emu.Send("GET", "/__emulator/health").body == R"({"status":"ok"})");
  CHECK(emu.process().Stop() == 0);
}
