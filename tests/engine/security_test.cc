// Security checks against the running stack (sfemu + smsemu + sfnotify as
// processes): API keys on every /v1 endpoint, read-only keys, body size
// limits, secrets kept out of logs / history / metrics / error bodies, SOQL
// values always quoted, TLS verification on outbound HTTPS.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "common/crypto.h"
#include "common/form.h"
#include "salesforce/soql.h"
#include "stack.h"

using namespace e2e;

namespace {

const char* const kGatewayToken = "smsemu-demo-token";  // what the Stack puts in E2E_SMS_TOKEN
const char* const kAccountSid = "AC0123456789abcdef0123456789abcdef";

// Shapes of the secrets sfemu issues: access tokens are "<org id 15>!AQ...",
// refresh tokens start "5Aep861" (sandbox/sfemu/oauth.cc), as in Salesforce.
const std::regex kAccessTokenShape("00D[0-9A-Za-z]{12}!AQ[0-9A-Za-z_-]{8,}");
const char* const kRefreshTokenPrefix = "5Aep861";

std::string LoginToken(Stack& stack) {
  auto r = stack.org->Send(
      "POST", "/services/oauth2/token",
      "grant_type=password&client_id=sfnotify-local&client_secret=sfnotify-local-secret"
      "&username=integration%40sfnotify.demo&password=sfnotify-demo",
      {{"Content-Type", "application/x-www-form-urlencoded"}});
  REQUIRE(r.status == 200);
  return Json(r.body)["access_token"].GetString();
}

std::string UserId(Stack& stack, const std::string& username) {
  auto users = stack.Records("User");
  for (const auto& u : users["records"].GetArray()) {
    if (u["Username"].IsString() && username == u["Username"].GetString())
      return u["Id"].GetString();
  }
  FAIL("no user " << username);
  return "";
}

// Every secret the connector holds, as text that must never leak.
std::vector<std::pair<std::string, std::string>> FixedSecrets() {
  std::vector<std::pair<std::string, std::string>> secrets = {
      {"admin API key", kApiKey},
      {"read API key", kReadKey},
      {"gateway auth token", kGatewayToken},
      {"gateway Basic credentials",
       sfn::crypto::Base64Encode(std::string(kAccountSid) + ":" + kGatewayToken)},
      {"private key marker", "PRIVATE KEY"},
  };
  // Each base64 line of the JWT private key.
  std::istringstream pem(
      sfn::test::ReadFile(sfn::test::SourceDir() + "/sandbox/certs/sfemu-demo.key"));
  std::string line;
  int n = 0;
  while (std::getline(pem, line)) {
    if (line.size() >= 40 && line.find("-----") == std::string::npos) {
      secrets.push_back({"private key line " + std::to_string(++n), line});
    }
  }
  REQUIRE(n > 5);
  return secrets;
}

// Names of the secrets found in `text` (empty when clean).
std::vector<std::string> LeakedSecrets(const std::string& text) {
  std::vector<std::string> found;
  for (const auto& [name, secret] : FixedSecrets()) {
    if (text.find(secret) != std::string::npos) found.push_back(name);
  }
  if (std::regex_search(text, kAccessTokenShape)) found.push_back("Salesforce access token");
  if (text.find(kRefreshTokenPrefix) != std::string::npos)
    found.push_back("Salesforce refresh token");
  return found;
}

// Every file of the store (the database, its WAL and journal), raw bytes.
std::string StoreBytes(const Stack& stack) {
  std::string all;
  DIR* dir = opendir(stack.dir().path().c_str());
  REQUIRE(dir != nullptr);
  while (dirent* e = readdir(dir)) {
    std::string name = e->d_name;
    if (name.rfind("sfnotify.sqlite", 0) == 0) all += sfn::test::ReadFile(stack.dir().File(name));
  }
  closedir(dir);
  return all;
}

std::string SendBody(const std::string& request_id, const std::string& sender_id,
                     const std::vector<std::string>& ids) {
  std::string list;
  for (const auto& id : ids) list += (list.empty() ? "\"" : ",\"") + id + "\"";
  return R"({"request_id":")" + request_id + R"(","contact_point":"Alerts","requested_by":")" +
         sender_id + R"(","message":"Security check","record_ids":[)" + list + "]}";
}

struct Endpoint {
  std::string method;
  std::string target;
  std::string body;
};

// Every /v1 endpoint that takes an API key (webhooks are signed instead).
std::vector<Endpoint> KeyedEndpoints() {
  return {{"POST", "/v1/notifications", R"({"request_id":"k"})"},
          {"POST", "/v1/notifications?dry_run=true", R"({"request_id":"k"})"},
          {"GET", "/v1/notifications/ntf_unknown", ""},
          {"GET", "/v1/notifications/by-request/unknown", ""},
          {"GET", "/v1/history", ""},
          {"GET", "/v1/history/ntf_unknown", ""},
          {"GET", "/v1/usage", ""},
          {"GET", "/v1/no-such-endpoint", ""}};
}

// A port the OS considers free right now (bound, read, released).
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  socklen_t len = sizeof(addr);
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  close(fd);
  return ntohs(addr.sin_port);
}

sfn::Result<sfn::http::Response> GetRoot(const std::string& url, bool verify_tls) {
  sfn::http::Client client(url, {std::chrono::seconds(5), verify_tls});
  sfn::http::Request request;
  request.method = "GET";
  request.path = "/";
  return client.Send(request);
}

}  // namespace

TEST_CASE("security: every /v1 endpoint needs a valid API key, health needs none",
          "[e2e][security]") {
  Stack stack;
  std::string near_miss = std::string(kApiKey).substr(0, std::string(kApiKey).size() - 1);
  const std::vector<std::vector<std::pair<std::string, std::string>>> bad_credentials = {
      {},
      {{"Authorization", "Bearer wrong-key"}},
      {{"Authorization", "Bearer " + near_miss}},
      {{"Authorization", std::string("Bearer ") + kApiKey + "x"}},
      {{"Authorization", std::string("Basic ") + kApiKey}},
      {{"Authorization", "Bearer "}},
      {{"X-API-Key", "wrong-key"}},
  };
  for (const auto& e : KeyedEndpoints()) {
    for (const auto& headers : bad_credentials) {
      auto r = stack.api->Send(e.method, e.target, e.body, headers);
      INFO(e.method << " " << e.target << " with "
                    << (headers.empty() ? "no key" : headers[0].second) << ": " << r.status << " "
                    << r.body);
      CHECK(r.status == 401);
      CHECK(LeakedSecrets(r.body).empty());
    }
    // A key in the query string is not a credential.
    std::string sep = e.target.find('?') == std::string::npos ? "?" : "&";
    auto q = stack.api->Send(e.method, e.target + sep + "api_key=" + kApiKey, e.body);
    CHECK(q.status == 401);
  }
  // The real keys do get through (so the 401s above are about the key).
  CHECK(stack.Api("GET", "/v1/history").status == 200);
  CHECK(stack.Api("GET", "/v1/usage", "", kReadKey).status == 200);
  CHECK(stack.api->Send("GET", "/v1/notifications/by-request/none", "", {{"X-API-Key", kReadKey}})
            .status == 404);
  CHECK(stack.api->Send("GET", "/healthz").status == 200);
  auto metrics = stack.api->Send("GET", "/metrics");
  CHECK(metrics.status == 200);
}

TEST_CASE("security: a read-only key cannot send, not even a dry run", "[e2e][security]") {
  Stack stack;
  auto leads = stack.RecordIds("Lead");
  REQUIRE(leads.size() > 3);
  std::string sender = UserId(stack, "sender@sfnotify.demo");
  std::string body = SendBody("read-key-send", sender, {leads[0], leads[1]});
  for (const auto& target : {"/v1/notifications", "/v1/notifications?dry_run=true"}) {
    auto bearer = stack.Api("POST", target, body, kReadKey);
    INFO(bearer.body);
    CHECK(bearer.status == 403);
    auto header = stack.api->Send("POST", target, body, {{"X-API-Key", kReadKey}});
    CHECK(header.status == 403);
    CHECK(Json(header.body)["error"]["code"].GetString() == std::string("forbidden"));
  }
  // Nothing was taken in, nothing went out.
  CHECK(stack.Api("GET", "/v1/notifications/by-request/read-key-send").status == 404);
  CHECK(stack.Messages()["messages"].Size() == 0);
  // The same request with a sender-capable key is accepted (the 403 was the role).
  CHECK(stack.Api("POST", "/v1/notifications", body).status == 202);
}

TEST_CASE("security: request bodies over the limit are refused with 413", "[e2e][security]") {
  Stack stack;
  std::string big = R"({"request_id":"big","message":")" + std::string(1100 * 1024, 'a') + R"("})";
  for (const auto& key : {std::string(kApiKey), std::string()}) {
    auto r = stack.Api("POST", "/v1/notifications", big, key);
    INFO(r.body.substr(0, 200));
    CHECK(r.status == 413);
    CHECK(r.body.find("too large") != std::string::npos);
  }
  // Just under the limit is read (and refused for its content, not its size).
  std::string fits =
      R"({"request_id":"fits","message":")" + std::string(1000 * 1024, 'a') + R"("})";
  auto ok = stack.Api("POST", "/v1/notifications", fits);
  CHECK(ok.status == 400);
  // The connector is still there.
  CHECK(stack.api->Send("GET", "/healthz").status == 200);
}

TEST_CASE("security: secrets never reach the log, the history store, /metrics or error bodies",
          "[e2e][security]") {
  Stack stack;
  // Our own login proves the token pattern matches what sfemu issues, so a
  // clean grep below means something.
  std::string own_token = LoginToken(stack);
  REQUIRE(std::regex_search(own_token, kAccessTokenShape));
  REQUIRE(!LeakedSecrets(own_token).empty());

  // Make the connector handle secrets the hard ways: tokens expire and get
  // rejected mid-run, a number is refused by the gateway, requests fail.
  auto leads = stack.RecordIds("Lead", [](const rapidjson::Value& r) {
    return r["SMS_Opt_In__c"].IsBool() && r["SMS_Opt_In__c"].GetBool() &&
           r["MobilePhone"].IsString();
  });
  REQUIRE(leads.size() >= 40);
  leads.resize(40);
  REQUIRE(stack.org->Send("POST", "/__emulator/expire-tokens", "{}").status < 300);
  REQUIRE(stack.gateway->Send("POST", "/__emulator/faults", R"({"fault":"http_429","count":2})")
              .status < 300);
  std::string sender = UserId(stack, "sender@sfnotify.demo");

  std::vector<std::string> bodies;  // every answer an outsider can see
  auto sent = stack.Api("POST", "/v1/notifications", SendBody("secrets-1", sender, leads));
  INFO(sent.body);
  bodies.push_back(sent.body);
  // 503 is fair while the org rejects the session: the request is kept and resolved later.
  REQUIRE((sent.status == 202 || sent.status == 503));
  // Then the session is rejected while sends and Task writes are under way.
  REQUIRE(
      stack.org->Send("POST", "/__emulator/faults", R"({"fault":"INVALID_SESSION_ID","count":2})")
          .status == 201);
  std::string id = stack.WaitForNotification("secrets-1");
  REQUIRE(!id.empty());
  bool settled = Stack::WaitUntil([&] {
    auto doc = Json(stack.Api("GET", "/v1/notifications/" + id).body);
    if (std::string(doc["status"].GetString()) != "done") return false;
    for (const auto& r : doc["recipients"].GetArray()) {
      std::string task = r["task_state"].GetString();
      if (r["gateway_sid"].GetStringLength() > 0 && task != "written") return false;
    }
    return true;
  });
  INFO(stack.ConnectorLog());
  REQUIRE(settled);

  bodies.push_back(stack.Api("POST", "/v1/notifications", "{not json").body);
  bodies.push_back(stack.Api("POST", "/v1/notifications", SendBody("secrets-1", sender, {leads[0]}))
                       .body);  // 409
  bodies.push_back(
      stack.Api("POST", "/v1/notifications", R"({"request_id":"x","contact_point":"Alerts"})")
          .body);
  bodies.push_back(stack.Api("GET", "/v1/notifications/ntf_missing").body);
  bodies.push_back(stack.Api("GET", "/v1/history?bogus=1").body);
  bodies.push_back(stack.Api("GET", "/v1/history/" + id).body);
  bodies.push_back(stack.Api("GET", "/v1/history").body);
  bodies.push_back(stack.Api("GET", "/v1/usage").body);
  bodies.push_back(stack.Api("GET", "/v1/notifications", "", "wrong").body);
  bodies.push_back(stack.Api("POST", "/v1/notifications", std::string(2 * 1024 * 1024, '{')).body);
  bodies.push_back(stack.api->Send("GET", "/metrics").body);
  bodies.push_back(stack.api->Send("GET", "/").body);  // history web page
  for (const auto& body : bodies) {
    INFO(body.substr(0, 500));
    CHECK(LeakedSecrets(body).empty());
  }

  // URLs end up in proxies' and servers' logs: no secret in any the connector requested.
  auto requests = stack.OrgRequests();
  size_t requests_seen = 0;
  for (const auto& r : requests["requests"].GetArray()) {
    std::string url = std::string(r["path"].GetString()) + "?" +
                      (r["query"].IsString() ? r["query"].GetString() : "");
    INFO(url);
    CHECK(LeakedSecrets(url).empty());
    ++requests_seen;
  }
  CHECK(requests_seen > 5);

  stack.StopConnector();  // flushes the log and checkpoints the store
  std::string log = stack.ConnectorLog();
  REQUIRE(log.find("INVALID_SESSION_ID") != std::string::npos);  // the rejected-token path did run
  std::string store = StoreBytes(stack);
  REQUIRE(store.find(id) != std::string::npos);  // the history is really in there
  INFO("leaked into the log: " << Join(LeakedSecrets(log)));
  CHECK(LeakedSecrets(log).empty());
  INFO("leaked into the store: " << Join(LeakedSecrets(store)));
  CHECK(LeakedSecrets(store).empty());
}

TEST_CASE("security: SOQL values are quoted, so hostile text cannot change a query",
          "[e2e][security]") {
  Stack stack;
  std::string token = LoginToken(stack);
  auto count = [&](const std::string& soql) {
    auto r = stack.org->Send("GET", "/services/data/v62.0/query?q=" + sfn::form::Encode(soql), "",
                             {{"Authorization", "Bearer " + token}});
    INFO(soql << " -> " << r.body.substr(0, 300));
    REQUIRE(r.status == 200);
    return Json(r.body)["totalSize"].GetInt64();
  };
  const std::vector<std::string> hostile = {
      "x' OR LastName != 'y", "x\\' OR LastName != \\'y", "x\\\\' OR LastName != 'y",
      "x'/**/OR/**/Name!='",  "x%' OR Name LIKE '%",      "x\n' OR LastName != 'y",
  };
  // The check can fail: pasted in without quoting, the first one matches every Lead.
  REQUIRE(count("SELECT Id FROM Lead WHERE LastName = '" + hostile[0] + "'") > 100);
  for (const auto& value : hostile) {
    auto soql = sfn::salesforce::soql::SelectBuilder("Lead")
                    .Fields({"Id"})
                    .WhereEquals("LastName", value)
                    .Build();
    REQUIRE(soql.ok());
    CHECK(count(*soql) == 0);
    CHECK(count("SELECT Id FROM Lead WHERE LastName LIKE " +
                sfn::salesforce::soql::QuoteLike(value)) == 0);
    auto in = sfn::salesforce::soql::SelectBuilder("Lead")
                  .Fields({"Id"})
                  .WhereIn("LastName", {"nobody", value})
                  .Build();
    REQUIRE(in.ok());
    CHECK(count(*in) == 0);
    // Ids and names are not quoted but validated: hostile ones never build.
    CHECK(!sfn::salesforce::soql::SelectBuilder("Lead")
               .Fields({"Id"})
               .WhereIdIn("Id", {"00Q000000000001", value})
               .Build()
               .ok());
    CHECK(!sfn::salesforce::soql::SelectBuilder("Lead").Fields({"Id", value}).Build().ok());
    CHECK(!sfn::salesforce::soql::SelectBuilder(value).Fields({"Id"}).Build().ok());
  }

  // Through the connector: hostile ids are refused before any query, naming the field.
  std::string sender = UserId(stack, "sender@sfnotify.demo");
  std::string before = std::to_string(stack.OrgRequests()["last_seq"].GetInt64());
  for (const auto& value : hostile) {
    rapidjson::Document body(rapidjson::kObjectType);
    auto& a = body.GetAllocator();
    body.AddMember("request_id", "hostile", a);
    body.AddMember("contact_point", "Alerts", a);
    body.AddMember("requested_by", sfn::json::Str(sender, a), a);
    body.AddMember("message", "hi", a);
    rapidjson::Value ids(rapidjson::kArrayType);
    ids.PushBack(sfn::json::Str(value, a), a);
    body.AddMember("record_ids", ids, a);
    auto r = stack.Api("POST", "/v1/notifications", sfn::json::Serialize(body));
    INFO(r.body);
    CHECK(r.status == 400);
    CHECK(Json(r.body)["error"]["field"].GetString() == std::string("record_ids[0]"));
  }
  auto after = stack.org->Send("GET", "/__emulator/requests?since=" + before);
  auto requests = Json(after.body);  // keep the document alive while iterating
  for (const auto& r : requests["requests"].GetArray()) {
    std::string q = r["query"].IsString() ? sfn::form::Decode(r["query"].GetString()) : "";
    INFO(q);
    CHECK(q.find(" OR ") == std::string::npos);
  }
}

TEST_CASE("security: SOQL in the sources is built only through the quoting helpers", "[security]") {
  // A query text that is concatenated must go through SelectBuilder or Quote/
  // QuoteLike/IdList on the same statement; constant queries are fine.
  // SQLite statements (lower-case table names) are not SOQL.
  const std::regex soql_literal("\"SELECT [^\"]*(FROM [A-Z]|$)|\"SELECT \"");
  std::vector<std::string> offenders;
  int files = 0;
  for (const std::string folder : {"connector", "salesforce", "mapping", "common"}) {
    std::string dir_path = sfn::test::SourceDir() + "/" + folder;
    DIR* dir = opendir(dir_path.c_str());
    REQUIRE(dir != nullptr);
    while (dirent* e = readdir(dir)) {
      std::string name = e->d_name;
      if (name.size() < 3 || name.substr(name.size() - 3) != ".cc") continue;
      if (folder == "salesforce" && name == "soql.cc") continue;  // the helpers themselves
      ++files;
      std::ifstream in(dir_path + "/" + name);
      std::vector<std::string> lines;
      for (std::string line; std::getline(in, line);) lines.push_back(line);
      for (size_t i = 0; i < lines.size(); ++i) {
        if (!std::regex_search(lines[i], soql_literal)) continue;
        std::string statement =
            (i > 0 ? lines[i - 1] : "") + lines[i] + (i + 1 < lines.size() ? lines[i + 1] : "");
        // SQLite statements for the local store are not SOQL.
        if (statement.find("SQLite") != std::string::npos ||
            statement.find("db_") != std::string::npos)
          continue;
        bool concatenated = statement.find("+") != std::string::npos;
        bool helper = statement.find("Quote(") != std::string::npos ||
                      statement.find("QuoteLike(") != std::string::npos ||
                      statement.find("IdList(") != std::string::npos;
        if (concatenated && !helper)
          offenders.push_back(folder + "/" + name + ":" + std::to_string(i + 1) + ": " + lines[i]);
      }
    }
    closedir(dir);
  }
  CHECK(files > 20);
  INFO(Join(offenders));
  CHECK(offenders.empty());
}

TEST_CASE("security: outbound HTTPS verifies certificates", "[e2e][security]") {
  // No client in the connector or the Salesforce library turns verification off.
  std::vector<std::string> offenders;
  for (const std::string folder : {"connector", "salesforce", "common", "mapping"}) {
    std::string dir_path = sfn::test::SourceDir() + "/" + folder;
    DIR* dir = opendir(dir_path.c_str());
    REQUIRE(dir != nullptr);
    while (dirent* e = readdir(dir)) {
      std::string name = e->d_name;
      if (name.size() < 3 ||
          (name.substr(name.size() - 3) != ".cc" && name.substr(name.size() - 2) != ".h"))
        continue;
      std::ifstream in(dir_path + "/" + name);
      int n = 0;
      for (std::string line; std::getline(in, line);) {
        ++n;
        if (std::regex_search(
                line,
                std::regex("verify_tls\\s*=\\s*false|set_validate_certificates\\(\\s*false"))) {
          offenders.push_back(folder + "/" + name + ":" + std::to_string(n));
        }
      }
    }
    closedir(dir);
  }
  INFO(Join(offenders));
  CHECK(offenders.empty());

  // And in practice: a login URL served with a self-signed certificate is refused.
  sfn::test::TempDir dir;
  auto openssl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "/usr/bin/openssl");
    auto p = sfn::ChildProcess::Start(args, dir.File("openssl.log"));
    REQUIRE(p.ok());
    return std::move(p.value());
  };
  auto gen =
      openssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", dir.File("tls.key"),
               "-out", dir.File("tls.crt"), "-days", "1", "-subj", "/CN=127.0.0.1"});
  REQUIRE(gen.Wait(std::chrono::seconds(30)) == 0);
  int port = FreePort();
  auto server = openssl({"s_server", "-accept", std::to_string(port), "-cert", dir.File("tls.crt"),
                         "-key", dir.File("tls.key"), "-www", "-quiet"});
  std::string url = "https://127.0.0.1:" + std::to_string(port);
  // Without verification the server answers, so a refusal below is the certificate's.
  REQUIRE(Stack::WaitUntil([&] { return GetRoot(url, false).ok(); }, std::chrono::seconds(10)));
  auto refused = GetRoot(url, true);
  INFO((refused.ok() ? "answered" : refused.status().message()));
  CHECK(!refused.ok());

  std::string cfg = R"({"salesforce": {"login_url": ")" + url + R"(", "client_id": "sfnotify-local",
      "username": "integration@sfnotify.demo", "private_key_file": ")" +
                    sfn::test::SourceDir() +
                    R"(/sandbox/certs/sfemu-demo.key"},
    "gateway": {"type": "sandbox"},
    "contact_points": [{"name": "Main", "sender": "+15005550006", "default_time_zone": "America/New_York"}],
    "store": {"path": ")" +
                    dir.File("s.sqlite") + R"("},
    "mapping_file": ")" +
                    sfn::test::SourceDir() + R"(/mapping/demo-mapping.json",
    "http": {"listen": "127.0.0.1:0"}})";
  auto connector = sfn::ChildProcess::Start(
      {sfn::test::BinDir() + "/sfnotify", "run", "--config", dir.Write("c.json", cfg)},
      dir.File("sfnotify.log"));
  REQUIRE(connector.ok());
  int code = connector->Wait(std::chrono::seconds(60));
  std::string log = sfn::test::ReadFile(dir.File("sfnotify.log"));
  INFO(log);
  CHECK(code != 0);
  CHECK(code != -1);
  CHECK(log.find("cannot log in") != std::string::npos);
  server.Stop();
}
