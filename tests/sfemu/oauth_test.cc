// sfemu OAuth: every grant type and its errors, revoke, introspect, expiry.
#include <chrono>
#include <thread>

#include "common/crypto.h"
#include "common/form.h"
#include "common/time_util.h"
#include "sfemu_fixture.h"

using namespace sfemu_test;

namespace {

std::string Jwt(const std::string& claims_json) {
  std::string key = sfn::test::ReadFile(sfn::test::SourceDir() + "/sandbox/certs/sfemu-demo.key");
  REQUIRE(!key.empty());
  std::string signing_input = sfn::crypto::Base64UrlEncode(R"({"alg":"RS256"})") + "." +
                              sfn::crypto::Base64UrlEncode(claims_json);
  auto sig = sfn::crypto::SignRs256(key, signing_input);
  REQUIRE(sig.ok());
  return signing_input + "." + sfn::crypto::Base64UrlEncode(*sig);
}

std::string Claims(const std::string& iss, const std::string& sub, const std::string& aud,
                   int64_t exp_offset, bool exp_as_string = false) {
  std::string exp = std::to_string(sfn::timeutil::NowSeconds() + exp_offset);
  if (exp_as_string) exp = "\"" + exp + "\"";
  return R"({"iss":")" + iss + R"(","sub":")" + sub + R"(","aud":")" + aud + R"(","exp":)" + exp +
         "}";
}

sfn::http::Response JwtGrant(const Sfemu& emu, const std::string& assertion) {
  return emu.Form("/services/oauth2/token",
                  "grant_type=" + sfn::form::Encode("urn:ietf:params:oauth:grant-type:jwt-bearer") +
                      "&assertion=" + assertion);
}

void RequireOAuthError(const sfn::http::Response& r, const std::string& error,
                       const std::string& description) {
  INFO(r.body);
  REQUIRE(r.status == 400);
  auto doc = Parse(r.body);
  CHECK(std::string(doc["error"].GetString()) == error);
  CHECK(std::string(doc["error_description"].GetString()).find(description) == 0);
}

int RestStatus(const Sfemu& emu, const std::string& token) {
  return emu.Api("GET", "/limits", token).status;
}

}  // namespace

TEST_CASE("password flow returns Salesforce's token fields with a verifiable signature",
          "[sfemu][oauth]") {
  Sfemu emu;
  auto r = emu.Form("/services/oauth2/token",
                    std::string("grant_type=password&client_id=") + kClientId + "&client_secret=" +
                        kClientSecret + "&username=sender%40sfnotify.demo&password=" + kPassword);
  REQUIRE(r.status == 200);
  CHECK(r.headers.Get("Content-Type") == "application/json;charset=UTF-8");
  auto doc = Parse(r.body);
  CHECK(std::string(doc["token_type"].GetString()) == "Bearer");
  CHECK(std::string(doc["instance_url"].GetString()) == emu.url());
  std::string id = doc["id"].GetString();
  CHECK(id.rfind(emu.url() + "/id/00D", 0) == 0);
  CHECK(id.substr(id.rfind('/') + 1, 3) == "005");
  std::string issued_at = doc["issued_at"].GetString();
  CHECK(issued_at.size() == 13);  // milliseconds
  CHECK(std::string(doc["signature"].GetString()) ==
        sfn::crypto::Base64Encode(sfn::crypto::HmacSha256(kClientSecret, id + issued_at)));
  CHECK_FALSE(doc.HasMember("refresh_token"));
  CHECK(RestStatus(emu, doc["access_token"].GetString()) == 200);
}

TEST_CASE("password flow errors", "[sfemu][oauth]") {
  Sfemu emu;
  std::string base = std::string("grant_type=password&username=") + kIntegration;
  RequireOAuthError(
      emu.Form("/services/oauth2/token", base + "&client_id=" + kClientId +
                                             "&client_secret=" + kClientSecret + "&password=wrong"),
      "invalid_grant", "authentication failure");
  RequireOAuthError(
      emu.Form("/services/oauth2/token",
               base + "&client_id=" + kClientId + "&client_secret=nope&password=" + kPassword),
      "invalid_client", "invalid client credentials");
  RequireOAuthError(
      emu.Form("/services/oauth2/token",
               base + "&client_id=other&client_secret=" + kClientSecret + "&password=" + kPassword),
      "invalid_client_id", "client identifier invalid");
  RequireOAuthError(emu.Form("/services/oauth2/token", "grant_type=authorization_magic"),
                    "unsupported_grant_type", "grant type not supported");
}

TEST_CASE("client credentials run as the integration user, also with HTTP Basic",
          "[sfemu][oauth]") {
  Sfemu emu;
  std::string basic = sfn::crypto::Base64Encode(std::string(kClientId) + ":" + kClientSecret);
  auto r = emu.Form("/services/oauth2/token", "grant_type=client_credentials",
                    {{"Authorization", "Basic " + basic}});
  REQUIRE(r.status == 200);
  auto doc = Parse(r.body);
  auto intro = emu.Form("/services/oauth2/introspect",
                        std::string("client_id=") + kClientId + "&client_secret=" + kClientSecret +
                            "&token=" + doc["access_token"].GetString());
  REQUIRE(intro.status == 200);
  auto i = Parse(intro.body);
  CHECK(i["active"].GetBool());
  CHECK(std::string(i["username"].GetString()) == kIntegration);
  RequireOAuthError(
      emu.Form("/services/oauth2/token", std::string("grant_type=client_credentials&client_id=") +
                                             kClientId + "&client_secret=x"),
      "invalid_client", "invalid client credentials");
}

TEST_CASE("JWT bearer flow verifies RS256, iss, sub, aud and exp", "[sfemu][oauth]") {
  Sfemu emu;
  auto ok =
      JwtGrant(emu, Jwt(Claims(kClientId, kIntegration, "https://login.salesforce.com", 120)));
  INFO(ok.body);
  REQUIRE(ok.status == 200);
  auto doc = Parse(ok.body);
  CHECK_FALSE(doc.HasMember("refresh_token"));
  CHECK(RestStatus(emu, doc["access_token"].GetString()) == 200);

  SECTION("test.salesforce.com audience and a string exp are accepted") {
    CHECK(
        JwtGrant(emu, Jwt(Claims(kClientId, kIntegration, "https://test.salesforce.com", 60, true)))
            .status == 200);
  }
  SECTION("a tampered assertion fails the signature check") {
    std::string good = Jwt(Claims(kClientId, kIntegration, "https://login.salesforce.com", 120));
    std::string other_claims = sfn::crypto::Base64UrlEncode(
        Claims(kClientId, "sender@sfnotify.demo", "https://login.salesforce.com", 120));
    auto dot1 = good.find('.'), dot2 = good.rfind('.');
    std::string forged = good.substr(0, dot1 + 1) + other_claims + good.substr(dot2);
    RequireOAuthError(JwtGrant(emu, forged), "invalid_grant", "invalid assertion");
    RequireOAuthError(JwtGrant(emu, "not-a-jwt"), "invalid_grant", "invalid assertion");
  }
  SECTION("wrong issuer") {
    auto r = JwtGrant(
        emu, Jwt(Claims("someone-else", kIntegration, "https://login.salesforce.com", 120)));
    RequireOAuthError(r, "invalid_client_id", "client identifier invalid");
  }
  SECTION("unknown subject") {
    auto r = JwtGrant(
        emu, Jwt(Claims(kClientId, "nobody@sfnotify.demo", "https://login.salesforce.com", 120)));
    RequireOAuthError(r, "invalid_grant", "user hasn't approved this consumer");
  }
  SECTION("My Domain audience is refused") {
    auto r = JwtGrant(emu, Jwt(Claims(kClientId, kIntegration, emu.url(), 120)));
    RequireOAuthError(r, "invalid_grant", "audience is invalid");
  }
  SECTION("exp: 3 minutes of clock skew past it, no upper bound (as Salesforce documents)") {
    RequireOAuthError(
        JwtGrant(emu, Jwt(Claims(kClientId, kIntegration, "https://login.salesforce.com", -200))),
        "invalid_grant", "expired authorization code");
    CHECK(JwtGrant(emu, Jwt(Claims(kClientId, kIntegration, "https://login.salesforce.com", -60)))
              .status == 200);
    CHECK(JwtGrant(emu, Jwt(Claims(kClientId, kIntegration, "https://login.salesforce.com", 600)))
              .status == 200);
    // The Salesforce CLI's assertion: exp = Date.now() + 300 (milliseconds).
    std::string cli_claims = R"({"iss":")" + std::string(kClientId) + R"(","sub":")" +
                             kIntegration + R"(","aud":"https://login.salesforce.com","exp":)" +
                             std::to_string(sfn::timeutil::NowMillis() + 300) + "}";
    CHECK(JwtGrant(emu, Jwt(cli_claims)).status == 200);
  }
}

TEST_CASE("refresh tokens: reusable without rotation, rotation revokes the family on reuse",
          "[sfemu][oauth]") {
  Sfemu emu;
  auto issued =
      emu.Send("POST", "/__emulator/oauth/refresh-token", R"({"username":"sender@sfnotify.demo"})");
  REQUIRE(issued.status == 201);
  std::string rt = Parse(issued.body)["refresh_token"].GetString();
  std::string form = std::string("grant_type=refresh_token&client_id=") + kClientId +
                     "&client_secret=" + kClientSecret + "&refresh_token=";
  auto first = emu.Form("/services/oauth2/token", form + rt);
  REQUIRE(first.status == 200);
  CHECK_FALSE(Parse(first.body).HasMember("refresh_token"));
  REQUIRE(emu.Form("/services/oauth2/token", form + rt).status == 200);  // no rotation: reusable
  RequireOAuthError(emu.Form("/services/oauth2/token", form + "5Aep861unknown"), "invalid_grant",
                    "expired access/refresh token");

  REQUIRE(
      emu.Send("POST", "/__emulator/oauth/settings", R"({"refresh_token_rotation":true})").status ==
      200);
  auto rotated = emu.Form("/services/oauth2/token", form + rt);
  REQUIRE(rotated.status == 200);
  auto rdoc = Parse(rotated.body);
  REQUIRE(rdoc.HasMember("refresh_token"));
  std::string rt2 = rdoc["refresh_token"].GetString();
  std::string access2 = rdoc["access_token"].GetString();
  CHECK(rt2 != rt);
  CHECK(RestStatus(emu, access2) == 200);
  // Replaying the rotated token revokes the whole family, including rt2 and its access token.
  RequireOAuthError(emu.Form("/services/oauth2/token", form + rt), "invalid_grant",
                    "expired authorization code");
  RequireOAuthError(emu.Form("/services/oauth2/token", form + rt2), "invalid_grant",
                    "expired access/refresh token");
  CHECK(RestStatus(emu, access2) == 401);
}

TEST_CASE("revoke and introspect", "[sfemu][oauth]") {
  Sfemu emu;
  std::string token = emu.Login();
  std::string creds = std::string("client_id=") + kClientId + "&client_secret=" + kClientSecret;
  auto active = Parse(emu.Form("/services/oauth2/introspect", creds + "&token=" + token).body);
  CHECK(active["active"].GetBool());
  CHECK(std::string(active["token_type"].GetString()) == "access_token");
  CHECK(active["exp"].GetInt64() > sfn::timeutil::NowSeconds());

  CHECK(emu.Form("/services/oauth2/introspect", "client_id=x&client_secret=y&token=" + token)
            .status == 401);
  REQUIRE(emu.Form("/services/oauth2/revoke", "token=" + token).status == 200);
  CHECK(RestStatus(emu, token) == 401);
  CHECK_FALSE(
      Parse(emu.Form("/services/oauth2/introspect", creds + "&token=" + token).body)["active"]
          .GetBool());
  auto bad = emu.Form("/services/oauth2/revoke", "token=nonsense");
  REQUIRE(bad.status == 400);
  CHECK(std::string(Parse(bad.body)["error"].GetString()) == "invalid_token");

  // Revoking a refresh token revokes the access tokens minted from it.
  std::string rt = Parse(emu.Send("POST", "/__emulator/oauth/refresh-token",
                                  std::string(R"({"username":")") + kIntegration + "\"}")
                             .body)["refresh_token"]
                       .GetString();
  auto refreshed = emu.Form(
      "/services/oauth2/token",
      "grant_type=refresh_token&client_id=" + std::string(kClientId) + "&refresh_token=" + rt);
  REQUIRE(refreshed.status == 200);
  std::string access = Parse(refreshed.body)["access_token"].GetString();
  REQUIRE(emu.Form("/services/oauth2/revoke", "token=" + rt).status == 200);
  CHECK(RestStatus(emu, access) == 401);
}

TEST_CASE("access tokens expire after --token-ttl", "[sfemu][oauth]") {
  Sfemu emu({"--token-ttl", "1"});
  std::string token = emu.Login();
  int status = 0;
  for (int i = 0; i < 60 && status != 401; ++i) {
    status = RestStatus(emu, token);
    if (status != 401) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(status == 401);
  auto r = emu.Api("GET", "/limits", token);
  CHECK(ErrorCode(r) == "INVALID_SESSION_ID");
  CHECK(std::string(Parse(r.body)[0]["message"].GetString()) == "Session expired or invalid");
}

TEST_CASE("expire-tokens hook invalidates access tokens but not refresh tokens", "[sfemu][oauth]") {
  Sfemu emu;
  std::string token = emu.Login();
  std::string rt = Parse(emu.Send("POST", "/__emulator/oauth/refresh-token",
                                  std::string(R"({"username":")") + kIntegration + "\"}")
                             .body)["refresh_token"]
                       .GetString();
  REQUIRE(RestStatus(emu, token) == 200);
  REQUIRE(emu.Send("POST", "/__emulator/expire-tokens").status == 200);
  CHECK(RestStatus(emu, token) == 401);
  auto refreshed = emu.Form("/services/oauth2/token",
                            "grant_type=refresh_token&client_id=" + std::string(kClientId) +
                                "&client_secret=" + kClientSecret + "&refresh_token=" + rt);
  REQUIRE(refreshed.status == 200);
  CHECK(RestStatus(emu, Parse(refreshed.body)["access_token"].GetString()) == 200);
}
