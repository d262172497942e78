// What the Salesforce CLI needs from sfemu, checked over HTTP: the identity service
// (userinfo, /id/ORG/USER), /services/oauth2/singleaccess, doubled slashes, columns=true
// metadata, Bulk API 2.0 query jobs and the Organization sObject. The CLI itself runs in
// tests/sfcli.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include "common/form.h"
#include "sfemu_fixture.h"

using namespace sfemu_test;

namespace {

constexpr const char* kOrg = "00D5g0000000001EAA";

sfn::http::Response Bearer(const Sfemu& emu, const std::string& method, const std::string& target,
                           const std::string& token, const std::string& body = "") {
  return emu.Send(method, target, body, {{"Authorization", "Bearer " + token}});
}

// Sends one raw HTTP/1.1 GET (sfn::http::Client, like cpprestsdk, would turn a target
// starting with "//" into an authority) and returns the status line and body.
std::string RawGet(const std::string& base_url, const std::string& target,
                   const std::string& token) {
  int port = std::stoi(base_url.substr(base_url.rfind(':') + 1));
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                    "\r\nAuthorization: Bearer " + token + "\r\nConnection: close\r\n\r\n";
  REQUIRE(::send(fd, req.data(), req.size(), 0) == static_cast<ssize_t>(req.size()));
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
    out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return out;
}

std::string Q(const std::string& soql) {
  return sfn::form::Encode(soql);
}

}  // namespace

TEST_CASE("userinfo and the identity URL carry Salesforce's fields", "[sfemu][identity]") {
  Sfemu emu;
  std::string token = emu.Login("sender@sfnotify.demo");
  auto r = Bearer(emu, "GET", "/services/oauth2/userinfo", token);
  INFO(r.body);
  REQUIRE(r.status == 200);
  auto info = Parse(r.body);
  std::string user_id = info["user_id"].GetString();
  CHECK(user_id.rfind("005", 0) == 0);
  CHECK(std::string(info["organization_id"].GetString()) == kOrg);
  CHECK(std::string(info["preferred_username"].GetString()) == "sender@sfnotify.demo");
  CHECK(std::string(info["sub"].GetString()) == emu.url() + "/id/" + kOrg + "/" + user_id);
  CHECK(std::string(info["name"].GetString()) == "Sam Sender");
  CHECK(std::string(info["zoneinfo"].GetString()) == "America/Chicago");
  CHECK(std::string(info["urls"]["rest"].GetString()) == emu.url() + "/services/data/v{version}/");
  CHECK(std::string(info["user_type"].GetString()) == "STANDARD");

  // The id URL returned by the token endpoint answers with the identity fields.
  auto id =
      Bearer(emu, "GET", "/id/" + std::string(kOrg) + "/" + user_id + "?version=latest", token);
  INFO(id.body);
  REQUIRE(id.status == 200);
  auto doc = Parse(id.body);
  CHECK(std::string(doc["id"].GetString()) == emu.url() + "/id/" + kOrg + "/" + user_id);
  CHECK(doc["asserted_user"].GetBool());
  CHECK(std::string(doc["username"].GetString()) == "sender@sfnotify.demo");
  CHECK(std::string(doc["display_name"].GetString()) == "Sam Sender");
  CHECK(std::string(doc["urls"]["sobjects"].GetString()) ==
        emu.url() + "/services/data/v62.0/sobjects/");
  // 15-character ids work; another user of the org is visible but not asserted.
  auto other =
      Bearer(emu, "GET", "/id/" + std::string(kOrg).substr(0, 15) + "/0055g0000000001", token);
  REQUIRE(other.status == 200);
  CHECK_FALSE(Parse(other.body)["asserted_user"].GetBool());

  CHECK(Bearer(emu, "GET", "/services/oauth2/userinfo", "00Dbogus").status == 403);
  CHECK(emu.Send("GET", "/services/oauth2/userinfo").body == "Missing_OAuth_Token");
  CHECK(Bearer(emu, "GET", "/id/00D000000000000AAA/" + user_id, token).status == 404);
}

TEST_CASE("singleaccess returns a frontdoor URL and doubled slashes are served",
          "[sfemu][identity]") {
  Sfemu emu;
  std::string token = emu.Login();
  auto r = Bearer(emu, "POST", "/services/oauth2/singleaccess?redirect_uri=%2Flightning", token);
  INFO(r.body);
  REQUIRE(r.status == 200);
  std::string uri = Parse(r.body)["frontdoor_uri"].GetString();
  CHECK(uri.rfind(emu.url() + "/secur/frontdoor.jsp?otp=", 0) == 0);
  CHECK(uri.find("startURL=%2Flightning") != std::string::npos);
  CHECK(Bearer(emu, "GET", "/services/oauth2/singleaccess", "bad").status == 403);

  std::string doubled = RawGet(emu.url(), "//services/data/v62.0//limits", token);
  INFO(doubled);
  CHECK(doubled.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(doubled.find("DailyApiRequests") != std::string::npos);
  CHECK(RawGet(emu.url(), "//services/oauth2/userinfo", token).rfind("HTTP/1.1 200", 0) == 0);
}

TEST_CASE("Organization: one record, describe, query, read-only", "[sfemu][identity]") {
  Sfemu emu;
  std::string token = emu.Login();
  auto q = emu.Api("GET",
                   "/query?q=" + Q("SELECT Id, Name, IsSandbox, OrganizationType, InstanceName, "
                                   "TrialExpirationDate, NamespacePrefix FROM Organization"),
                   token);
  INFO(q.body);
  REQUIRE(q.status == 200);
  auto doc = Parse(q.body);
  REQUIRE(doc["totalSize"].GetInt() == 1);
  CHECK(std::string(doc["records"][0]["Id"].GetString()) == kOrg);
  CHECK_FALSE(doc["records"][0]["IsSandbox"].GetBool());
  CHECK(doc["records"][0]["NamespacePrefix"].IsNull());
  auto describe = emu.Api("GET", "/sobjects/Organization/describe", token);
  REQUIRE(describe.status == 200);
  CHECK_FALSE(Parse(describe.body)["createable"].GetBool());
  auto patch =
      emu.Api("PATCH", std::string("/sobjects/Organization/") + kOrg, token, R"({"Name":"x"})");
  CHECK(patch.status == 400);
  CHECK(ErrorCode(patch) == "INVALID_TYPE_FOR_OPERATION");
}

TEST_CASE("query?columns=true returns columnMetadata", "[sfemu][identity]") {
  Sfemu emu;
  std::string token = emu.Login();
  auto r = emu.Api(
      "GET",
      "/query?q=" + Q("SELECT Id, Name, SMS_Opt_In__c, Owner.Name FROM Lead") + "&columns=true",
      token);
  INFO(r.body);
  REQUIRE(r.status == 200);
  auto doc = Parse(r.body);
  CHECK(std::string(doc["entityName"].GetString()) == "Lead");
  CHECK(doc["idSelected"].GetBool());
  CHECK_FALSE(doc.HasMember("records"));
  const auto& cols = doc["columnMetadata"];
  REQUIRE(cols.Size() == 4);
  CHECK(std::string(cols[0]["apexType"].GetString()) == "Id");
  CHECK(cols[2]["booleanType"].GetBool());
  CHECK(cols[2]["custom"].GetBool());
  CHECK(std::string(cols[3]["columnName"].GetString()) == "Owner");
  REQUIRE(cols[3]["joinColumns"].Size() == 1);
  CHECK(std::string(cols[3]["joinColumns"][0]["displayName"].GetString()) == "Owner.Name");
  // Errors are the query's errors.
  auto bad = emu.Api("GET", "/query?q=" + Q("SELECT Nope FROM Lead") + "&columns=true", token);
  CHECK(bad.status == 400);
  CHECK(ErrorCode(bad) == "INVALID_FIELD");
}

TEST_CASE("Bulk API 2.0 query jobs: create, status, CSV results paged by Sforce-Locator",
          "[sfemu][bulk]") {
  Sfemu emu({"--bulk-page-records", "200"});
  std::string token = emu.Login();
  auto created =
      emu.Api("POST", "/jobs/query", token,
              R"({"operation":"query","query":"SELECT Id, Name, Owner.Name FROM Lead"})");
  INFO(created.body);
  REQUIRE(created.status == 200);
  auto job = Parse(created.body);
  std::string id = job["id"].GetString();
  CHECK(id.rfind("750", 0) == 0);
  CHECK(std::string(job["state"].GetString()) == "UploadComplete");
  CHECK(std::string(job["object"].GetString()) == "Lead");
  CHECK(std::string(job["contentType"].GetString()) == "CSV");
  auto status = Parse(emu.Api("GET", "/jobs/query/" + id, token).body);
  CHECK(std::string(status["state"].GetString()) == "JobComplete");
  CHECK(status["numberRecordsProcessed"].GetInt() == 520);

  // Default page (200 rows here), then the locator chain, header row on every page.
  size_t rows = 0;
  std::string locator;
  int pages = 0;
  do {
    auto page = emu.Api(
        "GET", "/jobs/query/" + id + "/results" + (locator.empty() ? "" : "?locator=" + locator),
        token);
    REQUIRE(page.status == 200);
    CHECK(page.headers.Get("Content-Type") == "text/csv");
    CHECK(page.body.rfind("\"Id\",\"Name\",\"Owner.Name\"\n", 0) == 0);
    size_t lines = std::count(page.body.begin(), page.body.end(), '\n') - 1;
    CHECK(std::to_string(lines) == page.headers.Get("Sforce-NumberOfRecords"));
    rows += lines;
    locator = page.headers.Get("Sforce-Locator");
    ++pages;
  } while (locator != "null" && pages < 10);
  CHECK(rows == 520);
  CHECK(pages == 3);
  auto small = emu.Api("GET", "/jobs/query/" + id + "/results?maxRecords=5", token);
  CHECK(small.headers.Get("Sforce-NumberOfRecords") == "5");

  CHECK(emu.Api("GET", "/jobs/query/" + id + "/results?maxRecords=0", token).status == 400);
  CHECK(emu.Api("GET", "/jobs/query/" + id + "/results?locator=zzz", token).status == 400);
  CHECK(emu.Api("POST", "/jobs/query", token,
                R"({"operation":"insert","query":"SELECT Id FROM Lead"})")
            .status == 400);
  auto bad = emu.Api("POST", "/jobs/query", token,
                     R"({"operation":"query","query":"SELECT Nope FROM Lead"})");
  CHECK(bad.status == 400);
  CHECK(ErrorCode(bad) == "INVALID_FIELD");
  CHECK(emu.Api("DELETE", "/jobs/query/" + id, token).status == 204);
  CHECK(emu.Api("GET", "/jobs/query/" + id, token).status == 404);
}
