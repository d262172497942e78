#include <catch2/catch.hpp>

#include "common/crypto.h"
#include "common/json.h"
#include "salesforce/oauth.h"
#include "support/test_env.h"

using namespace sfn;
using namespace sfn::salesforce;

TEST_CASE("JWT audience is login or test, never My Domain", "[oauth]") {
  CHECK(DefaultAudience("https://login.salesforce.com") == "https://login.salesforce.com");
  CHECK(DefaultAudience("https://test.salesforce.com/") == "https://test.salesforce.com");
  CHECK(DefaultAudience("https://acme.my.salesforce.com") == "https://login.salesforce.com");
  CHECK(DefaultAudience("https://acme--uat.sandbox.my.salesforce.com") ==
        "https://test.salesforce.com");
  CHECK(DefaultAudience("https://acme--uat.my.salesforce.com") == "https://test.salesforce.com");
  CHECK(DefaultAudience("http://127.0.0.1:4567") == "https://login.salesforce.com");
}

TEST_CASE("JWT assertion is RS256-signed with the documented claims", "[oauth]") {
  std::string key = test::ReadFile(test::SourceDir() + "/sandbox/certs/sfemu-demo.key");
  std::string cert = test::ReadFile(test::SourceDir() + "/sandbox/certs/sfemu-demo.crt");
  REQUIRE_FALSE(key.empty());
  auto jwt = BuildJwtAssertion("client-1", "integration@sfnotify.demo",
                               "https://login.salesforce.com", 1700000180, key);
  REQUIRE(jwt.ok());
  const std::string& t = jwt.value();
  size_t dot1 = t.find('.'), dot2 = t.rfind('.');
  REQUIRE(dot1 != dot2);
  CHECK(crypto::Base64UrlDecode(t.substr(0, dot1)).value() == R"({"alg":"RS256"})");
  auto claims = json::Parse(crypto::Base64UrlDecode(t.substr(dot1 + 1, dot2 - dot1 - 1)).value());
  REQUIRE(claims.ok());
  CHECK(json::GetString(claims.value(), "iss") == "client-1");
  CHECK(json::GetString(claims.value(), "sub") == "integration@sfnotify.demo");
  CHECK(json::GetString(claims.value(), "aud") == "https://login.salesforce.com");
  CHECK(json::GetInt(claims.value(), "exp") == 1700000180);
  auto verified = crypto::VerifyRs256(cert, t.substr(0, dot2),
                                      crypto::Base64UrlDecode(t.substr(dot2 + 1)).value());
  REQUIRE(verified.ok());
  CHECK(verified.value());
  CHECK_FALSE(BuildJwtAssertion("c", "u", "a", 1, "not a key").ok());
  CHECK_FALSE(BuildJwtAssertion("", "u", "a", 1, key).ok());
}

TEST_CASE("token response signatures are checked with HMAC-SHA256 over id + issued_at", "[oauth]") {
  // Derived vector from the wire reference (§1.6).
  std::string id = "https://login.salesforce.com/id/00Dx0000000BV7z/005x00000012Q9P";
  CHECK(VerifyTokenSignature("secret", id, "1278448384422",
                             "0NPXCaakin01nUju03MMVSw0qBXhfwCUFLaY1OG6dRo="));
  CHECK_FALSE(VerifyTokenSignature("secret", id, "1278448384423",
                                   "0NPXCaakin01nUju03MMVSw0qBXhfwCUFLaY1OG6dRo="));
  CHECK_FALSE(VerifyTokenSignature("other", id, "1278448384422",
                                   "0NPXCaakin01nUju03MMVSw0qBXhfwCUFLaY1OG6dRo="));
}

TEST_CASE("Token exposes the org and user from the identity URL", "[oauth]") {
  Token t;
  t.id = "https://login.salesforce.com/id/00Dx0000000BV7z/005x00000012Q9P";
  CHECK(t.org_id() == "00Dx0000000BV7z");
  CHECK(t.user_id() == "005x00000012Q9P");
  t.id = "garbage";
  CHECK(t.user_id().empty());
}

TEST_CASE("token sources refuse incomplete configuration without a request", "[oauth]") {
  OAuthOptions o;
  o.login_url = "http://127.0.0.1:1";  // nothing listens; a request would fail differently
  o.client_id = "id";
  ClientCredentialsTokenSource cc(o);
  CHECK(cc.Fetch().status().code() == StatusCode::kInvalidArgument);
  RefreshTokenOptions r;
  r.client_id = "id";
  RefreshTokenSource rt(r);
  CHECK(rt.Fetch().status().code() == StatusCode::kInvalidArgument);
  JwtBearerOptions j;
  j.client_id = "id";
  j.username = "u";
  j.private_key_pem = "nope";
  CHECK(JwtBearerTokenSource(j).Fetch().status().code() == StatusCode::kInvalidArgument);
}
