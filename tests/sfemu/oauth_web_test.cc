// sfemu's OAuth 2.0 web server flow over HTTP: the authorize page and its login
// form, PKCE (S256) on the code exchange, single-use codes, redirect URI and
// client checks, and a record page the history's links open.
#include "common/crypto.h"
#include "common/form.h"
#include "sfemu_fixture.h"

using sfemu_test::kClientId;
using sfemu_test::kClientSecret;
using sfemu_test::kPassword;
using sfemu_test::Parse;
using sfemu_test::Sfemu;

namespace {

constexpr const char* kCallback = "http://127.0.0.1:9/auth/callback";

// sfemu as a browser reaches it: a redirect comes back as sent, not followed.
sfn::http::Response Browser(const Sfemu& org, const std::string& method, const std::string& target,
                            const std::string& form_body = "") {
  sfn::http::ClientOptions options;
  options.follow_redirects = false;
  sfn::http::Client client(org.url(), options);
  sfn::http::Request req;
  req.method = method;
  sfn::http::SplitTarget(target, &req.path, &req.query);
  req.body = form_body;
  if (!form_body.empty()) req.headers.Add("Content-Type", "application/x-www-form-urlencoded");
  auto r = client.Send(req);
  INFO(method << " " << target << ": " << (r.ok() ? "" : r.status().message()));
  REQUIRE(r.ok());
  return r.value();
}

std::string Param(const std::string& url, const std::string& name) {
  size_t q = url.find('?');
  return q == std::string::npos ? "" : sfn::form::Get(sfn::form::Parse(url.substr(q + 1)), name);
}

std::string AuthorizeQuery(const std::string& challenge, const std::string& redirect = kCallback) {
  return std::string("response_type=code&client_id=") + kClientId +
         "&redirect_uri=" + sfn::form::Encode(redirect) +
         "&scope=" + sfn::form::Encode("id refresh_token") + "&state=st-1" +
         (challenge.empty() ? "" : "&code_challenge=" + challenge + "&code_challenge_method=S256");
}

// Logs `user` in through the form; returns the code from the callback redirect.
std::string Code(const Sfemu& org, const std::string& challenge,
                 const std::string& user = "sender@sfnotify.demo") {
  auto r = Browser(org, "POST", "/services/oauth2/authorize",
                   AuthorizeQuery(challenge) + "&username=" + sfn::form::Encode(user) +
                       "&password=" + kPassword);
  INFO(r.body);
  REQUIRE(r.status == 302);
  std::string location = r.headers.Get("Location");
  REQUIRE(location.rfind(std::string(kCallback) + "?", 0) == 0);
  CHECK(Param(location, "state") == "st-1");
  return Param(location, "code");
}

sfn::http::Response Exchange(const Sfemu& org, const std::string& code, const std::string& verifier,
                             const std::string& redirect = kCallback) {
  return org.Form("/services/oauth2/token",
                  std::string("grant_type=authorization_code&client_id=") + kClientId +
                      "&redirect_uri=" + sfn::form::Encode(redirect) +
                      "&code=" + sfn::form::Encode(code) +
                      (verifier.empty() ? "" : "&code_verifier=" + verifier));
}

std::string ErrorDescription(const sfn::http::Response& r) {
  return Parse(r.body)["error_description"].GetString();
}

}  // namespace

TEST_CASE("authorize shows a login form and redirects with a code the PKCE verifier redeems once",
          "[sfemu][oauth][web]") {
  Sfemu org;
  auto page = Browser(org, "GET", "/services/oauth2/authorize?" + AuthorizeQuery("abc"));
  REQUIRE(page.status == 200);
  CHECK(page.headers.Get("Content-Type").rfind("text/html", 0) == 0);
  CHECK(page.body.find("id=\"username\"") != std::string::npos);
  CHECK(page.body.find("name=\"code_challenge\" value=\"abc\"") != std::string::npos);

  auto wrong = Browser(org, "POST", "/services/oauth2/authorize",
                       AuthorizeQuery("abc") + "&username=sender%40sfnotify.demo&password=nope");
  CHECK(wrong.status == 200);
  CHECK(wrong.body.find("check your username and password") != std::string::npos);

  std::string verifier = sfn::crypto::RandomHex(32);
  std::string challenge = sfn::crypto::Base64UrlEncode(sfn::crypto::Sha256(verifier));
  std::string code = Code(org, challenge);
  auto token = Exchange(org, code, verifier);
  INFO(token.body);
  REQUIRE(token.status == 200);
  auto doc = Parse(token.body);
  CHECK(std::string(doc["scope"].GetString()) == "id refresh_token");
  CHECK(doc.HasMember("refresh_token"));
  std::string id_url = doc["id"].GetString();
  CHECK(id_url.find("/id/") != std::string::npos);
  // The token works, and it is the sender's.
  auto me = org.Api("GET", "/sobjects/User/" + id_url.substr(id_url.rfind('/') + 1),
                    doc["access_token"].GetString());
  CHECK(me.status == 200);
  CHECK(Parse(me.body)["Username"] == "sender@sfnotify.demo");

  // Single use: the same code again is refused.
  auto again = Exchange(org, code, verifier);
  CHECK(again.status == 400);
  CHECK(std::string(Parse(again.body)["error"].GetString()) == "invalid_grant");
}

TEST_CASE("the code exchange refuses a wrong or missing verifier and another redirect URI",
          "[sfemu][oauth][web]") {
  Sfemu org;
  std::string verifier = sfn::crypto::RandomHex(32);
  std::string challenge = sfn::crypto::Base64UrlEncode(sfn::crypto::Sha256(verifier));

  auto bad = Exchange(org, Code(org, challenge), sfn::crypto::RandomHex(32));
  CHECK(bad.status == 400);
  CHECK(std::string(Parse(bad.body)["error"].GetString()) == "invalid_grant");
  CHECK(ErrorDescription(bad) == "invalid code verifier");

  auto missing = Exchange(org, Code(org, challenge), "");
  CHECK(missing.status == 400);
  CHECK(ErrorDescription(missing) == "invalid code verifier");

  auto moved = Exchange(org, Code(org, challenge), verifier, "http://127.0.0.1:9/elsewhere");
  CHECK(moved.status == 400);
  CHECK(std::string(Parse(moved.body)["error"].GetString()) == "redirect_uri_mismatch");

  // Without PKCE the client secret is required.
  std::string plain = Code(org, "");
  auto no_secret = Exchange(org, plain, "");
  CHECK(no_secret.status == 400);
  CHECK(std::string(Parse(no_secret.body)["error"].GetString()) == "invalid_client");
  auto with_secret =
      org.Form("/services/oauth2/token", std::string("grant_type=authorization_code&client_id=") +
                                             kClientId + "&client_secret=" + kClientSecret +
                                             "&redirect_uri=" + sfn::form::Encode(kCallback) +
                                             "&code=" + sfn::form::Encode(Code(org, "")));
  CHECK(with_secret.status == 200);
}

TEST_CASE("authorize refuses an unknown client or a callback off this machine on its own page",
          "[sfemu][oauth][web]") {
  Sfemu org;
  auto client =
      Browser(org, "GET",
              "/services/oauth2/authorize?response_type=code&client_id=nope&redirect_uri=" +
                  sfn::form::Encode(kCallback));
  CHECK(client.status == 400);
  CHECK(client.body.find("invalid_client_id") != std::string::npos);
  CHECK_FALSE(client.headers.Has("Location"));

  auto remote = Browser(
      org, "GET", "/services/oauth2/authorize?" + AuthorizeQuery("", "https://evil.example/cb"));
  CHECK(remote.status == 400);
  CHECK(remote.body.find("redirect_uri_mismatch") != std::string::npos);
  CHECK_FALSE(remote.headers.Has("Location"));

  // Other problems go back to the (checked) callback as ?error=, with the state.
  auto type =
      Browser(org, "GET",
              std::string("/services/oauth2/authorize?response_type=token&client_id=") + kClientId +
                  "&redirect_uri=" + sfn::form::Encode(kCallback) + "&state=s9");
  CHECK(type.status == 302);
  CHECK(Param(type.headers.Get("Location"), "error") == "unsupported_response_type");
  CHECK(Param(type.headers.Get("Location"), "state") == "s9");
  auto method = Browser(org, "GET",
                        "/services/oauth2/authorize?" + AuthorizeQuery("") +
                            "&code_challenge=x&code_challenge_method=plain");
  CHECK(method.status == 302);
  CHECK(Param(method.headers.Get("Location"), "error") == "invalid_request");
}

TEST_CASE("a record's page opens at /{Id} with its name", "[sfemu][web]") {
  Sfemu org;
  auto leads = org.Records("Lead");
  const auto& lead = leads["records"][0];
  std::string id = lead["Id"].GetString();
  auto page = org.Send("GET", "/" + id);
  REQUIRE(page.status == 200);
  CHECK(page.headers.Get("Content-Type").rfind("text/html", 0) == 0);
  CHECK(page.body.find(std::string("<h1 id=\"name\">") + lead["Name"].GetString() + "</h1>") !=
        std::string::npos);
  CHECK(org.Send("GET", "/" + id.substr(0, 15)).status == 200);  // the 15-character form too
  CHECK(org.Send("GET", "/00Q000000000000AAA").status == 404);
}
