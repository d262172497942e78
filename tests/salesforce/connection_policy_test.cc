// Connection policy edges sfemu cannot provoke deterministically, checked
// against an in-process fake org (sfn::http::Server) that counts requests.
#include <catch2/catch.hpp>

#include <atomic>
#include <functional>

#include "common/http_server.h"
#include "salesforce/api_error.h"
#include "salesforce/connection.h"
#include "salesforce/oauth.h"

using namespace sfn;
using namespace sfn::salesforce;

namespace {

class FixedTokenSource : public TokenSource {
 public:
  explicit FixedTokenSource(std::string url) : url_(std::move(url)) {}
  Result<Token> Fetch() override {
    fetches++;
    Token t;
    t.access_token = "token-" + std::to_string(fetches.load());
    t.instance_url = url_;
    return t;
  }
  const char* flow() const override { return "fixed"; }
  std::atomic<int> fetches{0};

 private:
  std::string url_;
};

struct FakeOrg {
  explicit FakeOrg(std::function<http::Response(const http::Request&)> answer)
      : server(http::ServerOptions{}, [this, answer](http::Request&& r, http::Responder responder) {
          requests++;
          responder.Send(answer(r));
        }) {
    REQUIRE(server.Start().ok());
  }
  std::atomic<int> requests{0};
  http::Server server;
};

ConnectionOptions Fast() {
  ConnectionOptions o;
  o.retry.initial_backoff = std::chrono::milliseconds(1);
  o.retry.max_backoff = std::chrono::milliseconds(5);
  return o;
}

}  // namespace

TEST_CASE("a 401 other than INVALID_SESSION_ID never triggers a refresh", "[connection]") {
  FakeOrg org([](const http::Request&) {
    return http::JsonResponse(
        401,
        R"([{"message":"This session is not valid for use with the REST API","errorCode":"INVALID_AUTH_HEADER"}])");
  });
  auto source = std::make_shared<FixedTokenSource>(org.server.base_url());
  Connection connection(source, Fast());
  auto result = connection.CallJson("GET", "/limits/");
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == StatusCode::kUnauthenticated);
  CHECK(source->fetches == 1);
  CHECK(org.requests == 1);
}

TEST_CASE("an ambiguous 502 is retried for reads but not for a create", "[connection]") {
  FakeOrg org(
      [](const http::Request&) { return http::TextResponse(502, "<html>bad gateway</html>"); });
  auto source = std::make_shared<FixedTokenSource>(org.server.base_url());
  Connection connection(source, Fast());
  auto create = connection.Call("POST", "/sobjects/Task/", R"({"Subject":"x"})");
  REQUIRE_FALSE(create.ok());
  CHECK(ApiError::From(create.status())->http_status == 502);
  CHECK(org.requests == 1);
  CallOptions idempotent;
  idempotent.idempotent = true;
  CHECK_FALSE(connection.Call("POST", "/sobjects/Task/", R"({"Subject":"x"})", idempotent).ok());
  CHECK(org.requests == 1 + 4);
  CHECK_FALSE(connection.Call("GET", "/limits/").ok());
  CHECK(org.requests == 1 + 4 + 4);
}

TEST_CASE("an empty api_version is discovered from the version list", "[connection]") {
  FakeOrg org([](const http::Request& r) {
    if (r.path == "/services/data/") {
      return http::JsonResponse(200, R"([{"version":"59.0","url":"/services/data/v59.0"},
                                         {"version":"61.0","url":"/services/data/v61.0"},
                                         {"version":"60.0","url":"/services/data/v60.0"}])");
    }
    http::Response ok = http::JsonResponse(200, R"({"path":")" + r.path + R"("})");
    ok.headers.Set("Sforce-Limit-Info", "api-usage=12/15000");
    return ok;
  });
  ConnectionOptions o = Fast();
  o.api_version.clear();
  Connection connection(std::make_shared<FixedTokenSource>(org.server.base_url()), o);
  auto doc = connection.CallJson("GET", "/limits/");
  REQUIRE(doc.ok());
  CHECK(connection.api_version() == "61.0");
  CHECK(doc.value()["path"] == "/services/data/v61.0/limits/");
  CHECK(connection.usage().used == 12);
  CHECK(connection.usage().max == 15000);
}

TEST_CASE("a token response whose signature does not match is refused", "[connection][oauth]") {
  FakeOrg org([](const http::Request&) {
    return http::JsonResponse(200, R"({"access_token":"t","instance_url":"http://127.0.0.1:1",
      "id":"https://login.salesforce.com/id/00Dx0000000BV7z/005x00000012Q9P","issued_at":"1278448384422",
      "signature":"0NPXCaakin01nUju03MMVSw0qBXhfwCUFLaY1OG6dRo=","token_type":"Bearer"})");
  });
  OAuthOptions o;
  o.login_url = org.server.base_url();
  o.client_id = "id";
  o.client_secret = "secret";  // the reference vector's secret: signature matches
  CHECK(ClientCredentialsTokenSource(o).Fetch().ok());
  o.client_secret = "another-secret";
  auto refused = ClientCredentialsTokenSource(o).Fetch();
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == StatusCode::kUnauthenticated);
  CHECK(refused.status().message().find("signature") != std::string::npos);
}
