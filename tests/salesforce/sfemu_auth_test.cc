// Each OAuth flow against sfemu, its errors, and the connection's refresh policy.
#include <atomic>
#include <thread>

#include "salesforce/api_error.h"
#include "salesforce/record_id.h"
#include "salesforce/sobjects.h"
#include "sfemu_fixture.h"

using namespace sfn;
using namespace sfn::salesforce;
using namespace sfn::salesforce::testing;

TEST_CASE("JWT bearer flow gets a token for the integration user", "[sfemu][auth]") {
  Sfemu emu;
  auto token = emu.Jwt()->Fetch();
  REQUIRE(token.ok());
  CHECK(token->instance_url == emu.url());
  CHECK(KeyPrefix(token->user_id()) == "005");
  CHECK(token->org_id().substr(0, 15) == MakeId("00D", 1).substr(0, 15));
  CHECK_FALSE(token->refresh_token);
}

TEST_CASE("JWT bearer errors are typed and not retried", "[sfemu][auth]") {
  Sfemu emu;
  SECTION("wrong audience") {
    auto o = emu.JwtOptions();
    o.audience = emu.url();  // a My Domain style audience is refused
    auto token = JwtBearerTokenSource(o).Fetch();
    REQUIRE_FALSE(token.ok());
    CHECK(token.status().code() == StatusCode::kUnauthenticated);
    auto error = ApiError::From(token.status());
    REQUIRE(error);
    CHECK(error->error_code == "invalid_grant");
    CHECK(error->message.find("audience") != std::string::npos);
  }
  SECTION("unknown user") {
    auto o = emu.JwtOptions();
    o.username = "nobody@sfnotify.demo";
    auto token = JwtBearerTokenSource(o).Fetch();
    REQUIRE_FALSE(token.ok());
    CHECK(ApiError::From(token.status())->error_code == "invalid_grant");
  }
  SECTION("unknown connected app") {
    auto o = emu.JwtOptions();
    o.client_id = "some-other-app";
    CHECK_FALSE(JwtBearerTokenSource(o).Fetch().ok());
  }
  CHECK(emu.TokenRequests() == 1);  // invalid_grant is never retried
}

TEST_CASE("token endpoint unknown_error is retried with backoff", "[sfemu][auth]") {
  Sfemu emu;
  emu.Fault("unknown_error", 2, "POST", "/services/oauth2/token");
  auto token = emu.Jwt()->Fetch();
  REQUIRE(token.ok());
  CHECK(emu.TokenRequests() == 3);
}

TEST_CASE("client credentials flow verifies the response signature", "[sfemu][auth]") {
  Sfemu emu;
  OAuthOptions o;
  o.login_url = emu.url();
  o.client_id = kClientId;
  o.client_secret = kClientSecret;
  auto token = ClientCredentialsTokenSource(o).Fetch();
  REQUIRE(token.ok());
  CHECK(KeyPrefix(token->user_id()) == "005");
  o.client_secret = "wrong";
  auto refused = ClientCredentialsTokenSource(o).Fetch();
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == StatusCode::kUnauthenticated);
}

TEST_CASE("username-password flow and its errors", "[sfemu][auth]") {
  Sfemu emu;
  PasswordOptions o;
  o.login_url = emu.url();
  o.client_id = kClientId;
  o.client_secret = kClientSecret;
  o.username = kIntegrationUser;
  o.password = kPassword;
  auto token = PasswordTokenSource(o).Fetch();
  REQUIRE(token.ok());
  o.password = "wrong";
  auto refused = PasswordTokenSource(o).Fetch();
  REQUIRE_FALSE(refused.ok());
  CHECK(ApiError::From(refused.status())->error_code == "invalid_grant");
}

TEST_CASE("refresh token flow follows rotation", "[sfemu][auth]") {
  Sfemu emu;
  emu.Hook("POST", "oauth/settings", R"({"refresh_token_rotation":true})");
  auto issued =
      emu.Hook("POST", "oauth/refresh-token", R"({"username":"integration@sfnotify.demo"})");
  std::string original = json::GetString(issued, "refresh_token").value_or("");
  REQUIRE_FALSE(original.empty());
  RefreshTokenOptions o;
  o.login_url = emu.url();
  o.client_id = kClientId;
  o.client_secret = kClientSecret;
  o.refresh_token = original;
  std::vector<std::string> rotations;
  o.on_rotated = [&](const std::string& t) { rotations.push_back(t); };
  RefreshTokenSource source(o);
  // Concurrent fetches must not send the same refresh token twice: with rotation
  // on, that would revoke the whole token family.
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 5; ++i) {
    threads.emplace_back([&] {
      if (source.Fetch().ok()) ok++;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(ok == 5);
  REQUIRE(rotations.size() == 5);
  CHECK(source.current_refresh_token() == rotations.back());
  CHECK(source.current_refresh_token() != original);
  // The original token was rotated away: using it again is refused.
  RefreshTokenSource stale(o);
  auto refused = stale.Fetch();
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == StatusCode::kUnauthenticated);
  CHECK(ApiError::From(refused.status())->error_code == "invalid_grant");
}

TEST_CASE("a refresh token the org does not know is refused", "[sfemu][auth]") {
  Sfemu emu;
  RefreshTokenOptions o;
  o.login_url = emu.url();
  o.client_id = kClientId;
  o.client_secret = kClientSecret;
  o.refresh_token = "not-a-refresh-token";
  auto refused = RefreshTokenSource(o).Fetch();
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == StatusCode::kUnauthenticated);
  CHECK(emu.TokenRequests() == 1);
}

TEST_CASE("the connection reuses its token instead of logging in per call", "[sfemu][auth]") {
  Sfemu emu;
  auto connection = emu.Connect();
  for (int i = 0; i < 10; ++i) REQUIRE(connection->CallJson("GET", "/limits/").ok());
  CHECK(emu.TokenRequests() == 1);
  CHECK(connection->token_fetches() == 1);
}

TEST_CASE("30 concurrent requests on an expired token cause exactly one refresh", "[sfemu][auth]") {
  Sfemu emu;
  auto connection = emu.Connect();
  REQUIRE(connection->Connect().ok());
  REQUIRE(GetLimits(*connection).ok());
  emu.Hook("POST", "expire-tokens");
  emu.ClearRequests();
  std::atomic<int> succeeded{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 30; ++i) {
    threads.emplace_back([&] {
      if (connection->CallJson("GET", "/limits/").ok()) succeeded++;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(succeeded == 30);
  CHECK(emu.TokenRequests() == 1);
  CHECK(connection->token_fetches() == 2);
  CHECK(emu.Count("GET", connection->data_path() + "/limits") >=
        31);  // 30 + the rejected ones retried
}

TEST_CASE("refresh is capped: a token rejected again is not refreshed in a loop", "[sfemu][auth]") {
  Sfemu emu;
  auto connection = emu.Connect();
  REQUIRE(connection->Connect().ok());
  emu.ClearRequests();
  emu.Fault("INVALID_SESSION_ID", 5, "GET", "/services/data/v62.0/limits");
  auto result = connection->CallJson("GET", "/limits/");
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == StatusCode::kUnauthenticated);
  CHECK(emu.TokenRequests() == 1);
  CHECK(emu.Count("GET", "/services/data/v62.0/limits") == 2);
}

TEST_CASE("REQUEST_LIMIT_EXCEEDED neither refreshes nor retries", "[sfemu][auth]") {
  Sfemu emu;
  auto connection = emu.Connect();
  REQUIRE(connection->Connect().ok());
  emu.ClearRequests();
  emu.Fault("REQUEST_LIMIT_EXCEEDED", 1, "GET");
  auto result = connection->CallJson("GET", "/limits/");
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == StatusCode::kRateLimited);
  CHECK(ApiError::From(result.status())->error_code == "REQUEST_LIMIT_EXCEEDED");
  CHECK(emu.TokenRequests() == 0);
  CHECK(emu.Count("GET", "/services/data/") == 1);
}
